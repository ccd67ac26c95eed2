"""The archive's list pages run a fixed number of queries, however many records or files they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import ArchiveFileIn, archive_record

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm up: session, grants and other per-client first-time reads
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _archive(org: dict[str, Any], source_id: int, *, files: int = 2, **kw: Any) -> ArchiveRecord:
    args: dict[str, Any] = {
        "source": "documents",
        "source_id": source_id,
        "title": f"关于迎峰度夏设备巡检的通知（{source_id}）",
        "kind": "发文" if source_id % 2 else "收文",
        "unit_id": org["unit"].pk,
        "department_id": org["office"].pk,
        "year": 2020 + source_id % 5,
        "body_text": "为确保迎峰度夏期间机组稳定运行，现就设备巡检工作通知如下。",
        "owner_id": org["clerk"].pk,
        "reader_ids": [org["accountant"].pk],
        "files": [
            ArchiveFileIn(name=f"附件{i}.txt", content=f"{source_id}-{i}".encode(), text="巡检") for i in range(files)
        ],
    }
    args.update(kw)
    return archive_record(**args)


@pytest.mark.parametrize("query", ["", "?q=巡检", "?year=2021&kind=发文"])
def test_search_page(org: dict[str, Any], login: Any, query: str) -> None:
    client = login(org["clerk"])
    url = reverse("archive:search") + query
    for i in range(1, 3):
        _archive(org, i)
    few = _queries(client, url)
    for i in range(3, 15):
        _archive(org, i, confidentiality="secret" if i % 3 else "internal")
    assert _queries(client, url) == few


def test_record_page_with_many_files(org: dict[str, Any], login: Any) -> None:
    client = login(org["clerk"])
    few = _queries(client, reverse("archive:record", args=[_archive(org, 1, files=1).pk]))
    many = _queries(client, reverse("archive:record", args=[_archive(org, 2, files=12).pk]))
    assert many == few
