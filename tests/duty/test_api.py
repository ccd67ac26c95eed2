"""值班安排 over the REST API: the roster of the holder's unit and who is on duty now; another unit sees nothing;
bad ranges are refused; the scope is enforced."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from sanfu.api.tokens import token_issue
from sanfu.duty.models import RotaKind, Shift
from tests.duty.conftest import at, make_rota, roster


def api(user: Any, scopes: list[str]) -> tuple[Client, dict[str, str]]:
    _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=365)
    return Client(), {"Authorization": f"Bearer {raw}"}


def test_shifts_and_today(duty: dict[str, Any]) -> None:
    rota = make_rota(duty, kind=RotaKind.BOTH)
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 2), duty["clerk"])
        client, headers = api(duty["accountant"], ["duty:read"])
        listed = client.get("/api/v1/duty/shifts", {"start": "2026-10-01", "end": "2026-10-01"}, headers=headers)
    assert listed.status_code == 200
    body = listed.json()
    assert [(s["kind"], s["officer"], s["holiday"]) for s in body] == [
        ("day", "办公室主任", "国庆节"),
        ("night", "section_head", "国庆节"),
    ]
    assert body[0]["leader"] == "总经理"
    assert body[0]["phone"] == "0775-1234567"
    with at(date(2026, 10, 1), 20):
        now = client.get("/api/v1/duty/today", headers=headers).json()
    night = Shift.objects.get(day=date(2026, 10, 1), kind="night")
    assert [s["id"] for s in now["on_duty"]] == [night.pk]


def test_other_units_bad_ranges_and_scopes(duty: dict[str, Any]) -> None:
    rota = make_rota(duty, kind=RotaKind.HOLIDAY)
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 2), duty["clerk"])
        stranger, headers = api(duty["stranger"], ["duty:read"])
        assert (
            stranger.get("/api/v1/duty/shifts", {"start": "2026-10-01", "end": "2026-10-07"}, headers=headers).json()
            == []
        )
        client, headers = api(duty["accountant"], ["duty:read"])
        backwards = client.get("/api/v1/duty/shifts", {"start": "2026-10-07", "end": "2026-10-01"}, headers=headers)
        assert backwards.status_code == 422
        too_long = client.get("/api/v1/duty/shifts", {"start": "2026-01-01", "end": "2026-12-31"}, headers=headers)
        assert too_long.status_code == 422
        assert "92" in too_long.json()["error"]["message"]
        other, headers = api(duty["accountant"], ["meetings:read"])
        assert other.get("/api/v1/duty/today", headers=headers).status_code == 403
