"""The instance page of the 审批中心: header, form values, the full timeline, the path ahead, and the actions
this viewer may take (each a POST to its own URL), plus a print view that reads like the paper form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.accounts.selectors import has_perm
from sanfu.approvals import formrender, formschema
from sanfu.approvals import services as approvals_services
from sanfu.approvals.models import Request
from sanfu.approvals.selectors import URGENCY_CLASS, URGENCY_LABELS
from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError
from sanfu.org.models import Department
from sanfu.workflow import repository, selectors, services
from sanfu.workflow.models import Instance, Task
from sanfu.workflow.timeline import RECORD_EVENTS, timeline

TODO_KINDS = ("approval", "handle")
NOTICE_KINDS = ("cc", "filing")
FORM_DISPLAY = "approvals/partials/_form_display.html"

STATUS_BADGE = {
    "running": "text-bg-primary",
    "returned": "text-bg-warning",
    "approved": "text-bg-success",
    "rejected": "text-bg-danger",
    "withdrawn": "text-bg-secondary",
    "cancelled": "text-bg-dark",
    "draft": "text-bg-light",
}
POSITIONS = [
    ("before", gettext_lazy("前加签（先由加签人审批，再回到我）")),
    ("after", gettext_lazy("后加签（我同意后再由加签人审批）")),
    ("alongside", gettext_lazy("并加签（与我同时审批）")),
]
MODES = [
    ("sequential", gettext_lazy("依次")),
    ("all", gettext_lazy("会签（全部同意）")),
    ("any", gettext_lazy("或签（一人同意即可）")),
]


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


def _access(request: AuthedHttpRequest, instance_id: int) -> Instance:
    try:
        return selectors.access_instance(actor=request.user, instance_id=instance_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _request_of(instance: Instance) -> Request | None:
    return Request.objects.filter(instance=instance).select_related("matter").first()


def _my_tasks(instance: Instance, user: User) -> list[Task]:
    return list(
        Task.objects.filter(instance=instance).filter(assignee=user).select_related("on_behalf_of").order_by("task_no")
    ) + list(
        Task.objects.filter(instance=instance, on_behalf_of=user).exclude(assignee=user).select_related("assignee")
    )


def _open_task(
    instance: Instance, user: User, posted: str | None = None, statuses: tuple[str, ...] = ("open",)
) -> Task:
    tasks = [t for t in _my_tasks(instance, user) if t.status in statuses and t.kind in TODO_KINDS]
    if posted and posted.isdigit():
        tasks = [t for t in tasks if t.pk == int(posted)]
    if not tasks:
        raise ApplicationError(_("您在该流程中没有待处理的事项。"))
    return tasks[0]


def _people(ids: list[str]) -> list[User]:
    wanted = [int(i) for i in ids if i.isdigit()]
    return list(User.objects.filter(pk__in=wanted, is_active=True))


def _candidates(exclude: User) -> list[User]:
    return list(User.objects.filter(is_active=True).exclude(pk=exclude.pk).order_by("full_name", "username")[:500])


def _viewer_actions(instance: Instance, user: User, my_tasks: list[Task]) -> dict[str, Any]:
    """Which actions this viewer may take now, with what each needs (targets, people)."""
    state = instance.state or {}
    definition = repository.definition_of(instance)
    running = instance.status == "running"
    open_task = next((t for t in my_tasks if t.status == "open" and t.kind in TODO_KINDS), None)
    actions: dict[str, Any] = {"task": open_task}
    if open_task is not None and running:
        actions["approve"] = True
        actions["handle"] = open_task.kind == "handle"
        actions["reject"] = open_task.kind == "approval"
        trail = [n for n in state.get("trail", []) if n != open_task.node and n in definition.nodes]
        targets = [("initiator", _("发起人")), ("previous", _("上一节点"))]
        seen: set[str] = set()
        for node_id in trail:
            node = definition.nodes[node_id]
            if node_id in seen or not node.is_task_node:
                continue
            seen.add(node_id)
            targets.append((node_id, node.name or node_id))
        actions["return_targets"] = targets
        actions["transfer"] = True
        actions["add_signers"] = True
    live_task = next((t for t in my_tasks if t.status in {"open", "waiting"} and t.kind in TODO_KINDS), None)
    if live_task is not None and running:
        added = [
            t
            for t in state.get("tasks", [])
            if t.get("parent") == live_task.task_no and t.get("status") in {"open", "waiting"}
        ]
        if added:
            actions["live_task"] = live_task
            actions["removable"] = list(User.objects.filter(pk__in=[t["assignee"] for t in added]))
    actions.update(_other_actions(instance, user, open_task))
    if open_task is not None:
        actions["people"] = _candidates(user)
    return actions


def _other_actions(instance: Instance, user: User, open_task: Task | None) -> dict[str, Any]:
    """The initiator's, any participant's and the process administrator's actions."""
    state = instance.state or {}
    running = instance.status == "running"
    actions: dict[str, Any] = {}
    undo = state.get("undo")
    if running and undo and undo.get("actor") == user.pk and open_task is None:
        actions["undo_approval"] = True
    if instance.initiator_id == user.pk:
        if instance.status == "returned" or (running and not state.get("acted")):
            actions["withdraw"] = True
        if running:
            actions["urge"] = True
        if instance.status == "returned":
            actions["resubmit"] = True
    if instance.status not in {"draft"}:
        actions["comment"] = True
    if instance.status in {"running", "returned"} and has_perm(user, Perm.MANAGE_PROCESSES):
        actions["cancel"] = True
    return actions


