"""Writes on accounts and roles, with the separation of the three administrators (三员分立).

- the system administrator (系统管理员) creates, changes and disables accounts and resets passwords;
- the security administrator (安全管理员) grants and revokes roles, and creates no accounts;
- the audit administrator (审计管理员) only reads the audit trail.
Also each person's own credentials: their password and their second factor (TOTP). Every change of rights
or credentials here lands in the audit trail in the same transaction.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.models import PasswordHistory, Role, RoleGrant, User
from sanfu.accounts.permissions import AdminKind, Perm
from sanfu.accounts.selectors import admin_kind_of, forget_cached_grants, has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, PermissionDeniedError
from sanfu.core.notify import notify_people


def _require(actor: Any, perm: str, what: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionDeniedError(_("您没有权限%(what)s。") % {"what": what})


def _refuse_and_audit(*, actor: Any, action: str, user: User, message: str, ip: str) -> None:
    """Refuse an attempt on the separation of duties, and keep the attempt in the audit trail: it is
    written on its own, so the refusal that follows does not take it away."""
    audit_record(
        action=action,
        actor=actor,
        outcome="denied",
        target=f"user:{user.pk}",
        ip_address=ip,
        detail={"username": user.username, "reason": str(message)},
    )
    raise PermissionDeniedError(message, code=ErrorCode.SEPARATION_OF_DUTIES)


def _active_holders(kind: str, *, besides: User) -> int:
    """How many other active accounts hold the administrator role ``kind``."""
    return (
        RoleGrant.objects.filter(admin_kind=kind, user__is_active=True)
        .exclude(user=besides)
        .values("user")
        .distinct()
        .count()
    )


def _guard_administrator_account(*, actor: Any, user: User, action: str, removes: bool, ip: str) -> None:
    """三员分立 on accounts: the system administrator manages ordinary accounts and other system
    administrators, never the security or audit administrators' accounts (those are set up with
    ``sanfu createadmins`` on the server); and each administrator role keeps at least one active holder."""
    kind = admin_kind_of(user)
    if not kind:
        return
    if kind != admin_kind_of(actor):
        _refuse_and_audit(
            actor=actor,
            action=action,
            user=user,
            message=_("三员分立：不能管理%(role)s的账户。") % {"role": AdminKind(kind).label},
            ip=ip,
        )
    if removes and not _active_holders(kind, besides=user):
        _refuse_and_audit(
            actor=actor,
            action=action,
            user=user,
            message=_("至少要保留一名在用的%(role)s。") % {"role": AdminKind(kind).label},
            ip=ip,
        )


def generate_temporary_password() -> str:
    """A random password that satisfies the complexity policy (one of each class, 14 characters)."""
    alphabet = string.ascii_letters + string.digits + "@#%+=-"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


def _store_password(user: User, raw: str) -> None:
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(raw)
    user.password_changed_at = timezone.now()


def account_create(
    *, actor: Any, username: str, full_name: str, email: str = "", password: str | None = None, ip: str = ""
) -> tuple[User, str]:
    """Create an account that must change its password at first sign-in. Returns it and the password."""
    _require(actor, Perm.MANAGE_ACCOUNTS, _("创建账户"))
    username = username.strip()
    if not username:
        raise ApplicationError(_("用户名不能为空。"))
    if User.objects.filter(username__iexact=username).exists():
        raise ConflictError(_("用户名“%(u)s”已存在。") % {"u": username})
    raw = password or generate_temporary_password()
    user = User(username=username, full_name=full_name.strip(), email=email.strip(), must_change_password=True)
    try:
        password_validation.validate_password(raw, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
    try:
        with transaction.atomic():
            _store_password(user, raw)
            user.save()
            audit_record(
                action="account.create",
                actor=actor,
                target=f"user:{user.pk}",
                ip_address=ip,
                detail={"username": username},
            )
    except IntegrityError as exc:
        raise ConflictError(_("用户名“%(u)s”已存在。") % {"u": username}) from exc
    return user, raw


def account_set_active(*, actor: Any, user: User, active: bool, ip: str = "") -> User:
    _require(actor, Perm.MANAGE_ACCOUNTS, _("启用或停用账户"))
    if user.pk == actor.pk and not active:
        raise ApplicationError(_("不能停用自己的账户。"))
    _guard_administrator_account(
        actor=actor, user=user, action="account.enable" if active else "account.disable", removes=not active, ip=ip
    )
    changes: dict[str, Any] = {"is_active": active}
    if active:
        changes["enabled_at"] = timezone.now()  # restarts the dormancy clock (accounts.dormancy)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**changes)
        audit_record(
            action="account.enable" if active else "account.disable",
            actor=actor,
            target=f"user:{user.pk}",
            ip_address=ip,
            detail={"username": user.username},
        )
    for field, value in changes.items():
        setattr(user, field, value)
    return user


@dataclass(frozen=True)
class PasswordReset:
    """What a reset produced. ``password`` is given to the administrator only when the holder has no e-mail
    address to send it to (to be handed over in person); otherwise it went to ``mailed_to`` and nobody but
    the holder ever sees it, so a system administrator cannot reset a leader's password and sign in as the
    leader unnoticed."""

    password: str | None
    mailed_to: str = ""


def _masked(address: str) -> str:
    name, _at, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def account_reset_password(*, actor: Any, user: User, ip: str = "") -> PasswordReset:
    """Give ``user`` a new temporary password that must be changed at next sign-in.

    With an e-mail address on record the password is mailed to the holder alone (a mail that cannot be sent
    leaves the old password in place). Either way the holder gets a notice in the app naming who reset it and
    when, shown again at their next sign-in; a password shown to the administrator is also told to the
    security administrators, the second pair of eyes of 三员分立."""
    _require(actor, Perm.MANAGE_ACCOUNTS, _("重置密码"))
    _guard_administrator_account(actor=actor, user=user, action="account.reset_password", removes=False, ip=ip)
    raw = generate_temporary_password()
    now = timezone.now()
    address = user.email.strip()
    with transaction.atomic():
        _store_password(user, raw)
        user.must_change_password = True
        user.password_reset_at, user.password_reset_by = now, actor
        user.save(
            update_fields=[
                "password",
                "password_changed_at",
                "must_change_password",
                "password_reset_at",
                "password_reset_by",
            ]
        )
        audit_record(
            action="account.reset_password",
            actor=actor,
            target=f"user:{user.pk}",
            ip_address=ip,
            detail={"username": user.username, "delivered": "mail" if address else "administrator"},
        )
        stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
        notify_people(
            key=f"password-reset:{user.pk}:{now.timestamp()}",
            people=[user.pk],
            kind="security",
            title=_("您的登录密码已被重置"),
            body=_("%(admin)s 于 %(at)s 重置了您的密码。如非您本人申请，请立即联系安全管理员。")
            % {"admin": actor, "at": stamp},
        )
        if address:
            _mail_temporary_password(user=user, raw=raw, actor=actor, stamp=stamp)
            return PasswordReset(password=None, mailed_to=_masked(address))
        security = RoleGrant.objects.filter(admin_kind=AdminKind.SECURITY, user__is_active=True)
        notify_people(
            key=f"password-reset-shown:{user.pk}:{now.timestamp()}",
            people=security.values_list("user_id", flat=True),
            kind="security",
            title=_("临时密码由系统管理员转交：%(user)s") % {"user": user},
            body=_(
                "%(admin)s 于 %(at)s 重置了 %(user)s（%(username)s）的密码；"
                "此账户没有电子邮箱，临时密码由管理员当面转交。"
            )
            % {"admin": actor, "at": stamp, "user": user, "username": user.username},
        )
    return PasswordReset(password=raw)


def _mail_temporary_password(*, user: User, raw: str, actor: Any, stamp: str) -> None:
    """Send the temporary password to its holder; a failure raises, so the reset is rolled back."""
    try:
        send_mail(
            _("三服：您的临时登录密码"),
            _(
                "%(admin)s 于 %(at)s 重置了您的三服登录密码。\n\n用户名：%(username)s\n临时密码：%(password)s\n\n"
                "首次登录须修改密码。如非您本人申请，请立即联系安全管理员。"
            )
            % {"admin": actor, "at": stamp, "username": user.username, "password": raw},
            settings.DEFAULT_FROM_EMAIL,
            [user.email.strip()],
            fail_silently=False,
        )
    except (OSError, SMTPException) as exc:
        raise ApplicationError(_("临时密码邮件发送失败，密码未重置：%(error)s") % {"error": exc}) from exc


def password_change(*, user: User, old_password: str, new_password: str, ip: str = "") -> None:
    """The user changes their own password; the policy validators (complexity, history) apply."""
    if not user.check_password(old_password):
        raise ApplicationError(_("原密码不正确。"), errors=[{"field": "old_password", "message": _("原密码不正确。")}])
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ApplicationError(
            " ".join(exc.messages), errors=[{"field": "new_password", "message": m} for m in exc.messages]
        ) from exc
    with transaction.atomic():
        _store_password(user, new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        audit_record(action="password.change", actor=user, target=f"user:{user.pk}", ip_address=ip)


def role_grant(*, actor: Any, user: User, role: Role, unit: Any = None, ip: str = "") -> RoleGrant:
    """The security administrator grants ``role``; an account never holds two administrator roles."""
    _require(actor, Perm.GRANT_ROLES, _("授予角色"))
    if user.pk == actor.pk:
        # The security administrator would otherwise widen its own rights (any role, admin or business).
        raise PermissionDeniedError(_("管理员不能给自己授予角色。"), code=ErrorCode.SEPARATION_OF_DUTIES)
    if role.admin_kind:
        held = admin_kind_of(user)
        if held:
            raise ApplicationError(
                _("三员分立：该账户已是%(held)s，不能再担任%(new)s。")
                % {"held": Role.objects.get(admin_kind=held).name, "new": role.name},
                code=ErrorCode.SEPARATION_OF_DUTIES,
            )
        unit = None
    if RoleGrant.objects.filter(user=user, role=role, unit=unit).exists():
        raise ConflictError(_("该账户已拥有此角色。"))
    try:
        with transaction.atomic():
            grant = RoleGrant.objects.create(
                user=user, role=role, unit=unit, admin_kind=role.admin_kind, granted_by=actor
            )
            audit_record(
                action="role.grant",
                actor=actor,
                target=f"user:{user.pk}",
                ip_address=ip,
                detail={"role": role.code, "unit": getattr(unit, "pk", None), "username": user.username},
            )
    except IntegrityError as exc:
        # Two grants raced: the database's one-admin-role constraint or uniqueness refused the second.
        raise ApplicationError(
            _("三员分立：该账户已拥有管理员角色或此角色。"), code=ErrorCode.SEPARATION_OF_DUTIES
        ) from exc
    forget_cached_grants(user)
    return grant


def role_revoke(*, actor: Any, grant: RoleGrant, ip: str = "") -> None:
    _require(actor, Perm.GRANT_ROLES, _("收回角色"))
    if grant.role.admin_kind and grant.user_id == actor.pk:
        raise PermissionDeniedError(_("管理员不能收回自己的管理员角色。"), code=ErrorCode.SEPARATION_OF_DUTIES)
    if grant.role.admin_kind and not _active_holders(str(grant.role.admin_kind), besides=grant.user):
        _refuse_and_audit(
            actor=actor,
            action="role.revoke",
            user=grant.user,
            message=_("至少要保留一名在用的%(role)s，不能收回其最后一名的角色。") % {"role": grant.role.name},
            ip=ip,
        )
    with transaction.atomic():
        audit_record(
            action="role.revoke",
            actor=actor,
            target=f"user:{grant.user_id}",
            ip_address=ip,
            detail={"role": grant.role.code, "unit": grant.unit_id},
        )
        grant.delete()
    forget_cached_grants(grant.user)


def otp_device_prepare(*, user: User) -> TOTPDevice:
    """The authenticator ``user`` is enrolling: the pending (unconfirmed) one, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("动态口令"), confirmed=False)
    return device


def otp_device_confirm(*, user: User, device: TOTPDevice, token: str, ip: str = "") -> bool:
    """Confirm the enrolment of ``device`` with one code from it; False (nothing confirmed) when wrong."""
    # Outside the transaction: a wrong code must still count towards django-otp's throttling.
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(action="otp.enrol", actor=user, ip_address=ip)
    return True


def otp_verify(*, user: User, token: str, ip: str = "") -> Device | None:
    """Check a second-factor code at sign-in; the device it matched, or None. Both outcomes are audited."""
    device = match_token(user, token)
    with transaction.atomic():
        if device is not None:
            audit_record(action="otp.verify", actor=user, ip_address=ip)
        else:
            audit_record(action="otp.verify", outcome="failure", actor=user, ip_address=ip)
    return device


def sign_in_recorded(*, user: User, ip: str) -> None:
    """Keep the address of this sign-in, to be shown at the next one (``selectors.sign_in_notice``)."""
    User.objects.filter(pk=user.pk).update(last_login_ip=ip[:64])
