"""The reports' pages over HTTP, on the hand-computed world of ``test_bulletin_world`` with time frozen on its
``as of`` day: the bulletin page (figures, chart data, links to the ledger), its DOCX and Excel, the
assessment page and its Excel; who is refused (404); a bad month or period gets a clear message; the bulletin
page's queries do not grow with the items."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document

from sanfu.accounts.models import User
from sanfu.supervision import services
from tests.supervision.test_bulletin_world import AS_OF, World, at, module_world

pytestmark = pytest.mark.django_db

NOVEMBER = "month=2026-11"


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from module_world(django_db_blocker, tmp_path_factory)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with at(AS_OF.isoformat(), 10):
        yield


def client_of(user: User) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_the_bulletin_page_shows_the_figures_the_chart_data_and_ledger_links(world: World) -> None:
    response = client_of(world.people["clerk"]).get(f"/supervision/reports/bulletin/?{NOVEMBER}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年11月督办工作通报" in page
    row = re.search(r'<tr data-department="财务部">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells == ["1", "财务部", "5", "2", "40.0%", "2", "40.0%", "1", "1", "3", "1"]
    assert 'id="total-completion">28.6%' in page
    finance = world.departments["finance"].pk
    assert f"/supervision/?department={finance}&amp;month=2026-11&amp;status=overdue" in page
    chart = json.loads(re.search(r'id="bulletin-chart-data"[^>]*>(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert chart["departments"] == ["财务部", "办公室"]
    assert chart["completion"] == [40.0, 0.0]
    assert "vendor/echarts/echarts.min.js" in page
    assert "supervision/bulletin.js" in page
    assert "事项S" not in page  # the 秘密 item the clerk may not see


def test_a_bad_or_future_month_gets_a_clear_message(world: World) -> None:
    client = client_of(world.people["clerk"])
    bad = client.get("/supervision/reports/bulletin/?month=2026-13")
    assert bad.status_code == 400
    assert "月份应写成“年-月”" in bad.content.decode()
    future = client.get("/supervision/reports/bulletin/?month=2026-12")
    assert future.status_code == 400
    assert "尚未开始" in future.content.decode()
    download = client.get("/supervision/reports/bulletin.docx?month=abc", follow=True)
    assert "月份应写成“年-月”" in download.content.decode()


def test_the_docx_opens_and_carries_the_figures(world: World) -> None:
    response = client_of(world.people["gm"]).get(f"/supervision/reports/bulletin.docx?{NOVEMBER}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "关于2026年11月督办工作情况的通报" in text
    assert "各部门：" in text
    # the general manager sees the 秘密 item S: 财务部 has 6 due, 2 on time (33.3%)
    assert "本月应完成督办事项8项，按期完成2项，完成率25.0%" in text
    assert "财务部：应完成6项，按期完成2项，完成率33.3%；逾期2项，逾期率33.3%；排名第1。" in text
    assert "事项F4" in text  # overdue, listed


def test_the_excel_bulletin_has_the_figures_and_the_months_ledger(world: World) -> None:
    response = client_of(world.people["clerk"]).get(f"/supervision/reports/bulletin.xlsx?{NOVEMBER}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book["部门完成情况"].iter_rows(values_only=True))
    assert rows[1] == (1, "财务部", 5, 2, 40.0, 2, 40.0, 1, 1, 3, 1)
    assert rows[-1] == (None, "合计", 7, 2, 28.6, 2, 28.6, 3, 2, 4, 2)
    ledger = list(book["本月到期事项台账"].iter_rows(values_only=True))
    assert [r[1] for r in ledger[1:]] == ["事项F3", "事项F1", "事项F2", "事项F4", "事项O1", "事项F5", "事项O2"]
    assert [r[1] for r in book["逾期事项"].iter_rows(min_row=2, values_only=True)] == ["事项F4"]


def test_the_assessment_page_and_its_excel(world: World) -> None:
    client = client_of(world.people["clerk"])
    response = client.get("/supervision/reports/assessment/?start=2026-11-01&end=2026-11-30")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(
        r"会计</td><td[^>]*>5</td><td[^>]*>2</td><td[^>]*>40.0%</td><td[^>]*>4.00</td><td[^>]*>4</td>", page
    )
    bad = client.get("/supervision/reports/assessment/?start=2026-11-30&end=2026-11-01")
    assert bad.status_code == 400
    assert "不能早于开始日期" in bad.content.decode()
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/supervision/reports/assessment.xlsx?start=2026-11-01&end=2026-11-30").content)
    )
    rows = list(book["部门考核"].iter_rows(values_only=True))
    assert rows[1] == ("财务部", 5, 2, 40.0, 4.0, 4)


@pytest.mark.parametrize("who", ["cashier", "finance_head", "outsider"])
def test_the_reports_are_the_offices_and_the_leaders(world: World, who: str) -> None:
    client = client_of(world.people[who])
    for url in (
        f"/supervision/reports/bulletin/?{NOVEMBER}",
        f"/supervision/reports/bulletin.docx?{NOVEMBER}",
        f"/supervision/reports/bulletin.xlsx?{NOVEMBER}",
        "/supervision/reports/assessment/",
        "/supervision/reports/assessment.xlsx",
        "/supervision/reports/import/",
        "/supervision/reports/import/template.xlsx",
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_asked_to_sign_in(world: World) -> None:
    response = Client().get(f"/supervision/reports/bulletin/?{NOVEMBER}")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_ledger_export_is_each_persons_own_ledger(world: World) -> None:
    def titles(who: str) -> list[str]:
        response = client_of(world.people[who]).get("/supervision/reports/ledger.xlsx?month=2026-11")
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return [row[1] for row in book["督办台账"].iter_rows(min_row=2, values_only=True)]

    assert "事项S" not in titles("clerk")
    assert "事项S" in titles("gm")
    assert titles("outsider") == []


def test_the_bulletin_pages_queries_do_not_grow_with_the_items(world: World) -> None:
    client = client_of(world.people["clerk"])
    url = f"/supervision/reports/bulletin/?{NOVEMBER}"
    client.get(url)  # warm: the session, the caches

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    gm, p = world.people["gm"], world.people
    with at("2026-11-03"):
        for n in range(25):
            services.item_create(
                actor=gm,
                title=f"批量事项{n}",
                owner=p["cashier"] if n % 2 else p["accountant"],
                lead_department=world.departments["finance" if n % 3 else "office"],
                deadline=date(2026, 11, 10 + n % 15),
            )
    # the new items' snapshots hold for 11-03: the first read recomputes them (a bounded number of queries:
    # one read of the stale rows, the calendar, one UPDATE per group of equal results), the next reads do not
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    updates = [q for q in first.captured_queries if q["sql"].startswith("UPDATE")]
    assert 1 <= len(updates) <= 4
    assert count() == few
