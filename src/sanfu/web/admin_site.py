"""The Django admin, open only to the system administrator (系统管理员). Each app's ``admin.py`` registers its
models with ``django.contrib.admin.site`` (this class, through ``SanfuAdminConfig``) using
``sanfu.core.admin.AuditedAdmin``, which audits every change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.admin import AuditedAdmin


class SanfuAdminSite(admin.AdminSite):
    site_header = _("三服 · 后台管理")
    site_title = _("三服后台")
    index_title = _("系统配置")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and has_perm(user, Perm.MANAGE_CONFIG))

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Only admins that audit every change join the site. Other apps' own registrations (auth groups,
        axes' lock-out logs, OTP devices) stay off it: the accounts they guard belong to the security
        administrator's console (三员分立), not to the system administrator's Django admin."""
        if admin_class is None or not issubclass(admin_class, AuditedAdmin):
            return
        super().register(model_or_iterable, admin_class, **options)
