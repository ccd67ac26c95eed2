"""Purging the audit trail past its retention (AU-4): at least ``SANFU_AUDIT_RETENTION_DAYS`` (180 at the
least) kept; a purge removes the oldest records only, leaves a record naming what it removed, and the rest of
the chain still verifies — while any other removal is still detected. On PostgreSQL the trigger admits the
purge's DELETE only (flagged transaction, rows past 180 days) and still refuses every UPDATE."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sanfu.core.audit import audit_anchor, audit_purge, audit_record, audit_verify, latest_anchor
from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord

TABLE = AuditRecord._meta.db_table


@pytest.fixture(autouse=True)
def anchors(settings: Any, tmp_path: Path) -> Path:
    settings.SANFU_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return tmp_path / "anchors.jsonl"


def _written(days_ago: int, n: int, label: str = "old") -> list[AuditRecord]:
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return [audit_record(action="test.event", actor_name=f"{label}{i}", detail={"i": i}) for i in range(n)]


def _before(days_ago: int) -> datetime:
    return timezone.now() - timedelta(days=days_ago)


def _as_superuser(sql: str, params: list[Any]) -> None:
    """What someone holding the database's superuser can do: write around the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _seqs() -> list[int]:
    return list(AuditRecord.objects.values_list("seq", flat=True))


# --- what a purge removes, and what it leaves -----------------------------------------------------------


def test_a_purge_removes_only_the_records_past_the_cut_and_the_chain_still_verifies(db: None) -> None:
    old = _written(400, 3)
    _written(250, 2, "middle")
    _written(10, 2, "young")
    result = audit_purge(before=_before(300), by="test")
    assert (result.removed, result.first_seq, result.last_seq) == (3, 1, 3)
    assert _seqs() == [4, 5, 6, 7, 8]
    purge = AuditRecord.objects.get(action="audit.purge")
    assert purge.seq == 8
    assert purge.actor_name == "test"
    assert purge.detail["first_seq"] == 1
    assert purge.detail["last_seq"] == 3
    assert purge.detail["removed"] == 3
    assert purge.detail["last_digest"] == old[-1].digest
    assert AuditRecord.objects.get(seq=4).prev_digest == old[-1].digest
    verification = audit_verify()
    assert verification.ok, verification.reason
    assert verification.checked == 5


def test_records_younger_than_the_retention_are_refused(db: None) -> None:
    _written(170, 2)
    with pytest.raises(ApplicationError, match="至少保留 180 天"):
        audit_purge(before=_before(1), by="test")
    with pytest.raises(ApplicationError):
        audit_purge(before=_before(179), by="test")
    assert _seqs() == [1, 2]
    # At the limit itself: allowed, but nothing is that old.
    assert audit_purge(before=_before(180), by="test").removed == 0
    assert _seqs() == [1, 2]  # and nothing to remove leaves no purge record


def test_a_longer_retention_is_honoured(db: None, settings: Any) -> None:
    settings.SANFU_AUDIT_RETENTION_DAYS = 365
    _written(300, 2)
    with pytest.raises(ApplicationError, match="至少保留 365 天"):
        audit_purge(before=_before(200), by="test")
    assert _seqs() == [1, 2]


def test_the_retention_cannot_be_set_below_180_days(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_SECRET_KEY": secrets.token_urlsafe(50),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
        "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
        "SANFU_HOME": str(tmp_path),
        "SANFU_AUDIT_RETENTION_DAYS": "90",
    }
    result = subprocess.run(  # our own interpreter, a fixed snippet
        [sys.executable, "-c", "import django; django.setup()"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SANFU_AUDIT_RETENTION_DAYS" in result.stderr


def test_a_broken_chain_is_not_purged(db: None) -> None:
    _written(400, 3)
    _as_superuser(f"UPDATE {TABLE} SET actor_name = 'x' WHERE seq = 2", [])  # noqa: S608
    with pytest.raises(ApplicationError, match="第 2 条"):
        audit_purge(before=_before(300), by="test")
    assert _seqs() == [1, 2, 3]


def test_purges_follow_one_another(db: None) -> None:
    _written(500, 2, "a")
    _written(400, 2, "b")
    _written(5, 1, "c")
    audit_purge(before=_before(450), by="test")  # removes 1-2; the purge is record 6
    audit_purge(before=_before(300), by="test")  # removes 3-4; the purge is record 7
    assert _seqs() == [5, 6, 7]
    assert AuditRecord.objects.get(seq=7).detail["first_seq"] == 3
    assert audit_verify().ok


def test_a_purge_may_remove_an_earlier_purge_record(db: None) -> None:
    _written(500, 3)
    with time_machine.travel(timezone.now() - timedelta(days=300), tick=False):
        # Everything is old enough, but the newest record (the next one links to it) always stays.
        assert audit_purge(before=timezone.now() - timedelta(days=180), by="test").removed == 2
    assert _seqs() == [3, 4]  # record 4 names 1-2
    _written(5, 1, "young")
    audit_purge(before=_before(250), by="test")  # removes 3 and 4, the earlier purge
    assert _seqs() == [5, 6]
    purge = AuditRecord.objects.get(seq=6)
    assert (purge.action, purge.detail["first_seq"], purge.detail["last_seq"]) == ("audit.purge", 3, 4)
    assert audit_verify().ok


# --- removals other than the purge are still detected ------------------------------------------------------


def test_removing_the_oldest_records_without_a_purge_is_detected(db: None) -> None:
    _written(400, 4)
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq <= 2", [])  # noqa: S608
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 1)
    assert "缺失" in result.reason


def test_removing_more_than_the_purge_removed_is_detected(db: None) -> None:
    _written(400, 4)
    _written(5, 1, "young")
    audit_purge(before=_before(300), by="test")
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq = 5", [])  # noqa: S608  # the oldest remaining record
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 5)


