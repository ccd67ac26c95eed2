"""The organisation's list pages run a fixed number of queries, however many rows they show."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanfu.org.models import CalendarDay, DayKind, Delegation, Department, Post, PostRole, Rank, Secretary, Staff
from tests.conftest import make_department, make_staff, make_user

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str, **extra: Any) -> int:
    client.get(url, **extra)  # warm up: session, grants and other per-client first-time reads
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured)


def _people(department: Department, count: int, *, concurrent: Department | None = None) -> None:
    for _i in range(count):
        user = make_staff(department)
        if concurrent is not None:
            staff = Staff.objects.get(user=user)
            Post.objects.create(staff=staff, department=concurrent, role=PostRole.MEMBER, is_primary=False)


def test_directory(org: dict[str, Any], login: Any) -> None:
    client = login(org["clerk"])
    url = f"/org/?unit={org['unit'].pk}"
    few = _queries(client, url)
    _people(org["finance"], 12, concurrent=org["office"])
    assert _queries(client, url) == few
    # The department filter and the HTMX partial as well.
    url = f"/org/?unit={org['unit'].pk}&dept={org['office'].pk}"
    assert _queries(client, url, HTTP_HX_REQUEST="true") == _queries(client, url, HTTP_HX_REQUEST="true")


def test_leaders(org: dict[str, Any], login: Any) -> None:
    client = login(org["accountant"])
    url = f"/org/leaders/?unit={org['unit'].pk}"
    Secretary.objects.create(secretary=org["clerk"], leader=org["deputy"])
    few = _queries(client, url)
    for i in range(6):
        leader = make_staff(org["leaders"], rank=Rank.DEPUTY_LEADER, full_name=f"副总{i}")
        make_department(org["unit"], f"分管部门{i}", leader_in_charge=leader)
        Secretary.objects.create(secretary=make_user(), leader=leader)
    many = _queries(client, url)
    assert many == few
    text = client.get(url).content.decode()  # each card still shows its own departments
    assert "分管部门5" in text
    assert "副总5" in text


def test_calendar(org: dict[str, Any], login: Any) -> None:
    client = login(org["clerk"])
    today = timezone.localdate()
    url = f"/org/calendar/?year={today.year}&month={today.month}"
    few = _queries(client, url)
    first = date(today.year, today.month, 1)
    for i in range(20):
        CalendarDay.objects.create(date=first + timedelta(days=i), kind=DayKind.HOLIDAY, note=f"调休{i}")
    assert _queries(client, url) == few


def test_delegations(org: dict[str, Any], login: Any) -> None:
    client = login(org["deputy"])
    url = "/org/delegations/"
    few = _queries(client, url)
    now = timezone.now()
    for i in range(8):
        other = make_user()
        start = now + timedelta(days=i * 3)
        Delegation.objects.create(
            principal=org["deputy"], delegate=other, starts_at=start, ends_at=start + timedelta(days=1)
        )
        Delegation.objects.create(
            principal=other, delegate=org["deputy"], starts_at=start, ends_at=start + timedelta(days=1)
        )
    assert _queries(client, url) == few
