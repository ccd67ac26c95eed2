from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import Perm
from sanfu.core.navigation import NavItem, Section


class ApprovalsConfig(AppConfig):
    name = "sanfu.approvals"
    label = "approvals"
    verbose_name = _("审批中心")
    navigation = (
        NavItem(Section.ADMIN, _("流程设计"), "approvals:designer", order=40, perm=Perm.MANAGE_PROCESSES),
        NavItem(Section.ADMIN, _("流程监控"), "approvals:monitor", order=45, perm=Perm.MANAGE_PROCESSES),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.approvals import agenda as calendar
        from sanfu.approvals import handover
        from sanfu.approvals.api import router
        from sanfu.approvals.notices import MatterNotices
        from sanfu.approvals.selectors.matters import matter_choices_by_process
        from sanfu.approvals.todos_api import router as todos_router
        from sanfu.core import agenda, lookups, notices

        lookups.provide("matters", matter_choices_by_process)
        notices.provide(MatterNotices())  # 一次性告知 for the one-stop window
        agenda.provide("approvals", calendar.agenda_items)  # 我的日程: open tasks falling due
        handover.register()  # 离职交接: saved drafts, requests returned to the person
        site.include("/approvals", router)
        site.include("/todos", todos_router)  # 统一待办: other systems' to-dos in 我的待办
