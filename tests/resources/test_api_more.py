"""资源共享 over the REST API beyond the car request: the asset register (filters, paging) and one asset with its
history, the renewal plan (the office's), the supplies with the stock as the stock page shows it, 领用申请 submitted,
listed, read and issued by the store's keeper, and the car request's withdrawal and the dispatch's cancellation.
Another unit's object is a 404, who may not is a 403, bad input is a 422 and writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sanfu.resources import services
from sanfu.resources.models import Asset, CarRequestStatus, Condition, Stock, SupplyRequest, SupplyStatus
from tests.resources.conftest import dispatched_request
from tests.resources.test_api import BOTH, Api


@pytest.fixture
def reg(res: dict[str, Any]) -> dict[str, Any]:
    clerk = res["clerk"]
    assets = [
        services.asset_create(
            actor=clerk,
            data=services.AssetIn(
                number=f"ZC-{n:03d}",
                name=name,
                category="计算机",
                purchase_date=date(2015 + n, 3, 1),
                value="5000",
                service_years=6,
                condition=condition,
                department_id=department.pk,
            ),
        )
        for n, (name, condition, department) in enumerate(
            [
                ("台式电脑", Condition.GOOD, res["finance"]),
                ("激光打印机", Condition.POOR, res["finance"]),
                ("笔记本电脑", Condition.FAIR, res["office"]),
            ]
        )
    ]
    services.asset_transfer(
        actor=clerk, asset_id=assets[0].pk, department_id=res["office"].pk, keeper_id=None, note="调办公室"
    )
    services.asset_repair(
        actor=clerk, asset_id=assets[1].pk, repaired_on=date(2024, 5, 1), description="更换硒鼓组件", cost="3000"
    )
    store = services.store_create(actor=clerk, name="办公楼库房", keeper_id=res["section_head"].pk)
    pens = services.item_create(actor=clerk, name="签字笔", measure="支")
    toner = services.item_create(actor=clerk, name="硒鼓", needs_approval=True)
    services.stock_receive(actor=clerk, store_id=store.pk, item_id=pens.pk, quantity=100, low_mark=10)
    other = Asset.objects.create(
        unit_id=res["other_car"].unit_id,
        number="WZ-1",
        name="外单位电脑",
        category="计算机",
        purchase_date=date(2020, 1, 1),
        value=1,
        service_years=6,
    )
    return {**res, "assets": assets, "store": store, "pens": pens, "toner": toner, "other_asset": other}


def test_the_register_filters_pages_and_shows_one_asset(reg: dict[str, Any]) -> None:
    api = Api(reg["accountant"], ["resources:read"])
    listed = api.get("/assets").json()
    assert [a["number"] for a in listed["items"]] == ["ZC-002", "ZC-001", "ZC-000"]
    assert [a["number"] for a in api.get("/assets?condition=poor").json()["items"]] == ["ZC-001"]
    assert [a["number"] for a in api.get(f"/assets?department={reg['office'].pk}").json()["items"]] == [
        "ZC-002",
        "ZC-000",
    ]
    assert [a["name"] for a in api.get("/assets?q=打印").json()["items"]] == ["激光打印机"]
    first = api.get("/assets?limit=2").json()
    assert len(first["items"]) == 2
    rest = api.get(f"/assets?limit=2&cursor={first['next_cursor']}").json()
    assert [a["number"] for a in rest["items"]] == ["ZC-000"]
    assert rest["next_cursor"] is None
    assert api.get("/assets?condition=broken").status_code == 422

    detail = api.get(f"/assets/{reg['assets'][0].pk}").json()
    assert (detail["department"], detail["transfers"][0]["from_department"]) == ("办公室", "财务部")
    assert detail["transfers"][0]["note"] == "调办公室"
    repaired = api.get(f"/assets/{reg['assets'][1].pk}").json()
    assert repaired["repairs"][0]["description"] == "更换硒鼓组件"
    assert api.get(f"/assets/{reg['other_asset'].pk}").status_code == 404
    assert "外单位电脑" not in api.get("/assets").content.decode()


def test_the_renewal_plan_is_the_offices(reg: dict[str, Any]) -> None:
    refused = Api(reg["accountant"], ["resources:read"]).get("/renewal-plan")
    assert refused.status_code == 403
    plan = Api(reg["clerk"], ["resources:read"]).get("/renewal-plan?year=2026").json()
    numbers = {line["number"]: line["reasons"] for line in plan["lines"]}
    assert set(numbers) >= {"ZC-000", "ZC-001"}  # bought 2015/2016 with six years of life; and 较差
    assert any("状况较差" in r for r in numbers["ZC-001"])
    assert float(plan["total"]) == sum(float(line["value"]) for line in plan["lines"])
    assert Api(reg["clerk"], ["resources:read"]).get("/renewal-plan?year=1999").status_code == 422


def test_stock_is_shown_as_the_stock_page_shows_it(reg: dict[str, Any]) -> None:
    def stock_of(user: Any) -> dict[str, list[int]]:
        answer = Api(user, ["resources:read"]).get("/supply-items").json()
        assert [s["name"] for s in answer["stores"]] == ["办公楼库房"]
        return {i["name"]: [s["quantity"] for s in i["stock"]] for i in answer["items"]}

    assert stock_of(reg["clerk"]) == {"硒鼓": [], "签字笔": [100]}
    assert stock_of(reg["section_head"]) == {"硒鼓": [], "签字笔": [100]}  # the store's keeper
    assert stock_of(reg["accountant"]) == {"硒鼓": [], "签字笔": []}  # items to ask for, no stock
    assert Api(reg["stranger"], ["resources:read"]).get("/supply-items").json()["items"] == []


def test_a_supply_request_is_submitted_listed_and_issued(reg: dict[str, Any]) -> None:
    api = Api(reg["accountant"], BOTH)
    body = {"store": reg["store"].pk, "lines": [{"item": reg["pens"].pk, "quantity": 5}], "note": "月度办公"}
    made = api.post("/supply-requests", body)
    assert made.status_code == 201, made.content
    created = made.json()
    assert (created["status"], created["lines"][0]["item"]) == ("ready", "签字笔")
    assert [r["id"] for r in api.get("/supply-requests").json()["items"]] == [created["id"]]
    assert api.get(f"/supply-requests/{created['id']}").json()["note"] == "月度办公"
    assert Api(reg["stranger"], BOTH).get(f"/supply-requests/{created['id']}").status_code == 404

    assert api.post(f"/supply-requests/{created['id']}/issue", {}).status_code == 403
    issued = Api(reg["section_head"], BOTH).post(f"/supply-requests/{created['id']}/issue", {})
    assert issued.status_code == 200, issued.content
    assert issued.json()["status"] == "issued"
    assert Stock.objects.get(store=reg["store"], item=reg["pens"]).quantity == 95
    again = Api(reg["section_head"], BOTH).post(f"/supply-requests/{created['id']}/issue", {})
    assert again.status_code == 409
    assert Stock.objects.get(store=reg["store"], item=reg["pens"]).quantity == 95

    pending = api.post("/supply-requests", {**body, "lines": [{"item": reg["toner"].pk, "quantity": 1}]}).json()
    assert pending["status"] == "pending"  # 硒鼓 goes through the head


@pytest.mark.parametrize(
    "change",
    [
        {"lines": []},
        {"lines": [{"item": 1, "quantity": 0}]},
        {"extra": "field"},
        {"lines": "pens"},
        {"store": 0},
    ],
)
def test_bad_supply_requests_write_nothing(reg: dict[str, Any], change: dict[str, Any]) -> None:
    body = {"store": reg["store"].pk, "lines": [{"item": reg["pens"].pk, "quantity": 5}], **change}
    assert Api(reg["accountant"], BOTH).post("/supply-requests", body).status_code == 422
    assert not SupplyRequest.objects.exists()


def test_another_units_store_or_an_item_twice_is_refused(reg: dict[str, Any]) -> None:
    api = Api(reg["stranger"], BOTH)
    body = {"store": reg["store"].pk, "lines": [{"item": reg["pens"].pk, "quantity": 5}]}
    assert api.post("/supply-requests", body).status_code == 404
    twice = {"store": reg["store"].pk, "lines": [{"item": reg["pens"].pk, "quantity": 1}] * 2}
    refused = Api(reg["accountant"], BOTH).post("/supply-requests", twice)
    assert refused.status_code == 422
    assert "合并" in refused.json()["error"]["message"]
    assert Api(reg["accountant"], ["resources:read"]).post("/supply-requests", body).status_code == 403
    assert not SupplyRequest.objects.filter(status=SupplyStatus.READY).exists()


def test_withdraw_and_cancel_a_dispatch_over_the_api(res: dict[str, Any]) -> None:
    request = dispatched_request(res)
    services.car_request_dispatch(
        actor=res["clerk"], request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    staff, manager = Api(res["accountant"], BOTH), Api(res["clerk"], BOTH)
    assert staff.post(f"/car-requests/{request.pk}/cancel-dispatch", {"reason": "不用了"}).status_code == 403
    assert manager.post(f"/car-requests/{request.pk}/cancel-dispatch", {"reason": ""}).status_code == 422
    assert manager.post(f"/car-requests/{request.pk}/cancel-dispatch", {"reason": "x", "y": 1}).status_code == 422
    cancelled = manager.post(f"/car-requests/{request.pk}/cancel-dispatch", {"reason": "车辆检修"})
    assert cancelled.status_code == 200, cancelled.content
    assert (cancelled.json()["status"], cancelled.json()["dispatch"]) == ("dispatching", None)
    assert manager.post(f"/car-requests/{request.pk}/cancel-dispatch", {"reason": "again"}).status_code == 409

    assert manager.post(f"/car-requests/{request.pk}/withdraw", {}).status_code == 403  # not the requester
    assert Api(res["stranger"], BOTH).post(f"/car-requests/{request.pk}/withdraw", {}).status_code == 404
    withdrawn = staff.post(f"/car-requests/{request.pk}/withdraw", {"reason": "改乘高铁"})
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == CarRequestStatus.CANCELLED
    assert staff.post(f"/car-requests/{request.pk}/withdraw", {}).status_code == 409
