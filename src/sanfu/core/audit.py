"""Write and verify the audit trail.

Every record is chained to the previous one: ``digest = HMAC-SHA256(key, prev_digest || canonical(record))``.
Changing, deleting or re-ordering any row breaks the chain from that row on, and without the key the
chain cannot be recomputed by someone who can only write to the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sanfu.core.models import AuditRecord

GENESIS = "0" * 64
_MAX_ATTEMPTS = 20


def _key() -> bytes:
    return hashlib.sha256(b"sanfu-audit:" + str(settings.SANFU_AUDIT_KEY).encode()).digest()


def _canonical(record: AuditRecord) -> bytes:
    at = record.at.astimezone(UTC).isoformat(timespec="microseconds")
    content = {
        "seq": record.seq,
        "at": at,
        "actor_id": record.actor_id,
        "actor_name": record.actor_name,
        "action": record.action,
        "outcome": record.outcome,
        "target": record.target,
        "ip": record.ip_address,
        "detail": record.detail,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(prev_digest: str, record: AuditRecord) -> str:
    return hmac.new(_key(), prev_digest.encode() + _canonical(record), hashlib.sha256).hexdigest()


# PostgreSQL: one transaction-scoped advisory lock orders all appends (held until the caller's transaction
# ends), so racing writers queue instead of colliding on ``seq`` and retrying. SQLite needs none: its
# IMMEDIATE transactions already take the single write lock at BEGIN.
_APPEND_LOCK = 0x5A4E_4655  # "SANFU" audit chain


def _serialise_appends() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK])


def audit_record(
    *,
    action: str,
    actor: Any = None,
    outcome: str = "success",
    target: str = "",
    ip_address: str = "",
    detail: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditRecord:
    """Append one record to the chain, inside the caller's transaction when there is one.

    Appends are serialised (see ``_serialise_appends``); should two writers still race for the same
    sequence number, they collide on its unique index and the loser retries on top of the winner's
    record, so the chain never forks.
    """
    actor_id = getattr(actor, "pk", None)
    name = actor_name or (getattr(actor, "username", "") if actor is not None else "")
    now = timezone.now().astimezone(UTC)
    payload = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    for _attempt in range(_MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                _serialise_appends()
                last = AuditRecord.objects.order_by("-seq").values("seq", "digest").first()
                seq = (last["seq"] + 1) if last else 1
                prev = last["digest"] if last else GENESIS
                record = AuditRecord(
                    seq=seq,
                    at=now,
                    actor_id=actor_id,
                    actor_name=name[:150],
                    action=action,
                    outcome=outcome,
                    target=target[:200],
                    ip_address=ip_address[:64],
                    detail=payload,
                    prev_digest=prev,
                )
                record.digest = _digest(prev, record)
                record.save(force_insert=True)
        except IntegrityError:
            continue
        return record
    raise RuntimeError("could not append to the audit trail: too much contention")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def audit_verify(*, batch_size: int = 2000) -> VerifyResult:
    """Recompute the chain from the first record; report the first record that does not match."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        batch = list(AuditRecord.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return VerifyResult(ok=True, checked=checked)
        for record in batch:
            if record.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"record #{expected_seq} is missing")
            if record.prev_digest != prev:
                return VerifyResult(False, checked, record.seq, "link to the previous record is broken")
            if not hmac.compare_digest(record.digest, _digest(prev, record)):
                return VerifyResult(False, checked, record.seq, "content does not match its digest")
            prev = record.digest
            expected_seq += 1
            checked += 1
            last_seq = record.seq


def client_ip(request: Any) -> str:
    """The caller's address as Django sees it (a proxy must be configured to pass the real one)."""
    return str(getattr(request, "META", {}).get("REMOTE_ADDR", "") or "")
