"""流程监控 pages: the process administrator's search over running requests (stuck ones first), its Excel
export, and the intervention panel of one instance — 改派, 跳过, 重办, 作废, each a POST with a reason that
calls one flow service and comes back to the panel saying what happened or why nothing did."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals.selectors import export, monitor
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.htmx import render_page
from sanfu.core.params import parse_id
from sanfu.org.models import Department
from sanfu.workflow import services as workflow
from sanfu.workflow import subjects
from sanfu.workflow.models import Instance, InstanceStatus
from sanfu.workflow.selectors import open_steps
from sanfu.workflow.services import COMMENT_MAX_LENGTH

PAGE_SIZE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page_of(instance: Instance) -> str:
    """The page that shows the instance: its domain's, or the 审批中心's."""
    return subjects.page_of(instance.pk) or reverse("approvals:instance", args=[instance.pk])


@require_GET
def monitor_list(request: AuthedHttpRequest) -> HttpResponse:
    filters = monitor.parse_monitor_filters(request.GET)
    try:
        instances = monitor.monitored_instances(actor=request.user, filters=filters)
    except PermissionDeniedError as exc:
        raise Http404(exc.message) from exc
    if request.GET.get("export") == "xlsx":
        data = export.monitor_workbook(instances=instances, filters=filters)
        name = f"{_('流程监控')}-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
        return response
    page = Paginator(instances, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = monitor.monitor_rows(list(page.object_list))
    pages = subjects.pages_of((row.instance.pk, row.instance.definition.key) for row in rows)
    for row in rows:
        row.url = pages.get(row.instance.pk) or reverse("approvals:instance", args=[row.instance.pk])
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["export"] = "xlsx"
    return render_page(
        request,
        "approvals/monitor.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "export_query": export_query.urlencode(),
            "processes": monitor.process_choices(),
            "departments": Department.objects.filter(is_active=True).select_related("unit").order_by("path"),
            "statuses": InstanceStatus.choices,
        },
        partial="approvals/partials/_monitor_list.html",
    )


def _panel(request: AuthedHttpRequest, instance_id: int) -> monitor.InterventionPanel:
    try:
        return monitor.intervention_panel(actor=request.user, instance_id=instance_id)
    except NotFoundError as exc:  # not a process administrator, or not one whose scope covers it
        raise Http404(exc.message) from exc


def _render_panel(request: AuthedHttpRequest, instance_id: int, kept: dict[str, Any] | None = None) -> HttpResponse:
    panel = _panel(request, instance_id)
    return render_page(
        request,
        "approvals/monitor_instance.html",
        {
            "panel": panel,
            "instance": panel.instance,
            "page_url": _page_of(panel.instance),
            "kept": kept or {},
            "token": secrets.token_urlsafe(16),  # one per rendering: a doubled submit is applied once
            "comment_max": COMMENT_MAX_LENGTH,
        },
    )


@require_GET
def intervention(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    """干预: the open to-dos and the reachable nodes of one instance, and the four actions."""
    return _render_panel(request, instance_id)


def _intervene(
    request: AuthedHttpRequest,
    instance_id: int,
    action: str,
    do: Callable[[monitor.InterventionPanel, str, str], str],
) -> HttpResponse:
    """Run one intervention with the posted reason and the form's token; back to the panel saying what was
    done, or the panel again with the refusal and what the administrator had typed."""
    panel = _panel(request, instance_id)
    reason = request.POST.get("reason", "").replace("\r\n", "\n").strip()
    try:
        said = do(panel, reason, request.POST.get("token", ""))
    except ApplicationError as exc:  # a conflict's message names who acted first
        messages.error(request, _("未能%(action)s：%(why)s") % {"action": action, "why": exc.message})
        return _render_panel(request, instance_id, kept=request.POST.dict())
    messages.success(request, said)
    return redirect("approvals:monitor_instance", instance_id=instance_id)


def _where_now(instance: Instance) -> str:
    """Where the instance waits after an intervention: each open step with its people, or its status."""
    steps = open_steps(instance)
    if not steps:
        return str(instance.get_status_display())
    return "；".join(f"{s.name}（{'、'.join(p.display_name for p in s.people)}）" for s in steps)


def _number(value: str) -> int:
    return parse_id(value) or 0


@require_POST
def reassign(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(panel: monitor.InterventionPanel, reason: str, token: str) -> str:
        # Any to-do of this instance: one no longer live may be a doubled submit, which the service answers.
        task = monitor.instance_task(panel.instance, _number(request.POST.get("task", "")))
        chosen = _number(request.POST.get("to", ""))
        to = next((p for p in panel.people if p.pk == chosen), None)
        if task is None:
            raise ApplicationError(_("请选择要改派的待办。"))
        if not chosen:
            raise ApplicationError(_("请选择改派给谁。"))
        if to is None:  # the picker searches everyone; the administrator hands work only within his scope
            raise ApplicationError(_("只能改派给您管理范围内的在用人员。"))
        workflow.task_reassign(actor=request.user, task_id=task.pk, to=to, reason=reason, token=token)
        return _("已将“%(node)s”的待办从 %(old)s 改派给 %(new)s。") % {
            "node": task.node_name,
            "old": task.assignee.display_name,
            "new": to.display_name,
        }

    return _intervene(request, instance_id, _("改派"), do)


@require_POST
def skip(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(panel: monitor.InterventionPanel, reason: str, token: str) -> str:
        done = workflow.instance_skip_node(
            actor=request.user, instance_id=instance_id, node=request.POST.get("node", ""), reason=reason, token=token
        )
        return _("已跳过该节点，流程现在：%(where)s。") % {"where": _where_now(done)}

    return _intervene(request, instance_id, _("跳过节点"), do)


@require_POST
def restart(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(panel: monitor.InterventionPanel, reason: str, token: str) -> str:
        done = workflow.instance_restart_from(
            actor=request.user, instance_id=instance_id, node=request.POST.get("node", ""), reason=reason, token=token
        )
        return _("已从该节点重新办理，流程现在：%(where)s。") % {"where": _where_now(done)}

    return _intervene(request, instance_id, _("重新办理"), do)


@require_POST
def cancel(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(panel: monitor.InterventionPanel, reason: str, token: str) -> str:
        workflow.instance_cancel(actor=request.user, instance_id=instance_id, reason=reason, token=token)
        return _("流程已作废。")

    return _intervene(request, instance_id, _("作废"), do)


urlpatterns: list[URLPattern] = [
    path("monitor/", monitor_list, name="monitor"),
    path("monitor/<int:instance_id>/", intervention, name="monitor_instance"),
    path("monitor/<int:instance_id>/reassign/", reassign, name="monitor_reassign"),
    path("monitor/<int:instance_id>/skip/", skip, name="monitor_skip"),
    path("monitor/<int:instance_id>/restart/", restart, name="monitor_restart"),
    path("monitor/<int:instance_id>/cancel/", cancel, name="monitor_cancel"),
]
