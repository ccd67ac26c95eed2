"""档案检索's filter selects (years and kinds): read from the indexes, right the moment a record is filed, the same
offer for every reader (years and kinds reveal no matter: see ``selectors.facet_values``), and choosing one is
still a search through the reader's access rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.selectors import facet_values
from sanfu.archive.services import archive_record
from tests.conftest import make_department, make_staff, make_unit

pytestmark = pytest.mark.django_db


def _file(org: dict[str, Any], source_id: int, **kw: Any) -> ArchiveRecord:
    args: dict[str, Any] = {
        "source": "documents",
        "source_id": source_id,
        "title": f"关于设备巡检的通知（{source_id}）",
        "kind": "发文",
        "unit_id": org["unit"].pk,
        "department_id": org["office"].pk,
        "year": 2024,
        "body_text": "各部门：现就设备巡检工作通知如下。",
    }
    args.update(kw)
    return archive_record(**args)


def _options(client: Client, select_id: str, **params: Any) -> list[str]:
    html = client.get(reverse("archive:search"), params).content.decode()
    select = html[html.index(f'id="{select_id}"') :]
    select = select[: select.index("</select>")]
    return [part.split('"', 1)[0] for part in select.split('<option value="')[2:]]  # after 全部


def test_a_newly_filed_records_year_and_kind_are_offered_at_once(
    org: dict[str, Any], login: Callable[[User], Client]
) -> None:
    client = login(org["clerk"])
    _file(org, 1, year=2024, kind="发文")
    _file(org, 2, year=2022, kind="收文")
    assert _options(client, "archive-year") == ["2024", "2022"]
    assert _options(client, "archive-kind") == sorted(["发文", "收文"])
    _file(org, 3, year=2031, kind="会议")
    assert _options(client, "archive-year") == ["2031", "2024", "2022"]
    assert "会议" in _options(client, "archive-kind")
    # A record filed again under another year moves with it; a year no record keeps any more goes.
    _file(org, 3, year=2023, kind="会议")
    assert _options(client, "archive-year") == ["2024", "2023", "2022"]


def test_the_offer_is_the_archives_distinct_values_in_the_selects_order(org: dict[str, Any]) -> None:
    for i, (year, kind) in enumerate([(2020, "纪要"), (2026, "发文"), (2020, "发文"), (2018, "督办"), (2026, "函")]):
        _file(org, i + 1, year=year, kind=kind)
    found = facet_values(org["clerk"])
    assert found["years"] == list(ArchiveRecord.objects.order_by("-year").values_list("year", flat=True).distinct())
    assert found["kinds"] == list(ArchiveRecord.objects.order_by("kind").values_list("kind", flat=True).distinct())
    assert found["years"] == [2026, 2020, 2018]
    assert facet_values(None) == found  # the same for every reader


def test_an_empty_archive_offers_nothing(org: dict[str, Any]) -> None:
    assert facet_values(org["clerk"]) == {"years": [], "kinds": []}


def test_choosing_a_year_only_another_unit_reads_shows_nothing(
    org: dict[str, Any], login: Callable[[User], Client]
) -> None:
    other = make_unit("other", name="另一家公司")
    stranger = make_staff(make_department(other, "综合部"), username="stranger")
    _file(org, 1, year=2019, kind="纪要", confidentiality="secret", owner_id=org["clerk"].pk)
    client = login(stranger)
    assert "2019" in _options(client, "archive-year")  # offered: a year says nothing of the matter
    response = client.get(reverse("archive:search"), {"year": 2019})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "设备巡检" not in response.content.decode()
    assert [
        r.title for r, _snippet in login(org["clerk"]).get(reverse("archive:search"), {"year": 2019}).context["rows"]
    ] == ["关于设备巡检的通知（1）"]


def test_the_selects_cost_two_statements_that_read_no_record(org: dict[str, Any]) -> None:
    for i in range(6):
        _file(org, i + 1, year=2020 + i % 3, kind=("发文", "收文")[i % 2])
    with CaptureQueriesContext(connection) as captured:
        facet_values(org["clerk"])
    sql = [q["sql"] for q in captured.captured_queries]
    assert len(sql) == 2
    assert all("WITH RECURSIVE" in s and "DISTINCT" not in s.upper() for s in sql), sql
