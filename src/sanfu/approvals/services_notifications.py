"""Reading one's notifications (通知). core.notify has no such service yet; these are the only writes of
a notification's read time, kept here until it does."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.core.models import Notification


def notification_open(*, actor: User, notification_id: int, now: datetime | None = None) -> Notification | None:
    """The person's notification, marked read (once: the first opening's time is kept); None when it is not
    theirs."""
    notice = Notification.objects.filter(pk=notification_id, user=actor).first()
    if notice is not None and notice.read_at is None:
        with transaction.atomic():
            Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now or timezone.now())
    return notice


def notifications_read_all(*, actor: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the person read; returns how many."""
    with transaction.atomic():
        return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=now or timezone.now())
