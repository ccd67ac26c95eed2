from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class SchedulesConfig(AppConfig):
    """领导日程: leaders' weekly schedules kept by their secretaries and the office, with visibility rules."""

    name = "sanfu.schedules"
    label = "schedules"
    verbose_name = _("领导日程")
    navigation = (NavItem(Section.OPERATIONS, _("领导日程"), "schedules:week", order=57),)
