"""The security checklist, audit (AU-1 … AU-5) and supply chain (SC-1), one test per item or part of an
item, through the public surface. tests/core/test_audit*.py hold the detailed tests of the chain, the anchor
and the purge."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts import services
from sanfu.accounts.dormancy import dormant_accounts_disable
from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.core.audit import audit_anchor, audit_purge, audit_record, audit_verify
from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord
from tests.accounts.conftest import sign_in
from tests.archive.test_archive import _archive, _paths
from tests.conftest import PASSWORD, make_department, make_staff, make_unit, make_user

ROOT = Path(__file__).resolve().parents[2]
WRONG = "wrong-Password-1"
START = "2026-03-02 09:00 +0800"
TABLE = AuditRecord._meta.db_table


@pytest.fixture(autouse=True)
def _anchors(settings: Any, tmp_path: Path) -> None:
    settings.SANFU_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _as_superuser(sql: str, params: list[Any]) -> None:
    """Someone with the database's superuser, writing around the ORM and the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


# --- AU-1: every security event is audited -------------------------------------------------------------------
#
# Each case does one thing through the pages or the services and names the record it must leave:
# (action, outcome, who acted — a username, or the name a system job writes under).


def _signed_in(username: str) -> Client:
    client = Client()
    assert sign_in(client, username).status_code == 302
    return client


def _sign_in_ok(w: dict[str, Any]) -> None:
    _signed_in("zhang")


def _sign_in_failure(w: dict[str, Any]) -> None:
    sign_in(Client(), "zhang", WRONG)


def _sign_out(w: dict[str, Any]) -> None:
    _signed_in("zhang").post(reverse("accounts:logout"))


def _lockout(w: dict[str, Any]) -> None:
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "zhang", WRONG)


def _session_expiry(w: dict[str, Any]) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in("zhang")
        client.get("/")
        traveller.shift(timedelta(minutes=django_settings.SANFU_SESSION_IDLE_MINUTES + 1))
        client.get("/")


def _otp_enrol(w: dict[str, Any]) -> None:
    client = _signed_in("secadmin")
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=w["secadmin"], confirmed=False)
    client.post(reverse("accounts:otp_setup"), {"token": _code(device)})


def _otp_verify(token: Callable[[TOTPDevice], str]) -> Callable[[dict[str, Any]], None]:
    def run(w: dict[str, Any]) -> None:
        device = TOTPDevice.objects.create(user=w["sysadmin"], name="手机", confirmed=True)
        _signed_in("sysadmin").post(reverse("accounts:otp_verify"), {"token": token(device)})

    return run


def _wrong_code(device: TOTPDevice) -> str:
    return "000000" if _code(device) != "000000" else "111111"


def _role_grant(w: dict[str, Any]) -> None:
    services.role_grant(actor=w["secadmin"], user=w["zhang"], role=Role.objects.get(code="clerk"))


def _role_revoke(w: dict[str, Any]) -> None:
    _role_grant(w)
    services.role_revoke(actor=w["secadmin"], grant=RoleGrant.objects.get(user=w["zhang"]))


def _account_create(w: dict[str, Any]) -> None:
    services.account_create(actor=w["sysadmin"], username="newcomer", full_name="新同事")


def _account_disable(w: dict[str, Any]) -> None:
    services.account_set_active(actor=w["sysadmin"], user=w["zhang"], active=False)


def _account_enable(w: dict[str, Any]) -> None:
    _account_disable(w)
    services.account_set_active(actor=w["sysadmin"], user=w["zhang"], active=True)


def _account_reset(w: dict[str, Any]) -> None:
    services.account_reset_password(actor=w["sysadmin"], user=w["zhang"])


def _password_change(w: dict[str, Any]) -> None:
    new = "Qing-Shan-2026#a"
    _signed_in("zhang").post(
        reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password": new, "confirm_password": new}
    )


def _dormant_disable(w: dict[str, Any]) -> None:
    User.objects.filter(pk=w["zhang"].pk).update(date_joined=timezone.now() - timedelta(days=400))
    dormant_accounts_disable(by="sanfu worker")


def _denied_separation_of_duties(w: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError):
        services.account_set_active(actor=w["sysadmin"], user=w["secadmin"], active=False)


def _denied_admin_password(w: dict[str, Any]) -> None:
    client = w["login"](w["sysadmin"])
    # UserAdmin names its set-password page after auth.User whatever the user model; ours lives under accounts.
    page = reverse("admin:auth_user_password_change", args=[w["zhang"].pk]).replace("auth/user", "accounts/user")
    assert client.get(page).status_code == 403


