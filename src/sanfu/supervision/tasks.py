"""The worker's share of 督办: reminders before reports fall due and escalation when items or reports are
overdue (``reminders.py``), each day at 08:00 and again at 14:00 (a reminder is sent at most once)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.supervision.reminders import reminders_send


@db_periodic_task(crontab(minute="0", hour="8,14"))  # type: ignore[untyped-decorator]  # huey ships no types
def send_supervision_reminders() -> int:
    """Remind owners and escalate overdue items (see ``supervision.reminders``)."""
    return reminders_send()
