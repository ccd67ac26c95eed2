"""督办 over the REST API: create (refusals as 422), the ledger with filters, an item's detail, a progress report
and a close-out application; another person's item is a 404; a scope missing is a 403."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.api.tokens import token_issue
from sanfu.supervision.models import Item, ItemState
from tests.api.conftest import ApiClient
from tests.supervision.conftest import PDF, new_item

pytestmark = pytest.mark.django_db
SCOPES = ["supervision:read", "supervision:write"]


def client(user: User, scopes: list[str] | None = None) -> ApiClient:
    _token, raw = token_issue(actor=user, name="测试", scopes=scopes or SCOPES, days=30)
    return ApiClient(raw)


def test_create_list_detail_report_and_apply(sup: dict[str, Any]) -> None:
    leader = client(sup["gm"])
    body: dict[str, Any] = {
        "title": "完成年度审计整改",
        "owner": sup["accountant"].pk,
        "lead_department": sup["finance"].pk,
        "deadline": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "indicators": [{"name": "整改项", "target": 12, "unit": "项"}],
    }
    refused = leader.post("/supervision/items", body, key="k1")
    assert refused.status_code == 422
    assert "完成时限不能早于今天" in refused.json()["error"]["message"]
    body["deadline"] = (timezone.localdate() + timedelta(days=30)).isoformat()
    created = leader.post("/supervision/items", body, key="k2")
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    again = leader.post("/supervision/items", body, key="k2")  # a retry with the same key: the same answer
    assert again.json()["id"] == item_id
    assert Item.objects.count() == 1

    listed = leader.get("/supervision/items", status="on_track", department=sup["finance"].pk)
    assert [i["id"] for i in listed.json()["items"]] == [item_id]
    assert leader.get("/supervision/items", status="overdue").json()["items"] == []

    owner = client(sup["accountant"])
    indicator = created.json()["indicators"][0]["id"]
    reported = owner.post(
        f"/supervision/items/{item_id}/reports",
        {
            "text": "已整改 6 项",
            "percent": 50,
            "indicator_values": {str(indicator): 6},
            "files": [{"name": "佐证.pdf", "content": base64.b64encode(PDF).decode()}],
        },
        key="r1",
    )
    assert reported.status_code == 200, reported.content
    assert reported.json()["percent"] == 50
    assert reported.json()["indicators"][0]["current"] == "6.00"
    assert [e["kind"] for e in reported.json()["history"]][:2] == ["open", "report"]
    bad = owner.post(f"/supervision/items/{item_id}/reports", {"text": "x", "percent": 120}, key="r2")
    assert bad.status_code == 422
    applied = owner.post(f"/supervision/items/{item_id}/closeout", {"summary": "完成"}, key="c1")
    assert applied.status_code == 200, applied.content
    assert applied.json()["state"] == ItemState.CLOSING
    late = owner.post(f"/supervision/items/{item_id}/reports", {"text": "再报", "percent": 100}, key="r3")
    assert late.status_code == 422


def test_another_persons_item_is_404_and_scopes_are_enforced(sup: dict[str, Any]) -> None:
    item = new_item(sup)
    outsider = client(sup["outsider"])
    assert outsider.get(f"/supervision/items/{item.pk}").status_code == 404
    assert (
        outsider.post(f"/supervision/items/{item.pk}/reports", {"text": "x", "percent": 1}, key="o").status_code == 404
    )
    assert outsider.get("/supervision/items").json()["items"] == []
    read_only = client(sup["accountant"], ["supervision:read"])
    assert read_only.get(f"/supervision/items/{item.pk}").status_code == 200
    assert (
        read_only.post(f"/supervision/items/{item.pk}/reports", {"text": "x", "percent": 1}, key="s").status_code == 403
    )


def test_a_target_the_column_cannot_hold_is_a_422_and_nothing_is_created(sup: dict[str, Any]) -> None:
    """999999999999.999 passes the schema's bound (<= 1e12) but rounds to 13 integer digits, one more than the
    column holds: refused whole, not stored as a row that can no longer be read back (it was a 500)."""
    leader = client(sup["gm"])
    body: dict[str, Any] = {
        "title": "完成年度审计整改",
        "owner": sup["accountant"].pk,
        "lead_department": sup["finance"].pk,
        "deadline": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "indicators": [{"name": "整改金额", "target": 999999999999.999, "unit": "元"}],
    }
    refused = leader.post("/supervision/items", body, key="big")
    assert refused.status_code == 422, refused.content
    assert "整改金额" in refused.json()["error"]["message"]
    assert not Item.objects.exists()
    body["indicators"][0]["target"] = 999999999999.99
    created = leader.post("/supervision/items", body, key="max")
    assert created.status_code == 201, created.content
    assert created.json()["indicators"][0]["target"] == "999999999999.99"
