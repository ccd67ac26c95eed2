"""文号登记簿 exported to Excel and printed on A4: the same numbers as the page for the same filters (发文字号
and 年度), with the page's columns (a voided number with who voided it, when and why), to the office only; each
costs the same number of queries for 3 numbers and for 12."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.urls import reverse
from openpyxl import load_workbook

from sanfu.documents import services
from sanfu.documents.models import DocumentNumber, OutgoingDocument
from tests.documents.conftest import client_for
from tests.documents.test_outgoing import draft
from tests.documents.test_queries import _same_cost

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    *("文号", "发文字号", "年度", "序号", "文种", "标题", "状态"),
    *("取号人", "取号时间", "作废人", "作废时间", "作废原因"),
]


def _numbers(org: dict[str, Any]) -> tuple[OutgoingDocument, list[DocumentNumber]]:
    """贵港发电〔2026〕1-3 (2 voided) and numbers of another year and another prefix, which the filters leave out."""
    clerk = org["people"]["clerk"]
    document = draft(org)
    made = [services.number_claim(actor=clerk, prefix="贵港发电", year=2026) for _i in range(2)]
    services.number_void(actor=clerk, number_id=made[1].pk, reason="取号后发现文种有误")
    made.append(services.number_claim(actor=clerk, prefix="贵港发电", year=2026, document=document))
    services.number_claim(actor=clerk, prefix="贵港发电", year=2025)
    services.number_claim(actor=clerk, prefix="贵港发电函", year=2026)
    return document, made


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_export_has_the_pages_columns_for_the_pages_filters(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document, _made = _numbers(org)
    url = reverse("documents:numbers_export") + "?prefix=贵港发电&year=2026"
    rows = _sheet(client_for(clerk).get(url))
    assert rows[0] == HEADERS
    assert [r[0] for r in rows[1:]] == ["贵港发电〔2026〕1号", "贵港发电〔2026〕2号", "贵港发电〔2026〕3号"]
    first, voided, used = rows[1:]
    assert first[1:4] == ["贵港发电", 2026, 1]
    assert first[6] == "已使用"
    assert first[7] == clerk.display_name
    assert first[8] is not None  # 取号时间, a date the spreadsheet can sort
    assert voided[6] == "已作废"
    assert voided[9] == clerk.display_name
    assert voided[10] is not None
    assert voided[11] == "取号后发现文种有误"
    assert used[4:6] == [document.get_kind_display(), document.title]
    assert used[9:] == [None, None, None]  # empty cells: not voided

    other = _sheet(client_for(clerk).get(reverse("documents:numbers_export") + "?prefix=贵港发电函&year=2026"))
    assert [r[0] for r in other[1:]] == ["贵港发电函〔2026〕1号"]


def test_the_print_view_is_a_clean_a4_sheet_of_the_same_numbers(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    _numbers(org)
    page = client_for(clerk).get(reverse("documents:numbers") + "?prefix=贵港发电&year=2026").content.decode()
    assert reverse("documents:numbers_export") + "?prefix=%E8%B4%B5%E6%B8%AF%E5%8F%91%E7%94%B5&amp;year=2026" in page
    assert reverse("documents:numbers_print") + "?prefix=%E8%B4%B5%E6%B8%AF%E5%8F%91%E7%94%B5&amp;year=2026" in page

    sheet = client_for(clerk).get(reverse("documents:numbers_print") + "?prefix=贵港发电&year=2026").content.decode()
    assert "@page { size: A4" in sheet
    assert "@media print" in sheet
    assert 'class="navbar' not in sheet  # no menu: the page itself is what is printed
    table = sheet[sheet.index('id="register-print"') :]
    for text in ("贵港发电〔2026〕1号", "贵港发电〔2026〕2号", "贵港发电〔2026〕3号", "取号后发现文种有误"):
        assert text in table
    assert "贵港发电〔2025〕" not in table
    assert "贵港发电函" not in table
    assert clerk.display_name in sheet[sheet.index('class="foot"') :]  # who printed it


def test_only_the_office_exports_or_prints_the_register(org: dict[str, Any]) -> None:
    _numbers(org)
    staff = org["people"]["staff"]
    for name in ("documents:numbers_export", "documents:numbers_print"):
        assert client_for(staff).get(reverse(name) + "?prefix=贵港发电&year=2026").status_code == 404


def test_export_and_print_cost_the_same_for_3_and_12_numbers(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = draft(org)

    def add(n: int) -> None:
        for i in range(n):
            number = services.number_claim(
                actor=clerk, prefix="贵港发电", year=2026, document=document if i % 3 == 0 else None
            )
            if i % 3 == 1:
                services.number_void(actor=clerk, number_id=number.pk, reason="误取")

    _same_cost(client_for(clerk), reverse("documents:numbers_print") + "?prefix=贵港发电&year=2026", add)
    _same_cost(client_for(clerk), reverse("documents:numbers_export") + "?prefix=贵港发电&year=2026", add)
