"""Checking the rows read from the files: each cell on its own, then against each other and the database.

Every problem is collected; rows with problems still take part in the cross checks so that every problem
shows at once. The result is a ``Plan``: the parsed rows and what the database holds for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.org.importing.formats import (
    DEPARTMENTS,
    REQUIRED,
    STAFF,
    STAFF_REQUIRED,
    Errors,
    Key,
    rank_labels,
    role_labels,
)
from sanfu.org.importing.reading import Table
from sanfu.org.models import Department, Staff, Unit

_CODE_RE = re.compile(r"^[-a-zA-Z0-9_]{1,32}$")
_MOBILE_RE = re.compile(r"^1\d{10}$")
_OFFICE_PHONE_RE = re.compile(r"^[\d\s+\-()（）#转]+$")  # "0571-8765 4321", "(0571) 87654321 转 8001"
_SEPARATORS_RE = re.compile(r"[;；]")
_username_validator = UnicodeUsernameValidator()


@dataclass
class DeptRow:
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
class StaffRow:
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
    office: str | None = None  # None: the column is absent, keep what is there
    office_phone: str | None = None


@dataclass
class Plan:
    departments: list[DeptRow]
    staff: list[StaffRow]
    units: dict[str, Unit]
    existing_departments: dict[Key, Department]
    existing_staff: dict[str, Staff]
    final_parent: dict[Key, Key | None]


def _required(table: Table, row: int, cells: dict[str, str], errors: Errors) -> bool:
    ok = True
    for column in REQUIRED[table.kind]:
        if column not in table.header:
            ok = False  # reported once, on the header row
        elif not cells.get(column, ""):
            errors.add(table.sheet, row, column, _("“%(c)s”不能为空。") % {"c": column})
            ok = False
    return ok


def _parse_departments(tables: list[Table], units: dict[str, Unit], errors: Errors) -> list[DeptRow]:
    result: list[DeptRow] = []
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
                result.append(DeptRow(row, table.sheet, unit, code, name, parent, sort, cells.get("分管领导工号")))
    return result


def _staff_cells_ok(sheet: str, row: int, cells: dict[str, str], units: dict[str, Unit], errors: Errors) -> bool:
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
    if len(cells.get("办公室") or "") > 64:
        problems.append(("办公室", _("办公室不能超过 64 个字符。")))
    office_phone = cells.get("办公电话") or ""
    if office_phone and (len(office_phone) > 32 or not _OFFICE_PHONE_RE.match(office_phone)):
        problems.append(("办公电话", _("办公电话只能包含数字、空格、括号、+、-、# 和“转”，且不超过 32 个字符。")))
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


def _parse_staff(tables: list[Table], units: dict[str, Unit], errors: Errors) -> list[StaffRow]:
    roles, ranks = role_labels(), rank_labels()
    result: list[StaffRow] = []
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
                StaffRow(
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
                    office=cells.get("办公室"),
                    office_phone=cells.get("办公电话"),
                )
            )
    return result


def _check_parents(
    departments: list[DeptRow],
    known: set[Key],
    other_units_codes: set[str],
    final_parent: dict[Key, Key | None],
    errors: Errors,
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
    departments: list[DeptRow],
    staff: list[StaffRow],
    units: dict[str, Unit],
    known: set[Key],
    existing_staff: dict[str, Staff],
    errors: Errors,
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


def check(tables: list[Table], errors: Errors) -> Plan:
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
    return Plan(departments, staff, units, existing_departments, existing_staff, final_parent)