def _form_display_exists() -> bool:
    try:
        get_template(FORM_DISPLAY)
    except TemplateDoesNotExist:
        return False
    return True


def node_access(instance: Instance, task: Task | None, schema: formschema.FormSchema) -> dict[str, str]:
    """Per-node field permissions (read / write / hidden) for the person acting at ``task``'s node; every
    other viewer reads everything. Fields the node does not mention are read-only."""
    access = dict.fromkeys(schema.names, "read")
    if task is not None:
        node = repository.definition_of(instance).nodes.get(task.node)
        if node is not None:
            access.update({name: mode for name, mode in node.fields.items() if name in access})
    return access


def _form_fields(
    req: Request | None, data: Mapping[str, Any], access: Mapping[str, str] | None = None
) -> list[formrender.FieldView]:
    """The submitted values as view-models labelled by the matter's form; fields this node may edit are inputs,
    hidden ones are left out."""
    if req is None:
        return []
    schema = formschema.parse_schema(req.matter.form_schema or {"fields": []})
    read_only = dict(access) if access is not None else dict.fromkeys(schema.names, "read")
    people = list(User.objects.filter(pk__in=_referenced_ids(schema, data, "person")).values_list("pk", "full_name"))
    departments = list(
        Department.objects.filter(pk__in=_referenced_ids(schema, data, "department")).values_list("pk", "name")
    )
    if any(mode == "write" for mode in read_only.values()):  # an editable person/department needs every choice
        people = list(User.objects.filter(is_active=True, staff__isnull=False).values_list("pk", "full_name")[:2000])
        departments = list(Department.objects.filter(is_active=True).values_list("pk", "name")[:2000])
    return formrender.render_context(
        schema, data, None, read_only, people_choices=people, department_choices=departments
    )


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


def _page_context(instance: Instance, user: User) -> dict[str, Any]:
    definition = repository.definition_of(instance)
    node_names = {node_id: node.name for node_id, node in definition.nodes.items()}
    events = selectors.history_of(instance)
    req = _request_of(instance)
    state = instance.state or {}
    try:
        ahead = selectors.path_ahead_of(instance)
    except Exception:
        ahead = []
    return {
        "instance": instance,
        "req": req,
        "matter_name": req.matter.name if req else instance.definition.name,
        "form_data": state.get("form", {}),
        "form_pairs": [(str(k), value_text(v)) for k, v in state.get("form", {}).items()],
        "form_schema": req.matter.form_schema if req else {},
        "has_form_display": bool(req) and _form_display_exists(),
        "form_fields": _form_fields(req, state.get("form", {})),
        "timeline": timeline(events, node_names),
        "record": [e for e in timeline(events, node_names) if e.event.type in RECORD_EVENTS],
        "ahead": ahead,
        "urgency_class": URGENCY_CLASS.get(instance.urgency, ""),
        "urgency_label": str(URGENCY_LABELS.get(instance.urgency, instance.urgency)),
        "status_badge": STATUS_BADGE.get(instance.status, "text-bg-secondary"),
        "now": timezone.now(),
    }


