"""Reads for the instance page and its print view: the header, the form values labelled by the matter's
form (with the fields the acting node may write), the full timeline and the path ahead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals import formrender, formschema
from sanfu.approvals.models import Request
from sanfu.approvals.selectors.actions import WRITE, node_access, request_of, schema_of
from sanfu.approvals.selectors.inbox import URGENCY_CLASS, URGENCY_LABELS
from sanfu.org.models import Department
from sanfu.workflow import selectors as workflow
from sanfu.workflow.engine import FlowError
from sanfu.workflow.models import Instance, InstanceStatus, Task
from sanfu.workflow.selectors import definition_of
from sanfu.workflow.timeline import RECORD_EVENTS, timeline

FORM_DISPLAY = "approvals/partials/_form_display.html"

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


def form_fields(
    req: Request | None, data: Mapping[str, Any], access: Mapping[str, str] | None = None
) -> list[formrender.FieldView]:
    """The submitted values as view-models labelled by the matter's form; fields this node may edit are inputs,
    hidden ones are left out."""
    if req is None:
        return []
    schema = schema_of(req)
    modes = dict(access) if access is not None else dict.fromkeys(schema.names, "read")
    people = list(User.objects.filter(pk__in=_referenced_ids(schema, data, "person")).values_list("pk", "full_name"))
    departments = list(
        Department.objects.filter(pk__in=_referenced_ids(schema, data, "department")).values_list("pk", "name")
    )
    if any(mode == WRITE for mode in modes.values()):  # an editable person/department needs every choice
        people = list(User.objects.filter(is_active=True, staff__isnull=False).values_list("pk", "full_name")[:2000])
        departments = list(Department.objects.filter(is_active=True).values_list("pk", "name")[:2000])
    return formrender.render_context(schema, data, None, modes, people_choices=people, department_choices=departments)


def page_context(instance: Instance, acting: Task | None = None) -> dict[str, Any]:
    """Everything the instance page and the print view show. ``acting``: the viewer's open to-do, whose node
    decides which fields they fill in (``writable_fields``) and which they do not see."""
    definition = definition_of(instance)
    node_names = {node_id: node.name for node_id, node in definition.nodes.items()}
    events = workflow.history_of(instance)
    req = request_of(instance)
    state = instance.state or {}
    form = state.get("form", {})
    try:
        ahead = workflow.path_ahead_of(instance)
    except FlowError:
        ahead = []  # a prediction the engine cannot make leaves the path ahead blank, not the page
    entries = timeline(events, node_names)
    context: dict[str, Any] = {
        "instance": instance,
        "req": req,
        "matter_name": req.matter.name if req else instance.definition.name,
        "form_data": form,
        "form_pairs": [(str(k), value_text(v)) for k, v in form.items()],
        "form_schema": req.matter.form_schema if req else {},
        "has_form_display": bool(req) and _form_display_exists(),
        "form_fields": form_fields(req, form),
        "timeline": entries,
        "record": [e for e in entries if e.event.type in RECORD_EVENTS],
        "ahead": ahead,
        "urgency_class": URGENCY_CLASS.get(instance.urgency, ""),
        "urgency_label": str(URGENCY_LABELS.get(instance.urgency, instance.urgency)),
        "status_badge": STATUS_BADGE.get(instance.status, "text-bg-secondary"),
        "now": timezone.now(),
    }
    if acting is not None and req is not None:
        fields = form_fields(req, form, node_access(instance, acting, schema_of(req)))
        context["form_fields"] = [f for f in fields if f.mode != WRITE]
        context["writable_fields"] = [f for f in fields if f.mode == WRITE]  # edited in the approval form
    return context
