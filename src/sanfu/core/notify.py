"""Delivering notices to people: in the app always, by mail when they asked for it (at once or as a daily
digest), and through the group robots they chose for that kind of notice (``core.robots``). Idempotent on
the notice key, because the outbox delivers at least once.

A notice about a 秘密/机密 item (``classified``) keeps its title in the app: its mail and its robot message
say only that there is something to see and link to it, since both leave the system (and its servers' and
mailboxes' care)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from sanfu.core import robots
from sanfu.core.errors import ApplicationError
from sanfu.core.models import Notification, NotificationSetting, RobotChannel

# Kinds that ask the person to act (the others tell of something: a copy, an end, a return).
TODO_KINDS = frozenset({"task", "urge", "remind", "overdue", "escalate"})


def notify_people(
    *,
    key: str,
    people: Iterable[int],
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    classified: bool = False,
) -> int:
    """Create one notice per person (``key`` + person is unique); mail it at once to those who chose so.
    ``classified``: about a 秘密/机密 item, so mailed without its title or body. Returns how many notices
    were new."""
    wanted = list(dict.fromkeys(int(p) for p in people))
    keys = {person: f"{key}:{person}" for person in wanted}
    existing = set(Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    fresh = [p for p in wanted if keys[p] not in existing]
    Notification.objects.bulk_create(
        [
            Notification(
                key=keys[p], user_id=p, kind=kind, title=title[:200], url=url, body=body[:500], classified=classified
            )
            for p in fresh
        ],
        ignore_conflicts=True,  # a concurrent delivery of the same message wrote it first
    )
    mail_now = (
        get_user_model()
        .objects.filter(pk__in=fresh, is_active=True, notification_setting__email_each=True)
        .exclude(email="")
    )
    for user in mail_now:
        subject, text = _mail_of(kind=kind, title=title, url=url, classified=classified)
        send_mail(
            subject,
            text,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            fail_silently=True,
        )
        Notification.objects.filter(key=keys[user.pk]).update(emailed_at=timezone.now())
    _robots_after_commit(kind=kind, keys={p: keys[p] for p in fresh})
    return len(fresh)


def _robots_after_commit(*, kind: str, keys: dict[int, str]) -> None:
    """Queue the robot messages of new notices for after the commit, so a slow or failing robot never holds
    or breaks the change that caused the notice (the worker sends them; in tests, at once)."""
    if not keys:
        return
    group = robots.group_of(kind)
    channels = RobotChannel.objects.filter(user_id__in=keys, enabled=True, user__is_active=True)
    rows = channels.values_list("pk", "user_id", "notice_groups")
    wanted = [(pk, keys[user]) for pk, user, groups in rows if group in groups]
    if wanted:
        # robust: should queueing fail after the commit, it is logged and the notices stand
        transaction.on_commit(lambda: robot_messages_send(wanted), robust=True)


@db_task()  # type: ignore[untyped-decorator]  # huey ships no types
def robot_messages_send(sends: list[tuple[int, str]]) -> int:
    """Send each (channel, notice key) pair's message; how many robots took theirs. Failures are recorded on
    the channel by ``robots.deliver`` and never raised."""
    channels = RobotChannel.objects.in_bulk([pk for pk, _key in sends])
    notices = Notification.objects.in_bulk([key for _pk, key in sends], field_name="key")
    taken = 0
    for pk, key in sends:
        channel, notice = channels.get(pk), notices.get(key)
        if channel is not None and notice is not None:
            taken += robots.deliver(channel, robot_text(notice)).ok
    return taken


def robot_text(notice: Notification) -> str:
    """A robot message: the mail's words (a classified notice's without its title), with the body."""
    _subject, text = _mail_of(kind=notice.kind, title=notice.title, url=notice.url, classified=notice.classified)
    if notice.classified or not notice.body:
        return text
    return f"{notice.title}\n{notice.body}\n\n" + text.split("\n\n", 1)[-1]


def _mail_of(*, kind: str, title: str, url: str, classified: bool) -> tuple[str, str]:
    """Subject and text of a notice's own mail."""
    if not classified:
        return title[:200], _("%(title)s\n\n请登录三服查看：%(url)s") % {"title": title, "url": _absolute(url)}
    if kind in TODO_KINDS:
        subject, line = _("三服：您有一件涉密事项待办"), _("您有一件涉密事项待办，请登录系统查看：%(url)s")
    else:
        subject, line = _("三服：您有一件涉密事项的通知"), _("您有一件涉密事项的通知，请登录系统查看：%(url)s")
    return subject, line % {"url": _absolute(url)}


def _digest_line(notice: Notification) -> str:
    if notice.classified:
        return "- " + _("涉密事项，请登录系统查看：%(url)s") % {"url": _absolute(notice.url)}
    return f"- {notice.title} {_absolute(notice.url)}"


def _absolute(url: str) -> str:
    base = getattr(settings, "SANFU_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def setting_of(user: AbstractBaseUser) -> NotificationSetting:
    setting, _created = NotificationSetting.objects.get_or_create(user=user)
    return setting


def setting_update(
    *, user: AbstractBaseUser, email: str | None = None, email_each: bool, email_digest: bool
) -> NotificationSetting:
    """A person's choice of how to hear of notices; mail needs an address (``email``, when given, replaces
    theirs), so choosing mail without one is refused and nothing changes."""
    address = getattr(user, "email", "") if email is None else email
    if (email_each or email_digest) and not address:
        raise ApplicationError(_("要接收邮件，请填写电子邮箱。"), errors=[{"field": "email"}])
    with transaction.atomic():
        if email is not None and email != getattr(user, "email", ""):
            user.email = email  # type: ignore[attr-defined]
            user.save(update_fields=["email"])
        setting = setting_of(user)
        setting.email_each, setting.email_digest = email_each, email_digest
        setting.save(update_fields=["email_each", "email_digest"])
    return setting


def send_daily_digests(*, now: datetime | None = None) -> int:
    """One mail per person who wants a digest, listing their unread notices of the last day not yet mailed.
    People without a setting get the digest (the default)."""
    moment = now or timezone.now()
    since = moment - timedelta(days=1)
    pending = (
        Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True, created_at__gte=since)
        .exclude(user__notification_setting__email_digest=False)
        .exclude(user__email="")
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user_id", "id")
    )
    by_user: dict[int, list[Notification]] = {}
    for notice in pending:
        by_user.setdefault(notice.user_id, []).append(notice)
    for notices in by_user.values():
        user = notices[0].user
        lines = "\n".join(_digest_line(n) for n in notices)
        send_mail(
            _("三服：您有 %(n)d 条未读通知") % {"n": len(notices)},
            lines,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            fail_silently=True,
        )
        Notification.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=moment)
    return len(by_user)


def notifications_of(user: AbstractBaseUser) -> QuerySet[Notification]:
    """A person's notices, unread first, newest first within each."""
    return Notification.objects.filter(user_id=user.pk).order_by(F("read_at").asc(nulls_first=True), "-id")


def unread_count(user: AbstractBaseUser) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def notification_open(
    *, actor: AbstractBaseUser, notification_id: int, now: datetime | None = None
) -> Notification | None:
    """The person's notice, marked read (once: the first opening's time is kept); None when it is not theirs."""
    notice = Notification.objects.filter(pk=notification_id, user_id=actor.pk).first()
    if notice is not None and notice.read_at is None:
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now or timezone.now())
    return notice


def notifications_read_all(*, actor: AbstractBaseUser, now: datetime | None = None) -> int:
    """Mark every unread notice of the person read; returns how many."""
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(read_at=now or timezone.now())
