"""Strict parsers for settings read from the environment.

Every setting Sanfu reads comes through here: a value that does not parse is an error at start-up with
the variable's name, never a silent default. ``X_FILE`` variants read secrets from a file (Docker/K8s
secrets).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(RuntimeError):
    """A setting in the environment is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def raw(name: str, default: str | None = None) -> str | None:
    """The value of ``name``, or the content of the file named by ``name_FILE``."""
    file_var = os.environ.get(f"{name}_FILE")
    if file_var:
        try:
            return Path(file_var).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file_var!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def string(name: str, default: str) -> str:
    value = raw(name, default)
    return default if value is None else value


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    value = raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError as exc:
        raise ConfigError(f"{name}={value!r} is not an integer") from exc
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} must be at least {minimum}")
    return number


def string_list(name: str, default: list[str]) -> list[str]:
    value = raw(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


# Every SQLite connection's settings. A commit appends its pages to the write-ahead log; copying the log
# back into the database (a checkpoint, with its fsyncs) is left to the worker, every minute
# (``core.tasks.checkpoint_sqlite``): a request's commit only runs one itself past 10,000 pages (~40 MB),
# and a checkpoint then copies each page once however often it was rewritten. The log file is cut back
# to 64 MB after a checkpoint.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON; "
    "PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864;"
)


def _prepare_threshold(value: str) -> int | None:
    """``prepare_threshold`` from the database URL: executions before a statement is prepared (psycopg's
    setting); ``0`` turns preparing off here."""
    try:
        threshold = int(value)
    except ValueError:
        raise ConfigError(f"prepare_threshold must be a whole number, not {value!r}") from None
    return threshold if threshold > 0 else None


def database(url: str) -> dict[str, Any]:
    """Django DATABASES entry for ``sqlite:///relative/or//absolute.db`` or ``postgresql://…``."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("/"):
            path = path[1:]  # sqlite:///var/x.db → var/x.db ; sqlite:////abs/x.db → /abs/x.db
        if not path:
            raise ConfigError(f"database URL {url!r} names no SQLite file")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so racing writers queue instead of deadlocking.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": SQLITE_PRAGMAS,
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"database URL {url!r} names no database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            # Prepared statements for the workflow's hot statements (``sanfu.core.rawsql``, bound on the
            # server); Django's own queries are bound client-side and never prepared. ``0`` behind a
            # pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).
            "OPTIONS": {**options, "prepare_threshold": _prepare_threshold(options.get("prepare_threshold", "1"))},
        }
    raise ConfigError(f"database URL {url!r}: scheme must be sqlite or postgresql")
