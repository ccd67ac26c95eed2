from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import Perm
from sanfu.core.navigation import NavItem, Section


class WebConfig(AppConfig):
    name = "sanfu.web"
    label = "web"
    verbose_name = _("门户")
    navigation = (
        NavItem(Section.LEADERS, _("领导驾驶舱"), "web:cockpit", order=5, shown_to="sanfu.web.cockpit.may_read"),
        NavItem(Section.ADMIN, _("后台管理"), "admin:index", order=30, perm=Perm.MANAGE_CONFIG),
    )

    def ready(self) -> None:
        from sanfu.insights import beside
        from sanfu.web import review_beside

        beside.provide("office", review_beside.figures)  # the other domains' figures beside the efficiency review


class SanfuAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Sanfu's site as ``admin.site``: each app's ``admin.py`` registers with
    ``django.contrib.admin.site`` and never imports the shell."""

    default = False  # named explicitly in INSTALLED_APPS; ``sanfu.web`` itself is WebConfig
    default_site = "sanfu.web.admin_site.SanfuAdminSite"
