"""The security checklist, identification and authentication (ID-1 … ID-5), one test per item or part of an
item, each through the public surface: the sign-in form and the pages, the services, the commands, the
settings as a production process reads them. tests/accounts holds the detailed tests of the same rules."""

from __future__ import annotations

import functools
import json
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db.models import Sum
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts import services
from sanfu.accounts.checks import DEMO_PASSWORD
from sanfu.accounts.models import Role, User
from sanfu.config import settings as production_settings
from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord
from tests.accounts.conftest import run_in_threads, sign_in
from tests.conftest import PASSWORD, grant, make_department, make_staff, make_unit, make_user

WRONG = "wrong-Password-1"
HOME = "/"
START = "2026-03-02 09:00 +0800"

# What a production process reads when the environment says nothing but its keys (a fresh interpreter
# with the production settings module), and how it judges two weak passwords.
_SNIPPET = """
import json, django
django.setup()
from django.conf import settings as s
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

def refusals(password):
    try:
        password_validation.validate_password(password)
    except ValidationError as exc:
        return sorted(e.code for e in exc.error_list)
    return []

print(json.dumps({
    "complexity": s.SANFU_PASSWORD_COMPLEXITY,
    "min_length": s.SANFU_PASSWORD_MIN_LENGTH,
    "max_age_days": s.SANFU_PASSWORD_MAX_AGE_DAYS,
    "history": s.SANFU_PASSWORD_HISTORY,
    "all_lower": refusals("qingshanluoshuiyuan"),
    "short": refusals("Ab1#xyz"),
    "lockout_failures": s.AXES_FAILURE_LIMIT,
    "lockout_cooloff_minutes": s.AXES_COOLOFF_TIME.total_seconds() / 60,
    "lockout_parameters": s.AXES_LOCKOUT_PARAMETERS,
    "address_failures": s.SANFU_LOCKOUT_ADDRESS_FAILURES,
    "idle_minutes": s.SANFU_SESSION_IDLE_MINUTES,
    "absolute_hours": s.SANFU_SESSION_ABSOLUTE_HOURS,
    "browser_close": s.SESSION_EXPIRE_AT_BROWSER_CLOSE,
    "session_engine": s.SESSION_ENGINE,
    "admin_otp": s.SANFU_ADMIN_REQUIRE_OTP,
    "hash": make_password("Qing-Shan-2026#a")[:16],
    "dormant_days": s.SANFU_DORMANT_DAYS,
    "demo": s.SANFU_DEMO,
}))
"""


@functools.cache
def _production(**environment: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        os.mkdir(os.path.join(home, "var"))
        environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
            "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
            "SANFU_SECRET_KEY": secrets.token_urlsafe(50),
            "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
            "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
            "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
            "SANFU_HOME": home,
            **environment,
        }
        result = subprocess.run(  # noqa: S603  # our own interpreter running a fixed snippet
            [sys.executable, "-c", _SNIPPET], env=environ, capture_output=True, text=True, timeout=120, check=False
        )
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _redirects_to(response: Any, name: str) -> bool:
    return response.status_code == 302 and response["Location"].split("?")[0] == reverse(name)


# --- ID-1: password policy, configurable, the 等保 profile on by default ----------------------------------


def test_ID_1_password_policy_dengbao_profile_is_on_by_default() -> None:
    defaults = _production()
    assert defaults["complexity"] is True
    assert defaults["min_length"] == 10
    assert defaults["max_age_days"] == 90
    assert defaults["history"] == 5
    assert defaults["all_lower"] == ["password_too_simple"]
    assert defaults["short"] == ["password_too_short"]


def test_ID_1_password_policy_is_configurable_from_the_environment() -> None:
    relaxed = _production(
        SANFU_PASSWORD_COMPLEXITY="0",
        SANFU_PASSWORD_MIN_LENGTH="20",
        SANFU_PASSWORD_MAX_AGE_DAYS="0",
        SANFU_PASSWORD_HISTORY="0",
    )
    assert (relaxed["complexity"], relaxed["min_length"], relaxed["max_age_days"], relaxed["history"]) == (
        False,
        20,
        0,
        0,
    )
    assert relaxed["all_lower"] == ["password_too_short"]  # 19 characters: no complexity rule, a longer minimum


