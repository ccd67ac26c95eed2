"""The .ics feed of one leader's schedule, for those who keep it (the leader, their secretaries, the office).

The URL carries ``Signer`` (salt of its own) over ``user:leader:generation``; it is checked at every fetch
against the ``FeedKey``'s current generation (revoking bumps it) and against the rights of today (a secretary
no longer serving the leader gets nothing). The feed holds the entries its holder may read, from 30 days back
to 180 days ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import NotFoundError, PermissionDeniedError
from sanfu.schedules import rights
from sanfu.schedules.models import FeedKey, ScheduleEntry

SALT = "sanfu.schedules.feed"


def _leader_kept(actor: User, leader_id: int) -> User:
    leader = User.objects.filter(pk=leader_id, is_active=True).first()
    if leader is None or not rights.may_keep(actor, leader):
        raise PermissionDeniedError(_("只有领导本人、其秘书和办公室可以订阅该领导的日程。"))
    return leader


def feed_token(*, actor: User, leader_id: int) -> str:
    leader = _leader_kept(actor, leader_id)
    key, _made = FeedKey.objects.get_or_create(user=actor, leader=leader)
    return signing.Signer(salt=SALT).sign(f"{actor.pk}:{leader.pk}:{key.generation}")


def feed_revoke(*, actor: User, leader_id: int) -> None:
    """Every feed URL ``actor`` was given for the leader stops working."""
    leader = _leader_kept(actor, leader_id)
    with transaction.atomic():
        FeedKey.objects.get_or_create(user=actor, leader=leader)
        FeedKey.objects.filter(user=actor, leader=leader).update(generation=F("generation") + 1)
        audit_record(action="schedules.feed_revoke", actor=actor, target=f"user:{leader.pk}")


def feed_entries(token: str) -> tuple[User, list[ScheduleEntry]]:
    """The leader and the entries the token's holder may read; NotFoundError for a bad or revoked token."""
    try:
        user_id, leader_id, generation = (int(p) for p in signing.Signer(salt=SALT).unsign(token).split(":"))
    except (signing.BadSignature, ValueError) as exc:
        raise NotFoundError(_("订阅地址无效或已撤销。")) from exc
    key = FeedKey.objects.select_related("user", "leader").filter(user_id=user_id, leader_id=leader_id).first()
    if key is None or key.generation != generation or not key.user.is_active:
        raise NotFoundError(_("订阅地址无效或已撤销。"))
    if not rights.may_keep(key.user, key.leader):
        raise NotFoundError(_("订阅地址无效或已撤销。"))
    now = timezone.now()
    entries = ScheduleEntry.objects.filter(
        leader=key.leader, ends_at__gt=now - timedelta(days=30), starts_at__lt=now + timedelta(days=180)
    ).order_by("starts_at", "pk")
    return key.leader, [e for e in entries if rights.may_read(key.user, e)]


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(leader: User, entries: list[ScheduleEntry]) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sanfu//schedules//ZH",
        f"X-WR-CALNAME:{escape(_('%(name)s的日程') % {'name': leader.display_name})}",
    ]
    now = stamp(timezone.now())
    for e in entries:
        lines += ["BEGIN:VEVENT", f"UID:schedule-{e.pk}@sanfu", f"DTSTAMP:{now}"]
        if e.all_day:
            first = timezone.localtime(e.starts_at).date()
            last = timezone.localtime(e.ends_at).date()
            lines += [f"DTSTART;VALUE=DATE:{first:%Y%m%d}", f"DTEND;VALUE=DATE:{last:%Y%m%d}"]
        else:
            lines += [f"DTSTART:{stamp(e.starts_at)}", f"DTEND:{stamp(e.ends_at)}"]
        lines.append(f"SUMMARY:{escape(e.title)}")
        if e.place:
            lines.append(f"LOCATION:{escape(e.place)}")
        if e.note:
            lines.append(f"DESCRIPTION:{escape(e.note)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
