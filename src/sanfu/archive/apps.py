from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sanfu.core.navigation import NavItem, Section


class ArchiveConfig(AppConfig):
    name = "sanfu.archive"
    label = "archive"
    verbose_name = _("电子档案")
    navigation = (NavItem(Section.OPERATIONS, _("电子档案"), "archive:search", order=30),)

    def ready(self) -> None:
        from sanfu.api import site
        from sanfu.archive.api import router

        site.include("/archive", router)
