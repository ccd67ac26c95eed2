"""The worker's share of 服务领导决策 (``sanfu worker`` finds this module by its name): reminders of material owed,
each day at 08:30 and 14:30 in Asia/Shanghai (a reminder is sent at most once). The worker's clock is UTC."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.briefing.reminders import reminders_send


@db_periodic_task(crontab(minute="30", hour="0,6"))  # type: ignore[untyped-decorator]  # 08:30, 14:30 Shanghai
def send_briefing_reminders() -> int:
    """Remind departments before and on their deadline, and tell the owner when one is overdue."""
    return reminders_send()
