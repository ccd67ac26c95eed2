from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class BriefingConfig(AppConfig):
    """服务领导决策: information reports (信息报送), research tasks (调研), the library of past briefs (简报库)."""

    name = "sanfu.briefing"
    label = "briefing"
    verbose_name = _("服务领导决策")
    navigation = (
        NavItem(Section.LEADERS, _("信息报送与调研"), "briefing:list", order=40),
        NavItem(Section.LEADERS, _("简报库"), "briefing:library", order=41),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.briefing import agenda, todos
        from sanfu.briefing.api import router
        from sanfu.core import agenda as calendar
        from sanfu.core import todos as inbox

        site.include("/briefing", router)
        inbox.register(todos.source())
        calendar.provide("briefing", agenda.agenda_items)  # 我的日程: material due, requests due
