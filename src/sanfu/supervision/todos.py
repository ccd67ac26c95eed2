"""督办 in 我的待办 (``core.todos``): the person's open items whose progress report is due (周报待报送) — from the
day the worker reminds the owner, the last working day before the report's due day, on — or overdue, and those
past their deadline. All on the working calendar, as the worker's reminders (``reminders``) and the status
(``status``) count: a report due on a rest day is due on the next working day, a deadline on a rest day runs
to the next working day. Counted from one query of the person's open items (a person owns a handful) and the
calendar's table."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.core.todos import TodoEntry, TodoSource
from sanfu.supervision import selectors
from sanfu.supervision.models import Item, ItemState
from sanfu.supervision.status import effective_deadline, report_due_on


def _due(user: Any) -> list[tuple[Item, date, bool]]:
    """(item, report due day, item overdue) of the person's open items that call for a report now."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    found: list[tuple[Item, date, bool]] = []
    items = list(
        Item.objects.filter(owner_id=user.pk, state=ItemState.OPEN)
        .only("pk", "title", "state", "created_at", "last_report_at", "cadence_days", "deadline")
        .order_by("deadline", "id")
    )
    if not items:
        return found
    days = selectors.workdays()
    for item in items:
        due = report_due_on(days, selectors.facts_of(item))
        late = today > effective_deadline(days, item.deadline)
        if due is None:
            continue
        if days.before(due) <= today or late:
            found.append((item, due, late))
    return found


def count(user: Any) -> int:
    return len(_due(user))


def entries(user: Any, limit: int) -> list[TodoEntry]:
    today = timezone.localdate()
    rows = []
    for item, due, late in _due(user)[:limit]:
        note = _("已逾期") if late else (_("进展报送逾期") if due < today else _("进展待报送"))
        rows.append(
            TodoEntry(
                title=item.title,
                url=reverse("supervision:item", args=[item.pk]),
                due=item.deadline if late else due,
                note=note,
                overdue=late or due < today,
            )
        )
    return rows


def source() -> TodoSource:
    """The source ``AppConfig.ready`` registers."""
    return TodoSource(
        key="supervision",
        label=gettext_lazy("督办"),
        icon="bi-flag",
        order=40,
        count=count,
        entries=entries,
        empty=gettext_lazy("没有待报送的督办事项。"),
        more_url=cast(str, reverse_lazy("supervision:ledger")),  # resolved when shown
    )
