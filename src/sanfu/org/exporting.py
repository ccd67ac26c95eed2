"""组织导出: departments and staff as an Excel workbook in the organisation import's own format (sheets 部门 and
人员, the same headers, labels and codes), so that exporting and importing the file back changes nothing. For the
system administrator, who may import (``Perm.MANAGE_CONFIG``); audited (``org.export``).

What the file leaves out, and why the round trip still changes nothing:

- 手机: numbers are personal data, encrypted at rest, and the directory shows them only within
  ``Perm.VIEW_STAFF_DETAIL``'s data scope, which the system administrator does not hold by role. The column is
  left out, and the import keeps every number when the column is absent (a blank cell would clear it).
- A person without a primary post has no 部门代码, which the import requires: they are left out and named on
  the 说明 sheet (the import reads only 部门 and 人员), so the file still imports without errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core import xlsx
from sanfu.core.audit import audit_record
from sanfu.core.errors import PermissionDeniedError
from sanfu.org.importing import formats
from sanfu.org.models import Department, Post, Staff

STAFF_COLUMNS = tuple(c for c in formats.STAFF_COLUMNS if c != "手机")
NOTES_SHEET = "说明"  # data, like the import's sheet names: the import reads only 部门 and 人员


@dataclass
class OrgExport:
    content: bytes
    departments: int
    staff: int
    skipped: list[Staff]  # people without a primary post, named on the 说明 sheet


def _department_rows() -> list[list[Any]]:
    departments = Department.objects.select_related("unit", "parent", "leader_in_charge__staff").order_by(
        "unit__level", "unit__sort", "unit_id", "path"
    )
    rows = []
    for dept in departments:
        leader = dept.leader_in_charge
        leader_staff = getattr(leader, "staff", None) if leader is not None else None
        rows.append(
            [
                dept.unit.code,
                dept.code,
                dept.name,
                dept.parent.code if dept.parent else "",
                dept.sort,
                leader_staff.employee_no if leader_staff is not None else "",
            ]
        )
    return rows


def _staff_rows() -> tuple[list[list[Any]], list[Staff]]:
    roles = {code: label for label, code in formats.role_labels().items()}
    ranks = {value: label for label, value in formats.rank_labels().items()}
    posts = Post.objects.select_related("department").order_by("-is_primary", "id")
    people = (
        Staff.objects.select_related("user", "unit")
        .prefetch_related(Prefetch("posts", queryset=posts))
        .order_by("unit__level", "unit__sort", "unit_id", "employee_no")
    )
    rows, skipped = [], []
    for staff in people:
        held = list(staff.posts.all())
        primary = next((p for p in held if p.is_primary), None)
        if primary is None:
            skipped.append(staff)
            continue
        cells = {
            "工号": staff.employee_no,
            "姓名": staff.user.full_name,
            "用户名": staff.user.username,
            "单位代码": staff.unit.code,
            "部门代码": primary.department.code,
            "身份": roles.get(primary.role, primary.role),
            "职级": ranks.get(staff.rank, str(staff.rank)),
            "职务": staff.title,
            "邮箱": staff.user.email,
            "兼职部门代码": ";".join(p.department.code for p in held if not p.is_primary),
            "办公室": staff.office,
            "办公电话": staff.office_phone,
        }
        rows.append([cells[column] for column in STAFF_COLUMNS])
    return rows, skipped


def org_export(*, actor: Any, ip: str = "") -> OrgExport:
    """The whole organisation in the import's format; ``PermissionDeniedError`` without ``MANAGE_CONFIG``,
    ``xlsx.TooManyRowsError`` past what one import reads."""
    if not has_perm(actor, Perm.MANAGE_CONFIG):
        raise PermissionDeniedError(_("只有系统管理员可以导出组织机构和人员。"))
    for model in (Department, Staff):  # the import reads at most MAX_ROWS rows a sheet
        xlsx.require_within_limit(model.objects.count(), limit=formats.MAX_ROWS)
    departments = _department_rows()
    staff, skipped = _staff_rows()
    notes: list[list[Any]] = [
        [_("本文件的“部门”“人员”两张工作表与组织导入的格式相同，修改后可直接导入。")],
        [_("“手机”列没有导出：导入时若没有这一列，现有的手机号码保持不变。")],
    ]
    if skipped:
        notes.append([_("以下人员没有主职部门，未导出：")])
        notes += [[f"{s.employee_no} {s.user.display_name}"] for s in skipped]
    content = xlsx.workbook(
        xlsx.Sheet(formats.SHEET_NAMES[formats.DEPARTMENTS], formats.DEPARTMENT_COLUMNS, departments),
        xlsx.Sheet(formats.SHEET_NAMES[formats.STAFF], STAFF_COLUMNS, staff),
        xlsx.Sheet(NOTES_SHEET, [_("说明")], notes, (100,)),
    )
    audit_record(
        action="org.export",
        actor=actor,
        target="org",
        ip_address=ip,
        detail={"departments": len(departments), "staff": len(staff), "skipped": len(skipped)},
    )
    return OrgExport(content, len(departments), len(staff), skipped)
