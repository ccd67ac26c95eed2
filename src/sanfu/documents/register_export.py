"""文号登记簿 as an Excel workbook: the columns of the page, one row per number in order, voided numbers with
who voided them, when and why. The register comes from ``selectors.number_register`` with the page's filters,
so the workbook and the page always show the same numbers — and the same titles: a document the viewer may not
read keeps its number, its title withheld. Written by ``core.xlsx``: a title or reason that looks like a formula
is stored as text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.core import xlsx
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
    rows: list[list[Any]] = []
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
        rows.append(row)
    title = f"{register.prefix or _('文号登记簿')}{register.year}"  # core.xlsx cuts it to Excel's 31 characters
    return xlsx.workbook(xlsx.Sheet(title, [str(h) for h in headers], rows, widths))
