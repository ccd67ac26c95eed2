"""爱心基金 writes: apply (with supporting files, through the flow ``hardship-apply``), the committee's review and
the chair's approval (or a rejection at either), opening an application (every read by the committee is audited,
as 等保 asks of personal and classified data), and recording payments. Each write is checked, all-or-nothing and
audited; two people acting on one step: the flow's version check lets one win."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import Role, User
from sanfu.core.audit import audit_classified_read, audit_denied, audit_record
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.uploads import read_checked
from sanfu.hardship import flows, rights
from sanfu.hardship.models import (
    CHAIR_ROLE,
    COMMITTEE_ROLE,
    LEVELS,
    Application,
    Attachment,
    Method,
    Payment,
    Status,
)
from sanfu.org.clearance import Level, Marking, marking_of
from sanfu.org.selectors import people_with_role
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus
from sanfu.workflow.selectors import open_task_for

MAX_AMOUNT = Decimal("200000")
MAX_UPLOAD_MB = 20
MAX_FILES = 10
ROLES = {
    COMMITTEE_ROLE: ("爱心基金委员会委员", "审议本单位的爱心基金申请，登记发放"),
    CHAIR_ROLE: ("爱心基金委员会主任", "审批本单位的爱心基金申请"),
}


def ensure_committee_roles() -> dict[str, Role]:
    """The fund's two roles (made by the app's migration; again here for a database flushed since)."""
    return {
        code: Role.objects.get_or_create(code=code, defaults={"name": name, "description": text})[0]
        for code, (name, text) in ROLES.items()
    }


@dataclass
class ApplicationIn:
    reason: str
    family_situation: str
    amount_requested: Decimal | str
    confidentiality: str = Level.SECRET
    files: list[Any] | None = None


def _money(value: Decimal | str | None, *, field: str, limit: Decimal = MAX_AMOUNT) -> Decimal:
    try:
        amount = Decimal(str(value).strip()) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ApplicationError(_("请填写%(field)s。") % {"field": field})
    if amount <= 0:
        raise ApplicationError(_("%(field)s必须大于零。") % {"field": field})
    if amount > limit:
        raise ApplicationError(_("%(field)s不能超过%(limit)s元。") % {"field": field, "limit": limit})
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(_("%(field)s最多保留两位小数。") % {"field": field})
    return amount


def _text(value: str, *, field: str, limit: int = 5000) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(_("请填写%(field)s。") % {"field": field})
    if len(value) > limit:
        raise ApplicationError(_("%(field)s不能超过%(limit)s字。") % {"field": field, "limit": limit})
    return value


def _note(comment: str) -> str:
    note = (comment or "").strip()
    if len(note) > 1000:
        raise ApplicationError(_("意见不能超过1000字。"))
    return note


def application_submit(*, actor: User, data: ApplicationIn) -> Application:
    """申请: the application and its files are saved and the flow starts at the committee's review, in one
    transaction. Refused when the unit has no committee member other than the applicant."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise ApplicationError(_("您不属于任何单位，不能申请爱心基金。"))
    reason = _text(data.reason, field=_("申请事由"))
    family = _text(data.family_situation, field=_("家庭情况"))
    amount = _money(data.amount_requested, field=_("申请金额"))
    if data.confidentiality not in dict(LEVELS):
        raise ApplicationError(_("请选择密级（内部或秘密）。"))
    files = list(data.files or [])
    if len(files) > MAX_FILES:
        raise ApplicationError(_("证明材料最多%(n)s个文件。") % {"n": MAX_FILES})
    checked = read_checked(files, max_mb=MAX_UPLOAD_MB) if files else []
    members = [u.pk for u in people_with_role(COMMITTEE_ROLE, unit_id=unit_id) if u.pk != actor.pk]
    chairs = [u.pk for u in people_with_role(CHAIR_ROLE, unit_id=unit_id) if u.pk != actor.pk]
    if not members or not chairs:
        raise ApplicationError(_("本单位尚未设立爱心基金委员会（委员和主任），请联系工会或办公室。"))
    home = marking_of(actor)
    flows.ensure_published()
    with transaction.atomic():
        application = Application.objects.create(
            applicant=actor,
            unit_id=unit_id,
            department_id=home.department_id,
            confidentiality=data.confidentiality,
            reason=reason,
            family_situation=family,
            amount_requested=amount,
        )
        application.instance = workflow.instance_start(
            actor=actor,
            definition_key=flows.APPLY_KEY,
            title=_("爱心基金申请 %(number)s") % {"number": application.number},
            marking=Marking(data.confidentiality, unit_id, home.department_id),
            in_transaction=True,
        )
        Application.objects.filter(pk=application.pk).update(instance=application.instance)
        for name, content in checked:
            record = Attachment(
                application=application, name=name, size=len(content), sha256=hashlib.sha256(content).hexdigest()
            )
            record.file.save(name, ContentFile(content), save=False)
            record.save()
        audit_record(
            action="hardship.submit",
            actor=actor,
            target=f"hardship:{application.pk}",
            detail={"level": data.confidentiality, "files": len(checked)},
        )
    return application


def application_open(*, actor: User, application_id: int) -> Application:
    """The application for reading. The committee's every read is audited (a 秘密 one as ``classified.read``);
    anyone else asking for one that exists is told it does not, and the refusal is audited."""
    application = Application.objects.select_related("applicant", "department").filter(pk=application_id).first()
    if application is None:
        raise NotFoundError(_("申请不存在。"))
    if not rights.may_read(actor, application):
        audit_denied(actor=actor, target=f"hardship:{application.pk}")
        raise NotFoundError(_("申请不存在。"))
    if application.applicant_id != actor.pk:
        target = f"hardship:{application.pk}"
        if application.confidentiality == Level.SECRET:
            audit_classified_read(actor=actor, target=target, level=application.confidentiality)
        else:
            audit_record(action="hardship.read", actor=actor, target=target, detail={"level": "internal"})
    return application


