from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class HardshipConfig(AppConfig):
    """爱心基金: hardship applications handled in confidence by the committee, approved through the flow engine,
    with the payments recorded."""

    name = "sanfu.hardship"
    label = "hardship"
    verbose_name = _("爱心基金")
    navigation = (NavItem(Section.PEOPLE, _("爱心基金"), "hardship:list", order=82),)

    def ready(self) -> None:
        from sanfu.hardship.flows import APPLY_KEY
        from sanfu.hardship.subjects import application_pages
        from sanfu.workflow import subjects

        subjects.register(prefix=APPLY_KEY, pages=application_pages, label=_("到爱心基金页面办理"))