def test_ID_1_the_policy_applies_to_password_changes_and_periodic_change(db: None, settings: Any) -> None:
    user = make_user("zhang", password_changed_at=timezone.now() - timedelta(days=91))
    client = Client()
    sign_in(client, "zhang")
    assert _redirects_to(client.get(HOME), "accounts:password_change")  # expired after 90 days
    with pytest.raises(ApplicationError, match="三类"):
        services.password_change(user=user, old_password=PASSWORD, new_password="qingshanluoshuiyuan")
    with pytest.raises(ApplicationError, match="最近 5 次"):
        services.password_change(user=user, old_password=PASSWORD, new_password=PASSWORD)
    settings.SANFU_PASSWORD_COMPLEXITY = False
    services.password_change(user=user, old_password=PASSWORD, new_password="qingshanluoshuiyuan")
    user.refresh_from_db()
    assert user.check_password("qingshanluoshuiyuan")


# --- ID-2: lockout by username and by address, with a cool-off; parallel failures all counted ----------------


def test_ID_2_lockout_by_username_with_a_cool_off(db: None) -> None:
    assert _production()["lockout_parameters"] == ["username", ["username", "ip_address"]]
    assert (_production()["lockout_failures"], _production()["lockout_cooloff_minutes"]) == (5, 30)
    make_user("zhang")
    with time_machine.travel(START, tick=False) as traveller:
        for i in range(django_settings.AXES_FAILURE_LIMIT):  # from as many addresses as failures
            sign_in(Client(), "zhang", WRONG, REMOTE_ADDR=f"10.0.0.{i + 1}")
        assert sign_in(Client(), "zhang", REMOTE_ADDR="10.0.9.9").status_code == 429  # the right password
        traveller.shift(timedelta(minutes=29))
        assert sign_in(Client(), "zhang", REMOTE_ADDR="10.0.9.9").status_code == 429
        traveller.shift(timedelta(minutes=2))
        assert sign_in(Client(), "zhang", REMOTE_ADDR="10.0.9.9").status_code == 302
    # The lock, and each attempt refused while it held, are in the audit trail.
    assert AuditRecord.objects.filter(action="auth.lockout", actor_name="zhang").count() == 3


def test_ID_2_lockout_by_address_against_password_spraying(db: None, settings: Any) -> None:
    assert _production()["address_failures"] == 50
    settings.SANFU_LOCKOUT_ADDRESS_FAILURES = 6
    for i in range(6):  # one guess at each of six accounts: no username reaches its limit
        make_user(f"user{i}")
        assert sign_in(Client(), f"user{i}", WRONG, REMOTE_ADDR="10.6.6.6").status_code == 200
    assert sign_in(Client(), "user0", REMOTE_ADDR="10.6.6.6").status_code == 429  # the address is refused
    assert sign_in(Client(), "user0", REMOTE_ADDR="10.7.7.7").status_code == 302  # the account is not
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):  # the cool-off
        assert sign_in(Client(), "user1", REMOTE_ADDR="10.6.6.6").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_ID_2_lockout_by_username_and_address_parallel_failures_all_counted(settings: Any) -> None:
    """Threads hitting the sign-in at once: every failure counts, for the username and for the address."""
    n = 6
    settings.AXES_FAILURE_LIMIT = n
    settings.SANFU_LOCKOUT_ADDRESS_FAILURES = 2 * n
    make_user("zhang")
    codes = run_in_threads(n, lambda _i: sign_in(Client(), "zhang", WRONG, REMOTE_ADDR="10.1.1.1").status_code)
    assert not [c for c in codes if isinstance(c, Exception)], codes
    attempts = AccessAttempt.objects.filter(username="zhang")
    assert attempts.aggregate(n=Sum("failures_since_start"))["n"] == n
    assert AuditRecord.objects.filter(action="auth.login", outcome="failure", actor_name="zhang").count() == n
    assert sign_in(Client(), "zhang", REMOTE_ADDR="10.2.2.2").status_code == 429  # locked at exactly n
    # n more, at n different usernames from one address, at once: the address has now seen 2n failures.
    for i in range(n):
        make_user(f"other{i}")
    codes = run_in_threads(n, lambda i: sign_in(Client(), f"other{i}", WRONG, REMOTE_ADDR="10.1.1.1").status_code)
    assert not [c for c in codes if isinstance(c, Exception)], codes
    total = AccessAttempt.objects.filter(ip_address="10.1.1.1").aggregate(n=Sum("failures_since_start"))["n"]
    assert total == 2 * n
    assert sign_in(Client(), "other0", REMOTE_ADDR="10.1.1.1").status_code == 429
    assert sign_in(Client(), "other0", REMOTE_ADDR="10.3.3.3").status_code == 302


