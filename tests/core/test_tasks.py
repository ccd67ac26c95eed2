from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from sanfu.core.tasks import checkpoint_sqlite, purge_expired_sessions


def test_worker_purges_expired_sessions_only(db):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(minutes=1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(hours=1))
    purge_expired_sessions.call_local()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.django_db(transaction=True)
def test_worker_checkpoints_the_sqlite_log_that_requests_leave_to_it():
    if connection.vendor != "sqlite":
        assert checkpoint_sqlite.call_local() is None
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 10_000  # a commit does not checkpoint before 10,000 pages
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # start from an empty log
    Session.objects.create(session_key="a", session_data="", expire_date=timezone.now())  # committed: in the log
    assert checkpoint_sqlite.call_local() > 0
    assert Session.objects.filter(session_key="a").exists()
