"""The inbox benchmark: 我的待办 with a million instances, on SQLite and PostgreSQL.

Run with ``make bench-inbox``. For each database the child process migrates a throwaway database, fills it
**with bulk inserts** (SQLite ``executemany``, PostgreSQL ``COPY``; not through the services: this is a read
benchmark, and the rows have the shape the services write), with other systems' to-dos (统一待办,
``ExternalTodo``) beside Sanfu's tasks, then times, for a person with a typical number of open to-dos and for
a heavy one:

- 待办 first page: ``selectors.inbox_entries(user, "todo", …)`` (the UNION of task and external to-do keys)
  through ``Paginator(…, PAGE_SIZE).get_page(1)``, ``selectors.entries_loaded`` and ``views_inbox._rows`` —
  exactly what ``inbox_context`` does for the list (the count query, the page of keys, loading the page's
  tasks and external to-dos, building the rows); templates are not rendered;
- the nav badge: ``selectors.todo_count``;
- the tab numbers: ``selectors.tab_counts``;
- 已办 first page, as the 待办 one.

Each is timed with the inbox index ``task_inbox`` in place, then again after ``DROP INDEX task_inbox``, then
with every index that starts with the assignee dropped (the partial ``task_acted`` and ``task_notice`` too):
a full scan, the floor the indexes are measured against. Without ``task_inbox`` the to-do queries have no
index left (the two partial ones hold no open approval task), so that configuration is timed with as few
runs as the full scan. ``external_todo_inbox`` is kept in every state. The query plans of the timed queries are
printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import drop_postgresql_database, postgresql_database, run_child  # bench/common.py: shared by the benchmarks

INSTANCES = 1_000_000
PEOPLE = 2_000
TYPICAL_OPEN = 30
HEAVY_OPEN = 2_000
RUNNING_SHARE = 0.05  # instances still running: each has one open to-do (about 25 per person)
REQUEST_SHARE = 0.3  # instances started from the 审批中心 catalogue (a Request row)
CC_SHARE = 0.1  # instances with a 抄送 notice
EXTERNAL_OPEN = 2  # other systems' open to-dos per ordinary person (0 to twice this), and as many done
TYPICAL_EXTERNAL_OPEN = 5
HEAVY_EXTERNAL_OPEN = 300
HEAVY_EXTERNAL_DONE = 100
RUNS = 200
FULL_SCAN_RUNS = 5
WARMUP = 5
BATCH = 20_000
SEED = 20240601
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)

INSTANCE_COLUMNS = (
    "id",
    "definition_id",
    "title",
    "initiator_id",
    "status",
    "urgency",
    "state",
    "version",
    "wakeup_at",
    "parent_id",
    "parent_node",
    "origin_key",
    "created_at",
    "submitted_at",
    "ended_at",
    "updated_at",
    "confidentiality",
    "unit_id",
    "department_id",
)
TASK_COLUMNS = (
    "id",
    "instance_id",
    "task_no",
    "node",
    "node_name",
    "kind",
    "assignee_id",
    "on_behalf_of_id",
    "status",
    "created_at",
    "due_at",
    "acted_at",
    "overdue",
    "seen_at",  # the efficiency review's, not the inbox's: left empty
)
REQUEST_COLUMNS = ("id", "matter_id", "instance_id", "number", "title", "applicant_id", "created_at")
EXTERNAL_COLUMNS = (
    "id",
    "person_id",
    "source",
    "source_name",
    "external_id",
    "title",
    "url",
    "due_at",
    "status",
    "pushed_by_id",
    "created_at",
    "updated_at",
    "closed_at",
)


def bench_spec(approver: int) -> dict[str, Any]:
    """A short approval: 审批 (batchable) → 办理 → end. The rows only need a definition that parses."""
    rule = {"type": "users", "users": [approver]}
    return {
        "key": "bench-inbox",
        "name": "用印申请（基准）",
        "fields": [{"name": "amount"}],
        "nodes": [
            {"id": "start", "kind": "start", "next": "approve"},
            {
                "id": "approve",
                "kind": "approval",
                "name": "部门负责人审批",
                "approvers": rule,
                "batch": True,
                "next": "gm",
            },
            {"id": "gm", "kind": "approval", "name": "分管领导审批", "approvers": rule, "next": "end"},
            {"id": "end", "kind": "end"},
        ],
    }


# --- building the data (child process) ----------------------------------------------------------------


class Rows:
    """The generated rows, one pass: instances with their tasks and requests. Datetimes go through the
    backend's own adapter, so they compare exactly as the ORM's parameters do."""

    def __init__(self, *, instances: int, people: list[int], typical: int, heavy: int, definition: int) -> None:
        self.instances, self.people, self.definition = instances, people, definition
        self.regular = [p for p in people if p not in {typical, heavy}]
        rng = random.Random(SEED)
        running = sorted(rng.sample(range(1, instances + 1), int(instances * RUNNING_SHARE)))
        self.open_for: dict[int, int] = {}  # instance id → assignee of its open to-do
        specials = [typical] * TYPICAL_OPEN + [heavy] * HEAVY_OPEN
        rng.shuffle(specials)
        for i, instance_id in enumerate(running):
            self.open_for[instance_id] = specials[i] if i < len(specials) else rng.choice(self.regular)
        self.tasks = self.requests = 0

    def generate(  # noqa: PLR0915 (one flat pass over the rows reads better split by nothing)
        self, adapt: Callable[[datetime | None], Any]
    ) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
        rng = random.Random(SEED + 1)
        instances: list[tuple] = []
        tasks: list[tuple] = []
        requests: list[tuple] = []
        task_id = request_id = 0
        span = 730 * 86400
        for instance_id in range(1, self.instances + 1):
            open_to = self.open_for.get(instance_id)
            created = (
                NOW - timedelta(seconds=rng.random() * span)
                if open_to is None
                else NOW - timedelta(days=rng.random() * 20)
            )
            if open_to is not None:
                status = "running"
            else:
                r = rng.random()
                status = "approved" if r < 0.85 else "rejected" if r < 0.95 else "withdrawn"
            n = 1 if (r := rng.random()) < 0.4 else 2 if r < 0.75 else 3
            initiator = rng.choice(self.people)
            urgency = rng.choice(("平急", "平急", "平急", "加急", "特急"))
            at = created
            for no in range(1, n + 1):
                task_id += 1
                due = at + timedelta(days=3)
                kind = "approval" if rng.random() < 0.8 else "handle"
                node, name = ("approve", "部门负责人审批") if no == 1 else ("gm", "分管领导审批")
                if open_to is not None and no == n:  # the running instance's current to-do
                    due = NOW + timedelta(hours=rng.uniform(-240, 480)) if rng.random() < 0.85 else None
                    row = (
                        task_id,
                        instance_id,
                        no,
                        node,
                        name,
                        kind,
                        open_to,
                        None,
                        "open",
                        at,
                        due,
                        None,
                        False,
                        None,
                    )
                else:
                    acted = at + timedelta(hours=rng.uniform(0.1, 96))
                    if no == n and status == "rejected":
                        done = "rejected"
                    else:
                        done = (
                            rng.choice(("approved",) * 30 + ("returned", "transferred"))
                            if kind == "approval"
                            else "done"
                        )
                    row = (
                        task_id,
                        instance_id,
                        no,
                        node,
                        name,
                        kind,
                        rng.choice(self.people),
                        None,
                        done,
                        at,
                        due,
                        acted,
                        acted > due,
                        None,
                    )
                    at = acted
                tasks.append(row)
            if rng.random() < CC_SHARE:
                task_id += 1
                n += 1
                cc = "unread" if rng.random() < 0.3 else "read"
                tasks.append(
                    (
                        task_id,
                        instance_id,
                        n,
                        "cc",
                        "抄送",
                        "cc",
                        rng.choice(self.people),
                        None,
                        cc,
                        at,
                        None,
                        None,
                        False,
                        None,
                    )
                )
            ended = at if open_to is None else None
            title = f"用印申请 {instance_id}"
            instances.append(
                (
                    instance_id,
                    self.definition,
                    title,
                    initiator,
                    status,
                    urgency,
                    "{}",
                    n,
                    None,
                    None,
                    "",
                    None,
                    created,
                    created,
                    ended,
                    at,
                    "internal",  # 内部, the default 密级; no unit or department (the inbox does not read them)
                    None,
                    None,
                )
            )
            if rng.random() < REQUEST_SHARE:
                request_id += 1
                number = f"YY-{created:%Y%m%d}-{instance_id:07d}"
                requests.append((request_id, 1 + instance_id % 3, instance_id, number, title, initiator, created))
            if len(instances) >= BATCH:
                yield self._adapted(instances, tasks, requests, adapt)
                instances, tasks, requests = [], [], []
        self.tasks, self.requests = task_id, request_id
        if instances:
            yield self._adapted(instances, tasks, requests, adapt)

    @staticmethod
    def _adapted(instances: list[tuple], tasks: list[tuple], requests: list[tuple], adapt: Callable) -> tuple:
        def fix(rows: list[tuple], positions: tuple[int, ...]) -> list[tuple]:
            out = []
            for row in rows:
                values = list(row)
                for p in positions:
                    values[p] = adapt(values[p])
                out.append(tuple(values))
            return out

        return fix(instances, (12, 13, 14, 15)), fix(tasks, (9, 10, 11)), fix(requests, (6,))


def external_rows(people: list[int], typical: int, heavy: int, adapt: Callable) -> list[tuple]:
    """Other systems' to-dos (统一待办): open ones due around now like the tasks, done ones closed over the
    two years, a few cancelled; a few per person, hundreds for the heavy one. Pushed by the first person (any
    account will do: the inbox reads only the person, status and dates)."""
    rng = random.Random(SEED + 2)
    rows: list[tuple] = []
    for person in people:
        if person == heavy:
            opened, done = HEAVY_EXTERNAL_OPEN, HEAVY_EXTERNAL_DONE
        elif person == typical:
            opened, done = TYPICAL_EXTERNAL_OPEN, TYPICAL_EXTERNAL_OPEN * 2
        else:
            opened, done = rng.randint(0, 2 * EXTERNAL_OPEN), rng.randint(0, 2 * EXTERNAL_OPEN)
        for status in ["open"] * opened + ["done"] * done + ["cancelled"] * (rng.random() < 0.2):
            n = len(rows) + 1
            created = NOW - timedelta(days=rng.random() * (20 if status == "open" else 700))
            due = created + timedelta(days=rng.uniform(1, 10))
            if status == "open":
                due = NOW + timedelta(hours=rng.uniform(-240, 480))
            closed = None if status == "open" else created + timedelta(hours=rng.uniform(0.5, 120))
            rows.append(
                (
                    n,
                    person,
                    "oa-hr",
                    "人事系统",
                    f"HR-{n:06d}",
                    f"人事待办 {n}",
                    f"https://hr.example/todo/{n}",
                    adapt(due if rng.random() < 0.85 else None),
                    status,
                    people[0],
                    adapt(created),
                    adapt(closed or created),
                    adapt(closed),
                )
            )
    return rows


def build(instances: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from sanfu.accounts.models import User
    from sanfu.approvals.models import ExternalTodo, MatterType, Request
    from sanfu.workflow import services
    from sanfu.workflow.models import Instance, Task

    checked = ((Instance, INSTANCE_COLUMNS), (Task, TASK_COLUMNS), (Request, REQUEST_COLUMNS))
    for model, columns in (*checked, (ExternalTodo, EXTERNAL_COLUMNS)):
        actual = {f.column for f in model._meta.concrete_fields}
        assert actual == set(columns), f"{model.__name__} columns changed: {actual ^ set(columns)}"

    started = time.perf_counter()
    User.objects.bulk_create(
        User(username=f"p{i:04d}", full_name=f"员工{i:04d}", password="!", must_change_password=False)  # noqa: S106
        for i in range(PEOPLE)
    )
    people = list(User.objects.order_by("pk").values_list("pk", flat=True))
    typical, heavy = people[0], people[1]
    for i, code in enumerate(("seal", "expense", "leave")):
        MatterType.objects.create(pk=i + 1, code=f"bench-{code}", name=f"事项{i}", definition_key="bench-inbox")
    definition = services.definition_publish(actor=None, spec=bench_spec(typical))
    rows = Rows(instances=instances, people=people, typical=typical, heavy=heavy, definition=definition.pk)
    tables = [(m._meta.db_table, c) for m, c in checked]
    external_table = (ExternalTodo._meta.db_table, EXTERNAL_COLUMNS)

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        raw.execute("PRAGMA foreign_keys=OFF")  # the rows are consistent by construction
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-400000")
        with transaction.atomic():
            for batch in rows.generate(connection.ops.adapt_datetimefield_value):
                for (table, columns), data in zip(tables, batch, strict=True):
                    marks = ", ".join("?" * len(columns))
                    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data)  # noqa: S608
            externals = external_rows(people, typical, heavy, connection.ops.adapt_datetimefield_value)
            (table, columns) = external_table
            marks = ", ".join("?" * len(columns))
            raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", externals)  # noqa: S608
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
        # No ANALYZE: Sanfu never runs it, so the planner works from the schema alone, as in production.
    else:
        with transaction.atomic(), raw.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")  # skip the FK triggers: consistent rows
            for batch in rows.generate(lambda v: v):
                for (table, columns), data in zip(tables, batch, strict=True):
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
                        for row in data:
                            stream.write_row(row)
            externals = external_rows(people, typical, heavy, lambda v: v)
            (table, columns) = external_table
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
                for row in externals:
                    stream.write_row(row)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # what autovacuum does soon after a load this size
    return {
        "instances": instances,
        "build_s": time.perf_counter() - started,
        "typical": typical,
        "heavy": heavy,
        "tasks": rows.tasks,
        "requests": rows.requests,
        "external_todos": len(externals),
    }


# --- measuring (child process) ------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000,
        "runs": len(ordered),
    }


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    for _ in range(WARMUP if runs >= RUNS else 1):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def plans(sqls: list[str], config: str) -> list[list[str]]:
    """EXPLAIN QUERY PLAN (SQLite) / EXPLAIN (COSTS OFF) (PostgreSQL) of each captured statement. The
    comment makes each EXPLAIN a new statement: sqlite3 caches prepared statements by their text, and a
    cached EXPLAIN is not re-planned after a DROP INDEX."""
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for sql in sqls:
            if connection.vendor == "sqlite":
                cur.execute(f"EXPLAIN QUERY PLAN /* {config} */ {sql}")
                out.append([row[3] for row in cur.fetchall()])
            else:
                cur.execute(f"EXPLAIN (COSTS OFF) /* {config} */ {sql}")
                out.append([row[0] for row in cur.fetchall()])
    return out


def operations(user: Any) -> dict[str, Callable[[], Any]]:
    from django.core.paginator import Paginator

    from sanfu.approvals.selectors import inbox as selectors
    from sanfu.approvals.views import inbox as views_inbox

    def page(tab: str) -> Callable[[], Any]:
        def run() -> Any:  # inbox_context's list, for the tabs that interleave other systems' to-dos
            entries = selectors.inbox_entries(user, tab, selectors.InboxFilters(), now=NOW)
            got = Paginator(entries, views_inbox.PAGE_SIZE).get_page(1)
            objects = selectors.entries_loaded(list(got.object_list))
            return views_inbox._rows(objects, tab, NOW)

        return run

    return {
        "todo_page": page("todo"),
        "todo_count": lambda: selectors.todo_count(user),
        "tab_counts": lambda: selectors.tab_counts(user),
        "done_page": page("done"),
    }


def drop_assignee_indexes() -> list[str]:
    """Every index on workflow_task whose first column is assignee_id (task_inbox is already gone)."""
    from django.db import connection

    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, "workflow_task")
        names = [
            name
            for name, c in constraints.items()
            if c["index"] and not c["primary_key"] and not c["unique"] and (c["columns"] or [None])[0] == "assignee_id"
        ]
        for name in names:
            cur.execute(f'DROP INDEX "{name}"')
    return names


def measure(info: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sanfu.accounts.models import User
    from sanfu.approvals.models import ExternalTodo
    from sanfu.workflow.models import Task

    people = {"typical": User.objects.get(pk=info["typical"]), "heavy": User.objects.get(pk=info["heavy"])}
    result: dict[str, Any] = {"people": {}, "timings": {}, "plans": {}, "queries": {}, "page_sources": {}}
    for label, user in people.items():
        open_todo = Task.objects.filter(assignee=user, status="open").count()
        done = Task.objects.filter(assignee=user).exclude(status__in=("open", "unread", "read")).count()
        external = {
            status: ExternalTodo.objects.filter(person=user, status=status).count() for status in ("open", "done")
        }
        result["people"][label] = {
            "open": open_todo,
            "done": done,
            "external_open": external["open"],
            "external_done": external["done"],
        }

    def capture(config: str) -> None:
        ops = operations(people["heavy"])
        for name in ("todo_page", "todo_count", "done_page"):
            with CaptureQueriesContext(connection) as ctx:
                rows = ops[name]()
            sqls = [q["sql"] for q in ctx.captured_queries]
            result["queries"][f"{config}/{name}"] = len(sqls)
            result["plans"][f"{config}/{name}"] = list(zip(sqls, plans(sqls, config), strict=True))
            if name.endswith("_page"):
                assert len(rows) == 20, f"{name}: {len(rows)} rows"
                result["page_sources"][f"{config}/{name}"] = sum(1 for r in rows if r.source)

    configs = [
        ("indexed", RUNS, None),
        ("no_task_inbox", FULL_SCAN_RUNS, "task_inbox"),  # the to-do queries become full scans
        ("no_assignee_index", FULL_SCAN_RUNS, "all"),
    ]
    for config, runs, drop in configs:
        if drop == "task_inbox":
            with connection.cursor() as cur:
                cur.execute("DROP INDEX task_inbox")
        elif drop == "all":
            result["dropped"] = drop_assignee_indexes()
        capture(config)
        for label, user in people.items():
            for name, fn in operations(user).items():
                result["timings"][f"{config}/{label}/{name}"] = timed(fn, runs)
    return result


def child(instances: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    info = build(instances)
    if connection.vendor == "sqlite":
        size = Path(connection.settings_dict["NAME"]).stat().st_size
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
    started = time.perf_counter()
    result = measure(info)
    print(json.dumps({**info, **result, "db_bytes": size, "measure_s": time.perf_counter() - started}))


# --- parent: one child per database, the report -------------------------------------------------------


LABELS = {
    "todo_page": "待办 first page (count + 20 keys + rows loaded, built)",
    "todo_count": "nav badge: todo_count",
    "tab_counts": "tab numbers: tab_counts",
    "done_page": "已办 first page (count + 20 keys + rows loaded, built)",
}
CONFIGS = {
    "indexed": "indexed",
    "no_task_inbox": "no task_inbox",
    "no_assignee_index": "no assignee index",
}


# the plan lines about the task table and the ordering; the joins to instance, request, user are PK lookups
PLAN_WORDS = (
    *(
        "workflow_task",
        "externaltodo",
        "external_todo",
        "assignee_id",
        "Sort",
        "Limit",
        "B-TREE",
        "Aggregate",
        "Incremental",
    ),
    *("Gather", "UNION", "COMPOUND", "Append", "Subquery", "MERGE", "CO-ROUTINE"),
)


def report(title: str, r: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(
        f"  built {r['instances']:,} instances, {r['tasks']:,} tasks, {r['requests']:,} requests, "
        f"{r['external_todos']:,} external to-dos, {PEOPLE:,} people in {r['build_s']:.0f} s; "
        f"database {r['db_bytes'] / 2**20:,.0f} MiB; measured in {r['measure_s']:.0f} s"
    )
    for label in ("typical", "heavy"):
        p = r["people"][label]
        print(
            f"\n  {label} person: {p['open']:,} open to-dos (+{p['external_open']:,} external), {p['done']:,} done "
            f"(+{p['external_done']:,} external) — p50 / p95 ms"
        )
        head = "".join(f"{CONFIGS[c]:>22}" for c in CONFIGS)
        print(f"    {'':<48}{head}")
        for name, text in LABELS.items():
            cells = ""
            for config in CONFIGS:
                t = r["timings"][f"{config}/{label}/{name}"]
                cells += f"{t['p50']:>10.2f} / {t['p95']:>7.2f}  "
            print(f"    {text:<48}{cells}")
    dropped = ", ".join(r["dropped"])
    print(f"\n  runs: {RUNS} each as migrated, {FULL_SCAN_RUNS} after each drop; then dropped: {dropped}")
    print("  queries per call (heavy person): " + ", ".join(f"{k} {v}" for k, v in r["queries"].items()))
    print(
        "  external to-dos among the heavy person's 20 rows: "
        + ", ".join(f"{k} {v}" for k, v in r["page_sources"].items())
    )
    keys = ("indexed/todo_page", "indexed/todo_count", "indexed/done_page", "no_task_inbox/todo_page")
    print("  plans (heavy person; task-table lines only, the joins are primary-key lookups):")
    for key in keys:
        for sql, plan in r["plans"][key]:
            print(f"\n  plan {key}: {sql[:150]}{'…' if len(sql) > 150 else ''}")
            for step in plan:
                if any(word in step for word in PLAN_WORDS):
                    print(f"    {step}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--instances", type=int, default=INSTANCES)
    args = parser.parse_args()
    if args.child:
        child(args.instances)
        return

    print(f"Inbox benchmark: {args.instances:,} instances, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sanfu-bench-inbox-") as tmp:
        sqlite = run_child(
            __file__,
            ["--child", "--instances", str(args.instances)],
            f"sqlite:///{Path(tmp) / 'inbox.sqlite3'}",
            Path(tmp),
        )
    report("1. SQLite file (WAL), no ANALYZE", sqlite)
    pg = None
    dbname = postgresql_database("sanfu_bench_inbox")
    if dbname is not None:
        try:
            with tempfile.TemporaryDirectory(prefix="sanfu-bench-inbox-pg-") as tmp:
                pg = run_child(
                    __file__,
                    ["--child", "--instances", str(args.instances)],
                    f"postgresql://postgres@127.0.0.1:5432/{dbname}",
                    Path(tmp),
                )
        finally:
            drop_postgresql_database(dbname)
        report("2. PostgreSQL over loopback, after ANALYZE", pg)
    print(f"\ntotal {time.perf_counter() - started:.0f} s\n")

    def p95(r: dict[str, Any] | None, config: str) -> str:
        return "nan" if r is None else f"{r['timings'][f'{config}/heavy/todo_page']['p95']:.2f}"

    print(
        f"inbox_instances={args.instances} sqlite_todo_p95_ms={p95(sqlite, 'indexed')} "
        f"sqlite_todo_noindex_p95_ms={p95(sqlite, 'no_task_inbox')} pg_todo_p95_ms={p95(pg, 'indexed')} "
        f"pg_todo_noindex_p95_ms={p95(pg, 'no_task_inbox')}"
    )


if __name__ == "__main__":
    main()
