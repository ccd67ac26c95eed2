"""公务用车 over the REST API: the unit's vehicles, submitting a request (which starts the flow), the holder's
requests and one request with its dispatch; another unit's request is a 404, bad input writes nothing, scopes are
enforced."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sanfu.api.tokens import token_issue
from sanfu.resources import services
from sanfu.resources.models import CarRequest
from tests.resources.conftest import at, next_monday

BOTH = ["resources:read", "resources:write"]


class Api:
    def __init__(self, user: Any, scopes: list[str]):
        _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=30)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/resources{path}", headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1/resources{path}", body, content_type="application/json", headers=self.headers)


def _body(**extra: Any) -> dict[str, Any]:
    day = next_monday()
    return {
        "purpose": "送材料",
        "origin": "公司本部",
        "destination": "市政府",
        "passengers": 2,
        "starts_at": at(day, 14).isoformat(),
        "ends_at": at(day, 16).isoformat(),
        **extra,
    }


def test_submit_list_and_read_a_request(res: dict[str, Any]) -> None:
    api = Api(res["accountant"], BOTH)
    assert [v["plate"] for v in api.get("/vehicles").json()] == ["京A12345", "京A67890"]
    made = api.post("/car-requests", _body())
    assert made.status_code == 201, made.content
    created = made.json()
    assert (created["status"], created["department"], created["dispatch"]) == ("head", "财务部", None)
    services.car_request_approve(actor=res["finance_head"], request_id=created["id"])
    services.car_request_dispatch(
        actor=res["clerk"], request_id=created["id"], vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    detail = api.get(f"/car-requests/{created['id']}").json()
    assert detail["status"] == "dispatched"
    assert (detail["dispatch"]["vehicle"], detail["dispatch"]["driver"]) == ("京A12345", "王师傅")
    assert [r["id"] for r in api.get("/car-requests").json()["items"]] == [created["id"]]
    assert Api(res["stranger"], BOTH).get(f"/car-requests/{created['id']}").status_code == 404
    assert Api(res["office_head"], BOTH).get(f"/car-requests/{created['id']}").status_code == 404


def test_bad_input_and_missing_scope_write_nothing(res: dict[str, Any]) -> None:
    api = Api(res["accountant"], BOTH)
    day = next_monday()
    refused = api.post("/car-requests", _body(ends_at=at(day, 13).isoformat()))
    assert refused.status_code == 422
    assert "晚于开始" in refused.json()["error"]["message"]
    assert api.post("/car-requests", _body(passengers=0)).status_code == 422
    assert api.post("/car-requests", _body(purpose="")).status_code == 422
    assert Api(res["accountant"], ["resources:read"]).post("/car-requests", _body()).status_code == 403
    assert Client().get("/api/v1/resources/vehicles").status_code == 401
    assert not CarRequest.objects.exists()
