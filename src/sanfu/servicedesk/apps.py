from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class ServicedeskConfig(AppConfig):
    """一站式服务: the service catalogue, requests registered once and handled in parallel, 最多跑一次, ratings
    and complaints, the window clerk's desk and the figures."""

    name = "sanfu.servicedesk"
    label = "servicedesk"
    verbose_name = _("一站式服务")
    navigation = (NavItem(Section.PEOPLE, _("一站式服务"), "servicedesk:catalogue", order=75),)

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.servicedesk.api import router
        from sanfu.servicedesk.flows import KEY_PREFIX
        from sanfu.servicedesk.subjects import subject_pages
        from sanfu.workflow import subjects

        subjects.register(prefix=KEY_PREFIX, pages=subject_pages, label=_("到一站式服务页面办理"))
        site.include("/servicedesk", router)
