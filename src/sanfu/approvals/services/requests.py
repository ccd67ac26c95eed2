"""审批中心 writes: submitting a matter (with one-time notification: every missing or wrong item reported at
once), numbering, drafts, copying a previous submission, and returning a request for its materials."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals import formschema
from sanfu.approvals.models import Attachment, Draft, MaterialReturn, MatterType, NumberSequence, Request
from sanfu.approvals.selectors.catalogue import may_start
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.org import selectors as org
from sanfu.org.models import Department
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus, Task

URGENCIES = ("平急", "加急", "特急")


class Upload(Protocol):
    """What the services need of an uploaded file (Django's UploadedFile fits)."""

    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> Any: ...

    def seek(self, offset: int, /) -> Any: ...


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission: a form field or a material, with the reason."""

    where: str  # "form" | "material"
    key: str
    label: str
    message: str
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "field": self.key, "label": self.label, "message": self.message, "row": self.row}


# --- numbering ----------------------------------------------------------------------------------------


def number_next(*, prefix: str, day: date | None = None) -> str:
    """The next request number, e.g. ``YZ-20261125-0007``: per prefix and day, never repeated (a
    conditional update claims each number; racing requests retry)."""
    today = day or timezone.localdate()
    for _attempt in range(50):
        sequence = NumberSequence.objects.filter(prefix=prefix, day=today).first()
        if sequence is None:
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(prefix=prefix, day=today, last=1)
                return f"{prefix}-{today:%Y%m%d}-0001"
            except IntegrityError:
                continue
        claimed = NumberSequence.objects.filter(pk=sequence.pk, last=sequence.last).update(last=sequence.last + 1)
        if claimed == 1:
            return f"{prefix}-{today:%Y%m%d}-{sequence.last + 1:04d}"
    raise ApplicationError(_("编号繁忙，请重试。"))


# --- checking a submission ----------------------------------------------------------------------------


def _file_info(upload: Upload) -> formschema.FileInfo:
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    return formschema.FileInfo(name=upload.name or "", size=upload.size or 0, head=head)


def check_materials(
    matter: MatterType, materials: Mapping[str, Sequence[Upload]], *, on_file: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every required material present (uploaded now, or already ``on_file`` from an earlier submission),
    in an accepted format (sniffed, not trusted) and size."""
    problems: list[Problem] = []
    for spec in matter.materials:
        code, name = str(spec["code"]), str(spec["name"])
        files = list(materials.get(code, []))
        if not files and code in on_file:
            continue
        accepted = [str(f).lower() for f in spec.get("formats", [])]
        standard = "、".join(
            part
            for part in (
                "/".join(a.upper() for a in accepted),
                _("%(n)s份") % {"n": spec["copies"]} if spec.get("copies") else "",
                _("%(who)s签字") % {"who": spec["signer"]} if spec.get("signer") else "",
            )
            if part
        )
        if not files:
            if spec.get("required", True):
                message = _("缺少材料“%(name)s”") % {"name": name}
                if standard:
                    message += _("（要求：%(s)s）") % {"s": standard}
                problems.append(Problem("material", code, name, message))
            continue
        limit = float(spec.get("max_mb", 20))
        for upload in files:
            info = _file_info(upload)
            extension = info.name.rsplit(".", 1)[-1].lower() if "." in info.name else ""
            sniffed = formschema.sniff(info.head)  # what the bytes are, not what the name claims
            if accepted and (extension not in accepted or formschema.EXTENSION_KINDS.get(extension) != sniffed):
                problems.append(
                    Problem(
                        "material",
                        code,
                        name,
                        _("材料“%(name)s”的文件《%(file)s》格式不符，应为 %(formats)s")
                        % {"name": name, "file": info.name, "formats": "/".join(a.upper() for a in accepted)},
                    )
                )
            if info.size > limit * 1024 * 1024:
                problems.append(
                    Problem(
                        "material",
                        code,
                        name,
                        _("材料“%(name)s”的文件《%(file)s》超过 %(mb)s MB")
                        % {"name": name, "file": info.name, "mb": f"{limit:g}"},
                    )
                )
    return problems


@dataclass(frozen=True)
class Checked:
    cleaned: dict[str, Any]
    problems: list[Problem]


def check_submission(
    *,
    actor: User,
    matter: MatterType,
    data: Mapping[str, Any],
    materials: Mapping[str, Sequence[Upload]],
    files: Mapping[str, Sequence[Upload]] | None = None,
    title: str = "",
    on_file: frozenset[str] = frozenset(),
) -> Checked:
    """Validate the form and the materials together and return every problem at once (一次性告知)."""
    problems: list[Problem] = []
    if not title.strip():
        problems.append(Problem("form", "title", _("标题"), _("请填写标题")))
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    file_infos = {name: [_file_info(u) for u in uploads] for name, uploads in (files or {}).items()}
    calendar = org.working_calendar()
    result = formschema.validate(
        schema,
        dict(data),
        files=file_infos,
        initiator=_initiator_attributes(actor),
        working_days=calendar.working_days_between,
        people_exist=_people_exist,
        departments_exist=_depts_exist,
    )
    labels = {f.name: f.label for f in schema.fields}
    for error in result.errors:
        problems.append(Problem("form", error.field, labels.get(error.field, error.field), error.message, error.row))
    problems.extend(check_materials(matter, materials, on_file=on_file))
    return Checked(cleaned=dict(result.cleaned), problems=problems)


def _initiator_attributes(actor: User) -> dict[str, Any]:
    staff = org.staff_of(actor)
    department = org.primary_department(actor)
    return {
        "id": actor.pk,
        "rank": staff.rank if staff else 0,
        "department": department.pk if department else None,
        "unit": staff.unit_id if staff else None,
    }


def _people_exist(ids: Sequence[int]) -> set[int]:
    return set(User.objects.filter(pk__in=list(ids), is_active=True).values_list("pk", flat=True))


def _depts_exist(ids: Sequence[int]) -> set[int]:
    return set(Department.objects.filter(pk__in=list(ids), is_active=True).values_list("pk", flat=True))


def engine_form(matter: MatterType, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """The form as the flow's conditions read it. Cleaned money is a string ("6000.00", exact for display);
    CEL compares numbers only with numbers, so money (and money column sums) become doubles here."""
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    form = dict(cleaned)
    for spec in schema.fields:
        if spec.name in form:
            form[spec.name] = formschema.to_cel(spec, form[spec.name])
        if spec.type == "table":
            for column_name in spec.sum:
                key = f"{spec.name}_sum_{column_name}"
                if form.get(key) is not None and spec.column(column_name).value_kind == "money":
                    form[key] = float(Decimal(str(form[key])))
    form["_matter"] = matter.code
    return form


def _summary(problems: list[Problem]) -> str:
    lines = "；".join(p.message for p in problems)
    return _("提交前请补正以下 %(n)d 项：%(lines)s。") % {"n": len(problems), "lines": lines}


# --- submitting ---------------------------------------------------------------------------------------


def _store(
    upload: Upload, *, actor: User, material: str = "", request: Request | None = None, draft: Draft | None = None
) -> Attachment:
    upload.seek(0)
    content = bytes(upload.read())
    name = upload.name or "file"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    known = formschema.sniff(content[:64]) is not None  # stored files keep the type their bytes prove
    attachment = Attachment(
        request=request,
        draft=draft,
        material=material,
        name=name[:200],
        size=len(content),
        content_type=formschema.CONTENT_TYPES.get(extension, "application/octet-stream")
        if known
        else "application/octet-stream",
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def matter_submit(
    *,
    actor: User,
    matter: MatterType,
    title: str,
    data: Mapping[str, Any],
    urgency: str = "平急",
    materials: Mapping[str, Sequence[Upload]] | None = None,
    files: Mapping[str, Sequence[Upload]] | None = None,
    chosen: Mapping[str, Sequence[int]] | None = None,
    draft: Draft | None = None,
    now: datetime | None = None,
) -> Request:
    """Submit a matter. Everything missing or wrong — form fields and materials — is reported in one
    ApplicationError (``errors`` lists each item); nothing is saved unless all is in order."""
    if not may_start(actor, matter):
        raise PermissionDeniedError(_("您不能发起“%(m)s”。") % {"m": matter.name})
    if urgency not in URGENCIES:
        raise ApplicationError(_("紧急程度只能是平急、加急或特急。"))
    checked = check_submission(
        actor=actor, matter=matter, data=data, materials=materials or {}, files=files, title=title
    )
    if checked.problems:
        raise ApplicationError(_summary(checked.problems), errors=[p.as_dict() for p in checked.problems])
    form = engine_form(matter, checked.cleaned)
    with transaction.atomic(durable=True):
        instance = workflow.instance_start(
            actor=actor,
            definition_key=matter.definition_key,
            title=title,
            form=form,
            urgency=urgency,
            chosen=chosen,
            in_transaction=True,
            now=now,
        )
        moment = now or timezone.now()
        request = Request.objects.create(
            matter=matter,
            instance=instance,
            title=title.strip()[:200],
            number=number_next(prefix=matter.number_prefix, day=timezone.localdate(moment)),
            applicant=actor,
            created_at=moment,
        )
        for code, uploads in (materials or {}).items():
            for upload in uploads:
                _store(upload, actor=actor, material=code, request=request)
        for name, uploads in (files or {}).items():
            for upload in uploads:
                _store(upload, actor=actor, material=f"field:{name}", request=request)
        if draft is not None:
            Draft.objects.filter(pk=draft.pk, owner=actor).delete()
    return request


# --- drafts -------------------------------------------------------------------------------------------


def draft_save(
    *,
    actor: User,
    matter: MatterType,
    title: str,
    data: Mapping[str, Any],
    urgency: str = "",
    draft_id: int | None = None,
) -> Draft:
    """Save the form as it is (no validation: a draft may be incomplete)."""
    if draft_id is not None:
        draft = Draft.objects.filter(pk=draft_id, owner=actor).first()
        if draft is None:
            raise NotFoundError(_("草稿不存在。"))
    else:
        draft = Draft(matter=matter, owner=actor)
    draft.title, draft.data, draft.urgency = title.strip()[:200], dict(data), urgency
    draft.save()
    return draft


def draft_delete(*, actor: User, draft_id: int) -> None:
    deleted, _rows = Draft.objects.filter(pk=draft_id, owner=actor).delete()
    if not deleted:
        raise NotFoundError(_("草稿不存在。"))


def request_copy(*, actor: User, request_id: int) -> Draft:
    """Start a new draft from one of the person's earlier submissions."""
    request = Request.objects.select_related("matter", "instance").filter(pk=request_id, applicant=actor).first()
    if request is None:
        raise NotFoundError(_("申请不存在。"))
    data = {k: v for k, v in (request.instance.state.get("form") or {}).items() if not k.startswith("_")}
    return draft_save(
        actor=actor, matter=request.matter, title=request.title, data=data, urgency=request.instance.urgency
    )


# --- returning for materials --------------------------------------------------------------------------


def request_return_for_materials(
    *, actor: User, task_id: int, materials: Sequence[str], comment: str = "", now: datetime | None = None
) -> Request:
    """退回补正: send the request back to its applicant naming the missing materials, and count it."""
    task = Task.objects.select_related("instance").filter(pk=task_id).first()
    request = Request.objects.select_related("matter").filter(instance_id=task.instance_id).first() if task else None
    if task is None or request is None or actor.pk not in (task.assignee_id, task.on_behalf_of_id):
        raise NotFoundError(_("待办不存在。"))
    known = {str(m["code"]): str(m["name"]) for m in request.matter.materials}
    unknown = [m for m in materials if m not in known]
    if not materials or unknown:
        raise ApplicationError(_("请从材料清单中选择缺少或不合格的材料。"))
    names = "、".join(known[m] for m in materials)
    reason = _("材料不全或不合格：%(names)s。") % {"names": names} + (f" {comment.strip()}" if comment.strip() else "")
    with transaction.atomic(durable=True):
        workflow.task_return(actor=actor, task_id=task.pk, to="initiator", comment=reason, in_transaction=True, now=now)
        MaterialReturn.objects.create(
            matter=request.matter,
            request=request,
            materials=list(materials),
            returned_by=actor,
            at=now or timezone.now(),
        )
    return request


def request_resubmit(
    *,
    actor: User,
    request_id: int,
    data: Mapping[str, Any],
    materials: Mapping[str, Sequence[Upload]] | None = None,
    files: Mapping[str, Sequence[Upload]] | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> Request:
    """修改后重新提交: the applicant corrects a returned request — the form and any materials — and sends it
    again. Materials already on file count; new uploads replace them. Every problem is reported at once."""
    request = Request.objects.select_related("matter", "instance").filter(pk=request_id, applicant=actor).first()
    if request is None:
        raise NotFoundError(_("申请不存在。"))
    if request.instance.status != InstanceStatus.RETURNED:
        raise ApplicationError(_("只有已退回的申请可以修改后重新提交。"))
    on_file = frozenset(request.attachments.exclude(material__startswith="field:").values_list("material", flat=True))
    checked = check_submission(
        actor=actor,
        matter=request.matter,
        data=data,
        materials=materials or {},
        files=files,
        title=request.title,
        on_file=on_file,
    )
    if checked.problems:
        raise ApplicationError(_summary(checked.problems), errors=[p.as_dict() for p in checked.problems])
    with transaction.atomic(durable=True):
        workflow.instance_resubmit(
            actor=actor,
            instance_id=request.instance_id,
            form=engine_form(request.matter, checked.cleaned),
            comment=comment or _("已按要求修改"),
            now=now,
            in_transaction=True,
        )
        for code, uploads in (materials or {}).items():
            if uploads:
                request.attachments.filter(material=code).delete()
            for upload in uploads:
                _store(upload, actor=actor, material=code, request=request)
        for name, uploads in (files or {}).items():
            for upload in uploads:
                _store(upload, actor=actor, material=f"field:{name}", request=request)
    return request