# --- ID-3: idle and absolute timeouts, sessions removed on the server --------------------------------------


def _session_key(client: Client) -> str:
    return str(client.cookies[django_settings.SESSION_COOKIE_NAME].value)


def _replayed(key: str) -> Any:
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key
    return replay.get(HOME)


def test_ID_3_idle_timeout_removes_the_session_on_the_server(db: None) -> None:
    defaults = _production()
    assert (defaults["idle_minutes"], defaults["absolute_hours"], defaults["browser_close"]) == (30, 12, True)
    assert defaults["session_engine"] == "django.contrib.sessions.backends.db"  # server-side sessions
    make_user("zhang")
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        sign_in(client, "zhang")
        key = _session_key(client)
        assert client.get(HOME).status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert _redirects_to(client.get(HOME), "accounts:login")
        assert not Session.objects.filter(session_key=key).exists()
        assert _redirects_to(_replayed(key), "accounts:login")


def test_ID_3_absolute_timeout_removes_an_active_session_on_the_server(db: None) -> None:
    make_user("zhang")
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        sign_in(client, "zhang")
        key = _session_key(client)
        assert client.get(HOME).status_code == 200  # the session's clock starts at its first page
        for _ in range(12 * 60 // 29):  # busy all day: a request every 29 minutes
            traveller.shift(timedelta(minutes=29))
            assert client.get(HOME).status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert _redirects_to(client.get(HOME), "accounts:login")
        assert not Session.objects.filter(session_key=key).exists()
    assert AuditRecord.objects.get(action="session.expire").detail == {"reason": "absolute"}


def test_ID_3_signing_out_removes_the_session_on_the_server(db: None) -> None:
    make_user("zhang")
    client = Client()
    sign_in(client, "zhang")
    key = _session_key(client)
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert _redirects_to(_replayed(key), "accounts:login")


# --- ID-4: TOTP for the administrators and the process administrators; each code used once ------------------


@pytest.fixture
def process_admin(admins: dict[str, User]) -> User:
    unit = make_unit("u1", name="示例公司")
    user = make_staff(make_department(unit, "办公室"), username="flowadmin")
    grant(user, Role.objects.get(code="process-admin"), unit)
    return user


def test_ID_4_administrators_and_process_administrators_sign_in_with_totp(
    admins: dict[str, User], process_admin: User
) -> None:
    assert _production()["admin_otp"] is True
    with time_machine.travel(START, tick=False) as traveller:
        for username in ("sysadmin", "secadmin", "auditadmin", "flowadmin"):
            user = User.objects.get(username=username)
            client = Client()
            assert sign_in(client, username).status_code == 302
            assert _redirects_to(client.get(HOME), "accounts:otp_setup"), username  # no authenticator yet
            device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
            assert _redirects_to(client.get(HOME), "accounts:otp_verify"), username
            assert client.post(reverse("accounts:otp_verify"), {"token": _code(device)}).status_code == 302
            assert client.get(HOME).status_code == 200, username
            traveller.shift(timedelta(minutes=1))
    # A business user is not asked.
    client = Client()
    sign_in(client, "outsider")
    assert client.get(HOME).status_code == 200


def test_ID_4_a_totp_code_is_accepted_once(admins: dict[str, User]) -> None:
    device = TOTPDevice.objects.create(user=admins["secadmin"], name="手机", confirmed=True)
    with time_machine.travel(START, tick=False):
        code = _code(device)
        first, second = Client(), Client()
        sign_in(first, "secadmin")
        sign_in(second, "secadmin")
        assert first.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
        replay = second.post(reverse("accounts:otp_verify"), {"token": code})  # the same code, still current
        assert replay.status_code == 200
        assert "口令不正确" in replay.content.decode()
        assert _redirects_to(second.get(HOME), "accounts:otp_verify")
    outcomes = list(AuditRecord.objects.filter(action="otp.verify").values_list("outcome", flat=True))
    assert outcomes == ["success", "failure"]


# --- ID-5: Argon2id, no default accounts in production, dormant accounts disabled ----------------------------


def test_ID_5_passwords_are_stored_with_argon2id(admins: dict[str, User]) -> None:
    assert _production()["hash"].startswith("argon2$argon2id$")
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        user, raw = services.account_create(actor=admins["sysadmin"], username="newcomer", full_name="新同事")
        assert user.password.startswith("argon2$argon2id$")
        # An older hash (PBKDF2) is replaced by Argon2id at the next sign-in.
        legacy = make_user("legacy")
        User.objects.filter(pk=legacy.pk).update(password=PBKDF2PasswordHasher().encode(PASSWORD, "salt1234salt"))
        assert sign_in(Client(), "legacy").status_code == 302
        legacy.refresh_from_db()
        assert legacy.password.startswith("argon2$argon2id$")
    assert raw not in user.password


def test_ID_5_the_demo_password_is_the_one_the_check_looks_for() -> None:
    from sanfu.demo.org import DEMO_PASSWORD as SEEDED

    assert SEEDED == DEMO_PASSWORD
    assert _production()["demo"] is False


def test_ID_5_no_default_accounts_in_production(db: None, settings: Any) -> None:
    from sanfu.demo.org import seed_demo

    call_command("check", deploy=True, fail_level="ERROR")  # an organisation's own accounts: fine
    seed_demo()
    with pytest.raises(SystemCheckError, match=r"sanfu\.E001") as refused:
        call_command("check", deploy=True, fail_level="ERROR")
    for username in ("sysadmin", "secadmin", "auditadmin", "flowadmin"):
        assert username in str(refused.value)
    settings.SANFU_DEMO = True  # make run's demonstration server
    call_command("check", deploy=True, fail_level="ERROR")
    settings.SANFU_DEMO = False
    # Disabling the seeded accounts (or changing their passwords) clears it.
    User.objects.filter(username__in=["sysadmin", "secadmin", "auditadmin"]).update(is_active=False)
    still = User.objects.filter(is_active=True)
    assert still.exists()
    for user in still:
        user.set_password(secrets.token_urlsafe(12))
        user.save(update_fields=["password"])
    call_command("check", deploy=True, fail_level="ERROR")


def test_ID_5_dormant_accounts_are_disabled_after_the_configured_period(admins: dict[str, User]) -> None:
    assert _production()["dormant_days"] == 90
    long_ago = timezone.now() - timedelta(days=91)
    User.objects.filter(username__in=["outsider", "auditadmin"]).update(date_joined=long_ago, last_login=long_ago)
    call_command("accounts", "dormant")
    assert sign_in(Client(), "outsider").status_code == 200  # disabled: the sign-in is refused
    assert not User.objects.get(username="outsider").is_active
    assert User.objects.get(username="auditadmin").is_active  # 三员 stay, reported
    assert AuditRecord.objects.filter(action="account.disable", detail__reason="dormant").count() == 1
    assert AuditRecord.objects.filter(action="account.dormant", detail__username="auditadmin").count() == 1
