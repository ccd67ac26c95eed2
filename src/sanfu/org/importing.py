"""组织导入: departments and staff from CSV or Excel, all or nothing.

Everything is read and checked first; every problem is collected as (sheet or file, row as the user sees
it counting the header row, column header, reason). Only when there is none are all rows applied, in one
transaction with its audit record; a database error while applying rolls everything back as well.

Formats (header row in Chinese, column order free, unknown columns ignored):

- 部门: 单位代码, 部门代码, 部门名称, 上级部门代码 (blank = top level), 排序, 分管领导工号
- 人员: 工号, 姓名, 用户名, 单位代码, 部门代码, 身份, 职级, 职务, 手机, 邮箱, 兼职部门代码 (several, ``;``)

Units are not imported: they must already exist. Departments are matched by unit + code and staff by
工号; matches are updated, the rest created. New accounts get an unusable password and must change it:
the system administrator resets their passwords to hand them out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ErrorCode, PermissionDeniedError
from sanfu.org.models import Department, Post, PostRole, Rank, Staff, Unit
from sanfu.org.services import department_create

DEPARTMENTS = "departments"
STAFF = "staff"
KINDS = (DEPARTMENTS, STAFF)
SHEET_NAMES = {DEPARTMENTS: "部门", STAFF: "人员"}

# Column headers as they appear in the files (data, not UI text: they are never translated).
DEPARTMENT_COLUMNS: tuple[str, ...] = ("单位代码", "部门代码", "部门名称", "上级部门代码", "排序", "分管领导工号")
DEPARTMENT_REQUIRED: tuple[str, ...] = ("单位代码", "部门代码", "部门名称")
STAFF_COLUMNS: tuple[str, ...] = (
    "工号",
    "姓名",
    "用户名",
    "单位代码",
    "部门代码",
    "身份",
    "职级",
    "职务",
    "手机",
    "邮箱",
    "兼职部门代码",
)
STAFF_REQUIRED: tuple[str, ...] = ("工号", "姓名", "用户名", "单位代码", "部门代码", "身份", "职级")
COLUMNS = {DEPARTMENTS: DEPARTMENT_COLUMNS, STAFF: STAFF_COLUMNS}
REQUIRED = {DEPARTMENTS: DEPARTMENT_REQUIRED, STAFF: STAFF_REQUIRED}

MAX_ROWS = 20000
_CODE_RE = re.compile(r"^[-a-zA-Z0-9_]{1,32}$")
_MOBILE_RE = re.compile(r"^1\d{10}$")
_SEPARATORS_RE = re.compile(r"[;；]")
_username_validator = UnicodeUsernameValidator()

Key = tuple[str, str]  # (unit code, department code)


@dataclass(frozen=True)
class ImportFile:
    """One uploaded file. ``kind`` applies to CSV only (``None``: tell from the header row)."""

    name: str
    content: bytes
    kind: str | None = None


@dataclass
class ImportSummary:
    departments_created: int = 0
    departments_updated: int = 0
    staff_created: int = 0
    staff_updated: int = 0
    users_created: int = 0
    posts_created: int = 0
    posts_removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "departments_created": self.departments_created,
            "departments_updated": self.departments_updated,
            "staff_created": self.staff_created,
            "staff_updated": self.staff_updated,
            "users_created": self.users_created,
            "posts_created": self.posts_created,
            "posts_removed": self.posts_removed,
        }


@dataclass
class _Table:
    sheet: str
    kind: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number as seen in the file, cells by header)


@dataclass
class _DeptRow:
    row: int
    sheet: str
    unit: str
    code: str
    name: str
    parent: str | None  # None: the column is absent, keep what is there
    sort: int | None
    leader_no: str | None

    @property
    def key(self) -> Key:
        return (self.unit, self.code)


@dataclass
class _StaffRow:
    row: int
    sheet: str
    employee_no: str
    full_name: str
    username: str
    unit: str
    dept: str
    role: str
    rank: int
    title: str | None  # None: the column is absent, keep what is there
    mobile: str | None
    email: str | None
    concurrent: list[str] | None


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []

    def add(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.items.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)


def role_labels() -> dict[str, str]:
    """身份 labels as written in files (the source-language labels), to their codes."""
    with translation.override(None):
        return {str(label): str(value) for value, label in PostRole.choices}


def rank_labels() -> dict[str, int]:
    """职级 labels as written in files, to their values."""
    with translation.override(None):
        return {str(label): int(value) for value, label in Rank.choices}


# ---------------------------------------------------------------- reading


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


def _table(sheet: str, kind: str, raw_rows: Iterator[list[str]], errors: _Errors) -> _Table | None:
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
    return _Table(sheet=sheet, kind=kind, header=header, rows=rows)


def _read_csv(upload: ImportFile, errors: _Errors) -> list[_Table]:
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


def _read_xlsx(upload: ImportFile, errors: _Errors) -> list[_Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(upload.content), read_only=True, data_only=True)
    except Exception:
        errors.add(upload.name, None, "", _("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))
        return []
    tables: list[_Table] = []
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


def read_files(files: Iterable[ImportFile], errors: _Errors) -> list[_Table]:
    tables: list[_Table] = []
    for upload in files:
        lower = upload.name.lower()
        if lower.endswith(".xlsx"):
            tables.extend(_read_xlsx(upload, errors))
        elif lower.endswith(".csv"):
            tables.extend(_read_csv(upload, errors))
        else:
            errors.add(upload.name, None, "", _("只支持 .csv 和 .xlsx 文件。"))
    return tables


# ---------------------------------------------------------------- checking


@dataclass
class _Plan:
    departments: list[_DeptRow]
    staff: list[_StaffRow]
    units: dict[str, Unit]
    existing_departments: dict[Key, Department]
    existing_staff: dict[str, Staff]
    final_parent: dict[Key, Key | None]


def _required(table: _Table, row: int, cells: dict[str, str], errors: _Errors) -> bool:
    ok = True
    for column in REQUIRED[table.kind]:
        if column not in table.header:
            ok = False  # reported once, on the header row
        elif not cells.get(column, ""):
            errors.add(table.sheet, row, column, _("“%(c)s”不能为空。") % {"c": column})
            ok = False
    return ok


def _parse_departments(tables: list[_Table], units: dict[str, Unit], errors: _Errors) -> list[_DeptRow]:
    result: list[_DeptRow] = []
    seen: dict[Key, tuple[str, int]] = {}
    for table in (t for t in tables if t.kind == DEPARTMENTS):
        for row, cells in table.rows:
            _required(table, row, cells, errors)
            unit, code, name = cells.get("单位代码", ""), cells.get("部门代码", ""), cells.get("部门名称", "")
            parent, sort_text = cells.get("上级部门代码"), cells.get("排序")
            if unit and unit not in units:
                errors.add(table.sheet, row, "单位代码", _("单位代码“%(u)s”不存在。") % {"u": unit})
            for column, value in (("部门代码", code), ("上级部门代码", parent)):
                if value and not _CODE_RE.match(value):
                    errors.add(
                        table.sheet, row, column, _("代码只能包含字母、数字、下划线和连字符，且不超过 32 个字符。")
                    )
            if len(name) > 100:
                errors.add(table.sheet, row, "部门名称", _("部门名称不能超过 100 个字符。"))
            sort = None if sort_text is None else 0
            if sort_text:
                try:
                    sort = int(sort_text)
                except ValueError:
                    errors.add(table.sheet, row, "排序", _("排序必须是整数。"))
            if unit and code:
                if (unit, code) in seen:
                    first_sheet, first_row = seen[(unit, code)]
                    errors.add(
                        table.sheet,
                        row,
                        "部门代码",
                        _("部门代码“%(c)s”与 %(s)s 第 %(r)d 行重复。") % {"c": code, "s": first_sheet, "r": first_row},
                    )
                    continue
                seen[(unit, code)] = (table.sheet, row)
            # Rows with problems still take part in the cross checks below, so that every problem shows at once.
            if unit in units and _CODE_RE.match(code):
                if parent and not _CODE_RE.match(parent):
                    parent = None
                result.append(_DeptRow(row, table.sheet, unit, code, name, parent, sort, cells.get("分管领导工号")))
    return result


def _staff_cells_ok(sheet: str, row: int, cells: dict[str, str], units: dict[str, Unit], errors: _Errors) -> bool:
    """Check the cells of one staff row on their own; report every problem, return whether all is well."""
    problems: list[tuple[str, str]] = []
    no, username, unit = cells.get("工号", ""), cells.get("用户名", ""), cells.get("单位代码", "")
    if len(no) > 32:
        problems.append(("工号", _("工号不能超过 32 个字符。")))
    if len(cells.get("姓名", "")) > 64:
        problems.append(("姓名", _("姓名不能超过 64 个字符。")))
    if len(cells.get("职务") or "") > 64:
        problems.append(("职务", _("职务不能超过 64 个字符。")))
    if username and (len(username) > 150 or not _valid(_username_validator, username)):
        problems.append(("用户名", _("用户名只能包含字母、数字和 @ . + - _，且不超过 150 个字符。")))
    if unit and unit not in units:
        problems.append(("单位代码", _("单位代码“%(u)s”不存在。") % {"u": unit}))
    roles, ranks = role_labels(), rank_labels()
    role_text, rank_text = cells.get("身份", ""), cells.get("职级", "")
    if role_text and role_text not in roles:
        problems.append(("身份", _("身份“%(v)s”无效，应为：%(o)s。") % {"v": role_text, "o": "、".join(roles)}))
    if rank_text and rank_text not in ranks:
        problems.append(("职级", _("职级“%(v)s”无效，应为：%(o)s。") % {"v": rank_text, "o": "、".join(ranks)}))
    mobile = (cells.get("手机") or "").replace(" ", "")
    if mobile and not _MOBILE_RE.match(mobile):
        problems.append(("手机", _("手机号码应为以 1 开头的 11 位数字。")))
    email = cells.get("邮箱") or ""
    if email and not _valid(validate_email, email):
        problems.append(("邮箱", _("邮箱地址“%(v)s”格式不正确。") % {"v": email}))
    for column, message in problems:
        errors.add(sheet, row, column, message)
    return not problems


def _valid(validator: Callable[[str], object], value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _split_codes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    codes: list[str] = []
    for part in _SEPARATORS_RE.split(text):
        code = part.strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def _parse_staff(tables: list[_Table], units: dict[str, Unit], errors: _Errors) -> list[_StaffRow]:
    roles, ranks = role_labels(), rank_labels()
    result: list[_StaffRow] = []
    seen: dict[str, dict[str, tuple[str, int]]] = {"工号": {}, "用户名": {}}
    for table in (t for t in tables if t.kind == STAFF):
        for row, cells in table.rows:
            _required(table, row, cells, errors)
            _staff_cells_ok(table.sheet, row, cells, units, errors)
            for column in ("工号", "用户名"):
                value = cells.get(column, "")
                folded = value.lower() if column == "用户名" else value
                if not value:
                    continue
                if folded in seen[column]:
                    first_sheet, first_row = seen[column][folded]
                    message = _("“%(v)s”与 %(s)s 第 %(r)d 行重复。") % {"v": value, "s": first_sheet, "r": first_row}
                    errors.add(table.sheet, row, column, message)
                else:
                    seen[column][folded] = (table.sheet, row)
            if not all(column in cells for column in STAFF_REQUIRED):
                continue  # reported on the header row
            # Rows with problems still take part in the cross checks, so that every problem shows at once.
            mobile = cells.get("手机")
            result.append(
                _StaffRow(
                    row=row,
                    sheet=table.sheet,
                    employee_no=cells["工号"],
                    full_name=cells["姓名"],
                    username=cells["用户名"],
                    unit=cells["单位代码"],
                    dept=cells["部门代码"],
                    role=roles.get(cells["身份"], ""),
                    rank=ranks.get(cells["职级"], 0),
                    title=cells.get("职务"),
                    mobile=None if mobile is None else mobile.replace(" ", ""),
                    email=cells.get("邮箱"),
                    concurrent=_split_codes(cells.get("兼职部门代码")),
                )
            )
    return result


def _check_parents(
    departments: list[_DeptRow],
    known: set[Key],
    other_units_codes: set[str],
    final_parent: dict[Key, Key | None],
    errors: _Errors,
) -> None:
    """Resolve each parent by code within the department's unit; fill ``final_parent``; then find cycles."""
    codes_in_units: dict[str, set[str]] = {}
    for unit_code, code in known:
        codes_in_units.setdefault(code, set()).add(unit_code)
    for dept in departments:
        if dept.parent is None:  # no such column: an existing department keeps its parent
            final_parent.setdefault(dept.key, None)
        elif not dept.parent:
            final_parent[dept.key] = None
        elif (dept.unit, dept.parent) in known:
            final_parent[dept.key] = (dept.unit, dept.parent)
        elif dept.parent in other_units_codes or codes_in_units.get(dept.parent):
            message = _("上级部门“%(p)s”属于其他单位，上级部门必须与本部门属于同一单位。") % {"p": dept.parent}
            errors.add(dept.sheet, dept.row, "上级部门代码", message)
        else:
            errors.add(dept.sheet, dept.row, "上级部门代码", _("上级部门代码“%(p)s”不存在。") % {"p": dept.parent})
    # Cycles in the tree as it would be after the import.
    for dept in departments:
        visited: set[Key] = {dept.key}
        current = final_parent.get(dept.key)
        while current is not None:
            if current in visited:
                message = _("上级部门形成循环：部门“%(c)s”会成为自己的下级。") % {"c": dept.code}
                errors.add(dept.sheet, dept.row, "上级部门代码", message)
                break
            visited.add(current)
            current = final_parent.get(current)


