"""会议 over the REST API, through HTTP: my meetings (organised / invited, upcoming / past), a meeting's detail
(agenda with materials, attendees with reply and sign-in: in full to the organiser, the approver and the office,
only names and one's own row to others), and replying to a notice. Bad input is a 422 (or 403 for a person not
on the list) with a Chinese message, and the reply on file does not change; another unit's meeting is a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfu.meetings import flows, services
from sanfu.meetings.models import Attendee, Meeting, MeetingKind, Reply
from tests.meetings.conftest import at, next_monday
from tests.meetings.test_api import BOTH, Api


@pytest.fixture
def planned(meet: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    flows.publish_definitions()
    day = next_monday()
    kind = MeetingKind.objects.get(name="总经理办公会")

    def make(title: str, hour: int, notify: bool = True) -> Meeting:
        booking = services.booking_create(
            actor=meet["office_head"], room_id=meet["big"].pk, title=title, starts_at=at(day, hour),
            ends_at=at(day, hour + 1),
        )  # fmt: skip
        meeting = services.meeting_create(
            actor=meet["office_head"],
            kind_id=kind.pk,
            title=title,
            booking_id=booking.pk,
            approver_id=meet["gm"].pk,
            attendee_ids=[meet["accountant"].pk, meet["section_head"].pk],
            agenda=[services.AgendaIn("预算执行情况", meet["finance"].pk), services.AgendaIn("其他事项")],
            notes="请准时参加",
        )
        if notify:
            services.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
            services.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk)
        return meeting

    notified = make("经营分析会", 9)
    drafted = make("尚在草拟的会", 14, notify=False)
    services.material_upload(
        actor=meet["accountant"],
        meeting_id=notified.pk,
        agenda_item_id=notified.agenda.get(no=1).pk,
        files=[SimpleUploadedFile("预算.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")],
    )
    return {**meet, "notified": notified, "drafted": drafted}


def test_my_meetings(planned: dict[str, Any]) -> None:
    notified, drafted = planned["notified"], planned["drafted"]
    head = Api(planned["office_head"], ["meetings:read"])
    organised = head.get("/meetings", role="organised").json()
    assert [m["id"] for m in organised["items"]] == [drafted.pk, notified.pk]
    assert organised["items"][0]["organised"] is True
    assert organised["items"][0]["my_reply"] is None
    assert head.get("/meetings", role="invited").json()["items"] == []
    assert head.get("/meetings", when="past").json()["items"] == []

    accountant = Api(planned["accountant"], ["meetings:read"])
    invited = accountant.get("/meetings").json()["items"]  # a drafted plan is not an invitation yet
    assert [(m["id"], m["title"], m["my_reply"], m["organised"]) for m in invited] == [
        (notified.pk, "经营分析会", "pending", False)
    ]
    assert invited[0]["room"] == "第一会议室"
    assert accountant.get("/meetings", role="organised").json()["items"] == []

    # the meeting is over: it moves from upcoming to past
    Meeting.objects.filter(pk=notified.pk).update(
        starts_at=notified.starts_at - timedelta(days=30), ends_at=notified.ends_at - timedelta(days=30)
    )
    assert accountant.get("/meetings").json()["items"] == []
    assert [m["id"] for m in accountant.get("/meetings", when="past").json()["items"]] == [notified.pk]
    assert [m["id"] for m in accountant.get("/meetings", when="all", limit=1).json()["items"]] == [notified.pk]

    bad = accountant.get("/meetings", role="everyone")
    assert bad.status_code == 422
    assert Api(planned["stranger"], ["meetings:read"]).get("/meetings", when="all").json()["items"] == []


def test_meeting_detail(planned: dict[str, Any]) -> None:
    meeting = planned["notified"]
    services.attendee_reply(actor=planned["section_head"], meeting_id=meeting.pk, reply=Reply.DECLINE, reason="出差")
    attendee = Attendee.objects.get(meeting=meeting, user=planned["accountant"])
    services.attendee_sign_in_by_hand(actor=planned["office_head"], meeting_id=meeting.pk, attendee_id=attendee.pk)

    head = Api(planned["office_head"], ["meetings:read"]).get(f"/meetings/{meeting.pk}")
    assert head.status_code == 200, head.content
    body = head.json()
    assert (body["title"], body["status"], body["notes"], body["approver"]) == (
        "经营分析会",
        "notified",
        "请准时参加",
        "总经理",
    )
    assert [(a["no"], a["topic"], a["department"]) for a in body["agenda"]] == [
        (1, "预算执行情况", "财务部"),
        (2, "其他事项", None),
    ]
    assert [(m["name"], m["late"]) for m in body["agenda"][0]["materials"]] == [("预算.pdf", False)]
    rows = {a["user_id"]: a for a in body["attendees"]}
    assert rows[planned["section_head"].pk]["reply"] == "decline"
    assert rows[planned["section_head"].pk]["reason"] == "出差"
    assert rows[planned["accountant"].pk]["signed_in_at"] is not None

    # an attendee sees the list, their own row in full, not the others' replies
    mine = Api(planned["accountant"], ["meetings:read"]).get(f"/meetings/{meeting.pk}").json()
    rows = {a["user_id"]: a for a in mine["attendees"]}
    assert rows[planned["accountant"].pk]["reply"] == "pending"
    assert rows[planned["accountant"].pk]["signed_in_at"] is not None
    assert rows[planned["section_head"].pk]["reply"] is None
    assert rows[planned["section_head"].pk]["reason"] is None
    assert rows[planned["section_head"].pk]["name"]

    # another unit, or a drafted plan of someone else: 404
    assert Api(planned["stranger"], ["meetings:read"]).get(f"/meetings/{meeting.pk}").status_code == 404
    assert Api(planned["finance_head"], ["meetings:read"]).get(f"/meetings/{planned['drafted'].pk}").status_code == 404
    assert Api(planned["accountant"], ["meetings:read"]).get("/meetings/999999").status_code == 404


def test_reply_to_a_notice(planned: dict[str, Any]) -> None:
    meeting = planned["notified"]
    path = f"/meetings/{meeting.pk}/reply"
    accountant = Api(planned["accountant"], BOTH)

    def on_file() -> tuple[str, str]:
        a = Attendee.objects.get(meeting=meeting, user=planned["accountant"])
        return a.reply, a.reason

    # bad input: a clear message, the reply on file unchanged
    for body, words in [
        ({"reply": "decline"}, "请假时请写明事由"),
        ({"reply": "deputy"}, "请选择代您参会的人"),
        ({"reply": "deputy", "deputy": planned["stranger"].pk}, "代参会人须是本单位的其他在职人员"),
    ]:
        refused = accountant.post(path, body)
        assert refused.status_code == 422, refused.content
        assert words in refused.json()["error"]["message"]
        assert on_file() == ("pending", "")
    assert accountant.post(path, {"reply": "maybe"}).status_code == 422
    assert on_file() == ("pending", "")

    # read scope only: 403; not on the list: 403; another unit: 404
    assert Api(planned["accountant"], ["meetings:read"]).post(path, {"reply": "attend"}).status_code == 403
    outsider = Api(planned["finance_head"], BOTH).post(path, {"reply": "attend"})
    assert outsider.status_code == 403
    assert "参会人名单" in outsider.json()["error"]["message"]
    assert Api(planned["stranger"], BOTH).post(path, {"reply": "attend"}).status_code == 404
    assert on_file() == ("pending", "")

    declined = accountant.post(path, {"reply": "decline", "reason": "外出培训"})
    assert declined.status_code == 200, declined.content
    assert (declined.json()["reply"], declined.json()["reason"]) == ("decline", "外出培训")
    sent = accountant.post(path, {"reply": "deputy", "deputy": planned["finance_head"].pk})
    assert (sent.json()["reply"], sent.json()["deputy"]) == ("deputy", "finance_head")
    assert on_file() == ("deputy", "")
    # the deputy now finds the meeting among theirs
    deputy = Api(planned["finance_head"], ["meetings:read"]).get("/meetings", role="invited").json()["items"]
    assert [m["id"] for m in deputy] == [meeting.pk]

    # a drafted meeting cannot be answered yet
    early = accountant.post(f"/meetings/{planned['drafted'].pk}/reply", {"reply": "attend"})
    assert early.status_code == 422
    assert "尚未发出通知" in early.json()["error"]["message"]
