"""The dashboard served by the gateway at ``/dashboard``: usage and cost, budgets, keys,
alerts, upstream health and performance, cache savings and eval results, drawn in the
browser from the admin API's reports.

Pages are plain HTML shells rendered on the server (``templates/``); each page's
script (``static/pages/``) reads its reports from ``/admin/...`` with the session
cookie and draws them with Chart.js, installed from the npm registry at build time
(``make install``, ``web/package-lock.json``) into ``static/vendor/``. Nothing is
fetched from elsewhere at run time, and every script and style is the gateway's own,
which the dashboard's Content-Security-Policy holds it to (``http/security_headers.py``).
"""
