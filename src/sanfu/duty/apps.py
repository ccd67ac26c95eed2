from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class DutyConfig(AppConfig):
    """值班安排: the duty roster for holidays and nights, swaps with approval, reminders, the duty log with
    handover and incidents escalated to the leader on call."""

    name = "sanfu.duty"
    label = "duty"
    verbose_name = _("值班安排")
    navigation = (NavItem(Section.OPERATIONS, _("值班安排"), "duty:roster", order=58),)

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.core import agenda, todos
        from sanfu.duty import integration
        from sanfu.duty.api import router
        from sanfu.duty.flows import SWAP_KEY
        from sanfu.workflow import subjects

        subjects.register(prefix=SWAP_KEY, pages=integration.swap_pages, label=_("到值班安排页面办理"))
        agenda.provide("duty", integration.agenda_items)
        todos.register(integration.todo_source())
        site.include("/duty", router)
