"""办会 in 我的待办 (``core.todos``): the person's notices of meetings not yet over that they have not replied to
(due: the meeting's start), and, for an organiser, the plans the leader returned to them. ``count`` is one
query (a subquery for the notices)."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.core.todos import TodoEntry, TodoSource
from sanfu.meetings.models import Attendee, Meeting, MeetingStatus, Reply


def _open(user: Any) -> QuerySet[Meeting]:
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    pending = Attendee.objects.filter(user_id=user.pk, reply=Reply.PENDING).values("meeting_id")
    return Meeting.objects.filter(
        Q(pk__in=pending, status=MeetingStatus.NOTIFIED, ends_at__gt=timezone.now())
        | Q(organiser_id=user.pk, status=MeetingStatus.RETURNED)
    )


def count(user: Any) -> int:
    return _open(user).count()


def entries(user: Any, limit: int) -> list[TodoEntry]:
    now = timezone.now()
    rows = []
    for meeting in _open(user).only("pk", "title", "starts_at", "status").order_by("starts_at", "id")[:limit]:
        returned = meeting.status == MeetingStatus.RETURNED
        rows.append(
            TodoEntry(
                title=meeting.title,
                url=reverse("meetings:meeting", args=[meeting.pk]),
                due=meeting.starts_at,
                note=_("方案已退回，请修改后重新提交") if returned else _("会议通知待回复"),
                overdue=meeting.starts_at <= now,
            )
        )
    return rows


def source() -> TodoSource:
    """The source ``AppConfig.ready`` registers."""
    return TodoSource(
        key="meetings",
        label=gettext_lazy("会议"),
        icon="bi-calendar-event",
        order=30,
        count=count,
        entries=entries,
        empty=gettext_lazy("没有待回复的会议通知。"),
        more_url=cast(str, reverse_lazy("meetings:meetings")),  # resolved when shown
    )