def _check_people(
    *,
    departments: list[_DeptRow],
    staff: list[_StaffRow],
    units: dict[str, Unit],
    known: set[Key],
    existing_staff: dict[str, Staff],
    errors: _Errors,
) -> None:
    file_nos = {s.employee_no for s in staff}
    for dept in departments:
        if dept.leader_no and dept.leader_no not in file_nos and dept.leader_no not in existing_staff:
            errors.add(dept.sheet, dept.row, "分管领导工号", _("工号“%(n)s”不存在。") % {"n": dept.leader_no})
    users = {u.username: u for u in User.objects.filter(username__in={s.username for s in staff})}
    for person in staff:
        if not person.username or not person.employee_no:
            continue
        taken = users.get(person.username)
        same = existing_staff.get(person.employee_no)
        if taken is not None and (same is None or same.user_id != taken.pk):
            errors.add(person.sheet, person.row, "用户名", _("用户名“%(u)s”已被其他人使用。") % {"u": person.username})
        concurrent = person.concurrent or []
        if person.unit not in units:
            continue  # reported with the unit code
        for column, code in [("部门代码", person.dept)] + [("兼职部门代码", c) for c in concurrent]:
            if code and (person.unit, code) not in known:
                message = _("部门代码“%(c)s”在单位“%(u)s”中不存在。") % {"c": code, "u": person.unit}
                errors.add(person.sheet, person.row, column, message)
        if person.dept and person.dept in concurrent:
            errors.add(person.sheet, person.row, "兼职部门代码", _("兼职部门不能与主职部门相同。"))


