"""The ledger benchmark: 督办台账 and the monthly bulletin with 10,000 items and 100,000 progress reports, on
SQLite and PostgreSQL.

Run with ``make bench-ledger``. For each database the child process migrates a throwaway database and fills it
**in bulk** (``bulk_create``), not through the services: this is a read benchmark. The rows have the shape the
services write (``last_percent``/``last_report_at`` repeat each item's latest report; a closed item has an
approved ``Closeout`` with its score and ``applied_at``/``closed_at``), but nothing else the services also
write exists: no audit rows, no indicators or milestones, no close-out flow instances (``Closeout.instance`` is
empty), no archive dossiers, no evidence files — and **no status snapshots** (``supervision.snapshots``): the
bulk load leaves every row stale, as a change of the working calendar would. Every item is 内部 in one unit of
20 departments and 300 people; deadlines are spread over the 300 days before and the 200 days after today;
about 85% of the items past their deadline are closed, some of them late.

Timed, in this order:

1. the snapshots, each run from cold (``COLD_RUNS`` runs, the preparation not timed): the worker's nightly job
   from all rows stale (``snapshots.refresh`` over 10,000 items: what the first read after the load or after a
   calendar change also pays), and a new day's recompute (only the open items stale: what the nightly job does
   each night). These leave every snapshot fresh for today; on PostgreSQL the items are then ``VACUUM
   ANALYZE``d (the recomputes rewrote each row several times; autovacuum would do it soon after);
2. p50 / p95 of the server's time for the whole request through Django's test client (middleware, view,
   template), with the snapshots fresh — the state after the nightly job or any earlier read of the day:

   - the ledger page (``supervision:ledger``, first page), and filtered to 有风险 (a computed status), as the
     office's clerk (who reads every item by level) and as a department head (who reads by need-to-know: the
     items his department leads or co-handles, or his people own);
   - the monthly bulletin page (``supervision:bulletin``, the current month) and ``bulletin.bulletin`` alone,
     as the clerk (the bulletin is the office's and the leaders');

3. last, the clerk's ledger page as the first read of a day the nightly job did not run (the open items'
   snapshots a day old: the page recomputes them first), from cold each run;

against two named baselines measured in the same run:

- ``bare ledger rows``: ``count()`` and the first 30 items in deadline order with their owner and department,
  no visibility rule and no status — the least a ledger page must read;
- ``bare bulletin rows``: the columns the bulletin's rules read of the items that can count in the month (due,
  created or closed in it, or not closed), no visibility rule and no status — what judging each item in
  Python, as the bulletin did before the snapshots, had to read first.

The target (issue 14) is p95 < 200 ms for the ledger page and the bulletin. Figures go to docs/benchmarks.md.
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
import types
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import drop_postgresql_database, postgresql_database, run_child  # bench/common.py: shared

ITEMS = 10_000
REPORTS = 100_000
PEOPLE = 300
DEPARTMENTS = 20
RUNS = 60
WARMUP = 3
COLD_RUNS = 5
SEED = 20261207
TARGET_MS = 200.0
# the columns the bulletin's rules read, as the ORM converts them by default (the baseline's)
BARE_COLUMNS = (
    "pk",
    "state",
    "created_at",
    "deadline",
    "last_percent",
    "last_report_at",
    "cadence_days",
    "applied_at",
    "closed_at",
    "lead_department_id",
    "lead_department__name",
    "owner_id",
)


# --- building (child process) -----------------------------------------------------------------------------


def build(items: int, reports: int) -> dict[str, Any]:  # noqa: PLR0915  # one load, read top to bottom
    from django.db import transaction
    from django.utils import timezone

    from sanfu.accounts.bootstrap import ensure_admin_roles
    from sanfu.accounts.models import Role, RoleGrant, User
    from sanfu.org.models import Post, PostRole, Rank, Staff, Unit
    from sanfu.org.services import department_create
    from sanfu.supervision.models import Closeout, CloseoutStatus, Item, ItemState, ProgressReport

    rng = random.Random(SEED)
    started = time.perf_counter()
    today = timezone.localdate()
    ensure_admin_roles()
    unit = Unit.objects.create(code="bench", name="基准公司", level=1)
    departments = [department_create(unit=unit, code=f"d{i:02d}", name=f"部门{i:02d}") for i in range(DEPARTMENTS)]
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"p{i:04d}", full_name=f"员工{i:04d}", password="!", must_change_password=False)  # noqa: S106
            for i in range(PEOPLE)
        )
        staff = Staff.objects.bulk_create(
            Staff(user=u, unit=unit, employee_no=f"B{i:05d}", rank=Rank.STAFF) for i, u in enumerate(users)
        )
        # person i works in department i % 20; the first 20 people head their department
        Post.objects.bulk_create(
            Post(
                staff=s,
                department=departments[i % DEPARTMENTS],
                role=PostRole.HEAD if i < DEPARTMENTS else PostRole.MEMBER,
                is_primary=True,
            )
            for i, s in enumerate(staff)
        )
        clerk, leader, head = users[-1], users[-2], users[3]
        RoleGrant.objects.create(user=clerk, role=Role.objects.get(code="clerk"))
        RoleGrant.objects.create(user=leader, role=Role.objects.get(code="leader"))

        def moment(day: date, hour: int = 10) -> datetime:
            return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))

        rows = []
        for n in range(items):
            deadline = today + timedelta(days=rng.randint(-300, 200))
            created = deadline - timedelta(days=rng.randint(20, 120))
            owner_index = rng.randrange(DEPARTMENTS, PEOPLE - 2)
            row = Item(
                title=f"督办事项{n:05d}",
                content="按计划推进并按时报送进展。",
                unit=unit,
                lead_department=departments[rng.randrange(DEPARTMENTS)],
                owner=users[owner_index],
                assigned_by=leader,
                created_by=clerk,
                deadline=deadline,
                created_at=moment(created),
            )
            if deadline < today and rng.random() < 0.85:
                applied = deadline + timedelta(days=rng.choice([-5, -2, -1, 0, 0, 1, 4]))
                applied = min(max(applied, created + timedelta(days=1)), today)
                row.state, row.applied_at = ItemState.CLOSED, moment(applied)
                row.closed_at = moment(min(applied + timedelta(days=rng.randint(0, 3)), today), 16)
            rows.append(row)
        Item.objects.bulk_create(rows, batch_size=2000)
        saved = list(Item.objects.order_by("pk"))
        through = Item.co_departments.through
        through.objects.bulk_create(
            [
                through(item_id=i.pk, department_id=departments[(i.lead_department_id or 0) % DEPARTMENTS].pk)
                for i in saved
                if rng.random() < 0.2
            ],
            batch_size=5000,
        )
        # reports: ten per item on average, between creation and the close (or today), percent rising
        per_item = [0] * len(saved)
        for _ in range(reports):
            per_item[rng.randrange(len(saved))] += 1
        report_rows = []
        latest: dict[int, tuple[datetime, int]] = {}
        for item, count in zip(saved, per_item, strict=True):
            start = timezone.localdate(item.created_at)
            end = timezone.localdate(item.closed_at) if item.closed_at else min(today, item.deadline + timedelta(60))
            span = max(1, (end - start).days)
            for k in range(count):
                at = moment(start + timedelta(days=min(span, (k + 1) * span // (count + 1) + 1)), 11)
                percent = min(100, (k + 1) * 100 // count)
                report_rows.append(
                    ProgressReport(item=item, author=item.owner, text="本周进展", percent=percent, created_at=at)
                )
                latest[item.pk] = (at, percent)
        ProgressReport.objects.bulk_create(report_rows, batch_size=5000)
        for item in saved:
            if item.pk in latest:
                item.last_report_at, item.last_percent = latest[item.pk]
        Item.objects.bulk_update(saved, ["last_report_at", "last_percent"], batch_size=2000)
        Closeout.objects.bulk_create(
            [
                Closeout(
                    item=i,
                    applicant=i.owner,
                    summary="已完成",
                    applied_at=i.applied_at,
                    status=CloseoutStatus.APPROVED,
                    decided_by=leader,
                    decided_at=i.closed_at,
                    score=rng.randint(3, 5),
                )
                for i in saved
                if i.state == ItemState.CLOSED
            ],
            batch_size=5000,
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # what autovacuum does soon after a load this size
    return {
        "items": Item.objects.count(),
        "reports": ProgressReport.objects.count(),
        "closed": Item.objects.filter(state=ItemState.CLOSED).count(),
        "build_s": time.perf_counter() - started,
        "clerk": clerk.pk,
        "head": head.pk,
        "today": today.isoformat(),
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
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def vacuum() -> None:
    """PostgreSQL: ``VACUUM ANALYZE`` of the items (dead row versions gone, statistics of the snapshot columns)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE supervision_item")


