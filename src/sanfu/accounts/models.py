from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import AdminKind, DataScope


class User(AbstractUser):
    """A sign-in. The person's place in the organisation lives in ``org.Staff``."""

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # When the system administrator last enabled the account: the dormancy clock restarts there, so an
    # account re-enabled after it went dormant is not disabled again by the next daily run (ID-5).
    enabled_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    # Shown to the person at their next sign-in ("上次登录", and who reset their password when), so a sign-in
    # they did not make, or a reset they did not ask for, does not go unnoticed.
    last_login_ip = models.CharField(_("上次登录地址"), max_length=64, blank=True)
    password_reset_at = models.DateTimeField(_("密码重置时间"), null=True, blank=True)
    password_reset_by = models.ForeignKey(
        "self", verbose_name=_("重置人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """A named set of permissions with one data scope. Admin roles carry their fixed ``admin_kind``."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    data_scope = models.CharField(_("数据范围"), max_length=20, choices=DataScope.choices, default=DataScope.SELF)
    admin_kind = models.CharField(_("管理员类别"), max_length=16, choices=AdminKind.choices, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["admin_kind"], name="one_role_per_admin_kind"),
        ]

    def __str__(self) -> str:
        return str(self.name)


class RoleGrant(models.Model):
    """A role held by a user, optionally within one unit (``unit`` empty = every unit)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="role_grants")
    # Copied from the role so that the database itself refuses a second administrator role (三员分立).
    admin_kind = models.CharField(max_length=16, choices=AdminKind.choices, null=True, blank=True)
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="grant_once_per_unit"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(unit__isnull=True), name="grant_once_everywhere"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(admin_kind__isnull=False), name="at_most_one_admin_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Always taken from the role, never from the caller: the one-admin-role constraint depends on it.
        self.admin_kind = Role.objects.filter(pk=self.role_id).values_list("admin_kind", flat=True).first()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "admin_kind"}
        super().save(*args, **kwargs)


class PasswordHistory(models.Model):
    """Earlier password hashes, so that a change cannot reuse one of the last few."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"