def _check(tables: list[_Table], errors: _Errors) -> _Plan:
    unit_codes = {cells.get("单位代码", "") for t in tables for _row, cells in t.rows if cells.get("单位代码", "")}
    units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
    departments = _parse_departments(tables, units, errors)
    staff = _parse_staff(tables, units, errors)

    # Every department of the units involved, as it stands, keyed by (unit code, code).
    unit_by_id = {u.pk: u.code for u in units.values()}
    existing_departments: dict[Key, Department] = {
        (unit_by_id[d.unit_id], d.code): d for d in Department.objects.filter(unit_id__in=unit_by_id)
    }
    by_id = {d.pk: key for key, d in existing_departments.items()}
    final_parent: dict[Key, Key | None] = {
        key: (by_id.get(d.parent_id) if d.parent_id else None) for key, d in existing_departments.items()
    }
    known = {d.key for d in departments} | set(existing_departments)
    other_units_codes = set(
        Department.objects.exclude(unit_id__in=unit_by_id)
        .filter(code__in={d.parent for d in departments if d.parent})
        .values_list("code", flat=True)
    )
    _check_parents(departments, known, other_units_codes, final_parent, errors)

    wanted_nos = {s.employee_no for s in staff} | {d.leader_no for d in departments if d.leader_no}
    existing_staff = {s.employee_no: s for s in Staff.objects.select_related("user").filter(employee_no__in=wanted_nos)}
    _check_people(
        departments=departments,
        staff=staff,
        units=units,
        known=known,
        existing_staff=existing_staff,
        errors=errors,
    )
    return _Plan(departments, staff, units, existing_departments, existing_staff, final_parent)


