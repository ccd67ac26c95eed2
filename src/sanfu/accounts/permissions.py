"""Permission codes and data scopes (数据范围).

Roles carry a list of these codes and one data scope. The three administrator kinds (三员) are fixed
here so that no configuration can merge them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Perm(models.TextChoices):
    MANAGE_ACCOUNTS = "accounts.manage", _("管理账户（创建、停用、重置密码）")
    MANAGE_CONFIG = "config.manage", _("管理系统配置（组织机构、工作日历、导入）")
    GRANT_ROLES = "roles.grant", _("授予和收回角色")
    READ_AUDIT = "audit.read", _("查阅审计记录")
    VIEW_STAFF_DETAIL = "org.staff_detail", _("查看人员详细信息（职级、手机）")
    MANAGE_PROCESSES = "workflow.manage", _("管理流程（发布定义、作废与迁移流程实例）")
    READ_ARCHIVE_RESTRICTED = "archive.restricted", _("查阅涉密档案（秘密、机密，限数据范围内）")
    DRAFT_DOCUMENTS = "documents.draft", _("起草发文")
    SIGN_DOCUMENTS = "documents.sign", _("签发发文（限数据范围内的单位）")


class DataScope(models.TextChoices):
    SELF = "self", _("本人")
    DEPARTMENT = "department", _("本部门")
    DEPARTMENT_TREE = "department_tree", _("本部门及下级")
    UNIT = "unit", _("本单位")
    ALL = "all", _("全部")


SCOPE_BREADTH = {
    DataScope.SELF: 0,
    DataScope.DEPARTMENT: 1,
    DataScope.DEPARTMENT_TREE: 2,
    DataScope.UNIT: 3,
    DataScope.ALL: 4,
}


class AdminKind(models.TextChoices):
    """三员分立: each kind is held by a different account, and no account holds two."""

    SYSTEM = "system", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDIT = "audit", _("审计管理员")


ADMIN_PERMISSIONS: dict[str, list[str]] = {
    AdminKind.SYSTEM: [Perm.MANAGE_ACCOUNTS, Perm.MANAGE_CONFIG],
    AdminKind.SECURITY: [Perm.GRANT_ROLES],
    AdminKind.AUDIT: [Perm.READ_AUDIT],
}
