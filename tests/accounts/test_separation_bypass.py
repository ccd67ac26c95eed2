"""三员分立 cannot be bypassed (security issue, hole 2): the system administrator cannot disable, reset or
delete the security and audit administrators, nor set passwords in Django admin; every administrator role
keeps an active holder; each attempt is in the audit trail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from sanfu.accounts import services
from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import AdminKind
from sanfu.core.errors import ErrorCode, PermissionDeniedError
from sanfu.core.models import AuditRecord
from tests.conftest import grant, make_user


@pytest.mark.parametrize("other", ["secadmin", "auditadmin"])
def test_system_administrator_cannot_disable_or_reset_the_other_administrators(
    admins: dict[str, User], other: str
) -> None:
    target = admins[other]
    password_before = target.password
    for attempt, action in [
        (lambda: services.account_set_active(actor=admins["sysadmin"], user=target, active=False), "account.disable"),
        (lambda: services.account_reset_password(actor=admins["sysadmin"], user=target), "account.reset_password"),
    ]:
        with pytest.raises(PermissionDeniedError) as refused:
            attempt()
        assert refused.value.code == ErrorCode.SEPARATION_OF_DUTIES
        assert AuditRecord.objects.filter(action=action, outcome="denied", target=f"user:{target.pk}").exists()
    target.refresh_from_db()
    assert target.is_active
    assert target.password == password_before
    assert not target.must_change_password


def test_a_second_system_administrator_may_be_disabled(admins: dict[str, User]) -> None:
    """Within one kind the system administrator still manages accounts (another system administrator)."""
    second = make_user("sysadmin2")
    grant(second, ensure_admin_roles()[AdminKind.SYSTEM])
    services.account_set_active(actor=admins["sysadmin"], user=second, active=False)
    assert not User.objects.get(pk=second.pk).is_active


def test_security_administrator_cannot_revoke_the_last_holder_of_an_administrator_role(
    admins: dict[str, User],
) -> None:
    for kind, name in [(AdminKind.SYSTEM, "sysadmin"), (AdminKind.AUDIT, "auditadmin")]:
        held = RoleGrant.objects.get(user=admins[name], admin_kind=kind)
        with pytest.raises(PermissionDeniedError, match="至少要保留"):
            services.role_revoke(actor=admins["secadmin"], grant=held)
        assert RoleGrant.objects.filter(pk=held.pk).exists()
    assert AuditRecord.objects.filter(action="role.revoke", outcome="denied").count() == 2


def test_revoking_one_of_two_holders_is_allowed(admins: dict[str, User]) -> None:
    second = make_user("audit2")
    grant(second, ensure_admin_roles()[AdminKind.AUDIT])
    held = RoleGrant.objects.get(user=admins["auditadmin"], admin_kind=AdminKind.AUDIT)
    services.role_revoke(actor=admins["secadmin"], grant=held)
    assert not RoleGrant.objects.filter(pk=held.pk).exists()


def test_django_admin_neither_adds_deletes_nor_sets_passwords(
    admins: dict[str, User], login: Callable[[User], Client]
) -> None:
    client = login(admins["sysadmin"])
    target = admins["secadmin"]
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert client.post(reverse("admin:accounts_user_delete", args=[target.pk]), {"post": "yes"}).status_code == 403
    password_page = reverse("admin:auth_user_password_change", args=[target.pk]).replace("auth/user", "accounts/user")
    response = client.post(password_page, {"password1": "Hijack@2026x", "password2": "Hijack@2026x"})
    assert response.status_code == 403
    assert User.objects.filter(pk=target.pk).exists()
    assert not User.objects.get(pk=target.pk).check_password("Hijack@2026x")
    assert AuditRecord.objects.filter(action="account.set_password", outcome="denied").exists()


def test_django_admin_cannot_switch_an_account_off(admins: dict[str, User], login: Callable[[User], Client]) -> None:
    """is_active is read-only there: disabling goes through the console's service and its rules."""
    client = login(admins["sysadmin"])
    target = admins["auditadmin"]
    client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        {"full_name": "审计员", "email": ""},
    )
    target.refresh_from_db()
    assert target.is_active