def cold(fn: Callable[[], Any], prepare: Callable[[], Any], runs: int = 0) -> dict[str, float]:
    """``fn`` timed ``runs`` (``COLD_RUNS``) times, each after ``prepare`` (not timed) made the state cold."""
    samples = []
    for _ in range(runs or COLD_RUNS):
        prepare()
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def _urlconf() -> str:
    """The site's URLs with the reports' under ``supervision/`` (until supervision/urls.py includes them)."""
    from django.urls import URLResolver, include, path

    from sanfu.config import urls as root
    from sanfu.supervision import urls as supervision_urls
    from sanfu.supervision import views_reports

    known = {getattr(p, "name", None) for p in supervision_urls.urlpatterns}
    patterns = [*supervision_urls.urlpatterns, *(p for p in views_reports.urlpatterns if p.name not in known)]
    module = types.ModuleType("bench_ledger_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("supervision/", include((patterns, "supervision")))
        if isinstance(p, URLResolver) and str(p.pattern) == "supervision/"
        else p
        for p in root.urlpatterns
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def measure(info: dict[str, Any], runs: int) -> dict[str, Any]:  # noqa: PLR0915  # one run, read top to bottom
    from django.conf import settings
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from sanfu.accounts.models import User
    from sanfu.supervision import bulletin, selectors, snapshots
    from sanfu.supervision.models import Item, ItemState

    today = date.fromisoformat(info["today"])
    month = f"{today.year:04d}-{today.month:02d}"
    first, last = bulletin.month_range(today.year, today.month)
    start, end = bulletin.day_start(first), bulletin.day_start(last + timedelta(days=1))
    result: dict[str, Any] = {"timings": {}, "queries": {}, "rows": {}}

    def bare_ledger() -> Any:
        rows = Item.objects.select_related("owner", "lead_department").order_by("deadline", "id")
        return rows.count(), list(rows[:30])

    def bare_bulletin() -> Any:
        relevant = Item.objects.filter(parent__isnull=True).filter(
            Q(deadline__range=(first, last))
            | Q(created_at__gte=start, created_at__lt=end)
            | Q(closed_at__gte=start, closed_at__lt=end)
            | ~Q(state=ItemState.CLOSED)
        )
        return list(relevant.values_list(*BARE_COLUMNS))

    result["rows"]["bulletin"] = len(bare_bulletin())
    result["timings"]["baseline/bare ledger rows"] = timed(bare_ledger, runs)
    result["timings"]["baseline/bare bulletin rows"] = timed(bare_bulletin, runs)

    # The status snapshots: the load wrote none (bulk_create), so every row is stale, as after a change of the
    # working calendar. The worker's nightly job recomputes them all; timed from all-stale, COLD_RUNS times.
    def nightly() -> None:
        snapshots.invalidate_all()
        written = snapshots.refresh(today=today)
        assert written == info["items"], written

    result["rows"]["recomputed"] = info["items"]
    result["timings"]["snapshots/recompute every item (nightly job)"] = cold(nightly, snapshots.invalidate_all)
    # a new day without the nightly job: only the open items' snapshots are stale (closed ones hold any day)
    stale_day = today - timedelta(days=1)
    result["rows"]["open"] = Item.objects.exclude(state=ItemState.CLOSED).count()

    def yesterday() -> None:
        Item.objects.exclude(state=ItemState.CLOSED).update(status_on=stale_day)

    result["timings"]["snapshots/recompute the open items (new day)"] = cold(
        lambda: snapshots.refresh(today=today), yesterday
    )
    vacuum()  # the recomputes above rewrote every row several times: what autovacuum does after them
    with override_settings(ROOT_URLCONF=_urlconf(), SECURE_SSL_REDIRECT=False):
        for label in ("clerk", "head"):
            user = User.objects.get(pk=info[label])
            client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
            client.force_login(user)
            visible = selectors.visible_items(user).count()
            result["rows"][f"{label}_visible"] = visible
            pages = {"ledger page": "/supervision/", "ledger page, 有风险": "/supervision/?status=at_risk"}
            if label == "clerk":  # the bulletin is the office's and the leaders'
                pages["bulletin page"] = f"/supervision/reports/bulletin/?month={month}"
            for name, url in pages.items():

                def get(url: str = url, client: Client = client) -> None:
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code, response.content[:2000])

                with CaptureQueriesContext(connection) as ctx:
                    get()
                result["queries"][f"{label}/{name}"] = len(ctx.captured_queries)
                result["timings"][f"{label}/{name}"] = timed(get, runs)
            if label == "clerk":
                result["timings"][f"{label}/bulletin.bulletin()"] = timed(
                    lambda user=user: bulletin.bulletin(user, year=today.year, month=today.month), runs
                )
        # last (it rewrites the open rows each run): the clerk's first page of a day the nightly job did not run
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
        client.force_login(User.objects.get(pk=info["clerk"]))

        def first_read() -> None:
            assert client.get("/supervision/").status_code == 200
            assert not Item.objects.filter(snapshots.stale_q(today)).exists()

        result["timings"]["clerk/ledger page, first read of a new day"] = cold(first_read, yesterday)
    return result


