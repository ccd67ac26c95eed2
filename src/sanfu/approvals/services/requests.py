"""审批中心 writes: submitting a matter (with one-time notification: every missing or wrong item reported at
once), numbering, drafts, copying a previous submission, and returning a request for its materials."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals import formschema
from sanfu.approvals.models import (
    Attachment,
    Draft,
    MaterialReturn,
    MatterType,
    NumberSequence,
    Request,
    SubmissionToken,
)
from sanfu.approvals.selectors.catalogue import FIELD_FILES, KeptFiles, kept_files, may_start, submitted_with
from sanfu.approvals.services.checking import (
    Upload,
    check_submission,
    engine_form,
    file_info,
    material_upload_problems,
    submission_summary,
)
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus, Task

URGENCIES = ("平急", "加急", "特急")
KEPT_UPLOADS_FOR = timedelta(days=1)  # files kept from a failed submission and never used go after this


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


# --- submitting ---------------------------------------------------------------------------------------


def _store(
    upload: Upload,
    *,
    actor: User,
    material: str = "",
    request: Request | None = None,
    draft: Draft | None = None,
    upload_set: str = "",
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
        upload_set=upload_set,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def _store_good(
    *,
    actor: User,
    matter: MatterType,
    materials: Mapping[str, Sequence[Upload]],
    files: Mapping[str, Sequence[Upload]],
    draft: Draft | None = None,
    upload_set: str = "",
) -> list[str]:
    """Keep the uploads that pass their own checks (format, size, content) on ``draft`` or under the form's
    ``upload_set`` token, so the person never picks them again; return why the others were refused."""
    specs = {str(m["code"]): m for m in matter.materials}
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    fields = {f.name: f for f in schema.fields if f.type == "attachment"}
    refused: list[str] = []
    for code, uploads in materials.items():
        spec = specs.get(code)
        if spec is None:
            continue
        for upload in uploads:
            problems = material_upload_problems(spec, upload)
            if problems:
                refused.extend(p.message for p in problems)
            else:
                _store(upload, actor=actor, material=code, draft=draft, upload_set=upload_set)
    for name, uploads in files.items():
        field_spec = fields.get(name)
        if field_spec is None or not uploads:
            continue
        # a single-file field keeps the latest file
        for upload in uploads if field_spec.multiple else list(uploads)[-1:]:
            problem = formschema.file_problem(field_spec, file_info(upload))
            if problem:
                refused.append(problem)
                continue
            if not field_spec.multiple and draft is not None:
                Attachment.objects.filter(draft=draft, request__isnull=True, material=f"{FIELD_FILES}{name}").delete()
            _store(upload, actor=actor, material=f"{FIELD_FILES}{name}", draft=draft, upload_set=upload_set)
    return refused


def _keep_after_failure(
    *,
    actor: User,
    matter: MatterType,
    upload_set: str,
    materials: Mapping[str, Sequence[Upload]],
    files: Mapping[str, Sequence[Upload]],
) -> None:
    """A submission was refused: keep its good files under the form's token (committed although the
    submission is not), and drop this person's kept files that were never used."""
    if not upload_set:
        return
    with transaction.atomic():
        Attachment.objects.filter(
            uploaded_by=actor,
            request__isnull=True,
            draft__isnull=True,
            uploaded_at__lt=timezone.now() - KEPT_UPLOADS_FOR,
        ).exclude(upload_set="").delete()
        _store_good(actor=actor, matter=matter, materials=materials, files=files, upload_set=upload_set)


