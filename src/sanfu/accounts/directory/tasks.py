"""The worker's directory sync, every ``SANFU_LDAP_SYNC_MINUTES`` (0: never; ``sanfu directory sync`` by hand).

Huey finds periodic tasks in each app's ``tasks`` module: ``sanfu.accounts.tasks`` imports this one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from huey.contrib.djhuey import db_periodic_task

from sanfu.accounts.directory.config import ldap_enabled
from sanfu.core.errors import ApplicationError

logger = logging.getLogger(__name__)


def _due(now: datetime) -> bool:
    """Huey checks every minute; the sync is due when the minutes since midnight divide by the interval."""
    minutes = int(getattr(settings, "SANFU_LDAP_SYNC_MINUTES", 0))
    return bool(minutes and ldap_enabled() and (now.hour * 60 + now.minute) % minutes == 0)


@db_periodic_task(_due)  # type: ignore[untyped-decorator]
def sync_directory() -> int:
    """Run the directory sync; how many accounts it changed."""
    from sanfu.accounts.directory.ldap import read_directory  # python-ldap: only once LDAP is configured
    from sanfu.accounts.directory.sync import directory_sync

    try:
        report = directory_sync(directory=read_directory(), by="sanfu worker")
    except ApplicationError as exc:
        logger.warning("directory sync refused: %s", exc.message)
        return 0
    return len(report.created) + len(report.updated) + len(report.disabled)
