"""What every benchmark here shares: a throwaway PostgreSQL database, and a child process that runs
Sanfu on a given database (a fresh interpreter, so each backend starts from clean settings)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

PG_DSN = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def run_child(script: str, args: list[str], database_url: str, home: Path) -> dict[str, Any]:
    """Run ``script args`` with Sanfu pointed at ``database_url``; its last stdout line is JSON."""
    (home / "var").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SANFU_DATABASE_URL": database_url,
        "SANFU_SECRET_KEY": secrets.token_urlsafe(48),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
        "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
        "SANFU_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_DEBUG": "0",
    }
    result = subprocess.run([sys.executable, script, *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"the benchmark child {Path(script).name} failed on {database_url}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def postgresql_database(prefix: str) -> str | None:
    """Create a throwaway database named ``prefix_<pid>``; None when PostgreSQL is not reachable."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **PG_DSN) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping its figures")
        return None
    return name


def drop_postgresql_database(name: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG_DSN) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
