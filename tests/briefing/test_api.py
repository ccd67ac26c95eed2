"""服务领导决策 over the REST API: the requests in hand, one request as the holder may see it, the library's search;
another person's request is a 404."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.accounts.models import User
from sanfu.api.tokens import token_issue
from tests.api.conftest import ApiClient
from tests.briefing.conftest import new_request, to_state

pytestmark = pytest.mark.django_db


def client(user: User) -> ApiClient:
    _token, raw = token_issue(actor=user, name="测试", scopes=["briefing:read"], days=30)
    return ApiClient(raw)


def test_requests_detail_and_library(world: dict[str, Any]) -> None:
    pending = new_request(world, title="在办调研")
    issued = to_state(world, new_request(world, title="已发布调研"), "issued")
    leader = client(world["gm"])
    listed = leader.get("/briefing/requests")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["items"]] == [pending.pk]
    detail = leader.get(f"/briefing/requests/{issued.pk}").json()
    assert detail["state"] == "issued"
    assert detail["result_text"].startswith("初稿")
    assert {m["state"] for m in detail["materials"]} == {"submitted", "none"}
    found = leader.get("/briefing/library", q="负荷", kind="research").json()["items"]
    assert [r["id"] for r in found] == [issued.pk]
    accountant = client(world["accountant"]).get(f"/briefing/requests/{issued.pk}").json()
    assert [m["department_id"] for m in accountant["materials"]] == [world["finance"].pk]


def test_another_persons_request_is_404(world: dict[str, Any]) -> None:
    request = new_request(world)
    outsider = client(world["outsider"])
    assert outsider.get(f"/briefing/requests/{request.pk}").status_code == 404
    assert outsider.get("/briefing/requests").json()["items"] == []
    assert client(world["gm"]).get("/briefing/library", year=1800).status_code == 422
