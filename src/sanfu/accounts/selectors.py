"""Reads about accounts, roles and what a user may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import ADMIN_PERMISSIONS, SCOPE_BREADTH, DataScope
from sanfu.core.models import AuditRecord


def _grants(user: Any) -> list[RoleGrant]:
    cache: list[RoleGrant] | None = getattr(user, "_sanfu_grants", None)
    if cache is None:
        cache = list(RoleGrant.objects.filter(user_id=user.pk).select_related("role"))
        user._sanfu_grants = cache
    return cache


def forget_cached_grants(user: Any) -> None:
    if hasattr(user, "_sanfu_grants"):
        del user._sanfu_grants


def permissions_of(user: Any) -> frozenset[str]:
    """Every permission code ``user`` holds through any role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    codes: set[str] = set()
    for grant in _grants(user):
        if grant.role.admin_kind:
            codes.update(ADMIN_PERMISSIONS[grant.role.admin_kind])
        else:
            codes.update(grant.role.permissions)
    return frozenset(codes)


def role_codes_of(user: Any) -> frozenset[str]:
    """The codes of the roles ``user`` holds (in any unit)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(str(g.role.code) for g in _grants(user))


def has_perm(user: Any, perm: str) -> bool:
    return perm in permissions_of(user)


def admin_kind_of(user: Any) -> str | None:
    """The administrator kind (三员) ``user`` holds, if any; never more than one."""
    if not getattr(user, "is_authenticated", False):
        return None
    for grant in _grants(user):
        if grant.role.admin_kind:
            return str(grant.role.admin_kind)
    return None


def data_scope_for(user: Any, perm: str) -> tuple[DataScope, list[int | None]] | None:
    """The widest scope among ``user``'s roles granting ``perm``, with the units those grants cover.

    ``None`` means no role grants ``perm``. A unit list containing ``None`` means "every unit".
    """
    best: DataScope | None = None
    units: list[int | None] = []
    for grant in _grants(user):
        role = grant.role
        if role.admin_kind or perm not in role.permissions:
            continue
        scope = DataScope(role.data_scope)
        if best is None or SCOPE_BREADTH[scope] > SCOPE_BREADTH[best]:
            best = scope
            units = []
        if scope == best:
            units.append(grant.unit_id)
    return None if best is None else (best, units)


def users_with_role(role_code: str, *, unit_id: int | None = None) -> QuerySet[User]:
    """Active users holding ``role_code``; within ``unit_id`` when given (a unit-less grant counts
    for the unit the user belongs to)."""
    grants = RoleGrant.objects.filter(role__code=role_code)
    if unit_id is not None:
        grants = grants.filter(Q(unit_id=unit_id) | Q(unit__isnull=True, user__staff__unit_id=unit_id))
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("pk")


def has_confirmed_totp(user: Any) -> bool:
    """Whether ``user`` has finished enrolling a TOTP authenticator."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def accounts_matching(query: str = "") -> QuerySet[User]:
    """Accounts for the system administrator's list, by username; ``query`` narrows by username or name."""
    users = User.objects.order_by("username")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    return users


def role_grants() -> QuerySet[RoleGrant]:
    """Every role grant, administrator roles first, for the security administrator's list."""
    return RoleGrant.objects.select_related("user", "role", "unit").order_by(
        "role__admin_kind", "role__code", "user__username"
    )


def audit_records(*, action: str = "", who: str = "") -> QuerySet[AuditRecord]:
    """The audit trail, newest first; ``action`` matches a prefix, ``who`` part of the actor's name."""
    records = AuditRecord.objects.order_by("-seq")
    if action:
        records = records.filter(action__startswith=action)
    if who:
        records = records.filter(actor_name__icontains=who)
    return records


# Audit targets that name a person: "user:<id>" from the account services, "accounts.User:<id>" from the admin.
_PERSON_TARGETS = ("user:", "accounts.User:")


def audit_target_labels(records: Iterable[AuditRecord]) -> dict[str, str]:
    """How the audit list names each record's target: a person by name and sign-in name (one query for the
    page); other targets as recorded."""
    ids: dict[str, int] = {}
    for record in records:
        prefix = next((p for p in _PERSON_TARGETS if record.target.startswith(p)), None)
        rest = record.target[len(prefix) :] if prefix else ""
        if rest.isdigit():
            ids[record.target] = int(rest)
    people = {u.pk: u for u in User.objects.filter(pk__in=set(ids.values())).only("pk", "username", "full_name")}
    return {target: f"{people[pk].display_name}（{people[pk].username}）" for target, pk in ids.items() if pk in people}


def sign_in_notice(user: User) -> list[tuple[int, str]]:
    """What a person is told as they sign in (等保: the previous sign-in is shown, so one they did not make is
    noticed): the previous sign-in's time and address, failed attempts since, and a password reset by an
    administrator since. ``(message level, text)`` pairs; read before the sign-in overwrites ``last_login``."""
    notices: list[tuple[int, str]] = []
    previous = user.last_login
    if previous is not None:
        where = user.last_login_ip or _("未知地址")
        notices.append(
            (
                messages.INFO,
                _("上次登录：%(at)s，来自 %(ip)s。") % {"at": _local(previous), "ip": where},
            )
        )
    failures = AuditRecord.objects.filter(
        action="auth.login", outcome="failure", actor_name=user.username, at__gt=previous or user.date_joined
    ).count()
    if failures:
        notices.append((messages.WARNING, _("自上次登录以来，有 %(n)d 次使用您的用户名的登录失败。") % {"n": failures}))
    reset_at = user.password_reset_at
    if reset_at is not None and (previous is None or reset_at > previous):
        notices.append(
            (
                messages.WARNING,
                _("您的密码于 %(at)s 由 %(admin)s 重置。如非您本人申请，请立即联系安全管理员。")
                % {"at": _local(reset_at), "admin": user.password_reset_by or _("管理员")},
            )
        )
    return notices


def _local(moment: Any) -> str:
    return str(timezone.localtime(moment).strftime("%Y-%m-%d %H:%M"))
