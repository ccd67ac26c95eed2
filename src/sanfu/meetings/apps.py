from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class MeetingsConfig(AppConfig):
    """办会: rooms and bookings, meetings from plan to minutes, decisions handed to 督办 through the outbox."""

    name = "sanfu.meetings"
    label = "meetings"
    verbose_name = _("办会")
    navigation = (NavItem(Section.OPERATIONS, _("会议室"), "meetings:board", order=60),)

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.meetings.api import router

        site.include("/meetings", router)
