from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import Perm
from sanfu.core.navigation import NavItem, Section


class AccountsConfig(AppConfig):
    name = "sanfu.accounts"
    label = "accounts"
    verbose_name = _("账户与权限")
    navigation = (
        NavItem(Section.ADMIN, _("账户管理"), "accounts:manage", order=10, perm=Perm.MANAGE_ACCOUNTS),
        # 离职交接 for the process administrator; the system administrator opens it from 账户管理
        NavItem(Section.ADMIN, _("离职交接"), "accounts:handover", order=46, perm=Perm.MANAGE_PROCESSES),
        NavItem(Section.ADMIN, _("角色授权"), "accounts:roles", order=50, perm=Perm.GRANT_ROLES),
        NavItem(Section.ADMIN, _("审计记录"), "accounts:audit", order=60, perm=Perm.READ_AUDIT),
    )

    def ready(self) -> None:
        from sanfu.accounts import checks, receivers  # noqa: F401  # the deploy check; the audit of auth signals
