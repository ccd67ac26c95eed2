"""Every write of 督办: keyword-only ``<entity>_<verb>(*, actor, …)``, each one transaction with its audit row.

Refusals are ``ApplicationError`` (and its kinds) with a message the person can act on; a refused action
changes nothing. The lifecycle moves by conditional updates on ``Item.state`` (and ``version``): of two
actions on one item at once, one wins and the other is a conflict. Every write that changes what the status
rules read (a new item, a progress report, a close-out applied, approved or rejected) bumps ``version`` and
recomputes the item's status snapshot in its transaction (``snapshots.refresh_item``). Close-out runs on the flow engine
(``supervision-closeout``, ``flows.py``); an approved close-out files the item into the archive with its whole
history (一事一档) in the same transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.selectors import users_with_role
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.core.uploads import read_checked
from sanfu.org.clearance import Level, Marking
from sanfu.org.models import Department
from sanfu.org.selectors import primary_department, staff_of
from sanfu.supervision import flows, rights, selectors, snapshots
from sanfu.supervision.models import (
    Check,
    CheckKind,
    Closeout,
    CloseoutStatus,
    EvidenceFile,
    Indicator,
    Item,
    ItemState,
    LeaderComment,
    Milestone,
    ProgressReport,
    Source,
)
from sanfu.workflow import services as workflow
from sanfu.workflow.models import OutboxMessage
from sanfu.workflow.selectors import history_of, open_task_for

TITLE_MAX = 200
TEXT_MAX = 5000
MAX_UPLOAD_MB = 50
MAX_CADENCE_DAYS = 366
DATA_LANGUAGE = "zh-hans"  # the language of what is filed, whatever the actor's


class Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> Any: ...


@dataclass(frozen=True)
class IndicatorIn:
    name: str
    target: Decimal
    unit: str = ""


@dataclass(frozen=True)
class MilestoneIn:
    title: str
    due_on: date


# --- checks shared by the services -----------------------------------------------------------------------


def _text(value: str, label: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(_("请填写%(label)s。") % {"label": label})
    if len(value) > limit:
        raise ApplicationError(_("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": limit})
    return value


def _person(user: User | None, label: str) -> User:
    if user is None or not user.is_active:
        raise ApplicationError(_("%(label)s必须是在职人员。") % {"label": label})
    return user


def _item(actor: User, item_id: int) -> Item:
    """The item as the actor may see it (404 otherwise)."""
    return selectors.access_item(actor=actor, item_id=item_id)


def _today() -> date:
    return timezone.localdate()


def read_uploads(files: Sequence[Upload]) -> list[tuple[str, bytes]]:
    """Each upload read and checked before anything is written (one rule for uploads: ``core.uploads``): an
    accepted extension, at most ``MAX_UPLOAD_MB``, content that is what the extension says."""
    return read_checked(files, max_mb=MAX_UPLOAD_MB)


def _store(actor: User, item: Item, files: Sequence[tuple[str, bytes]], **owner: Any) -> None:
    for name, content in files:
        record = EvidenceFile(
            item=item,
            name=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=actor,
            **owner,
        )
        record.file.save(name, ContentFile(content), save=False)
        record.save()


def _move(item: Item, *, frm: str, to: str, **changes: Any) -> None:
    """The lifecycle step as one guarded write; someone else's step first is a conflict."""
    moved = Item.objects.filter(pk=item.pk, state=frm, version=item.version).update(
        state=to, version=F("version") + 1, **changes
    )
    if moved != 1:
        raise ConflictError(_("该督办事项刚刚已被他人处理，请刷新后重试。"))
    snapshots.refresh_item(item)
    item.refresh_from_db()


# --- items -------------------------------------------------------------------------------------------------


def _indicators(values: Iterable[IndicatorIn]) -> list[IndicatorIn]:
    found = []
    for value in values:
        name = _text(value.name, _("指标名称"), limit=100)
        if value.target is None or value.target < 0:
            raise ApplicationError(_("指标“%(name)s”的目标值不能为负数。") % {"name": name})
        target = _amount(value.target)
        if target is None:
            raise ApplicationError(_("指标“%(name)s”的值无效。") % {"name": name})
        found.append(IndicatorIn(name=name, target=target, unit=(value.unit or "").strip()[:16]))
    return found


