"""What 值班安排 gives the shell's registries: the flow subject (the swap's page), the person's shifts on their
agenda, and the duty to-dos (a handover to receive, a swap to agree to, an incident to acknowledge)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django.db.models import Q
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.core.agenda import AgendaItem
from sanfu.core.todos import TodoEntry, TodoSource
from sanfu.duty import selectors
from sanfu.duty.models import Shift, Swap


def swap_pages(instance_ids: Sequence[int]) -> dict[int, str]:
    """Instance id → the page of the swap it approves (one query for any number of ids)."""
    rows = Swap.objects.filter(instance_id__in=instance_ids).values_list("pk", "instance_id")
    return {instance_id: reverse("duty:swap", args=[pk]) for pk, instance_id in rows}


def agenda_items(user: Any, start: datetime, end: datetime) -> list[AgendaItem]:
    """The person's shifts, as officer or leader on call, overlapping [start, end) (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    shifts = Shift.objects.filter(Q(officer_id=user.pk) | Q(leader_id=user.pk), starts_at__lt=end, ends_at__gt=start)
    items = []
    for shift in shifts.select_related("rota").order_by("starts_at"):
        role = _("值班") if shift.officer_id == user.pk else _("带班")
        items.append(
            AgendaItem(
                uid=f"duty-{shift.pk}-{'officer' if shift.officer_id == user.pk else 'leader'}@sanfu",
                title=f"{role}·{shift.get_kind_display()}",
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                kind=gettext_lazy("值班"),
                url=reverse("duty:shift", args=[shift.pk]),
                place=shift.rota.phone,
            )
        )
    return items


def count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return (
        selectors.pending_handovers(user).count()
        + selectors.swaps_to_agree(user).count()
        + selectors.incidents_to_acknowledge(user).count()
    )


def entries(user: Any, limit: int) -> list[TodoEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    rows: list[TodoEntry] = []
    for entry in selectors.incidents_to_acknowledge(user).select_related("shift")[:limit]:
        rows.append(
            TodoEntry(
                title=entry.content[:60],
                url=reverse("duty:shift", args=[entry.shift_id]),
                due=entry.created_at,
                note=_("突发事件待批示"),
                overdue=entry.escalated_at is not None,
            )
        )
    for handover in selectors.pending_handovers(user).select_related("next_shift")[:limit]:
        shift = handover.next_shift
        assert shift is not None  # pending_handovers filters on its officer
        rows.append(
            TodoEntry(
                title=f"{shift.day.isoformat()} {shift.get_kind_display()}",
                url=reverse("duty:shift", args=[shift.pk]),
                due=shift.starts_at,
                note=_("待确认接班"),
            )
        )
    for swap in selectors.swaps_to_agree(user).select_related("shift", "requester")[:limit]:
        rows.append(
            TodoEntry(
                title=_("%(name)s请您替班：%(day)s %(kind)s")
                % {
                    "name": swap.requester.display_name,
                    "day": swap.shift.day.isoformat(),
                    "kind": swap.shift.get_kind_display(),
                },
                url=reverse("duty:swap", args=[swap.pk]),
                due=swap.shift.starts_at,
                note=_("换班待同意"),
            )
        )
    return rows[:limit]


def todo_source() -> TodoSource:
    """The source ``AppConfig.ready`` registers."""
    return TodoSource(
        key="duty",
        label=gettext_lazy("值班"),
        icon="bi-shield-check",
        order=60,
        count=count,
        entries=entries,
        empty=gettext_lazy("没有待办的值班事项。"),
        more_url=cast(str, reverse_lazy("duty:mine")),
    )
