"""The demo's held meeting (``seed_finished_meeting``): last week's 总经理办公会 booked in the past through the
service (``allow_past``, which nothing else passes), its minutes, and its decisions sent to 督办 — the ledger holds
them as items of source 会议议定事项 linked to the meeting's page, and 纪要送发文 has filed it; a second run adds
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.core.errors import ApplicationError
from sanfu.demo.meetings import FINISHED_TITLE, seed_finished_meeting, seed_meetings
from sanfu.demo.org import seed_demo
from sanfu.documents.flows import publish_definitions as publish_documents
from sanfu.documents.models import OutgoingDocument
from sanfu.meetings import services
from sanfu.meetings.models import Booking, Meeting, Room
from sanfu.meetings.selectors import ARCHIVE_SOURCE
from sanfu.supervision.models import Item, Source


@pytest.mark.django_db
def test_the_demo_holds_a_finished_meeting_whose_decisions_are_in_the_ledger() -> None:
    seed_demo()
    publish_documents()  # 纪要送发文 drafts into the 发文 loop
    seed_meetings()
    clerk = User.objects.get(username="clerk")
    room = Room.objects.get(name="党委会议室")
    past = timezone.now() - timedelta(days=3)
    with pytest.raises(ApplicationError, match="过去"):
        services.booking_create(
            actor=clerk, room_id=room.pk, title="补录", starts_at=past, ends_at=past + timedelta(hours=1)
        )
    assert not Booking.objects.filter(title="补录").exists()

    assert seed_finished_meeting() == 3
    meeting = Meeting.objects.get(title=FINISHED_TITLE)
    assert meeting.ends_at < timezone.now()
    assert meeting.minutes
    items = Item.objects.filter(source=Source.MEETING, source_ref__startswith=f"{meeting.pk}:")
    assert items.count() == 3
    assert {i.source_url for i in items} == {reverse("meetings:meeting", args=[meeting.pk])}
    # three of the four came (the month's figures have a no-show), and 纪要送发文 filed the meeting and drafted a 纪要
    assert meeting.attendees.filter(signed_in_at__isnull=False).count() == meeting.attendees.count() - 1 == 3
    assert ArchiveRecord.objects.filter(source=ARCHIVE_SOURCE, source_id=meeting.pk).exists()
    assert OutgoingDocument.objects.filter(title__contains=FINISHED_TITLE).exists()
    assert seed_finished_meeting() == 0
    assert Meeting.objects.filter(title=FINISHED_TITLE).count() == 1
