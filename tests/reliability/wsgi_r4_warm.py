"""The WSGI application R4's gunicorn serves: Sanfu's own, warmed in the master before it forks.

A worker forked from a preloaded master shares what the master had loaded. Django loads the URL
configuration (every view, the API's schemas) and compiles templates at the first request, which took a
cold worker over a second here; warmed once in the master, a worker that replaces a killed one serves at
once, as the old one did.
"""

from __future__ import annotations

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.template.loader import get_template
from django.test import Client

application = get_wsgi_application()

# The URL configuration, the login page and the translation catalogue; the instance page (a refused
# approval shows it again) is compiled too.
Client().get("/accounts/login/", HTTP_HOST="127.0.0.1")
get_template("approvals/instance.html")
connections.close_all()  # no connection may be shared by the forked workers