def test_removing_the_purge_record_is_detected(db: None) -> None:
    _written(400, 2)
    _written(5, 2, "young")
    audit_purge(before=_before(300), by="test")
    audit_record(action="test.after", actor_name="later")
    _as_superuser(f"DELETE FROM {TABLE} WHERE action = 'audit.purge'", [])  # noqa: S608
    assert not audit_verify().ok


def test_a_forged_purge_boundary_is_detected(db: None) -> None:
    _written(400, 2)
    _written(5, 2, "young")
    audit_purge(before=_before(300), by="test")
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq = 3", [])  # noqa: S608
    # Pretend the purge removed record 3 too: the purge record's own digest no longer matches.
    purge = AuditRecord.objects.get(action="audit.purge")
    detail = {**purge.detail, "last_seq": 3, "last_digest": AuditRecord.objects.get(seq=4).prev_digest}
    _as_superuser(f"UPDATE {TABLE} SET detail = %s WHERE seq = %s", [json.dumps(detail), purge.seq])  # noqa: S608
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, purge.seq)


def test_the_anchor_still_holds_after_a_purge(db: None, anchors: Path) -> None:
    _written(400, 3)
    audit_anchor()  # the head at record 3, which the purge then removes
    _written(5, 1, "young")
    result = audit_purge(before=_before(300), by="test")
    anchor = latest_anchor()
    assert anchor is not None
    assert result.record is not None
    assert anchor.seq == result.record.seq  # the purge anchors the new head
    assert audit_verify().ok
    # Cutting the purge record off the head is still what the anchor catches.
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq = %s", [result.record.seq])  # noqa: S608
    assert not audit_verify().ok


# --- the command ---------------------------------------------------------------------------------------------


def _day(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def test_the_command_purges_before_a_day(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    _written(400, 3)
    _written(5, 1, "young")
    call_command("audit", "purge", "--before", _day(300))
    assert "purged 3 audit records (#1–#3)" in capsys.readouterr().out
    call_command("audit", "verify")
    assert "2 records verified" in capsys.readouterr().out
    call_command("audit", "purge", "--before", _day(300))
    assert "nothing purged" in capsys.readouterr().out


def test_the_command_refuses_a_day_within_the_retention(db: None) -> None:
    _written(100, 2)
    with pytest.raises(CommandError, match="SANFU_AUDIT_RETENTION_DAYS=180"):
        call_command("audit", "purge", "--before", _day(30))
    with pytest.raises(CommandError, match="--before"):
        call_command("audit", "purge")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit", "purge", "--before", "last-year")
    assert _seqs() == [1, 2]
    assert date.fromisoformat(_day(0)) == timezone.localdate()


# --- the ORM and the database -------------------------------------------------------------------------------


def test_the_orm_still_refuses_to_delete_or_update_even_old_records(db: None) -> None:
    record = _written(400, 1)[0]
    with pytest.raises(RuntimeError):
        AuditRecord.objects.filter(seq=record.seq).delete()
    with pytest.raises(RuntimeError):
        record.delete()
    with pytest.raises(RuntimeError):
        AuditRecord.objects.filter(seq=record.seq).update(actor_name="x")
    assert _seqs() == [1]


def _update_flagged(seq: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL sanfu.audit_purge = 'on'")
        cursor.execute(f"UPDATE {TABLE} SET actor_name = 'x' WHERE seq = %s", [seq])  # noqa: S608


def _delete(seq: int, *, flagged: bool) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if flagged:
            cursor.execute("SET LOCAL sanfu.audit_purge = 'on'")
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [seq])  # noqa: S608


def test_postgresql_refuses_a_delete_outside_the_purge(db: None) -> None:
    """Without the purge's flag even a record past retention stays; on SQLite (no roles, no trigger) the
    same statement succeeds and the chain is the check."""
    _written(400, 2)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            _delete(1, flagged=False)
        assert _seqs() == [1, 2]
        assert audit_verify().ok
    else:
        _delete(1, flagged=False)
        assert not audit_verify().ok


def test_postgresql_refuses_the_purge_flag_on_a_young_record(db: None) -> None:
    """The database's own floor: even inside a flagged transaction, nothing younger than 180 days goes. On
    SQLite the purge service's own check is the floor."""
    _written(100, 2)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            _delete(1, flagged=True)
    else:
        with pytest.raises(ApplicationError):
            audit_purge(before=_before(50), by="test")
    assert _seqs() == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_postgresql_admits_the_flagged_delete_of_an_old_record_but_never_an_update() -> None:
    """On SQLite the ORM's refusal of updates is the guard, and the purge is the only delete."""
    _written(400, 3)
    if connection.vendor != "postgresql":
        with pytest.raises(RuntimeError):
            AuditRecord.objects.filter(seq=1).update(actor_name="x")
        assert audit_purge(before=_before(300), by="test").removed == 2  # the newest record always stays
        assert audit_verify().ok
        return
    with pytest.raises(DatabaseError, match="append-only"):
        _update_flagged(1)
    _delete(1, flagged=True)
    assert _seqs() == [2, 3]
    # The flag lives only as long as the transaction that set it.
    with pytest.raises(DatabaseError, match="append-only"):
        _delete(2, flagged=False)
    assert _seqs() == [2, 3]
