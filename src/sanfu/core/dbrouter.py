"""Read replica routing: the read-only pages read from the replica, everything else stays on the primary.

With ``SANFU_DATABASE_REPLICA_URL`` set, settings add the ``replica`` database, :class:`ReplicaRouter` and
:class:`ReplicaPagesMiddleware`. The middleware marks a request as replica-readable when it is a GET or HEAD of a
page named in ``SANFU_REPLICA_PAGES`` (URL names, ``*`` as a wildcard): reports, search, the efficiency review
and the exports, whose readers accept data a moment old. For such a request the router sends reads to the
replica, except:

* every write, on any page, goes to the primary, and so does every read inside a transaction on the primary (a
  service that writes reads what it writes);
* people, roles, sessions, lockout and second factors are always read from the primary: a password changed, a
  role withdrawn or an account locked a moment ago must count on the next request, replica lag or not.

Every other page, and the API, reads from the primary. The replica is never migrated (it receives its schema
from the primary by replication).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"

# Read from the primary whatever the page: who may do what, and whether they are signed in.
PRIMARY_ONLY_APPS = frozenset(
    {"accounts", "auth", "sessions", "axes", "otp_totp", "otp_static", "django_otp", "contenttypes", "admin", "huey"}
)

_replica_reads: ContextVar[bool] = ContextVar("sanfu_replica_reads", default=False)


def replica_reads_active() -> bool:
    """Whether this request (or block, see :func:`replica_reads`) may read from the replica."""
    return _replica_reads.get()


class replica_reads:  # noqa: N801  # used as a context manager, like transaction.atomic
    """Reads inside the block may go to the replica (as on a read-only page): for commands and reports run
    outside a request."""

    def __enter__(self) -> None:
        self._token = _replica_reads.set(True)

    def __exit__(self, *exc: object) -> None:
        _replica_reads.reset(self._token)


class ReplicaRouter:
    """Django's database router for a primary (``default``) and one read replica (``replica``)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (
            _replica_reads.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the same rows on both: an object read from the replica may be related to one of the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def is_replica_page(view_name: str) -> bool:
    return any(fnmatch.fnmatchcase(view_name, pattern) for pattern in settings.SANFU_REPLICA_PAGES)


class ReplicaPagesMiddleware:
    """Marks GET and HEAD requests of the pages in ``SANFU_REPLICA_PAGES`` as replica-readable, for the view only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _replica_reads.set(False)  # a thread serves many requests: none inherits another's mark
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        match = request.resolver_match
        if request.method in {"GET", "HEAD"} and match is not None and is_replica_page(match.view_name):
            _replica_reads.set(True)
