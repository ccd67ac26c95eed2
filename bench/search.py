"""The archive search benchmark: 100,000 documents, ranked full-text search vs a naive LIKE scan.

Run with ``make bench-search``. Each backend runs in a child process (Django's settings are fixed per
process) on a throwaway database: a temporary SQLite file (FTS5 + bm25) and, when reachable, a throwaway
PostgreSQL database (tsvector + GIN + ts_rank_cd). The child bulk-inserts the records and their index rows
(rjieba-segmented tokens, built exactly as ``archive_record`` builds them), then times what the search page
runs: ``search_records`` for a reader who sees every record (through ``archive.restricted`` with the 全部
scope, so the access rule is in the query), the count for the pager and the first 20 ranked rows. The
query mix: one word, two words, one word + a year filter. The baseline is the same page with
``title LIKE '%word%' OR body LIKE '%word%'`` instead of the index, newest first.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (  # bench/common.py: shared by the benchmarks
    drop_postgresql_database,
    load_documents,
    postgresql_database,
    query_mix,
    run_child,
)

HERE = Path(__file__).resolve().parent
DOCS = 100_000
LIKE_QUERIES = 60


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- child: one backend -----------------------------------------------------------------------------


def child() -> None:  # one linear script: build, then time
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from sanfu.accounts.models import Role, RoleGrant, User
    from sanfu.accounts.permissions import DataScope, Perm
    from sanfu.archive.models import ArchiveRecord
    from sanfu.archive.selectors import Filters, search_records, visible_records
    from sanfu.org.models import Unit

    call_command("migrate", verbosity=0)
    unit = Unit.objects.create(code="bench", name="基准单位", level=1)
    reader = User.objects.create(username="bench_reader", full_name="档案员")
    role = Role.objects.create(
        code="bench-archivist", name="档案员", permissions=[Perm.READ_ARCHIVE_RESTRICTED], data_scope=DataScope.ALL
    )
    RoleGrant.objects.create(user=reader, role=role)

    started = time.perf_counter()
    segment_s = load_documents(DOCS, unit_id=unit.pk, first_id=1, now=timezone.now())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('archive_archiverecord', 'id'), %s)", [DOCS])
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO archive_search(archive_search) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    build_s = time.perf_counter() - started

    def page(qs: Any) -> tuple[int, list[int]]:
        return qs.count(), [r.pk for r in qs[:20]]

    mix = query_mix(random.Random(7))
    page(search_records(actor=reader, filters=Filters(query="安全生产")))  # warm up
    timings: dict[str, list[float]] = {}
    hits: list[int] = []
    for kind, query, year in mix:
        t = time.perf_counter()
        count, _rows = page(search_records(actor=reader, filters=Filters(query=query, year=year)))
        elapsed = (time.perf_counter() - t) * 1000
        timings.setdefault(kind, []).append(elapsed)
        timings.setdefault("all", []).append(elapsed)
        hits.append(count)

    like: list[float] = []
    for _kind, query, year in mix[:LIKE_QUERIES]:
        qs = visible_records(reader)
        for word in query.split():
            qs = qs.filter(Q(title__contains=word) | Q(body_text__contains=word))
        if year is not None:
            qs = qs.filter(year=year)
        t = time.perf_counter()
        page(qs.order_by("-archived_at", "-id"))
        like.append((time.perf_counter() - t) * 1000)

    print(
        json.dumps(
            {
                "backend": "sqlite-fts5" if connection.vendor == "sqlite" else "postgresql-tsvector",
                "docs": ArchiveRecord.objects.count(),
                "build_s": build_s,
                "segment_s": segment_s,
                "queries": len(mix),
                "median_hits": statistics.median(hits),
                "by_kind": {k: {"p50": pct(v, 50), "p95": pct(v, 95)} for k, v in timings.items()},
                "like_queries": len(like),
                "like_p50": pct(like, 50),
                "like_p95": pct(like, 95),
            }
        )
    )


def report(r: dict[str, Any]) -> None:
    print(
        f"\n{r['backend']}: {r['docs']:,} documents built in {r['build_s']:.1f} s "
        f"(segmentation {r['segment_s']:.1f} s); median hits per query {r['median_hits']:,}"
    )
    for kind, t in r["by_kind"].items():
        print(f"  ranked search, {kind:<12} p50 {t['p50']:7.1f} ms   p95 {t['p95']:7.1f} ms")
    print(
        f"  naive LIKE '%word%' ({r['like_queries']} queries)  p50 {r['like_p50']:7.1f} ms   "
        f"p95 {r['like_p95']:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    if args.child:
        child()
        return
    sys.path.insert(0, str(HERE.parent / "src"))
    with tempfile.TemporaryDirectory(prefix="sanfu-bench-search-") as tmp:
        home = Path(tmp)
        sqlite = run_child(__file__, ["--child"], f"sqlite:///{home / 'bench.sqlite3'}", home)
        report(sqlite)
        pg: dict[str, Any] | None = None
        name = None if args.no_postgres else postgresql_database("sanfu_bench_search")
        if name is None:
            print("\npostgresql: not reachable (or --no-postgres); skipped")
        else:
            try:
                pg = run_child(__file__, ["--child"], f"postgresql://postgres@127.0.0.1:5432/{name}", home)
            finally:
                drop_postgresql_database(name)
            report(pg)
    print()
    for r in (pg, sqlite):
        if r is not None:
            t = r["by_kind"]["all"]
            print(
                f"search_docs={r['docs']} search_p50_ms={t['p50']:.1f} search_p95_ms={t['p95']:.1f} "
                f"backend={r['backend']}"
            )


if __name__ == "__main__":
    main()
