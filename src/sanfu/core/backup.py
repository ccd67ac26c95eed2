"""Consistent copies of the database: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connection


class BackupError(RuntimeError):
    """The copy could not be made or restored."""


def _pg_env(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools are needed)") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[:500]}") from exc


def backup(target: Path) -> Path:
    """Write a consistent copy of the live database to ``target`` while Sanfu keeps running."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        if target.exists():
            target.unlink()
        with sqlite3.connect(target) as destination:
            connection.connection.backup(destination)
        destination.close()
        return target
    if connection.vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)
        return target
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def restore(source: Path) -> None:
    """Replace the live database's content with a copy made by :func:`backup`. Stop the web and
    worker processes first: restoring under them loses their writes."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if connection.vendor == "sqlite":
        with sqlite3.connect(source) as origin:
            check = origin.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{source} is not a sound SQLite database: {check}")
            connection.ensure_connection()
            origin.backup(connection.connection)
        origin.close()
        return
    if connection.vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        connection.close()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)], env)
        return
    raise BackupError(f"restoring {connection.vendor} databases is not supported")
