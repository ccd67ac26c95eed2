from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class AnnouncementsConfig(AppConfig):
    """通知公告 / 信息发布: announcements to a unit, departments or people, with read receipts, sign-up and approval."""

    name = "sanfu.announcements"
    label = "announcements"
    verbose_name = _("通知公告")
    navigation = (NavItem(Section.OPERATIONS, _("通知公告"), "announcements:list", order=55),)

    def ready(self) -> None:
        from sanfu.announcements import todos
        from sanfu.announcements.api import router
        from sanfu.announcements.flows import PUBLISH_KEY
        from sanfu.announcements.subjects import announcement_pages
        from sanfu.api import site
        from sanfu.core import todos as inbox
        from sanfu.workflow import subjects

        subjects.register(prefix=PUBLISH_KEY, pages=announcement_pages, label=_("到通知公告页面办理"))
        site.include("/announcements", router)
        inbox.register(todos.source())
