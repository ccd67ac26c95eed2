"""服务领导决策 in 我的待办 (``core.todos``): the material a department owes (shown to its heads and deputies), a
request the owner has to confirm (需求对接), and drafts the leader has to decide (待领导审定)."""

from __future__ import annotations

from typing import Any, cast

from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.briefing import selectors
from sanfu.briefing.models import State
from sanfu.core.todos import TodoEntry, TodoSource
from sanfu.org.selectors import working_calendar


def count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return selectors.pending_materials_for(user).count() + selectors.requests_waiting_on(user).count()


def entries(user: Any, limit: int) -> list[TodoEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    calendar = working_calendar()
    rows = []
    for m in selectors.pending_materials_for(user).select_related("request", "department").order_by("deadline")[:limit]:
        overdue = selectors.is_overdue(m, calendar=calendar, today=today)
        rows.append(
            TodoEntry(
                title=m.request.title,
                url=reverse("briefing:request", args=[m.request_id]),
                due=m.deadline,
                note=(_("材料已逾期（%(dept)s）") if overdue else _("待报送材料（%(dept)s）"))
                % {"dept": m.department.name},
                overdue=overdue,
            )
        )
    for r in selectors.requests_waiting_on(user).order_by("due_on")[: max(0, limit - len(rows))]:
        rows.append(
            TodoEntry(
                title=r.title,
                url=reverse("briefing:request", args=[r.pk]),
                due=r.due_on,
                note=_("待确认需求") if r.state == State.INTAKE else _("待审定"),
                overdue=r.due_on < today,
            )
        )
    return rows


def source() -> TodoSource:
    return TodoSource(
        key="briefing",
        label=gettext_lazy("决策服务"),
        icon="bi-journal-text",
        order=45,
        count=count,
        entries=entries,
        empty=gettext_lazy("没有待办的信息报送或调研事项。"),
        more_url=cast(str, reverse_lazy("briefing:list")),
    )
