"""Excel workbooks for the ledger, catalogue and organisation exports: a bold header row, the office's local
times, at most ``ROW_LIMIT`` rows, and no cell that Excel would run as a formula.

Formula injection (CSV/Excel injection): a value typed by someone else — a title, a source unit, a name —
that starts with ``=``, ``+``, ``-`` or ``@`` is written as a text cell marked with Excel's quote prefix (the
leading apostrophe Excel itself adds). The file keeps the exact value (a round trip through the organisation
import reads it back unchanged), and Excel and LibreOffice show it as text and keep it text when the cell is
edited, instead of running it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sanfu.core.errors import ApplicationError

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROW_LIMIT = 5000  # rows in one export; a wider one is narrowed with the page's filters
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_MAX = 31  # Excel's longest sheet name
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_DATE_FORMAT = "yyyy-mm-dd"


class TooManyRowsError(ApplicationError):
    """The export would hold more than ``limit`` rows (``total`` of them, when it is known): the page's
    filters narrow it first."""

    def __init__(self, total: int | None, *, limit: int | None = None):
        limit = ROW_LIMIT if limit is None else limit
        if total is None:
            message = _("结果超过 %(limit)d 条，请用筛选条件缩小范围后再导出。") % {"limit": limit}
        else:
            message = _("共 %(n)d 条，超过一次导出的上限 %(limit)d 条，请用筛选条件缩小范围后再导出。") % {
                "n": total,
                "limit": limit,
            }
        super().__init__(message)
        self.total = total


def require_within_limit(total: int, *, limit: int | None = None) -> None:
    """Refuse an export of more than ``limit`` rows (``ROW_LIMIT`` unless said): a ledger cut short would look
    complete."""
    limit = ROW_LIMIT if limit is None else limit
    if total > limit:
        raise TooManyRowsError(total, limit=limit)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its name, the header row, the rows, and optional column widths (in characters)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()


def is_formula_like(value: object) -> bool:
    """Whether Excel (or a spreadsheet fed a copy of the text) could take ``value`` for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _plain(value: Any) -> Any:
    """A cell value openpyxl writes as is: local naive times (Excel knows no time zones), text for the rest."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    # Lazy translations, choices, Decimal as written; the control characters XML cannot carry are dropped.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _write(cell: Cell, value: Any) -> None:
    plain = _plain(value)
    cell.value = plain
    if isinstance(plain, str) and is_formula_like(plain):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        cell.quotePrefix = True
    elif isinstance(plain, datetime):
        cell.number_format = _DATETIME_FORMAT
    elif isinstance(plain, date):
        cell.number_format = _DATE_FORMAT


def workbook(*sheets: Sheet) -> bytes:
    """The workbook of ``sheets``, in order, as .xlsx bytes."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:_SHEET_TITLE_MAX])
        for column, name in enumerate(spec.header, start=1):
            cell = sheet.cell(row=1, column=column)
            _write(cell, name)
            cell.font = bold
        for row_number, row in enumerate(spec.rows, start=2):
            for column, value in enumerate(row, start=1):
                _write(sheet.cell(row=row_number, column=column), value)
        for column, name in enumerate(spec.header, start=1):
            width = spec.widths[column - 1] if column <= len(spec.widths) else max(10, min(40, len(name) * 2 + 4))
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def attachment(content: bytes, filename: str) -> HttpResponse:
    """The workbook as a download named ``filename`` (Chinese names survive: RFC 6266 ``filename*``)."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response
