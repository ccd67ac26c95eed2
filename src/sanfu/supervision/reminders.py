"""Reminders and escalation (提醒与督促), run by the worker once a day (``tasks.py``) on the working calendar.

For each open item:

- **报送提醒**: on the last working day before a progress report is due (the due day itself when the worker
  missed that day), the owner is reminded, once per due date;
- **报送逾期**: when the report is overdue by more than ``ESCALATE_AFTER_WORKING_DAYS`` working days, the
  assigner and the heads of the lead department are told, once per due date;
- **事项逾期**: when the item is past its deadline on the working calendar, the owner, the assigner and the
  heads of the lead department are told, once per deadline.

Each message is claimed by inserting its ``ReminderSent`` row (unique per item, kind and due date) in the
transaction that writes its notices: of two workers, one inserts and sends; the other's insert fails and it
sends nothing."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sanfu.core.notify import notify_people
from sanfu.org.clearance import RESTRICTED_LEVELS
from sanfu.org.selectors import heads_of_departments, working_calendar
from sanfu.supervision import selectors
from sanfu.supervision.models import Item, ItemState, ReminderKind, ReminderSent
from sanfu.supervision.status import (
    ESCALATE_AFTER_WORKING_DAYS,
    Workdays,
    effective_deadline,
    report_due_on,
    working_days_late,
)

NOTICE_KIND = "supervision"
_TITLES: dict[str, str] = {
    ReminderKind.REPORT_DUE: "督办报送提醒：",
    ReminderKind.REPORT_OVERDUE: "督办报送逾期：",
    ReminderKind.ITEM_OVERDUE: "督办事项逾期：",
}


def _send(item: Item, kind: str, due: date, people: list[int]) -> bool:
    """Claim (item, kind, due) and notify ``people`` in one transaction; False when it was sent before."""
    wanted = [p for p in dict.fromkeys(people) if p]
    try:
        with transaction.atomic():
            ReminderSent.objects.create(item=item, kind=kind, due_on=due)
            notify_people(
                key=f"supervision:{kind}:{item.pk}:{due.isoformat()}",
                people=wanted,
                kind=NOTICE_KIND,
                title=f"{_TITLES[kind]}{item.title}",
                url=reverse("supervision:item", args=[item.pk]),
                body=f"{due.isoformat()}",
                classified=item.confidentiality in RESTRICTED_LEVELS,
            )
    except IntegrityError:
        return False
    return True


def reminders_send(*, today: date | None = None) -> int:
    """Send what is due today (see the module); returns how many reminders were sent now."""
    today = today or timezone.localdate()
    days = Workdays(working_calendar())
    items = list(Item.objects.filter(state=ItemState.OPEN).order_by("id"))
    heads = heads_of_departments({i.lead_department_id for i in items if i.lead_department_id})
    sent = 0
    for item in items:
        facts = selectors.facts_of(item)
        above = [item.assigned_by_id or 0, *(h.pk for h in heads.get(item.lead_department_id or 0, []))]
        due = report_due_on(days, facts)
        if due is not None and days.before(due) <= today <= due:
            sent += _send(item, ReminderKind.REPORT_DUE, due, [item.owner_id])
        if due is not None and working_days_late(days, due, today) > ESCALATE_AFTER_WORKING_DAYS:
            sent += _send(item, ReminderKind.REPORT_OVERDUE, due, above)
        if today > effective_deadline(days, item.deadline):
            sent += _send(item, ReminderKind.ITEM_OVERDUE, item.deadline, [item.owner_id, *above])
    return sent