def _kept_for_submission(
    actor: User,
    matter: MatterType,
    *,
    draft: Draft | None,
    upload_set: str,
    removed: Sequence[int],
    files: Mapping[str, Sequence[Upload]],
) -> tuple[KeptFiles, list[int], dict[str, list[dict[str, Any]]]]:
    """The files already held for this form, the ids to move to the request, and the attachment fields'
    kept values; a single-file field given a new file drops its kept one."""
    kept = kept_files(actor, matter, draft=draft, upload_set=upload_set, removed=removed)
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    replaced = {f.name for f in schema.fields if f.type == "attachment" and not f.multiple and files.get(f.name)}
    ids = [
        a.pk
        for a in kept.all
        if not (a.material.startswith(FIELD_FILES) and a.material[len(FIELD_FILES) :] in replaced)
    ]
    values = {name: v for name, v in kept.field_values().items() if name not in replaced}
    return kept, ids, values


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
    form_token: str = "",
    removed: Sequence[int] = (),
    now: datetime | None = None,
) -> Request:
    """Submit a matter. Everything missing or wrong — form fields and materials — is reported in one
    ApplicationError (``errors`` lists each item); the request is created only when all is in order.

    Files already held for the form count as attached: the draft's and those kept under ``form_token`` from
    an earlier refused try (less the ids in ``removed``). When the submission is refused, the new files that
    passed their own checks are kept under ``form_token``, so the person re-picks only the rejected ones."""
    done = submitted_with(actor, form_token)
    if done is not None:  # the same form posted again (a double click, a retry): it applied once already
        return done
    if not may_start(actor, matter):
        raise PermissionDeniedError(_("您不能发起“%(m)s”。") % {"m": matter.name})
    if urgency not in URGENCIES:
        raise ApplicationError(_("紧急程度只能是平急、加急或特急。"))
    if draft is not None and draft.owner_id != actor.pk:
        raise NotFoundError(_("草稿不存在。"))
    materials, files = materials or {}, files or {}
    kept, kept_ids, kept_fields = _kept_for_submission(
        actor, matter, draft=draft, upload_set=form_token, removed=removed, files=files
    )
    checked = check_submission(
        actor=actor,
        matter=matter,
        data=data,
        materials=materials,
        files=files,
        title=title,
        on_file=frozenset(kept.materials),
        kept_fields=kept_fields,
    )
    if checked.problems:
        _keep_after_failure(actor=actor, matter=matter, upload_set=form_token, materials=materials, files=files)
        raise ApplicationError(submission_summary(checked.problems), errors=[p.as_dict() for p in checked.problems])
    form = engine_form(matter, checked.cleaned)
    try:
        return _start_request(
            actor=actor,
            matter=matter,
            title=title,
            form=form,
            urgency=urgency,
            chosen=chosen,
            materials=materials,
            files=files,
            kept_ids=kept_ids,
            draft=draft,
            form_token=form_token,
            now=now,
        )
    except IntegrityError:
        done = submitted_with(actor, form_token)
        if done is None:
            raise
        return done  # a post of the same form at the same moment won the claim: show its request


def _start_request(
    *,
    actor: User,
    matter: MatterType,
    title: str,
    form: dict[str, Any],
    urgency: str,
    chosen: Mapping[str, Sequence[int]] | None,
    materials: Mapping[str, Sequence[Upload]],
    files: Mapping[str, Sequence[Upload]],
    kept_ids: Sequence[int],
    draft: Draft | None,
    form_token: str,
    now: datetime | None,
) -> Request:
    with transaction.atomic(durable=True):
        # First the form's claim: a second post of the same form waits here and then fails on the constraint.
        claim = SubmissionToken.objects.create(user=actor, token=form_token) if form_token else None
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
        Attachment.objects.filter(pk__in=kept_ids).update(request=request, draft=None, upload_set="")
        for code, uploads in materials.items():
            for upload in uploads:
                _store(upload, actor=actor, material=code, request=request)
        for name, uploads in files.items():
            for upload in uploads:
                _store(upload, actor=actor, material=f"{FIELD_FILES}{name}", request=request)
        _drop_unused(actor=actor, draft=draft, upload_set=form_token)
        if draft is not None:
            Draft.objects.filter(pk=draft.pk, owner=actor).delete()
        if claim is not None:
            SubmissionToken.objects.filter(pk=claim.pk).update(request=request)
    return request


def _drop_unused(*, actor: User, draft: Draft | None, upload_set: str) -> None:
    """Files held for a form that was just submitted and not carried into it (removed or replaced)."""
    unused = Q(pk__in=[])
    if draft is not None:
        unused |= Q(draft=draft)
    if upload_set:
        unused |= Q(uploaded_by=actor, upload_set=upload_set, draft__isnull=True)
    Attachment.objects.filter(unused, request__isnull=True).delete()


# --- drafts -------------------------------------------------------------------------------------------


def draft_save(
    *,
    actor: User,
    matter: MatterType,
    title: str,
    data: Mapping[str, Any],
    urgency: str = "",
    draft_id: int | None = None,
    materials: Mapping[str, Sequence[Upload]] | None = None,
    files: Mapping[str, Sequence[Upload]] | None = None,
    removed: Sequence[int] = (),
    form_token: str = "",
) -> Draft:
    """Save the form as it is (no validation: a draft may be incomplete) with its files: the new uploads
    that pass their own checks, the files kept under ``form_token`` from a refused submission, less the ids
    in ``removed``. ``rejected_files`` on the returned draft says why any upload was not kept."""
    write = functools.partial(
        _draft_write,
        actor=actor,
        matter=matter,
        title=title,
        data=data,
        urgency=urgency,
        draft_id=draft_id,
        materials=materials or {},
        files=files or {},
        removed=removed,
        form_token=form_token,
    )
    try:
        return write()
    except IntegrityError:
        if not form_token or draft_id is not None:
            raise
        return write()  # the other post of this form made the draft a moment ago: save onto it


