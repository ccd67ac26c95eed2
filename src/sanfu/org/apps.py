from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import Perm
from sanfu.core.navigation import NavItem, Section


class OrgConfig(AppConfig):
    name = "sanfu.org"
    label = "org"
    verbose_name = _("组织机构")
    navigation = (
        NavItem(Section.LEADERS, _("领导分工"), "org:leaders", order=10),
        NavItem(Section.OPERATIONS, _("组织机构"), "org:directory", order=10),
        NavItem(Section.OPERATIONS, _("工作日历"), "org:calendar", order=20),
        NavItem(Section.PEOPLE, _("委托代理"), "org:delegations", order=10),
        NavItem(Section.ADMIN, _("组织导入"), "org:import", order=20, perm=Perm.MANAGE_CONFIG),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.org import directory, handover
        from sanfu.org.api import router

        handover.register()  # 离职交接: delegations, secretaries, departments in charge
        site.include("/org", router)
        directory.register()  # the organisation's part of the directory sync (accounts may not import org)
