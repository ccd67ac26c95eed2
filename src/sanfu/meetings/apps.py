from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class MeetingsConfig(AppConfig):
    """办会: rooms and bookings, meetings from plan to minutes, decisions handed to 督办 through the outbox."""

    name = "sanfu.meetings"
    label = "meetings"
    verbose_name = _("办会")
    navigation = (
        NavItem(Section.OPERATIONS, _("会议室"), "meetings:board", order=60),
        NavItem(Section.OPERATIONS, _("会议"), "meetings:meetings", order=61),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.core import agenda, busy
        from sanfu.core import todos as inbox
        from sanfu.meetings import selectors, todos
        from sanfu.meetings.api import router
        from sanfu.meetings.flows import PLAN_KEY
        from sanfu.meetings.subjects import meeting_pages
        from sanfu.workflow import subjects

        subjects.register(prefix=PLAN_KEY, pages=meeting_pages, label=_("到会议页面办理"))
        site.include("/meetings", router)
        inbox.register(todos.source())
        busy.provide("meetings", selectors.busy_spans)  # 领导日程 flags an entry overlapping a meeting
        agenda.provide("meetings", selectors.agenda_items)  # 我的日程: the person's meetings
