"""领导日程 and 我的日程 over the REST API: the week masks what the holder may not read as busy half-days, as the
page does; entries are written by those who keep the leader's schedule only; /me/agenda answers a bounded span
and a clear 400 otherwise."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from sanfu.api.tokens import token_issue
from sanfu.schedules.models import ScheduleEntry, Visibility
from tests.schedules.conftest import MONDAY, entry

BOTH = ["schedules:read", "schedules:write"]


class Api:
    def __init__(self, user: Any, scopes: list[str] = BOTH):
        _token, raw = token_issue(actor=user, name="测试", scopes=scopes, days=30)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        call = getattr(self.client, method)
        return call(f"/api/v1{path}", body or {}, content_type="application/json", headers=self.headers)


def test_the_week_masks_what_the_holder_may_not_read(sch: dict[str, Any]) -> None:
    public = entry(sch["clerk"], sch["gm"], title="公开调研", start=9, end=11)
    entry(sch["secretary"], sch["gm"], title="私人就诊", start=14, end=15, visibility=Visibility.PRIVATE)
    week = Api(sch["accountant"]).get("/schedules/week", week=f"{MONDAY + timedelta(days=3):%Y-%m-%d}")
    assert week.status_code == 200
    body = week.json()
    assert (body["monday"], body["sunday"], body["iso_week"]) == ("2026-12-07", "2026-12-13", 50)
    gm = next(row for row in body["leaders"] if row["id"] == sch["gm"].pk)
    assert [e["title"] for e in gm["entries"]] == ["公开调研"]
    assert gm["entries"][0]["id"] == public.pk
    assert gm["busy"] == [{"day": "2026-12-07", "half": "pm"}]
    assert "私人就诊" not in week.content.decode()
    assert gm["may_keep"] is False
    mine = Api(sch["secretary"]).get("/schedules/week", week="2026-12-07").json()
    gm = next(row for row in mine["leaders"] if row["id"] == sch["gm"].pk)
    assert sorted(e["title"] for e in gm["entries"]) == ["公开调研", "私人就诊"]
    assert gm["busy"] == []
    assert gm["may_keep"] is True
    assert Api(sch["stranger"]).get("/schedules/week", week="2026-12-07").json()["leaders"][0]["entries"] == []


def test_the_secretary_enters_changes_and_deletes(sch: dict[str, Any]) -> None:
    api = Api(sch["secretary"])
    made = api.send(
        "post",
        "/schedules/entries",
        {
            "leader": sch["gm"].pk,
            "title": "接待调研组",
            "starts_at": "2026-12-08T09:00:00+08:00",
            "ends_at": "2026-12-08T11:00:00+08:00",
            "place": "接待室",
            "visibility": "internal",
        },
    )
    assert made.status_code == 201, made.content
    entry_id = made.json()["id"]
    assert made.json()["visibility"] == "internal"
    assert api.get(f"/schedules/entries/{entry_id}").json()["title"] == "接待调研组"
    assert Api(sch["accountant"]).get(f"/schedules/entries/{entry_id}").status_code == 404  # 内部: not theirs
    assert Api(sch["stranger"]).get(f"/schedules/entries/{entry_id}").status_code == 404
    changed = api.send("patch", f"/schedules/entries/{entry_id}", {"title": "接待省调研组", "visibility": "public"})
    assert changed.status_code == 200, changed.content
    saved = ScheduleEntry.objects.get(pk=entry_id)
    assert (saved.title, saved.visibility, saved.place) == ("接待省调研组", Visibility.PUBLIC, "接待室")
    bad = api.send("patch", f"/schedules/entries/{entry_id}", {"ends_at": "2026-12-08T08:00:00+08:00"})
    assert bad.status_code == 422
    assert "结束时间必须晚于开始时间" in bad.json()["error"]["message"]
    assert ScheduleEntry.objects.get(pk=entry_id).ends_at == saved.ends_at
    assert api.send("delete", f"/schedules/entries/{entry_id}").status_code == 204
    assert not ScheduleEntry.objects.exists()


def test_others_may_not_write(sch: dict[str, Any]) -> None:
    made = entry(sch["clerk"], sch["gm"], title="公开调研")
    body = {
        "leader": sch["gm"].pk,
        "title": "越权",
        "starts_at": "2026-12-08T09:00:00+08:00",
        "ends_at": "2026-12-08T10:00:00+08:00",
    }
    employee = Api(sch["accountant"])
    assert employee.send("post", "/schedules/entries", body).status_code == 403
    assert employee.send("patch", f"/schedules/entries/{made.pk}", {"title": "改"}).status_code == 403
    assert employee.send("delete", f"/schedules/entries/{made.pk}").status_code == 403
    stranger = Api(sch["stranger"])
    assert stranger.send("patch", f"/schedules/entries/{made.pk}", {"title": "改"}).status_code == 404
    assert stranger.send("delete", f"/schedules/entries/{made.pk}").status_code == 404
    reader = Api(sch["secretary"], ["schedules:read"])
    assert reader.send("post", "/schedules/entries", body).status_code == 403  # the write scope is missing
    assert ScheduleEntry.objects.get().title == "公开调研"
    far = {**body, "starts_at": "0001-01-01T09:00:00+08:00", "ends_at": "0001-01-01T10:00:00+08:00"}
    assert Api(sch["secretary"]).send("post", "/schedules/entries", far).status_code == 400
    assert ScheduleEntry.objects.count() == 1


def test_my_agenda(sch: dict[str, Any]) -> None:
    today = timezone.localdate()
    made = entry(sch["secretary"], sch["gm"], day=today + timedelta(days=2), title="接待调研组")
    api = Api(sch["gm"], ["schedules:read"])
    found = api.get("/me/agenda", start=f"{today:%Y-%m-%d}", end=f"{today + timedelta(days=6):%Y-%m-%d}")
    assert found.status_code == 200, found.content
    (item,) = found.json()
    assert item["uid"] == f"schedule-{made.pk}@sanfu"
    assert (item["title"], item["kind"]) == ("接待调研组", "领导日程")
    assert Api(sch["secretary"]).get("/me/agenda", start=f"{today:%Y-%m-%d}", end=f"{today:%Y-%m-%d}").json() == []
    backwards = api.get("/me/agenda", start="2026-12-10", end="2026-12-01")
    assert backwards.status_code == 400
    assert backwards.json()["error"]["message"] == "结束日期不能早于起始日期。"
    too_long = api.get("/me/agenda", start="2026-01-01", end="2026-12-31")
    assert too_long.status_code == 400
    assert "62" in too_long.json()["error"]["message"]
    assert api.get("/me/agenda", start="not-a-date", end="2026-12-31").status_code == 422
    assert api.get("/me/agenda").status_code == 422
