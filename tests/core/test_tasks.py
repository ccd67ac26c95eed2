from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from sanfu.core.tasks import purge_expired_sessions


def test_worker_purges_expired_sessions_only(db):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(minutes=1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(hours=1))
    purge_expired_sessions.call_local()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
