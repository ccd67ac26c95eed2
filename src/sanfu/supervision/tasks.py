"""The worker's share of 督办 (``sanfu worker`` finds this module by its name): the status snapshots recomputed
for the new day just after midnight (``snapshots``), and reminders before reports fall due and escalation when
items or reports are overdue (``reminders.py``), each day at 08:00 and again at 14:00 (a reminder is sent at
most once). The worker's clock is UTC: the hours below are Asia/Shanghai's minus eight."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.supervision import snapshots
from sanfu.supervision.reminders import reminders_send


@db_periodic_task(crontab(minute="1", hour="16"))  # type: ignore[untyped-decorator]  # 00:01 in Asia/Shanghai
def refresh_supervision_statuses() -> int:
    """Every item's status snapshot made fresh for the office's new day (see ``supervision.snapshots``)."""
    return snapshots.refresh()


@db_periodic_task(crontab(minute="0", hour="0,6"))  # type: ignore[untyped-decorator]  # 08:00, 14:00 Shanghai
def send_supervision_reminders() -> int:
    """Remind owners and escalate overdue items (see ``supervision.reminders``)."""
    return reminders_send()
