"""The review beside the other domains, and a light page: the window's complaint rate and ratings, 督办's on-time
completion and meetings' no-show rate come from the owning domains (through ``insights.beside``, filled by the
shell) onto the page, the Excel and the report, each linking to its domain's page for the month; the people table
shows the heaviest few and the people page all of them, a page at a time."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from sanfu.api.tokens import token_issue
from sanfu.insights import beside, selectors, views
from sanfu.meetings import figures as meeting_figures
from sanfu.servicedesk import figures as window_figures
from sanfu.supervision import bulletin
from tests.insights.conftest import at

pytestmark = pytest.mark.django_db

REVIEW = reverse("insights:review")
PEOPLE = reverse("insights:review_people")


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    with time_machine.travel(at(11, 5, 9), tick=True):
        yield


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> None:
    """One more provider, as another domain would register it: its figure must reach every output."""

    def provider(actor: Any, unit_id: int, year: int, month: int) -> list[beside.Figure]:
        return [beside.Figure("planted", "试种指标", 12.5, "%", f"{year}-{month:02d} 单位{unit_id}", "/x/?m=1", "试验")]

    monkeypatch.setitem(beside._PROVIDERS, "planted", provider)


def test_the_domains_figures_are_the_domains_own(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["office_head"]).get(REVIEW, {"month": "2026-10"})
    found = {b["key"]: b for b in response.context["beside"]}
    assert list(found) == ["complaint_rate", "rating", "supervision_on_time", "no_show"]
    unit = scene["unit"].pk
    window = window_figures.month_figures(unit_id=unit, year=2026, month=10).total
    meetings = meeting_figures.month_figures(unit_id=unit, year=2026, month=10).total
    due = bulletin.bulletin(scene["office_head"], year=2026, month=10, unit_id=unit).total
    assert found["complaint_rate"]["value"] == window.complaint_rate
    assert found["rating"]["value"] == window.rating
    assert found["no_show"]["value"] == meetings.no_show_rate
    assert found["supervision_on_time"]["value"] == due.completion_rate
    page = response.content.decode()
    # each drills down to its domain's page for the month
    assert f'href="{reverse("servicedesk:figures")}?month=2026-10"' in page
    assert f'href="{reverse("supervision:bulletin")}?month=2026-10"' in page
    assert f'href="{reverse("meetings:figures")}?month=2026-10"' in page
    assert "每件跨部门流转" in page  # hand-offs per instance were the review's already


def test_the_office_figures_are_every_readers(scene: dict[str, Any]) -> None:
    # 督办 and meetings as the reader sees them; the window only for those who read its whole figures
    keys = [b["key"] for b in selectors.beside_for(actor=scene["clerk"], month=selectors.parse_month("2026-10"))]
    assert "supervision_on_time" in keys
    assert "no_show" in keys


def test_another_domains_figure_reaches_page_excel_and_report(scene: dict[str, Any], login: Any, planted: None) -> None:
    client = login(scene["office_head"])
    page = client.get(REVIEW, {"month": "2026-10"}).content.decode()
    assert "试种指标" in page
    assert 'href="/x/?m=1"' in page
    assert "12.5%" in page
    book = load_workbook(io.BytesIO(client.get(reverse("insights:review_xlsx"), {"month": "2026-10"}).content))
    rows = list(book["相关领域"].iter_rows(values_only=True))
    assert ("试种指标", 12.5, "%", f"2026-10 单位{scene['unit'].pk}", "试验", "/x/?m=1") in rows
    docx = client.get(reverse("insights:review_docx"), {"month": "2026-10"}).content
    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "六、相关领域情况" in text
    assert f"试种指标12.5%（2026-10 单位{scene['unit'].pk}）" in text


def test_the_api_gives_the_domains_figures_beside_the_review(scene: dict[str, Any], planted: None) -> None:
    # the clerk (the office by role): a process administrator signs in with a second factor, never a token
    _token, raw = token_issue(actor=scene["clerk"], name="效能", scopes=["insights:read"], days=30)
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/insights/review", {"month": "2026-10"})
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["total"]["throughput"] == 5  # the review's own figures, as before
    shown = selectors.beside_for(actor=scene["clerk"], month=selectors.parse_month("2026-10"))
    assert got["beside"] == shown  # what the page, the Excel and the report show
    planted_figure = {b["key"]: b for b in got["beside"]}["planted"]
    assert planted_figure == {
        "key": "planted",
        "label": "试种指标",
        "value": 12.5,
        "unit": "%",
        "note": f"2026-10 单位{scene['unit'].pk}",
        "url": "/x/?m=1",
        "source": "试验",
    }
    assert {"supervision_on_time", "no_show"} <= {b["key"] for b in got["beside"]}


def test_the_page_shows_the_queue_split_and_its_share(scene: dict[str, Any], login: Any) -> None:
    page = login(scene["office_head"]).get(REVIEW, {"month": "2026-10"}).content.decode()
    # nobody opened the October scene's tasks through a page: no split, and the page says so
    assert 'id="total-queue">— / —' in page
    assert "0.0% 的待办有打开时间" in page
    assert f"{reverse('insights:drill_down')}?month=2026-10&amp;figure=unseen" in page


def test_the_people_table_shows_the_heaviest_and_the_rest_on_their_page(
    scene: dict[str, Any], login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PEOPLE_SHOWN", 1)
    monkeypatch.setattr(views, "PEOPLE_PAGE", 1)
    client = login(scene["office_head"])
    response = client.get(REVIEW, {"month": "2026-10"})
    everyone = response.context["f"]["people"]
    assert len(everyone) == 3  # the section head, the finance head, the office head
    (shown,) = response.context["people"]
    assert shown["person"] == scene["section_head"].pk  # 5 审核 acted, 1 still open: the heaviest load
    page = response.content.decode()
    assert f"{PEOPLE}?month=2026-10&amp;sort=load" in page
    by_time = client.get(REVIEW, {"month": "2026-10", "people": "time"}).context["people"]
    assert by_time[0]["person"] == scene["finance_head"].pk  # 复核's median 2.25 h is the longest
    listed = []
    for number in (1, 2, 3):
        response = client.get(PEOPLE, {"month": "2026-10", "sort": "load", "page": number})
        assert response.status_code == 200
        listed += [r["person"] for r in response.context["page"].object_list]
    assert listed == [r["person"] for r in selectors.people_ranked(response.context["f"], "load")]
    assert len(set(listed)) == 3
    # the Excel keeps every one of them
    book = load_workbook(io.BytesIO(client.get(reverse("insights:review_xlsx"), {"month": "2026-10"}).content))
    assert len(list(book["按人员"].iter_rows(values_only=True))) == 1 + 3


def test_the_people_page_is_the_reviews_readers_and_refuses_a_bad_sort(scene: dict[str, Any], login: Any) -> None:
    assert login(scene["accountant"]).get(PEOPLE, {"month": "2026-10"}).status_code == 404
    client = login(scene["office_head"])
    assert client.get(PEOPLE, {"month": "2026-10", "sort": "nothing"}).status_code == 400
    assert client.get(REVIEW, {"month": "2026-10", "people": "nothing"}).status_code == 400
