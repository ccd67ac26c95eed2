"""When the holder of a task first opens it: the fact that splits a task's time into waiting in the queue and
handling (the efficiency review, ``sanfu.insights``).

It is a measurement, not a step: nothing in the flow changes, nobody is told, and the engine's state does not
hold it. One conditional UPDATE records the first opening; a later one changes nothing (``seen_at IS NULL``), so
the moment never moves and two tabs opening at once cannot move it either."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.workflow.models import TODO_KINDS, Task, TaskStatus


def tasks_seen(*, actor: User, instance_id: int, now: datetime | None = None) -> int:
    """``actor`` has the instance in front of them: their open approval and handling tasks on it (held by them,
    or held for them by a delegate) not opened before are marked opened at ``now``. A task waiting for its turn
    (a later 依次 signer), a notice, another person's task or one already opened is left as it is. Returns how
    many were marked."""
    return (
        Task.objects.filter(
            Q(assignee=actor) | Q(on_behalf_of=actor),
            instance_id=instance_id,
            status=TaskStatus.OPEN,
            kind__in=TODO_KINDS,
            seen_at__isnull=True,
        )
        .order_by()
        .update(seen_at=now or timezone.now())
    )
