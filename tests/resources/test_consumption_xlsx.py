"""领用汇总 in Excel: the office downloads a year's issued quantities per department and item (and per item), the
same figures as the page; anyone else gets a 404, as for the page."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.urls import reverse
from django.utils import timezone

from sanfu.resources import services


def test_the_office_downloads_the_consumption_and_others_are_refused(res: dict[str, Any], login: Any) -> None:
    clerk = res["clerk"]
    store = services.store_create(actor=clerk, name="办公楼库房", keeper_id=clerk.pk)
    pens = services.item_create(actor=clerk, name="签字笔", measure="支")
    paper = services.item_create(actor=clerk, name="=A4纸", measure="包")  # a name Excel must not run
    services.stock_receive(actor=clerk, store_id=store.pk, item_id=pens.pk, quantity=100)
    services.stock_receive(actor=clerk, store_id=store.pk, item_id=paper.pk, quantity=100)
    for person, lines in (
        ("accountant", [services.LineIn(pens.pk, 10), services.LineIn(paper.pk, 2)]),
        ("finance_head", [services.LineIn(pens.pk, 5)]),
        ("section_head", [services.LineIn(pens.pk, 3)]),
    ):
        made = services.supply_request_submit(actor=res[person], store_id=store.pk, lines=lines)
        services.supply_request_issue(actor=clerk, request_id=made.pk)
    year = timezone.localdate().year
    month = f"{timezone.localdate():%Y-%m}"

    page = login(clerk).get(reverse("resources:supplies_consumption"), {"year": year}).content.decode()
    assert 'id="consumption-xlsx"' in page
    answer = login(clerk).get(reverse("resources:supplies_consumption_xlsx"), {"year": year})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    by_department, by_item = book.worksheets
    rows = [tuple(r) for r in by_department.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        (month, "文秘科", "签字笔", "支", 3),
        (month, "财务部", "=A4纸", "包", 2),
        (month, "财务部", "签字笔", "支", 15),
    ]
    assert by_department.cell(row=3, column=3).data_type == "s"  # text, not a formula
    assert [tuple(r) for r in by_item.iter_rows(min_row=2, values_only=True)] == [
        (month, "=A4纸", "包", 2),
        (month, "签字笔", "支", 18),
    ]
    empty = openpyxl.load_workbook(
        io.BytesIO(login(clerk).get(reverse("resources:supplies_consumption_xlsx"), {"year": year - 1}).content)
    )
    assert empty.worksheets[0].max_row == 1  # the header only

    for person in ("accountant", "finance_head", "stranger"):
        assert login(res[person]).get(reverse("resources:supplies_consumption_xlsx")).status_code == 404
