"""Meetings: the plan and agenda drafted on a booked room, approved through the flow (``meeting-plan``), the notice
to the attendees (in the app, by e-mail with an .ics invitation), and their replies.

The plan's approval is a step of the flow: the leader's open task at ``approve`` is found with
``open_task_for`` and acted on with ``task_approve`` / ``task_return`` inside the meeting's own transaction, so
the flow's optimistic version check makes two people acting on one plan a conflict, and the meeting's status,
its notices and the audit row commit with the step or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.meetings import rights, selectors
from sanfu.meetings.flows import PLAN_KEY
from sanfu.meetings.models import (
    AgendaItem,
    Attendee,
    Booking,
    BookingStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Reply,
)
from sanfu.org.models import Department, Staff
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus
from sanfu.workflow.selectors import open_task_for

MAX_ATTENDEES = 300
MAX_AGENDA = 30


@dataclass(frozen=True)
class AgendaIn:
    topic: str
    department_id: int | None = None
    materials: str = ""


def _unit_people(unit_id: int, ids: Sequence[int]) -> list[User]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    found = list(User.objects.filter(pk__in=wanted, is_active=True, staff__unit_id=unit_id))
    if len(found) != len(wanted):
        raise ApplicationError(_("参会人须是本单位在职人员。"), errors=[{"field": "attendees"}])
    order = {pk: n for n, pk in enumerate(wanted)}
    return sorted(found, key=lambda u: order[u.pk])


def _checked_agenda(unit_id: int, agenda: Sequence[AgendaIn]) -> list[AgendaIn]:
    items = [a for a in agenda if a.topic.strip()]
    if not items:
        raise ApplicationError(_("请至少列一个议题。"), errors=[{"field": "agenda"}])
    if len(items) > MAX_AGENDA:
        raise ApplicationError(_("议题最多 %(n)d 个。") % {"n": MAX_AGENDA}, errors=[{"field": "agenda"}])
    wanted = {a.department_id for a in items if a.department_id is not None}
    known = set(Department.objects.filter(unit_id=unit_id, pk__in=wanted).values_list("pk", flat=True))
    if wanted - known:
        raise ApplicationError(_("汇报部门须是本单位的部门。"), errors=[{"field": "agenda"}])
    for a in items:
        if len(a.topic.strip()) > 200:
            raise ApplicationError(_("议题不能超过 200 个字。"), errors=[{"field": "agenda"}])
    return [AgendaIn(a.topic.strip(), a.department_id, a.materials.strip()[:500]) for a in items]


def meeting_create(
    *,
    actor: User,
    kind_id: int,
    title: str,
    booking_id: int,
    approver_id: int,
    attendee_ids: Sequence[int],
    agenda: Sequence[AgendaIn],
    notes: str = "",
) -> Meeting:
    """Draft a meeting on one of the organiser's bookings: its kind, agenda, attendees and the leader who will
    approve the plan. Nothing is sent until the plan is approved."""
    booking = selectors.access_booking(actor=actor, booking_id=booking_id)
    if booking.booked_by_id != actor.pk and not rights.is_office(actor):
        raise PermissionDeniedError(_("只能用自己预订的会议室安排会议。"))
    if booking.status != BookingStatus.BOOKED:
        raise ApplicationError(_("该预订已经取消，请另选会议室。"), errors=[{"field": "booking"}])
    if Meeting.objects.filter(booking=booking).exists():
        raise ConflictError(_("该预订已安排了会议。"), errors=[{"field": "booking"}])
    kind = MeetingKind.objects.filter(pk=kind_id, active=True).first()
    if kind is None:
        raise ApplicationError(_("请选择会议类型。"), errors=[{"field": "kind"}])
    title = title.strip()
    if not title or len(title) > 200:
        raise ApplicationError(_("请填写会议名称（不超过 200 个字）。"), errors=[{"field": "title"}])
    unit_id = booking.room.unit_id
    approver = _unit_people(unit_id, [approver_id])[0] if approver_id else None
    if approver is None or approver.pk == actor.pk:
        raise ApplicationError(_("请选择审批会议方案的领导（不能是本人）。"), errors=[{"field": "approver"}])
    if not attendee_ids:
        raise ApplicationError(_("请选择参会人。"), errors=[{"field": "attendees"}])
    if len(set(attendee_ids)) > MAX_ATTENDEES:
        raise ApplicationError(_("参会人最多 %(n)d 位。") % {"n": MAX_ATTENDEES}, errors=[{"field": "attendees"}])
    people = _unit_people(unit_id, attendee_ids)
    items = _checked_agenda(unit_id, agenda)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind,
            title=title,
            unit_id=unit_id,
            organiser=actor,
            approver=approver,
            booking=booking,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            notes=notes.strip()[:2000],
        )
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(meeting=meeting, no=n, topic=a.topic, department_id=a.department_id, materials=a.materials)
                for n, a in enumerate(items, start=1)
            ]
        )
        Attendee.objects.bulk_create([Attendee(meeting=meeting, user=p) for p in people])
        audit_record(
            action="meetings.meeting.create",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"booking": booking.pk, "attendees": [p.pk for p in people], "agenda": len(items)},
        )
    return meeting


def _own(actor: User, meeting_id: int) -> Meeting:
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    if meeting.organiser_id != actor.pk:
        raise PermissionDeniedError(_("只有会议承办人可以办理此事项。"))
    return meeting


def meeting_submit(*, actor: User, meeting_id: int, comment: str = "") -> Meeting:
    """Send the plan and agenda to the chosen leader (again, after a return)."""
    meeting = _own(actor, meeting_id)
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.RETURNED):
        raise ConflictError(_("会议方案已提交，不能重复提交。"))
    with transaction.atomic():
        if meeting.instance is None:
            meeting.instance = workflow.instance_start(
                actor=actor,
                definition_key=PLAN_KEY,
                title=_("会议方案：%(title)s") % {"title": meeting.title},
                form={"approver": meeting.approver_id},
                in_transaction=True,
            )
        else:
            workflow.instance_resubmit(
                actor=actor,
                instance_id=meeting.instance.pk,
                form={"approver": meeting.approver_id},
                comment=comment,
                in_transaction=True,
            )
        changed = Meeting.objects.filter(pk=meeting.pk, status=meeting.status).update(
            status=MeetingStatus.SUBMITTED, instance=meeting.instance
        )
        if changed != 1:
            raise ConflictError(_("会议方案已提交，不能重复提交。"))
        audit_record(action="meetings.meeting.submit", actor=actor, target=f"meeting:{meeting.pk}")
    meeting.refresh_from_db()
    return meeting


def _plan_task(actor: User, meeting: Meeting) -> Any:
    if meeting.instance is None or meeting.status != MeetingStatus.SUBMITTED:
        raise ApplicationError(_("会议方案不在审批中。"), code=ErrorCode.CONFLICT)
    return open_task_for(actor=actor, instance_id=meeting.instance.pk, node="approve")


def meeting_approve(*, actor: User, meeting_id: int, comment: str = "") -> Meeting:
    """审批 the plan: the meeting is notified — a notice to each attendee in the app, and after the commit an
    e-mail with the .ics invitation to those with an address."""
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    task = _plan_task(actor, meeting)
    now = timezone.now()
    with transaction.atomic():
        instance = workflow.task_approve(
            actor=actor, task_id=task.pk, comment=comment or _("同意"), in_transaction=True
        )
        if instance.status != InstanceStatus.APPROVED:  # a definition edited to add steps: not yet final
            audit_record(action="meetings.meeting.approve_step", actor=actor, target=f"meeting:{meeting.pk}")
            return meeting
        if (
            Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SUBMITTED).update(
                status=MeetingStatus.NOTIFIED, notified_at=now
            )
            != 1
        ):
            raise ConflictError(_("会议方案已被他人办理，请刷新。"))
        meeting.status = MeetingStatus.NOTIFIED
        meeting.notified_at = now
        _notify(meeting)
        audit_record(
            action="meetings.meeting.approve", actor=actor, target=f"meeting:{meeting.pk}", detail={"comment": comment}
        )
    return meeting


def meeting_return(*, actor: User, meeting_id: int, comment: str) -> Meeting:
    """退回 the plan to the organiser, with the reason."""
    if not comment.strip():
        raise ApplicationError(_("退回时请写明原因。"), errors=[{"field": "comment"}])
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    task = _plan_task(actor, meeting)
    with transaction.atomic():
        workflow.task_return(actor=actor, task_id=task.pk, to="initiator", comment=comment, in_transaction=True)
        if (
            Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SUBMITTED).update(status=MeetingStatus.RETURNED)
            != 1
        ):
            raise ConflictError(_("会议方案已被他人办理，请刷新。"))
        audit_record(
            action="meetings.meeting.return", actor=actor, target=f"meeting:{meeting.pk}", detail={"comment": comment}
        )
    meeting.refresh_from_db()
    return meeting


def _notify(meeting: Meeting) -> None:
    people = list(meeting.attendees.values_list("user_id", flat=True))
    url = reverse("meetings:meeting", args=[meeting.pk])
    start = timezone.localtime(meeting.starts_at)
    title = _("会议通知：%(title)s（%(when)s，%(room)s）") % {
        "title": meeting.title,
        "when": f"{start:%Y-%m-%d %H:%M}",
        "room": meeting.booking.room.name,
    }
    notify_people(key=f"meeting-notice:{meeting.pk}", people=people, kind="meeting", title=title, url=url)
    meeting_id = meeting.pk
    transaction.on_commit(lambda: invitations_send(meeting_id=meeting_id))


def meeting_rescheduled(*, actor: User, booking: Booking) -> Meeting | None:
    """Inside ``booking_move``'s transaction: the meeting on that booking (if any, not cancelled) takes its new
    time; once notified, the attendees get an update notice in the app and, after the commit, an e-mail with the
    .ics invitation again (METHOD:REQUEST, the same UID, SEQUENCE one higher)."""
    meeting = Meeting.objects.filter(booking_id=booking.pk).exclude(status=MeetingStatus.CANCELLED).first()
    if meeting is None:
        return None
    notified = meeting.status == MeetingStatus.NOTIFIED
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=booking.starts_at, ends_at=booking.ends_at, sequence=F("sequence") + (1 if notified else 0)
    )
    meeting.refresh_from_db()
    audit_record(
        action="meetings.meeting.reschedule",
        actor=actor,
        target=f"meeting:{meeting.pk}",
        detail={"booking": booking.pk, "room": booking.room_id, "sequence": meeting.sequence},
    )
    if notified:
        start = timezone.localtime(meeting.starts_at)
        notify_people(
            key=f"meeting-update:{meeting.pk}:{meeting.sequence}",
            people=list(meeting.attendees.values_list("user_id", flat=True)),
            kind="meeting",
            title=_("会议变更：%(title)s改为 %(when)s，%(room)s")
            % {
                "title": meeting.title,
                "when": f"{start:%Y-%m-%d %H:%M}",
                "room": booking.room.name,
            },
            url=reverse("meetings:meeting", args=[meeting.pk]),
        )
        meeting_pk = meeting.pk
        transaction.on_commit(lambda: invitations_send(meeting_id=meeting_pk, update=True))
    return meeting


def invitations_send(*, meeting_id: int, cancel: bool = False, update: bool = False) -> int:
    """E-mail the .ics invitation (its update, or its cancellation) to every attendee with an address, after the
    change committed; returns how many were sent. A failing mail server never undoes the change."""
    meeting = Meeting.objects.select_related("booking__room", "organiser").get(pk=meeting_id)
    attendees = list(meeting.attendees.select_related("user"))
    invitation = ics_of(meeting, attendees, cancel=cancel)
    sent = 0
    for attendee in attendees:
        if not attendee.user.email:
            continue
        if cancel:
            words = _("%(title)s已取消。\n原定时间：%(when)s\n地点：%(room)s")
            subject = _("会议取消：%(title)s")
        elif update:
            words = _("%(title)s的时间或地点有变更。\n时间：%(when)s\n地点：%(room)s")
            subject = _("会议变更：%(title)s")
        else:
            words = _("请参加%(title)s。\n时间：%(when)s\n地点：%(room)s\n请登录三服回复是否参加。")
            subject = _("会议通知：%(title)s")
        message = EmailMessage(
            subject=subject % {"title": meeting.title},
            body=words
            % {
                "title": meeting.title,
                "when": f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}",
                "room": meeting.booking.room.name,
            },
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[attendee.user.email],
        )
        method = "CANCEL" if cancel else "REQUEST"
        message.attach("invite.ics", invitation, f"text/calendar; method={method}; charset=utf-8")
        sent += message.send(fail_silently=True)
    return sent


def ics_of(meeting: Meeting, attendees: Sequence[Attendee], *, cancel: bool = False) -> bytes:
    """The meeting as an iCalendar invitation (RFC 5545, METHOD:REQUEST), or its cancellation (METHOD:CANCEL,
    the same UID, STATUS:CANCELLED)."""
    from icalendar import Calendar, Event, vCalAddress, vText

    calendar = Calendar()
    calendar.add("prodid", "-//Sanfu//meetings//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    if cancel:
        event.add("status", "CANCELLED")
    event.add("sequence", meeting.sequence + (1 if cancel else 0))  # each update of a notice counts one up
    event.add("uid", f"meeting-{meeting.pk}@sanfu")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    event.add("location", f"{meeting.booking.room.name} {meeting.booking.room.location}".strip())
    if meeting.notes:
        event.add("description", meeting.notes)
    organiser = vCalAddress(f"mailto:{meeting.organiser.email or 'noreply@sanfu.invalid'}")
    organiser.params["cn"] = vText(meeting.organiser.display_name)
    event.add("organizer", organiser)
    for attendee in attendees:
        address = vCalAddress(f"mailto:{attendee.user.email or 'noreply@sanfu.invalid'}")
        address.params["cn"] = vText(attendee.user.display_name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["rsvp"] = vText("TRUE")
        event.add("attendee", address, encode=False)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def attendee_reply(
    *, actor: User, meeting_id: int, reply: str, deputy_id: int | None = None, reason: str = ""
) -> Attendee:
    """An attendee answers the notice: attend, send a deputy (who, of the same unit), or decline (why)."""
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    attendee = Attendee.objects.filter(meeting=meeting, user=actor).first()
    if attendee is None:
        raise PermissionDeniedError(_("您不在该会议的参会人名单中。"))
    if meeting.status != MeetingStatus.NOTIFIED:
        raise ApplicationError(_("会议尚未发出通知，暂不能回复。"))
    if meeting.ends_at <= timezone.now():
        raise ApplicationError(_("会议已经结束，不能再回复。"))
    if reply not in (Reply.ATTEND, Reply.DEPUTY, Reply.DECLINE):
        raise ApplicationError(_("请选择参加、委派他人参加或请假。"), errors=[{"field": "reply"}])
    deputy: User | None = None
    reason = reason.strip()
    if reply == Reply.DEPUTY:
        if deputy_id is None:
            raise ApplicationError(_("请选择代您参会的人。"), errors=[{"field": "deputy"}])
        deputy = User.objects.filter(
            pk=deputy_id, is_active=True, pk__in=Staff.objects.filter(unit_id=meeting.unit_id).values("user_id")
        ).first()
        if deputy is None or deputy.pk == actor.pk:
            raise ApplicationError(_("代参会人须是本单位的其他在职人员。"), errors=[{"field": "deputy"}])
    if reply == Reply.DECLINE and not reason:
        raise ApplicationError(_("请假时请写明事由。"), errors=[{"field": "reason"}])
    with transaction.atomic():
        attendee.reply = reply
        attendee.deputy = deputy
        attendee.reason = reason[:200] if reply != Reply.ATTEND else ""
        attendee.replied_at = timezone.now()
        attendee.save(update_fields=["reply", "deputy", "reason", "replied_at"])
        audit_record(
            action="meetings.attendee.reply",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"reply": reply, "deputy": deputy.pk if deputy else None},
        )
    return attendee


def checklist_tick(*, actor: User, meeting_id: int, item: str, done: bool) -> Meeting:
    """The organiser ticks an item of the kind's checklist (全流程清单) off, or back on."""
    meeting = _own(actor, meeting_id)
    if item not in meeting.kind.checklist:
        raise NotFoundError(_("清单中没有该项。"))
    with transaction.atomic():
        current = [i for i in meeting.checklist_done if i != item] + ([item] if done else [])
        Meeting.objects.filter(pk=meeting.pk).update(checklist_done=current)
        audit_record(
            action="meetings.meeting.checklist",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"item": item, "done": done},
        )
    meeting.checklist_done = current
    return meeting


