"""Statements on hot paths, sent straight to the DB-API connection under Django's.

The same connection (so the same transaction) Django uses, in the driver's own parameter style: Django's
cursor wrapper (its execute wrappers, and on SQLite rewriting every ``%s`` to ``?`` with a regular
expression) costs more than a small statement itself. On PostgreSQL the statements are bound on the
server and prepared once per connection: Django's client-side binding sends the SQL as text every time,
and planning a three-table join took three times as long as running it. Errors are Django's
(:func:`fetchone` and :func:`fetchall` wrap them; a caller of :func:`execute` wraps its own block); these
statements do not appear in Django's query log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def mark(vendor: str) -> str:
    """The driver's parameter marker: sqlite3 takes ``?``, psycopg ``%s``."""
    return "?" if vendor == "sqlite" else "%s"


def dbapi() -> Any:
    """The DB-API connection under Django's, opened if need be."""
    connection.ensure_connection()
    return connection.connection


def execute(sql: str, params: Sequence[Any] = ()) -> Any:
    """Run one statement (its markers from :func:`mark`); the DB-API cursor, to fetch from."""
    raw = dbapi()
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(raw).execute(sql, params, prepare=True)
    return raw.execute(sql, params)


def fetchone(sql: str, params: Sequence[Any] = ()) -> Any:
    """The first row of one statement (or None), errors as Django's."""
    with connection.wrap_database_errors:
        return execute(sql, params).fetchone()


def fetchall(sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Every row of one statement, errors as Django's."""
    with connection.wrap_database_errors:
        return list(execute(sql, params).fetchall())
