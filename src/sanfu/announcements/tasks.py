"""The worker's share of 通知公告: filing the announcements whose validity has passed (``archiving``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.announcements.archiving import file_expired


@db_periodic_task(crontab(minute="10"))  # type: ignore[untyped-decorator]  # huey ships no types
def file_expired_announcements() -> int:
    """Every hour: file into the archive what expired since the last run (each once)."""
    return file_expired()
