"""Excel formula injection in the 文号登记簿 export: a document title or a void reason that a spreadsheet would
run as a formula reaches the workbook as the same text in a text cell, never a live formula."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.urls import reverse
from openpyxl import load_workbook

from sanfu.documents import services
from tests.documents.conftest import client_for
from tests.documents.test_outgoing import draft

TITLE = '=HYPERLINK("https://evil.example/","关于安全生产的通知")'
REASON = "+cmd|' /C calc'!A0"


def test_a_formula_like_title_and_void_reason_are_stored_as_text(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = draft(org, title=TITLE)
    services.number_claim(actor=clerk, prefix="贵港发电", year=2026, document=document)
    voided = services.number_claim(actor=clerk, prefix="贵港发电", year=2026)
    services.number_void(actor=clerk, number_id=voided.pk, reason=REASON)
    response = client_for(clerk).get(reverse("documents:numbers_export") + "?prefix=贵港发电&year=2026")
    assert response.status_code == 200
    rows = [list(row) for row in load_workbook(BytesIO(response.content)).active.iter_rows()]
    header = [c.value for c in rows[0]]
    used, void = rows[1:]
    for cell, expected in ((used[header.index("标题")], TITLE), (void[header.index("作废原因")], REASON)):
        assert cell.value == expected  # exactly as typed
        assert cell.data_type == "s"  # a string cell: openpyxl reads a formula back as "f"
