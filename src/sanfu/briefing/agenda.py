"""服务领导决策 on 我的日程 (``core.agenda``): the day a department's material is due, for its heads and deputies
(while owed), and the due date of a request in hand, for its owner and the requesting leader. One query (two
with the working calendar) whatever the span; a deadline on a rest day is shown on the working day it runs to."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import BooleanField, Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.briefing import selectors
from sanfu.briefing.models import Material, Request, State
from sanfu.core.agenda import AgendaItem
from sanfu.org.selectors import working_calendar


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def agenda_items(user: Any, start: datetime, end: datetime) -> list[AgendaItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    first = timezone.localtime(start).date() - timedelta(days=10)  # a rest-day deadline runs a few days on
    last = timezone.localtime(end).date()
    owed = Q(pk__in=selectors.pending_materials_for(user).values("pk"), deadline__gte=first, deadline__lte=last)
    mine = Q(request__owner_id=user.pk) | Q(request__requested_by_id=user.pk)
    due = Q(request__due_on__gte=first, request__due_on__lte=last) & ~Q(request__state=State.ISSUED)
    # one query: the material owed, and (through any of its materials) each request in hand falling due
    rows = list(
        Material.objects.filter(owed | (mine & due))
        .annotate(is_owed=Case(When(owed, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .select_related("request", "department")
        .order_by("id")
    )
    if not rows:
        return []
    calendar = working_calendar()
    found: list[AgendaItem] = []

    def add(uid: str, title: str, day: date, url: str) -> None:
        if _at(day) < end and _at(day + timedelta(days=1)) > start:
            found.append(
                AgendaItem(
                    uid=uid,
                    title=title,
                    starts_at=_at(day),
                    ends_at=_at(day + timedelta(days=1)),
                    all_day=True,
                    kind=_("决策服务"),
                    url=url,
                )
            )

    requests: dict[int, Request] = {}
    for m in rows:
        if user.pk in (m.request.owner_id, m.request.requested_by_id):
            requests[m.request_id] = m.request
        if not m.is_owed:
            continue
        day = selectors.effective_deadline(calendar, m.deadline)
        url = reverse("briefing:request", args=[m.request_id])
        add(f"briefing-material-{m.pk}@sanfu", _("报送材料：%(title)s") % {"title": m.request.title}, day, url)
    for r in requests.values():
        if not (first <= r.due_on <= last) or r.state == State.ISSUED:
            continue
        day = selectors.effective_deadline(calendar, r.due_on)
        add(
            f"briefing-{r.pk}@sanfu",
            _("完成时限：%(title)s") % {"title": r.title},
            day,
            reverse("briefing:request", args=[r.pk]),
        )
    return found
