"""发文 writes: 拟稿 from a 文种's template (those with the drafting right), revisions, 核稿, 退回 and 重新送审, 会签,
签发 (a leader with the signing right for the document's unit; the text frozen with its keyed digest, see
``documents.signing``), 编号, 印发 with receipts, 归档, and the DOCX/PDF export (the digest checked first). Each
step is a node of the ``doc-outgoing`` flow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.documents import archiving, output, rights, selectors
from sanfu.documents.flows import OUTGOING_KEY
from sanfu.documents.models import (
    CLASSIFIED,
    SECRECY_MAX_YEARS,
    Confidentiality,
    DocKind,
    FileRole,
    Issuance,
    OutgoingDocument,
    OutgoingRevision,
    OutgoingSignOff,
    Urgency,
)
from sanfu.documents.services.common import (
    Upload,
    check_choice,
    circulation_read,
    document_opened,
    flow_of,
    holds_open_task,
    once,
    open_task,
    read_uploads,
    require_office,
    store_files,
)
from sanfu.documents.services.numbering import number_claim
from sanfu.documents.signing import digest_of, require_intact
from sanfu.org import selectors as org
from sanfu.org.clearance import Marking
from sanfu.org.models import Department
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus


def _classified_marks(confidentiality: str, copy_no: str, secrecy_years: int | None) -> tuple[str, int | None]:
    """份号 and 保密期限 of a 秘密/机密 document, checked (GB/T 9704 prints both in the 版头): the 份号 is six
    Arabic digits (shorter input is padded with zeros) and required; the 保密期限 is a number of years up to
    the level's longest term, which is also what an unmarked term means and is recorded so. A document that
    is not classified carries neither."""
    copy_no = copy_no.strip()
    if confidentiality not in CLASSIFIED:
        if copy_no or secrecy_years:
            raise ApplicationError(_("只有秘密、机密公文标注份号和保密期限。"))
        return "", None
    if not copy_no:
        raise ApplicationError(_("秘密、机密公文必须填写份号。"))
    if not (copy_no.isascii() and copy_no.isdigit()) or len(copy_no) > 6 or int(copy_no) == 0:
        raise ApplicationError(_("份号应为1至6位阿拉伯数字，如 000123。"))
    longest = SECRECY_MAX_YEARS[confidentiality]
    if secrecy_years is None:
        secrecy_years = longest
    if not 1 <= secrecy_years <= longest:
        raise ApplicationError(_("保密期限应为1至%(n)d年。") % {"n": longest})
    return copy_no.zfill(6), secrecy_years


def _issuer_of(actor: User) -> tuple[str, str, str]:
    """(发文机关, 发文机关标志, 发文字号前缀) of the actor's unit, e.g. 贵港发电有限公司 / …文件 / 贵港发电."""
    staff = org.staff_of(actor)
    unit_name = staff.unit.name if staff else _("本单位")
    short = (staff.unit.short_name if staff else "") or unit_name
    return unit_name, f"{unit_name}文件", short


