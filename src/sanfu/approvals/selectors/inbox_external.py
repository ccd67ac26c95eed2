"""Reads for 统一待办's pushing side: what one account pushed (the inbox's side is in ``inbox``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sanfu.accounts.models import User
from sanfu.approvals.models import ExternalTodo, ExternalTodoStatus


def todos_pushed_by(
    actor: User, *, person: str = "", status: ExternalTodoStatus | None = None
) -> QuerySet[ExternalTodo]:
    """The to-dos ``actor`` pushed, newest first; ``person`` narrows them to one person by username or 工号
    (someone unknown simply has none)."""
    qs = ExternalTodo.objects.filter(pushed_by=actor)
    person = person.strip()
    if person:
        qs = qs.filter(Q(person__username=person[:150]) | Q(person__staff__employee_no=person[:32]))
    if status is not None:
        qs = qs.filter(status=status)
    return qs.select_related("person").order_by("-id")
