"""Statements on hot paths, sent straight to the DB-API connection under Django's.

The same connection (so the same transaction) Django uses, in the driver's own parameter style: Django's
cursor wrapper (its execute wrappers, and on SQLite rewriting every ``%s`` to ``?`` with a regular
expression) costs more than a small statement itself. On PostgreSQL the statements are bound on the
server and prepared once per connection: Django's client-side binding sends the SQL as text every time,
and planning a three-table join took three times as long as running it. Errors are Django's
(:func:`fetchone` and :func:`fetchall` wrap them; a caller of :func:`execute` wraps its own block). When
Django logs queries (DEBUG, ``CaptureQueriesContext``, ``assertNumQueries``), each statement is logged as
Django's debug cursor logs its own: appended to ``connection.queries_log`` (the SQL as sent, with the
driver's markers: parameters are not written into it) and to the ``django.db.backends`` logger; otherwise
that costs one check.

Every function takes the connection wrapper ``db`` (:func:`db`) when the caller already holds it: the
``django.db.connection`` proxy looks the thread's connection up again at every attribute, and a step
touches it dozens of times.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger("django.db.backends")


def db() -> BaseDatabaseWrapper:
    """This thread's default connection wrapper (what the ``connection`` proxy stands for)."""
    return connections[DEFAULT_DB_ALIAS]


def mark(vendor: str) -> str:
    """The driver's parameter marker: sqlite3 takes ``?``, psycopg ``%s``."""
    return "?" if vendor == "sqlite" else "%s"


def dbapi(wrapper: BaseDatabaseWrapper | None = None) -> Any:
    """The DB-API connection under Django's, opened if need be."""
    wrapper = wrapper or db()
    raw = wrapper.connection
    if raw is None:
        wrapper.ensure_connection()
        raw = wrapper.connection
    return raw


def execute(sql: str, params: Sequence[Any] = (), wrapper: BaseDatabaseWrapper | None = None) -> Any:
    """Run one statement (its markers from :func:`mark`); the DB-API cursor, to fetch from."""
    wrapper = wrapper or db()
    if wrapper.queries_logged:
        return _logged(sql, params, wrapper)
    raw = dbapi(wrapper)
    if wrapper.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(raw).execute(sql, params, prepare=True)
    return raw.execute(sql, params)


def _logged(sql: str, params: Sequence[Any], wrapper: BaseDatabaseWrapper) -> Any:
    """:func:`execute`, logged as Django's ``CursorDebugWrapper`` logs a statement (failed ones too)."""
    start = time.monotonic()
    try:
        raw = dbapi(wrapper)
        if wrapper.vendor == "postgresql":
            import psycopg

            return psycopg.Cursor(raw).execute(sql, params, prepare=True)
        return raw.execute(sql, params)
    finally:
        duration = time.monotonic() - start
        wrapper.queries_log.append({"sql": sql, "time": f"{duration:.3f}"})
        logger.debug(
            "(%.3f) %s; args=%s; alias=%s",
            duration,
            sql,
            params,
            wrapper.alias,
            extra={"duration": duration, "sql": sql, "params": params, "alias": wrapper.alias},
        )


def fetchone(sql: str, params: Sequence[Any] = (), wrapper: BaseDatabaseWrapper | None = None) -> Any:
    """The first row of one statement (or None), errors as Django's."""
    wrapper = wrapper or db()
    with wrapper.wrap_database_errors:
        return execute(sql, params, wrapper).fetchone()


def fetchall(sql: str, params: Sequence[Any] = (), wrapper: BaseDatabaseWrapper | None = None) -> list[Any]:
    """Every row of one statement, errors as Django's."""
    wrapper = wrapper or db()
    with wrapper.wrap_database_errors:
        return list(execute(sql, params, wrapper).fetchall())
