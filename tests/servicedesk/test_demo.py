"""The demo window: ten services, three months of closed requests with ratings and returns, live requests in the
departments' 我的待办, complaints answered and open; the figures have something to say; a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.demo.seed import seed_all
from sanfu.demo.servicedesk import seed_servicedesk
from sanfu.org.models import Unit
from sanfu.servicedesk import figures
from sanfu.servicedesk.models import (
    Complaint,
    ComplaintStatus,
    MissingItem,
    Rating,
    RequestStatus,
    Service,
    ServiceRequest,
)

pytestmark = pytest.mark.django_db


def test_the_demo_window() -> None:
    seed_all()
    assert Service.objects.count() == 10
    assert ServiceRequest.objects.filter(status=RequestStatus.DONE).count() >= 100
    assert ServiceRequest.objects.filter(status=RequestStatus.AWAITING).exists()
    assert ServiceRequest.objects.filter(status=RequestStatus.HANDLING, instance__isnull=False).exists()
    assert Rating.objects.filter(score__lte=2, reviewed_at__isnull=False).exists()
    assert Rating.objects.filter(score__lte=2, review_instance__isnull=False, reviewed_at__isnull=True).exists()
    assert set(Complaint.objects.values_list("status", flat=True)) == {ComplaintStatus.OPEN, ComplaintStatus.ANSWERED}
    assert MissingItem.objects.exists()
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    unit = Unit.objects.get(code=MAIN_UNIT_CODE)
    found = figures.month_figures(unit_id=unit.pk, year=last.year, month=last.month)
    assert found.total.volume > 0
    assert found.total.one_trip_share is not None
    before = ServiceRequest.objects.count()
    assert seed_servicedesk() == 0
    assert ServiceRequest.objects.count() == before
