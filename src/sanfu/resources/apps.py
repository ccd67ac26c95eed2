from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class ResourcesConfig(AppConfig):
    """资源共享: 公务用车 (requests through the flow, dispatch refused by the database on overlap, trip logs and
    costs), 办公设备 (the register, transfers, repairs and the renewal plan) and 办公用品 (stock per store,
    requests, issue, low-stock alerts, consumption)."""

    name = "sanfu.resources"
    label = "resources"
    verbose_name = _("资源共享")
    navigation = (
        NavItem(Section.OPERATIONS, _("公务用车"), "resources:vehicles", order=70),
        NavItem(Section.OPERATIONS, _("办公设备"), "resources:assets", order=71),
        NavItem(Section.OPERATIONS, _("办公用品"), "resources:supplies", order=72),
    )

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.resources.api import router
        from sanfu.resources.flows import SUPPLY_KEY, VEHICLE_KEY
        from sanfu.resources.subjects import car_request_pages, supply_request_pages
        from sanfu.workflow import subjects

        subjects.register(prefix=VEHICLE_KEY, pages=car_request_pages, label=_("到公务用车页面办理"))
        subjects.register(prefix=SUPPLY_KEY, pages=supply_request_pages, label=_("到办公用品页面办理"))
        site.include("/resources", router)
