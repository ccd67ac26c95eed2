"""材料催交: the worker reminds the presenting departments that have not uploaded the materials of their agenda
items, ``MATERIALS_REMIND_WORKING_DAYS`` working days before the meeting's materials deadline (on the working
calendar; a day the worker missed is caught up on the next run, while the deadline is still ahead).

Who is told: the department's heads and deputies (负责人, 副职), or all its people when it has none. Each message
is keyed by meeting, department and deadline: a second run (or a second worker) finds the notices and sends
nothing again; a deadline moved later is a new deadline and is reminded once more."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.core.notify import notify_people
from sanfu.meetings.models import AgendaItem, Meeting, MeetingStatus
from sanfu.org.calendar import WorkingCalendar
from sanfu.org.models import Post, PostRole
from sanfu.org.selectors import working_calendar

MATERIALS_REMIND_WORKING_DAYS = 2  # remind this many working days before the materials deadline
NOTICE_KIND = "remind"
_WINDOW_DAYS = 40  # calendar days that surely hold that many working days, holidays included


def remind_from(calendar: WorkingCalendar, due_day: date, days: int = MATERIALS_REMIND_WORKING_DAYS) -> date:
    """The day reminders start: the ``days``-th working day before ``due_day`` (the due day itself for 0)."""
    current = due_day
    for _n in range(days):
        current -= timedelta(days=1)
        while not calendar.is_workday(current):
            current -= timedelta(days=1)
    return current


def _people(department_ids: set[int]) -> dict[int, list[int]]:
    """Heads and deputies of each department, or all its people when it has none (one query)."""
    posts = Post.objects.filter(department_id__in=department_ids, staff__user__is_active=True).values_list(
        "department_id", "role", "staff__user_id"
    )
    heads: dict[int, list[int]] = {}
    everyone: dict[int, list[int]] = {}
    for department_id, role, user_id in posts.order_by("id"):
        everyone.setdefault(department_id, []).append(user_id)
        if role in (PostRole.HEAD, PostRole.DEPUTY):
            heads.setdefault(department_id, []).append(user_id)
    return {d: heads.get(d) or everyone.get(d, []) for d in department_ids}


def materials_remind(*, now: datetime | None = None, calendar: WorkingCalendar | None = None) -> int:
    """Remind the departments due now (see the module); returns how many notices were new."""
    now = now or timezone.now()
    calendar = calendar or working_calendar()
    today = timezone.localtime(now).date()
    meetings = {
        m.pk: m
        for m in Meeting.objects.filter(
            status=MeetingStatus.NOTIFIED,
            materials_due__gt=now,
            materials_due__lte=now + timedelta(days=_WINDOW_DAYS),
        ).only("pk", "title", "materials_due")
    }
    due = {
        pk: m
        for pk, m in meetings.items()
        if m.materials_due is not None and remind_from(calendar, timezone.localtime(m.materials_due).date()) <= today
    }
    if not due:
        return 0
    missing = (
        AgendaItem.objects.filter(meeting_id__in=list(due), department__isnull=False)
        .annotate(files_count=Count("files"))
        .filter(files_count=0)
        .values_list("meeting_id", "department_id", "topic")
        .order_by("meeting_id", "no")
    )
    topics: dict[tuple[int, int], list[str]] = {}
    for meeting_id, department_id, topic in missing:
        topics.setdefault((meeting_id, department_id), []).append(topic)
    people = _people({department_id for _m, department_id in topics})
    sent = 0
    for (meeting_id, department_id), items in topics.items():
        meeting = due[meeting_id]
        assert meeting.materials_due is not None  # filtered above
        at = timezone.localtime(meeting.materials_due)
        with transaction.atomic():
            sent += notify_people(
                key=f"meeting-materials:{meeting_id}:{department_id}:{at.isoformat()}",
                people=people.get(department_id, []),
                kind=NOTICE_KIND,
                title=_("请提交会议材料：%(title)s") % {"title": meeting.title},
                url=reverse("meetings:meeting", args=[meeting_id]),
                body=_("材料提交截止时间 %(at)s；尚未提交材料的议题：%(topics)s")
                % {"at": f"{at:%Y-%m-%d %H:%M}", "topics": "、".join(items)},
            )
    return sent
