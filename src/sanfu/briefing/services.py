"""Every write of 服务领导决策: keyword-only ``<entity>_<verb>(*, actor, …)``, each one transaction with its audit row.

A refusal is an ``ApplicationError`` with a message the person can act on, raised before anything is written. The
lifecycle moves by conditional updates on ``Request.state`` and ``version`` (``_move``), a department's answer by
one on ``Material.state``: of two actions at once, one wins and the other is a conflict. Notices go out through
``core.notify`` in the same transaction (their key makes a second one a no-op).

成果输出 to 公文 hands the approved text over through the outbox (kind ``documents.draft_report``): briefing may not
import documents (the office domains are independent), so the 公文 side drafts the 报告 when it receives the message;
where no receiver is registered the choice is refused and nothing changes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.briefing import rights, selectors
from sanfu.briefing.models import (
    Kind,
    Material,
    MaterialFile,
    MaterialState,
    Opinion,
    OpinionKind,
    Output,
    Request,
    Revision,
    State,
)
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.core.uploads import read_checked
from sanfu.org import roles
from sanfu.org.clearance import RESTRICTED_LEVELS, Level
from sanfu.org.models import Department
from sanfu.org.selectors import primary_department, working_calendar
from sanfu.workflow import outbox

TITLE_MAX = 200
TEXT_MAX = 20000
MAX_UPLOAD_MB = 50
MAX_DEPARTMENTS = 50
MAX_READERS = 500
NOTICE_KIND = "briefing"
DRAFT_REPORT_KIND = "documents.draft_report"  # received by 公文: a 报告 draft from plain data
DATA_LANGUAGE = "zh-hans"  # the language of what is filed, whatever the actor's


@dataclass(frozen=True)
class AskIn:
    """One department asked for material, with its own deadline."""

    department: Department
    deadline: date | None


# --- checks shared by the services -----------------------------------------------------------------------------


def _text(value: str, label: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(_("请填写%(label)s。") % {"label": label})
    if len(value) > limit:
        raise ApplicationError(_("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": limit})
    return value


def _request(actor: User, request_id: int) -> Request:
    return selectors.access_request(actor=actor, request_id=request_id)


def _move(request: Request, *, frm: str | Sequence[str], to: str, **changes: Any) -> None:
    """The lifecycle step as one guarded write; someone else's step first is a conflict."""
    states = [frm] if isinstance(frm, str) else list(frm)
    moved = Request.objects.filter(pk=request.pk, state__in=states, version=request.version).update(
        state=to, version=F("version") + 1, **changes
    )
    if moved != 1:
        raise ConflictError(_("该事项刚刚已被他人处理，请刷新后重试。"))
    request.refresh_from_db()


def _in_state(request: Request, *states: str, message: str) -> None:
    if request.state not in states:
        raise ApplicationError(message)


def _notify(request: Request, *, what: str, people: Sequence[int], title: str, url: str = "") -> None:
    notify_people(
        key=f"briefing:{what}:{request.pk}:{request.version}",
        people=[p for p in dict.fromkeys(people) if p],
        kind=NOTICE_KIND,
        title=f"{title}{request.title}",
        url=url or reverse("briefing:request", args=[request.pk]),
        classified=request.confidentiality in RESTRICTED_LEVELS,
    )


def _audit(action: str, actor: User, request: Request, **detail: Any) -> None:
    audit_record(action=f"briefing.{action}", actor=actor, target=f"briefing:{request.pk}", detail=detail or None)


# --- 需求对接 -----------------------------------------------------------------------------------------------------


