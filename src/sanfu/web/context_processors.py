"""Navigation for the web shell, built around the three services (三服务)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import permissions_of
from sanfu.approvals.selectors import todo_count
from sanfu.core.models import Notification
from sanfu.org.selectors import unit_name_of


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"org_name": settings.SANFU_ORG_NAME}
    perms = permissions_of(user)
    sections: list[dict[str, Any]] = [
        {
            "title": _("服务领导"),
            "icon": "bi-person-badge",
            "items": [(_("领导分工"), reverse("org:leaders"))],
        },
        {
            "title": _("服务运转"),
            "icon": "bi-gear-wide-connected",
            "items": [
                (_("组织机构"), reverse("org:directory")),
                (_("工作日历"), reverse("org:calendar")),
                (_("电子档案"), reverse("archive:search")),
                (_("收文"), reverse("documents:incoming_list")),
                (_("发文"), reverse("documents:outgoing_list")),
            ],
        },
        {
            "title": _("服务群众"),
            "icon": "bi-people",
            "items": [(_("委托代理"), reverse("org:delegations"))],
        },
    ]
    admin_items = []
    if Perm.MANAGE_ACCOUNTS in perms:
        admin_items.append((_("账户管理"), reverse("accounts:manage")))
    if Perm.MANAGE_CONFIG in perms:
        admin_items.append((_("组织导入"), reverse("org:import")))
        admin_items.append((_("后台管理"), reverse("admin:index")))
    if Perm.MANAGE_PROCESSES in perms:
        admin_items.append((_("流程设计"), reverse("approvals:designer")))
    if Perm.GRANT_ROLES in perms:
        admin_items.append((_("角色授权"), reverse("accounts:roles")))
    if Perm.READ_AUDIT in perms:
        admin_items.append((_("审计记录"), reverse("accounts:audit")))
    if admin_items:
        sections.append({"title": _("系统管理"), "icon": "bi-shield-lock", "items": admin_items})
    return {
        # The header names the person's own unit unless the deployment names itself.
        "org_name": settings.SANFU_ORG_NAME or unit_name_of(user),
        "nav_sections": sections,
        "nav_perms": perms,
        "nav_todo_count": todo_count(user),
        "nav_unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
