"""流程效能评估 through HTTP: the page, its Excel workbook, the drill-downs and the API, for the office and the
leaders of the unit; everyone else is refused with a 404. The page's query count does not grow with the rows."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.api.tokens import token_issue
from sanfu.insights.models import MonthReview
from tests.insights.conftest import approve, at, start

pytestmark = pytest.mark.django_db

REVIEW = reverse("insights:review")
XLSX = reverse("insights:review_xlsx")
DRILL = reverse("insights:drill_down")


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    """Early November: October is a closed month."""
    with time_machine.travel(at(11, 5, 9), tick=True):
        yield


def test_the_office_reads_the_month(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["office_head"]).get(REVIEW, {"month": "2026-10"})
    assert response.status_code == 200
    figures = response.context["f"]
    assert (figures["total"]["throughput"], figures["total"]["sla_rate"]) == (5, 80.0)
    page = response.content.decode()
    assert "采购申请" in page
    assert "审核" in page
    assert "缺发票" in page
    assert 'id="review-chart"' in page
    assert "echarts.min.js" in page
    assert f"{DRILL}?month=2026-10&amp;figure=ended&amp;matter=buy" in page
    chart = response.context["chart"]
    assert chart["matters"] == ["采购申请", "请假"]
    assert chart["handling"] == [7.5, 0.5]


def test_the_excel_holds_the_same_figures(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["clerk"]).get(XLSX, {"month": "2026-10"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按事项类型", "按节点", "按部门", "按人员", "退回原因", "相关领域"]
    rows = list(book["按事项类型"].iter_rows(values_only=True))
    assert rows[1][:4] == ("采购申请", 4, 47.5, 183.3)
    assert rows[-1][:2] == ("全部", 5)
    reasons = list(book["退回原因"].iter_rows(values_only=True))
    assert reasons[1][1:] == ("采购申请", "review", "section_head", "文秘科", "缺发票")


def test_a_leader_reads_the_figures_but_lists_only_what_he_may_open(scene: dict[str, Any], login: Any) -> None:
    client = login(scene["gm"])
    assert client.get(REVIEW, {"month": "2026-10"}).status_code == 200
    response = client.get(DRILL, {"month": "2026-10", "figure": "ended"})
    assert response.status_code == 200
    assert response.context["d"].rows == []
    assert response.context["d"].hidden == 5


def test_the_drill_down_links_to_each_instance(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["office_head"]).get(
        DRILL, {"month": "2026-10", "figure": "returns", "person": scene["section_head"].pk}
    )
    assert response.status_code == 200
    (row,) = response.context["d"].rows
    assert row[0] == scene["b"]
    assert row[1] == reverse("approvals:instance", args=[scene["b"].pk])
    assert row[1] in response.content.decode()


def test_another_units_leader_sees_his_own_unit_only(scene: dict[str, Any], login: Any) -> None:
    figures = login(scene["other_gm"]).get(REVIEW, {"month": "2026-10"}).context["f"]
    assert (figures["total"]["throughput"], figures["total"]["backlog"]) == (0, 1)  # X, still open


@pytest.mark.parametrize("persona", ["accountant", "section_head", "sysadmin"])
def test_others_are_refused(scene: dict[str, Any], admins: dict[str, Any], login: Any, persona: str) -> None:
    client = login(admins[persona] if persona in admins else scene[persona])
    for url in (REVIEW, XLSX, DRILL):
        assert client.get(url, {"month": "2026-10", "figure": "ended"}).status_code == 404


def test_bad_input_is_a_clear_error(scene: dict[str, Any], login: Any) -> None:
    client = login(scene["office_head"])
    response = client.get(REVIEW, {"month": "2026-13"})
    assert response.status_code == 400
    assert "年-月" in response.context["error"]
    assert client.get(REVIEW, {"month": "2027-01"}).status_code == 400  # not begun
    assert client.get(DRILL, {"month": "2026-10", "figure": "nothing"}).status_code == 404
    assert not MonthReview.objects.exists()


def test_the_page_reads_a_bounded_number_of_queries(scene: dict[str, Any], login: Any) -> None:
    client = login(scene["office_head"])

    def count() -> int:
        MonthReview.objects.all().delete()  # computed, not read from the cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REVIEW, {"month": "2026-10"}).status_code == 200
        return len(queries)

    count()  # the first request of a session reads what later ones find cached
    few = count()
    for day in (15, 16, 20, 21):
        more = start(scene, "buy", f"批量 {day}", at(10, day, 9))
        approve(more, scene["section_head"], at(10, day, 10))
        approve(more, scene["finance_head"], at(10, day, 11))
    many = count()
    assert few == many
    # the review's own: the rights (2), the calendar, the cache, six reads of facts, the store; the other domains'
    # figures beside it (the window's 4, 督办's bulletin 10-11, meetings' 3: tests/insights/test_review_beside.py);
    # the rest is the shell's (session, user, second factor, navigation badges)
    assert few <= 32 + 18


def test_the_api_answers_the_same_figures(scene: dict[str, Any]) -> None:
    # the clerk (the office by role): a process administrator signs in with a second factor, never a token
    _token, raw = token_issue(actor=scene["clerk"], name="效能", scopes=["insights:read"], days=30)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.get("/api/v1/insights/review", {"month": "2026-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2026-10"
    assert body["total"]["throughput"] == 5
    _token, raw = token_issue(actor=scene["accountant"], name="效能", scopes=["insights:read"], days=30)
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/insights/review").status_code == 404


def test_the_menu_offers_the_review_only_to_those_who_may_read_it(scene: dict[str, Any], login: Any) -> None:
    link = f'href="{REVIEW}"'
    assert link in login(scene["office_head"]).get("/").content.decode()
    assert link in login(scene["gm"]).get("/").content.decode()
    assert link not in login(scene["accountant"]).get("/").content.decode()