@once("outgoing.draft")
def outgoing_draft(
    *,
    actor: User,
    kind: str,
    title: str,
    body: str,
    recipients: str = "",
    copy_to: str = "",
    urgency: str = Urgency.NORMAL,
    confidentiality: str = Confidentiality.INTERNAL,
    countersign: Sequence[Department] = (),
    signer: User | None = None,
    prefix: str = "",
    attachments: Sequence[Upload] = (),
    copy_no: str = "",
    secrecy_years: int | None = None,
    token: str = "",
) -> OutgoingDocument:
    """拟稿: the first revision of a draft, sent on to 核稿. A 秘密/机密 document carries its 份号 and 保密期限
    (see :func:`_classified_marks`). Only someone with the drafting right may start one; the 签发领导 (given, or
    the department's 分管领导 by default) must hold the signing right for the draft's unit."""
    if not rights.may_draft(actor):
        raise PermissionDeniedError(_("您没有起草发文的权限。"))
    check_choice(kind, DocKind, _("文种"))
    check_choice(urgency, Urgency, _("紧急程度"))
    check_choice(confidentiality, Confidentiality, _("密级"))
    if not title.strip() or not body.strip():
        raise ApplicationError(_("标题和正文必须填写。"))
    copy_no, secrecy_years = _classified_marks(confidentiality, copy_no, secrecy_years)
    issuer, mark, default_prefix = _issuer_of(actor)
    place = rights.place_of_drafter(actor)
    department = place.department
    if signer is not None:
        _check_signer(signer, place)
    elif department is not None:
        in_charge = org.leader_in_charge(department)
        signer = in_charge if rights.may_sign(in_charge, place) else None  # else 核稿 chooses one
    form = {"countersign": [d.pk for d in countersign], "signer": [signer.pk] if signer else []}
    files = read_uploads([(FileRole.ATTACHMENT, a) for a in attachments])
    with transaction.atomic():
        document = OutgoingDocument.objects.create(
            kind=kind,
            title=title.strip()[:200],
            body=body,
            recipients=recipients.strip()[:300],
            copy_to=copy_to.strip()[:300],
            issuer=issuer,
            issuer_mark=mark,
            prefix=(prefix.strip() or default_prefix)[:32],
            urgency=urgency,
            confidentiality=confidentiality,
            copy_no=copy_no,
            secrecy_years=secrecy_years,
            drafter=actor,
            department=department,
        )
        OutgoingRevision.objects.create(
            document=document,
            no=1,
            title=document.title,
            body=body,
            recipients=document.recipients,
            copy_to=document.copy_to,
            author=actor,
            comment="拟稿",  # stored in Chinese, shown through flows.step_name
            stage="拟稿",
        )
        store_files(actor, files, outgoing=document)
        document.instance = workflow.instance_start(
            actor=actor,
            definition_key=OUTGOING_KEY,
            title=f"发文：{document.title}"[:200],
            form=form,
            urgency=urgency,
            in_transaction=True,
            # the read rule: the document's 密级, in the drafting department's unit
            marking=Marking(confidentiality, place.unit_id, department.pk if department else None),
        )
        document.save(update_fields=["instance"])
    return document


def _outgoing(actor: User, document_id: int) -> OutgoingDocument:
    return selectors.access_outgoing(actor=actor, document_id=document_id)


def _check_signer(signer: User, place: rights.Place) -> None:
    """The 签发领导 chosen for a document must hold the signing right for its unit (whatever the form posted)."""
    if not rights.may_sign(signer, place):
        raise ApplicationError(_("%(who)s 没有本单位发文的签发权限，请另选签发领导。") % {"who": signer.display_name})


def may_revise(actor: User, document: OutgoingDocument) -> bool:
    """Before sign-off: the drafter while the flow is returned to them, or whoever holds it now."""
    if document.frozen_revision_id is not None or document.instance is None:
        return False
    if document.instance.status == InstanceStatus.RETURNED:
        return actor.pk == document.drafter_id
    return holds_open_task(actor, document.instance) is not None


def _latest_revision(document: Any) -> OutgoingRevision | None:
    return OutgoingRevision.objects.filter(document=document).order_by("-no").first()


