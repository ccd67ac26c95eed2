"""设备台账导入: the register from an Excel workbook (.xlsx, the first sheet), all rows or none.

Every row is checked as ``asset_create`` checks one asset, and against the register and the file itself (a number
twice); a file with any wrong row is refused whole (``ApplicationError`` with code ``IMPORT_FAILED`` whose
``errors`` lists each problem as ``{"row", "column", "message"}``), and nothing is imported."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ErrorCode
from sanfu.org.models import Department, Staff
from sanfu.resources.models import Asset, Condition
from sanfu.resources.services.assets import AssetIn, checked_asset, require_manager

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
REQUIRED = ("资产编号", "名称", "类别", "购置日期", "原值", "使用年限")
OPTIONAL = ("状况", "存放地点", "使用部门", "保管人")
COLUMNS = REQUIRED + OPTIONAL


@dataclass(frozen=True)
class ImportResult:
    created: int


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    return date.fromisoformat(text)


def _read(content: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    if len(content) > MAX_BYTES:
        raise _failed([{"row": None, "column": "", "message": _("文件超过 10 MB。")}])
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _failed([{"row": None, "column": "", "message": _("无法读取文件，请上传 Excel（.xlsx）文件。")}]) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h).rstrip("*＊") for h in next(rows, ())]
    body: list[tuple[int, list[Any]]] = []
    for number, raw in enumerate(rows, start=2):
        if not any(_text(v) for v in raw):
            continue
        if len(body) >= MAX_ROWS:
            raise _failed(
                [{"row": number, "column": "", "message": _("行数超过上限 %(n)d，请分批导入。") % {"n": MAX_ROWS}}]
            )
        body.append((number, list(raw)))
    book.close()
    return header, body


def _failed(errors: list[dict[str, object]]) -> ApplicationError:
    return ApplicationError(
        _("导入失败：发现 %(n)d 处问题，未导入任何数据。") % {"n": len(errors)},
        code=ErrorCode.IMPORT_FAILED,
        errors=errors,
    )


@dataclass
class _Lookups:
    """What a row's names resolve against: the unit's departments and people, the register's numbers."""

    unit_id: int
    departments: dict[str, int]
    keepers: dict[str, int]
    conditions: dict[str, str]
    existing: set[str]
    seen: dict[str, int]
    today: date


_FIELD_COLUMNS = {
    "number": "资产编号",
    "name": "名称",
    "category": "类别",
    "purchase_date": "购置日期",
    "value": "原值",
    "service_years": "使用年限",
    "condition": "状况",
    "location": "存放地点",
    "department": "使用部门",
    "keeper": "保管人",
}


def _lookups(unit_id: int) -> _Lookups:
    keepers: dict[str, int] = {}
    for user_id, username, full_name in Staff.objects.filter(unit_id=unit_id).values_list(
        "user_id", "user__username", "user__full_name"
    ):
        keepers[username] = user_id
        keepers.setdefault(full_name, user_id)
    return _Lookups(
        unit_id=unit_id,
        departments=dict(Department.objects.filter(unit_id=unit_id).values_list("name", "pk")),
        keepers=keepers,
        conditions={str(label): value for value, label in Condition.choices} | {v: v for v in Condition.values},
        existing=set(Asset.objects.filter(unit_id=unit_id).values_list("number", flat=True)),
        seen={},
        today=timezone.localdate(),
    )


def _row(number: int, cell: dict[str, Any], known: _Lookups) -> Asset:
    """One row as an unsaved asset, or ``ValueError((column, message))`` for its first problem."""
    try:
        purchase = _date(cell["购置日期"])
    except (TypeError, ValueError) as exc:
        raise ValueError("购置日期", _("购置日期应为日期，如 2020-03-15。")) from exc
    try:
        years = int(_text(cell["使用年限"]))
    except ValueError as exc:
        raise ValueError("使用年限", _("使用年限应为整数（年）。")) from exc
    condition_text = _text(cell.get("状况")) or str(Condition.GOOD.label)
    if condition_text not in known.conditions:
        raise ValueError("状况", _("状况应为 良好、一般 或 较差。"))
    department_name = _text(cell.get("使用部门"))
    if department_name and department_name not in known.departments:
        raise ValueError("使用部门", _("本单位没有部门“%(d)s”。") % {"d": department_name})
    keeper_name = _text(cell.get("保管人"))
    if keeper_name and keeper_name not in known.keepers:
        raise ValueError("保管人", _("本单位没有人员“%(p)s”（请填用户名或姓名）。") % {"p": keeper_name})
    data = AssetIn(
        number=_text(cell["资产编号"]),
        name=_text(cell["名称"]),
        category=_text(cell["类别"]),
        purchase_date=purchase,
        value=_text(cell["原值"]) or "x",
        service_years=years,
        condition=known.conditions[condition_text],
        location=_text(cell.get("存放地点")),
        department_id=known.departments.get(department_name),
        keeper_id=known.keepers.get(keeper_name),
    )
    try:
        fields = checked_asset(data, unit_id=known.unit_id, today=known.today)
    except ApplicationError as exc:
        field_name = str(exc.errors[0].get("field", "")) if exc.errors else ""
        raise ValueError(_FIELD_COLUMNS.get(field_name, ""), exc.message) from exc
    if fields["number"] in known.existing:
        raise ValueError("资产编号", _("资产编号 %(n)s 已在台账中。") % {"n": fields["number"]})
    if fields["number"] in known.seen:
        raise ValueError(
            "资产编号",
            _("资产编号 %(n)s 与第 %(r)d 行重复。") % {"n": fields["number"], "r": known.seen[fields["number"]]},
        )
    known.seen[fields["number"]] = number
    return Asset(unit_id=known.unit_id, **fields)


def asset_import(*, actor: User, content: bytes) -> ImportResult:
    """Import the register from ``content`` (an .xlsx workbook); nothing changes unless every row is valid."""
    unit_id = require_manager(actor)
    header, body = _read(content)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise _failed([{"row": 1, "column": c, "message": _("表头缺少必填列“%(c)s”。") % {"c": c}} for c in missing])
    if not body:
        raise _failed([{"row": None, "column": "", "message": _("文件中没有数据行。")}])
    at = {name: header.index(name) for name in COLUMNS if name in header}
    known = _lookups(unit_id)
    errors: list[dict[str, object]] = []
    planned = []
    for number, raw in body:
        cell = {name: (raw[i] if i < len(raw) else None) for name, i in at.items()}
        try:
            planned.append(_row(number, cell, known))
        except ValueError as exc:
            column, message = exc.args
            errors.append({"row": number, "column": column, "message": message})
    if errors:
        raise _failed(errors)
    with transaction.atomic():
        Asset.objects.bulk_create(planned, batch_size=1000)
        audit_record(
            action="resources.asset.import", actor=actor, target=f"unit:{unit_id}", detail={"created": len(planned)}
        )
    return ImportResult(created=len(planned))
