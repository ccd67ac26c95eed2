"""会中 sign-in: a QR code on the room screen carries a signed, expiring token; an attendee (or the deputy they
sent) who opens it signed in is marked present. The organiser or the office may sign people in by hand.

The token is ``TimestampSigner`` over the meeting's id with a salt of its own: it cannot be made for another
meeting, and it is refused once older than ``TOKEN_MINUTES`` (the screen shows a fresh one every few minutes)
or outside the meeting's sign-in window (an hour before the start until the end)."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.meetings import rights, selectors
from sanfu.meetings.models import Attendee, Meeting, MeetingStatus

SALT = "sanfu.meetings.signin"
TOKEN_MINUTES = 10
OPENS_BEFORE = timedelta(hours=1)


class SignInRefusedError(ApplicationError):
    """A sign-in refused for a reason the person should read on a page of its own (expired, not invited)."""


def signin_token(meeting: Meeting) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(meeting.pk))


def meeting_of_token(*, actor: User, meeting_id: int, token: str) -> Meeting:
    """The meeting a sign-in link names, in the actor's unit (another unit's: not found); the token checked."""
    meeting = (
        Meeting.objects.filter(pk=meeting_id, unit_id=rights.unit_of(actor) or 0)
        .select_related("booking__room")
        .first()
    )
    if meeting is None:
        raise NotFoundError(_("没有找到该会议。"))
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=timedelta(minutes=TOKEN_MINUTES))
    except signing.SignatureExpired as exc:
        raise SignInRefusedError(_("签到二维码已过期，请扫描会议室屏幕上最新的二维码。")) from exc
    except signing.BadSignature as exc:
        raise SignInRefusedError(_("签到二维码无效。")) from exc
    if value != str(meeting.pk):
        raise SignInRefusedError(_("签到二维码无效。"))
    return meeting


def attendee_sign_in(*, actor: User, meeting_id: int, token: str) -> Attendee:
    """The actor opened the QR code: they (or the attendee who sent them) are marked present; once only."""
    meeting = meeting_of_token(actor=actor, meeting_id=meeting_id, token=token)
    now = timezone.now()
    if meeting.status != MeetingStatus.NOTIFIED:
        raise SignInRefusedError(_("该会议尚未发出通知，不能签到。"))
    if not meeting.starts_at - OPENS_BEFORE <= now <= meeting.ends_at:
        raise SignInRefusedError(_("不在签到时间内（会前一小时至会议结束）。"))
    attendee = (
        Attendee.objects.filter(meeting=meeting, user=actor).first()
        or Attendee.objects.filter(meeting=meeting, deputy=actor).first()
    )
    if attendee is None:
        raise SignInRefusedError(_("您不在本次会议的参会人名单中，不能签到。如需参会请联系会议承办人。"))
    if attendee.signed_in_at is not None:
        return attendee
    with transaction.atomic():
        Attendee.objects.filter(pk=attendee.pk, signed_in_at__isnull=True).update(signed_in_at=now, signed_in_by=actor)
        audit_record(
            action="meetings.attendee.sign_in",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"attendee": attendee.user_id, "how": "qr"},
        )
    attendee.refresh_from_db()
    return attendee


def may_run(actor: User, meeting: Meeting) -> bool:
    """The organiser, or the office of the meeting's unit: shows the screen, signs people in by hand."""
    return meeting.organiser_id == actor.pk or (rights.is_office(actor) and rights.unit_of(actor) == meeting.unit_id)


def attendee_sign_in_by_hand(*, actor: User, meeting_id: int, attendee_id: int) -> Attendee:
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    if not may_run(actor, meeting):
        raise PermissionDeniedError(_("只有会议承办人或办公室可以代为签到。"))
    if meeting.status != MeetingStatus.NOTIFIED:
        raise ApplicationError(_("该会议尚未发出通知，不能签到。"))
    attendee = Attendee.objects.filter(meeting=meeting, pk=attendee_id).first()
    if attendee is None:
        raise NotFoundError(_("该人员不在参会人名单中。"))
    if attendee.signed_in_at is not None:
        return attendee
    with transaction.atomic():
        Attendee.objects.filter(pk=attendee.pk, signed_in_at__isnull=True).update(
            signed_in_at=timezone.now(), signed_in_by=actor
        )
        audit_record(
            action="meetings.attendee.sign_in",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"attendee": attendee.user_id, "how": "manual"},
        )
    attendee.refresh_from_db()
    return attendee
