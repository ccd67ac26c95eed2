"""Reads for the instance page and its print view: the header, the form values labelled by the matter's
form (with the fields the acting node may write), the files sent with the request, the full timeline and the
path ahead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals import formrender, formschema
from sanfu.approvals.labels import URGENCY_LABELS
from sanfu.approvals.models import Attachment, Request
from sanfu.approvals.selectors.actions import HIDDEN, WRITE, acting_task, node_access, request_of, schema_of
from sanfu.approvals.selectors.inbox import URGENCY_CLASS
from sanfu.core.errors import NotFoundError
from sanfu.org.models import Department
from sanfu.workflow import selectors as workflow
from sanfu.workflow.engine import FlowError
from sanfu.workflow.engine.definition import NOTICE_KINDS, TASK_KINDS
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import Instance, InstanceStatus, Task
from sanfu.workflow.selectors import Step, definition_of
from sanfu.workflow.timeline import RECORD_EVENTS, timeline

FORM_DISPLAY = "approvals/partials/_form_display.html"
PEOPLE_NODES = TASK_KINDS | NOTICE_KINDS  # a node people act or are told at keeps even an id for a name

STATUS_BADGE: dict[str, str] = {
    InstanceStatus.RUNNING: "text-bg-primary",
    InstanceStatus.RETURNED: "text-bg-warning",
    InstanceStatus.APPROVED: "text-bg-success",
    InstanceStatus.REJECTED: "text-bg-danger",
    InstanceStatus.WITHDRAWN: "text-bg-secondary",
    InstanceStatus.CANCELLED: "text-bg-dark",
    InstanceStatus.DRAFT: "text-bg-light",
}


def value_text(value: Any) -> str:
    """A form value as one line of text (lists joined with 、, booleans as 是/否)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        return "、".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{value_text(v)}" for k, v in value.items())
    return str(value)


# Types a browser shows safely in the page; their bytes were checked against the type when stored.
PREVIEWS: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "image",
    "image/jpeg": "image",
    "image/gif": "image",
}
FIELD_FILES = "field:"  # Attachment.material of a file sent in a form field: "field:<field name>"


@dataclass(frozen=True)
class FileView:
    """One file sent with the request, as the instance page and the print view list it."""

    attachment: Attachment
    group: str  # the material's or the form field's label
    preview: str  # "pdf" | "image" | "" (download only)
    url: str  # download
    inline_url: str  # shown in the page (Content-Disposition: inline); "" when not previewable


def _hidden_materials(access: Mapping[str, str]) -> set[str]:
    """The files a node does not see: those of the form fields hidden from it."""
    return {f"{FIELD_FILES}{name}" for name, mode in access.items() if mode == HIDDEN}


def request_files(req: Request | None, access: Mapping[str, str] | None = None) -> list[FileView]:
    """The files sent with the request (materials first, in the matter's order, then form-field files),
    leaving out those of fields hidden from the viewer's node (``access`` as ``node_access`` gives it)."""
    if req is None:
        return []
    hidden = _hidden_materials(access or {})
    labels = {str(m.get("code")): str(m.get("name") or m.get("code")) for m in req.matter.materials or []}
    order = {code: i for i, code in enumerate(labels)}
    fields = {spec.name: spec.label or spec.name for spec in schema_of(req).fields}
    files: list[FileView] = []
    for attachment in req.attachments.all():
        if attachment.material in hidden:
            continue
        material = attachment.material
        if material.startswith(FIELD_FILES):
            name = material[len(FIELD_FILES) :]
            group = fields.get(name, name)
        else:
            group = labels.get(material, material or _("附件"))
        preview = PREVIEWS.get(attachment.content_type, "")
        url = reverse("approvals:instance_file", args=[req.instance_id, attachment.pk])
        files.append(FileView(attachment, group, preview, url, f"{url}?inline=1" if preview else ""))
    rank = len(order) + 1
    files.sort(key=lambda f: (order.get(f.attachment.material, rank), f.attachment.pk))
    return files


