"""Dormant accounts (ID-5): disabled after ``SANFU_DORMANT_DAYS`` without a sign-in, one audit record each,
by the daily worker task and by ``sanfu accounts dormant``; administrators (三员) kept and reported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sanfu.accounts import services
from sanfu.accounts.dormancy import dormant_accounts_disable
from sanfu.accounts.models import User
from sanfu.accounts.tasks import disable_dormant_accounts
from sanfu.core.models import AuditRecord
from tests.accounts.conftest import sign_in
from tests.conftest import make_user

DAYS = 90


def _ago(days: int) -> Any:
    return time_machine.travel(timezone.now() - timedelta(days=days), tick=False)


def _active(username: str) -> bool:
    return User.objects.get(username=username).is_active


def _signed_in_days_ago(username: str, days: int) -> User:
    """An account created long ago that last signed in (through the real form) ``days`` ago."""
    with _ago(400):
        user = make_user(username)
    with _ago(days):
        assert sign_in(Client(), username).status_code == 302
    return user


def test_an_account_without_a_sign_in_for_the_period_is_disabled_and_audited(db: None) -> None:
    user = _signed_in_days_ago("dormant", DAYS + 1)
    _signed_in_days_ago("recent", DAYS - 1)
    report = dormant_accounts_disable(by="test")
    assert [a.username for a in report.disabled] == ["dormant"]
    assert not _active("dormant")
    assert _active("recent")
    record = AuditRecord.objects.get(action="account.disable")
    assert (record.actor_name, record.target, record.outcome) == ("test", f"user:{user.pk}", "success")
    assert record.detail["reason"] == "dormant"
    assert record.detail["username"] == "dormant"
    assert record.detail["dormant_days"] == DAYS
    # The disabled account can no longer sign in.
    assert sign_in(Client(), "dormant").status_code == 200


def test_an_account_that_never_signed_in_counts_from_its_creation(db: None) -> None:
    with _ago(DAYS + 1):
        make_user("never")
    with _ago(DAYS - 1):
        make_user("newish")
    dormant_accounts_disable(by="test")
    assert not _active("never")
    assert _active("newish")


def test_administrators_are_kept_and_reported(admins: dict[str, User]) -> None:
    long_ago = timezone.now() - timedelta(days=DAYS + 30)
    User.objects.update(date_joined=long_ago, last_login=long_ago)
    report = dormant_accounts_disable(by="test")
    assert sorted(a.username for a in report.administrators) == ["auditadmin", "secadmin", "sysadmin"]
    assert [a.username for a in report.disabled] == ["outsider"]
    assert all(_active(name) for name in ("sysadmin", "secadmin", "auditadmin"))
    reported = AuditRecord.objects.filter(action="account.dormant")
    assert sorted(r.detail["username"] for r in reported) == ["auditadmin", "secadmin", "sysadmin"]
    assert all(r.detail["kept"] is True for r in reported)
    assert AuditRecord.objects.filter(action="account.disable").count() == 1


def test_re_enabling_restarts_the_clock(admins: dict[str, User]) -> None:
    _signed_in_days_ago("back", DAYS + 10)
    dormant_accounts_disable(by="test")
    assert not _active("back")
    services.account_set_active(actor=admins["sysadmin"], user=User.objects.get(username="back"), active=True)
    dormant_accounts_disable(by="test")  # the next daily run
    assert _active("back")
    # ... until the re-enabled account again goes unused for the whole period.
    dormant_accounts_disable(by="test", now=timezone.now() + timedelta(days=DAYS + 1))
    assert not _active("back")


def test_the_period_is_configurable_and_zero_turns_it_off(db: None, settings: Any) -> None:
    _signed_in_days_ago("a", 40)
    settings.SANFU_DORMANT_DAYS = 0
    assert dormant_accounts_disable(by="test").disabled == []
    assert _active("a")
    settings.SANFU_DORMANT_DAYS = 30
    dormant_accounts_disable(by="test")
    assert not _active("a")


def test_a_dry_run_changes_nothing(db: None) -> None:
    _signed_in_days_ago("dormant", DAYS + 1)
    report = dormant_accounts_disable(by="test", dry_run=True)
    assert [a.username for a in report.disabled] == ["dormant"]
    assert _active("dormant")
    assert not AuditRecord.objects.filter(action__startswith="account.").exists()


def test_already_disabled_accounts_are_left_alone(db: None) -> None:
    with _ago(DAYS + 5):
        make_user("gone", is_active=False)
    assert dormant_accounts_disable(by="test").disabled == []
    assert not AuditRecord.objects.filter(action="account.disable").exists()


def test_the_worker_runs_it_daily(db: None) -> None:
    _signed_in_days_ago("dormant", DAYS + 1)
    assert disable_dormant_accounts.call_local() == 1
    assert not _active("dormant")
    assert AuditRecord.objects.get(action="account.disable").actor_name == "sanfu worker"
    assert disable_dormant_accounts.call_local() == 0  # nothing left to do


def test_the_command_disables_and_lists(admins: dict[str, User], capsys: pytest.CaptureFixture[str]) -> None:
    _signed_in_days_ago("dormant", DAYS + 1)
    User.objects.filter(username="auditadmin").update(date_joined=timezone.now() - timedelta(days=DAYS + 1))
    call_command("accounts", "dormant", "--dry-run")
    out = capsys.readouterr().out
    assert "1 account(s) dormant for 90 days would be disabled" in out
    assert "dormant\t" in out
    assert "auditadmin\t" in out  # the dormant administrator, kept
    assert _active("dormant")
    call_command("accounts", "dormant")
    assert "1 account(s) dormant for 90 days disabled" in capsys.readouterr().out
    assert not _active("dormant")
    assert _active("auditadmin")
    assert AuditRecord.objects.get(action="account.disable").actor_name == "sanfu accounts dormant"
