"""会议室 over the REST API: rooms, a room's day, my bookings, booking (409 naming the booking in the way, nothing
left behind), cancelling; another unit's room or booking is a 404; scopes are enforced."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sanfu.api.tokens import token_issue
from sanfu.meetings.models import Booking, BookingStatus
from tests.meetings.conftest import at, next_monday


class Api:
    def __init__(self, user: Any, scopes: list[str]):
        _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=30)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/meetings{path}", params, headers=self.headers)

    def post(self, path: str, body: Any, *, key: str = "") -> Any:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        return self.client.post(f"/api/v1/meetings{path}", body, content_type="application/json", headers=headers)


BOTH = ["meetings:read", "meetings:write"]


def test_book_conflict_cancel_over_the_api(meet: dict[str, Any]) -> None:
    day = next_monday()
    accountant = Api(meet["accountant"], BOTH)
    rooms = accountant.get("/rooms").json()
    assert {r["name"] for r in rooms} == {"第一会议室", "财务小会议室"}
    body = {
        "room": meet["big"].pk,
        "title": "预算会",
        "starts_at": at(day, 9).isoformat(),
        "ends_at": at(day, 10).isoformat(),
    }
    created = accountant.post("/bookings", body, key="k-1")
    assert created.status_code == 201, created.content
    replay = accountant.post("/bookings", body, key="k-1")  # the same key: the first answer, nothing new
    assert replay.json()["id"] == created.json()["id"]
    assert Booking.objects.count() == 1

    head = Api(meet["office_head"], BOTH)
    clash = head.post("/bookings", {**body, "title": "周例会", "starts_at": at(day, 9, 30).isoformat()})
    assert clash.status_code == 409
    assert "预算会" in clash.json()["error"]["message"]
    assert Booking.objects.count() == 1

    slots = head.get(f"/rooms/{meet['big'].pk}/availability", day=day.isoformat()).json()["slots"]
    by_hour = {s["starts_at"][11:16]: s for s in slots}
    assert by_hour["09:00"]["free"] is False
    assert by_hour["09:00"]["booking_id"] == created.json()["id"]
    assert by_hour["10:00"]["free"] is True

    mine = accountant.get("/bookings").json()["items"]
    assert [b["title"] for b in mine] == ["预算会"]
    assert head.post(f"/bookings/{created.json()['id']}/cancel", {}).status_code == 403
    cancelled = accountant.post(f"/bookings/{created.json()['id']}/cancel", {"reason": "改期"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == BookingStatus.CANCELLED
    assert accountant.post(f"/bookings/{created.json()['id']}/cancel", {}).status_code == 409
    assert head.post("/bookings", {**body, "title": "周例会"}).status_code == 201


def test_bad_input_other_units_and_scopes(meet: dict[str, Any]) -> None:
    day = next_monday()
    stranger = Api(meet["stranger"], BOTH)
    body = {
        "room": meet["big"].pk,
        "title": "串门",
        "starts_at": at(day, 9).isoformat(),
        "ends_at": at(day, 10).isoformat(),
    }
    assert stranger.post("/bookings", body).status_code == 404
    assert stranger.get(f"/rooms/{meet['big'].pk}/availability", day=day.isoformat()).status_code == 404
    own = Api(meet["accountant"], BOTH).post("/bookings", {**body, "title": "预算会"}).json()
    assert stranger.get(f"/bookings/{own['id']}").status_code == 404
    assert stranger.post(f"/bookings/{own['id']}/cancel", {}).status_code == 404
    reader = Api(meet["accountant"], ["meetings:read"])
    assert reader.post("/bookings", {**body, "starts_at": at(day, 11).isoformat()}).status_code == 403
    writer = Api(meet["accountant"], BOTH)
    backwards = writer.post("/bookings", {**body, "starts_at": at(day, 11).isoformat()})
    assert backwards.status_code == 422
    assert "结束时间须晚于开始时间" in backwards.json()["error"]["message"]
    assert writer.post("/bookings", {**body, "room": 2**60}).status_code == 422
    assert Booking.objects.filter(title="串门").count() == 0
