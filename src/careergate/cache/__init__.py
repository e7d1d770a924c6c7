"""The response cache: answers kept per end user and served again for the same request.

The lookup is a step of the request path (``core/steps/cache.py``) placed after the
privacy step, so that keys and stored answers are built from the request as the
upstream sees it (pseudonymised) and the answer's personal data is restored per
request. Each endpoint's spec says what its key is made of (``EndpointSpec.cache``);
this package holds the rules (``policy.py``), the keys and scopes (``keys.py``), the
stored form (``entry.py``), the stores (``memory.py``, ``redis_store.py``) and the
optional semantic index (``semantic.py``).
"""
