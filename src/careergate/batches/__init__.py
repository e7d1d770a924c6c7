"""The Files and Batch APIs: batches of model calls at half price, through the gateway.

A batch's lines are checked, authorised and pseudonymised when its input file is
uploaded (``intake.py``); the batch runs on its upstream's own Batch API when the one
deployment serving its lines has one, else the gateway runs the lines itself as a
background task (``tasks/kinds/batch_lines.py``). Every open batch is followed by
whichever process gets to it (``follower.py``) until it ends, then metered once
(``metering.py``); its output is restored when its owner downloads it (``outputs.py``).
"""
