"""资源共享 pages over HTTP: a staff member applies for a car, the head approves, the manager dispatches and logs the
return; the costs and the renewal plan download as Excel; the asset import page lists each wrong row; and the
rights: manager pages are a 404 to others, another unit's request or asset is a 404."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sanfu.resources import services
from sanfu.resources.models import Asset, CarRequest, CarRequestStatus, Dispatch
from tests.resources.conftest import dispatched_request, next_monday
from tests.resources.test_assets import workbook


def _form(day: date, **extra: Any) -> dict[str, Any]:
    return {
        "purpose": "赴电厂检查",
        "origin": "公司本部",
        "destination": "一号电厂",
        "passengers": "3",
        "starts_at": f"{day:%Y-%m-%d}T09:00",
        "ends_at": f"{day:%Y-%m-%d}T12:00",
        **extra,
    }


def test_request_approve_dispatch_and_return_over_http(res: dict[str, Any], login: Any) -> None:
    staff = login(res["accountant"])
    assert staff.get(reverse("resources:vehicles")).status_code == 200
    day = next_monday()
    bad = staff.post(
        reverse("resources:request_new"), _form(day, ends_at=f"{day:%Y-%m-%d}T08:00", department=res["finance"].pk)
    )
    assert bad.status_code == 200
    assert "晚于开始" in bad.content.decode()
    assert not CarRequest.objects.exists()
    made = staff.post(reverse("resources:request_new"), _form(day, department=res["finance"].pk))
    request = CarRequest.objects.get()
    assert made.status_code == 302
    assert made["Location"] == reverse("resources:request", args=[request.pk])

    head = login(res["finance_head"])
    page = head.get(reverse("resources:request", args=[request.pk])).content.decode()
    assert 'value="approve"' in page
    assert head.post(reverse("resources:request_act", args=[request.pk]), {"action": "approve"}).status_code == 302

    manager = login(res["clerk"])
    act = reverse("resources:request_act", args=[request.pk])
    assert 'id="dispatch-form"' in manager.get(reverse("resources:request", args=[request.pk])).content.decode()
    assert (
        staff.post(act, {"action": "dispatch", "vehicle": res["car"].pk, "driver": res["driver"].pk}).status_code == 400
    )
    assert not Dispatch.objects.exists()
    done = manager.post(act, {"action": "dispatch", "vehicle": res["car"].pk, "driver": res["driver"].pk})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == CarRequestStatus.DISPATCHED
    assert "京A12345" in staff.get(reverse("resources:request", args=[request.pk])).content.decode()

    trip = {
        "action": "trip",
        "odometer_start": "500",
        "odometer_end": "400",
        "fuel_litres": "0",
        "fuel_cost": "0",
        "tolls": "0",
        "parking": "0",
    }
    refused = manager.post(act, trip)
    assert refused.status_code == 400
    assert "不能小于" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == CarRequestStatus.DISPATCHED


def test_a_dispatch_conflict_shows_the_reason(res: dict[str, Any], login: Any) -> None:
    from tests.resources.conftest import dispatched_request

    first = dispatched_request(res)
    services.car_request_dispatch(
        actor=res["clerk"], request_id=first.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    second = dispatched_request(res)
    reply = login(res["clerk"]).post(
        reverse("resources:request_act", args=[second.pk]),
        {"action": "dispatch", "vehicle": res["car"].pk, "driver": res["driver2"].pk},
    )
    assert reply.status_code == 409
    assert "京A12345" in reply.content.decode()
    assert Dispatch.objects.count() == 1


def test_manager_pages_are_refused_to_others(res: dict[str, Any], login: Any) -> None:
    staff = login(res["accountant"])
    for name in (
        "costs",
        "costs_xlsx",
        "renewal",
        "renewal_xlsx",
        "asset_import",
        "asset_new",
        "vehicle_new",
        "driver_new",
    ):
        assert staff.get(reverse(f"resources:{name}")).status_code == 404, name
    assert staff.get(reverse("resources:fleet")).status_code == 200
    assert staff.get(reverse("resources:assets")).status_code == 200
    stranger = login(res["stranger"])
    request = services.car_request_submit(
        actor=res["accountant"], data=__import__("tests.resources.conftest", fromlist=["trip"]).trip()
    )
    assert stranger.get(reverse("resources:request", args=[request.pk])).status_code == 404
    assert login(res["office_head"]).get(reverse("resources:request", args=[request.pk])).status_code == 404
    asset = services.asset_create(
        actor=res["clerk"],
        data=services.AssetIn(
            number="ZC-1", name="电脑", category="计算机", purchase_date=date(2020, 1, 1), value=5000, service_years=6
        ),
    )
    assert stranger.get(reverse("resources:asset", args=[asset.pk])).status_code == 404
    assert "ZC-1" not in stranger.get(reverse("resources:assets")).content.decode()


def test_costs_and_renewal_download_as_excel(res: dict[str, Any], login: Any) -> None:
    services.asset_create(
        actor=res["clerk"],
        data=services.AssetIn(
            number="ZC-1",
            name="电脑",
            category="计算机",
            purchase_date=date(2015, 1, 1),
            value=5000,
            service_years=6,
            department_id=res["finance"].pk,
        ),
    )
    manager = login(res["clerk"])
    page = manager.get(reverse("resources:renewal"), {"year": 2026}).content.decode()
    assert "ZC-1" in page
    assert "5,000.00" in page  # money grouped by thousands, in the plan and its budget
    book = openpyxl.load_workbook(io.BytesIO(manager.get(reverse("resources:renewal_xlsx"), {"year": 2026}).content))
    assert book.sheetnames == ["更新计划", "预算汇总"]
    assert [c.value for c in book["更新计划"][2]][:2] == ["ZC-1", "电脑"]
    assert [c.value for c in book["预算汇总"][2]] == ["财务部", 1, 5000]
    costs = manager.get(reverse("resources:costs_xlsx"), {"year": 2026})
    assert costs.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(costs.content)).sheetnames == ["用车费用"]
    rules = manager.post(reverse("resources:renewal_rules"), {"by_age": "", "by_condition": "on", "repair_share": ""})
    assert rules.status_code == 302
    assert "ZC-1" not in manager.get(reverse("resources:renewal"), {"year": 2026}).content.decode()


def test_import_page_lists_each_wrong_row_and_imports_nothing(res: dict[str, Any], login: Any) -> None:
    content = workbook(
        [
            ["IM-1", "打印机", "办公设备", date(2020, 1, 5), 2500, 5, "一般", "", "财务部", ""],
            ["IM-2", "投影仪", "会议设备", "去年", 8000, 8, "", "", "", ""],
        ]
    )
    manager = login(res["clerk"])
    upload = SimpleUploadedFile("台账.xlsx", content)
    reply = manager.post(reverse("resources:asset_import"), {"file": upload})
    assert reply.status_code == 400
    assert 'id="import-problems"' in reply.content.decode()
    assert "购置日期" in reply.content.decode()
    assert not Asset.objects.exists()
    good = workbook([["IM-1", "打印机", "办公设备", date(2020, 1, 5), 2500, 5, "一般", "", "财务部", ""]])
    assert (
        manager.post(reverse("resources:asset_import"), {"file": SimpleUploadedFile("a.xlsx", good)}).status_code == 302
    )
    assert Asset.objects.count() == 1


def test_the_inbox_opens_the_request_page(res: dict[str, Any], login: Any) -> None:
    """我的待办: the head's task on a car request opens the request's own page (the flow's subject)."""
    from sanfu.workflow.subjects import page_of
    from tests.resources.conftest import trip

    request = services.car_request_submit(actor=res["accountant"], data=trip())
    assert request.instance_id is not None
    page = reverse("resources:request", args=[request.pk])
    assert page_of(request.instance_id) == page
    inbox = login(res["finance_head"]).get(reverse("approvals:inbox")).content.decode()
    assert page in inbox


def test_the_costs_page_adds_up_every_column(res: dict[str, Any], login: Any) -> None:
    years = set()
    for n, (car, driver) in enumerate(((res["car"], res["driver"]), (res["van"], res["driver2"]))):
        request = dispatched_request(res, purpose=f"送审计资料{n}")
        services.car_request_dispatch(actor=res["clerk"], request_id=request.pk, vehicle_id=car.pk, driver_id=driver.pk)
        back = request.starts_at + timedelta(hours=3)
        services.trip_record(
            actor=res["clerk"],
            request_id=request.pk,
            data=services.TripIn(
                odometer_start=1000, odometer_end=1100, fuel_cost="1000.25", tolls=30, parking=5, returned_at=back
            ),
            now=back + timedelta(hours=1),
        )
        years.add(request.starts_at.year)
    page = login(res["clerk"]).get(reverse("resources:costs"), {"year": years.pop()}).content.decode()
    total = page[page.index('id="costs-total"') : page.index("</tfoot>")]
    cells = [c.split(">")[-1] for c in total.split("</th>")[:-1]]
    assert cells[1:] == ["2", "200", "2,000.50", "60.00", "10.00", "2,070.50"]