def access_request_file(*, actor: User, instance_id: int, attachment_id: int) -> Attachment:
    """A file of a request under the instance's own access rule: the instance must be the actor's to see and
    the file not hidden from the node they act at; otherwise NotFoundError (a 404, as for the instance)."""
    instance = workflow.access_instance(actor=actor, instance_id=instance_id)
    attachment = Attachment.objects.filter(pk=attachment_id, request__instance_id=instance.pk).first()
    if attachment is None:
        raise NotFoundError(_("文件不存在。"))
    req = request_of(instance)
    if req is not None:
        access = node_access(instance, acting_task(actor, instance), schema_of(req))
        if attachment.material in _hidden_materials(access):
            raise NotFoundError(_("文件不存在。"))
    return attachment


def _with_stored_files(fields: list[formrender.FieldView], files: list[FileView]) -> None:
    """Attachment fields list the stored files with their download links (the form keeps names only)."""
    for view in fields:
        if view.type == "attachment":
            mine = [f for f in files if f.attachment.material == f"{FIELD_FILES}{view.name}"]
            if mine:
                view.files = [{"name": f.attachment.name, "url": f.url} for f in mine]
                view.display = "、".join(f.attachment.name for f in mine)


def _form_display_exists() -> bool:
    try:
        get_template(FORM_DISPLAY)
    except TemplateDoesNotExist:
        return False
    return True


def _referenced_ids(schema: formschema.FormSchema, data: Mapping[str, Any], kind: str) -> list[int]:
    ids: list[int] = []
    for spec in schema.fields:
        if spec.type != kind:
            continue
        value = data.get(spec.name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int):
                ids.append(item)
    return ids


def _money_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"{Decimal(str(value)):.2f}"


def editable_values(schema: formschema.FormSchema, form: Mapping[str, Any]) -> dict[str, Any]:
    """The flow's copy of a form (money as doubles, for its conditions) as the form itself holds values: money
    as the exact text the form shows ("6000.00", not "6000.0"), in fields and in table cells. For a form
    filled in again: an approver's writable fields here, a returned request's resubmit form."""
    values = dict(form)
    for spec in schema.fields:
        value = values.get(spec.name)
        if spec.value_kind == "money":
            values[spec.name] = _money_text(value)
        elif spec.type == "table" and isinstance(value, list):
            money = [c.name for c in spec.columns if c.value_kind == "money"]
            values[spec.name] = [
                {**row, **{name: _money_text(row.get(name)) for name in money if name in row}}
                if isinstance(row, Mapping)
                else row
                for row in value
            ]
    return values


def form_fields(
    req: Request | None, data: Mapping[str, Any], access: Mapping[str, str] | None = None
) -> list[formrender.FieldView]:
    """The submitted values as view-models labelled by the matter's form; fields this node may edit are inputs,
    hidden ones are left out."""
    if req is None:
        return []
    schema = schema_of(req)
    data = editable_values(schema, data)
    modes = dict(access) if access is not None else dict.fromkeys(schema.names, "read")
    people = list(User.objects.filter(pk__in=_referenced_ids(schema, data, "person")).values_list("pk", "full_name"))
    departments = list(
        Department.objects.filter(pk__in=_referenced_ids(schema, data, "department")).values_list("pk", "name")
    )
    if any(mode == WRITE for mode in modes.values()):  # an editable person/department needs every choice
        people = list(User.objects.filter(is_active=True, staff__isnull=False).values_list("pk", "full_name")[:2000])
        departments = list(Department.objects.filter(is_active=True).values_list("pk", "name")[:2000])
    return formrender.render_context(schema, data, None, modes, people_choices=people, department_choices=departments)