def _deadline(deadline: date | None, *, today: date, parent: Item | None) -> date:
    if deadline is None:
        raise ApplicationError(_("请填写完成时限。"))
    if deadline < today:
        raise ApplicationError(_("完成时限不能早于今天。"))
    if parent is not None and deadline > parent.deadline:
        raise ApplicationError(
            _("分解事项的完成时限不能晚于上级事项（%(day)s）。") % {"day": parent.deadline.isoformat()}
        )
    return deadline


def _check_setup(*, cadence_days: int, confidentiality: str, source: str, assigned_by: User | None) -> None:
    if not 1 <= int(cadence_days) <= MAX_CADENCE_DAYS:
        raise ApplicationError(_("报送周期须在 1 到 %(n)d 天之间。") % {"n": MAX_CADENCE_DAYS})
    if confidentiality not in Level.values:
        raise ApplicationError(_("密级无效。"))
    if source not in Source.values:
        raise ApplicationError(_("来源无效。"))
    if assigned_by is not None and not assigned_by.is_active:
        raise ApplicationError(_("交办领导必须是在职人员。"))


def _create(
    *,
    actor: User,
    title: str,
    owner: User | None,
    deadline: date | None,
    content: str = "",
    lead_department: Department | None = None,
    co_departments: Sequence[Department] = (),
    assigned_by: User | None = None,
    cadence_days: int = 7,
    quality_requirements: str = "",
    confidentiality: str = Level.INTERNAL,
    source: str = Source.MANUAL,
    source_ref: str = "",
    source_label: str = "",
    source_url: str = "",
    parent: Item | None = None,
    indicators: Sequence[IndicatorIn] = (),
    milestones: Sequence[MilestoneIn] = (),
    today: date | None = None,
    created_at: datetime | None = None,
) -> Item:
    """Checks, then the item with its indicators and milestones (the caller holds the transaction).
    ``created_at``: when the item was set up, for imports of a ledger kept elsewhere and the demo's history
    (its deadline is checked against that day)."""
    if created_at is not None:
        today = timezone.localdate(created_at)
    today = today or _today()
    title = _text(title, _("事项名称"), limit=TITLE_MAX)
    content = _text(content, _("督办内容"), required=False)
    owner = _person(owner, _("责任人"))
    deadline = _deadline(deadline, today=today, parent=parent)
    _check_setup(cadence_days=cadence_days, confidentiality=confidentiality, source=source, assigned_by=assigned_by)
    checked = _indicators(indicators)
    for milestone in milestones:
        _text(milestone.title, _("节点名称"), limit=200)
        if milestone.due_on > deadline:
            raise ApplicationError(_("节点“%(title)s”晚于完成时限。") % {"title": milestone.title})
    lead = lead_department or primary_department(owner)
    if lead is not None:
        unit_id: int | None = lead.unit_id
    else:
        staff = staff_of(owner)
        unit_id = staff.unit_id if staff else None
    item = Item.objects.create(
        source=source,
        source_ref=(source_ref or "").strip()[:120],
        source_label=(source_label or "").strip()[:200],
        source_url=(source_url or "").strip()[:300],
        title=title,
        content=content,
        unit_id=unit_id,
        lead_department=lead,
        owner=owner,
        assigned_by=assigned_by,
        created_by=actor,
        deadline=deadline,
        cadence_days=int(cadence_days),
        quality_requirements=_text(quality_requirements, _("质量要求"), required=False),
        confidentiality=confidentiality,
        parent=parent,
        created_at=created_at or timezone.now(),
    )
    co = [d for d in co_departments if lead is None or d.pk != lead.pk]
    if co:
        item.co_departments.set(co)
    Indicator.objects.bulk_create([Indicator(item=item, name=i.name, target=i.target, unit=i.unit) for i in checked])
    Milestone.objects.bulk_create([Milestone(item=item, title=m.title.strip(), due_on=m.due_on) for m in milestones])
    snapshots.refresh_item(item)
    item.refresh_from_db(fields=["status", "status_on", "status_version", "on_time"])
    audit_record(
        action="supervision.item.create",
        actor=actor,
        target=f"supervision:{item.pk}",
        detail={"title": title, "owner": owner.pk, "deadline": deadline.isoformat(), "source": source},
    )
    return item


