"""Reading uploaded CSV files and Excel workbooks into tables of text cells keyed by column header."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sanfu.org.importing.formats import DEPARTMENTS, KINDS, MAX_ROWS, REQUIRED, SHEET_NAMES, STAFF, Errors, ImportFile


@dataclass
class Table:
    sheet: str
    kind: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number as seen in the file, cells by header)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030")


def _detect_kind(header: Iterable[str]) -> str | None:
    names = set(header)
    if "工号" in names or "用户名" in names:
        return STAFF
    if "部门名称" in names or "上级部门代码" in names:
        return DEPARTMENTS
    return None


def _table(sheet: str, kind: str, raw_rows: Iterator[list[str]], errors: Errors) -> Table | None:
    header = next(raw_rows, None)
    if header is None or not any(header):
        errors.add(sheet, 1, "", _("缺少表头行。"))
        return None
    header = [h.strip().lstrip("\ufeff").rstrip("*＊").strip() for h in header]
    for column in REQUIRED[kind]:
        if column not in header:
            errors.add(sheet, 1, column, _("表头缺少必填列“%(c)s”。") % {"c": column})
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            errors.add(sheet, 1, name, _("表头中“%(c)s”列重复。") % {"c": name})
        seen.add(name)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(raw_rows, start=2):
        if not any(raw):
            continue
        if len(rows) >= MAX_ROWS:
            errors.add(sheet, number, "", _("行数超过上限 %(n)d，请分批导入。") % {"n": MAX_ROWS})
            break
        cells = {name: (raw[i] if i < len(raw) else "") for i, name in enumerate(header) if name}
        rows.append((number, cells))
    return Table(sheet=sheet, kind=kind, header=header, rows=rows)


def _read_csv(upload: ImportFile, errors: Errors) -> list[Table]:
    try:
        text = _decode(upload.content)
    except UnicodeDecodeError:
        errors.add(upload.name, None, "", _("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV。"))
        return []
    raw_rows = ([_cell_text(c) for c in r] for r in csv.reader(io.StringIO(text)))
    first = next(raw_rows, None)
    if first is None:
        errors.add(upload.name, None, "", _("文件是空的。"))
        return []
    kind = upload.kind or _detect_kind(h.strip().lstrip("\ufeff") for h in first)
    if kind not in KINDS:
        errors.add(upload.name, 1, "", _("无法从表头判断是部门表还是人员表，请在页面上选择文件类型。"))
        return []
    table = _table(upload.name, kind, _chain([first], raw_rows), errors)
    return [table] if table else []


def _chain(head: list[list[str]], tail: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from head
    yield from tail


def _read_xlsx(upload: ImportFile, errors: Errors) -> list[Table]:
    from openpyxl import load_workbook  # heavy; only an Excel upload needs it

    try:
        workbook = load_workbook(io.BytesIO(upload.content), read_only=True, data_only=True)
    except Exception:
        errors.add(upload.name, None, "", _("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))
        return []
    tables: list[Table] = []
    try:
        for kind in KINDS:
            name = SHEET_NAMES[kind]
            if name not in workbook.sheetnames:
                continue
            sheet = workbook[name]
            raw_rows = ([_cell_text(c) for c in r] for r in sheet.iter_rows(values_only=True))
            table = _table(name, kind, raw_rows, errors)
            if table:
                tables.append(table)
    finally:
        workbook.close()
    if not tables and not errors:
        errors.add(upload.name, None, "", _("工作簿中没有名为“部门”或“人员”的工作表。"))
    return tables


def read_files(files: Iterable[ImportFile], errors: Errors) -> list[Table]:
    """The tables in ``files`` (a workbook may hold both); unreadable files are reported in ``errors``."""
    tables: list[Table] = []
    for upload in files:
        lower = upload.name.lower()
        if lower.endswith(".xlsx"):
            tables.extend(_read_xlsx(upload, errors))
        elif lower.endswith(".csv"):
            tables.extend(_read_csv(upload, errors))
        else:
            errors.add(upload.name, None, "", _("只支持 .csv 和 .xlsx 文件。"))
    return tables