@dataclass(frozen=True)
class AheadPerson:
    """Someone the path ahead names, and who will hold the task there: their delegate while a delegation
    (委托代理) is active, as the flow routes a new task, else themselves."""

    person: User
    acting: User

    @property
    def pk(self) -> int:
        return int(self.acting.pk)

    @property
    def display_name(self) -> str:
        if self.acting.pk == self.person.pk:
            return str(self.person.display_name)
        return f"{self.acting.display_name}{_('（代 %(p)s）') % {'p': self.person.display_name}}"


@dataclass(frozen=True)
class AheadStep:
    node: str
    name: str
    kind: str
    people: list[AheadPerson]


def acting_people(people: list[User], *, matter: str) -> list[AheadPerson]:
    """``people`` with whoever acts for each of them now, asked as the flow asks when it opens a task
    (``OrgFacts.delegate_of``: a chain of delegations followed, one limited to some matters honoured)."""
    facts = OrgFacts(now=timezone.now())
    delegates = {p.pk: facts.delegate_of(p.pk, matter) for p in people}
    wanted = {d for d in delegates.values() if d is not None}
    found = {u.pk: u for u in User.objects.filter(pk__in=wanted)} if wanted else {}
    return [AheadPerson(p, found.get(delegates[p.pk] or 0, p)) for p in people]


def with_delegates(steps: list[Step], *, matter: str) -> list[AheadStep]:
    """The path ahead naming who will act at each step: 李四（代 张三） for a principal away on delegation."""
    everyone = list({p.pk: p for step in steps for p in step.people}.values())
    acting = {a.person.pk: a for a in acting_people(everyone, matter=matter)}
    return [AheadStep(s.node, s.name, s.kind, [acting[p.pk] for p in s.people]) for s in steps]


def page_context(instance: Instance, acting: Task | None = None) -> dict[str, Any]:
    """Everything the instance page and the print view show. ``acting``: the viewer's open to-do, whose node
    decides which fields they fill in (``writable_fields``) and which they do not see."""
    definition = definition_of(instance)
    node_names = {
        node_id: node.name
        for node_id, node in definition.nodes.items()
        # the engine's own start and end, and unnamed gateways, are no step a person knows by name
        if node.kind not in {"start", "end"} and (node.name != node_id or node.kind in PEOPLE_NODES)
    }
    events = workflow.history_of(instance)
    req = request_of(instance)
    state = instance.state or {}
    form = state.get("form", {})
    try:
        ahead = with_delegates(workflow.path_ahead_of(instance), matter=str(state.get("matter") or ""))
    except FlowError:
        ahead = []  # a prediction the engine cannot make leaves the path ahead blank, not the page
    entries = timeline(events, node_names)
    access = node_access(instance, acting, schema_of(req)) if acting is not None and req is not None else None
    files = request_files(req, access)
    context: dict[str, Any] = {
        "instance": instance,
        "req": req,
        "matter_name": req.matter.name if req else instance.definition.name,
        "form_data": form,
        "form_pairs": [(str(k), value_text(v)) for k, v in form.items()],
        "form_schema": req.matter.form_schema if req else {},
        "has_form_display": bool(req) and _form_display_exists(),
        "form_fields": form_fields(req, form),
        "files": files,
        "timeline": entries,
        "record": [e for e in entries if e.event.type in RECORD_EVENTS],
        "ahead": ahead,
        "urgency_class": URGENCY_CLASS.get(instance.urgency, ""),
        "urgency_label": str(URGENCY_LABELS.get(instance.urgency, instance.urgency)),
        "status_badge": STATUS_BADGE.get(instance.status, "text-bg-secondary"),
        "now": timezone.now(),
    }
    if access is not None:
        fields = form_fields(req, form, access)
        context["form_fields"] = [f for f in fields if f.mode != WRITE]
        context["writable_fields"] = [f for f in fields if f.mode == WRITE]  # edited in the approval form
        context["shown_fields"] = fields  # the print view: every field this node sees, in the form's order
    else:
        context["shown_fields"] = context["form_fields"]
    _with_stored_files(context["shown_fields"], files)
    return context