def item_create(*, actor: User, **fields: Any) -> Item:
    """立项: the office or a leader enters an item (manual entry; sources other than meetings and 批示 too)."""
    if not rights.may_create(actor):
        raise PermissionDeniedError(_("只有办公室人员或公司领导可以新建督办事项。"))
    fields.setdefault("assigned_by", actor if rights.is_leader(actor) else None)
    try:
        with transaction.atomic():
            return _create(actor=actor, **fields)
    except IntegrityError as exc:
        raise ConflictError(_("该来源的督办事项已经立项。")) from exc


def item_decompose(
    *,
    actor: User,
    item_id: int,
    title: str,
    owner: User | None,
    deadline: date | None,
    content: str = "",
    lead_department: Department | None = None,
    created_at: datetime | None = None,
) -> Item:
    """分解: a sub-item down to a person (责任清单), due no later than its parent, with the parent's 密级."""
    parent = _item(actor, item_id)
    if not rights.may_decompose(actor, parent):
        raise PermissionDeniedError(_("只有责任人、交办领导或办公室可以分解督办事项。"))
    if parent.state != ItemState.OPEN:
        raise ApplicationError(_("该事项已申请销号或已销号，不能再分解。"))
    with transaction.atomic():
        return _create(
            actor=actor,
            title=title,
            owner=owner,
            deadline=deadline,
            content=content,
            lead_department=lead_department or parent.lead_department,
            assigned_by=actor,
            cadence_days=parent.cadence_days,
            quality_requirements=parent.quality_requirements,
            confidentiality=parent.confidentiality,
            source=parent.source,
            source_label=parent.title,
            source_url=parent.source_url,
            parent=parent,
            created_at=created_at,
        )


# --- progress, checks, comments -----------------------------------------------------------------------------


def _indicator_values(item: Item, values: Mapping[Any, Any]) -> dict[int, Decimal]:
    known = {i.pk: i for i in item.indicators.all()}
    found: dict[int, Decimal] = {}
    for key, raw in values.items():
        if raw is None or str(raw).strip() == "":
            continue
        try:
            pk = int(key)
            value = Decimal(str(raw).strip())
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise ApplicationError(_("指标值必须是数字。")) from exc
        if pk not in known:
            raise ApplicationError(_("该事项没有这个指标。"))
        amount = _amount(value)
        if amount is None or amount < 0:
            raise ApplicationError(_("指标“%(name)s”的值无效。") % {"name": known[pk].name})
        found[pk] = amount
    return found


def _amount(value: Decimal) -> Decimal | None:
    """An indicator's figure as the column stores it (two places, under 10^12), or None when it cannot be: rounded
    first, so 999999999999.999 is refused rather than stored as 13 digits the column cannot read back."""
    if not value.is_finite() or value.adjusted() >= 12:
        return None
    rounded = value.quantize(Decimal("0.01"))
    return rounded if rounded < Decimal("1e12") else None


def progress_report(
    *,
    actor: User,
    item_id: int,
    text: str,
    percent: int,
    indicator_values: Mapping[Any, Any] | None = None,
    files: Sequence[Upload] = (),
    now: datetime | None = None,
) -> ProgressReport:
    """进展报送: the owner reports what was done, the percent (0–100), indicator values and evidence. Refused
    once the item has applied for close-out or is closed."""
    item = _item(actor, item_id)
    if not rights.may_report(actor, item):
        raise PermissionDeniedError(_("只有责任人可以报送进展。"))
    if item.state != ItemState.OPEN:
        raise ApplicationError(_("该事项已申请销号或已销号，不能再报送进展。"))
    text = _text(text, _("进展情况"))
    try:
        percent = int(percent)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(_("完成进度须在 0 到 100 之间。")) from exc
    if not 0 <= percent <= 100:
        raise ApplicationError(_("完成进度须在 0 到 100 之间。"))
    values = _indicator_values(item, indicator_values or {})
    checked = read_uploads(files)
    now = now or timezone.now()
    with transaction.atomic():
        moved = Item.objects.filter(pk=item.pk, state=ItemState.OPEN).update(
            last_percent=percent, last_report_at=now, version=F("version") + 1
        )
        if moved != 1:
            raise ApplicationError(_("该事项已申请销号或已销号，不能再报送进展。"))
        report = ProgressReport.objects.create(
            item=item,
            author=actor,
            text=text,
            percent=percent,
            indicator_values={str(k): str(v) for k, v in values.items()},
            created_at=now,
        )
        for pk, value in values.items():
            Indicator.objects.filter(pk=pk, item=item).update(current=value)
        snapshots.refresh_item(item)
        _store(actor, item, checked, report=report)
        audit_record(
            action="supervision.progress.report",
            actor=actor,
            target=f"supervision:{item.pk}",
            detail={"percent": percent, "files": len(checked)},
        )
    return report


