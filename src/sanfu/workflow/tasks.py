"""The worker's share of the flow engine: deadlines/timers and the outbox sweep."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.workflow import outbox, services


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no types
def tick_due_instances() -> int:
    """Fire reminders, deadlines and timers that have come due."""
    return services.instances_tick_due()


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def sweep_outbox() -> int:
    """Deliver whatever is still undelivered — including messages a dead worker had claimed."""
    return outbox.deliver_pending()