@once("outgoing.revise", document=lambda revision: revision.document, replay=_latest_revision)
def outgoing_revise(
    *,
    actor: User,
    document_id: int,
    title: str,
    body: str,
    recipients: str | None = None,
    copy_to: str | None = None,
    comment: str = "",
    token: str = "",
) -> OutgoingRevision:
    """Save a new revision (every revision is kept). Refused once the document is signed off (frozen)."""
    document = _outgoing(actor, document_id)
    if document.frozen_revision_id is not None:
        raise ConflictError(_("公文已签发定稿，不能再修改。"))
    if not may_revise(actor, document):
        raise PermissionDeniedError(_("只有当前办理人可以修改文稿。"))
    if not title.strip() or not body.strip():
        raise ApplicationError(_("标题和正文必须填写。"))
    held = holds_open_task(actor, document.instance)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                # Re-read under the write: a sign-off that froze the text meanwhile wins.
                if OutgoingDocument.objects.filter(pk=document.pk, frozen_revision__isnull=False).exists():
                    raise ConflictError(_("公文已签发定稿，不能再修改。"))
                last = document.revisions.aggregate(n=Max("no"))["n"] or 0
                revision = OutgoingRevision.objects.create(
                    document=document,
                    no=last + 1,
                    title=title.strip()[:200],
                    body=body,
                    recipients=(document.recipients if recipients is None else recipients.strip())[:300],
                    copy_to=(document.copy_to if copy_to is None else copy_to.strip())[:300],
                    author=actor,
                    comment=comment[:300],
                    stage=held.node_name if held else "修改",
                )
                OutgoingDocument.objects.filter(pk=document.pk).update(
                    title=revision.title, body=revision.body, recipients=revision.recipients, copy_to=revision.copy_to
                )
            return revision
        except IntegrityError:
            continue
    raise ConflictError(_("同时有人在修改文稿，请刷新后重试。"))


@once("outgoing.review")
def outgoing_review(
    *,
    actor: User,
    document_id: int,
    comment: str = "",
    countersign: Sequence[Department] | None = None,
    signer: User | None = None,
    token: str = "",
) -> OutgoingDocument:
    """核稿: the office's review; it may set the departments to countersign and the signing leader. The document
    goes on to 签发 only with a 签发领导 who holds the signing right for its unit (the one chosen here, else the
    one already set)."""
    document = _outgoing(actor, document_id)
    task = open_task(actor, document.instance, "review")
    form: dict[str, Any] = {}
    if countersign is not None:
        form["countersign"] = [d.pk for d in countersign]
    place = rights.place_of(document)
    if signer is not None:
        _check_signer(signer, place)
        form["signer"] = [signer.pk]
    else:
        chosen = (flow_of(document.instance).state.get("form") or {}).get("signer") or []
        current = selectors.user_by_id(int(chosen[0])) if chosen else None
        if current is None:
            raise ApplicationError(_("请选择签发领导。"))
        _check_signer(current, place)
    workflow.task_approve(
        actor=actor, task_id=task.pk, comment=comment or _("核稿通过"), form=form or None, in_transaction=True
    )
    return document


RETURNABLE_NODES = ("review", "signoff", "numbering", "issue")
AFTER_SIGN_OFF = ("numbering", "issue")  # a return from here withdraws the 签发


@once("outgoing.return")
def outgoing_return(*, actor: User, document_id: int, comment: str, token: str = "") -> OutgoingDocument:
    """退回拟稿人: at 核稿 (the office) or 签发 (the leader) the draft goes back to its drafter, with the
    reason; the drafter revises it and sends it again (:func:`outgoing_resubmit`).

    A return after 签发 (the office, at 编号 or 印发) means a new revision and a new 签发: the signed-off text
    is copied into a new revision for the drafter to revise, the 签发 is marked withdrawn with the reason
    (it and its digest stay in the record), and the document goes through 核稿, 会签 and 签发 again. A number
    already given stays with the document (编号 then confirms it)."""
    document = _outgoing(actor, document_id)
    if not comment.strip():
        raise ApplicationError(_("退回时请写明理由。"))
    task = holds_open_task(actor, document.instance)
    if task is None or task.node not in RETURNABLE_NODES:
        raise ApplicationError(_("您在该步骤没有待办，可能已由他人办理或流程已前进。"), code=ErrorCode.CONFLICT)
    with transaction.atomic():  # the return, the unfrozen text and the audit row: all or none
        workflow.task_return(actor=actor, task_id=task.pk, to="initiator", comment=comment, in_transaction=True)
        if document.frozen_revision is not None:
            _withdraw_sign_off(actor, document, document.frozen_revision, comment.strip())
    document.refresh_from_db()
    return document


