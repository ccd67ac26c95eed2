"""补正期间不计时: a department's return for missing material holds its task's clock; the supply resumes it moved on
by the working days held, and the request's promised date moves by as many (the longest, when several departments
waited). The requester's timeline says 暂停计时 / 恢复计时; the figures show the days held beside the turnaround.
Dates are worked out by hand on the office's calendar (no holiday in late November 2026)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError
from sanfu.servicedesk import figures, selectors, services
from sanfu.servicedesk.models import MaterialReturn, RequestStatus, ServiceRequest
from sanfu.workflow.models import InstanceEvent, Task, TaskStatus
from tests.servicedesk.conftest import setup_window, walk_in
from tests.workflow.test_concurrency import race


def local(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.get_current_timezone())


MONDAY = local(11, 23, 10)  # registered; 工作证明开具 is promised in 2 working days: Wed 11-25


def _task(request: ServiceRequest, department: Any) -> Task:
    return Task.objects.get(instance=request.instance, node=f"dept-{department.pk}", status=TaskStatus.OPEN)


@pytest.mark.django_db
def test_a_return_holds_the_departments_clock_and_the_supply_moves_it_and_the_promised_date(
    desk: dict[str, Any], login: Callable[[Any], Client]
) -> None:
    request = walk_in(desk, now=MONDAY)
    assert request.due_on == date(2026, 11, 25)
    finance, office = desk["finance"], desk["office"]
    assert _task(request, finance).due_at == local(11, 25, 10)

    services.request_return_material(
        actor=desk["finance_head"], request_id=request.pk, items=["近三个月工资条"], now=local(11, 24, 11)
    )
    assert _task(request, finance).due_at is None  # held: no due in the head's inbox
    assert _task(request, office).due_at == local(11, 25, 10)  # the other department's clock runs on
    whats = [m.what for m in selectors.timeline_of(request)]
    assert "财务部暂停计时" in whats
    page = login(desk["accountant"]).get(f"/service/requests/{request.pk}/").content.decode()
    assert 'id="request-paused"' in page

    # Supplied Mon 11-30 12:00: from Tue 11:00, Wed, Thu, Fri and Mon 11:00 have passed — 4 working days.
    services.request_supply(actor=desk["accountant"], request_id=request.pk, now=local(11, 30, 12))
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLING
    assert request.paused_days == 4
    assert request.due_on == date(2026, 12, 1)  # Wed 11-25 + Thu, Fri, Mon, Tue
    assert _task(request, finance).due_at == local(12, 1, 10)
    assert _task(request, office).due_at == local(11, 25, 10)
    assert MaterialReturn.objects.get(request=request).paused_days == 4
    moments = {m.what: m for m in selectors.timeline_of(request)}
    assert moments["财务部恢复计时"].note.startswith("暂停 4 个工作日")
    assert moments["财务部恢复计时"].who == desk["accountant"].display_name
    page = login(desk["accountant"]).get(f"/service/requests/{request.pk}/").content.decode()
    assert 'id="request-paused"' not in page
    assert "2026-12-01" in page
    assert 'id="request-extended"' in page

    services.request_handle(actor=desk["finance_head"], request_id=request.pk, reply="已核", now=local(12, 1, 9))
    services.request_handle(actor=desk["office_head"], request_id=request.pk, reply="已盖章", now=local(12, 1, 9))
    request.refresh_from_db()
    assert request.turnaround_days == 6  # registration to closure, the days held included: Tue … Fri, Mon, Tue
    found = figures.month_figures(unit_id=desk["unit"].pk, year=2026, month=11)
    proof = next(s for s in found.services if s.service_id == desk["proof"].pk)
    assert (proof.turnaround, proof.paused) == (6.0, 4.0)
    assert found.total.paused == 4.0


@pytest.mark.django_db
def test_with_two_departments_waiting_the_promised_date_moves_by_the_longest_hold(desk: dict[str, Any]) -> None:
    request = walk_in(desk, now=MONDAY)
    services.request_return_material(
        actor=desk["office_head"], request_id=request.pk, items=["单位介绍信"], now=local(11, 24, 11)
    )
    services.request_return_material(
        actor=desk["finance_head"], request_id=request.pk, items=["工资条"], now=local(11, 26, 11)
    )
    services.request_supply(actor=desk["clerk"], request_id=request.pk, now=local(11, 30, 12))
    request.refresh_from_db()
    # The office waited Tue 11:00 → Mon 12:00 (4 working days), finance Thu 11:00 → Mon 12:00 (Fri, Mon: 2).
    assert dict(MaterialReturn.objects.values_list("department__name", "paused_days")) == {"办公室": 4, "财务部": 2}
    assert request.paused_days == 4
    assert request.due_on == date(2026, 12, 1)
    assert _task(request, desk["office"]).due_at == local(12, 1, 10)
    assert _task(request, desk["finance"]).due_at == local(11, 27, 10)  # Wed 10:00 + Thu, Fri
    notes = {m.what: m.note for m in selectors.timeline_of(request)}
    assert notes["财务部恢复计时"].startswith("暂停 2 个工作日")


@pytest.mark.django_db
def test_a_hold_under_a_working_day_leaves_the_dates_alone(desk: dict[str, Any]) -> None:
    request = walk_in(desk, now=MONDAY)
    services.request_return_material(
        actor=desk["finance_head"], request_id=request.pk, items=["工资条"], now=local(11, 23, 15)
    )
    services.request_supply(actor=desk["accountant"], request_id=request.pk, now=local(11, 24, 9))
    request.refresh_from_db()
    assert (request.due_on, request.paused_days) == (date(2026, 11, 25), 0)
    assert _task(request, desk["finance"]).due_at == local(11, 25, 10)
    notes = {m.what: m.note for m in selectors.timeline_of(request)}
    assert notes["财务部恢复计时"] == "暂停不足一个工作日，办理期限不变。"


@pytest.mark.django_db
def test_a_refused_return_or_supply_holds_and_moves_nothing(desk: dict[str, Any]) -> None:
    request = walk_in(desk, now=MONDAY)
    with pytest.raises(ApplicationError):
        services.request_return_material(actor=desk["finance_head"], request_id=request.pk, items=[" "])
    with pytest.raises(ApplicationError):  # not a head of the request's departments
        services.request_return_material(actor=desk["gm"], request_id=request.pk, items=["工资条"])
    assert not InstanceEvent.objects.filter(type="deadline_held").exists()
    assert _task(request, desk["finance"]).due_at == local(11, 25, 10)
    services.request_return_material(
        actor=desk["finance_head"], request_id=request.pk, items=["工资条"], now=local(11, 24, 11)
    )
    with pytest.raises(NotFoundError):  # a department head does not supply the requester's material
        services.request_supply(actor=desk["finance_head"], request_id=request.pk, now=local(11, 30, 12))
    assert not InstanceEvent.objects.filter(type="deadline_resumed").exists()
    assert _task(request, desk["finance"]).due_at is None
    services.request_supply(actor=desk["accountant"], request_id=request.pk, now=local(11, 30, 12))
    with pytest.raises(ConflictError):
        services.request_supply(actor=desk["accountant"], request_id=request.pk, now=local(11, 30, 13))
    request.refresh_from_db()
    assert (request.due_on, request.paused_days) == (date(2026, 12, 1), 4)


@pytest.mark.django_db(transaction=True)
def test_two_supplying_at_once_move_the_promised_date_once(org: dict[str, Any]) -> None:
    desk = setup_window(org)
    request = walk_in(desk, now=MONDAY)
    services.request_return_material(
        actor=desk["finance_head"], request_id=request.pk, items=["工资条"], now=local(11, 24, 11)
    )
    results = race(
        lambda: services.request_supply(actor=desk["accountant"], request_id=request.pk, now=local(11, 30, 12)),
        lambda: services.request_supply(actor=desk["clerk"], request_id=request.pk, now=local(11, 30, 12)),
    )
    assert sum(isinstance(r, ServiceRequest) for r in results) == 1, results
    assert sum(isinstance(r, ApplicationError) for r in results) == 1, results
    request.refresh_from_db()
    assert (request.due_on, request.paused_days) == (date(2026, 12, 1), 4)
    assert InstanceEvent.objects.filter(instance=request.instance, type="deadline_resumed").count() == 1
