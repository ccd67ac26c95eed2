"""我的日程 (``core.agenda``): the person's open flow tasks whose deadline falls in the span, each linking to the
page where it is handled (the domain's own page for a subject, else the 审批中心's instance page)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.agenda import AgendaItem
from sanfu.workflow import selectors, subjects


def agenda_items(user: User, start: datetime, end: datetime) -> list[AgendaItem]:
    """Open to-dos (待办) of ``user`` due in [start, end): a moment each, at its deadline. One query for the tasks
    and one per subject for their pages."""
    if not getattr(user, "is_authenticated", False):
        return []
    tasks = list(
        selectors.tasks_of(user, "todo")
        .filter(due_at__gte=start, due_at__lt=end)
        .select_related("instance__definition")
    )
    pages = subjects.pages_of((t.instance_id, t.instance.definition.key) for t in tasks)
    return [
        AgendaItem(
            uid=f"task-{t.pk}@sanfu",
            title=_("%(title)s · %(step)s") % {"title": t.instance.title, "step": t.node_name},
            starts_at=t.due_at,
            kind=_("待办"),
            url=pages.get(t.instance_id) or reverse("approvals:instance", args=[t.instance_id]),
            note=_("办理期限"),
        )
        for t in tasks
        if t.due_at is not None
    ]
