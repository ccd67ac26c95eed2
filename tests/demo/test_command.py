"""``sanfu demo`` as ``make run`` runs it — the whole demo with a little history — run once for the module
(seeding everything costs tens of seconds), then read by each test: what it prints, who manages processes, the
catalogue, the service window; and a second run that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.approvals.models import MatterType, Request
from sanfu.demo.org import DEMO_PASSWORD, MAIN_UNIT_CODE, PROCESS_ADMIN
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
from tests.worlds import built_once

pytestmark = pytest.mark.django_db


def _demo() -> str:
    out = StringIO()
    call_command("demo", "--history", "5", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def printed(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """What the command printed; the database holds the whole demo."""
    yield from built_once(django_db_blocker, tmp_path_factory, _demo)


def test_the_command_prints_the_sign_ins(printed: str) -> None:
    for word in ["角色", "用户名", "姓名", "密码", "gm", "office_head", "sysadmin", DEMO_PASSWORD, "TOTP"]:
        assert word in printed


def test_the_command_names_flowadmin_and_its_second_factor(printed: str) -> None:
    assert "flowadmin" in printed
    assert "流程管理员（flowadmin）首次登录时须绑定 TOTP" in printed


def test_the_demo_seeds_organisation_matters_and_a_little_history(printed: str) -> None:
    assert MatterType.objects.filter(code="leave").exists()
    assert Request.objects.count() >= 4


def test_no_business_user_of_the_demo_manages_processes(printed: str) -> None:
    managers = [u.username for u in User.objects.filter(is_active=True) if has_perm(u, Perm.MANAGE_PROCESSES)]
    assert managers == [PROCESS_ADMIN]
    client = Client()
    client.post(reverse("accounts:login"), {"username": "office_head", "password": DEMO_PASSWORD})
    assert client.get("/").status_code == 200  # no TOTP asked of the 办公室主任


def test_the_demo_window(printed: str) -> None:
    """Ten services, three months of closed requests with ratings and returns, live requests in the departments'
    我的待办, complaints answered and open; the figures have something to say."""
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
    # the history's months have complaints and held clocks for the figures' page to show, not a row of zeros
    history = [figures.month_figures(unit_id=unit.pk, year=d.year, month=d.month) for d in _last_months(last, 3)]
    assert sum(f.total.complaints for f in history) > 0
    assert any(f.total.paused for f in history)
    assert Complaint.objects.filter(request__number__startswith="FWH", status=ComplaintStatus.ANSWERED).exists()


def _last_months(last: date, n: int) -> list[date]:
    months = [last]
    while len(months) < n:
        months.append(months[-1].replace(day=1) - timedelta(days=1))
    return months


def test_a_second_run_changes_nothing(printed: str) -> None:
    requests, users = ServiceRequest.objects.count(), User.objects.count()
    assert seed_servicedesk() == 0
    again = _demo()
    assert "gm" in again
    assert (ServiceRequest.objects.count(), User.objects.count()) == (requests, users)
    assert Request.objects.count() >= 4
    assert User.objects.filter(username=PROCESS_ADMIN).count() == 1
