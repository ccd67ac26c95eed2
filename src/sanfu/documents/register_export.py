"""文号登记簿 as an Excel workbook: the columns of the page, one row per number in order, voided numbers with
who voided them, when and why. The register comes from ``selectors.number_register`` with the page's filters,
so the workbook and the page always show the same numbers — and the same titles: a document the viewer may not
read keeps its number, its title withheld."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sanfu.documents.models import NumberStatus
from sanfu.documents.selectors import WITHHELD, NumberRegister


def _plain(moment: datetime | None) -> datetime | None:
    """Excel knows no time zones: the office's local time, without its zone."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def register_workbook(register: NumberRegister) -> bytes:
    """The workbook of one 发文字号 and year (the sheet is named after them)."""
    headers = [
        _("文号"),
        _("发文字号"),
        _("年度"),
        _("序号"),
        _("文种"),
        _("标题"),
        _("状态"),
        _("取号人"),
        _("取号时间"),
        _("作废人"),
        _("作废时间"),
        _("作废原因"),
    ]
    widths = [24, 14, 8, 8, 8, 40, 10, 12, 18, 12, 18, 40]
    book = Workbook()
    sheet = book.active
    sheet.title = f"{register.prefix or _('文号登记簿')}{register.year}"[:31]  # Excel's longest sheet name
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for entry in register.rows:
        number, document = entry.number, entry.document
        void = number.status == NumberStatus.VOID
        row: list[Any] = [
            number.text,
            number.prefix,
            number.year,
            number.seq,
            document.get_kind_display() if document else "",
            document.title if document else (str(WITHHELD) if entry.withheld else ""),
            number.get_status_display(),
            number.assigned_by.display_name,
            _plain(number.assigned_at),
            number.voided_by.display_name if void and number.voided_by else "",
            _plain(number.voided_at) if void else None,
            number.void_reason if void else "",
        ]
        sheet.append(row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for column in ("I", "K"):  # 取号时间, 作废时间
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
