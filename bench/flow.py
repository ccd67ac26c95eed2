"""The flow benchmark: Sanfu's engine against SpiffWorkflow 3 on the same reference approval.

Run with ``make bench-flow`` (it builds bench/.venv with Sanfu and SpiffWorkflow; Spiff is never a Sanfu
dependency). The reference process: department head → finance when amount > 10,000 → countersign (会签,
all must approve) by three departments → general manager. Every instance uses amount = 50,000, so each one
takes **six human steps** (1 + 1 + 3 + 1) on both engines; a "step" is one person completing one task.
Starting an instance (Sanfu ``Submit``; Spiff creating the workflow and running its engine steps) is not a
step, but its time is counted, so steps/s = 6 × instances / time.

1. In memory: Sanfu ``decide`` per command from a parsed definition vs Spiff completing ready user tasks
   and running ``do_engine_steps``.
2. Persisted, SQLite (Sanfu's PRAGMAs: WAL, synchronous=NORMAL, …; one transaction per step): Sanfu's
   service layer (state + events + task projection + outbox rows, the outbox never delivered in the timed
   loop) vs Spiff storing its JSON snapshot per step, vs the raw commit rate of a tiny INSERT + UPDATE
   transaction. No worker runs: every checkpoint happens in the timed loops.
3. Persisted, PostgreSQL: Sanfu's service layer on a throwaway database vs the raw commit rate.

Persisted Sanfu runs in a child process (Django's settings are fixed per process); the timed section is
the service calls only, not the benchmark's own lookup of which task to act on next.

A shared machine drifts by ±30% within a minute, so the sides of each comparison run interleaved, in rounds
(``--pairs``, at least five; the order reversed every round), the persisted Spiff sides in the Sanfu child's
own process: each ratio is the median of the ratios within a round, printed with its min–max.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from common import (  # bench/common.py: shared by the benchmarks
    PG_DSN,
    drop_postgresql_database,
    postgresql_database,
    run_child,
)

HERE = Path(__file__).resolve().parent

STEPS_PER_INSTANCE = 6
FORM = {"amount": 50_000}
REPEATS = 3  # best of three, for the figures that are not compared in rounds (SQLite's raw commits, the full snapshot)
PAIRS = 5  # rounds of the compared sides, interleaved; each ratio is the median of its rounds (``--pairs``)
MEMORY_INSTANCES = 300
PERSISTED_INSTANCES = 150
RAW_COMMITS = 3000

# person ids for the in-memory run; the persisted run creates users and uses theirs
PEOPLE = {"initiator": 1, "head": 2, "finance": 3, "sign1": 4, "sign2": 5, "sign3": 6, "gm": 7}


def sanfu_spec(people: dict[str, int]) -> dict[str, Any]:
    """The reference approval as a Sanfu definition, with fixed people (``users`` rules)."""

    def users(*roles: str) -> dict[str, Any]:
        return {"type": "users", "users": [people[r] for r in roles]}

    return {
        "key": "bench-expense",
        "name": "费用报销（基准）",
        "fields": [{"name": "amount"}],
        "nodes": [
            {"id": "start", "kind": "start", "next": "head"},
            {"id": "head", "kind": "approval", "name": "部门负责人审批", "approvers": users("head"), "next": "amount"},
            {
                "id": "amount",
                "kind": "condition",
                "branches": [
                    {"when": "form.amount > 10000", "next": "finance"},
                    {"default": True, "next": "countersign"},
                ],
            },
            {
                "id": "finance",
                "kind": "approval",
                "name": "财务审核",
                "approvers": users("finance"),
                "next": "countersign",
            },
            {
                "id": "countersign",
                "kind": "approval",
                "name": "会签",
                "mode": "all",
                "approvers": users("sign1", "sign2", "sign3"),
                "next": "gm",
            },
            {"id": "gm", "kind": "approval", "name": "总经理审批", "approvers": users("gm"), "next": "end"},
            {"id": "end", "kind": "end"},
        ],
    }


Run = Callable[[], tuple[int, float]]  # one timed run: (steps or commits, seconds)


def best_of(run: Run) -> float:
    """Steps (or commits) per second of the best of ``REPEATS`` runs."""
    return max(count / seconds for count, seconds in (run() for _ in range(REPEATS)))


def interleaved(sides: dict[str, Run], rounds: int) -> dict[str, list[float]]:
    """The rate of every side in each of ``rounds`` rounds. One untimed run of each side first (imports,
    caches, the database's first pages); then each round runs every side once, the order reversed from one
    round to the next (A B, B A, …), so a shared machine's drift during a round falls on both sides alike and
    a ratio is taken within its round."""
    for run in sides.values():
        run()
    rates: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            count, seconds = sides[name]()
            rates[name].append(count / seconds)
    return rates


def median(values: list[float]) -> float:
    return statistics.median(values)


def per_round(top: list[float], bottom: list[float]) -> list[float]:
    """The ratio of two sides within each round."""
    return [a / b for a, b in zip(top, bottom, strict=True)]


def spread(values: list[float], unit: str = "x") -> str:
    """``median (min–max)`` of a figure's rounds."""
    fmt = "{:.2f}" if unit == "x" else "{:,.0f}"
    low, mid, high = (fmt.format(v) for v in (min(values), median(values), max(values)))
    return f"{mid}{unit if unit == 'x' else ''} ({low}–{high})"


# --- 1. In memory -------------------------------------------------------------------------------------


def core_in_memory() -> Run:
    from sanfu.workflow.engine import Approve, MemoryFacts, State, Submit, decide, parse_definition

    definition = parse_definition(sanfu_spec(PEOPLE))
    facts = MemoryFacts(now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def run() -> tuple[int, float]:
        steps = 0
        started = time.perf_counter()
        for _ in range(MEMORY_INSTANCES):
            state = decide(definition, State(), Submit(actor=PEOPLE["initiator"], form=FORM), facts).state
            while state.status == "running":
                task = state.open_tasks()[0]
                state = decide(definition, state, Approve(actor=task.assignee, task=task.id), facts).state
                steps += 1
        elapsed = time.perf_counter() - started
        assert state.status == "approved"
        assert steps == STEPS_PER_INSTANCE * MEMORY_INSTANCES
        return steps, elapsed

    return run


def spiff_spec() -> Any:
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_str((HERE / "reference.bpmn").read_bytes())
    return parser.get_spec("expense")


def spiff_start(spec: Any) -> Any:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    workflow = BpmnWorkflow(spec)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(FORM)  # the form, as the start event's data
    workflow.do_engine_steps()
    return workflow


def spiff_step(workflow: Any) -> bool:
    """Complete the first ready user task; False when the workflow has ended."""
    from SpiffWorkflow.util.task import TaskState

    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    if not ready:
        assert workflow.completed
        return False
    ready[0].run()
    workflow.do_engine_steps()
    return True


def spiff_in_memory() -> Run:
    spec = spiff_spec()

    def run() -> tuple[int, float]:
        steps = 0
        started = time.perf_counter()
        for _ in range(MEMORY_INSTANCES):
            workflow = spiff_start(spec)
            while spiff_step(workflow):
                steps += 1
        elapsed = time.perf_counter() - started
        assert steps == STEPS_PER_INSTANCE * MEMORY_INSTANCES
        return steps, elapsed

    return run


# --- 2. SpiffWorkflow on SQLite -----------------------------------------------------------------------


def spiff_serializer(spec: Any, *, state_only: bool) -> Any:
    """Spiff's serializer. ``state_only``: the snapshot leaves out the spec (stored once, like a Sanfu
    definition) and loading reuses the parsed spec instead of restoring it from every snapshot."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
    from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter

    if not state_only:
        return BpmnWorkflowSerializer()

    class StateOnlyConverter(BpmnWorkflowConverter):  # type: ignore[misc]
        def to_dict(self, workflow: Any) -> dict[str, Any]:
            dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
            return dct

        def from_dict(self, dct: dict[str, Any]) -> Any:  # BpmnWorkflowConverter.from_dict with a known spec
            from uuid import UUID

            workflow = self.target_class(spec, {}, deserializing=True)
            workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
            workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
            self.set_default_attributes(workflow, dct)
            self.subprocesses_from_dict(dct["subprocesses"], workflow)
            workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
            return workflow

    return BpmnWorkflowSerializer(
        BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, BpmnWorkflow: StateOnlyConverter})
    )


def sqlite_connect(path: Path) -> sqlite3.Connection:
    """The PRAGMAs Sanfu's settings use (WAL, synchronous=NORMAL, the checkpoint threshold …);
    autocommit off by hand (BEGIN IMMEDIATE, as Django is configured)."""
    from sanfu.config.env import SQLITE_PRAGMAS

    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(SQLITE_PRAGMAS)
    return conn


@contextmanager
def spiff_sqlite(path: Path, *, state_only: bool, reload: bool) -> Iterator[Run]:
    """A run of Spiff on SQLite, one transaction per step. ``reload``: each step reads and deserialises the
    snapshot first, as a stateless request does (Sanfu's services always do)."""
    spec = spiff_spec()
    serializer = spiff_serializer(spec, state_only=state_only)
    conn = sqlite_connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS spiff_spec (id INTEGER PRIMARY KEY, spec TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS spiff_instance (id INTEGER PRIMARY KEY, spec_id INTEGER, "
        "version INTEGER NOT NULL, state TEXT NOT NULL)"
    )
    spec_id = None
    if state_only:  # stored once; instances point at it
        spec_json = json.dumps(serializer.to_dict(spec))
        spec_id = conn.execute("INSERT INTO spiff_spec (spec) VALUES (?)", (spec_json,)).lastrowid

    def save(instance_id: int, version_: int, snapshot: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        cursor = conn.execute(
            "UPDATE spiff_instance SET state = ?, version = version + 1 WHERE id = ? AND version = ?",
            (snapshot, instance_id, version_),
        )
        assert cursor.rowcount == 1
        conn.execute("COMMIT")

    def run() -> tuple[int, float]:
        steps = 0
        started = time.perf_counter()
        for _ in range(PERSISTED_INSTANCES):
            workflow = spiff_start(spec)
            conn.execute("BEGIN IMMEDIATE")
            instance_id = conn.execute(
                "INSERT INTO spiff_instance (spec_id, version, state) VALUES (?, 0, ?)",
                (spec_id, serializer.serialize_json(workflow)),
            ).lastrowid
            conn.execute("COMMIT")
            version_ = 0
            while True:
                if reload:
                    (snapshot,) = conn.execute(
                        "SELECT state FROM spiff_instance WHERE id = ?", (instance_id,)
                    ).fetchone()
                    workflow = serializer.deserialize_json(snapshot)
                if not spiff_step(workflow):
                    break
                save(instance_id, version_, serializer.serialize_json(workflow))
                version_ += 1
                steps += 1
        elapsed = time.perf_counter() - started
        assert steps == STEPS_PER_INSTANCE * PERSISTED_INSTANCES
        return steps, elapsed

    try:
        yield run
    finally:
        conn.close()


def spiff_snapshot_sizes() -> tuple[int, int]:
    """Bytes of one mid-flow snapshot: full (spec embedded) and state only."""
    spec = spiff_spec()
    workflow = spiff_start(spec)
    spiff_step(workflow)
    return tuple(  # type: ignore[return-value]
        len(spiff_serializer(spec, state_only=mode).serialize_json(workflow).encode()) for mode in (False, True)
    )


# --- raw commit rates ---------------------------------------------------------------------------------


@contextmanager
def raw_sqlite(path: Path) -> Iterator[Run]:
    """A run of tiny INSERT + UPDATE transactions, on the same database file and PRAGMAs."""
    conn = sqlite_connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_raw_log (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS bench_raw_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    conn.execute("INSERT OR IGNORE INTO bench_raw_counter VALUES (1, 0)")

    def run() -> tuple[int, float]:
        started = time.perf_counter()
        for i in range(RAW_COMMITS):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_raw_log (v) VALUES (?)", (i,))
            conn.execute("UPDATE bench_raw_counter SET n = n + 1 WHERE id = 1")
            conn.execute("COMMIT")
        return RAW_COMMITS, time.perf_counter() - started

    try:
        yield run
    finally:
        conn.close()


@contextmanager
def raw_postgresql(dbname: str) -> Iterator[Run]:
    import psycopg

    with psycopg.connect(dbname=dbname, **PG_DSN) as conn:
        conn.execute("CREATE TABLE bench_raw_log (id bigserial PRIMARY KEY, v integer NOT NULL)")
        conn.execute("CREATE TABLE bench_raw_counter (id integer PRIMARY KEY, n integer NOT NULL)")
        conn.execute("INSERT INTO bench_raw_counter VALUES (1, 0)")
        conn.commit()

        def run() -> tuple[int, float]:
            started = time.perf_counter()
            for i in range(RAW_COMMITS):
                conn.execute("INSERT INTO bench_raw_log (v) VALUES (%s)", (i,))
                conn.execute("UPDATE bench_raw_counter SET n = n + 1 WHERE id = 1")
                conn.commit()
            return RAW_COMMITS, time.perf_counter() - started

        yield run


# --- Sanfu persisted (child process) ------------------------------------------------------------------


def sanfu_persisted_child() -> None:
    """Runs in a child process whose environment names the database; prints one JSON line."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sanfu.accounts.models import User
    from sanfu.workflow import fastpath, services
    from sanfu.workflow.models import Instance, InstanceEvent, OutboxMessage, Task

    call_command("migrate", verbosity=0)
    users = {}
    for role in PEOPLE:
        user = User(username=f"bench_{role}", full_name=role)
        user.set_unusable_password()
        user.save()
        users[role] = user
    by_id = {u.pk: u for u in users.values()}
    services.definition_publish(actor=None, spec=sanfu_spec({role: u.pk for role, u in users.items()}))

    def sanfu() -> tuple[int, float]:
        return sanfu_loop(users, by_id)

    def decoding() -> tuple[int, float]:
        # Every read decoding the state it finds, as when consecutive steps of an instance land on
        # different processes: Sanfu's reuse of the state a process wrote last is switched off.
        remember = fastpath._remember
        fastpath._remember = lambda *args, **kwargs: None  # type: ignore[assignment]
        fastpath._KNOWN.clear()
        try:
            return sanfu_loop(users, by_id)
        finally:
            fastpath._remember = remember  # type: ignore[assignment]

    rounds = int(os.environ["SANFU_BENCH_ROUNDS"])
    figures: dict[str, Any] = {}
    database = Path(str(connection.settings_dict["NAME"]))
    with same_work_floor(users, by_id, rounds + 1) as (floor, statements):
        figures["statements_per_transaction"] = statements
        if connection.vendor == "sqlite":
            # Spiff's sides run here too, in the same process and rounds, on their own files beside Sanfu's.
            with (
                spiff_sqlite(database.parent / "spiff_state.sqlite3", state_only=True, reload=False) as spiff_state,
                spiff_sqlite(database.parent / "spiff_reload.sqlite3", state_only=True, reload=True) as spiff_reload,
            ):
                sides = {
                    "steps_per_s": sanfu,
                    "spiff_state": spiff_state,
                    "decoding_steps_per_s": decoding,
                    "spiff_reload": spiff_reload,
                    "floor_steps_per_s": floor,
                }
                figures.update(interleaved(sides, rounds))
        else:
            with raw_postgresql(str(database)) as raw:
                figures.update(interleaved({"steps_per_s": sanfu, "raw": raw, "floor_steps_per_s": floor}, rounds))
    if connection.vendor == "sqlite":
        with spiff_sqlite(database.parent / "spiff_full.sqlite3", state_only=False, reload=False) as spiff_full:
            figures["spiff_full"] = best_of(spiff_full)
        connection.close()
        with raw_sqlite(database) as raw:
            figures["raw"] = best_of(raw)
    instances = Instance.objects.count()
    figures.update(
        events_per_instance=InstanceEvent.objects.count() / instances,
        tasks_per_instance=Task.objects.count() / instances,
        outbox_per_instance=OutboxMessage.objects.count() / instances,
        undelivered=OutboxMessage.objects.filter(delivered_at__isnull=True).count() == OutboxMessage.objects.count(),
    )
    print(json.dumps(figures))


def sanfu_loop(users: dict[str, Any], by_id: dict[int, Any], recorder: Any = None) -> tuple[int, float]:
    """``PERSISTED_INSTANCES`` instances started and approved to the end through the services: (steps,
    seconds in the service calls). ``recorder`` (``floor.Recorder``): told where each timed call begins
    and ends."""
    from sanfu.workflow import services
    from sanfu.workflow.models import Task

    steps, elapsed = 0, 0.0
    for i in range(PERSISTED_INSTANCES):
        if recorder is not None:
            recorder.step()
        started = time.perf_counter()
        instance = services.instance_start(
            actor=users["initiator"], definition_key="bench-expense", title=f"报销 {i}", form=FORM
        )
        elapsed += time.perf_counter() - started
        if recorder is not None:
            recorder.pause()
        while True:  # which task to act on next: the benchmark's lookup, not timed
            task = Task.objects.filter(instance=instance, status="open").values_list("pk", "assignee_id").first()
            if task is None:
                break
            if recorder is not None:
                recorder.step()
            started = time.perf_counter()
            services.task_approve(actor=by_id[task[1]], task_id=task[0])
            elapsed += time.perf_counter() - started
            if recorder is not None:
                recorder.pause()
            steps += 1
        instance.refresh_from_db()
        assert instance.status == "approved"
    assert steps == STEPS_PER_INSTANCE * PERSISTED_INSTANCES
    return steps, elapsed


@contextmanager
def same_work_floor(users: dict[str, Any], by_id: dict[int, Any], runs: int) -> Iterator[tuple[Run, float]]:
    """Record the statements of one more run and give a run that replays them on a fresh copy of the
    database as it was before that run (``runs`` copies, one a run; ``bench/floor.py``): the same work
    without Sanfu's code. Also gives the statements per transaction."""
    from django.db import connection
    from floor import Recorder, postgresql_copies, replay_postgresql, replay_sqlite, sqlite_copies

    from sanfu.config.env import SQLITE_PRAGMAS

    vendor, name = connection.vendor, str(connection.settings_dict["NAME"])
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.fetchall()
    connection.close()
    copies: list[Any] = sqlite_copies(Path(name), runs) if vendor == "sqlite" else postgresql_copies(name, runs, PG_DSN)
    recorder = Recorder()
    with recorder.installed():
        steps, _ = sanfu_loop(users, by_id, recorder)
    unused = list(copies)

    def replay() -> tuple[int, float]:
        copy = unused.pop()
        if vendor == "sqlite":
            return steps, replay_sqlite(copy, recorder.steps, SQLITE_PRAGMAS)
        return steps, replay_postgresql(copy, recorder.steps, PG_DSN)

    statements = sum(1 for step in recorder.steps for item in step if item[0] == "sql")
    try:
        yield replay, statements / len(recorder.steps)
    finally:
        connection.close()
        for copy in copies:
            if vendor == "sqlite":
                copy.unlink()
            else:
                drop_postgresql_database(copy)


def sanfu_persisted(database_url: str, home: Path) -> dict[str, Any]:
    return run_child(__file__, ["--sanfu-child"], database_url, home)


# --- report -------------------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "met" if value >= target else "NOT met"


ROW = "  {:<58} {:>10}"


def line(label: str, value: str, note: str = "") -> None:
    print(ROW.format(label, value) + (f"  {note}" if note else ""))


def report_memory(rounds: int) -> dict[str, float]:
    rates = interleaved({"core": core_in_memory(), "spiff": spiff_in_memory()}, rounds)
    ratios = per_round(rates["core"], rates["spiff"])
    print(f"1. In memory ({MEMORY_INSTANCES} instances a run)")
    line("Sanfu core: decide() per command", spread(rates["core"], "/s"))
    line(
        f"SpiffWorkflow {version('SpiffWorkflow')}: run ready user task + do_engine_steps()",
        spread(rates["spiff"], "/s"),
    )
    line("ratio Sanfu/Spiff (target >= 10x)", spread(ratios), verdict(median(ratios), 10))
    return {
        "core_steps_per_s": median(rates["core"]),
        "spiff_steps_per_s": median(rates["spiff"]),
        "core_ratio": median(ratios),
        "core_ratio_min": min(ratios),
        "core_ratio_max": max(ratios),
    }


def report_sqlite() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sanfu-bench-") as tmp:
        home = Path(tmp)
        sanfu = sanfu_persisted(f"sqlite:///{home / 'bench.sqlite3'}", home)
    full_size, state_size = spiff_snapshot_sizes()
    rates, decoding = sanfu["steps_per_s"], sanfu["decoding_steps_per_s"]
    spiff_state, spiff_reload = sanfu["spiff_state"], sanfu["spiff_reload"]
    raw, floors = sanfu["raw"], sanfu["floor_steps_per_s"]
    stateless, in_memory = per_round(decoding, spiff_reload), per_round(rates, spiff_state)
    floor_shares = per_round(rates, floors)
    rate = median(rates)
    written = (
        f"{sanfu['events_per_instance']:.0f} events, {sanfu['tasks_per_instance']:.0f} task rows, "
        f"{sanfu['outbox_per_instance']:.0f} outbox rows per instance"
        + (", none delivered" if sanfu["undelivered"] else ", SOME DELIVERED")
    )
    print(f"\n2. SQLite file, Sanfu's PRAGMAs, one transaction per step ({PERSISTED_INSTANCES} instances a run)")
    line("Sanfu services: state + events + tasks + outbox", spread(rates, "/s"), f"({written})")
    line(
        "Sanfu, every step decoding the state it reads", spread(decoding, "/s"), "(no reuse of the last state written)"
    )
    line("Spiff, state-only, read + deserialise + save each step", spread(spiff_reload, "/s"))
    line(f"Spiff, state-only snapshot ({state_size:,} B), workflow kept in memory", spread(spiff_state, "/s"))
    line(f"Spiff, default snapshot with the spec ({full_size:,} B), in memory", f"{sanfu['spiff_full']:,.0f}", "(best)")
    line("raw commits: INSERT + UPDATE per transaction", f"{raw:,.0f}", "(best)")
    line(
        "floor: Sanfu's statements replayed without Sanfu",
        spread(floors, "/s"),
        f"({sanfu['statements_per_transaction']:.1f} statements per transaction)",
    )
    line(
        "Sanfu decoding / Spiff read+deserialise+save (target >= 1.5x)",
        spread(stateless),
        verdict(median(stateless), 1.5),
    )
    line(
        "Sanfu / Spiff kept in memory (first target 1.5x, restated)", spread(in_memory), verdict(median(in_memory), 1.5)
    )
    line("Sanfu share of the floor of its work", f"{median(floor_shares):.1%}")
    line("Sanfu share of the raw commit rate", f"{rate / raw:.1%}")
    return {
        "sqlite_steps_per_s": rate,
        "spiff_sqlite_steps_per_s": median(spiff_state),
        "sqlite_ratio": median(in_memory),
        "sqlite_limit_share": rate / raw,
        "sqlite_decoding_steps_per_s": median(decoding),
        "spiff_sqlite_reload_steps_per_s": median(spiff_reload),
        "sqlite_stateless_ratio": median(stateless),
        "sqlite_floor_share": median(floor_shares),
        "sqlite_ratio_min": min(in_memory),
        "sqlite_ratio_max": max(in_memory),
        "sqlite_stateless_ratio_min": min(stateless),
        "sqlite_stateless_ratio_max": max(stateless),
    }


def report_postgresql() -> dict[str, float]:
    dbname = postgresql_database("sanfu_bench")
    if dbname is None:
        nan = float("nan")
        return {
            "pg_steps_per_s": nan,
            "pg_limit_share": nan,
            "pg_floor_share": nan,
            "pg_floor_limit_share": nan,
            "pg_limit_share_min": nan,
            "pg_floor_share_min": nan,
            "pg_floor_share_max": nan,
            "pg_limit_share_max": nan,
        }
    try:
        with tempfile.TemporaryDirectory(prefix="sanfu-bench-pg-") as tmp:
            sanfu = sanfu_persisted(f"postgresql://postgres@127.0.0.1:5432/{dbname}", Path(tmp))
    finally:
        drop_postgresql_database(dbname)
    rates, raws, floors = sanfu["steps_per_s"], sanfu["raw"], sanfu["floor_steps_per_s"]
    shares, floor_shares = per_round(rates, raws), per_round(rates, floors)
    rate, raw, floor = median(rates), median(raws), median(floors)
    print(
        f"\n3. PostgreSQL over loopback, one client, one transaction per step ({PERSISTED_INSTANCES} instances a run)"
    )
    line("Sanfu services: state + events + tasks + outbox", spread(rates, "/s"))
    line("raw commits: INSERT + UPDATE per transaction", spread(raws, "/s"))
    line(
        "floor: Sanfu's statements replayed without Sanfu",
        spread(floors, "/s"),
        f"({sanfu['statements_per_transaction']:.1f} statements per transaction; {floor / raw:.1%} of raw)",
    )
    line(
        "Sanfu share of the floor of its work (target >= 50%)",
        f"{median(floor_shares):.1%} ({min(floor_shares):.1%}–{max(floor_shares):.1%})",
        verdict(median(floor_shares), 0.5),
    )
    line(
        "Sanfu share of the raw commit rate (first target 50%, restated)",
        f"{median(shares):.1%} ({min(shares):.1%}–{max(shares):.1%})",
        verdict(median(shares), 0.5),
    )
    return {
        "pg_steps_per_s": rate,
        "pg_limit_share": median(shares),
        "pg_floor_share": median(floor_shares),
        "pg_floor_share_min": min(floor_shares),
        "pg_floor_share_max": max(floor_shares),
        "pg_floor_limit_share": floor / raw,
        "pg_limit_share_min": min(shares),
        "pg_limit_share_max": max(shares),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sanfu-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--pairs", type=int, default=PAIRS, help=f"interleaved rounds per comparison, at least 5 (default {PAIRS})"
    )
    args = parser.parse_args()
    if args.sanfu_child:
        sanfu_persisted_child()
        return
    if args.pairs < 5:
        parser.error("--pairs: at least 5 rounds, so a median means something")
    os.environ["SANFU_BENCH_ROUNDS"] = str(args.pairs)  # read by the persisted child

    print(f"Flow benchmark: Sanfu vs SpiffWorkflow, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"Reference approval, amount {FORM['amount']:,}: {STEPS_PER_INSTANCE} human steps per instance")
    print(
        f"steps/s; a step = one person completing one task; instance starts are timed. The compared sides run\n"
        f"interleaved in {args.pairs} rounds (order reversed each round, after one untimed run of each); a figure is\n"
        f"the median of its rounds (min–max), a ratio the median of the ratios within each round.\n"
    )
    figures = {**report_memory(args.pairs), **report_sqlite(), **report_postgresql(), "pairs": args.pairs}
    print()
    print(
        "core_steps_per_s={core_steps_per_s:.0f} spiff_steps_per_s={spiff_steps_per_s:.0f} "
        "core_ratio={core_ratio:.2f} sqlite_steps_per_s={sqlite_steps_per_s:.0f} "
        "spiff_sqlite_steps_per_s={spiff_sqlite_steps_per_s:.0f} sqlite_ratio={sqlite_ratio:.2f} "
        "sqlite_limit_share={sqlite_limit_share:.3f} pg_steps_per_s={pg_steps_per_s:.0f} "
        "pg_limit_share={pg_limit_share:.3f} sqlite_decoding_steps_per_s={sqlite_decoding_steps_per_s:.0f} "
        "spiff_sqlite_reload_steps_per_s={spiff_sqlite_reload_steps_per_s:.0f} "
        "sqlite_stateless_ratio={sqlite_stateless_ratio:.2f} sqlite_floor_share={sqlite_floor_share:.3f} "
        "pg_floor_share={pg_floor_share:.3f} pg_floor_limit_share={pg_floor_limit_share:.3f} "
        "pairs={pairs} core_ratio_min={core_ratio_min:.2f} core_ratio_max={core_ratio_max:.2f} "
        "sqlite_ratio_min={sqlite_ratio_min:.2f} sqlite_ratio_max={sqlite_ratio_max:.2f} "
        "sqlite_stateless_ratio_min={sqlite_stateless_ratio_min:.2f} "
        "sqlite_stateless_ratio_max={sqlite_stateless_ratio_max:.2f} "
        "pg_limit_share_min={pg_limit_share_min:.3f} pg_limit_share_max={pg_limit_share_max:.3f} "
        "pg_floor_share_min={pg_floor_share_min:.3f} pg_floor_share_max={pg_floor_share_max:.3f}".format(**figures)
    )


if __name__ == "__main__":
    main()
