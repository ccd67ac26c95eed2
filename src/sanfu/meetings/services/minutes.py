"""会后: the minutes (纪要) and their decisions (议定事项); 转督办 hands each decision to the supervision ledger through
the outbox (``supervision.open_item``), once per decision, inside the transaction that marks it sent. 纪要送发文
files the meeting into the archive (``dossier.meeting_file``); decisions sent later bring that record up to date."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.meetings import selectors
from sanfu.meetings.models import Decision, Meeting, MeetingStatus
from sanfu.meetings.services.dossier import meeting_file
from sanfu.meetings.services.signin import may_run
from sanfu.org.models import Department, Staff
from sanfu.workflow import outbox

OPEN_ITEM_KIND = "supervision.open_item"
DRAFT_MINUTES_KIND = "documents.draft_minutes"
MINUTES_MAX = 20000


def _held(actor: User, meeting_id: int) -> Meeting:
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    if not may_run(actor, meeting):
        raise PermissionDeniedError(_("只有会议承办人或办公室可以整理纪要。"))
    if meeting.status != MeetingStatus.NOTIFIED:
        raise ApplicationError(_("会议通知发出后才能整理纪要。"))
    return meeting


def minutes_save(*, actor: User, meeting_id: int, text: str) -> Meeting:
    meeting = _held(actor, meeting_id)
    if meeting.minutes_sent_at is not None:
        raise ConflictError(_("纪要已送发文，不能再修改；请在发文中修改。"))
    text = text.strip()
    if len(text) > MINUTES_MAX:
        raise ApplicationError(_("纪要不能超过 %(n)d 个字。") % {"n": MINUTES_MAX}, errors=[{"field": "minutes"}])
    now = timezone.now()
    with transaction.atomic():
        if (
            Meeting.objects.filter(pk=meeting.pk, minutes_sent_at__isnull=True).update(
                minutes=text, minutes_by=actor, minutes_at=now
            )
            != 1
        ):
            raise ConflictError(_("纪要已送发文，不能再修改；请在发文中修改。"))
        audit_record(
            action="meetings.minutes.save", actor=actor, target=f"meeting:{meeting.pk}", detail={"length": len(text)}
        )
    meeting.minutes, meeting.minutes_by, meeting.minutes_at = text, actor, now
    return meeting


def decision_add(
    *,
    actor: User,
    meeting_id: int,
    text: str,
    owner_id: int,
    deadline: date,
    lead_department_id: int | None = None,
) -> Decision:
    meeting = _held(actor, meeting_id)
    text = text.strip()
    if not text or len(text) > 2000:
        raise ApplicationError(_("请填写议定事项（不超过 2000 个字）。"), errors=[{"field": "text"}])
    owner = User.objects.filter(
        pk=owner_id, is_active=True, pk__in=Staff.objects.filter(unit_id=meeting.unit_id).values("user_id")
    ).first()
    if owner is None:
        raise ApplicationError(_("责任人须是本单位在职人员。"), errors=[{"field": "owner"}])
    if (
        lead_department_id is not None
        and not Department.objects.filter(pk=lead_department_id, unit_id=meeting.unit_id).exists()
    ):
        raise ApplicationError(_("牵头部门须是本单位的部门。"), errors=[{"field": "lead_department"}])
    if deadline < timezone.localdate():
        raise ApplicationError(_("完成时限不能早于今天。"), errors=[{"field": "deadline"}])
    with transaction.atomic():
        last = Decision.objects.filter(meeting=meeting).aggregate(n=Max("no"))["n"] or 0
        decision = Decision.objects.create(
            meeting=meeting,
            no=last + 1,
            text=text,
            owner=owner,
            lead_department_id=lead_department_id,
            deadline=deadline,
        )
        audit_record(
            action="meetings.decision.add",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"decision": decision.pk, "owner": owner.pk, "deadline": deadline.isoformat()},
        )
    return decision


def decision_remove(*, actor: User, meeting_id: int, decision_id: int) -> None:
    meeting = _held(actor, meeting_id)
    with transaction.atomic():
        removed, _detail = Decision.objects.filter(pk=decision_id, meeting=meeting, sent_at__isnull=True).delete()
        if not removed:
            if Decision.objects.filter(pk=decision_id, meeting=meeting).exists():
                raise ConflictError(_("该事项已转督办，不能删除。"))
            raise NotFoundError(_("没有找到该议定事项。"))
        audit_record(
            action="meetings.decision.remove",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"decision": decision_id},
        )


def decisions_to_supervision(*, actor: User, meeting_id: int) -> int:
    """转督办: every decision not yet sent becomes a supervision item (through the outbox, after the commit; the
    receiver creates one item per ``source_ref``). Returns how many were sent now."""
    meeting = _held(actor, meeting_id)
    pending = list(Decision.objects.filter(meeting=meeting, sent_at__isnull=True).order_by("no"))
    if not pending:
        raise ApplicationError(_("没有待转督办的议定事项。"))
    now = timezone.now()
    page = reverse("meetings:meeting", args=[meeting.pk])
    sent = 0
    with transaction.atomic():
        for decision in pending:
            if Decision.objects.filter(pk=decision.pk, sent_at__isnull=True).update(sent_at=now, sent_by=actor) != 1:
                continue  # someone else sent it meanwhile
            outbox.enqueue(
                key=f"meeting-decision:{decision.pk}",
                kind=OPEN_ITEM_KIND,
                payload={
                    "source": "meeting",
                    "source_ref": f"{meeting.pk}:{decision.pk}",
                    "source_label": _("%(title)s 议定事项第 %(no)d 项") % {"title": meeting.title, "no": decision.no},
                    "source_url": page,
                    "title": decision.text.splitlines()[0][:200],
                    "content": decision.text,
                    "owner_id": decision.owner_id,
                    "lead_department_id": decision.lead_department_id,
                    "deadline": decision.deadline.isoformat(),
                    # 交办领导: the leader who approved the meeting (who approves the close-out); the sender enters it
                    "assigned_by_id": meeting.approver_id or actor.pk,
                    "entered_by_id": actor.pk,
                    "confidentiality": "internal",
                },
            )
            sent += 1
        if not sent:
            raise ConflictError(_("议定事项已由他人转督办。"))
        audit_record(
            action="meetings.decision.to_supervision",
            actor=actor,
            target=f"meeting:{meeting.pk}",
            detail={"decisions": [d.pk for d in pending], "sent": sent},
        )
        if meeting.minutes_sent_at is not None:  # already filed: the record gains the decisions sent now
            meeting_file(meeting=meeting, actor=actor)
    return sent


def may_send_minutes(actor: User) -> bool:
    """纪要送发文 drafts the 发文 as the sender: only someone holding the drafting right (as on the 拟稿 page)."""
    return has_perm(actor, Perm.DRAFT_DOCUMENTS)


def minutes_to_documents(*, actor: User, meeting_id: int) -> Meeting:
    """纪要送发文: the written minutes become a 发文 draft of kind 纪要 (through the outbox, kind
    ``documents.draft_minutes``, drafted as ``actor`` after the commit), once per meeting; the meeting records
    when and by whom. The minutes cannot be edited here afterwards (the 发文 loop carries them on)."""
    meeting = _held(actor, meeting_id)
    if not may_send_minutes(actor):
        raise PermissionDeniedError(_("纪要送发文将以您的名义起草发文，您没有起草发文的权限，请由办公室文秘办理。"))
    if meeting.minutes_sent_at is not None:
        raise ConflictError(
            _("纪要已于 %(at)s 送发文，不能重复送。")
            % {"at": f"{timezone.localtime(meeting.minutes_sent_at):%Y-%m-%d %H:%M}"}
        )
    if not meeting.minutes.strip():
        raise ApplicationError(_("请先整理并保存会议纪要。"), errors=[{"field": "minutes"}])
    departments = list(
        dict.fromkeys(
            meeting.agenda.filter(department__isnull=False).order_by("no").values_list("department__name", flat=True)
        )
    )
    now = timezone.now()
    with transaction.atomic():
        if (
            Meeting.objects.filter(pk=meeting.pk, minutes_sent_at__isnull=True).update(
                minutes_sent_at=now, minutes_sent_by=actor
            )
            != 1
        ):
            raise ConflictError(_("纪要已由他人送发文。"))
        outbox.enqueue(
            key=f"meeting-minutes:{meeting.pk}",
            kind=DRAFT_MINUTES_KIND,
            payload={
                "drafter_id": actor.pk,
                "title": _("%(title)s纪要") % {"title": meeting.title},
                "body": meeting.minutes,
                "recipients": "、".join(departments) or _("参会人员"),
                "confidentiality": "internal",
                "source_url": reverse("meetings:meeting", args=[meeting.pk]),
            },
        )
        audit_record(action="meetings.minutes.to_documents", actor=actor, target=f"meeting:{meeting.pk}")
        meeting_file(meeting=meeting, actor=actor)  # the minutes are final here: the meeting's file goes to the archive
    meeting.minutes_sent_at, meeting.minutes_sent_by = now, actor
    return meeting
