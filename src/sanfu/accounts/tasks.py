"""Periodic work on accounts run by the worker (``sanfu worker`` finds this module by its name)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.accounts.directory.tasks import sync_directory  # noqa: F401  # the directory sync, when configured
from sanfu.accounts.dormancy import dormant_accounts_disable


@db_periodic_task(crontab(minute="23", hour="18"))  # type: ignore[untyped-decorator]  # 02:23 in Asia/Shanghai
def disable_dormant_accounts() -> int:
    """Disable the accounts dormant for ``SANFU_DORMANT_DAYS`` (``sanfu accounts dormant``); how many."""
    return len(dormant_accounts_disable(by="sanfu worker").disabled)