def _denied_hidden_record(w: dict[str, Any]) -> None:
    org = w["request"].getfixturevalue("org")
    record = _archive(org, confidentiality="secret", owner_id=org["clerk"].pk)
    stranger = make_staff(make_department(make_unit("other", name="另一家公司"), "综合部"), username="stranger")
    assert w["login"](stranger).get(_paths(record)[0]).status_code == 404


def _classified_read(w: dict[str, Any]) -> None:
    org = w["request"].getfixturevalue("org")
    record = _archive(org, confidentiality="secret", owner_id=org["clerk"].pk)
    assert w["login"](org["clerk"]).get(_paths(record)[0]).status_code == 200


def _admin_change(w: dict[str, Any]) -> None:
    w["login"](w["sysadmin"]).post(
        reverse("admin:accounts_user_change", args=[w["zhang"].pk]),
        {"username": "zhang", "full_name": "改名", "email": "", "is_active": "on"},
    )


def _audit_purge(w: dict[str, Any]) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        audit_record(action="test.old", actor_name="long ago")
        audit_record(action="test.old", actor_name="long ago")
    audit_purge(before=timezone.now() - timedelta(days=200), by="sanfu audit purge")


EVENTS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str, str]] = {
    "sign-in": (_sign_in_ok, "auth.login", "success", "zhang"),
    "sign-in failure": (_sign_in_failure, "auth.login", "failure", "zhang"),
    "sign-out": (_sign_out, "auth.logout", "success", "zhang"),
    "lockout": (_lockout, "auth.lockout", "failure", "zhang"),
    "session expiry": (_session_expiry, "session.expire", "success", "zhang"),
    "OTP enrolment": (_otp_enrol, "otp.enrol", "success", "secadmin"),
    "OTP accepted": (_otp_verify(_code), "otp.verify", "success", "sysadmin"),
    "OTP refused": (_otp_verify(_wrong_code), "otp.verify", "failure", "sysadmin"),
    "role grant": (_role_grant, "role.grant", "success", "secadmin"),
    "role revoke": (_role_revoke, "role.revoke", "success", "secadmin"),
    "account create": (_account_create, "account.create", "success", "sysadmin"),
    "account disable": (_account_disable, "account.disable", "success", "sysadmin"),
    "account enable": (_account_enable, "account.enable", "success", "sysadmin"),
    "password reset": (_account_reset, "account.reset_password", "success", "sysadmin"),
    "password change": (_password_change, "password.change", "success", "zhang"),
    "dormant account disabled": (_dormant_disable, "account.disable", "success", "sanfu worker"),
    "denial: separation of duties": (_denied_separation_of_duties, "account.disable", "denied", "sysadmin"),
    "denial: password set in Django admin": (_denied_admin_password, "account.set_password", "denied", "sysadmin"),
    "denial: hidden record": (_denied_hidden_record, "access.denied", "denied", "stranger"),
    "read of a 秘密 record": (_classified_read, "classified.read", "success", "clerk"),
    "Django admin change": (_admin_change, "admin.change", "success", "sysadmin"),
    "audit purge": (_audit_purge, "audit.purge", "success", "sanfu audit purge"),
}


@pytest.mark.parametrize("event", list(EVENTS))
def test_AU_1_every_security_event_is_audited(
    event: str, admins: dict[str, User], login: Callable[[User], Client], request: pytest.FixtureRequest
) -> None:
    do, action, outcome, actor = EVENTS[event]
    world = {**admins, "zhang": make_user("zhang"), "login": login, "request": request}
    before = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    do(world)
    records = AuditRecord.objects.filter(seq__gt=before, action=action, outcome=outcome)
    assert records.exists(), list(AuditRecord.objects.filter(seq__gt=before).values_list("action", "outcome"))
    assert actor in {r.actor_name for r in records}
    assert audit_verify().ok


# --- AU-2: who, what, when, where, outcome; the client's address behind a proxy ---------------------------------


