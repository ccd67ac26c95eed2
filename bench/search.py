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

from common import drop_postgresql_database, postgresql_database, run_child  # bench/common.py: shared by the benchmarks

HERE = Path(__file__).resolve().parent
DOCS = 100_000
QUERIES = 300
LIKE_QUERIES = 60
BATCH = 5000

TOPICS = [
    "安全生产",
    "迎峰度夏",
    "防汛",
    "设备检修",
    "机组运行",
    "燃料采购",
    "节能减排",
    "环保督察",
    "党风廉政",
    "人才培养",
    "财务预算",
    "资金管理",
    "合同管理",
    "招标采购",
    "科技创新",
    "信息化建设",
    "网络安全",
    "保密工作",
    "应急管理",
    "消防安全",
    "职业健康",
    "质量管理",
    "档案管理",
    "后勤保障",
    "车辆管理",
    "工会活动",
    "安全培训",
    "隐患排查",
    "电力市场",
    "营销服务",
    "新能源",
    "光伏项目",
    "风电场",
    "煤炭供应",
    "碳排放",
    "绩效考核",
    "干部任免",
    "审计整改",
    "巡察反馈",
    "制度建设",
]
ACTIONS = ["加强", "做好", "开展", "落实", "规范", "推进", "部署", "印发", "调整", "公布"]
DOCTYPES = ["通知", "通报", "请示", "报告", "批复", "意见", "方案", "纪要", "函", "决定"]
PHRASES = [
    "各部门要高度重视",
    "切实履行主体责任",
    "严格按照有关规定执行",
    "确保各项工作落到实处",
    "及时报送工作进展情况",
    "加强组织领导",
    "明确责任分工",
    "强化监督检查",
    "认真组织学习",
    "结合本单位实际",
    "制定具体实施方案",
    "做好宣传引导",
    "建立长效机制",
    "定期开展自查",
    "对发现的问题立即整改",
    "完善应急预案",
    "加强值班值守",
    "确保机组安全稳定运行",
    "请认真贯彻执行",
    "现将有关事项通知如下",
    "经公司研究决定",
    "特此通知",
    "妥否请批示",
    "抓好督促落实",
]
UNITS = ["发电一厂", "发电二厂", "检修公司", "燃料公司", "新能源公司"]
YEARS = list(range(2016, 2027))


def make_doc(rng: random.Random, i: int) -> dict[str, Any]:
    topic, topic2 = rng.sample(TOPICS, 2)
    title = f"关于{rng.choice(ACTIONS)}{topic}工作的{rng.choice(DOCTYPES)}"
    sentences = [f"为{rng.choice(ACTIONS)}{topic}和{topic2}工作", *rng.sample(PHRASES, 6)]
    body = f"{rng.choice(UNITS)}各部门：" + "，".join(sentences) + f"。（第{i}号）"
    return {"title": title, "body": body, "year": rng.choice(YEARS)}


def query_mix(rng: random.Random) -> list[tuple[str, str, int | None]]:
    mix: list[tuple[str, str, int | None]] = []
    for n in range(QUERIES):
        kind = n % 3
        if kind == 0:
            mix.append(("one word", rng.choice(TOPICS), None))
        elif kind == 1:
            a, b = rng.sample(TOPICS, 2)
            mix.append(("two words", f"{a} {b}", None))
        else:
            mix.append(("word + year", rng.choice(TOPICS), rng.choice(YEARS)))
    return mix


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- child: one backend -----------------------------------------------------------------------------


def child() -> None:  # noqa: PLR0915  # one linear script: build, then time
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Q
    from django.utils import timezone

    from sanfu.accounts.models import Role, RoleGrant, User
    from sanfu.accounts.permissions import DataScope, Perm
    from sanfu.archive.models import ArchiveRecord
    from sanfu.archive.search import index_tokens
    from sanfu.archive.selectors import Filters, search_records, visible_records
    from sanfu.org.models import Unit

    call_command("migrate", verbosity=0)
    unit = Unit.objects.create(code="bench", name="基准单位", level=1)
    reader = User.objects.create(username="bench_reader", full_name="档案员")
    role = Role.objects.create(
        code="bench-archivist", name="档案员", permissions=[Perm.READ_ARCHIVE_RESTRICTED], data_scope=DataScope.ALL
    )
    RoleGrant.objects.create(user=reader, role=role)

    rng = random.Random(2026)
    levels = ["public", "internal", "internal", "internal", "secret"]
    now = timezone.now()
    started = time.perf_counter()
    segment_s = 0.0
    for base in range(0, DOCS, BATCH):
        docs = [make_doc(rng, i) for i in range(base, base + BATCH)]
        t = time.perf_counter()
        tokens = [index_tokens(d["title"], d["body"]) for d in docs]
        segment_s += time.perf_counter() - t
        with transaction.atomic():
            ArchiveRecord.objects.bulk_create(
                [
                    ArchiveRecord(
                        id=base + k + 1,
                        source="bench",
                        source_id=base + k + 1,
                        title=d["title"],
                        kind=d["title"][-2:],
                        unit_id=unit.pk,
                        year=d["year"],
                        body_text=d["body"],
                        confidentiality=levels[k % len(levels)],
                        history=[],
                        archived_at=now,
                    )
                    for k, d in enumerate(docs)
                ]
            )
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO archive_search (rowid, tokens) VALUES (%s, %s)",
                    [(base + k + 1, tok) for k, tok in enumerate(tokens)],
                )
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
