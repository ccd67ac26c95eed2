"""Write and verify the audit trail.

Every record is chained to the previous one: ``digest = HMAC-SHA256(key, prev_digest || canonical(record))``.
Changing, deleting or re-ordering any row breaks the chain from that row on, and without the key (its own,
``SANFU_AUDIT_KEY``, kept outside the database) the chain cannot be recomputed by someone who can only write
to the database.

A chain alone cannot show that its *newest* records were cut off. So the worker periodically writes the
signed head of the chain (``seq``, ``digest``) outside the database — a line appended to
``SANFU_AUDIT_ANCHOR_FILE`` and a log line for a syslog server — and verification compares the database
with the latest anchor: a chain that ends before the anchored record, or holds another digest there, has
been truncated or rewritten.

Records are kept at least ``SANFU_AUDIT_RETENTION_DAYS`` (180 at the least, 等保 2.0's six months);
``audit_purge`` removes a run of the oldest ones beyond that and appends an ``audit.purge`` record naming
the removed range and the digest of the last removed record. Verification then starts from the oldest
remaining record, whose link must be that digest: removing any other record is still detected.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord

GENESIS = "0" * 64
_MAX_ATTEMPTS = 20
anchor_log = logging.getLogger("sanfu.audit.anchor")


def _key() -> bytes:
    return hashlib.sha256(b"sanfu-audit:" + str(settings.SANFU_AUDIT_KEY).encode()).digest()


def _anchor_key() -> bytes:  # a key of its own: an anchor line can never pass for a record digest
    return hashlib.sha256(b"sanfu-audit-anchor:" + str(settings.SANFU_AUDIT_KEY).encode()).digest()


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
    ip_address = ip_address or _request_ip.get()
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
    last_seq: int = 0  # the newest record verified (0: none)


@dataclass(frozen=True)
class Anchor:
    """The chain's head as it was at ``at``: record ``seq`` carried ``digest``."""

    seq: int
    digest: str
    at: str

    def _message(self) -> bytes:
        return f"{self.seq}|{self.digest}|{self.at}".encode()

    def signature(self) -> str:
        return hmac.new(_anchor_key(), self._message(), hashlib.sha256).hexdigest()


def _anchor_file() -> Path:
    return Path(settings.SANFU_AUDIT_ANCHOR_FILE)


def latest_anchor() -> Anchor | None:
    """The newest anchor whose signature holds (a forged or damaged line is skipped and logged)."""
    path = _anchor_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            data = json.loads(line)
            anchor = Anchor(seq=int(data["seq"]), digest=str(data["digest"]), at=str(data["at"]))
            signature = str(data["sig"])
        except (ValueError, KeyError, TypeError):
            anchor_log.warning("audit anchor file %s: unreadable line skipped", path.name)
            continue
        if hmac.compare_digest(signature, anchor.signature()):
            return anchor
        anchor_log.warning("audit anchor file %s: a line with a wrong signature was skipped", path.name)
    return None


def audit_anchor() -> Anchor | None:
    """Write the chain's current head outside the database, unless the newest anchor already holds it.

    Appended with O_APPEND and fsync'd, one JSON line each; also logged, for operators who ship the log
    to a separate store. Returns the anchor written (None when nothing changed or the trail is empty)."""
    head = AuditRecord.objects.order_by("-seq").values("seq", "digest").first()
    if head is None:
        return None
    previous = latest_anchor()
    if previous is not None and previous.seq == head["seq"]:
        return None
    anchor = Anchor(seq=head["seq"], digest=head["digest"], at=timezone.now().astimezone(UTC).isoformat())
    line = json.dumps({"seq": anchor.seq, "digest": anchor.digest, "at": anchor.at, "sig": anchor.signature()})
    path = _anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    anchor_log.info("audit chain head #%s %s", anchor.seq, anchor.digest)
    return anchor


def audit_verify(*, batch_size: int = 2000) -> VerifyResult:
    """Recompute the chain from the first record; report the first record that does not match, then
    check the chain still reaches the latest anchor written outside the database."""
    result = _verify_chain(batch_size)
    if not result.ok:
        return result
    anchor = latest_anchor()
    if anchor is None:
        return result
    if result.last_seq < anchor.seq:
        return VerifyResult(
            False,
            result.checked,
            result.last_seq + 1,
            _("第 %(first)s–%(last)s 条记录缺失：链头已于第 %(last)s 条锚定在数据库之外")
            % {"first": result.last_seq + 1, "last": anchor.seq},
            result.last_seq,
        )
    oldest = AuditRecord.objects.order_by("seq").values_list("seq", flat=True).first()
    if oldest is not None and anchor.seq < oldest:
        return result  # anchored before a purge removed that record; the chain verified past it
    at_anchor = AuditRecord.objects.filter(seq=anchor.seq).values_list("digest", flat=True).first()
    if at_anchor is None or not hmac.compare_digest(at_anchor, anchor.digest):
        return VerifyResult(
            False, result.checked, anchor.seq, _("第 %(seq)s 条记录与锚定的链头不符") % {"seq": anchor.seq}
        )
    return result


def _purge_boundary() -> tuple[int, str]:
    """Where the chain starts: ``(seq, link)`` of its first record — record 1 on GENESIS, or after the newest
    purge, the record following the last one removed, linked to that one's digest."""
    purge = AuditRecord.objects.filter(action=PURGE_ACTION).order_by("-seq").values("detail").first()
    if purge is None:
        return 1, GENESIS
    detail = purge["detail"] if isinstance(purge["detail"], dict) else {}
    try:
        return int(detail["last_seq"]) + 1, str(detail["last_digest"])
    except (KeyError, TypeError, ValueError):
        return 1, GENESIS  # a damaged purge record: its own digest check names it