def _withdraw_sign_off(actor: User, document: OutgoingDocument, frozen: OutgoingRevision, reason: str) -> None:
    last = document.revisions.aggregate(n=Max("no"))["n"] or 0
    revision = OutgoingRevision.objects.create(
        document=document,
        no=last + 1,
        title=frozen.title,
        body=frozen.body,
        recipients=frozen.recipients,
        copy_to=frozen.copy_to,
        author=actor,
        comment=(_("签发后退回：%(why)s") % {"why": reason})[:300],
        stage="签发后退回",
    )
    unfrozen = OutgoingDocument.objects.filter(pk=document.pk, frozen_revision=frozen).update(
        frozen_revision=None, digest="", signed_by=None, signed_at=None
    )
    if unfrozen != 1:
        raise ConflictError(_("公文刚刚已被他人处理，请刷新后查看。"))
    now = timezone.now()
    OutgoingSignOff.objects.filter(document=document, revision=frozen, withdrawn_at__isnull=True).update(
        withdrawn_by=actor, withdrawn_at=now, withdrawn_reason=reason[:300]
    )
    audit_record(
        action="documents.outgoing.sign_off_withdrawn",
        actor=actor,
        target=f"outgoing:{document.pk}",
        detail={"revision": frozen.no, "digest": document.digest, "new_revision": revision.no, "reason": reason},
    )


@once("outgoing.resubmit")
def outgoing_resubmit(*, actor: User, document_id: int, comment: str = "", token: str = "") -> OutgoingDocument:
    """重新送审: the drafter sends a returned draft (revised or not) to 核稿 again."""
    document = _outgoing(actor, document_id)
    instance = flow_of(document.instance)
    if instance.status != InstanceStatus.RETURNED:
        raise ConflictError(_("该公文不在退回状态，无需重新送审。"))
    if actor.pk != document.drafter_id:
        raise PermissionDeniedError(_("只有拟稿人可以重新送审。"))
    workflow.instance_resubmit(
        actor=actor, instance_id=instance.pk, comment=comment or _("重新送审"), in_transaction=True
    )
    return document


@once("outgoing.countersign")
def outgoing_countersign(
    *, actor: User, document_id: int, comment: str = "", agree: bool = True, token: str = ""
) -> OutgoingDocument:
    """会签: a concerned department's head agrees, or sends it back to 核稿 with the reason."""
    document = _outgoing(actor, document_id)
    task = open_task(actor, document.instance, "countersign")
    if agree:
        workflow.task_approve(actor=actor, task_id=task.pk, comment=comment or _("同意"), in_transaction=True)
    else:
        if not comment.strip():
            raise ApplicationError(_("不同意时请写明理由。"))
        workflow.task_reject(actor=actor, task_id=task.pk, comment=comment, in_transaction=True)
    return document


@once("outgoing.signoff")
def outgoing_sign_off(*, actor: User, document_id: int, comment: str = "", token: str = "") -> OutgoingDocument:
    """签发: a leader with the signing right for the document's unit signs off (whoever holds the task: the flow
    may have put it elsewhere); the current revision is frozen and its keyed digest recorded."""
    document = _outgoing(actor, document_id)
    task = open_task(actor, document.instance, "signoff")
    if not rights.may_sign(actor, rights.place_of(document)):
        raise PermissionDeniedError(_("您没有本单位发文的签发权限，不能签发。可退回拟稿人另选签发领导。"))
    revision = document.revisions.order_by("-no").first()
    if revision is None:
        raise ApplicationError(_("没有可签发的文稿。"))
    digest = digest_of(revision, signer_id=actor.pk)
    with transaction.atomic():  # the flow step, the frozen text and the audit row: all or none
        workflow.task_approve(actor=actor, task_id=task.pk, comment=comment or _("同意签发"), in_transaction=True)
        now = timezone.now()
        OutgoingDocument.objects.filter(pk=document.pk).update(
            frozen_revision=revision, digest=digest, signed_by=actor, signed_at=now
        )
        OutgoingSignOff.objects.create(
            document=document, revision=revision, digest=digest, signed_by=actor, signed_at=now
        )
        audit_record(
            action="documents.outgoing.sign_off",
            actor=actor,
            target=f"outgoing:{document.pk}",
            detail={"revision": revision.no, "digest": digest},
        )
    document.refresh_from_db()
    return document