# ---------------------------------------------------------------- applying


def _depth_in(final_parent: dict[Key, Key | None], key: Key) -> int:
    depth, current = 0, final_parent.get(key)
    while current is not None:
        depth += 1
        current = final_parent.get(current)
    return depth


def _move(dept: Department, parent: Department | None) -> None:
    """Give ``dept`` a new parent and rewrite ``path``/``depth`` for it and its whole subtree."""
    old_path, old_depth = Department.objects.values_list("path", "depth").get(pk=dept.pk)
    if parent is None:
        new_path, new_depth = f"/{dept.pk}/", 1
    else:
        parent_path, parent_depth = Department.objects.values_list("path", "depth").get(pk=parent.pk)
        new_path, new_depth = f"{parent_path}{dept.pk}/", parent_depth + 1
    Department.objects.filter(pk=dept.pk).update(parent=parent)
    subtree = list(Department.objects.filter(path__startswith=old_path))
    for node in subtree:
        node.path = new_path + node.path[len(old_path) :]
        node.depth = node.depth - old_depth + new_depth
    Department.objects.bulk_update(subtree, ["path", "depth"])
    dept.parent = parent
    dept.path, dept.depth = new_path, new_depth


def _apply_departments(plan: _Plan, summary: ImportSummary) -> dict[Key, Department]:
    departments = dict(plan.existing_departments)
    ordered = sorted(plan.departments, key=lambda d: _depth_in(plan.final_parent, d.key))
    for row in ordered:
        parent = departments[(row.unit, row.parent)] if row.parent else None
        dept = departments.get(row.key)
        if dept is None:
            departments[row.key] = department_create(
                unit=plan.units[row.unit], code=row.code, name=row.name, parent=parent, sort=row.sort or 0
            )
            summary.departments_created += 1
            continue
        if row.parent is not None and dept.parent_id != (parent.pk if parent else None):
            _move(dept, parent)
        dept.name = row.name
        if row.sort is not None:
            dept.sort = row.sort
        Department.objects.filter(pk=dept.pk).update(name=dept.name, sort=dept.sort)
        summary.departments_updated += 1
    return departments