def meeting_cancel(*, actor: User, meeting_id: int, reason: str) -> Meeting:
    """Cancel a meeting (the organiser or the office): its room is freed; once notified, the attendees are told in
    the app and by e-mail with the .ics cancellation. A plan waiting for approval is withdrawn first."""
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    office = rights.is_office(actor) and rights.unit_of(actor) == meeting.unit_id
    if meeting.organiser_id != actor.pk and not office:
        raise PermissionDeniedError(_("只有会议承办人或办公室可以取消会议。"))
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("取消会议时请写明原因。"), errors=[{"field": "reason"}])
    if meeting.status == MeetingStatus.CANCELLED:
        raise ConflictError(_("该会议已经取消。"))
    if meeting.status == MeetingStatus.SUBMITTED:
        raise ConflictError(_("会议方案正在审批，请待领导审批或退回后再取消。"))
    was_notified = meeting.status == MeetingStatus.NOTIFIED
    now = timezone.now()
    with transaction.atomic():
        if Meeting.objects.filter(pk=meeting.pk, status=meeting.status).update(status=MeetingStatus.CANCELLED) != 1:
            raise ConflictError(_("会议刚被他人办理，请刷新。"))
        Booking.objects.filter(pk=meeting.booking_id, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CANCELLED, cancelled_at=now, cancelled_by=actor
        )
        audit_record(
            action="meetings.meeting.cancel",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"reason": reason[:200], "booking": meeting.booking_id},
        )
        if was_notified:
            people = list(meeting.attendees.values_list("user_id", flat=True))
            notify_people(
                key=f"meeting-cancel:{meeting.pk}",
                people=people,
                kind="meeting",
                title=_("会议取消：%(title)s（%(reason)s）") % {"title": meeting.title, "reason": reason[:100]},
                url=reverse("meetings:meeting", args=[meeting.pk]),
            )
            meeting_pk = meeting.pk
            transaction.on_commit(lambda: invitations_send(meeting_id=meeting_pk, cancel=True))
    meeting.refresh_from_db()
    return meeting