def _numbered_meanwhile(document: OutgoingDocument) -> ConflictError | None:
    """The conflict to report when someone else numbered the document meanwhile."""
    number = OutgoingDocument.objects.filter(pk=document.pk).values_list("number", flat=True).first()
    if not number:
        return None
    return ConflictError(_("该公文刚刚已编号为 %(number)s，未再取号。") % {"number": number})


@once("outgoing.number")
def outgoing_assign_number(
    *, actor: User, document_id: int, year: int | None = None, token: str = ""
) -> OutgoingDocument:
    """编号: the 文号 is given here and only here, once the text is frozen. The claim and the document's number
    are one guarded write: of two 编号 at the same moment one numbers the document; the other is refused
    and its claim rolls back with it, so no number is consumed."""
    document = _outgoing(actor, document_id)
    require_office(actor)
    try:
        task = open_task(actor, document.instance, "numbering")
    except ApplicationError as exc:
        raise _numbered_meanwhile(document) or exc from exc
    if document.frozen_revision_id is None:
        raise ApplicationError(_("签发定稿后才能编号。"))
    with transaction.atomic():  # the number, the document carrying it, the audit row and the flow step
        if not document.number:
            number = number_claim(
                actor=actor, prefix=document.prefix, year=year or timezone.localdate().year, document=document
            )
            if OutgoingDocument.objects.filter(pk=document.pk, number="").update(number=number.text) != 1:
                raise _numbered_meanwhile(document) or ConflictError(_("编号时公文已变化，请刷新后重试。"))
            audit_record(
                action="documents.number.assign",
                actor=actor,
                target=f"outgoing:{document.pk}",
                detail={"number": number.text},
            )
            document.number = number.text
        workflow.task_approve(actor=actor, task_id=task.pk, comment=document.number, in_transaction=True)
    return document


@once("outgoing.issue")
def _issue(
    *,
    actor: User,
    document_id: int,
    departments: Sequence[Department] = (),
    external: Sequence[str] = (),
    comment: str = "",
    token: str = "",
) -> OutgoingDocument:
    document = _outgoing(actor, document_id)
    task = open_task(actor, document.instance, "issue")
    if not document.number:
        raise ApplicationError(_("编号后才能印发。"))
    names = [n.strip() for n in external if n.strip()]
    if not departments and not names:
        raise ApplicationError(_("请至少选择一个接收部门或单位。"))
    now = timezone.now()
    heads = org.heads_of_departments(departments)
    with transaction.atomic():  # the flow step and the issuance records: all or none
        workflow.task_approve(
            actor=actor,
            task_id=task.pk,
            comment=comment or _("印发"),
            form={"recipient_departments": [d.pk for d in departments]},
            in_transaction=True,
        )
        for department in departments:
            found = heads.get(department.pk) or []
            receiver = found[0] if found else None
            Issuance.objects.create(
                document=document, recipient=department.name, department=department, receiver=receiver, sent_at=now
            )
        for name in names:
            Issuance.objects.create(document=document, recipient=name[:100], sent_at=now)
        OutgoingDocument.objects.filter(pk=document.pk).update(issued_at=now)
    return document


