"""导出: the inbox lists as Excel, with the form's fields as columns, the page's filters, and only one's own rows."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from tests.approvals.conftest import EXPENSE
from tests.approvals.test_submit import _submit
from tests.conftest import make_user


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


def test_my_started_requests_export_with_their_form_fields(demo: dict[str, Any], login: Any) -> None:
    first = _submit(demo, title="办公用纸报销")
    _submit(demo, title="差旅费报销", data={**EXPENSE, "reason": "出差贵阳"})
    _submit(demo, who="hr", title="别人的报销")
    rows = _sheet(login(demo["people"]["clerk"]).get("/approvals/inbox/", {"tab": "started", "export": "xlsx"}))
    header, body = rows[0], rows[1:]
    assert {"编号", "标题", "事项", "状态"} <= set(header)
    titles = {row[header.index("标题")] for row in body}
    assert titles == {"办公用纸报销", "差旅费报销"}  # nobody else's requests
    by_title = {row[header.index("标题")]: row for row in body}
    assert by_title["办公用纸报销"][header.index("编号")] == first.number
    amount = by_title["差旅费报销"][header.index("金额（元）")]
    assert isinstance(amount, int | float)  # a number finance can add up, not text
    assert Decimal(str(amount)) == Decimal(EXPENSE["amount"])
    assert by_title["差旅费报销"][header.index("事由")] == "出差贵阳"


def test_the_export_follows_the_filters(demo: dict[str, Any], login: Any) -> None:
    _submit(demo, title="办公用纸报销")
    _submit(demo, title="差旅费报销")
    rows = _sheet(
        login(demo["people"]["clerk"]).get("/approvals/inbox/", {"tab": "started", "q": "差旅", "export": "xlsx"})
    )
    assert [row[rows[0].index("标题")] for row in rows[1:]] == ["差旅费报销"]


def test_someone_with_nothing_gets_an_empty_sheet_with_its_header(demo: dict[str, Any], login: Any) -> None:
    _submit(demo, title="办公用纸报销")
    rows = _sheet(login(make_user("newcomer")).get("/approvals/inbox/", {"tab": "done", "export": "xlsx"}))
    assert len(rows) == 1
    assert "节点" in rows[0]
