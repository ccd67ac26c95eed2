"""流程监控's search exports to Excel: the page's rows in the page's order and columns, the form's fields as
columns when the search is for one process (money as numbers), and only for process administrators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanfu.approvals.models import Request
from tests.approvals.conftest import EXPENSE
from tests.approvals.test_inbox_export import _sheet
from tests.approvals.test_submit import _submit


def test_the_search_for_one_process_exports_with_its_form_fields_and_money_as_numbers(demo, login):
    paper = _submit(demo, title="办公用纸报销")
    _submit(demo, title="差旅费报销", data={**EXPENSE, "amount": "1280.50", "reason": "出差贵阳"})
    key = demo["matters"]["expense"].definition_key
    admin = demo["people"]["flowadmin"]  # the demo's 流程管理员
    rows = _sheet(login(admin).get("/approvals/monitor/", {"definition": key, "export": "xlsx"}))
    header, body = rows[0], rows[1:]
    assert {"编号", "标题", "流程", "发起人", "状态", "当前办理", "发起时间"} <= set(header)
    by_title = {row[header.index("标题")]: row for row in body}
    assert set(by_title) == {"办公用纸报销", "差旅费报销"}
    assert by_title["办公用纸报销"][header.index("编号")] == paper.number
    amount = by_title["差旅费报销"][header.index("金额（元）")]
    assert isinstance(amount, int | float)
    assert Decimal(str(amount)) == Decimal("1280.50")
    assert by_title["差旅费报销"][header.index("事由")] == "出差贵阳"
    assert by_title["差旅费报销"][header.index("当前办理")]  # who holds it now, as on the page


def test_the_export_follows_the_filters_and_adds_no_form_columns_across_processes(demo, login):
    _submit(demo, title="办公用纸报销")
    _submit(demo, title="差旅费报销")
    client = login(demo["people"]["flowadmin"])
    rows = _sheet(client.get("/approvals/monitor/", {"q": "差旅", "export": "xlsx"}))
    assert [row[rows[0].index("标题")] for row in rows[1:]] == ["差旅费报销"]
    assert "金额（元）" not in rows[0]
    page = client.get("/approvals/monitor/", {"q": "差旅"}).content.decode()
    # the page's export link keeps the search
    assert "q=%E5%B7%AE%E6%97%85&amp;export=xlsx" in page


def test_only_process_administrators_export(demo, login):
    _submit(demo, title="办公用纸报销")
    response = login(demo["people"]["clerk"]).get("/approvals/monitor/", {"export": "xlsx"})
    assert response.status_code == 404
    assert Request.objects.count() == 1


def test_an_empty_search_exports_its_header(demo: dict[str, Any], login: Any) -> None:
    rows = _sheet(login(demo["people"]["flowadmin"]).get("/approvals/monitor/", {"export": "xlsx"}))
    assert len(rows) == 1
    assert "当前办理" in rows[0]


def test_the_export_costs_the_same_queries_for_many_rows(demo: dict[str, Any], login: Any) -> None:
    client = login(demo["people"]["flowadmin"])
    key = demo["matters"]["expense"].definition_key
    _submit(demo, title="报销 0")
    client.get("/approvals/monitor/", {"definition": key, "export": "xlsx"})
    with CaptureQueriesContext(connection) as few:
        client.get("/approvals/monitor/", {"definition": key, "export": "xlsx"})
    for i in range(1, 5):
        _submit(demo, title=f"报销 {i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/approvals/monitor/", {"definition": key, "export": "xlsx"})
    assert len(many) == len(few)