def _apply_staff(plan: _Plan, departments: dict[Key, Department], summary: ImportSummary) -> dict[str, User]:
    users: dict[str, User] = {no: s.user for no, s in plan.existing_staff.items()}
    for row in plan.staff:
        staff = plan.existing_staff.get(row.employee_no)
        unit = plan.units[row.unit]
        if staff is None:
            user = User(
                username=row.username, full_name=row.full_name, email=row.email or "", must_change_password=True
            )
            user.set_unusable_password()
            user.save()
            summary.users_created += 1
            staff = Staff.objects.create(
                user=user,
                unit=unit,
                employee_no=row.employee_no,
                rank=row.rank,
                title=row.title or "",
                mobile=row.mobile or "",
            )
            summary.staff_created += 1
        else:
            user = staff.user
            user.username, user.full_name = row.username, row.full_name
            if row.email is not None:
                user.email = row.email
            user.save(update_fields=["username", "full_name", "email"])
            staff.unit, staff.rank = unit, row.rank
            if row.title is not None:
                staff.title = row.title
            if row.mobile is not None:
                staff.mobile = row.mobile
            staff.save(update_fields=["unit", "rank", "title", "mobile"])
            summary.staff_updated += 1
        users[row.employee_no] = user

        primary = departments[(row.unit, row.dept)]
        if row.concurrent is not None:  # the file states every post: drop the ones it no longer lists
            wanted = {primary.pk} | {departments[(row.unit, c)].pk for c in row.concurrent}
            removed, _detail = Post.objects.filter(staff=staff).exclude(department_id__in=wanted).delete()
            summary.posts_removed += removed
        else:  # only the primary post moves
            removed, _detail = Post.objects.filter(staff=staff, is_primary=True).exclude(department=primary).delete()
            summary.posts_removed += removed
        Post.objects.filter(staff=staff, is_primary=True).exclude(department=primary).update(is_primary=False)
        existing = {p.department_id: p for p in Post.objects.filter(staff=staff)}
        post = existing.get(primary.pk)
        if post is None:
            Post.objects.create(staff=staff, department=primary, role=row.role, is_primary=True)
            summary.posts_created += 1
        elif post.role != row.role or not post.is_primary:
            post.role, post.is_primary = row.role, True
            post.save(update_fields=["role", "is_primary"])
        for code in row.concurrent or []:
            dept = departments[(row.unit, code)]
            if dept.pk not in existing:
                Post.objects.create(staff=staff, department=dept, role=PostRole.MEMBER, is_primary=False)
                summary.posts_created += 1
    return users


