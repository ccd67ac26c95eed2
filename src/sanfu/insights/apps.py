from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class InsightsConfig(AppConfig):
    """效能: the monthly efficiency review (流程效能评估) measured from the flow's event log."""

    name = "sanfu.insights"
    label = "insights"
    verbose_name = _("效能")
    navigation = (
        NavItem(
            Section.LEADERS, _("流程效能评估"), "insights:review", order=30, shown_to="sanfu.insights.rights.may_review"
        ),
        NavItem(
            Section.LEADERS, _("精简建议"), "insights:advice", order=31, shown_to="sanfu.insights.rights.may_review"
        ),
        NavItem(
            Section.LEADERS, _("前后对比"), "insights:compare", order=32, shown_to="sanfu.insights.rights.may_review"
        ),
        NavItem(
            Section.LEADERS, _("草稿推演"), "insights:whatif", order=33, shown_to="sanfu.insights.rights.may_review"
        ),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.insights import (
            api_advice,  # noqa: F401  (its operation joins the router)
            api_whatif,  # noqa: F401  (its operations join the router)
        )
        from sanfu.insights.api import router

        site.include("/insights", router)
