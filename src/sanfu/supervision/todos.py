"""督办 in 我的待办 (``core.todos``): the person's open items whose progress report falls due by tomorrow or is
overdue (周报待报送), and those past their deadline. Counted from one query of the person's open items (a
person owns a handful); the dates are calendar days here — the worker's reminders use the working calendar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.core.todos import TodoEntry, TodoSource
from sanfu.supervision.models import Item, ItemState


def _due(user: Any) -> list[tuple[Item, Any, bool]]:
    """(item, report due day, item overdue) of the person's open items that call for a report now."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    found = []
    items = Item.objects.filter(owner_id=user.pk, state=ItemState.OPEN).only(
        "pk", "title", "created_at", "last_report_at", "cadence_days", "deadline"
    )
    for item in items.order_by("deadline", "id"):
        base = timezone.localdate(item.last_report_at or item.created_at)
        due = base + timedelta(days=item.cadence_days)
        late = item.deadline < today
        if due <= today + timedelta(days=1) or late:
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