def check_record(*, actor: User, item_id: int, kind: str, findings: str, at: datetime | None = None) -> Check:
    """督查: an on-site or written check recorded by the office, a leader or the assigner."""
    item = _item(actor, item_id)
    if not rights.may_check(actor, item):
        raise PermissionDeniedError(_("只有办公室、公司领导或交办领导可以记录督查情况。"))
    if kind not in CheckKind.values:
        raise ApplicationError(_("督查方式无效。"))
    findings = _text(findings, _("督查情况"))
    with transaction.atomic():
        check = Check.objects.create(item=item, kind=kind, findings=findings, by=actor, at=at or timezone.now())
        audit_record(
            action="supervision.check.record", actor=actor, target=f"supervision:{item.pk}", detail={"kind": kind}
        )
    return check


def comment_add(*, actor: User, item_id: int, text: str, at: datetime | None = None) -> LeaderComment:
    """领导批示 on an item's progress: a leader or the item's assigner."""
    item = _item(actor, item_id)
    if not rights.may_comment(actor, item):
        raise PermissionDeniedError(_("只有公司领导或交办领导可以作出批示。"))
    text = _text(text, _("批示"))
    with transaction.atomic():
        comment = LeaderComment.objects.create(item=item, leader=actor, text=text, at=at or timezone.now())
        audit_record(action="supervision.comment.add", actor=actor, target=f"supervision:{item.pk}")
    return comment


def milestone_done(*, actor: User, item_id: int, milestone_id: int) -> Milestone:
    """A milestone marked reached by the owner (once)."""
    item = _item(actor, item_id)
    if not rights.may_report(actor, item):
        raise PermissionDeniedError(_("只有责任人可以标记节点完成。"))
    with transaction.atomic():
        marked = Milestone.objects.filter(pk=milestone_id, item=item, done_at__isnull=True).update(
            done_at=timezone.now()
        )
        if marked != 1:
            raise ConflictError(_("该节点不存在或已标记完成。"))
        audit_record(
            action="supervision.milestone.done",
            actor=actor,
            target=f"supervision:{item.pk}",
            detail={"milestone": milestone_id},
        )
    return Milestone.objects.get(pk=milestone_id)


# --- close-out (销号) ----------------------------------------------------------------------------------------


def closeout_approvers(item: Item) -> list[int]:
    """Who may decide a close-out: the assigning leader and the office of the item's unit (clerks)."""
    people = [] if item.assigned_by_id is None else [item.assigned_by_id]
    clerks = users_with_role("clerk", unit_id=item.unit_id) if item.unit_id else users_with_role("clerk")
    people += list(clerks.values_list("pk", flat=True))
    return [p for p in dict.fromkeys(people) if p != item.owner_id]


def closeout_apply(
    *, actor: User, item_id: int, summary: str, files: Sequence[Upload] = (), now: datetime | None = None
) -> Closeout:
    """申请销号: the owner applies with a summary and evidence; every sub-item must be closed first. The item
    moves to 销号审核中 and the close-out flow starts, in one transaction."""
    item = _item(actor, item_id)
    if not rights.may_report(actor, item):
        raise PermissionDeniedError(_("只有责任人可以申请销号。"))
    if item.state != ItemState.OPEN:
        raise ApplicationError(_("该事项已申请销号或已销号。"))
    if Item.objects.filter(parent=item).exclude(state=ItemState.CLOSED).exists():
        raise ApplicationError(_("分解的下级事项尚未全部销号，不能申请销号。"))
    summary = _text(summary, _("完成情况"))
    checked = read_uploads(files)
    flows.ensure_published()
    now = now or timezone.now()
    with transaction.atomic():
        _move(item, frm=ItemState.OPEN, to=ItemState.CLOSING, applied_at=now)
        instance = workflow.instance_start(
            actor=actor,
            definition_key=flows.CLOSEOUT_KEY,
            title=_("销号：%(title)s") % {"title": item.title},
            form={"approvers": closeout_approvers(item)},
            marking=Marking(item.confidentiality, item.unit_id, item.lead_department_id),
            in_transaction=True,
        )
        closeout = Closeout.objects.create(
            item=item, applicant=actor, summary=summary, applied_at=now, instance=instance
        )
        _store(actor, item, checked, closeout=closeout)
        audit_record(
            action="supervision.closeout.apply",
            actor=actor,
            target=f"supervision:{item.pk}",
            detail={"closeout": closeout.pk, "instance": instance.pk},
        )
    return closeout


