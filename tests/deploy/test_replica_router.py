"""Read replica routing (sanfu.core.dbrouter): the read-only pages read from the replica, the rest from the primary.

The replica is a second database of its own name (``replica`` in the test settings) into which the test copies the
primary (pg_dump | psql on PostgreSQL, SQLite's backup API), then writes on the primary only, as if replication
lagged: what a page shows then says which database it read.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import archive_record
from sanfu.core import dbrouter
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def _routed(settings: Any, tmp_path: Path) -> None:
    """The settings a SANFU_DATABASE_REPLICA_URL gives: the router and the pages' middleware."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATABASE_ROUTERS = ["sanfu.core.dbrouter.ReplicaRouter"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "sanfu.core.dbrouter.ReplicaPagesMiddleware"]


def _pg_args(alias: str) -> list[str]:
    conf = connections[alias].settings_dict
    return [
        "-h",
        conf["HOST"] or "127.0.0.1",
        "-p",
        str(conf["PORT"] or 5432),
        "-U",
        conf["USER"] or "postgres",
        "-d",
        conf["NAME"],
    ]


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed (Debian: postgresql-client)"
    return found


def _replicate() -> None:
    """The replica becomes a copy of the primary as committed now."""
    primary, replica = connections["default"], connections["replica"]
    replica.close()
    if primary.vendor == "sqlite":
        primary.ensure_connection()
        target = sqlite3.connect(replica.settings_dict["NAME"])
        try:
            primary.connection.backup(target)
        finally:
            target.close()
        return
    env = {"PGPASSWORD": primary.settings_dict["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
    dump = subprocess.run(  # noqa: S603
        [_tool("pg_dump"), "--no-owner", "--no-privileges", "--clean", "--if-exists", *_pg_args("default")],
        capture_output=True,
        check=True,
        env=env,
    )
    subprocess.run(  # noqa: S603
        [_tool("psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", *_pg_args("replica")],
        input=dump.stdout,
        capture_output=True,
        check=True,
        env=env,
    )


def _record(org: dict[str, Any], source_id: int, title: str) -> ArchiveRecord:
    return archive_record(
        source="documents",
        source_id=source_id,
        title=title,
        kind="发文",
        unit_id=org["unit"].pk,
        department_id=org["office"].pk,
        year=2026,
        body_text=f"{title}：迎峰度夏期间设备巡检安排。",
        history=[{"at": "2026-03-01T09:00:00+08:00", "who": "文书", "what": "拟稿", "comment": ""}],
        files=[],
    )


def _tables(captured: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in captured.captured_queries)


@pytest.fixture
def lagging(org: dict[str, Any]) -> dict[str, ArchiveRecord]:
    """One record replicated, one written on the primary after the copy (not on the replica yet)."""
    old = _record(org, 1, "关于防汛值班的通知")
    _replicate()
    new = _record(org, 2, "关于防汛物资的通知")
    return {"old": old, "new": new}


def test_search_page_reads_the_replica(
    org: dict[str, Any], lagging: dict[str, ArchiveRecord], login: Callable[[User], Client]
) -> None:
    client = login(org["gm"])
    for query in ({}, {"q": "防汛"}):  # the listing (ORM) and the ranked full-text search (raw SQL)
        with (
            CaptureQueriesContext(connections["replica"]) as replica,
            CaptureQueriesContext(connections["default"]) as primary,
        ):
            page = client.get(reverse("archive:search"), query)
        assert page.status_code == 200
        html = page.content.decode()
        assert lagging["old"].title in html
        assert lagging["new"].title not in html  # the primary has it; the replica does not yet
        assert "archive_archiverecord" in _tables(replica)
        assert "archive_archiverecord" not in _tables(primary)
        assert "archive_search" not in _tables(primary)
        # Who is signed in and what they may do come from the primary, whatever the page.
        assert "django_session" in _tables(primary)
        assert "django_session" not in _tables(replica)
        assert "accounts_user" not in _tables(replica)


def test_other_pages_and_every_write_use_only_the_primary(
    org: dict[str, Any], lagging: dict[str, ArchiveRecord], login: Callable[[User], Client]
) -> None:
    client = login(org["gm"])
    with CaptureQueriesContext(connections["replica"]) as replica:
        record = client.get(reverse("archive:record", args=[lagging["new"].pk]))  # not a read-only page
        home = client.get(reverse("web:home"))
        # A write page: signing in writes the session, the sign-in record and the audit trail.
        signin = Client().post(reverse("accounts:login"), {"username": org["clerk"].username, "password": PASSWORD})
    assert record.status_code == 200
    assert lagging["new"].title in record.content.decode()
    assert home.status_code == 200
    assert signin.status_code == 302
    assert replica.captured_queries == []


def test_a_write_inside_a_read_only_page_goes_to_the_primary(
    org: dict[str, Any], lagging: dict[str, ArchiveRecord]
) -> None:
    """The router itself: reads go to the replica only when marked, never inside a transaction, never for
    accounts; writes always go to the primary."""
    router = dbrouter.ReplicaRouter()
    assert router.db_for_read(ArchiveRecord) == "default"
    with dbrouter.replica_reads():
        assert router.db_for_read(ArchiveRecord) == "replica"
        assert router.db_for_read(User) == "default"
        assert router.db_for_write(ArchiveRecord) == "default"
        assert list(ArchiveRecord.objects.values_list("pk", flat=True)) == [lagging["old"].pk]
        new = _record(org, 3, "关于防汛演练的通知")  # a service's transaction: its reads and writes on the primary
    assert ArchiveRecord.objects.using("replica").filter(pk=new.pk).exists() is False
    assert ArchiveRecord.objects.filter(pk=new.pk).exists()
    assert router.allow_migrate("replica", "archive") is False
    assert router.allow_migrate("default", "archive") is True
