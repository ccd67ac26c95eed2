"""The efficiency review benchmark: 流程效能评估 for twelve months over a million events, against pm4py.

Run with ``make bench-insights`` (it builds bench/.venv with pm4py; pm4py is never a Sanfu dependency). For each
database — a throwaway SQLite file, then a throwaway PostgreSQL database — a build child migrates it and loads,
**with bulk inserts** (SQLite ``executemany``, PostgreSQL ``COPY``; the load is not timed), one unit of 30
departments and a year of instances with their tasks and events in the shapes the engine writes
(bench/insights_log.py). Then, three times, interleaved, each in a fresh process:

- Sanfu (the project's venv): the review of every one of the twelve months, computed from the tables with no
  cache, for the whole year at once — ``services.month_reviews_computed`` (the year's facts read once, each month
  sliced out of them, the months' reviews computed together by ``measures.reviews``: the figures a cache miss
  computes) — then the page itself,
  ``/insights/review/?month=…`` through Django's test ``Client`` as a leader of the unit,
  with the month's cached figures deleted before each request (computed: ``page_ms``) and kept (cached);
- pm4py (bench/.venv): ``pandas.read_sql`` of the same events from the same database (case = instance,
  activity = node and event type, timestamp, resource = actor), ``pm4py.format_dataframe`` and
  ``pm4py.discover_performance_dfg``.

Time is wall time of the work (the imports, Django's setup and the connection are done before). Memory is the
peak RSS growth over the baseline: after the imports, setup and connection the child resets its peak
(``/proc/self/clear_refs``, 5) and reads ``VmRSS``; after the work it reads ``VmHWM``; the difference is
``*_mb`` (MiB). Both sides are measured the same way, and the figures are the median of the runs with their
spread (min–max). The last line is the issue's; ``pg_`` keys are PostgreSQL's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import drop_postgresql_database, postgresql_database  # bench/common.py: shared by the benchmarks

HERE = Path(__file__).resolve().parent
EVENTS = 1_000_000
RUNS = 3
PAGE_RUNS = 5
PAGE_MONTH = "2026-06"
MB = 2**20


# --- memory: the same method on both sides -----------------------------------------------------------------


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakGrowth:
    """Peak RSS growth over the baseline taken at ``start`` (Linux: the peak is reset there)."""

    def start(self) -> None:
        gc.collect()
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset VmHWM to the current RSS
        self.base = _status("VmRSS")
        self.started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        seconds = time.perf_counter() - self.started
        return {"s": seconds, "mb": (_status("VmHWM") - self.base) / MB, "base_mb": self.base / MB}


# --- the build child (project venv) ------------------------------------------------------------------------


def build(events: int) -> dict[str, Any]:
    import insights_log as log
    from django.db import connection

    from sanfu.workflow import services
    from sanfu.workflow.models import Instance, InstanceEvent, Task

    tables = ((Instance, log.INSTANCE_COLUMNS), (Task, log.TASK_COLUMNS), (InstanceEvent, log.EVENT_COLUMNS))
    for model, columns in tables:
        actual = {f.column for f in model._meta.concrete_fields}
        assert actual == set(columns), f"{model.__name__} columns changed: {actual ^ set(columns)}"

    started = time.perf_counter()
    org = organisation()
    definitions = {}
    for matter in log.MATTERS:
        for version in range(1, matter.versions + 1):
            spec = log.spec_of(matter, version, org)
            definitions[(matter.key, version)] = services.definition_publish(actor=None, spec=spec).pk
    # the instance count that gives about ``events`` events: the stories' mean, from a pilot of the same kind
    pilot = log.Generator(org, definitions, 3000)
    for _ in pilot.rows(postgresql=False):
        pass
    instances = round(events / (pilot.events / 3000))
    generator = log.Generator(org, definitions, instances)
    names = [(m._meta.db_table, c) for m, c in tables]
    size = load(generator, names)
    with connection.cursor() as cur:
        counts = {}
        for table, _ in names:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT type, count(*) FROM workflow_instanceevent GROUP BY type ORDER BY 2 DESC")
        types = dict(cur.fetchall())
        cur.execute("SELECT status, count(*) FROM workflow_task GROUP BY status ORDER BY 2 DESC")
        statuses = dict(cur.fetchall())
    return {
        "build_s": time.perf_counter() - started,
        "unit": org.unit,
        "viewer": org.gm,
        "instances": counts["workflow_instance"],
        "tasks": counts["workflow_task"],
        "events": counts["workflow_instanceevent"],
        "event_types": types,
        "task_statuses": statuses,
        "people": sum(len(m) for m in org.members),
        "db_bytes": size,
    }


def load(generator: Any, names: list[tuple[str, tuple[str, ...]]]) -> int:
    """The generated rows into the database in bulk; returns the database's size in bytes."""
    from django.db import connection, transaction

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        raw.execute("PRAGMA foreign_keys=OFF")  # the rows are consistent by construction
        raw.execute("PRAGMA synchronous=OFF")
        with transaction.atomic():
            for batch in generator.rows(postgresql=False):
                for (table, columns), data in zip(names, batch, strict=True):
                    marks = ", ".join("?" * len(columns))
                    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data)  # noqa: S608
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
        # No ANALYZE: Sanfu never runs it, so the planner works from the schema alone, as in production.
        size = Path(connection.settings_dict["NAME"]).stat().st_size
    else:
        with transaction.atomic(), raw.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")  # skip the FK triggers: consistent rows
            for batch in generator.rows(postgresql=True):
                for (table, columns), data in zip(names, batch, strict=True):
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
                        for row in data:
                            stream.write_row(row)
        with connection.cursor() as cur:
            for table, _ in names:  # the generated ids: the next rows the services write must not collide
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            cur.execute("ANALYZE")  # what autovacuum does soon after a load this size
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
    return size