def _pending(item: Item) -> Closeout:
    closeout = selectors.pending_closeout(item)
    if closeout is None or closeout.instance_id is None:
        raise ConflictError(_("该事项没有待审核的销号申请，可能已由他人处理。"))
    return closeout


def closeout_approve(*, actor: User, item_id: int, score: int, comment: str = "") -> Item:
    """同意销号: the assigning leader or the office approves with a quality score (1–5); the item is closed and
    filed into the archive with its whole history, in one transaction."""
    item = _item(actor, item_id)
    closeout = _pending(item)
    task = open_task_for(actor=actor, instance_id=closeout.instance_id or 0, node=flows.APPROVE_NODE)
    try:
        score = int(score)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(_("质量评分须为 1 到 5 分。")) from exc
    if not 1 <= score <= 5:
        raise ApplicationError(_("质量评分须为 1 到 5 分。"))
    comment = _text(comment, _("审核意见"), required=False, limit=1000)
    files = _evidence(item)
    now = timezone.now()
    with transaction.atomic():
        workflow.task_approve(actor=actor, task_id=task.pk, comment=comment or _("同意销号"), in_transaction=True)
        decided = Closeout.objects.filter(pk=closeout.pk, status=CloseoutStatus.PENDING).update(
            status=CloseoutStatus.APPROVED, decided_by=actor, decided_at=now, score=score, comment=comment
        )
        if decided != 1:
            raise ConflictError(_("该销号申请刚刚已由他人处理。"))
        _move(item, frm=ItemState.CLOSING, to=ItemState.CLOSED, closed_at=now)
        record = _archive(item, actor=actor, files=files)
        Item.objects.filter(pk=item.pk).update(archive_ref=str(record.pk))
        audit_record(
            action="supervision.closeout.approve",
            actor=actor,
            target=f"supervision:{item.pk}",
            detail={"closeout": closeout.pk, "score": score, "archive": record.pk},
        )
    item.refresh_from_db()
    return item


def closeout_reject(*, actor: User, item_id: int, comment: str) -> Item:
    """退回销号申请: the approver says why; the flow ends rejected and the item is open again."""
    item = _item(actor, item_id)
    closeout = _pending(item)
    task = open_task_for(actor=actor, instance_id=closeout.instance_id or 0, node=flows.APPROVE_NODE)
    comment = _text(comment, _("退回理由"), limit=1000)
    now = timezone.now()
    with transaction.atomic():
        workflow.task_reject(actor=actor, task_id=task.pk, comment=comment, in_transaction=True)
        decided = Closeout.objects.filter(pk=closeout.pk, status=CloseoutStatus.PENDING).update(
            status=CloseoutStatus.REJECTED, decided_by=actor, decided_at=now, comment=comment
        )
        if decided != 1:
            raise ConflictError(_("该销号申请刚刚已由他人处理。"))
        _move(item, frm=ItemState.CLOSING, to=ItemState.OPEN, applied_at=None)
        audit_record(
            action="supervision.closeout.reject",
            actor=actor,
            target=f"supervision:{item.pk}",
            detail={"closeout": closeout.pk},
        )
    return item


# --- 一事一档: the dossier --------------------------------------------------------------------------------


def _evidence(item: Item) -> list[ArchiveFileIn]:
    kept = []
    for f in EvidenceFile.objects.filter(item=item).order_by("id"):
        with f.file.open("rb") as handle:
            kept.append(ArchiveFileIn(name=f.name, content=handle.read()))
    return kept


def dossier_history(item: Item) -> list[dict[str, Any]]:
    """The item's whole history as the archive keeps it: the page's history, and every event of its close-out
    flows (the engine's bookkeeping too)."""
    with translation.override(DATA_LANGUAGE):
        entries = [
            {"at": e.at.isoformat(), "who": e.who, "what": e.what, "comment": e.text, "percent": e.percent}
            for e in selectors.history(item)
            if e.kind != "flow"
        ]
        for closeout in Closeout.objects.filter(item=item, instance__isnull=False).select_related("instance"):
            assert closeout.instance is not None  # filtered above
            for event in history_of(closeout.instance):
                entries.append(
                    {
                        "at": event.at.isoformat(),
                        "who": event.actor.display_name if event.actor else "",
                        "what": event.type,
                        "node": event.node,
                        "comment": event.comment,
                    }
                )
    return sorted(entries, key=lambda entry: str(entry["at"]))


