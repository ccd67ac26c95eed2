"""意见箱 over the REST API: public replies of the holder's unit, submitting named and anonymous, following by code."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sanfu.api.tokens import token_issue
from sanfu.suggestions import services
from sanfu.suggestions.models import Suggestion
from tests.suggestions.conftest import submit

BOTH = ["suggestions:read", "suggestions:write"]


class Api:
    def __init__(self, user: Any, scopes: list[str] = BOTH):
        _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=30)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)


def test_public_replies_of_the_holders_unit(sg: dict[str, Any]) -> None:
    shown = submit(sg["accountant"], title="公开").suggestion
    services.suggestion_reply(actor=sg["clerk"], suggestion_id=shown.pk, reply="答复", public=True)
    hidden = submit(sg["accountant"], title="内部").suggestion
    services.suggestion_reply(actor=sg["clerk"], suggestion_id=hidden.pk, reply="答复", public=False)
    body = Api(sg["deputy"]).get("/suggestions/public").json()
    assert [i["title"] for i in body["items"]] == ["公开"]
    assert body["items"][0]["author"] == sg["accountant"].display_name
    assert Api(sg["stranger"]).get("/suggestions/public").json()["items"] == []


def test_submit_named_and_anonymous_then_follow(sg: dict[str, Any]) -> None:
    api = Api(sg["accountant"])
    named = api.post("/suggestions", {"title": "实名", "body": "内容", "category": "service"})
    assert named.status_code == 201
    assert named.json()["code"] == ""
    anonymous = api.post("/suggestions", {"title": "匿名", "body": "内容", "anonymous": True, "campaign": 3})
    assert anonymous.status_code == 201
    code = anonymous.json()["code"]
    row = Suggestion.objects.get(pk=anonymous.json()["id"])
    assert (row.author_id, row.campaign_id) == (None, 3)
    followed = api.post("/suggestions/follow", {"code": code})
    assert followed.status_code == 200
    assert followed.json()["title"] == "匿名"
    assert followed.json()["author"] == "匿名"
    assert api.post("/suggestions/follow", {"code": "AAAA-AAAA-AAAA-AAAA"}).status_code == 404


def test_bad_input_is_422_and_changes_nothing(sg: dict[str, Any]) -> None:
    api = Api(sg["accountant"])
    assert api.post("/suggestions", {"title": "", "body": "内容"}).status_code == 422
    assert api.post("/suggestions", {"title": "x", "body": "内容", "category": "nope"}).status_code == 422
    assert api.post("/suggestions", {"title": "x", "body": "内容", "extra": 1}).status_code == 422
    assert not Suggestion.objects.exists()


def test_scopes_are_required(sg: dict[str, Any]) -> None:
    reader = Api(sg["accountant"], scopes=["suggestions:read"])
    assert reader.post("/suggestions", {"title": "x", "body": "y"}).status_code == 403
    assert not Suggestion.objects.exists()
