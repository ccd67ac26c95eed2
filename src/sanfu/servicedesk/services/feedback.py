"""好差评 and 投诉: the requester rates a closed request (a bad rating opens a review for the heads of the departments
that handled it, through the flow, with a deadline); anyone who used a service may complain (its own matter, with a
deadline, handled by the window's office: an investigation and a reply the complainant sees)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError
from sanfu.core.notify import notify_people
from sanfu.org.selectors import heads_of_departments
from sanfu.servicedesk import flows, rights, selectors
from sanfu.servicedesk.models import Complaint, ComplaintStatus, Rating, RequestStatus, Service
from sanfu.servicedesk.services.base import MAX_LONG, MAX_TEXT, bad, clerks_of, due_date, require_unit
from sanfu.workflow import services as workflow
from sanfu.workflow.selectors import open_task_for


def request_rate(*, actor: User, request_id: int, score: int, comment: str = "", now: datetime | None = None) -> Rating:
    """评价 a closed request once: its requester (the window for a walk-in or a caller, from the return call)."""
    now = now or timezone.now()
    request = selectors.access_request(actor=actor, request_id=request_id)
    own = actor.pk == request.requester_id
    for_caller = request.requester_id is None and rights.is_clerk(actor) and rights.unit_of(actor) == request.unit_id
    if not (own or for_caller):
        raise NotFoundError(_("服务申请不存在。"))
    if request.status != RequestStatus.DONE:
        raise ConflictError(_("办结后才能评价。"))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise bad(_("评分须是 1 至 5 分。"), "score")
    comment = comment.strip()
    if len(comment) > MAX_TEXT:
        raise bad(_("评价不超过 500 个字。"), "comment")
    if score <= Rating.BAD_SCORE and not comment:
        raise bad(_("差评请写明不满意的地方，便于整改。"), "comment")
    department_ids = list(request.parts.values_list("department_id", flat=True))
    heads = sorted({u.pk for users in heads_of_departments(department_ids).values() for u in users})
    if score <= Rating.BAD_SCORE:
        flows.ensure_published()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                request=request, score=score, comment=comment, rated_by=actor, created_at=now
            )
            if rating.is_bad:
                rating.review_instance = workflow.instance_start(
                    actor=actor,
                    definition_key=flows.REVIEW_KEY,
                    title=_("差评核查：%(number)s %(service)s")
                    % {"number": request.number, "service": request.service.name},
                    form={"heads": heads},
                    now=now,
                    in_transaction=True,
                )
                rating.save(update_fields=["review_instance"])
            audit_record(
                action="servicedesk.request.rate",
                actor=actor,
                target=f"service_request:{request.pk}",
                detail={"score": score},
            )
    except IntegrityError as exc:
        raise ConflictError(_("该申请已评价过。")) from exc
    return rating


def rating_review_answer(*, actor: User, request_id: int, answer: str, now: datetime | None = None) -> Rating:
    """差评核查整改: a head of a department that handled the request answers the bad rating."""
    now = now or timezone.now()
    answer = answer.strip()
    if not answer or len(answer) > MAX_LONG:
        raise bad(_("请填写核查和整改情况（不超过 3000 个字）。"), "answer")
    request = selectors.access_request(actor=actor, request_id=request_id)
    rating = Rating.objects.filter(request=request).first()
    if rating is None or rating.review_instance_id is None:
        raise ConflictError(_("该申请没有待核查的差评。"))
    task = open_task_for(actor=actor, instance_id=rating.review_instance_id, node="review")
    with transaction.atomic():
        workflow.task_approve(actor=actor, task_id=task.pk, comment=answer, now=now, in_transaction=True)
        if (
            Rating.objects.filter(pk=rating.pk, reviewed_at__isnull=True).update(
                review_answer=answer, reviewed_by=actor, reviewed_at=now
            )
            != 1
        ):
            raise ConflictError(_("该差评已有人答复。"))
        audit_record(action="servicedesk.rating.review", actor=actor, target=f"service_request:{request.pk}")
    rating.refresh_from_db()
    return rating


def complaint_file(
    *, actor: User, service_id: int, content: str, request_id: int | None = None, now: datetime | None = None
) -> Complaint:
    """投诉 a service (and one of the complainant's requests of it): the office investigates and replies in time."""
    now = now or timezone.now()
    unit_id = require_unit(actor)
    content = content.strip()
    if not content or len(content) > MAX_LONG:
        raise bad(_("请填写投诉内容（不超过 3000 个字）。"), "content")
    service = Service.objects.filter(pk=service_id, unit_id=unit_id).first()
    if service is None:
        raise bad(_("请选择本单位的服务事项。"), "service")
    request = None
    if request_id:
        request = selectors.access_request(actor=actor, request_id=request_id)
        if request.service_id != service.pk:
            raise bad(_("所选申请不属于该服务事项。"), "request")
    handlers = clerks_of(unit_id, besides=actor.pk)
    flows.ensure_published()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            unit_id=unit_id,
            service=service,
            request=request,
            complainant=actor,
            content=content,
            due_on=due_date(now, flows.COMPLAINT_DAYS),
            created_at=now,
        )
        complaint.instance = workflow.instance_start(
            actor=actor,
            definition_key=flows.COMPLAINT_KEY,
            title=_("服务投诉：%(service)s") % {"service": service.name},
            form={"handlers": handlers},
            now=now,
            in_transaction=True,
        )
        complaint.save(update_fields=["instance"])
        audit_record(
            action="servicedesk.complaint.file",
            actor=actor,
            target=f"complaint:{complaint.pk}",
            detail={"service": service.pk, "request": request.pk if request else None},
        )
    return complaint


def complaint_answer(
    *, actor: User, complaint_id: int, investigation: str, reply: str, now: datetime | None = None
) -> Complaint:
    """调查答复 a complaint: the investigation (kept for the office) and the reply the complainant reads."""
    now = now or timezone.now()
    investigation, reply = investigation.strip(), reply.strip()
    if not investigation or len(investigation) > MAX_LONG:
        raise bad(_("请填写调查情况（不超过 3000 个字）。"), "investigation")
    if not reply or len(reply) > MAX_LONG:
        raise bad(_("请填写给投诉人的答复（不超过 3000 个字）。"), "reply")
    complaint = selectors.access_complaint(actor=actor, complaint_id=complaint_id)
    if complaint.status != ComplaintStatus.OPEN or complaint.instance_id is None:
        raise ApplicationError(_("该投诉已答复。"), code=ErrorCode.CONFLICT)
    task = open_task_for(actor=actor, instance_id=complaint.instance_id, node="investigate")
    with transaction.atomic():
        workflow.task_approve(actor=actor, task_id=task.pk, comment=reply, now=now, in_transaction=True)
        if (
            Complaint.objects.filter(pk=complaint.pk, status=ComplaintStatus.OPEN).update(
                status=ComplaintStatus.ANSWERED,
                investigation=investigation,
                reply=reply,
                answered_by=actor,
                answered_at=now,
            )
            != 1
        ):
            raise ConflictError(_("该投诉已有人答复。"))
        notify_people(
            key=f"servicedesk-complaint:{complaint.pk}",
            people=[complaint.complainant_id],
            kind="servicedesk",
            title=_("您对“%(service)s”的投诉已答复") % {"service": complaint.service.name},
            url=reverse("servicedesk:complaint", args=[complaint.pk]),
        )
        audit_record(action="servicedesk.complaint.answer", actor=actor, target=f"complaint:{complaint.pk}")
    complaint.refresh_from_db()
    return complaint