def test_AU_2_each_record_says_who_what_when_where_and_outcome(admins: dict[str, User]) -> None:
    target = make_user("zhang")
    with time_machine.travel(START, tick=False):
        client = Client()
        sign_in(client, "sysadmin", REMOTE_ADDR="10.4.4.4")
        device = TOTPDevice.objects.create(user=admins["sysadmin"], name="手机", confirmed=True)
        client.post(reverse("accounts:otp_verify"), {"token": _code(device)}, REMOTE_ADDR="10.4.4.4")
        client.post(reverse("accounts:account_toggle", args=[target.pk]), REMOTE_ADDR="10.4.4.4")
    record = AuditRecord.objects.get(action="account.disable")
    assert (record.actor_id, record.actor_name) == (admins["sysadmin"].pk, "sysadmin")  # who
    assert (record.action, record.target) == ("account.disable", f"user:{target.pk}")  # what, on what
    assert record.at == datetime.fromisoformat("2026-03-02T09:00:00+08:00")  # when
    assert record.ip_address == "10.4.4.4"  # where
    assert record.outcome == "success"  # outcome
    failure = Client()
    sign_in(failure, "zhang", WRONG, REMOTE_ADDR="10.5.5.5")
    refused = AuditRecord.objects.get(action="auth.login", outcome="failure")
    assert (refused.actor_id, refused.actor_name, refused.ip_address) == (None, "zhang", "10.5.5.5")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "192.0.2.10"),  # no proxy configured: the header is the client's own word, ignored
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # one proxy: the entry it appended
        (2, "6.6.6.6, 203.0.113.7, 198.51.100.2", "203.0.113.7"),  # two: the first proxy's entry
        (2, "203.0.113.7", "192.0.2.10"),  # a header too short for the proxies: the connection's address
    ],
)
def test_AU_2_the_client_address_is_taken_correctly_behind_a_proxy(
    db: None, settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.SANFU_PROXY_COUNT = proxies
    make_user("zhang")
    sign_in(Client(), "zhang", WRONG, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=forwarded)
    assert AuditRecord.objects.get(action="auth.login", outcome="failure").ip_address == expected
    # The lockout counts the same address the trail names.
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [expected]


# --- AU-3: append-only and chained -------------------------------------------------------------------------------


def _chain(n: int) -> list[AuditRecord]:
    return [audit_record(action="test.event", actor_name=f"u{i}", detail={"i": i}) for i in range(n)]


def test_AU_3_the_orm_refuses_to_change_or_remove_records(db: None) -> None:
    record = _chain(2)[0]
    record.actor_name = "someone else"
    for attempt in (
        record.save,
        record.delete,
        lambda: AuditRecord.objects.filter(seq=1).update(actor_name="x"),
        lambda: AuditRecord.objects.filter(seq=1).delete(),
    ):
        with pytest.raises(RuntimeError, match="append-only"):
            attempt()
    assert list(AuditRecord.objects.values_list("actor_name", flat=True)) == ["u0", "u1"]


@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET actor_name = 'x' WHERE seq = 1", "DELETE FROM {t} WHERE seq = 1"]
)
def test_AU_3_the_database_refuses_changes_around_the_orm_or_the_chain_names_them(db: None, statement: str) -> None:
    """PostgreSQL's trigger refuses UPDATE and DELETE from any client; SQLite has no such guard, so there the
    same statement goes through and verification names the record."""
    _chain(3)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(t=TABLE))
        assert audit_verify().ok
    else:
        with connection.cursor() as cursor:
            cursor.execute(statement.format(t=TABLE))
        result = audit_verify()
        assert (result.ok, result.first_broken_seq) == (False, 1)


def test_AU_3_verify_detects_change_removal_and_truncation(db: None) -> None:
    _chain(5)
    _as_superuser(f"UPDATE {TABLE} SET detail = %s WHERE seq = 2", [json.dumps({"i": 9})])  # noqa: S608
    assert (audit_verify().ok, audit_verify().first_broken_seq) == (False, 2)  # changed
    _as_superuser(f"UPDATE {TABLE} SET detail = %s WHERE seq = 2", [json.dumps({"i": 1})])  # noqa: S608
    assert audit_verify().ok
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq = 3", [])  # noqa: S608
    assert (audit_verify().ok, audit_verify().first_broken_seq) == (False, 3)  # removed


def test_AU_3_verify_detects_truncation_of_the_newest_records_through_the_anchor(db: None) -> None:
    _chain(5)
    audit_anchor()
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq >= 4", [])  # noqa: S608
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert "锚定" in result.reason


# --- AU-4: kept at least 180 days; purged only beyond, the chain still verifiable ---------------------------------


def test_AU_4_records_are_kept_at_least_the_retention_and_purged_only_beyond(db: None, settings: Any) -> None:
    assert settings.SANFU_AUDIT_RETENTION_DAYS >= 180
    with time_machine.travel(timezone.now() - timedelta(days=190), tick=False):
        _chain(3)
    _chain(2)
    with pytest.raises(ApplicationError, match="至少保留 180 天"):
        audit_purge(before=timezone.now() - timedelta(days=179), by="test")
    result = audit_purge(before=timezone.now() - timedelta(days=185), by="test")
    assert (result.removed, result.first_seq, result.last_seq) == (3, 1, 3)
    assert list(AuditRecord.objects.values_list("seq", flat=True)) == [4, 5, 6]
    assert audit_verify().ok
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq = 4", [])  # noqa: S608  # one more than the purge took
    assert not audit_verify().ok


