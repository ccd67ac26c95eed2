"""组织导入: departments and staff from CSV or Excel, all or nothing.

Everything is read and checked first; every problem is collected as (sheet or file, row as the user sees
it counting the header row, column header, reason). Only when there is none are all rows applied, in one
transaction with its audit record; a database error while applying rolls everything back as well.

Units are not imported: they must already exist. Departments are matched by unit + code and staff by
工号; matches are updated, the rest created. New accounts get an unusable password and must change it:
the system administrator resets their passwords to hand them out.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ErrorCode, PermissionDeniedError
from sanfu.org.importing.applying import apply_departments, apply_leaders, apply_staff
from sanfu.org.importing.checking import check
from sanfu.org.importing.formats import Errors, ImportFile, ImportSummary
from sanfu.org.importing.reading import read_files


def org_import(*, actor: Any, files: list[ImportFile], ip: str = "") -> ImportSummary:
    """Import departments and staff from ``files``; nothing changes unless every row is valid.

    Raises ``ApplicationError`` (code ``IMPORT_FAILED``) whose ``errors`` lists every problem as
    ``{"sheet", "row", "column", "message"}``, or ``PermissionDeniedError`` without ``MANAGE_CONFIG``.
    """
    if not has_perm(actor, Perm.MANAGE_CONFIG):
        raise PermissionDeniedError(_("只有系统管理员可以导入组织机构和人员。"))
    errors = Errors()
    if not files:
        errors.add("", None, "", _("请选择要导入的文件。"))
    tables = read_files(files, errors)
    plan = check(tables, errors)
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
            departments = apply_departments(plan, summary)
            users = apply_staff(plan, departments, summary)
            apply_leaders(plan, departments, users)
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
