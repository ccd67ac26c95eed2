from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from sanfu.accounts.models import User
from sanfu.core.admin import AuditedAdmin


class SanfuUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[type-arg]
    """Accounts, without Django's superuser/group/permission fields: roles are granted by the security
    administrator in Sanfu's own console (三员分立)."""

    list_display = ("username", "full_name", "email", "is_active", "last_login")
    search_fields = ("username", "full_name", "email")
    list_filter = ("is_active",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "email")}),
        ("状态", {"fields": ("is_active", "must_change_password", "password_changed_at", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),)
    readonly_fields = ("last_login", "password_changed_at")
    filter_horizontal = ()


admin.site.register(User, SanfuUserAdmin)
