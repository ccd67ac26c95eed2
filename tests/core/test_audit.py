"""The audit trail: what is recorded, the hash chain and its verification, append-only rows, and a
gap-free chain under concurrent writers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from sanfu.accounts import services
from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.core.audit import audit_record, audit_verify
from sanfu.core.models import AuditRecord
from tests.accounts.conftest import run_in_threads, sign_in
from tests.conftest import PASSWORD, make_user


def _actions() -> list[tuple[str, str]]:
    return list(AuditRecord.objects.order_by("seq").values_list("action", "outcome"))


def _chain(n: int) -> list[AuditRecord]:
    return [audit_record(action="test.event", actor_name=f"u{i}", detail={"i": i}) for i in range(n)]


def _raw(sql: str, params: list[Any]) -> None:
    """Tamper as someone with the database's superuser would: on PostgreSQL around its append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


TABLE = AuditRecord._meta.db_table


# --- what is recorded ----------------------------------------------------------------------------------


def test_sign_in_out_and_failure_are_recorded(db: None) -> None:
    user = make_user("zhang")
    client = Client()
    sign_in(client, "zhang", "wrong-Password-1")
    sign_in(client, "zhang")
    client.post(reverse("accounts:logout"))
    assert _actions() == [("auth.login", "failure"), ("auth.login", "success"), ("auth.logout", "success")]
    failure, success, logout = AuditRecord.objects.order_by("seq")
    assert failure.actor_id is None
    assert failure.actor_name == "zhang"
    assert failure.ip_address == "127.0.0.1"
    assert success.actor_id == user.pk
    assert logout.actor_id == user.pk
    assert audit_verify().ok


def test_lockout_is_recorded(db: None) -> None:
    make_user("zhang")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "zhang", "wrong-Password-1")
    assert ("auth.lockout", "failure") in _actions()


def test_every_admin_service_action_is_recorded(admins: dict[str, User]) -> None:
    sysadmin, secadmin = admins["sysadmin"], admins["secadmin"]
    user, raw = services.account_create(actor=sysadmin, username="newcomer", full_name="新同事", ip="10.1.1.1")
    services.account_set_active(actor=sysadmin, user=user, active=False)
    services.account_set_active(actor=sysadmin, user=user, active=True)
    raw = services.account_reset_password(actor=sysadmin, user=user).password
    assert raw is not None
    held = services.role_grant(actor=secadmin, user=user, role=Role.objects.get(code="clerk"))
    services.role_revoke(actor=secadmin, grant=held)
    services.password_change(user=user, old_password=raw, new_password="Qing-Shan-2026#a")
    records = list(AuditRecord.objects.order_by("seq"))
    assert [r.action for r in records] == [
        "account.create",
        "account.disable",
        "account.enable",
        "account.reset_password",
        "role.grant",
        "role.revoke",
        "password.change",
    ]
    assert [r.actor_id for r in records] == [sysadmin.pk] * 4 + [secadmin.pk] * 2 + [user.pk]
    assert all(r.target == f"user:{user.pk}" for r in records)
    assert records[0].ip_address == "10.1.1.1"
    assert records[4].detail["role"] == "clerk"
    assert raw not in json.dumps([r.detail for r in records])  # no password in the trail
    assert audit_verify().ok


def test_refused_action_writes_nothing(admins: dict[str, User]) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - the refusal itself is tested in test_separation
        services.account_create(actor=admins["secadmin"], username="x1", full_name="x")
    assert not AuditRecord.objects.filter(action="account.create").exists()


