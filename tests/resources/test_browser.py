"""The car loop in headless Chromium: a staff member of 财务部 applies for a car from the form, the department head
approves it on the request's page, and the office (the vehicle manager) picks a car and a driver and dispatches
it; the requester then sees the car and the driver on the request."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.resources import flows, services
from sanfu.resources.models import CarRequest, CarRequestStatus
from tests.browser import SHOTS
from tests.conftest import build_org, grant
from tests.resources.conftest import next_monday

pytestmark = pytest.mark.browser


def test_staff_requests_a_car_and_the_manager_dispatches_it(app_server: str, signed_in: Any) -> None:
    world = build_org()
    ensure_admin_roles()
    grant(world["clerk"], Role.objects.get(code="clerk"))
    flows.publish_definitions()
    car = services.vehicle_create(actor=world["clerk"], data=services.VehicleIn(plate="京A12345", model="红旗H5"))
    driver = services.driver_create(actor=world["clerk"], name="王师傅", phone="13800000001")
    day = next_monday()

    staff = signed_in("accountant")
    staff.goto(f"{app_server}/resources/vehicles/")
    staff.click("#request-new")
    staff.wait_for_selector("#request-form")
    staff.fill("#id_purpose", "赴税务局办理年度汇算")
    staff.fill("#id_origin", "公司本部")
    staff.fill("#id_destination", "市税务局")
    staff.fill("#id_passengers", "2")
    staff.fill("#id_starts_at", f"{day:%Y-%m-%d}T09:00")
    staff.fill("#id_ends_at", f"{day:%Y-%m-%d}T11:30")
    staff.click("#request-form button[type=submit]")
    staff.wait_for_selector("#request-status")
    request = CarRequest.objects.get()
    assert request.status == CarRequestStatus.HEAD
    assert "部门审核中" in staff.inner_text("#request-status")

    head = signed_in("finance_head")
    head.goto(f"{app_server}/resources/vehicles/requests/{request.pk}/")
    head.click("button[value=approve]")
    head.wait_for_selector("text=已同意，转车辆管理员派车。")

    manager = signed_in("clerk")
    manager.goto(f"{app_server}/resources/vehicles/?status=dispatching")
    manager.click("text=赴税务局办理年度汇算")
    manager.wait_for_selector("#dispatch-form")
    manager.select_option("#id_vehicle", str(car.pk))
    manager.select_option("#id_driver", str(driver.pk))
    SHOTS.mkdir(parents=True, exist_ok=True)
    manager.screenshot(path=str(SHOTS / "vehicle-dispatch.png"), full_page=True)
    manager.click("#dispatch-form button[value=dispatch]")
    manager.wait_for_selector("#dispatch-info")
    request.refresh_from_db()
    assert request.status == CarRequestStatus.DISPATCHED

    staff.reload()
    assert "京A12345" in staff.inner_text("#dispatch-info")
    assert "王师傅" in staff.inner_text("#dispatch-info")
    assert "已派车" in staff.inner_text("#request-status")
