"""What decides whether a person can take a job beyond the words they share: seniority
(``levels.py``), licences and certificates (``credentials.py``), place and the right to
work there (``place.py``). Job matching multiplies its relevance by these fits."""