def _asks(asks: Sequence[AskIn], *, unit_id: int, today: date, due_on: date) -> list[AskIn]:
    if not asks:
        raise ApplicationError(_("请至少选择一个报送材料的部门。"))
    if len(asks) > MAX_DEPARTMENTS:
        raise ApplicationError(_("报送部门不能超过 %(n)d 个。") % {"n": MAX_DEPARTMENTS})
    seen: set[int] = set()
    for ask in asks:
        dept = ask.department
        if dept.pk in seen:
            raise ApplicationError(_("部门“%(name)s”重复。") % {"name": dept.name})
        seen.add(dept.pk)
        if not dept.is_active or dept.unit_id != unit_id:
            raise ApplicationError(_("部门“%(name)s”不属于本单位或已撤销。") % {"name": dept.name})
        if ask.deadline is None:
            raise ApplicationError(_("请填写部门“%(name)s”的报送时限。") % {"name": dept.name})
        if ask.deadline < today:
            raise ApplicationError(_("部门“%(name)s”的报送时限不能早于今天。") % {"name": dept.name})
        if ask.deadline > due_on:
            raise ApplicationError(_("部门“%(name)s”的报送时限不能晚于完成时限。") % {"name": dept.name})
    return list(asks)


def request_file(
    *,
    actor: User,
    kind: str,
    title: str,
    needs: str,
    due_on: date | None,
    owner: User | None,
    asks: Sequence[AskIn],
    requested_by: User | None = None,
    confidentiality: str = Level.INTERNAL,
    now: datetime | None = None,
) -> Request:
    """提出需求: a leader for themselves, or the office on a leader's behalf, names the question, the due date, the
    departments asked (each with its deadline) and the office owner who runs it. The owner is told."""
    if not rights.may_file(actor):
        raise PermissionDeniedError(_("只有公司领导或办公室可以提出信息报送或调研需求。"))
    now = now or timezone.now()
    today = timezone.localdate(now)
    if kind not in Kind.values:
        raise ApplicationError(_("请选择类别（信息报送或调研）。"))
    title = _text(title, _("标题"), limit=TITLE_MAX)
    needs = _text(needs, _("需求说明"), limit=5000)
    if due_on is None:
        raise ApplicationError(_("请填写完成时限。"))
    if due_on < today:
        raise ApplicationError(_("完成时限不能早于今天。"))
    if confidentiality not in Level.values:
        raise ApplicationError(_("密级无效。"))
    leader = requested_by or actor
    if not rights.is_leader(leader):
        raise ApplicationError(_("提出领导必须是公司领导。"))
    if leader.pk != actor.pk and not rights.is_office(actor):
        raise PermissionDeniedError(_("只有办公室可以代领导提出需求。"))
    if owner is None or not owner.is_active or not rights.is_office(owner):
        raise ApplicationError(_("承办人必须是办公室在职人员（文秘）。"))
    unit_id = roles.unit_of(owner)
    if unit_id is None or roles.unit_of(leader) != unit_id:
        raise ApplicationError(_("承办人与提出领导须属于同一单位。"))
    checked = _asks(asks, unit_id=unit_id, today=today, due_on=due_on)
    home = primary_department(owner)
    with transaction.atomic():
        request = Request.objects.create(
            kind=kind,
            title=title,
            needs=needs,
            due_on=due_on,
            requested_by=leader,
            owner=owner,
            created_by=actor,
            unit_id=unit_id,
            department=home,
            confidentiality=confidentiality,
            created_at=now,
        )
        Material.objects.bulk_create(
            [Material(request=request, department=a.department, deadline=a.deadline or due_on) for a in checked]
        )
        _audit("request.file", actor, request, kind=kind, departments=[a.department.pk for a in checked])
        _notify(request, what="filed", people=[owner.pk], title=_("决策服务需求待对接："))
    return request


def request_confirm(*, actor: User, request_id: int, now: datetime | None = None) -> Request:
    """需求对接 done: the owner (or the office) confirms; the departments asked are told and start collecting."""
    request = _request(actor, request_id)
    if not rights.may_run(actor, request):
        raise PermissionDeniedError(_("只有承办人或办公室可以确认需求。"))
    _in_state(request, State.INTAKE, message=_("该需求已确认。"))
    with transaction.atomic():
        _move(request, frm=State.INTAKE, to=State.COLLECTING, confirmed_at=now or timezone.now())
        depts = list(Material.objects.filter(request=request).values_list("department_id", flat=True))
        people = [p for ids in selectors.heads_and_members(depts).values() for p in ids]
        _notify(request, what="collect", people=people, title=_("请报送材料："))
        _audit("request.confirm", actor, request)
    return request


