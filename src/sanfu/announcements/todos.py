"""通知公告 in 我的待办 (``core.todos``): what the person must still act on. There is no read-receipt flag on
an announcement (every announcement asks to be read), so that is every received announcement they have not read
while it is valid, pinned first then the newest; and every 文体活动 they received whose sign-up closes within
``CLOSING_SOON`` that they have not answered (no sign-up, not even a cancelled one), the closing first.

``count`` is one query (a join and an ``EXISTS``), served by the recipient index on (user, read_at), whatever
the number of recipients."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.announcements.models import Kind, Recipient, SignUp, Status
from sanfu.core.todos import TodoEntry, TodoSource

CLOSING_SOON = timedelta(days=3)


def _closing_q(now: datetime) -> Q:
    """A received 文体活动 whose sign-up closes within ``CLOSING_SOON`` (annotated ``answered`` is False)."""
    return Q(
        announcement__kind=Kind.ACTIVITY,
        announcement__signup_until__gt=now,
        announcement__signup_until__lte=now + CLOSING_SOON,
        answered=False,
    )


def _open(user: Any, now: datetime) -> QuerySet[Recipient]:
    if not getattr(user, "is_authenticated", False):
        return Recipient.objects.none()
    answered = SignUp.objects.filter(announcement_id=OuterRef("announcement_id"), user_id=user.pk)
    return (
        Recipient.objects.filter(user_id=user.pk, announcement__status=Status.PUBLISHED)
        .exclude(announcement__expires_at__lte=now)
        .annotate(answered=Exists(answered))
        .filter(Q(read_at__isnull=True) | _closing_q(now))
    )


def count(user: Any) -> int:
    return _open(user, timezone.now()).count()


def entries(user: Any, limit: int) -> list[TodoEntry]:
    now = timezone.now()
    rows = (
        _open(user, now)
        .select_related("announcement")
        .annotate(
            rank=Case(
                When(_closing_q(now), then=Value(0)),
                When(announcement__pinned_until__gt=now, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by(
            "rank",
            F("announcement__signup_until").asc(nulls_last=True),  # the same order on SQLite and PostgreSQL
            "-announcement__published_at",
            "-announcement_id",
        )[:limit]
    )
    found = []
    for row in rows:
        a = row.announcement
        closing = cast(int, row.rank) == 0
        found.append(
            TodoEntry(
                title=a.title,
                url=reverse("announcements:detail", args=[a.pk]),
                due=a.signup_until if closing else a.expires_at,
                note=_("报名即将截止") if closing else (_("置顶·未读") if cast(int, row.rank) == 1 else _("未读")),
            )
        )
    return found


def source() -> TodoSource:
    """The source ``AppConfig.ready`` registers."""
    return TodoSource(
        key="announcements",
        label=gettext_lazy("通知公告"),
        icon="bi-megaphone",
        order=50,
        count=count,
        entries=entries,
        empty=gettext_lazy("没有未读的通知公告。"),
        more_url=cast(str, reverse_lazy("announcements:list")),  # resolved when shown
    )
