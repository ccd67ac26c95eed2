"""会中 sign-in: the room screen's QR code carries a signed, expiring token; an attendee (or their deputy) who opens
it is marked present; refused with a clear page after expiry, outside the meeting's window, for a forged token or
for someone not invited; another unit's meeting is not found; the organiser signs people in by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from sanfu.core.errors import NotFoundError, PermissionDeniedError
from sanfu.meetings import flows, services
from sanfu.meetings.models import Attendee, MeetingKind, Reply
from tests.meetings.conftest import at, next_monday


@pytest.fixture
def held(meet: dict[str, Any]) -> dict[str, Any]:
    flows.publish_definitions()
    day = next_monday()
    booking = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="例会", starts_at=at(day, 9), ends_at=at(day, 11)
    )
    meeting = services.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="专题会").pk,
        title="安全专题会",
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["accountant"].pk, meet["finance_head"].pk],
        agenda=[services.AgendaIn("安全检查")],
    )
    services.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
    services.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk)
    services.attendee_reply(
        actor=meet["finance_head"], meeting_id=meeting.pk, reply=Reply.DEPUTY, deputy_id=meet["clerk"].pk
    )
    return {**meet, "meeting": meeting, "day": day}


def test_qr_sign_in_rules(held: dict[str, Any]) -> None:
    meeting, day = held["meeting"], held["day"]
    with time_machine.travel(at(day, 8, 50), tick=False):
        token = services.signin_token(meeting)
        signed = services.attendee_sign_in(actor=held["accountant"], meeting_id=meeting.pk, token=token)
        assert signed.signed_in_at is not None
        first = signed.signed_in_at
        again = services.attendee_sign_in(actor=held["accountant"], meeting_id=meeting.pk, token=token)
        assert again.signed_in_at == first  # once only
        # the deputy signs in for the attendee who sent them
        deputy = services.attendee_sign_in(actor=held["clerk"], meeting_id=meeting.pk, token=token)
        assert (deputy.user_id, deputy.signed_in_by_id) == (held["finance_head"].pk, held["clerk"].pk)
        with pytest.raises(services.SignInRefusedError, match="不在本次会议的参会人名单中"):
            services.attendee_sign_in(actor=held["section_head"], meeting_id=meeting.pk, token=token)
        with pytest.raises(NotFoundError):
            services.attendee_sign_in(actor=held["stranger"], meeting_id=meeting.pk, token=token)
        with pytest.raises(services.SignInRefusedError, match="无效"):
            services.attendee_sign_in(actor=held["accountant"], meeting_id=meeting.pk, token=token[:-2] + "xx")
    later = at(day, 8, 50) + timedelta(minutes=services.TOKEN_MINUTES + 1)
    with time_machine.travel(later, tick=False), pytest.raises(services.SignInRefusedError, match="已过期"):
        services.attendee_sign_in(actor=held["accountant"], meeting_id=meeting.pk, token=token)
    with time_machine.travel(at(day, 6), tick=False):
        early = services.signin_token(meeting)
        with pytest.raises(services.SignInRefusedError, match="签到时间"):
            services.attendee_sign_in(actor=held["accountant"], meeting_id=meeting.pk, token=early)
    assert Attendee.objects.filter(meeting=meeting, signed_in_at__isnull=False).count() == 2


def test_screen_signin_pages_and_manual(held: dict[str, Any], login: Any) -> None:
    meeting, day = held["meeting"], held["day"]
    with time_machine.travel(at(day, 8, 55), tick=False):  # sessions made at that time (an idle one expires)
        organiser = login(held["office_head"])
        screen = organiser.get(reverse("meetings:meeting_screen", args=[meeting.pk]))
        html = screen.content.decode()
        assert "<svg" in html
        link = html.split('id="signin-link">', 1)[1].split("<", 1)[0]
        path = link.split("testserver", 1)[1]
        assert login(held["accountant"]).get(reverse("meetings:meeting_screen", args=[meeting.pk])).status_code == 404
        refused = login(held["section_head"]).get(path)
        assert refused.status_code == 403
        assert "不在本次会议的参会人名单中" in refused.content.decode()
        assert login(held["stranger"]).get(path).status_code == 404
        done = login(held["accountant"]).get(path)
        assert done.status_code == 200
        assert "签到成功" in done.content.decode()
        # the organiser signs the other attendee in by hand; an attendee may not
        other = Attendee.objects.get(meeting=meeting, user=held["finance_head"])
        act = reverse("meetings:meeting_act", args=[meeting.pk])
        login(held["accountant"]).post(act, {"action": "signin", "attendee": other.pk})
        assert Attendee.objects.get(pk=other.pk).signed_in_at is None
        organiser.post(act, {"action": "signin", "attendee": other.pk, "next": "screen"})
        assert Attendee.objects.get(pk=other.pk).signed_in_by_id == held["office_head"].pk
        live = organiser.get(reverse("meetings:meeting_screen", args=[meeting.pk]), headers={"HX-Request": "true"})
        assert "已到 2 / 2" in live.content.decode()
        assert "<svg" not in live.content.decode()  # the partial: the attendance only
    with time_machine.travel(at(day, 8, 55) + timedelta(minutes=30), tick=False):
        expired = login(held["finance_head"]).get(path)
        assert expired.status_code == 403
        assert "已过期" in expired.content.decode()
    with pytest.raises(PermissionDeniedError):
        services.attendee_sign_in_by_hand(actor=held["accountant"], meeting_id=meeting.pk, attendee_id=other.pk)