# --- 素材收集 -----------------------------------------------------------------------------------------------------


def _material(actor: User, request: Request, department_id: int) -> Material:
    material = Material.objects.filter(request=request, department_id=department_id).first()
    if material is None:
        raise ApplicationError(_("该部门没有被要求报送材料。"))
    if not rights.may_answer(actor, department_id):
        raise PermissionDeniedError(_("只有该部门的人员可以报送本部门的材料。"))
    _in_state(request, State.COLLECTING, message=_("该事项不在素材收集阶段，不能报送材料。"))
    return material


def _answer(material: Material, *, actor: User, now: datetime, **fields: Any) -> None:
    claimed = Material.objects.filter(pk=material.pk, state=MaterialState.PENDING).update(
        answered_by=actor, answered_at=now, **fields
    )
    if claimed != 1:
        raise ConflictError(_("本部门的材料已经报送过了。"))


def material_submit(
    *,
    actor: User,
    request_id: int,
    department_id: int,
    text: str,
    files: Sequence[Any] = (),
    now: datetime | None = None,
) -> Material:
    """报送材料: a member of the department sends the material (a text, files, or both); once per department."""
    request = _request(actor, request_id)
    material = _material(actor, request, department_id)
    text = _text(text, _("材料说明"), required=False, limit=TEXT_MAX)
    checked = read_checked(files, max_mb=MAX_UPLOAD_MB)
    if not text and not checked:
        raise ApplicationError(_("请填写材料说明或上传材料文件。"))
    now = now or timezone.now()
    with transaction.atomic():
        _answer(material, actor=actor, now=now, state=MaterialState.SUBMITTED, text=text)
        for name, content in checked:
            record = MaterialFile(
                material=material,
                name=name,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=actor,
                uploaded_at=now,
            )
            record.file.save(name, ContentFile(content), save=False)
            record.save()
        _audit("material.submit", actor, request, department=department_id, files=len(checked))
        notify_people(
            key=f"briefing:material:{material.pk}",
            people=[request.owner_id],
            kind=NOTICE_KIND,
            title=_("材料已报送：%(title)s") % {"title": request.title},
            url=reverse("briefing:request", args=[request.pk]),
            classified=request.confidentiality in RESTRICTED_LEVELS,
        )
    material.refresh_from_db()
    return material


def material_decline(
    *, actor: User, request_id: int, department_id: int, reason: str, now: datetime | None = None
) -> Material:
    """无相关材料: the department says it has none, and why."""
    request = _request(actor, request_id)
    material = _material(actor, request, department_id)
    reason = _text(reason, _("无材料理由"), limit=1000)
    now = now or timezone.now()
    with transaction.atomic():
        _answer(material, actor=actor, now=now, state=MaterialState.NONE, reason=reason)
        _audit("material.decline", actor, request, department=department_id)
        notify_people(
            key=f"briefing:material:{material.pk}",
            people=[request.owner_id],
            kind=NOTICE_KIND,
            title=_("部门报无相关材料：%(title)s") % {"title": request.title},
            url=reverse("briefing:request", args=[request.pk]),
            classified=request.confidentiality in RESTRICTED_LEVELS,
        )
    material.refresh_from_db()
    return material


