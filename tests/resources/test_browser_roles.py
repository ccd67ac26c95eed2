"""Ending requests and the office's Excel in headless Chromium: a staff member applies for a car from the form
and withdraws another request from its page; the office (the vehicle manager) dispatches the first, cancels the
dispatch with a reason and dispatches it again; downloads the year's supplies consumption as Excel; and, as the
asset keeper, reads the year's renewal plan with its budget and downloads both as Excel."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.resources import flows, services
from sanfu.resources.models import CarRequest, CarRequestStatus, Dispatch, DispatchStatus
from tests.conftest import PASSWORD, build_org, grant
from tests.resources.conftest import next_monday

pytestmark = pytest.mark.browser


def _sign_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the pages ask before a withdrawal or a cancel
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.btn-danger")
    page.wait_for_url(f"{base}/")
    return page


def test_withdraw_cancel_a_dispatch_download_the_consumption_and_renewal_plan(app_server: str, browser: Any) -> None:
    connection.close()
    world = build_org()
    ensure_admin_roles()
    grant(world["clerk"], Role.objects.get(code="clerk"))
    flows.publish_definitions()
    clerk = world["clerk"]
    car = services.vehicle_create(actor=clerk, data=services.VehicleIn(plate="京A12345", model="红旗H5"))
    van = services.vehicle_create(actor=clerk, data=services.VehicleIn(plate="京A67890", model="别克GL8", seats=7))
    driver = services.driver_create(actor=clerk, name="王师傅", phone="13800000001")
    day = next_monday()
    other = services.car_request_submit(
        actor=world["accountant"],
        data=services.CarRequestIn(
            purpose="送审计资料",
            origin="公司本部",
            destination="审计局",
            passengers=1,
            starts_at=timezone.make_aware(datetime.combine(day, time(14))),
            ends_at=timezone.make_aware(datetime.combine(day, time(16))),
        ),
    )

    staff = _sign_in(browser, app_server, "accountant")
    staff.goto(f"{app_server}/resources/vehicles/new/")
    staff.wait_for_selector("#request-form")
    staff.fill("#id_purpose", "赴税务局办理年度汇算")
    staff.fill("#id_origin", "公司本部")
    staff.fill("#id_destination", "市税务局")
    staff.fill("#id_passengers", "2")
    staff.fill("#id_starts_at", f"{day:%Y-%m-%d}T09:00")
    staff.fill("#id_ends_at", f"{day:%Y-%m-%d}T11:30")
    staff.click("#request-form button[type=submit]")
    staff.wait_for_selector("#withdraw-form")
    asked = CarRequest.objects.get(purpose="赴税务局办理年度汇算")

    staff.goto(f"{app_server}/resources/vehicles/requests/{other.pk}/")
    staff.fill("#withdraw-reason", "资料改为邮寄")
    staff.click("#withdraw-button")
    staff.wait_for_selector("text=用车申请已撤回。")
    assert "已撤销" in staff.inner_text("#request-status")
    assert staff.locator("#withdraw-form").count() == 0
    other.refresh_from_db()
    assert other.status == CarRequestStatus.CANCELLED

    services.car_request_approve(actor=world["finance_head"], request_id=asked.pk)
    manager = _sign_in(browser, app_server, "clerk")
    manager.goto(f"{app_server}/resources/vehicles/requests/{asked.pk}/")
    manager.select_option("#id_vehicle", str(car.pk))
    manager.select_option("#id_driver", str(driver.pk))
    manager.click("#dispatch-form button[value=dispatch]")
    manager.wait_for_selector("#cancel-form")
    manager.fill("#cancel-reason", "红旗H5 临时检修")
    manager.click("#cancel-redispatch")
    manager.wait_for_selector("text=派车已取消，请重新派车。")
    assert "待派车" in manager.inner_text("#request-status")
    assert Dispatch.objects.get(request=asked).status == DispatchStatus.CANCELLED
    manager.select_option("#id_vehicle", str(van.pk))
    manager.select_option("#id_driver", str(driver.pk))
    manager.click("#dispatch-form button[value=dispatch]")
    manager.wait_for_selector("#dispatch-info")
    assert "京A67890" in manager.inner_text("#dispatch-info")

    staff.goto(f"{app_server}/resources/vehicles/requests/{asked.pk}/")
    assert "京A67890" in staff.inner_text("#dispatch-info")
    assert staff.locator("#withdraw-form").count() == 1  # until the trip starts

    store = services.store_create(actor=clerk, name="办公楼库房", keeper_id=clerk.pk)
    pens = services.item_create(actor=clerk, name="签字笔", measure="支")
    services.stock_receive(actor=clerk, store_id=store.pk, item_id=pens.pk, quantity=50)
    supply = services.supply_request_submit(
        actor=world["accountant"], store_id=store.pk, lines=[services.LineIn(pens.pk, 6)]
    )
    services.supply_request_issue(actor=clerk, request_id=supply.pk)
    manager.goto(f"{app_server}/resources/supplies/consumption/")
    with manager.expect_download() as download:
        manager.click("#consumption-xlsx")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes())).worksheets[0]
    assert [tuple(r)[1:] for r in sheet.iter_rows(min_row=2, values_only=True)] == [("财务部", "签字笔", "支", 6)]

    # The renewal plan: an old computer of 财务部 and a worn printer of 办公室; a new one stays off the plan.
    year = timezone.localdate().year
    for number, name, bought, value, condition, department in (
        ("ZC-0001", "台式计算机", date(year - 7, 3, 1), "6200", "fair", world["finance"]),
        ("ZC-0002", "激光打印机", date(year - 1, 5, 1), "3800", "poor", world["office"]),
        ("ZC-0003", "笔记本电脑", date(year - 1, 5, 1), "7000", "good", world["office"]),
    ):
        services.asset_create(
            actor=clerk,
            data=services.AssetIn(
                number=number,
                name=name,
                category="计算机",
                purchase_date=bought,
                value=Decimal(value),
                service_years=6,
                condition=condition,
                department_id=department.pk,
            ),
        )
    manager.goto(f"{app_server}/resources/assets/")
    manager.click("text=更新计划")
    manager.wait_for_selector("#budget-total")
    assert "10,000.00" in manager.inner_text("#budget-total")
    assert "ZC-0003" not in manager.inner_text("#plan-table")
    with manager.expect_download() as download:
        manager.click("#renewal-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    plan, budget = book.worksheets
    assert sorted(r[0] for r in plan.iter_rows(min_row=2, values_only=True)) == ["ZC-0001", "ZC-0002"]
    rows = {r[0]: (r[1], r[2]) for r in budget.iter_rows(min_row=2, values_only=True)}
    assert rows["财务部"] == (1, 6200)
    assert rows["办公室"] == (1, 3800)
    assert rows["合计"] == (2, 10000)