def _verify_chain(batch_size: int) -> VerifyResult:
    expected_seq, prev = _purge_boundary()
    checked = 0
    last_seq = 0
    while True:
        batch = list(AuditRecord.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return VerifyResult(ok=True, checked=checked, last_seq=last_seq)
        for record in batch:
            if record.seq != expected_seq:
                return VerifyResult(
                    False, checked, expected_seq, _("第 %(seq)s 条记录缺失") % {"seq": expected_seq}, last_seq
                )
            if record.prev_digest != prev:
                return VerifyResult(False, checked, record.seq, _("与上一条记录的链接断裂"), last_seq)
            if not hmac.compare_digest(record.digest, _digest(prev, record)):
                return VerifyResult(False, checked, record.seq, _("内容与摘要不符"), last_seq)
            prev = record.digest
            expected_seq += 1
            checked += 1
            last_seq = record.seq


PURGE_ACTION = "audit.purge"


@dataclass(frozen=True)
class PurgeResult:
    removed: int
    first_seq: int | None = None
    last_seq: int | None = None
    record: AuditRecord | None = None  # the ``audit.purge`` record naming what was removed


def oldest_purgeable(*, now: datetime | None = None) -> datetime:
    """The newest moment before which records may be purged: ``SANFU_AUDIT_RETENTION_DAYS`` ago."""
    return (now or timezone.now()) - timedelta(days=int(settings.SANFU_AUDIT_RETENTION_DAYS))


def audit_purge(*, before: datetime, by: str) -> PurgeResult:
    """Remove the oldest records, those written before ``before``, which must lie at least
    ``SANFU_AUDIT_RETENTION_DAYS`` in the past; refused while the chain does not verify (a purge must not
    erase the evidence of tampering). One durable transaction removes a run of records from the start of the
    chain and appends an ``audit.purge`` record naming the range and the digest of the last one removed; the
    chain's new head is then anchored. On PostgreSQL the trigger lets the DELETE through only inside this
    transaction (``sanfu.audit_purge``) and only for rows past the legal minimum (core migration 0006)."""
    limit = oldest_purgeable()
    if before > limit:
        raise ApplicationError(
            _("审计记录至少保留 %(days)s 天：只能清除 %(date)s 之前的记录。")
            % {"days": settings.SANFU_AUDIT_RETENTION_DAYS, "date": timezone.localtime(limit).date().isoformat()}
        )
    verification = audit_verify()
    if not verification.ok:
        raise ApplicationError(
            _("审计记录链校验未通过（第 %(seq)s 条：%(reason)s），不能清除。")
            % {"seq": verification.first_broken_seq, "reason": verification.reason}
        )
    with transaction.atomic(durable=True):
        _serialise_appends()
        # A run from the start of the chain: stop at the first record not older than ``before``, and keep the
        # newest record in any case (the next append links to it and takes its number + 1).
        keep_from = AuditRecord.objects.filter(at__gte=before).order_by("seq").values_list("seq", flat=True).first()
        head = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        doomed = AuditRecord.objects.filter(seq__lt=min(head, keep_from or head))
        first_seq = doomed.order_by("seq").values_list("seq", flat=True).first()
        last = doomed.order_by("-seq").values("seq", "digest").first()
        if first_seq is None or last is None:
            return PurgeResult(removed=0)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL sanfu.audit_purge = 'on'")
            cursor.execute(f"DELETE FROM {AuditRecord._meta.db_table} WHERE seq <= %s", [last["seq"]])  # noqa: S608
            removed = cursor.rowcount
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL sanfu.audit_purge = 'off'")
        record = audit_record(
            action=PURGE_ACTION,
            actor_name=by,
            target=f"audit:{first_seq}-{last['seq']}",
            detail={
                "first_seq": first_seq,
                "last_seq": last["seq"],
                "last_digest": last["digest"],
                "removed": removed,
                "before": before.astimezone(UTC).isoformat(),
                "retention_days": settings.SANFU_AUDIT_RETENTION_DAYS,
            },
        )
    audit_anchor()
    return PurgeResult(removed=removed, first_seq=first_seq, last_seq=last["seq"], record=record)


def client_ip(request: Any) -> str:
    """The caller's address. Behind ``SANFU_PROXY_COUNT`` trusted reverse proxies, each of which appends
    the address it received the request from to ``X-Forwarded-For``, the client is that many entries from
    the right; anything further left was written by the client and is not believed. Without the setting
    (or with a header too short to hold that many), the connection's own address. Axes uses this too
    (``AXES_CLIENT_IP_CALLABLE``), so lockout and the audit trail name the same address."""
    meta = getattr(request, "META", {})
    remote = str(meta.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "SANFU_PROXY_COUNT", 0) or 0)
    if proxies:
        hops = [h.strip() for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies][:64]
    return remote


# The address of the request being served, so that records written deep in a service or selector (which
# have no request) still say where the action came from (AU-2). Set by ``AuditContextMiddleware``.
_request_ip: ContextVar[str] = ContextVar("sanfu_request_ip", default="")


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]):
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _request_ip.reset(token)


def audit_denied(*, actor: Any, target: str) -> None:
    """Someone asked for an object that exists but is hidden from them (shown to them as "not found").
    Written on its own, so the refusal that follows does not take it away (AU-1)."""
    audit_record(action="access.denied", actor=actor, outcome="denied", target=target)


def audit_classified_read(*, actor: Any, target: str, level: str, how: str = "read") -> None:
    """A read or download of a 秘密/机密 item (AU-1): who, what, when, from where."""
    audit_record(action=f"classified.{how}", actor=actor, target=target, detail={"level": level})