def material_urge(*, actor: User, request_id: int, department_id: int, now: datetime | None = None) -> Material:
    """催办: the owner (or the office) presses a department that has not answered; its heads are told."""
    request = _request(actor, request_id)
    if not rights.may_run(actor, request):
        raise PermissionDeniedError(_("只有承办人或办公室可以催办。"))
    _in_state(request, State.COLLECTING, message=_("该事项不在素材收集阶段。"))
    material = Material.objects.filter(request=request, department_id=department_id).first()
    if material is None:
        raise ApplicationError(_("该部门没有被要求报送材料。"))
    if material.state != MaterialState.PENDING:
        raise ApplicationError(_("该部门已经答复，无需催办。"))
    now = now or timezone.now()
    with transaction.atomic():
        Material.objects.filter(pk=material.pk).update(urged_at=now)
        people = selectors.heads_and_members([department_id])[department_id]
        notify_people(
            key=f"briefing:urge:{material.pk}:{now:%Y%m%d%H%M%S}",
            people=people,
            kind=NOTICE_KIND,
            title=_("催办：请报送材料：%(title)s") % {"title": request.title},
            url=reverse("briefing:request", args=[request.pk]),
            classified=request.confidentiality in RESTRICTED_LEVELS,
        )
        _audit("material.urge", actor, request, department=department_id)
    material.refresh_from_db()
    return material


def collection_close(*, actor: User, request_id: int, today: date | None = None) -> Request:
    """素材收集 done: every department has answered, or its deadline has passed; the owner starts 分析研判."""
    request = _request(actor, request_id)
    if not rights.may_run(actor, request):
        raise PermissionDeniedError(_("只有承办人或办公室可以结束素材收集。"))
    _in_state(request, State.COLLECTING, message=_("该事项不在素材收集阶段。"))
    calendar = working_calendar()
    today = today or timezone.localdate()
    waiting = [
        m.department.name
        for m in Material.objects.filter(request=request, state=MaterialState.PENDING).select_related("department")
        if not selectors.is_overdue(m, calendar=calendar, today=today)
    ]
    if waiting:
        raise ApplicationError(
            _("以下部门尚未报送且未到时限：%(names)s。请等待或催办。") % {"names": "、".join(waiting)}
        )
    with transaction.atomic():
        _move(request, frm=State.COLLECTING, to=State.ANALYSING)
        _audit("collection.close", actor, request)
    return request


# --- 分析研判 -----------------------------------------------------------------------------------------------------


def draft_save(*, actor: User, request_id: int, text: str, note: str = "", now: datetime | None = None) -> Revision:
    """撰写: each save is a new numbered revision with who and when; only while 分析研判."""
    request = _request(actor, request_id)
    if not rights.may_run(actor, request):
        raise PermissionDeniedError(_("只有承办人或办公室可以撰写稿件。"))
    _in_state(request, State.ANALYSING, message=_("只有在分析研判阶段才能修改稿件。"))
    text = _text(text, _("稿件正文"))
    note = _text(note, _("修改说明"), required=False, limit=200)
    try:
        with transaction.atomic():
            # the guard serialises saves with each other and with 提交审定 (one wins; the other is a conflict)
            _move(request, frm=State.ANALYSING, to=State.ANALYSING)
            last = Revision.objects.filter(request=request).aggregate(n=Max("no"))["n"] or 0
            revision = Revision.objects.create(
                request=request, no=last + 1, text=text, note=note, author=actor, at=now or timezone.now()
            )
            _audit("draft.save", actor, request, revision=revision.no)
    except IntegrityError as exc:
        raise ConflictError(_("稿件刚刚已被他人保存，请刷新后重试。")) from exc
    return revision


def review_submit(*, actor: User, request_id: int) -> Request:
    """提交领导审定: the latest revision goes to the requesting leader."""
    request = _request(actor, request_id)
    if not rights.may_run(actor, request):
        raise PermissionDeniedError(_("只有承办人或办公室可以提交审定。"))
    _in_state(request, State.ANALYSING, message=_("该事项不在分析研判阶段。"))
    if selectors.latest_revision(request) is None:
        raise ApplicationError(_("请先撰写并保存稿件。"))
    with transaction.atomic():
        _move(request, frm=State.ANALYSING, to=State.REVIEW)
        _notify(request, what="review", people=[request.requested_by_id], title=_("请审定："))
        _audit("review.submit", actor, request)
    return request


