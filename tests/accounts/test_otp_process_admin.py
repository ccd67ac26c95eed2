"""ID-4 / security issue hole 5: whoever manages processes (流程管理员) signs in with TOTP like the three
administrators — the designer, the monitor and its interventions are not reachable with a password alone."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.accounts.permissions import DataScope, Perm
from tests.accounts.conftest import sign_in
from tests.accounts.test_otp import _code, _enrol, _redirects_to
from tests.conftest import grant


def _process_admin(org: dict[str, Any]) -> Any:
    ensure_admin_roles()
    grant(org["office_head"], Role.objects.get(code="process-admin"), org["unit"])
    return org["office_head"]


def test_a_process_administrator_without_a_device_is_sent_to_enrol(org: dict[str, Any]) -> None:
    admin = _process_admin(org)
    client = Client()
    assert sign_in(client, admin.username).status_code == 302
    for page in ("/", reverse("approvals:monitor"), reverse("approvals:designer")):
        assert _redirects_to(client.get(page), "accounts:otp_setup"), page
    _enrol(client, admin)
    assert client.get(reverse("approvals:monitor")).status_code == 200


def test_a_process_administrator_with_a_device_passes_the_code_at_every_sign_in(org: dict[str, Any]) -> None:
    admin = _process_admin(org)
    device = TOTPDevice.objects.create(user=admin, name="手机", confirmed=True)
    client = Client()
    sign_in(client, admin.username)
    assert _redirects_to(client.get(reverse("approvals:monitor")), "accounts:otp_verify")
    client.post(reverse("accounts:otp_verify"), {"token": _code(device)})
    assert client.get(reverse("approvals:monitor")).status_code == 200


def test_any_role_granting_process_management_asks_for_it(org: dict[str, Any]) -> None:
    """The rule follows the permission, not the built-in role's code."""
    role = Role.objects.create(
        code="flows", name="流程运维", permissions=[Perm.MANAGE_PROCESSES], data_scope=DataScope.ALL
    )
    grant(org["finance_head"], role)
    client = Client()
    sign_in(client, "finance_head")
    assert _redirects_to(client.get("/"), "accounts:otp_setup")


def test_business_users_are_not_asked(org: dict[str, Any]) -> None:
    ensure_admin_roles()
    grant(org["clerk"], Role.objects.get(code="clerk"), org["unit"])
    client = Client()
    sign_in(client, "clerk")
    assert client.get("/").status_code == 200


def test_the_setting_turns_it_off_for_process_administrators_too(org: dict[str, Any], settings: Any) -> None:
    settings.SANFU_ADMIN_REQUIRE_OTP = False
    admin = _process_admin(org)
    client = Client()
    sign_in(client, admin.username)
    assert client.get(reverse("approvals:monitor")).status_code == 200
