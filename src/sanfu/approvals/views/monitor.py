"""流程监控 page: the process administrator's search over running requests, stuck ones first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals.selectors import monitor
from sanfu.core.errors import PermissionDeniedError
from sanfu.core.htmx import render_page
from sanfu.org.models import Department
from sanfu.workflow import subjects
from sanfu.workflow.models import InstanceStatus

PAGE_SIZE = 30


@require_GET
def monitor_list(request: AuthedHttpRequest) -> HttpResponse:
    filters = monitor.parse_monitor_filters(request.GET)
    try:
        instances = monitor.monitored_instances(actor=request.user, filters=filters)
    except PermissionDeniedError as exc:
        raise Http404(exc.message) from exc
    page = Paginator(instances, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = monitor.monitor_rows(list(page.object_list))
    pages = subjects.pages_of((row.instance.pk, row.instance.definition.key) for row in rows)
    for row in rows:
        row.url = pages.get(row.instance.pk) or reverse("approvals:instance", args=[row.instance.pk])
    return render_page(
        request,
        "approvals/monitor.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "processes": monitor.process_choices(),
            "departments": Department.objects.filter(is_active=True).select_related("unit").order_by("path"),
            "statuses": InstanceStatus.choices,
        },
        partial="approvals/partials/_monitor_list.html",
    )


urlpatterns: list[URLPattern] = [path("monitor/", monitor_list, name="monitor")]
