"""The worker's share of 效能: after each month ends, the closed month's review of every unit is computed and
cached (``services.month_reviews_fill``), so the first reader of the month does not wait for it."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.insights import escalation
from sanfu.insights.services import month_reviews_fill


@db_periodic_task(crontab(minute="20", hour="1", day="1"))  # type: ignore[untyped-decorator]  # huey ships no types
def fill_month_reviews() -> int:
    """On the 1st at 01:20: the month just closed, for every unit."""
    return month_reviews_fill()


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
def warn_late_tasks() -> int:
    """Every quarter hour: 预警 for open tasks likely to miss their time limit (``escalation``)."""
    return escalation.warn_late_tasks()
