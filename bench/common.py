"""What every benchmark here shares: a throwaway PostgreSQL database, a child process that runs Sanfu on a given
database (a fresh interpreter, so each backend starts from clean settings), and the archive's benchmark documents
with their query mix (``make bench-search`` and ``make bench-web`` load and search the same ones)."""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PG_DSN = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
QUERIES = 300  # the search query mix's length
BATCH = 5000  # documents per INSERT batch


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


# --- the archive's benchmark documents and the search query mix ---------------------------------------------

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


def load_documents(count: int, *, unit_id: int, first_id: int, now: Any) -> float:
    """Bulk-load ``count`` archive records (ids from ``first_id``, of ``unit_id``, one level in five secret) with
    their index rows built exactly as ``archive_record`` builds them; returns the seconds spent segmenting. Runs
    inside a process where Django is set up."""
    from django.db import connection, transaction

    from sanfu.archive.models import ArchiveRecord
    from sanfu.archive.search import index_tokens

    rng = random.Random(2026)
    levels = ["public", "internal", "internal", "internal", "secret"]
    segment_s = 0.0
    for base in range(0, count, BATCH):
        docs = [make_doc(rng, i) for i in range(base, min(count, base + BATCH))]
        started = time.perf_counter()
        tokens = [index_tokens(d["title"], d["body"]) for d in docs]
        segment_s += time.perf_counter() - started
        with transaction.atomic():
            ArchiveRecord.objects.bulk_create(
                [
                    ArchiveRecord(
                        id=first_id + base + k,
                        source="bench",
                        source_id=first_id + base + k,
                        title=d["title"],
                        kind=d["title"][-2:],
                        unit_id=unit_id,
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
                    [(first_id + base + k, tok) for k, tok in enumerate(tokens)],
                )
    return segment_s