def child(items: int, reports: int, runs: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    info = build(items, reports)
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        size = sum(p.stat().st_size for p in (name, name.with_name(name.name + "-wal")) if p.exists())
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
    started = time.perf_counter()
    result = measure(info, runs)
    print(json.dumps({**info, **result, "db_bytes": size, "measure_s": time.perf_counter() - started}))


# --- parent: one child per database, the report -------------------------------------------------------


def report(title: str, r: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(
        f"  built {r['items']:,} items ({r['closed']:,} closed), {r['reports']:,} reports in {r['build_s']:.0f} s; "
        f"database {r['db_bytes'] / 2**20:,.0f} MiB; measured in {r['measure_s']:.0f} s; today {r['today']}"
    )
    print(
        f"  visible to the clerk {r['rows']['clerk_visible']:,}, to the head {r['rows']['head_visible']:,}; "
        f"rows the bulletin reads {r['rows']['bulletin']:,}"
    )
    print(f"  {'':<44}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}  target")
    for key, t in r["timings"].items():
        queries = r["queries"].get(key, "")
        target = "" if key.startswith(("baseline", "snapshots")) else ("ok" if t["p95"] < TARGET_MS else "MISSED")
        if "first read" in key:
            target = "(once a day)"
        print(f"  {key:<44}{t['p50']:>10.1f}{t['p95']:>10.1f}{queries!s:>9}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--reports", type=int, default=REPORTS)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.items, args.reports, args.runs)
        return
    child_args = ["--child", "--items", str(args.items), "--reports", str(args.reports), "--runs", str(args.runs)]
    print(
        f"Ledger benchmark: {args.items:,} items, {args.reports:,} reports, {args.runs} runs each, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sanfu-bench-ledger-") as tmp:
        sqlite = run_child(__file__, child_args, f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}", Path(tmp))
    report("1. SQLite file (WAL)", sqlite)
    pg = None
    dbname = None if args.no_postgresql else postgresql_database("sanfu_bench_ledger")
    if dbname is not None:
        try:
            with tempfile.TemporaryDirectory(prefix="sanfu-bench-ledger-pg-") as tmp:
                pg = run_child(__file__, child_args, f"postgresql://postgres@127.0.0.1:5432/{dbname}", Path(tmp))
        finally:
            drop_postgresql_database(dbname)
        report("2. PostgreSQL over loopback, after ANALYZE", pg)
    print(f"\ntotal {time.perf_counter() - started:.0f} s\n")

    def p95(r: dict[str, Any] | None, key: str) -> str:
        return "nan" if r is None else f"{r['timings'][key]['p95']:.1f}"

    print(
        f"ledger_items={args.items} sqlite_ledger_p95_ms={p95(sqlite, 'clerk/ledger page')} "
        f"sqlite_bulletin_p95_ms={p95(sqlite, 'clerk/bulletin page')} pg_ledger_p95_ms={p95(pg, 'clerk/ledger page')} "
        f"pg_bulletin_p95_ms={p95(pg, 'clerk/bulletin page')}"
    )


if __name__ == "__main__":
    main()