def _apply_leaders(plan: _Plan, departments: dict[Key, Department], users: dict[str, User]) -> None:
    for row in plan.departments:
        if row.leader_no is None:
            continue
        leader = users[row.leader_no] if row.leader_no else None
        dept = departments[row.key]
        if dept.leader_in_charge_id != (leader.pk if leader else None):
            Department.objects.filter(pk=dept.pk).update(leader_in_charge=leader)


def org_import(*, actor: Any, files: list[ImportFile], ip: str = "") -> ImportSummary:
    """Import departments and staff from ``files``; nothing changes unless every row is valid.

    Raises ``ApplicationError`` (code ``IMPORT_FAILED``) whose ``errors`` lists every problem as
    ``{"sheet", "row", "column", "message"}``, or ``PermissionDeniedError`` without ``MANAGE_CONFIG``.
    """
    if not has_perm(actor, Perm.MANAGE_CONFIG):
        raise PermissionDeniedError(_("只有系统管理员可以导入组织机构和人员。"))
    errors = _Errors()
    if not files:
        errors.add("", None, "", _("请选择要导入的文件。"))
    tables = read_files(files, errors)
    plan = _check(tables, errors)
    if errors:
        raise ApplicationError(
            _("导入失败：发现 %(n)d 处问题，未导入任何数据。") % {"n": len(errors.items)},
            code=ErrorCode.IMPORT_FAILED,
            errors=errors.items,
        )
    if not plan.departments and not plan.staff:
        raise ApplicationError(
            _("文件中没有可导入的数据行。"),
            code=ErrorCode.IMPORT_FAILED,
            errors=[{"sheet": f.name, "row": None, "column": "", "message": _("没有数据行。")} for f in files],
        )
    summary = ImportSummary()
    try:
        with transaction.atomic():
            departments = _apply_departments(plan, summary)
            users = _apply_staff(plan, departments, summary)
            _apply_leaders(plan, departments, users)
            audit_record(
                action="org.import",
                actor=actor,
                target="org",
                ip_address=ip,
                detail={**summary.as_dict(), "files": [f.name for f in files]},
            )
    except DatabaseError as exc:
        raise ApplicationError(
            _("导入时数据库出错，已全部撤销，未导入任何数据：%(e)s") % {"e": exc},
            code=ErrorCode.IMPORT_FAILED,
            errors=[{"sheet": "", "row": None, "column": "", "message": str(exc)}],
        ) from exc
    return summary


# ---------------------------------------------------------------- templates


def csv_template(kind: str) -> bytes:
    """An empty CSV with the header row of ``kind``, with a UTF-8 BOM so that Excel reads the Chinese."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(COLUMNS[kind])
    return "\ufeff".encode() + buffer.getvalue().encode()