def _step(actor: User, application_id: int) -> tuple[Application, Any]:
    application = Application.objects.filter(pk=application_id).first()
    if application is None or not rights.may_read(actor, application):
        raise NotFoundError(_("申请不存在。"))
    if actor.pk == application.applicant_id:
        raise PermissionDeniedError(_("不能审批自己的申请。"))
    node = {Status.REVIEW: "review", Status.CHAIR: "chair"}.get(Status(application.status))
    if node is None or application.instance_id is None:
        raise ConflictError(_("该申请已审批完毕。"))
    return application, open_task_for(actor=actor, instance_id=application.instance_id, node=node)


def may_act(actor: User, application: Application) -> bool:
    try:
        _step(actor, application.pk)
    except ApplicationError:
        return False
    return True


def application_approve(
    *, actor: User, application_id: int, amount: Decimal | str | None = None, comment: str = ""
) -> Application:
    """同意. The committee's review names the amount to grant (at most the amount asked); the chair's approval
    grants it."""
    application, task = _step(actor, application_id)
    note = _note(comment) or _("同意")
    fields: dict[str, Any] = {}
    if application.status == Status.REVIEW:
        granted = _money(amount, field=_("批准金额"), limit=application.amount_requested)
        fields = {"status": Status.CHAIR, "amount_approved": granted, "review_note": note}
    else:
        fields = {"status": Status.APPROVED, "decided_at": timezone.now(), "chair_note": note}
    with transaction.atomic():
        # the opinion stays on the application (see ``Application.review_note``); the flow records the agreement
        instance = workflow.task_approve(actor=actor, task_id=task.pk, comment=_("同意"), in_transaction=True)
        if fields["status"] == Status.APPROVED and instance.status != InstanceStatus.APPROVED:
            raise ConflictError(_("流程尚未走完，请刷新后再试。"))
        if Application.objects.filter(pk=application.pk, status=application.status).update(**fields) != 1:
            raise ConflictError(_("该申请已被他人办理，请刷新。"))
        audit_record(
            action="hardship.approve",
            actor=actor,
            target=f"hardship:{application.pk}",
            detail={"step": application.status, "amount": str(fields.get("amount_approved", ""))},
        )
    application.refresh_from_db()
    return application


def application_reject(*, actor: User, application_id: int, comment: str) -> Application:
    """不予批准, with the reason (the applicant reads it on the application's page; the flow records only that it
    was not approved)."""
    reason = _note(comment)
    if not reason:
        raise ApplicationError(_("不予批准时请写明理由。"))
    application, task = _step(actor, application_id)
    note_field = "review_note" if application.status == Status.REVIEW else "chair_note"
    with transaction.atomic():
        workflow.task_reject(actor=actor, task_id=task.pk, comment=_("不予批准"), in_transaction=True)
        changed = Application.objects.filter(pk=application.pk, status=application.status).update(
            status=Status.REJECTED, decided_at=timezone.now(), **{note_field: reason}
        )
        if changed != 1:
            raise ConflictError(_("该申请已被他人办理，请刷新。"))
        audit_record(action="hardship.reject", actor=actor, target=f"hardship:{application.pk}")
    application.refresh_from_db()
    return application


def payment_record(
    *,
    actor: User,
    application_id: int,
    amount: Decimal | str,
    paid_on: date,
    method: str,
    voucher_no: str,
) -> Payment:
    """登记发放 on an approved application, by a committee member: never more in all than the amount approved
    (one conditional update: two payments recorded at once cannot together pass it), each voucher number once."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None or not rights.on_committee(actor, application.unit_id):
        raise NotFoundError(_("申请不存在。"))
    if application.status != Status.APPROVED or application.amount_approved is None:
        raise ConflictError(_("只有已批准的申请可以登记发放。"))
    value = _money(amount, field=_("发放金额"))
    if method not in Method.values:
        raise ApplicationError(_("请选择发放方式。"))
    voucher = (voucher_no or "").strip()
    if not voucher or len(voucher) > 40:
        raise ApplicationError(_("请填写凭证号（不超过40个字符）。"))
    if paid_on > timezone.localdate():
        raise ApplicationError(_("发放日期不能晚于今天。"))
    try:
        with transaction.atomic():
            room = Application.objects.filter(
                pk=application.pk, status=Status.APPROVED, paid_total__lte=F("amount_approved") - value
            ).update(paid_total=F("paid_total") + value)
            if room != 1:
                raise ConflictError(
                    _("发放总额不能超过批准金额（批准 %(approved)s 元，已发放 %(paid)s 元）。")
                    % {"approved": application.amount_approved, "paid": application.paid_total}
                )
            payment = Payment.objects.create(
                application=application,
                amount=value,
                paid_on=paid_on,
                method=method,
                voucher_no=voucher,
                recorded_by=actor,
            )
            audit_record(
                action="hardship.pay",
                actor=actor,
                target=f"hardship:{application.pk}",
                detail={"amount": str(value), "voucher": voucher, "paid_on": paid_on.isoformat()},
            )
    except IntegrityError as exc:
        raise ConflictError(_("凭证号“%(no)s”已登记过。") % {"no": voucher}) from exc
    return payment
