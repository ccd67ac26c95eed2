"""The REST API's kit: tokens, authentication, the error envelope, idempotency keys, cursor pagination and
the registry through which each domain adds its own router (``<domain>/api.py``).

It sits between ``org`` and ``accounts`` in the layers: it knows people and tokens, never a domain; the
domains import it to declare their operations, and the site is assembled from what they registered."""