def replies_remind(*, actor: User, meeting_id: int) -> int:
    """催复: the organiser (or the office) reminds in the app the attendees who have not replied yet; at most once a
    day each (the notice's key carries the date). Returns how many were reminded now."""
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    office = rights.is_office(actor) and rights.unit_of(actor) == meeting.unit_id
    if meeting.organiser_id != actor.pk and not office:
        raise PermissionDeniedError(_("只有会议承办人或办公室可以催复。"))
    if meeting.status != MeetingStatus.NOTIFIED or meeting.ends_at <= timezone.now():
        raise ApplicationError(_("只有已通知、尚未结束的会议可以催复。"))
    pending = list(meeting.attendees.filter(reply=Reply.PENDING).values_list("user_id", flat=True))
    if not pending:
        raise ApplicationError(_("参会人都已回复。"))
    with transaction.atomic():
        reminded = notify_people(
            key=f"meeting-remind:{meeting.pk}:{timezone.localdate().isoformat()}",
            people=pending,
            kind="remind",
            title=_("请回复会议通知：%(title)s") % {"title": meeting.title},
            url=reverse("meetings:meeting", args=[meeting.pk]),
        )
        audit_record(
            action="meetings.meeting.remind", actor=actor, target=f"meeting:{meeting.pk}", detail={"people": pending}
        )
    return reminded


def booking_meeting(booking: Booking) -> Meeting | None:
    return Meeting.objects.filter(booking=booking).first()
