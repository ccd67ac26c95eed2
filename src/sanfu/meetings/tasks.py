"""The worker's share of 办会: the materials reminder (``services.reminders``), each working morning and early
afternoon (a department is reminded once per deadline, however often it runs)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.meetings.services.reminders import materials_remind


@db_periodic_task(crontab(minute="30", hour="8,13"))  # type: ignore[untyped-decorator]  # huey ships no types
def send_materials_reminders() -> int:
    """Remind presenting departments whose materials are not in yet (see ``meetings.services.reminders``)."""
    return materials_remind()
