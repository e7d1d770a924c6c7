"""Usage records and audit entries written by a process of their own.

Writing a batch (building rows, sealing and chaining audit entries, the SQLite insert)
took about a sixth of the gateway's event loop under load (docs/benchmarks.md). The
gateway keeps buffering records as before (``storage/buffered.py``) and hands each batch,
encoded once, to a child process that writes it and answers; the batch's retries, its
isolation of a refused record and the dead-letter file stay in the gateway, so a child
that dies loses nothing: its batch is retried by a new one.
"""
