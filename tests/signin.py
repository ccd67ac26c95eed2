"""Signing in through the real pages in a browser test, the second factor included: the three administrators
and process administrators (流程管理员) pass TOTP at every sign-in (ID-4)."""

from __future__ import annotations

import re
from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.models import User


def totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in_with_second_factor(page: Any, base: str, username: str, password: str) -> None:
    """Sign ``username`` in on ``page`` with ``password`` and the code of an authenticator enrolled for him
    here, and wait for the home page. Each sign-in enrols a device of its own: a code is accepted once
    (ID-4), and two sign-ins within one 30-second step would otherwise offer the same code."""
    user = User.objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button.btn-danger")
    page.wait_for_url(re.compile(r".*/accounts/otp/verify/.*"))
    page.fill("#id_token", totp_code(device))
    page.click("button.btn-danger")
    page.wait_for_url(f"{base}/")
