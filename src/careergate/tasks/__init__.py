"""Background tasks: long feature work run item by item on a job queue.

A task is a kind (``kinds/``: resume generation for many users, job matching over
thousands of postings, an evaluation run, a batch of chat completions) and its items.
Submitting one (``service.py``) writes the task and its items to the database and puts
one message per item on the job queue (``queue.py``: huey, on a SQLite file by default
or on Redis). Workers (``workers.py``: threads of a gateway process or ``careergate
worker`` processes) take the messages and run each item through the gateway's request
path under the submitter's key (``runner.py``), so its model calls are limited,
budgeted and metered as the submitter's.

What the queue cannot promise, the item table does (``store.py``): an item is claimed by
the worker process running it (a lease owner, ``budgets/owners.py``) and its result is
written once, under that claim, keyed by task and item. Items of a worker that died are
run again, finished ones never (``recovery.py``). A task that asked for one gets a
signed webhook when it ends (``webhooks.py``).
"""