def _draft_write(
    *,
    actor: User,
    matter: MatterType,
    title: str,
    data: Mapping[str, Any],
    urgency: str,
    draft_id: int | None,
    materials: Mapping[str, Sequence[Upload]],
    files: Mapping[str, Sequence[Upload]],
    removed: Sequence[int],
    form_token: str,
) -> Draft:
    with transaction.atomic():
        if draft_id is not None:
            draft = Draft.objects.filter(pk=draft_id, owner=actor).first()
            if draft is None:
                raise NotFoundError(_("草稿不存在。"))
        elif form_token and (same := Draft.objects.filter(owner=actor, form_token=form_token).first()):
            draft = same  # this form was saved already (a double click, a retry): save onto that draft
        else:
            draft = Draft(matter=matter, owner=actor, form_token=form_token)
        draft.title, draft.data, draft.urgency = title.strip()[:200], dict(data), urgency
        draft.save()
        held = Q(draft=draft)
        if form_token:
            held |= Q(uploaded_by=actor, upload_set=form_token, draft__isnull=True)
        Attachment.objects.filter(held, request__isnull=True, pk__in=list(removed)).delete()
        if form_token:
            Attachment.objects.filter(
                uploaded_by=actor, upload_set=form_token, draft__isnull=True, request__isnull=True
            ).update(draft=draft, upload_set="")
        refused = _store_good(actor=actor, matter=matter, materials=materials, files=files, draft=draft)
    draft.rejected_files = refused  # type: ignore[attr-defined]
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
    form_token: str = "",
    removed: Sequence[int] = (),
    now: datetime | None = None,
) -> Request:
    """修改后重新提交: the applicant corrects a returned request — the form and any materials — and sends it
    again. Materials already on file count; new uploads (and files kept under ``form_token`` from a refused
    try) replace them. Every problem is reported at once; the good files of a refused try are kept."""
    request = Request.objects.select_related("matter", "instance").filter(pk=request_id, applicant=actor).first()
    if request is None:
        raise NotFoundError(_("申请不存在。"))
    done = submitted_with(actor, form_token)
    if done is not None and done.pk == request.pk:  # the same form posted again: it applied once already
        return done
    if request.instance.status != InstanceStatus.RETURNED:
        raise ApplicationError(_("只有已退回的申请可以修改后重新提交。"))
    materials, files = materials or {}, files or {}
    kept, kept_ids, kept_fields = _kept_for_submission(
        actor, request.matter, draft=None, upload_set=form_token, removed=removed, files=files
    )
    on_file = frozenset(
        request.attachments.exclude(material__startswith=FIELD_FILES).values_list("material", flat=True)
    ) | frozenset(kept.materials)
    checked = check_submission(
        actor=actor,
        matter=request.matter,
        data=data,
        materials=materials,
        files=files,
        title=request.title,
        on_file=on_file,
        kept_fields=kept_fields,
    )
    if checked.problems:
        _keep_after_failure(actor=actor, matter=request.matter, upload_set=form_token, materials=materials, files=files)
        raise ApplicationError(submission_summary(checked.problems), errors=[p.as_dict() for p in checked.problems])
    try:
        _resubmit(
            actor=actor,
            request=request,
            cleaned=checked.cleaned,
            comment=comment,
            materials=materials,
            files=files,
            kept_materials=list(kept.materials),
            kept_ids=kept_ids,
            form_token=form_token,
            now=now,
        )
    except IntegrityError:
        done = submitted_with(actor, form_token)
        if done is None or done.pk != request.pk:
            raise
    return request


def _resubmit(
    *,
    actor: User,
    request: Request,
    cleaned: Mapping[str, Any],
    comment: str,
    materials: Mapping[str, Sequence[Upload]],
    files: Mapping[str, Sequence[Upload]],
    kept_materials: Sequence[str],
    kept_ids: Sequence[int],
    form_token: str,
    now: datetime | None,
) -> None:
    with transaction.atomic(durable=True):
        if form_token:  # claimed first: a second post of the same form waits here, then fails on the constraint
            SubmissionToken.objects.create(user=actor, token=form_token, request=request)
        workflow.instance_resubmit(
            actor=actor,
            instance_id=request.instance_id,
            form=engine_form(request.matter, cleaned),
            comment=comment or _("已按要求修改"),
            now=now,
            in_transaction=True,
        )
        for code in {c for c, uploads in materials.items() if uploads} | set(kept_materials):
            request.attachments.filter(material=code).delete()  # replaced by the new files
        Attachment.objects.filter(pk__in=kept_ids).update(request=request, draft=None, upload_set="")
        for code, uploads in materials.items():
            for upload in uploads:
                _store(upload, actor=actor, material=code, request=request)
        for name, uploads in files.items():
            for upload in uploads:
                _store(upload, actor=actor, material=f"{FIELD_FILES}{name}", request=request)
        _drop_unused(actor=actor, draft=None, upload_set=form_token)