@require_GET
def instance_page(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    instance = _access(request, instance_id)
    my_tasks = _my_tasks(instance, request.user)
    unread = [
        t for t in my_tasks if t.kind in NOTICE_KINDS and t.status == "unread" and t.assignee_id == request.user.pk
    ]
    if unread:
        for task in unread:
            try:
                services.task_mark_read(actor=request.user, task_id=task.pk)
            except ApplicationError:
                continue  # read meanwhile, or the instance moved on: nothing to mark
        instance = _access(request, instance_id)
        my_tasks = _my_tasks(instance, request.user)
    context = _page_context(instance, request.user)
    acting = next((t for t in my_tasks if t.status == "open" and t.kind in TODO_KINDS), None)
    req = context["req"]
    if acting is not None and req is not None:
        schema = formschema.parse_schema(req.matter.form_schema or {"fields": []})
        access = node_access(instance, acting, schema)
        fields = _form_fields(req, instance.state.get("form", {}), access)
        context["form_fields"] = [f for f in fields if f.mode != "write"]
        context["writable_fields"] = [f for f in fields if f.mode == "write"]  # edited in the approval form
    context.update(
        {
            "my_tasks": my_tasks,
            "actions": _viewer_actions(instance, request.user, my_tasks),
            "positions": POSITIONS,
            "modes": MODES,
        }
    )
    return render(request, "approvals/instance.html", context)


@require_GET
def instance_print(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    instance = _access(request, instance_id)
    context = _page_context(instance, request.user)
    context["printed_at"] = timezone.now()
    context["printed_by"] = request.user
    return render(request, "approvals/instance_print.html", context)


# --- actions: each its own POST; a refusal leaves everything as it was and says why ------------------------


def _act(request: AuthedHttpRequest, instance_id: int, do: Callable[[Instance], Any], done: str) -> HttpResponse:
    instance = _access(request, instance_id)
    try:
        do(instance)
    except ConflictError as exc:
        messages.error(request, _("已由他人处理：%(reason)s") % {"reason": exc.message})
    except NotFoundError as exc:
        messages.error(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("approvals:instance", instance_id=instance.pk)


def _comment(request: AuthedHttpRequest) -> str:
    return request.POST.get("comment", "").strip()


@require_POST
def approve(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        task = _open_task(instance, request.user, request.POST.get("task"))
        services.task_approve(
            actor=request.user,
            task_id=task.pk,
            comment=_comment(request),
            form=_written_fields(request, instance, task),
        )

    return _act(request, instance_id, do, _("已提交您的意见。"))


@require_POST
def reject(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        if not _comment(request):
            raise ApplicationError(_("驳回时必须填写意见。"))
        task = _open_task(instance, request.user, request.POST.get("task"))
        services.task_reject(actor=request.user, task_id=task.pk, comment=_comment(request))

    return _act(request, instance_id, do, _("已驳回。"))


@require_POST
def return_(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        task = _open_task(instance, request.user, request.POST.get("task"))
        to = request.POST.get("to", "initiator").strip() or "initiator"
        services.task_return(actor=request.user, task_id=task.pk, to=to, comment=_comment(request))

    return _act(request, instance_id, do, _("已退回。"))


def _written_fields(request: AuthedHttpRequest, instance: Instance, task: Task) -> dict[str, Any] | None:
    """The fields this node may write, validated against the form (the server decides, not the browser)."""
    req = _request_of(instance)
    if req is None:
        return None
    schema = formschema.parse_schema(req.matter.form_schema or {"fields": []})
    access = node_access(instance, task, schema)
    writable = [name for name, mode in access.items() if mode == "write"]
    if not writable:
        return None
    previous = instance.state.get("form", {})
    data, _files = formrender.form_from_post(schema, request.POST, request.FILES)
    result = formschema.validate(schema, {**previous, **data}, access=access, previous=previous)
    errors = [e for e in result.errors if e.field in writable]
    if errors:
        raise ApplicationError("；".join(e.message for e in errors))
    return {name: result.cleaned[name] for name in writable if name in result.cleaned}


@require_POST
def return_for_materials(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    """退回补正: back to the applicant naming the missing or wrong materials (counted per matter)."""

    def do(instance: Instance) -> None:
        task = _open_task(instance, request.user, request.POST.get("task"))
        approvals_services.request_return_for_materials(
            actor=request.user,
            task_id=task.pk,
            materials=request.POST.getlist("materials"),
            comment=_comment(request),
        )

    return _act(request, instance_id, do, _("已退回申请人补正材料。"))


@require_POST
def transfer(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        task = _open_task(instance, request.user, request.POST.get("task"))
        people = _people([request.POST.get("to", "")])
        if not people:
            raise ApplicationError(_("请选择转交给谁。"))
        services.task_transfer(actor=request.user, task_id=task.pk, to=people[0], comment=_comment(request))

    return _act(request, instance_id, do, _("已转交。"))


@require_POST
def add_signers(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        task = _open_task(instance, request.user, request.POST.get("task"))
        people = _people(request.POST.getlist("people"))
        if not people:
            raise ApplicationError(_("请选择加签人。"))
        services.task_add_signers(
            actor=request.user,
            task_id=task.pk,
            people=people,
            position=request.POST.get("position", "before"),
            mode=request.POST.get("mode", "sequential"),
            comment=_comment(request),
        )

    return _act(request, instance_id, do, _("已加签。"))


@require_POST
def remove_signers(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        task = _open_task(instance, request.user, request.POST.get("task"), ("open", "waiting"))
        people = _people(request.POST.getlist("people"))
        if not people:
            raise ApplicationError(_("请选择要减去的加签人。"))
        services.task_remove_signers(actor=request.user, task_id=task.pk, people=people, comment=_comment(request))

    return _act(request, instance_id, do, _("已减签。"))


@require_POST
def withdraw(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        services.instance_withdraw(actor=request.user, instance_id=instance.pk, comment=_comment(request))

    return _act(request, instance_id, do, _("已撤回。"))


@require_POST
def urge(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        services.instance_urge(actor=request.user, instance_id=instance.pk, comment=_comment(request))

    return _act(request, instance_id, do, _("已催办，当前审批人会收到提醒。"))


@require_POST
def resubmit(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        if instance.initiator_id != request.user.pk:
            raise ApplicationError(_("只有发起人可以重新提交。"))
        form = (instance.state or {}).get("form", {})
        services.instance_resubmit(actor=request.user, instance_id=instance.pk, form=form, comment=_comment(request))

    return _act(request, instance_id, do, _("已重新提交。"))


@require_POST
def comment(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        services.instance_comment(actor=request.user, instance_id=instance.pk, comment=_comment(request))

    return _act(request, instance_id, do, _("评论已发表。"))


@require_POST
def cancel(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        if not _comment(request):
            raise ApplicationError(_("作废时必须填写理由。"))
        services.instance_cancel(actor=request.user, instance_id=instance.pk, reason=_comment(request))

    return _act(request, instance_id, do, _("流程已作废。"))


urlpatterns: list[URLPattern] = [
    path("instances/<int:instance_id>/", instance_page, name="instance"),
    path("instances/<int:instance_id>/print/", instance_print, name="instance_print"),
    path("instances/<int:instance_id>/approve/", approve, name="instance_approve"),
    path("instances/<int:instance_id>/reject/", reject, name="instance_reject"),
    path("instances/<int:instance_id>/return/", return_, name="instance_return"),
    path("instances/<int:instance_id>/return-materials/", return_for_materials, name="instance_return_materials"),
    path("instances/<int:instance_id>/transfer/", transfer, name="instance_transfer"),
    path("instances/<int:instance_id>/add-signers/", add_signers, name="instance_add_signers"),
    path("instances/<int:instance_id>/remove-signers/", remove_signers, name="instance_remove_signers"),
    path("instances/<int:instance_id>/withdraw/", withdraw, name="instance_withdraw"),
    path("instances/<int:instance_id>/urge/", urge, name="instance_urge"),
    path("instances/<int:instance_id>/resubmit/", resubmit, name="instance_resubmit"),
    path("instances/<int:instance_id>/comment/", comment, name="instance_comment"),
    path("instances/<int:instance_id>/cancel/", cancel, name="instance_cancel"),
]
