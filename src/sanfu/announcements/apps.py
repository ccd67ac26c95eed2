from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    """通知公告 / 信息发布: announcements to a unit, departments or people, with read receipts, sign-up and approval."""

    name = "sanfu.announcements"
    label = "announcements"
    verbose_name = _("通知公告")
