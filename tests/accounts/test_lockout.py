"""Lockout after repeated sign-in failures (django-axes): by username, by username + address, with a
cool-off, reset on success, a Chinese 429 page, and failures counted exactly under concurrency."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from sanfu.core.models import AuditRecord
from tests.accounts.conftest import run_in_threads, sign_in
from tests.conftest import PASSWORD, make_user

WRONG = "wrong-Password-1"


def _fail(client: Client, username: str, times: int, **extra: str) -> None:
    for _ in range(times):
        sign_in(client, username, WRONG, **extra)


def test_settings_are_explicit() -> None:
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == django_settings.AXES_COOLOFF_TIME
    assert django_settings.AXES_LOCKOUT_PARAMETERS == ["username", ["username", "ip_address"]]
    assert django_settings.AXES_RESET_ON_SUCCESS is True
    assert django_settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is False


def test_failures_below_the_limit_do_not_lock(db: None) -> None:
    make_user("zhang")
    client = Client()
    _fail(client, "zhang", django_settings.AXES_FAILURE_LIMIT - 1)
    response = sign_in(client, "zhang")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_lockout_by_username_shows_chinese_429_page(db: None) -> None:
    make_user("zhang")
    client = Client()
    _fail(client, "zhang", django_settings.AXES_FAILURE_LIMIT - 1)
    response = sign_in(client, "zhang", WRONG)
    assert response.status_code == 429
    text = response.content.decode()
    assert "登录失败次数过多，账户已临时锁定" in text
    assert "30 分钟" in text
    # Even the right password is refused while locked, from this address and from any other.
    assert sign_in(client, "zhang").status_code == 429
    assert sign_in(Client(), "zhang", REMOTE_ADDR="10.9.9.9").status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_not_by_address_alone(db: None) -> None:
    make_user("zhang")
    make_user("li")
    client = Client()
    _fail(client, "zhang", django_settings.AXES_FAILURE_LIMIT)
    # Another account signing in from the same address is not punished for zhang's failures.
    response = sign_in(client, "li")
    assert response.status_code == 302


def test_failures_spread_over_addresses_still_lock_the_username(db: None) -> None:
    make_user("zhang")
    for i in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "zhang", WRONG, REMOTE_ADDR=f"10.0.0.{i + 1}")
    assert sign_in(Client(), "zhang", REMOTE_ADDR="10.0.1.1").status_code == 429


def test_username_and_address_parameter_locks(db: None, settings: object) -> None:
    """With only the username+address parameter, the pair is locked but the username elsewhere is not."""
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # type: ignore[attr-defined]
    make_user("zhang")
    _fail(Client(), "zhang", django_settings.AXES_FAILURE_LIMIT, REMOTE_ADDR="10.0.0.1")
    assert sign_in(Client(), "zhang", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert sign_in(Client(), "zhang", REMOTE_ADDR="10.0.0.2").status_code == 302


def test_cool_off_releases_the_lock(db: None) -> None:
    make_user("zhang")
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        _fail(Client(), "zhang", django_settings.AXES_FAILURE_LIMIT)
        traveller.shift(timedelta(minutes=29))
        assert sign_in(Client(), "zhang").status_code == 429
        traveller.shift(timedelta(minutes=2))
        response = sign_in(Client(), "zhang")
        assert response.status_code == 302
        assert response["Location"] == reverse("web:home")


def test_success_resets_the_count(db: None) -> None:
    make_user("zhang")
    client = Client()
    limit = django_settings.AXES_FAILURE_LIMIT
    _fail(client, "zhang", limit - 1)
    assert sign_in(client, "zhang").status_code == 302
    assert not AccessAttempt.objects.filter(username="zhang").exists()
    other = Client()
    _fail(other, "zhang", limit - 1)
    assert sign_in(other, "zhang").status_code == 302


def test_lockout_is_audited(db: None) -> None:
    make_user("zhang")
    _fail(Client(), "zhang", django_settings.AXES_FAILURE_LIMIT)
    lockouts = AuditRecord.objects.filter(action="auth.lockout", actor_name="zhang")
    assert lockouts.count() == 1
    assert lockouts.get().outcome == "failure"
    assert (
        AuditRecord.objects.filter(action="auth.login", outcome="failure", actor_name="zhang").count()
        == django_settings.AXES_FAILURE_LIMIT
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_failures_are_all_counted(settings: object) -> None:
    settings.AXES_FAILURE_LIMIT = 100  # type: ignore[attr-defined]  # count, do not lock, in this test
    make_user("zhang")
    n = 8

    def attempt(_i: int) -> int:
        return sign_in(Client(), "zhang", WRONG).status_code

    codes = run_in_threads(n, attempt)
    assert codes == [200] * n, codes
    total = AccessAttempt.objects.filter(username="zhang").aggregate(n=Sum("failures_since_start"))["n"]
    assert total == n
    # And a single counter row holds them all (the lock decision reads this row).
    assert AccessAttempt.objects.filter(username="zhang").count() == 1
    assert AccessAttempt.objects.get(username="zhang").failures_since_start == n


@pytest.mark.django_db(transaction=True)
def test_parallel_failures_lock_at_the_limit() -> None:
    make_user("zhang")
    limit = django_settings.AXES_FAILURE_LIMIT

    def attempt(_i: int) -> int:
        return sign_in(Client(), "zhang", WRONG).status_code

    run_in_threads(limit, attempt)
    assert sign_in(Client(), "zhang", PASSWORD).status_code == 429


# --- the per-address throttle and administrators (security issue, hole 11) ---------------------------


def test_password_spraying_from_one_address_is_throttled(db: None, settings: object) -> None:
    """One guess at each of many usernames never locks a username; the address is refused instead."""
    settings.SANFU_LOCKOUT_ADDRESS_FAILURES = 8  # type: ignore[attr-defined]
    for i in range(8):
        make_user(f"user{i}")
        assert sign_in(Client(), f"user{i}", WRONG, REMOTE_ADDR="10.6.6.6").status_code == 200
    make_user("victim")
    assert sign_in(Client(), "victim", REMOTE_ADDR="10.6.6.6").status_code == 429  # even the right password
    # The same people from another address are not affected: nobody's account was locked.
    assert sign_in(Client(), "victim", REMOTE_ADDR="10.7.7.7").status_code == 302
    assert sign_in(Client(), "user3", REMOTE_ADDR="10.7.7.7").status_code == 302


def test_an_administrator_cannot_be_locked_out_from_another_address(admins: dict[str, object]) -> None:
    """An account with a second factor is locked per username + address, not by its username alone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=admins["secadmin"], name="phone", confirmed=True)
    make_user("plain")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "secadmin", WRONG, REMOTE_ADDR="10.6.6.6")
        sign_in(Client(), "plain", WRONG, REMOTE_ADDR="10.6.6.6")
    assert sign_in(Client(), "secadmin", REMOTE_ADDR="10.6.6.6").status_code == 429  # the attacker's address
    assert sign_in(Client(), "secadmin", REMOTE_ADDR="10.1.1.1").status_code == 302  # the administrator's own
    assert sign_in(Client(), "plain", REMOTE_ADDR="10.1.1.1").status_code == 429  # an ordinary username stays locked
