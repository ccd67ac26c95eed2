"""Reminders of material owed (催报), run by the worker twice a day (``tasks.py``) on the working calendar.

For each department that has not answered a request still collecting material:

- **即将到期** on the last working day before its deadline;
- **今日到期** on the deadline (a deadline on a rest day runs to the next working day);
- **已逾期** once the deadline has passed, to the department and to the owner.

Each is claimed by inserting its ``ReminderSent`` row (unique per material and kind) in the transaction that writes
its notices: of two workers, one inserts and sends; the other sends nothing. A run that missed a day sends what is
due now, not what it missed."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from sanfu.briefing import selectors
from sanfu.briefing.models import Material, MaterialState, ReminderKind, ReminderSent, State
from sanfu.core.notify import notify_people
from sanfu.org.clearance import RESTRICTED_LEVELS
from sanfu.org.selectors import working_calendar

_TITLES: dict[str, Promise] = {
    ReminderKind.BEFORE: gettext_lazy("材料报送即将到期：%(title)s"),
    ReminderKind.DUE: gettext_lazy("材料今日到期：%(title)s"),
    ReminderKind.OVERDUE: gettext_lazy("材料报送已逾期：%(title)s"),
}


def _kind_for(today: date, before: date, due: date) -> str | None:
    if today > due:
        return ReminderKind.OVERDUE
    if today == due:
        return ReminderKind.DUE
    if before <= today < due:
        return ReminderKind.BEFORE
    return None


def reminders_send(*, today: date | None = None) -> int:
    """Send what is due today (see the module); returns how many reminders were sent now."""
    today = today or timezone.localdate()
    calendar = working_calendar()
    owed = list(
        Material.objects.filter(state=MaterialState.PENDING, request__state=State.COLLECTING)
        .select_related("request")
        .order_by("id")
    )
    people = selectors.heads_and_members(sorted({m.department_id for m in owed}))
    sent = 0
    for material in owed:
        due = selectors.effective_deadline(calendar, material.deadline)
        kind = _kind_for(today, selectors.workday_before(calendar, due), due)
        if kind is None:
            continue
        request = material.request
        wanted = list(people.get(material.department_id, []))
        if kind == ReminderKind.OVERDUE:
            wanted.append(request.owner_id)
        try:
            with transaction.atomic():
                ReminderSent.objects.create(material=material, kind=kind)
                notify_people(
                    key=f"briefing:remind:{material.pk}:{kind}",
                    people=wanted,
                    kind="briefing",
                    title=str(_TITLES[kind]) % {"title": request.title},
                    url=reverse("briefing:request", args=[request.pk]),
                    body=due.isoformat(),
                    classified=request.confidentiality in RESTRICTED_LEVELS,
                )
        except IntegrityError:
            continue
        sent += 1
    return sent
