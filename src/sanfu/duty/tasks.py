"""The worker's share of 值班安排 (``sanfu worker`` finds this module by its name): reminders to the officer and the
leader on call before and at the start of each shift, and escalation of incidents nobody acknowledged, every five
minutes (each message is claimed by a conditional update and sent once)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.duty.services import incidents_escalate, reminders_send


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]  # huey ships no types
def send_duty_reminders() -> int:
    """Remind the people on duty (see ``duty.services.log.reminders_send``)."""
    return reminders_send()


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def escalate_duty_incidents() -> int:
    """Tell the unit's top leaders and office of incidents left unacknowledged."""
    return incidents_escalate()