# --- AU-5: written in the same transaction as the change; a failed write undoes the change -------------------------


def _refuse_audit_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: AuditRecord, *args: Any, **kwargs: Any) -> None:
        raise DatabaseError("the audit table cannot be written (disk full)")

    monkeypatch.setattr(AuditRecord, "save", refuse)


def _zhang() -> User:
    """A fresh copy each time: a failed attempt may leave its change on the object it was given."""
    return User.objects.get(username="zhang")


CHANGES: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[dict[str, Any]], Any]]] = {
    # what to do, and what it would have changed (read after the attempt)
    "account create": (
        lambda w: services.account_create(actor=w["sysadmin"], username="newcomer", full_name="新同事"),
        lambda w: User.objects.filter(username="newcomer").exists(),
    ),
    "account disable": (
        lambda w: services.account_set_active(actor=w["sysadmin"], user=_zhang(), active=False),
        lambda w: not User.objects.get(username="zhang").is_active,
    ),
    "password reset": (
        lambda w: services.account_reset_password(actor=w["sysadmin"], user=_zhang()),
        lambda w: not User.objects.get(username="zhang").check_password(PASSWORD),
    ),
    "role grant": (
        lambda w: services.role_grant(actor=w["secadmin"], user=w["zhang"], role=Role.objects.get(code="clerk")),
        lambda w: RoleGrant.objects.filter(user=w["zhang"]).exists(),
    ),
    "password change": (
        lambda w: services.password_change(user=_zhang(), old_password=PASSWORD, new_password="Qing-Shan-2026#a"),
        lambda w: not User.objects.get(username="zhang").check_password(PASSWORD),
    ),
    "dormant account disabled": (
        lambda w: (
            User.objects.filter(username="zhang").update(date_joined=timezone.now() - timedelta(days=400)),
            dormant_accounts_disable(by="test"),
        ),
        lambda w: not User.objects.get(username="zhang").is_active,
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_AU_5_a_change_whose_audit_record_cannot_be_written_is_undone(
    change: str, admins: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    do, happened = CHANGES[change]
    world = {**admins, "zhang": make_user("zhang")}
    _refuse_audit_writes(monkeypatch)
    with pytest.raises(DatabaseError, match="cannot be written"):
        do(world)
    assert not happened(world)
    monkeypatch.undo()
    do(world)  # the same change with a working trail: done, and recorded with it
    assert happened(world)
    assert AuditRecord.objects.exists()


def test_AU_5_a_sign_in_whose_audit_record_cannot_be_written_signs_nobody_in(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user("zhang")
    client = Client()
    _refuse_audit_writes(monkeypatch)
    with pytest.raises(DatabaseError, match="cannot be written"):
        sign_in(client, "zhang")
    monkeypatch.undo()
    assert client.get("/").status_code == 302  # to the sign-in page: no session was kept
    assert "_auth_user_id" not in client.session


# --- SC-1: bandit and pip-audit in make test ------------------------------------------------------------------


def test_SC_1_make_test_runs_bandit_and_pip_audit() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert re.search(r"^\$BIN/bandit -q -c pyproject\.toml -r src/sanfu$", script, re.MULTILINE)
    assert "$BIN/pip-audit --local --skip-editable" in script
    assert "could not be reached" in script  # an unreachable service is reported, not fatal
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dev = " ".join(project["project"]["optional-dependencies"]["dev"])
    assert "bandit" in dev
    assert "pip-audit" in dev
    skips = project["tool"]["bandit"]["skips"]
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for test_id in skips:  # every skipped test is justified on its own line
        assert re.search(rf'^\s*"{test_id}",\s*#\s*\S', text, re.MULTILINE), test_id


def test_SC_1_bandit_with_our_configuration_still_finds_real_problems(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import hashlib, pickle, subprocess, yaml\n"
        "def run(cmd, blob, text):\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    pickle.loads(blob)\n"
        "    yaml.load(text)\n"
        "    return hashlib.md5(blob).hexdigest()\n",
        encoding="utf-8",
    )
    result = subprocess.run(  # noqa: S603  # our own interpreter running bandit on a file of ours
        [sys.executable, "-m", "bandit", "-q", "-c", str(ROOT / "pyproject.toml"), "-f", "json", str(sample)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    found = {issue["test_id"] for issue in json.loads(result.stdout)["results"]}
    assert {"B602", "B301", "B506", "B324"} <= found, found
