"""一站式服务 over the REST API: the catalogue with its materials, asking online, my requests, one request with its
departments and timeline, rating and complaining; another person's request is a 404, bad input writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sanfu.api.tokens import token_issue
from sanfu.servicedesk import services
from sanfu.servicedesk.models import Complaint, ServiceRequest

pytestmark = pytest.mark.django_db
BOTH = ["servicedesk:read", "servicedesk:write"]


class Api:
    def __init__(self, user: Any, scopes: list[str]):
        _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=30)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/servicedesk{path}", headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1/servicedesk{path}", body, content_type="application/json", headers=self.headers
        )


def test_the_catalogue_request_rating_and_complaint(desk: dict[str, Any]) -> None:
    api = Api(desk["accountant"], BOTH)
    catalogue = api.get("/services").json()
    expense = next(s for s in catalogue if s["code"] == "expense-help")
    assert expense["matter_code"] == "expense"
    assert [m["name"] for m in expense["materials"]] == ["发票原件", "费用明细"]  # the 审批中心's list
    refused = api.post("/requests", {"service_id": desk["proof"].pk, "summary": "开证明", "materials": []})
    assert refused.status_code == 422
    assert "身份证复印件" in refused.content.decode()
    assert ServiceRequest.objects.count() == 0
    created = api.post("/requests", {"service_id": desk["proof"].pk, "summary": "开证明", "materials": ["m1"]})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert [r["id"] for r in api.get("/requests").json()["items"]] == [pk]
    services.request_handle(actor=desk["office_head"], request_id=pk, reply="已开具")
    services.request_handle(actor=desk["finance_head"], request_id=pk, reply="已核对")
    detail = api.get(f"/requests/{pk}").json()
    assert detail["status"] == "done"
    assert {p["department"] for p in detail["parts"]} == {"办公室", "财务部"}
    assert detail["timeline"][0]["what"].startswith("受理")
    assert api.post(f"/requests/{pk}/rating", {"score": 9}).status_code == 422
    rated = api.post(f"/requests/{pk}/rating", {"score": 2, "comment": "等太久"})
    assert rated.status_code == 201
    assert rated.json()["review_opened"] is True
    complained = api.post("/complaints", {"service_id": desk["proof"].pk, "content": "等太久", "request_id": pk})
    assert complained.status_code == 201
    assert complained.json()["status"] == "open"


def test_another_persons_request_is_404_and_scopes_hold(desk: dict[str, Any]) -> None:
    mine = Api(desk["accountant"], BOTH).post(
        "/requests", {"service_id": desk["proof"].pk, "summary": "开证明", "materials": ["m1"]}
    )
    pk = mine.json()["id"]
    other = Api(desk["section_head"], BOTH)
    assert other.get(f"/requests/{pk}").status_code == 404
    assert other.post(f"/requests/{pk}/rating", {"score": 5}).status_code == 404
    read_only = Api(desk["accountant"], ["servicedesk:read"])
    assert read_only.post("/complaints", {"service_id": desk["proof"].pk, "content": "x"}).status_code == 403
    assert not Complaint.objects.exists()
