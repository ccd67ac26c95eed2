"""会议归档: 纪要送发文 files the meeting (notice, attendance, agenda and materials list, minutes, decisions) into the
archive as a record of kind 会议, in the same transaction; the archive's search then finds the minutes' text for
those who may read the record, and decisions sent to 督办 later bring the record up to date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sanfu.archive.models import ArchiveRecord
from sanfu.archive.selectors import Filters, search_records
from sanfu.meetings import flows, services
from sanfu.meetings.models import MeetingKind, Reply
from sanfu.workflow import outbox
from tests.meetings.conftest import at, next_monday

MINUTES = "会议研究了燃煤机组灵活性改造方案。\n一、同意改造方案。"


@pytest.fixture
def held(meet: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setitem(outbox.HANDLERS, "supervision.open_item", lambda message: None)
    monkeypatch.setitem(outbox.HANDLERS, "documents.draft_minutes", lambda message: None)
    flows.publish_definitions()
    day = next_monday()
    booking = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="专题会", starts_at=at(day, 9), ends_at=at(day, 11)
    )
    meeting = services.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="总经理办公会").pk,
        title="灵活性改造专题会",
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["accountant"].pk, meet["finance_head"].pk],
        agenda=[services.AgendaIn("改造方案", meet["finance"].pk)],
    )
    services.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
    services.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk)
    services.attendee_reply(actor=meet["finance_head"], meeting_id=meeting.pk, reply=Reply.DECLINE, reason="出差")
    services.material_upload(
        actor=meet["accountant"],
        meeting_id=meeting.pk,
        agenda_item_id=meeting.agenda.get().pk,
        files=[SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")],
    )
    attendee = meeting.attendees.get(user=meet["accountant"])
    services.attendee_sign_in_by_hand(actor=meet["clerk"], meeting_id=meeting.pk, attendee_id=attendee.pk)
    services.minutes_save(actor=meet["clerk"], meeting_id=meeting.pk, text=MINUTES)
    services.decision_add(
        actor=meet["clerk"],
        meeting_id=meeting.pk,
        text="财务部落实改造资金",
        owner_id=meet["finance_head"].pk,
        deadline=timezone.localdate() + timedelta(days=30),
    )
    return {**meet, "meeting": meeting}


def _found(actor: Any, query: str) -> list[ArchiveRecord]:
    return list(search_records(actor=actor, filters=Filters(query=query)))


def test_minutes_sent_file_the_meeting_and_search_finds_them(held: dict[str, Any], login: Any) -> None:
    meeting, clerk = held["meeting"], held["clerk"]
    assert not ArchiveRecord.objects.filter(source="meetings").exists()  # saving the minutes files nothing yet

    services.minutes_to_documents(actor=clerk, meeting_id=meeting.pk)

    record = ArchiveRecord.objects.get(source="meetings", source_id=meeting.pk)
    assert (record.kind, record.title, record.unit_id) == ("会议", "灵活性改造专题会", meeting.unit_id)
    assert MINUTES in record.body_text
    assert "改造方案（财务部）" in record.body_text  # the agenda with its presenting department
    assert "方案.pdf" in record.body_text  # the materials list
    assert "请假：出差" in record.body_text  # the attendance: replies …
    assert "签到" in record.body_text  # … and sign-ins
    assert "财务部落实改造资金" in record.body_text  # the decisions
    assert sorted(record.files.values_list("name", flat=True)) == ["会议纪要.txt", "会议通知.ics"]
    assert {e["what"] for e in record.history} >= {"approved", "会议通知", "签到", "整理纪要", "纪要送发文"}
    readers = set(record.readers.values_list("pk", flat=True))
    assert {held["accountant"].pk, held["finance_head"].pk, held["office_head"].pk} <= readers

    # the archive's search finds the minutes' text for someone of the unit, not for another unit
    assert [r.pk for r in _found(held["accountant"], "灵活性改造")] == [record.pk]
    assert _found(held["stranger"], "灵活性改造") == []
    meeting_page = login(clerk).get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()
    assert reverse("archive:record", args=[record.pk]) in meeting_page
    page = login(held["accountant"]).get(reverse("archive:search"), {"q": "灵活性改造"})
    assert page.status_code == 200
    assert "灵活性改造专题会" in page.content.decode()

    # decisions sent to 督办 afterwards update the record (no second copy of its files)
    services.decisions_to_supervision(actor=clerk, meeting_id=meeting.pk)
    record.refresh_from_db()
    assert record.revision == 2
    assert any(e["what"] == "转督办" for e in record.history)
    assert record.files.count() == 2


def test_decisions_before_the_minutes_file_nothing(held: dict[str, Any]) -> None:
    services.decisions_to_supervision(actor=held["clerk"], meeting_id=held["meeting"].pk)
    assert not ArchiveRecord.objects.filter(source="meetings").exists()