def opinion_add(*, actor: User, request_id: int, text: str, now: datetime | None = None) -> Opinion:
    """批示: the requesting leader (or a leader of the unit) comments on the drafts, at any step before issue."""
    request = _request(actor, request_id)
    if not rights.may_comment(actor, request):
        raise PermissionDeniedError(_("只有公司领导可以批示。"))
    _in_state(request, State.ANALYSING, State.REVIEW, message=_("只有在分析研判或审定阶段才能批示。"))
    text = _text(text, _("批示"), limit=2000)
    latest = selectors.latest_revision(request)
    with transaction.atomic():
        opinion = Opinion.objects.create(
            request=request,
            kind=OpinionKind.COMMENT,
            text=text,
            revision_no=latest.no if latest else None,
            author=actor,
            at=now or timezone.now(),
        )
        _audit("opinion.comment", actor, request)
        notify_people(
            key=f"briefing:comment:{opinion.pk}",
            people=[request.owner_id],
            kind=NOTICE_KIND,
            title=_("领导批示：%(title)s") % {"title": request.title},
            url=reverse("briefing:request", args=[request.pk]),
            classified=request.confidentiality in RESTRICTED_LEVELS,
        )
    return opinion


def review_return(*, actor: User, request_id: int, text: str) -> Request:
    """退回修改: the leader says what to change; the owner writes the next revision."""
    request = _request(actor, request_id)
    if not rights.may_decide(actor, request):
        raise PermissionDeniedError(_("只有提出需求的领导可以退回或审定。"))
    _in_state(request, State.REVIEW, message=_("该事项不在待领导审定阶段。"))
    text = _text(text, _("修改意见"), limit=2000)
    latest = selectors.latest_revision(request)
    with transaction.atomic():
        _move(request, frm=State.REVIEW, to=State.ANALYSING)
        Opinion.objects.create(
            request=request, kind=OpinionKind.RETURN, text=text, revision_no=latest.no if latest else None, author=actor
        )
        _notify(request, what="returned", people=[request.owner_id], title=_("退回修改："))
        _audit("review.return", actor, request)
    return request


def review_approve(*, actor: User, request_id: int, text: str = "", now: datetime | None = None) -> Request:
    """审定同意: the leader approves the latest revision; it becomes the result to issue."""
    request = _request(actor, request_id)
    if not rights.may_decide(actor, request):
        raise PermissionDeniedError(_("只有提出需求的领导可以退回或审定。"))
    _in_state(request, State.REVIEW, message=_("该事项不在待领导审定阶段。"))
    text = _text(text, _("审定意见"), required=False, limit=2000)
    latest = selectors.latest_revision(request)
    if latest is None:  # a review has a revision: review_submit requires one
        raise ApplicationError(_("请先撰写并保存稿件。"))
    now = now or timezone.now()
    with transaction.atomic():
        _move(request, frm=State.REVIEW, to=State.APPROVED, approved_at=now, result_text=latest.text)
        Opinion.objects.create(
            request=request, kind=OpinionKind.APPROVE, text=text, revision_no=latest.no, author=actor, at=now
        )
        _notify(request, what="approved", people=[request.owner_id], title=_("领导已审定："))
        _audit("review.approve", actor, request, revision=latest.no)
    return request


# --- 成果输出 -----------------------------------------------------------------------------------------------------


