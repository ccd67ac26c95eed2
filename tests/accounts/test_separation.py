"""三员分立: who may do what (a role × action matrix), no account with two administrator roles (service
and database), races between grants, no self-grants, and data scopes (数据范围) of business roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from sanfu.accounts import services
from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.accounts.permissions import AdminKind
from sanfu.core.errors import ApplicationError, ErrorCode, PermissionDeniedError
from sanfu.org.selectors import visible_staff
from tests.accounts.conftest import run_in_threads
from tests.conftest import grant, make_department, make_staff, make_unit, make_user

PERSONAS = ["sysadmin", "secadmin", "auditadmin", "outsider"]


def _target(admins: dict[str, User]) -> User:
    return make_user("target")


def _do_create(actor: User, admins: dict[str, User]) -> None:
    services.account_create(actor=actor, username="newcomer", full_name="新同事")


def _do_disable(actor: User, admins: dict[str, User]) -> None:
    services.account_set_active(actor=actor, user=_target(admins), active=False)


def _do_reset(actor: User, admins: dict[str, User]) -> None:
    services.account_reset_password(actor=actor, user=_target(admins))


def _do_grant(actor: User, admins: dict[str, User]) -> None:
    services.role_grant(actor=actor, user=_target(admins), role=Role.objects.get(code="clerk"))


def _do_revoke(actor: User, admins: dict[str, User]) -> None:
    held = grant(_target(admins), Role.objects.get(code="clerk"))
    services.role_revoke(actor=actor, grant=held)


SERVICE_OWNERS: dict[str, tuple[Callable[[User, dict[str, User]], None], str]] = {
    "account_create": (_do_create, "sysadmin"),
    "account_set_active": (_do_disable, "sysadmin"),
    "account_reset_password": (_do_reset, "sysadmin"),
    "role_grant": (_do_grant, "secadmin"),
    "role_revoke": (_do_revoke, "secadmin"),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", sorted(SERVICE_OWNERS))
def test_service_matrix(admins: dict[str, User], action: str, persona: str) -> None:
    do, owner = SERVICE_OWNERS[action]
    if persona == owner:
        do(admins[persona], admins)
    else:
        with pytest.raises(PermissionDeniedError):
            do(admins[persona], admins)


def test_service_effects(admins: dict[str, User]) -> None:
    sysadmin, secadmin = admins["sysadmin"], admins["secadmin"]
    user, raw = services.account_create(actor=sysadmin, username="newcomer", full_name="新同事")
    assert user.must_change_password
    assert user.check_password(raw)
    services.account_set_active(actor=sysadmin, user=user, active=False)
    user.refresh_from_db()
    assert not user.is_active
    new_raw = services.account_reset_password(actor=sysadmin, user=user).password
    assert new_raw is not None  # no e-mail address: handed over by the administrator
    user.refresh_from_db()
    assert user.check_password(new_raw)
    assert not user.check_password(raw)
    held = services.role_grant(actor=secadmin, user=user, role=Role.objects.get(code="clerk"))
    assert held.granted_by == secadmin
    services.role_revoke(actor=secadmin, grant=held)
    assert not RoleGrant.objects.filter(user=user).exists()


CONSOLE_OWNERS = {
    "/accounts/manage/": "sysadmin",
    "/accounts/roles/": "secadmin",
    "/accounts/audit/": "auditadmin",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", sorted(CONSOLE_OWNERS))
def test_console_matrix(admins: dict[str, User], login: Callable[[User], Client], path: str, persona: str) -> None:
    response = login(admins[persona]).get(path)
    assert response.status_code == (200 if persona == CONSOLE_OWNERS[path] else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_the_system_administrators(
    admins: dict[str, User], login: Callable[[User], Client], persona: str
) -> None:
    client = login(admins[persona])
    for path in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{admins['auditadmin'].pk}/change/"):
        response = client.get(path)
        if persona == "sysadmin":
            assert response.status_code == 200, path
        else:
            assert response.status_code == 302, path
            assert response["Location"].startswith("/admin/login/"), path


@pytest.mark.parametrize("persona", PERSONAS)
def test_console_posts_are_refused_to_others(
    admins: dict[str, User], login: Callable[[User], Client], persona: str
) -> None:
    target = make_user("target")
    clerk_role = Role.objects.get(code="clerk")
    held = grant(target, clerk_role)
    client = login(admins[persona])
    toggled = client.post(reverse("accounts:account_toggle", args=[target.pk]))
    reset = client.post(reverse("accounts:account_reset", args=[target.pk]))
    revoked = client.post(reverse("accounts:role_revoke", args=[held.pk]))
    target.refresh_from_db()
    assert (toggled.status_code == 302) == (persona == "sysadmin")
    assert (reset.status_code == 302) == (persona == "sysadmin")
    assert target.is_active == (persona != "sysadmin")
    assert (revoked.status_code == 302) == (persona == "secadmin")
    assert RoleGrant.objects.filter(pk=held.pk).exists() == (persona != "secadmin")


# --- one administrator role per account ----------------------------------------------------------------


@pytest.mark.parametrize("second", [AdminKind.SYSTEM, AdminKind.AUDIT])
def test_service_refuses_a_second_admin_role(admins: dict[str, User], second: str) -> None:
    holder = admins["auditadmin"] if second == AdminKind.SYSTEM else admins["sysadmin"]
    with pytest.raises(ApplicationError) as refused:
        services.role_grant(actor=admins["secadmin"], user=holder, role=Role.objects.get(admin_kind=second))
    assert refused.value.code == ErrorCode.SEPARATION_OF_DUTIES
    assert RoleGrant.objects.filter(user=holder, admin_kind__isnull=False).count() == 1


def test_database_refuses_a_second_admin_role(admins: dict[str, User]) -> None:
    roles = ensure_admin_roles()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=admins["sysadmin"], role=roles[AdminKind.AUDIT], admin_kind=AdminKind.AUDIT)
    assert RoleGrant.objects.filter(user=admins["sysadmin"]).count() == 1


def test_admin_grant_always_copies_the_admin_kind(admins: dict[str, User]) -> None:
    """The constraint relies on ``admin_kind`` being copied; a grant of an admin role without it is
    refused too (otherwise a direct insert could slip a second admin role past the index)."""
    roles = ensure_admin_roles()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=admins["sysadmin"], role=roles[AdminKind.AUDIT], admin_kind=None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_admin_grants_one_wins() -> None:
    roles = ensure_admin_roles()
    secadmin = make_user("secadmin")
    grant(secadmin, roles[AdminKind.SECURITY])
    target = make_user("target")
    kinds = [AdminKind.SYSTEM, AdminKind.AUDIT]

    def work(i: int) -> Any:
        actor = User.objects.get(pk=secadmin.pk)
        return services.role_grant(actor=actor, user=User.objects.get(pk=target.pk), role=roles[kinds[i]])

    results = run_in_threads(2, work)
    wins = [r for r in results if isinstance(r, RoleGrant)]
    losses = [r for r in results if isinstance(r, ApplicationError)]
    assert len(wins) == 1, results
    assert len(losses) == 1, results
    assert losses[0].code == ErrorCode.SEPARATION_OF_DUTIES
    assert RoleGrant.objects.filter(user=target).count() == 1


def test_secadmin_cannot_grant_itself_roles(admins: dict[str, User]) -> None:
    secadmin = admins["secadmin"]
    for role in (Role.objects.get(admin_kind=AdminKind.SYSTEM), Role.objects.get(code="leader")):
        with pytest.raises(PermissionDeniedError) as refused:
            services.role_grant(actor=secadmin, user=secadmin, role=role)
        assert refused.value.code == ErrorCode.SEPARATION_OF_DUTIES
    assert RoleGrant.objects.filter(user=secadmin).count() == 1


def test_secadmin_cannot_revoke_its_own_admin_role(admins: dict[str, User]) -> None:
    own = RoleGrant.objects.get(user=admins["secadmin"])
    with pytest.raises(PermissionDeniedError):
        services.role_revoke(actor=admins["secadmin"], grant=own)


def test_disabled_account_loses_its_session(admins: dict[str, User], login: Callable[[User], Client]) -> None:
    target = make_user("target")
    client = login(target)
    assert client.get("/").status_code == 200
    services.account_set_active(actor=admins["sysadmin"], user=target, active=False)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_password_reset_ends_existing_sessions(admins: dict[str, User], login: Callable[[User], Client]) -> None:
    target = make_user("target")
    client = login(target)
    services.account_reset_password(actor=admins["sysadmin"], user=target)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- data scopes ---------------------------------------------------------------------------------------


def _names(actor: User) -> set[str]:
    return set(visible_staff(actor).values_list("user__username", flat=True))


EVERYONE = {"gm", "deputy", "office_head", "section_head", "clerk", "finance_head", "accountant"}


@pytest.fixture
def scoped(org: dict[str, Any]) -> dict[str, Any]:
    ensure_admin_roles()
    other_unit = make_unit("other", name="另一公司")
    make_staff(make_department(other_unit, "综合部"), username="stranger")
    return {**org, "other_unit": other_unit}


def test_no_role_sees_only_self(scoped: dict[str, Any]) -> None:
    assert _names(scoped["clerk"]) == {"clerk"}


def test_department_scope(scoped: dict[str, Any]) -> None:
    grant(scoped["clerk"], Role.objects.get(code="clerk"))
    assert _names(scoped["clerk"]) == {"clerk", "section_head"}


def test_department_tree_scope(scoped: dict[str, Any]) -> None:
    grant(scoped["office_head"], Role.objects.get(code="dept-head"))
    assert _names(scoped["office_head"]) == {"office_head", "section_head", "clerk"}


def test_unit_scope(scoped: dict[str, Any]) -> None:
    grant(scoped["accountant"], Role.objects.get(code="hr-officer"))
    assert _names(scoped["accountant"]) == EVERYONE


def test_unit_scope_for_another_unit(scoped: dict[str, Any]) -> None:
    grant(scoped["accountant"], Role.objects.get(code="hr-officer"), unit=scoped["other_unit"])
    assert _names(scoped["accountant"]) == {"accountant", "stranger"}


def test_all_scope(scoped: dict[str, Any]) -> None:
    grant(scoped["deputy"], Role.objects.get(code="leader"))
    assert _names(scoped["deputy"]) == EVERYONE | {"stranger"}


def test_widest_scope_wins(scoped: dict[str, Any]) -> None:
    grant(scoped["office_head"], Role.objects.get(code="clerk"))
    grant(scoped["office_head"], Role.objects.get(code="dept-head"))
    assert _names(scoped["office_head"]) == {"office_head", "section_head", "clerk"}


def test_admin_roles_grant_no_data_scope(scoped: dict[str, Any], admins: dict[str, User]) -> None:
    """Administrators manage the system; they do not see staff details through their admin role."""
    assert list(visible_staff(admins["sysadmin"])) == []
