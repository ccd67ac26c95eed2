from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sanfu.api.tokens import token_issue
from tests.approvals.conftest import demo  # noqa: F401  # the demo organisation and matters

ALL = ["org:read", "approvals:read", "approvals:write"]

LEAVE = {
    "kind": "事假",
    "period": {"start": "2026-12-14", "end": "2026-12-15"},
    "reason": "家中有事",
}


class ApiClient:
    """The Django test client speaking JSON with a bearer token."""

    def __init__(self, token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any = None, *, key: str = "", **headers: str) -> Any:
        extra = {**self.headers, **headers}
        if key:
            extra["Idempotency-Key"] = key
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", headers=extra)


@pytest.fixture
def api(demo: dict[str, Any]) -> Callable[..., ApiClient]:  # noqa: F811
    def _api(username: str, scopes: list[str] | None = None) -> ApiClient:
        from sanfu.accounts.models import User

        person = User.objects.get(username=username)
        _token, raw = token_issue(actor=person, name="测试", scopes=scopes or ALL, days=30)
        return ApiClient(raw)

    return _api


def leave_for(api_client: ApiClient, demo: dict[str, Any], **extra: Any) -> dict[str, Any]:  # noqa: F811
    """Submit a leave request over the API; the handover person is the office head."""
    data = {**LEAVE, "handover": demo["people"]["office_head"].pk}
    response = api_client.post("/approvals/requests", {"matter": "leave", "title": "事假两天", "data": data, **extra})
    assert response.status_code == 201, response.content.decode()
    return response.json()