def _archive(item: Item, *, actor: User, files: Sequence[ArchiveFileIn]) -> Any:
    history = dossier_history(item)
    reports = "\n".join(f"{e['at'][:10]} {e['who']} {e['what']}：{e['comment']}" for e in history if "node" not in e)
    readers = {item.owner_id, item.created_by_id, *([item.assigned_by_id] if item.assigned_by_id else [])}
    return archive_record(
        source="supervision",
        source_id=item.pk,
        title=item.title,
        kind="督办",
        unit_id=item.unit_id,
        department_id=item.lead_department_id,
        year=(item.closed_at or timezone.now()).year,
        body_text=f"{item.source_label}\n{item.content}\n{item.quality_requirements}\n{reports}",
        confidentiality=item.confidentiality,
        category="督办",
        owner_id=item.owner_id,
        reader_ids=sorted(readers),
        files=files,
        history=history,
        actor=actor,
    )


# --- the outbox receiver: items opened by other domains -------------------------------------------------------

OPEN_ITEM_KIND = "supervision.open_item"
PAYLOAD_KEYS = (
    "source",
    "source_ref",
    "source_label",
    "source_url",
    "title",
    "content",
    "owner_id",
    "lead_department_id",
    "deadline",
    "assigned_by_id",
    "confidentiality",
)


def item_open_from_message(*, payload: Mapping[str, Any]) -> Item:
    """An item another domain asks for (a meeting's decision, a 批示's 立项督办): created once per (source,
    source_ref) — a second delivery finds the first item and creates nothing. Whoever sent it (the optional
    ``entered_by_id``: the secretary who pressed 转督办) enters it, else the assigner, else the owner."""
    missing = [k for k in PAYLOAD_KEYS if k not in payload]
    if missing:
        raise ApplicationError(f"supervision.open_item payload lacks {', '.join(missing)}")
    source, ref = str(payload["source"]), str(payload["source_ref"] or "").strip()
    if not ref:
        raise ApplicationError("supervision.open_item needs a source_ref (its idempotency key)")
    existing = Item.objects.filter(source=source, source_ref=ref).first()
    if existing is not None:
        return existing
    owner = User.objects.filter(pk=payload["owner_id"]).first()
    assigner = User.objects.filter(pk=payload["assigned_by_id"]).first() if payload["assigned_by_id"] else None
    lead = (
        Department.objects.filter(pk=payload["lead_department_id"]).first() if payload["lead_department_id"] else None
    )
    try:
        deadline = date.fromisoformat(str(payload["deadline"]))
    except ValueError as exc:
        raise ApplicationError(f"supervision.open_item: bad deadline {payload['deadline']!r}") from exc
    co_ids = [int(i) for i in payload.get("co_department_ids") or [] if str(i).isdigit()]  # optional: 协办
    co = list(Department.objects.filter(pk__in=co_ids)) if co_ids else []
    sender = User.objects.filter(pk=payload["entered_by_id"]).first() if payload.get("entered_by_id") else None
    entered_by = sender or assigner or owner
    if entered_by is None:
        raise ApplicationError("supervision.open_item: neither the owner nor the assigner exists")
    try:
        with transaction.atomic():
            return _create(
                actor=entered_by,
                title=str(payload["title"]),
                content=str(payload["content"] or ""),
                owner=owner,
                deadline=deadline,
                lead_department=lead,
                co_departments=co,
                assigned_by=assigner,
                confidentiality=str(payload["confidentiality"] or Level.INTERNAL),
                source=source,
                source_ref=ref,
                source_label=str(payload["source_label"] or ""),
                source_url=str(payload["source_url"] or ""),
                today=min(deadline, _today()),  # a decision delivered late is still recorded
            )
    except IntegrityError:
        found = Item.objects.filter(source=source, source_ref=ref).first()
        if found is None:
            raise
        return found


def receive_open_item(message: OutboxMessage) -> None:
    """The outbox handler of ``supervision.open_item``."""
    item_open_from_message(payload=message.payload)