def organisation() -> Any:
    """One unit: 公司领导 (the general manager and deputies), 办公室, 财务部 and 27 more departments of 20 people,
    each headed by its first person."""
    import insights_log as log
    from django.contrib.auth.hashers import make_password

    from sanfu.accounts.models import User
    from sanfu.org.models import Post, PostRole, Rank, Staff, Unit
    from sanfu.org.services import department_create

    unit = Unit.objects.create(code="bench", name="基准发电公司", level=1)
    names = ["公司领导", "办公室", "财务部", "审计部", "法务部", "人力资源部", "安全生产部", "计划经营部"]
    names += [f"生产{i}部" for i in range(1, log.DEPARTMENTS - len(names) + 1)]
    departments = [department_create(unit=unit, code=f"d{i:02d}", name=n, sort=i) for i, n in enumerate(names)]
    password = make_password(None)  # unusable: nobody signs in with these accounts
    users = User.objects.bulk_create(
        User(
            username=f"p{d:02d}{i:02d}",
            full_name=f"{names[d][:2]}员工{i:02d}",
            password=password,
            must_change_password=False,
        )
        for d in range(log.DEPARTMENTS)
        for i in range(log.PEOPLE_PER_DEPARTMENT)
    )
    ids = sorted(u.pk for u in User.objects.filter(username__in=[u.username for u in users]))
    members = [ids[d * log.PEOPLE_PER_DEPARTMENT : (d + 1) * log.PEOPLE_PER_DEPARTMENT] for d in range(log.DEPARTMENTS)]
    staff = []
    for d, people in enumerate(members):
        for i, person in enumerate(people):
            if d == 0:
                rank = Rank.LEADER if i == 0 else Rank.DEPUTY_LEADER if i < 4 else Rank.STAFF
            else:
                rank = Rank.HEAD if i == 0 else Rank.DEPUTY_HEAD if i == 1 else Rank.STAFF
            staff.append(Staff(user_id=person, unit=unit, employee_no=f"B{d:02d}{i:03d}", rank=rank))
    staff = Staff.objects.bulk_create(staff)
    by_user = {s.user_id: s.pk for s in Staff.objects.filter(unit=unit)}
    Post.objects.bulk_create(
        Post(
            staff_id=by_user[person],
            department=departments[d],
            role=PostRole.HEAD if i == 0 else PostRole.DEPUTY if i == 1 else PostRole.MEMBER,
            is_primary=True,
        )
        for d, people in enumerate(members)
        for i, person in enumerate(people)
    )
    return log.Organisation(unit=unit.pk, departments=[d.pk for d in departments], members=members)


