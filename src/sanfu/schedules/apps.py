from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class SchedulesConfig(AppConfig):
    """领导日程: leaders' weekly schedules kept by their secretaries and the office, with visibility rules; and
    我的日程, the person's calendar of every domain's items (``core.agenda``) with its own .ics feed."""

    name = "sanfu.schedules"
    label = "schedules"
    verbose_name = _("领导日程")
    navigation = (
        NavItem(Section.OPERATIONS, _("我的日程"), "schedules:agenda", order=56),
        NavItem(Section.OPERATIONS, _("领导日程"), "schedules:week", order=57),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.core import agenda
        from sanfu.schedules import agenda as schedule_agenda
        from sanfu.schedules.api import me_router, router

        agenda.provide("schedules", schedule_agenda.schedule_items)  # a leader's own entries on 我的日程
        site.include("/schedules", router)
        site.include("/me/agenda", me_router)
