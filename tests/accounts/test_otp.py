"""The second factor (TOTP) for the three administrators: enrolment, verification at every sign-in,
refusal of wrong codes, and no bypass through enrolment or the ``next`` parameter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.models import User
from sanfu.core.models import AuditRecord
from tests.accounts.conftest import sign_in

HOME = "/"
START = "2026-03-02 09:00 +0800"


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{totp.token():0{device.digits}d}"


def _wrong_code(device: TOTPDevice) -> str:
    valid = {_code(device, offset) for offset in range(-device.tolerance - 1, device.tolerance + 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def _enrol(client: Client, user: User) -> TOTPDevice:
    assert client.get(reverse("accounts:otp_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp_setup"), {"token": _code(device)})
    assert response.status_code == 302, response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def _redirects_to(response: Any, name: str) -> bool:
    return response.status_code == 302 and response["Location"].split("?")[0] == reverse(name)


def test_admin_without_device_is_sent_to_setup(admins: dict[str, User]) -> None:
    client = Client()
    assert sign_in(client, "sysadmin").status_code == 302
    for path in (HOME, reverse("accounts:manage"), "/admin/"):
        assert _redirects_to(client.get(path), "accounts:otp_setup"), path


def test_setup_with_the_right_code_confirms_and_admits(admins: dict[str, User]) -> None:
    client = Client()
    sign_in(client, "secadmin")
    page = client.get(reverse("accounts:otp_setup"))
    assert "<svg" in page.content.decode()
    _enrol(client, admins["secadmin"])
    assert client.get(reverse("accounts:roles")).status_code == 200
    assert AuditRecord.objects.filter(action="otp.enrol", actor_id=admins["secadmin"].pk).exists()


def test_setup_with_a_wrong_code_is_refused(admins: dict[str, User]) -> None:
    client = Client()
    sign_in(client, "secadmin")
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=admins["secadmin"])
    response = client.post(reverse("accounts:otp_setup"), {"token": _wrong_code(device)})
    assert response.status_code == 200
    assert "口令不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert _redirects_to(client.get(HOME), "accounts:otp_setup")


def test_fresh_sign_in_must_pass_verification(admins: dict[str, User]) -> None:
    user = admins["auditadmin"]
    with time_machine.travel(START, tick=False) as traveller:
        first = Client()
        sign_in(first, "auditadmin")
        device = _enrol(first, user)
        traveller.shift(timedelta(minutes=2))  # a new code (the last one may not be replayed)
        client = Client()
        assert sign_in(client, "auditadmin").status_code == 302
        for path in (HOME, "/org/", "/admin/"):
            assert _redirects_to(client.get(path), "accounts:otp_verify"), path
        assert _redirects_to(client.get(reverse("accounts:audit")), "accounts:otp_verify")
        wrong = client.post(reverse("accounts:otp_verify"), {"token": _wrong_code(device)})
        assert wrong.status_code == 200
        assert "口令不正确。" in wrong.content.decode()
        assert _redirects_to(client.get(reverse("accounts:audit")), "accounts:otp_verify")
        # django-otp throttles after a failure: even the right code is refused for a moment.
        assert client.post(reverse("accounts:otp_verify"), {"token": _code(device)}).status_code == 200
        traveller.shift(timedelta(seconds=5))
        right = client.post(reverse("accounts:otp_verify"), {"token": _code(device)})
        assert right.status_code == 302
        assert client.get(reverse("accounts:audit")).status_code == 200
    outcomes = list(AuditRecord.objects.filter(action="otp.verify").values_list("outcome", flat=True))
    assert outcomes == ["failure", "failure", "success"]


def test_enrolment_cannot_replace_a_confirmed_device(admins: dict[str, User]) -> None:
    """With only the password, enrolling a second authenticator would bypass the second factor."""
    user = admins["sysadmin"]
    with time_machine.travel(START, tick=False) as traveller:
        first = Client()
        sign_in(first, "sysadmin")
        _enrol(first, user)
        traveller.shift(timedelta(minutes=2))
        attacker = Client()
        sign_in(attacker, "sysadmin")
        response = attacker.get(reverse("accounts:otp_setup"))
        assert _redirects_to(response, "accounts:otp_verify")
        assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()
        # Even a POST with a code for some other key does not admit the attacker.
        rogue = TOTPDevice(user=user, confirmed=False)
        attacker.post(reverse("accounts:otp_setup"), {"token": _code(rogue)})
        assert _redirects_to(attacker.get(HOME), "accounts:otp_verify")
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_verify_does_not_redirect_off_site(admins: dict[str, User]) -> None:
    user = admins["sysadmin"]
    with time_machine.travel(START, tick=False) as traveller:
        first = Client()
        sign_in(first, "sysadmin")
        device = _enrol(first, user)
        traveller.shift(timedelta(minutes=2))
        client = Client()
        sign_in(client, "sysadmin")
        response = client.post(
            reverse("accounts:otp_verify") + "?next=https://evil.example.com/", {"token": _code(device)}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("web:home")


def test_ordinary_users_are_not_asked(admins: dict[str, User]) -> None:
    client = Client()
    assert sign_in(client, "outsider").status_code == 302
    assert client.get(HOME).status_code == 200
    assert not TOTPDevice.objects.filter(user=admins["outsider"]).exists()


def test_otp_requirement_can_be_turned_off(admins: dict[str, User], settings: Any) -> None:
    settings.SANFU_ADMIN_REQUIRE_OTP = False
    client = Client()
    sign_in(client, "auditadmin")
    assert client.get(reverse("accounts:audit")).status_code == 200


def test_a_password_alone_cannot_change_an_administrators_password(admins: dict[str, User]) -> None:
    """Security issue, hole 11: the password page waits for the second factor (someone holding only the
    stolen password would otherwise lock the administrator out)."""
    TOTPDevice.objects.create(user=admins["sysadmin"], name="phone", confirmed=True)
    client = Client()
    sign_in(client, "sysadmin")
    page = reverse("accounts:password_change")
    assert _redirects_to(client.get(page), "accounts:otp_verify")
    response = client.post(
        page, {"old_password": "Sanfu@2026x", "new_password1": "Taken-Over-2026", "new_password2": "Taken-Over-2026"}
    )
    assert _redirects_to(response, "accounts:otp_verify")
    admins["sysadmin"].refresh_from_db()
    assert not admins["sysadmin"].check_password("Taken-Over-2026")


def test_a_temporary_password_is_still_changed_before_enrolment(admins: dict[str, User]) -> None:
    User.objects.filter(pk=admins["secadmin"].pk).update(must_change_password=True)
    client = Client()
    sign_in(client, "secadmin")
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert _redirects_to(client.get(HOME), "accounts:password_change")
