"""The floor of a persisted workflow step: the statements Sanfu sent, replayed with no application code.

The raw commit rate (one tiny INSERT + UPDATE per transaction) says how fast the database commits; it
does not say how fast it can do the work a workflow step must do (read the task, check who is active,
write the state, the events, the task projection and the outbox). This module measures that: a
:class:`Recorder` notes every statement Sanfu's services send during a run — the SQL, its parameters as
the driver takes them, where each transaction begins and commits — and ``replay_*`` sends exactly those
statements again to a copy of the database as it was before the run, from a list, with nothing in
between. What the replay takes is the database's (and its driver's) share of a step; the rest of Sanfu's
time is Sanfu's own code. On PostgreSQL the replay sends each transaction's statements in one pipeline and
prepares them, as Sanfu does.

Used by ``bench/flow.py`` inside its Sanfu child process (Django set up, the benchmark's database migrated).
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Item = tuple[Any, ...]  # ("sql", sql, params) | ("begin",) | ("commit",)


class Recorder:
    """Records, per step, the statements sent on Django's default connection."""

    def __init__(self) -> None:
        self.steps: list[list[Item]] = []
        self._on = False

    def step(self) -> None:
        """The statements from now on belong to a new step (a start or a task completion)."""
        self.steps.append([])
        self._on = True

    def pause(self) -> None:
        """Stop recording (the benchmark's own lookups between steps)."""
        self._on = False

    def _note(self, item: Item) -> None:
        if self._on:
            self.steps[-1].append(item)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Hook the raw-SQL helper, Django's cursor and its transaction control while the block runs."""
        from django.db import connection

        from sanfu.core import rawsql

        raw_execute = rawsql.execute
        wrapper_class = type(rawsql.db())
        commit, set_autocommit = wrapper_class._commit, wrapper_class._set_autocommit
        vendor = connection.vendor

        def execute(sql: str, params: Any = (), wrapper: Any = None) -> Any:
            self._note(("sql", sql, list(params)))
            return raw_execute(sql, params, wrapper)

        def through_django(run: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            if params is not None and vendor == "sqlite":
                sql = sql.replace("%s", "?")  # what Django's SQLite cursor does before sending it
            self._note(("sql", sql, list(params) if params is not None else ()))
            return run(sql, params, many, context)

        def recorded_commit(wrapper: Any) -> Any:
            self._note(("commit",))
            return commit(wrapper)

        def recorded_set_autocommit(wrapper: Any, autocommit: bool) -> Any:
            if not autocommit:
                self._note(("begin",))
            return set_autocommit(wrapper, autocommit)

        rawsql.execute = execute  # type: ignore[assignment]
        wrapper_class._commit = recorded_commit
        wrapper_class._set_autocommit = recorded_set_autocommit
        try:
            with connection.execute_wrapper(through_django):
                yield
        finally:
            rawsql.execute = raw_execute  # type: ignore[assignment]
            wrapper_class._commit = commit
            wrapper_class._set_autocommit = set_autocommit


# --- copies of the database as it was before the recorded run -----------------------------------------


def sqlite_copies(path: Path, count: int) -> list[Path]:
    """Copies of the SQLite file (the caller has checkpointed it and closed its connection)."""
    copies = []
    for i in range(count):
        copy = path.with_name(f"{path.stem}.floor{i}{path.suffix}")
        shutil.copyfile(path, copy)
        copies.append(copy)
    return copies


def postgresql_copies(dbname: str, count: int, dsn: dict[str, Any]) -> list[str]:
    """Copies of the database (``CREATE DATABASE … TEMPLATE``: nobody may be connected to it)."""
    import psycopg

    names = [f"{dbname}_floor{i}" for i in range(count)]
    with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {dbname}")
    return names


# --- replay -------------------------------------------------------------------------------------------


def replay_sqlite(path: Path, steps: list[list[Item]], pragmas: str) -> float:
    """Seconds to send ``steps`` again on ``path`` (one connection with Sanfu's PRAGMAs, autocommit off
    by hand as Django does it: the recorded BEGIN IMMEDIATE, then COMMIT)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(pragmas)
    plan = [
        [("COMMIT", ()) if item[0] == "commit" else (item[1], item[2]) for item in step if item[0] != "begin"]
        for step in steps
    ]
    try:
        started = time.perf_counter()
        for step in plan:
            for sql, params in step:
                conn.execute(sql, params).fetchall()
        return time.perf_counter() - started
    finally:
        conn.close()


def replay_postgresql(dbname: str, steps: list[list[Item]], dsn: dict[str, Any]) -> float:
    """Seconds to send ``steps`` again on ``dbname``: reads one by one, each transaction's statements in
    one pipeline, every statement prepared (server-side binding), as Sanfu sends them."""
    import psycopg

    plan: list[tuple[str, list[tuple[str, list[Any]]]]] = []  # ("read", [stmt]) | ("transaction", stmts)
    for step in steps:
        block: list[tuple[str, list[Any]]] | None = None
        for item in step:
            if item[0] == "begin":
                block = []
            elif item[0] == "commit":
                assert block is not None
                plan.append(("transaction", block))
                block = None
            elif block is not None:
                block.append((item[1], item[2]))
            else:
                plan.append(("read", [(item[1], item[2])]))
    with psycopg.connect(dbname=dbname, autocommit=True, **dsn) as conn:
        started = time.perf_counter()
        for kind, statements in plan:
            if kind == "read":
                sql, params = statements[0]
                psycopg.Cursor(conn).execute(sql, params, prepare=True).fetchall()
                continue
            conn.autocommit = False  # as Django's atomic: BEGIN goes with the first statement
            with conn.pipeline():
                for sql, params in statements:
                    psycopg.Cursor(conn).execute(sql, params, prepare=True)
            conn.commit()
            conn.autocommit = True
        return time.perf_counter() - started