def outgoing_issue(
    *,
    actor: User,
    document_id: int,
    departments: Sequence[Department] = (),
    external: Sequence[str] = (),
    comment: str = "",
    token: str = "",
) -> OutgoingDocument:
    """印发: issue to recipient departments (their heads get it with a read receipt) and outside units
    (receipts recorded by the office). 归档 is the office's own next step (:func:`outgoing_archive`), unless
    the setting ``SANFU_DOCUMENTS_AUTO_ARCHIVE`` makes it follow at once."""
    document = _issue(
        actor=actor, document_id=document_id, departments=departments, external=external, comment=comment, token=token
    )
    if auto_archive():
        # In its own transaction (the DOCX and PDF are rendered for it): the document stays issued if the
        # archive is unavailable, and the office can still press 归档.
        outgoing_archive(actor=actor, document_id=document.pk)
    document.refresh_from_db()
    return document


def auto_archive() -> bool:
    """Whether 归档 follows 印发 by itself (off by default: in most offices they are two people's steps)."""
    return bool(getattr(settings, "SANFU_DOCUMENTS_AUTO_ARCHIVE", False))


def outgoing_archive(*, actor: User, document_id: int, token: str = "") -> OutgoingDocument:
    """归档: the office files an issued document (its files, the rendered DOCX and PDF, the whole loop) in the
    electronic archive; audited, once. A signed-off text that fails its digest is refused, and the refusal
    audited (checked here, before the step's transaction, so that its audit row stays)."""
    require_intact(_outgoing(actor, document_id), actor=actor, use="archive")
    return _archive(actor=actor, document_id=document_id, token=token)


@once("outgoing.archive")
def _archive(*, actor: User, document_id: int, token: str = "") -> OutgoingDocument:
    document = _outgoing(actor, document_id)
    require_office(actor)
    instance = flow_of(document.instance)
    if document.issued_at is None or instance.status != InstanceStatus.APPROVED or not document.number:
        raise ApplicationError(_("公文印发后才能归档。"))
    if document.archived_at is not None:
        raise ConflictError(_("该公文已归档。"))
    archiving.archive_outgoing(document, actor=actor)
    document.refresh_from_db()
    return document


EXPORT_FORMATS = ("docx", "pdf")


def outgoing_export(*, actor: User, document_id: int, fmt: str) -> bytes:
    """The document as GB/T 9704 ``docx`` or ``pdf``, to whoever may see it. A signed-off document is exported
    only while its text matches the 签发 digest; otherwise the export is refused and audited."""
    document = _outgoing(actor, document_id)
    if fmt not in EXPORT_FORMATS:
        raise NotFoundError(_("没有这种格式。"))
    checked = require_intact(document, actor=actor, use=f"download.{fmt}")
    content = output.render(checked, fmt)  # what was checked
    document_opened(actor=actor, document=checked, how="export")
    return content


def issuance_receive(*, actor: User, issuance_id: int) -> Issuance:
    """签收: the receiving head (or the office, for an outside unit) confirms receipt; a head's read
    receipt on the flow is recorded too."""
    issuance = Issuance.objects.select_related("document", "document__instance").filter(pk=issuance_id).first()
    if issuance is None or not (issuance.receiver_id == actor.pk or selectors.is_office(actor)):
        raise NotFoundError(_("分发记录不存在。"))
    now = timezone.now()
    fields = {"received_at": issuance.received_at or now}
    with transaction.atomic():
        if issuance.receiver_id == actor.pk:
            fields["read_at"] = issuance.read_at or now
            circulation_read(actor=actor, instance=issuance.document.instance)
        Issuance.objects.filter(pk=issuance.pk).update(**fields)
    issuance.refresh_from_db()
    return issuance


def issuance_seen(*, actor: User, document: OutgoingDocument) -> int:
    """已阅: a recipient read the issued document (a POST from its page, never the page's GET): its read status
    and the flow's read mark, together; returns how many receipts were recorded."""
    with transaction.atomic():
        seen = Issuance.objects.filter(document=document, receiver=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return seen + circulation_read(actor=actor, instance=document.instance)
