from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from sanfu.accounts.models import User
from sanfu.core.admin import AuditedAdmin
from sanfu.core.audit import audit_record, client_ip


class SanfuUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[type-arg]
    """Accounts, read-mostly: names and e-mail may be corrected here. Creating, disabling, deleting and
    passwords go through Sanfu's own account console, whose services keep the separation of the three
    administrators (三员分立) and force a change of any password set by someone else; roles are granted by
    the security administrator there. So this admin neither adds nor deletes accounts, shows no password
    field and refuses Django's set-password page."""

    list_display = ("username", "full_name", "email", "is_active", "last_login")
    search_fields = ("username", "full_name", "email")
    list_filter = ("is_active",)
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("个人信息", {"fields": ("full_name", "email")}),
        ("状态", {"fields": ("is_active", "must_change_password", "password_changed_at", "last_login")}),
    )
    readonly_fields = ("username", "is_active", "must_change_password", "last_login", "password_changed_at")
    filter_horizontal = ()
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        audit_record(
            action="account.set_password",
            actor=request.user,
            outcome="denied",
            target=f"user:{id}",
            ip_address=client_ip(request),
            detail={"via": "django-admin"},
        )
        raise PermissionDenied


admin.site.register(User, SanfuUserAdmin)