# --- the Sanfu child (project venv): twelve months' review, then the page ----------------------------------


def months() -> list[Any]:
    import insights_log as log

    from sanfu.insights.facts import Month

    year, month = log.FIRST_MONTH
    out = [Month(year, month)]
    while len(out) < log.MONTHS:
        out.append(out[-1].next)
    return out


def sanfu_review(unit: int, viewer: int, profile: bool) -> dict[str, Any]:
    from django.db import connection

    from sanfu.insights import facts, measures, services

    connection.ensure_connection()
    all_months = months()
    per_month = []
    meter = PeakGrowth()
    meter.start()
    # All twelve months from the tables, no cache: the year's facts read once, each month sliced and reviewed.
    reviews = services.month_reviews_computed(unit_id=unit, first=all_months[0], last=all_months[-1])
    for month, figures in zip(all_months, reviews, strict=True):
        per_month.append(
            {
                "month": month.text,
                "ended": figures["total"].get("ended", 0),
                "sla_due": figures["total"].get("sla_due", 0),
                "returns": figures["total"].get("returns", 0),
            }
        )
    measured = meter.stop()
    result: dict[str, Any] = {"review_s": measured["s"], "review_mb": measured["mb"], "base_mb": measured["base_mb"]}
    result["months"] = per_month
    if profile:
        result["profile"] = profile_month(unit, all_months[6], facts, measures)
    result.update(page(viewer))
    return result


