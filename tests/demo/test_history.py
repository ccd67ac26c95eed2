"""Demo history: requests over six months made through the services, with real events."""

from datetime import timedelta

from django.utils import timezone

from sanfu.approvals.models import Request
from sanfu.demo.history import seed_history
from sanfu.workflow.models import InstanceEvent, OutboxMessage


def test_history_is_made_through_the_services_and_only_once(demo):
    made = seed_history(count=40, days=60)
    assert made >= 35  # a generated form the rules refuse is skipped, rarely
    assert Request.objects.count() == made
    statuses = set(Request.objects.values_list("instance__status", flat=True))
    assert "approved" in statuses
    oldest = Request.objects.order_by("created_at").first()
    assert oldest.created_at < timezone.now() - timedelta(days=7)
    events = InstanceEvent.objects.filter(instance=oldest.instance).order_by("seq")
    assert events.first().type == "submitted"
    assert all(e.at <= timezone.now() for e in events)
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True, kind="notify").exists()  # no flood
    assert seed_history(count=40) == 0
