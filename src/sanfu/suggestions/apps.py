from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class SuggestionsConfig(AppConfig):
    """意见箱 / 我为三服务献一策: suggestions named or truly anonymous, triaged by the office, answered by a
    department, with public replies, adoption and the yearly list of adopted suggestions."""

    name = "sanfu.suggestions"
    label = "suggestions"
    verbose_name = _("意见箱")
    navigation = (NavItem(Section.PEOPLE, _("意见箱"), "suggestions:list", order=80),)

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.suggestions.api import router

        site.include("/suggestions", router)