def profile_month(unit: int, month: Any, facts: Any, measures: Any) -> dict[str, Any]:
    """Where one month's time goes: each facts statement, the spine, the review."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out: dict[str, Any] = {}
    began = time.perf_counter()
    rows = facts.calendar_rows()
    calendar = facts.working_calendar_of(rows)
    with CaptureQueriesContext(connection) as ctx:
        loaded = facts.load(unit_id=unit, month=month, calendar=calendar)
    out["load_s"] = time.perf_counter() - began
    out["queries"] = [{"ms": float(q["time"]) * 1000, "sql": q["sql"][:160]} for q in ctx.captured_queries]
    out["rows"] = {
        "instances": loaded.instances.height,
        "tasks": loaded.tasks.height,
        "returns": loaded.returns.height,
        "sent_back": loaded.sent_back.height,
    }
    began = time.perf_counter()
    spine = measures.spine_of(loaded)
    out["spine_s"] = time.perf_counter() - began
    began = time.perf_counter()
    measures.review(spine)
    out["review_s"] = time.perf_counter() - began
    return out


def page(viewer: int) -> dict[str, Any]:
    """The review page of one month as a leader of the unit: computed (the month's cached row deleted before each
    request) and cached (the row the computed request stored)."""
    from django.test import Client

    from sanfu.accounts.models import User
    from sanfu.insights.models import MonthReview

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=viewer))
    url = f"/insights/review/?month={PAGE_MONTH}"
    computed, cached = [], []
    for _ in range(PAGE_RUNS):
        MonthReview.objects.all().delete()
        began = time.perf_counter()
        response = client.get(url, secure=True)
        computed.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
        began = time.perf_counter()
        response = client.get(url, secure=True)
        cached.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
    return {
        "page_ms": statistics.median(computed) * 1000,
        "page_cached_ms": statistics.median(cached) * 1000,
        "page_bytes": len(response.content),
    }


# --- the pm4py child (bench/.venv; no Django) --------------------------------------------------------------

EVENT_LOG_SQL = (
    "SELECT instance_id AS case_id,"
    " CASE WHEN node = '' THEN type ELSE node || ':' || type END AS activity,"
    " at AS timestamp, actor_id AS resource"
    " FROM workflow_instanceevent ORDER BY instance_id, seq"  # the log's order: ties in time keep it
)


def pm4py_dfg(database_url: str) -> dict[str, Any]:
    import warnings

    import pandas as pd
    import pm4py

    if database_url.startswith("sqlite:///"):
        import sqlite3

        conn: Any = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    else:
        import psycopg

        conn = psycopg.connect(database_url)
    warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy")  # a DBAPI connection is enough
    meter = PeakGrowth()
    meter.start()
    frame = pd.read_sql(EVENT_LOG_SQL, conn)
    read_s = time.perf_counter() - meter.started
    frame = pm4py.format_dataframe(frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
    dfg = pm4py.discover_performance_dfg(frame)[0]  # the edges' times; the start and end activities too
    measured = meter.stop()
    return {
        "pm4py_s": measured["s"],
        "pm4py_mb": measured["mb"],
        "base_mb": measured["base_mb"],
        "read_s": read_s,
        "rows": len(frame),
        "edges": len(dfg),
        "pm4py_version": pm4py.__version__,
    }


# --- parent ------------------------------------------------------------------------------------------------


def child_env(database_url: str, home: Path) -> dict[str, str]:
    """Sanfu's settings for the children of one database (the same keys for all of them)."""
    (home / "var").mkdir(parents=True, exist_ok=True)
    return {
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


def run(python: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run([python, __file__, *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"the benchmark child {' '.join(args[:2])} failed")
    # the last JSON line: pm4py prints its banner after the script's own output
    return json.loads(next(line for line in reversed(result.stdout.splitlines()) if line.startswith("{")))


def backend(label: str, database_url: str, home: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = child_env(database_url, home)
    print(f"\n{label}: building …", flush=True)
    info = run(sys.executable, ["--child", "build", "--events", str(args.events)], env)
    print(
        f"  {info['events']:,} events, {info['instances']:,} instances, {info['tasks']:,} tasks, "
        f"{info['people']:,} people in 30 departments; loaded in {info['build_s']:.0f} s; "
        f"database {info['db_bytes'] / MB:,.1f} MiB"
    )
    print("  events by type: " + ", ".join(f"{k} {v:,}" for k, v in info["event_types"].items()))
    print("  tasks by status: " + ", ".join(f"{k} {v:,}" for k, v in info["task_statuses"].items()))
    sanfu, peer = [], []
    for i in range(args.runs):
        review_args = ["--child", "review", "--unit", str(info["unit"]), "--viewer", str(info["viewer"])]
        if i == 0 and not args.no_profile:
            review_args.append("--profile")
        sanfu.append(run(sys.executable, review_args, env))
        peer.append(run(args.peer_python, ["--child", "pm4py", "--database", database_url], env))
        s, p = sanfu[-1], peer[-1]
        print(
            f"  run {i + 1}: review {s['review_s']:.2f} s {s['review_mb']:.0f} MiB, page {s['page_ms']:.0f} ms "
            f"(cached {s['page_cached_ms']:.0f} ms) | pm4py {p['pm4py_s']:.2f} s {p['pm4py_mb']:.0f} MiB "
            f"(read_sql {p['read_s']:.2f} s); load average {load_average()}",
            flush=True,
        )
    return {"info": info, "sanfu": sanfu, "peer": peer}


def load_average() -> str:
    """The machine's 1-minute load average: on a shared machine, how much else was running."""
    return f"{os.getloadavg()[0]:.1f}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def summary(r: dict[str, Any]) -> dict[str, float]:
    s, p = r["sanfu"], r["peer"]
    figures = {
        "review_s": median([x["review_s"] for x in s]),
        "review_mb": median([x["review_mb"] for x in s]),
        "pm4py_s": median([x["pm4py_s"] for x in p]),
        "pm4py_mb": median([x["pm4py_mb"] for x in p]),
        "page_ms": median([x["page_ms"] for x in s]),
    }
    figures["ratio"] = figures["pm4py_s"] / figures["review_s"]
    figures["mem_ratio"] = figures["review_mb"] / figures["pm4py_mb"]
    return figures


def report(label: str, r: dict[str, Any]) -> None:
    s, p = r["sanfu"], r["peer"]
    f = summary(r)

    def spread(values: list[float], unit: str, digits: int = 2) -> str:
        return f"{median(values):.{digits}f} {unit} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    print(f"\n{label} — median (min–max) of {len(s)} runs")
    print(
        f"  Sanfu review, 12 months: {spread([x['review_s'] for x in s], 's')}, "
        f"peak RSS growth {spread([x['review_mb'] for x in s], 'MiB', 0)} over {s[0]['base_mb']:.0f} MiB"
    )
    print(
        f"  pm4py read_sql + format + performance DFG: {spread([x['pm4py_s'] for x in p], 's')} "
        f"(read_sql {spread([x['read_s'] for x in p], 's')}), peak RSS growth "
        f"{spread([x['pm4py_mb'] for x in p], 'MiB', 0)} over {p[0]['base_mb']:.0f} MiB; "
        f"{p[0]['rows']:,} rows, {p[0]['edges']} edges, pm4py {p[0]['pm4py_version']}"
    )
    print(
        f"  review page {PAGE_MONTH}, computed: {spread([x['page_ms'] for x in s], 'ms', 0)}; cached: "
        f"{spread([x['page_cached_ms'] for x in s], 'ms', 0)}; {s[0]['page_bytes']:,} bytes"
    )
    print(f"  ratio (pm4py_s ÷ review_s) {f['ratio']:.2f}, mem_ratio (review_mb ÷ pm4py_mb) {f['mem_ratio']:.2f}")
    print(
        "  per month (first run): "
        + ", ".join(f"{m['month']} {m['ended']:,} ended/{m['sla_due']:,} due" for m in s[0]["months"])
    )
    prof = s[0].get("profile")
    if prof:
        print(
            f"  profile {prof['rows']}: load {prof['load_s']:.2f} s, spine {prof['spine_s']:.2f} s, "
            f"review {prof['review_s']:.2f} s"
        )
        for q in prof["queries"]:
            print(f"    {q['ms']:8.1f} ms  {q['sql']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("build", "review", "pm4py"), help=argparse.SUPPRESS)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--unit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--viewer", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)  # the review child's breakdown
    parser.add_argument("--no-profile", action="store_true", help="skip the breakdown of one month's time")
    parser.add_argument("--peer-python", default=str(HERE / ".venv" / "bin" / "python"))
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args()
    if args.child == "pm4py":
        print(json.dumps(pm4py_dfg(args.database)))
        return
    if args.child:
        import django

        django.setup()
        if args.child == "build":
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            print(json.dumps(build(args.events)))
        else:
            print(json.dumps(sanfu_review(args.unit, args.viewer, args.profile)))
        return

    if subprocess.run([args.peer_python, "-c", "import pm4py"], capture_output=True, check=False).returncode:
        raise SystemExit(f"{args.peer_python} has no pm4py: remove bench/.venv/.installed and run make bench-insights")
    print(
        f"Efficiency review benchmark: about {args.events:,} events, {args.runs} runs a side, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load_average()}"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sanfu-bench-insights-") as tmp:
        sqlite = backend(
            "1. SQLite file (WAL), no ANALYZE", f"sqlite:///{Path(tmp) / 'insights.sqlite3'}", Path(tmp), args
        )
    pg = None
    dbname = None if args.no_postgresql else postgresql_database("sanfu_bench_insights")
    if dbname is not None:
        try:
            with tempfile.TemporaryDirectory(prefix="sanfu-bench-insights-pg-") as tmp:
                pg = backend(
                    "2. PostgreSQL over loopback, after ANALYZE",
                    f"postgresql://postgres@127.0.0.1:5432/{dbname}",
                    Path(tmp),
                    args,
                )
        finally:
            drop_postgresql_database(dbname)
    report("1. SQLite", sqlite)
    if pg:
        report("2. PostgreSQL", pg)
    print(f"\ntotal {time.perf_counter() - started:.0f} s, load average at the end {load_average()}\n")

    f = summary(sqlite)
    line = (
        f"events={sqlite['info']['events']} review_s={f['review_s']:.2f} review_mb={f['review_mb']:.0f} "
        f"pm4py_s={f['pm4py_s']:.2f} pm4py_mb={f['pm4py_mb']:.0f} ratio={f['ratio']:.2f} "
        f"mem_ratio={f['mem_ratio']:.2f} page_ms={f['page_ms']:.0f}"
    )
    if pg:
        g = summary(pg)
        line += (
            f" pg_review_s={g['review_s']:.2f} pg_review_mb={g['review_mb']:.0f} pg_pm4py_s={g['pm4py_s']:.2f}"
            f" pg_pm4py_mb={g['pm4py_mb']:.0f} pg_ratio={g['ratio']:.2f} pg_mem_ratio={g['mem_ratio']:.2f}"
            f" pg_page_ms={g['page_ms']:.0f}"
        )
    print(line)


if __name__ == "__main__":
    main()
