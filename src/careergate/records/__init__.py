"""Durable writing of records (usage records, audit entries), off the request path.

The request path only hands a record over (``buffer.RecordSink``); everything after
that lives here:

- ``buffer``: the bounded buffer, flushed in batches, with retries and the isolation of
  a record the database refuses;
- ``dead_letters``: where such records are set aside, and how usage records come back;
- ``batch``: many-row inserts at the least cost to the event loop;
- ``tables``: each kind's writing into its table (usage records; audit entries,
  sealed and chained by the audit log's own rules, ``careergate.audit.chain``);
- the record process: ``process`` (the gateway's side), ``child`` (the process,
  ``python -m careergate.records.child``), ``wire`` (what they say to each other),
  ``kinds`` (how each kind travels) and ``offloaded`` (the buffered writer whose batches
  it writes).

Writing a batch in the gateway (building rows, sealing and chaining audit entries, the
SQLite insert) took about a sixth of its event loop under load (docs/benchmarks.md), so
by default the gateway keeps buffering records and hands each batch, encoded once, to a
child process that writes it and answers; the batch's retries, its isolation of a
refused record and the dead-letter file stay in the gateway, so a child that dies loses
nothing: its batch is retried by a new one.

Nothing is re-exported here: ``careergate.audit.chain`` imports ``batch``, and the
writers import the chain, so a re-exporting ``__init__`` would make an import loop.
"""