def test_django_admin_changes_are_recorded(admins: dict[str, User], login: Callable[[User], Client]) -> None:
    target = make_user("target")
    client = login(admins["sysadmin"])
    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        {"username": "target", "full_name": "改名", "email": "", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = AuditRecord.objects.get(action="admin.change")
    assert record.actor_id == admins["sysadmin"].pk
    assert record.target == f"accounts.User:{target.pk}"


# --- the chain -----------------------------------------------------------------------------------------


def test_clean_chain_verifies(db: None) -> None:
    records = _chain(5)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[1].prev_digest == records[0].digest
    result = audit_verify(batch_size=2)  # crosses batch boundaries
    assert result.ok
    assert result.checked == 5
    assert result.first_broken_seq is None


def test_empty_chain_verifies(db: None) -> None:
    assert audit_verify().ok


@pytest.mark.parametrize(
    ("column", "value"),
    [("detail", json.dumps({"i": 99})), ("actor_name", "someone-else"), ("actor_id", 4242), ("action", "x")],
)
def test_tampered_row_is_named(db: None, column: str, value: Any) -> None:
    _chain(5)
    _raw(f"UPDATE {TABLE} SET {column} = %s WHERE seq = 3", [value])  # noqa: S608 - fixed identifiers
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert result.checked == 2


def test_deleted_middle_row_is_named(db: None) -> None:
    _chain(5)
    _raw(f"DELETE FROM {TABLE} WHERE seq = 3", [])  # noqa: S608
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert "缺失" in result.reason


def test_deleted_last_rows_and_rewritten_links_are_detected(db: None) -> None:
    """Someone who renumbers rows to close a gap still cannot forge the keyed digests."""
    records = _chain(4)
    _raw(f"DELETE FROM {TABLE} WHERE seq = 2", [])  # noqa: S608
    _raw(f"UPDATE {TABLE} SET prev_digest = %s WHERE seq = 3", [records[0].digest])  # noqa: S608
    _raw(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 3", [])  # noqa: S608
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_command_reports_success(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    _chain(3)
    call_command("audit", "verify")
    assert "3 records verified" in capsys.readouterr().out


def test_command_names_the_broken_record(db: None) -> None:
    _chain(4)
    _raw(f"UPDATE {TABLE} SET target = %s WHERE seq = 2", ["user:1"])  # noqa: S608
    with pytest.raises(CommandError, match="#2"):
        call_command("audit", "verify")


def test_records_are_append_only(db: None) -> None:
    record = _chain(2)[0]
    record.detail = {"i": 7}
    with pytest.raises(RuntimeError):
        record.save()
    with pytest.raises(RuntimeError):
        record.delete()
    with pytest.raises(RuntimeError):
        AuditRecord.objects.filter(seq=1).update(actor_name="x")
    with pytest.raises(RuntimeError):
        AuditRecord.objects.filter(seq=1).delete()
    assert AuditRecord.objects.count() == 2
    assert audit_verify().ok


def test_audit_page_verifies_on_request(admins: dict[str, User], login: Callable[[User], Client]) -> None:
    _chain(3)
    client = login(admins["auditadmin"])
    assert client.get(reverse("accounts:audit"), {"verify": "1"}).context["verification"].ok
    _raw(f"UPDATE {TABLE} SET detail = %s WHERE seq = 2", [json.dumps({"i": 5})])  # noqa: S608
    verification = client.get(reverse("accounts:audit"), {"verify": "1"}).context["verification"]
    assert (verification.ok, verification.first_broken_seq) == (False, 2)


# --- concurrency ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_make_one_gap_free_chain() -> None:
    threads, each = 8, 5

    def work(i: int) -> list[int]:
        return [audit_record(action="test.race", actor_name=f"t{i}", detail={"n": n}).seq for n in range(each)]

    results = run_in_threads(threads, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    seqs = sorted(seq for batch in results for seq in batch)
    assert seqs == list(range(1, threads * each + 1))
    result = audit_verify()
    assert result.ok
    assert result.checked == threads * each


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ins_keep_the_chain_intact() -> None:
    users = [make_user(f"u{i}") for i in range(6)]

    def work(i: int) -> int:
        client = Client()
        return sign_in(client, users[i].username, PASSWORD if i % 2 else "wrong-Password-1").status_code

    run_in_threads(len(users), work)
    assert AuditRecord.objects.filter(action="auth.login").count() == len(users)
    assert audit_verify().ok
    assert RoleGrant.objects.count() == 0


def test_the_audit_list_names_people_not_user_ids(admins: dict[str, User], login: Callable[[User], Client]) -> None:
    target = admins["outsider"]
    audit_record(action="account.disable", actor=admins["sysadmin"], target=f"user:{target.pk}")
    audit_record(action="admin.change", actor=admins["sysadmin"], target=f"accounts.User:{target.pk}")
    audit_record(action="unit.import", actor=admins["sysadmin"], target="unit:7")
    page = login(admins["auditadmin"]).get("/accounts/audit/").content.decode()
    assert f"user:{target.pk}<" not in page
    assert page.count(f"{target.display_name}（{target.username}）") == 2
    assert "unit:7" in page  # targets that are not people stay as recorded
