"""The audit chain's own key, its head anchored outside the database, and the database's refusal of
UPDATE/DELETE on PostgreSQL (security issue, hole 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from sanfu.core.audit import audit_anchor, audit_record, audit_verify, latest_anchor
from sanfu.core.models import AuditRecord

TABLE = AuditRecord._meta.db_table


@pytest.fixture
def anchors(settings: Any, tmp_path: Path) -> Path:
    settings.SANFU_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return tmp_path / "anchors.jsonl"


def _chain(n: int) -> list[AuditRecord]:
    return [audit_record(action="test.event", actor_name=f"u{i}", detail={"i": i}) for i in range(n)]


def _as_superuser(sql: str, params: list[Any]) -> None:
    """What an attacker holding the database's superuser can do: write around the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_cutting_off_the_newest_records_is_detected_after_an_anchor(db: None, anchors: Path) -> None:
    _chain(5)
    assert audit_anchor() is not None
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq >= 4", [])  # noqa: S608 - fixed identifiers
    result = audit_verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 4, 3)
    assert "5" in result.reason


def test_records_after_the_anchor_verify(db: None, anchors: Path) -> None:
    _chain(3)
    audit_anchor()
    _chain(2)
    assert audit_verify().ok
    assert audit_verify().checked == 5


def test_a_rewritten_head_is_detected(db: None, anchors: Path) -> None:
    """Delete the anchored head and append a fresh, correctly chained record in its place: the chain
    verifies on its own, the anchor does not."""
    _chain(3)
    anchor = audit_anchor()
    assert anchor is not None
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq = 3", [])  # noqa: S608
    audit_record(action="test.replacement")
    result = audit_verify()
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_anchoring_twice_without_new_records_writes_one_line(db: None, anchors: Path) -> None:
    _chain(2)
    assert audit_anchor() is not None
    assert audit_anchor() is None
    _chain(1)
    assert audit_anchor() is not None
    lines = anchors.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [2, 3]


def test_a_forged_anchor_line_is_ignored(db: None, anchors: Path) -> None:
    """Someone who can write the anchor file but lacks the key cannot move the anchor."""
    _chain(2)
    audit_anchor()
    forged = {"seq": 99, "digest": "0" * 64, "at": "2026-01-01T00:00:00+00:00", "sig": "f" * 64}
    with anchors.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    anchor = latest_anchor()
    assert anchor is not None
    assert anchor.seq == 2
    assert audit_verify().ok


def test_an_empty_trail_writes_no_anchor(db: None, anchors: Path) -> None:
    assert audit_anchor() is None
    assert not anchors.exists()


def test_the_command_anchors_and_then_verifies(db: None, anchors: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _chain(2)
    call_command("audit", "anchor")
    assert "#2" in capsys.readouterr().out
    _as_superuser(f"DELETE FROM {TABLE} WHERE seq = 2", [])  # noqa: S608
    with pytest.raises(CommandError, match="#2"):
        call_command("audit", "verify")


def test_the_chain_key_is_not_the_secret_key(settings: Any) -> None:
    assert settings.SANFU_AUDIT_KEY
    assert settings.SANFU_AUDIT_KEY != settings.SECRET_KEY


@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET actor_name = 'x' WHERE seq = 1", "DELETE FROM {t} WHERE seq = 1"]
)
def test_postgresql_refuses_update_and_delete_around_the_orm(db: None, statement: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is PostgreSQL's; SQLite relies on the ORM guard and the anchor")
    _chain(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(t=TABLE))
    assert AuditRecord.objects.count() == 2
    assert audit_verify().ok
