"""通知公告 over the REST API: the holder's list (unread only on request), one announcement, the read receipt;
another person's announcement is a 404; scopes are enforced."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sanfu.announcements.models import Recipient, Scope
from sanfu.api.tokens import token_issue
from tests.announcements.conftest import notice


class Api:
    def __init__(self, user: Any, scopes: list[str]):
        _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=30)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/announcements{path}", params, headers=self.headers)

    def post(self, path: str) -> Any:
        return self.client.post(
            f"/api/v1/announcements{path}", {}, content_type="application/json", headers=self.headers
        )


BOTH = ["announcements:read", "announcements:write"]


def test_list_detail_and_read_over_the_api(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"], title="关于年终考核的通知")
    hidden = notice(ann["clerk"], title="只给总经理", scope=Scope.PEOPLE, people_ids=[ann["gm"].pk])
    api = Api(ann["accountant"], BOTH)
    listed = api.get("/", unread="true").json()
    assert [i["title"] for i in listed["items"]] == ["关于年终考核的通知"]
    detail = api.get(f"/{a.pk}")
    assert detail.status_code == 200
    assert detail.json()["read_at"] is None
    assert Recipient.objects.get(announcement=a, user=ann["accountant"]).read_at is None  # reading is not a receipt
    read = api.post(f"/{a.pk}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert api.post(f"/{a.pk}/read").json()["read_at"] == read.json()["read_at"]  # once
    assert api.get("/", unread="true").json()["items"] == []
    assert api.get(f"/{hidden.pk}").status_code == 404
    assert api.post(f"/{hidden.pk}/read").status_code == 404
    assert Api(ann["stranger"], BOTH).get(f"/{a.pk}").status_code == 404


def test_scopes_are_enforced(ann: dict[str, Any]) -> None:
    a = notice(ann["clerk"])
    reader = Api(ann["accountant"], ["announcements:read"])
    assert reader.get("/").status_code == 200
    assert reader.post(f"/{a.pk}/read").status_code == 403
    assert Recipient.objects.get(announcement=a, user=ann["accountant"]).read_at is None
