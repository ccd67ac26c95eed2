"""The .ics feed of a person's own calendar (我的日程), fetched by a calendar program without a session.

The URL carries ``Signer`` (a salt of its own) over ``user:generation``; every fetch checks it against the
``PersonalFeed``'s current generation (revoking bumps it, so every URL given before dies) and against the person
still being active. The feed covers 30 days back to 90 days ahead; each event's UID is its ``AgendaItem.uid``, so a
calendar program updates an event instead of adding it again."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.agenda import AgendaItem
from sanfu.core.audit import audit_record
from sanfu.core.errors import NotFoundError
from sanfu.schedules.agenda import items_between
from sanfu.schedules.feed import escape, stamp
from sanfu.schedules.models import PersonalFeed

SALT = "sanfu.schedules.personal-feed"
DAYS_BACK = 30
DAYS_AHEAD = 90


def personal_feed_token(*, actor: User) -> str:
    """The secret address's token of ``actor``'s own calendar (the same until revoked)."""
    key, _made = PersonalFeed.objects.get_or_create(user=actor)
    return signing.Signer(salt=SALT).sign(f"{actor.pk}:{key.generation}")


def personal_feed_revoke(*, actor: User) -> None:
    """Every address of ``actor``'s calendar given before stops working; the next one asked for is new."""
    with transaction.atomic():
        PersonalFeed.objects.get_or_create(user=actor)
        PersonalFeed.objects.filter(user=actor).update(generation=F("generation") + 1)
        audit_record(action="schedules.personal_feed_revoke", actor=actor, target=f"user:{actor.pk}")


def personal_feed_items(token: str) -> tuple[User, list[AgendaItem]]:
    """The holder and their items; NotFoundError for a forged or revoked token or an inactive person."""
    try:
        user_id, generation = (int(p) for p in signing.Signer(salt=SALT).unsign(token).split(":"))
    except (signing.BadSignature, ValueError) as exc:
        raise NotFoundError(_("订阅地址无效或已撤销。")) from exc
    key = PersonalFeed.objects.select_related("user").filter(user_id=user_id).first()
    if key is None or key.generation != generation or not key.user.is_active:
        raise NotFoundError(_("订阅地址无效或已撤销。"))
    today = timezone.localdate()
    return key.user, items_between(key.user, today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD))


def personal_ics(user: User, items: list[AgendaItem], *, base_url: str = "") -> str:
    """The calendar as iCalendar text; ``base_url`` (the site's address) makes the items' links absolute."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sanfu//agenda//ZH",
        f"X-WR-CALNAME:{escape(_('%(name)s的日程') % {'name': user.display_name})}",
    ]
    now = stamp(timezone.now())
    for item in items:
        lines += ["BEGIN:VEVENT", f"UID:{escape(item.uid)}", f"DTSTAMP:{now}"]
        if item.all_day:
            first = timezone.localtime(item.starts_at).date()
            last = timezone.localtime(item.ends_at).date() if item.ends_at else first + timedelta(days=1)
            lines += [
                f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
                f"DTEND;VALUE=DATE:{max(last, first + timedelta(days=1)):%Y%m%d}",
            ]
        else:
            ends_at = item.ends_at if item.ends_at and item.ends_at > item.starts_at else item.starts_at
            lines += [f"DTSTART:{stamp(item.starts_at)}", f"DTEND:{stamp(ends_at)}"]
        lines.append(f"SUMMARY:{escape(f'[{item.kind}] {item.title}')}")
        if item.place:
            lines.append(f"LOCATION:{escape(item.place)}")
        if item.note:
            lines.append(f"DESCRIPTION:{escape(item.note)}")
        if item.url:
            lines.append(f"URL:{escape(base_url + item.url if item.url.startswith('/') else item.url)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