def result_issue(
    *,
    actor: User,
    request_id: int,
    output: str,
    readers: Sequence[User] = (),
    recipients: str = "",
    now: datetime | None = None,
) -> Request:
    """成果输出: the approved text issued as an internal brief to the chosen readers, or handed to 公文 as a 报告 draft
    (drafted by the actor, who must hold the drafting right there); then filed into the archive, in one
    transaction. The 简报库 shows it from then on."""
    request = _request(actor, request_id)
    if not rights.may_run(actor, request):
        raise PermissionDeniedError(_("只有承办人或办公室可以发布成果。"))
    _in_state(request, State.APPROVED, message=_("只有领导审定后才能发布成果。"))
    if output not in Output.values:
        raise ApplicationError(_("请选择成果形式（内部简报或公文报告）。"))
    chosen = list({u.pk: u for u in readers if u is not None}.values())
    if len(chosen) > MAX_READERS:
        raise ApplicationError(_("阅读范围不能超过 %(n)d 人。") % {"n": MAX_READERS})
    if any(not u.is_active for u in chosen):
        raise ApplicationError(_("阅读范围中有已停用的人员。"))
    if output == Output.BRIEF and not chosen:
        raise ApplicationError(_("请选择内部简报的阅读范围。"))
    recipients = _text(recipients, _("主送"), required=False, limit=200)
    if output == Output.DOCUMENT and DRAFT_REPORT_KIND not in outbox.HANDLERS:
        raise ApplicationError(_("公文系统暂未开放接收报告草稿，请以内部简报发布。"))
    now = now or timezone.now()
    with transaction.atomic():
        _move(request, frm=State.APPROVED, to=State.ISSUED, output=output, issued_at=now, issued_by=actor)
        request.readers.set(chosen)
        if output == Output.DOCUMENT:
            outbox.enqueue(
                key=f"briefing-report:{request.pk}",
                kind=DRAFT_REPORT_KIND,
                payload={
                    "drafter_id": actor.pk,
                    "title": request.title,
                    "body": request.result_text,
                    "recipients": recipients or request.requested_by.display_name,
                    "confidentiality": request.confidentiality,
                    "source_url": reverse("briefing:request", args=[request.pk]),
                },
            )
        record = _archive(request, actor=actor)
        Request.objects.filter(pk=request.pk).update(archive_ref=str(record.pk))
        _notify(
            request,
            what="issued",
            people=[u.pk for u in chosen] + [request.requested_by_id],
            title=_("内部简报：") if output == Output.BRIEF else _("调研成果已转公文："),
        )
        _audit("result.issue", actor, request, output=output, readers=len(chosen), archive=record.pk)
    request.refresh_from_db()
    return request


def dossier_history(request: Request) -> list[dict[str, Any]]:
    """The request's whole history as the archive keeps it."""
    with translation.override(DATA_LANGUAGE):
        entries: list[dict[str, Any]] = [
            {
                "at": request.created_at.isoformat(),
                "who": request.created_by.display_name,
                "what": _("提出需求"),
                "comment": request.needs,
            }
        ]
        for m in Material.objects.filter(request=request).select_related("department", "answered_by"):
            if m.answered_at is None:
                continue
            entries.append(
                {
                    "at": m.answered_at.isoformat(),
                    "who": m.answered_by.display_name if m.answered_by else "",
                    "what": f"{m.department.name}{m.get_state_display()}",
                    "comment": m.text or m.reason,
                }
            )
        for r in Revision.objects.filter(request=request).select_related("author"):
            entries.append(
                {"at": r.at.isoformat(), "who": r.author.display_name, "what": f"第{r.no}稿", "comment": r.note}
            )
        for o in Opinion.objects.filter(request=request).select_related("author"):
            entries.append(
                {"at": o.at.isoformat(), "who": o.author.display_name, "what": o.get_kind_display(), "comment": o.text}
            )
    return sorted(entries, key=lambda e: str(e["at"]))


def _archive(request: Request, *, actor: User) -> Any:
    files = []
    for f in MaterialFile.objects.filter(material__request=request).order_by("id"):
        with f.file.open("rb") as handle:
            files.append(ArchiveFileIn(name=f.name, content=handle.read()))
    readers = {
        request.owner_id,
        request.requested_by_id,
        request.created_by_id,
        *request.readers.values_list("pk", flat=True),
    }
    with translation.override(DATA_LANGUAGE):
        kind = str(Kind(request.kind).label)
    return archive_record(
        source="briefing",
        source_id=request.pk,
        title=request.title,
        kind=kind,
        unit_id=request.unit_id,
        department_id=request.department_id,
        year=(request.issued_at or timezone.now()).year,
        body_text=f"{request.needs}\n{request.result_text}",
        confidentiality=request.confidentiality,
        category="服务领导决策",
        owner_id=request.owner_id,
        reader_ids=sorted(readers),
        files=files,
        history=dossier_history(request),
        actor=actor,
    )
