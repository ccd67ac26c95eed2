"""Periodic housekeeping run by the worker (``sanfu worker``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.core.audit import audit_anchor
from sanfu.core.media import media_scan
from sanfu.core.notify import send_daily_digests


@db_periodic_task(crontab(minute="17", hour="3"))  # type: ignore[untyped-decorator]  # huey ships no types
def purge_expired_sessions() -> int:
    """Delete sessions past their expiry so that the table does not keep dead sign-ins."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@db_periodic_task(crontab(minute=f"*/{settings.SANFU_AUDIT_ANCHOR_MINUTES}"))  # type: ignore[untyped-decorator]
def anchor_audit_chain() -> int | None:
    """Write the audit chain's signed head outside the database (see ``sanfu.core.audit``)."""
    anchor = audit_anchor()
    return anchor.seq if anchor else None


# Weekly, at a quiet hour: Saturday 19:47 UTC is Sunday 03:47 in Asia/Shanghai.
@db_periodic_task(crontab(minute="47", hour="19", day_of_week="6"))  # type: ignore[untyped-decorator]
def clean_up_media() -> int:
    """Remove uploaded files no row names any more and older than a day (``sanfu media_cleanup --delete``)."""
    return media_scan(delete=True).deleted


@db_periodic_task(crontab(minute="30", hour="9"))  # type: ignore[untyped-decorator]  # 17:30 in Asia/Shanghai
def daily_digest() -> int:
    """Mail each person who asked for it a digest of the day's unread notices."""
    return send_daily_digests()


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def checkpoint_sqlite() -> int | None:
    """Copy SQLite's write-ahead log into the database file here in the worker, so that requests'
    commits seldom have to (see ``SQLITE_PRAGMAS``). PASSIVE: it never waits for, nor blocks, readers or
    writers; what it cannot copy yet is copied next time. The number of pages copied (None on PostgreSQL)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _busy, _logged, copied = cursor.fetchone()
    return int(copied)
