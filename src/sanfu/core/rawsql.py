"""Statements on hot paths, sent straight to the DB-API connection under Django's.

The same connection (so the same transaction) Django uses, in the driver's own parameter style: Django's
cursor wrapper (its execute wrappers, and on SQLite rewriting every ``%s`` to ``?`` with a regular
expression) costs more than a small statement itself. On PostgreSQL the statements are bound on the
server and prepared once per connection: Django's client-side binding sends the SQL as text every time,
and planning a three-table join took three times as long as running it. Errors are Django's
(:func:`fetchone` and :func:`fetchall` wrap them; a caller of :func:`execute` wraps its own block); these
statements do not appear in Django's query log.

Every function takes the connection wrapper ``db`` (:func:`db`) when the caller already holds it: the
``django.db.connection`` proxy looks the thread's connection up again at every attribute, and a step
touches it dozens of times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


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
    raw = dbapi(wrapper)
    if wrapper.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(raw).execute(sql, params, prepare=True)
    return raw.execute(sql, params)


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
