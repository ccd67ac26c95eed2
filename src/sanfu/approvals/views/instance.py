"""The instance page of the 审批中心: header, form values, the full timeline, the path ahead, and the actions
this viewer may take (each a POST to its own URL, in ``instance_actions``), plus a print view that
reads like the paper form, and the files sent with the request (shown in the page or downloaded).

Opening the page records nothing: 已阅 on a 抄送 / 备案 notice is a POST (``instance_read``) that the page
sends by itself once it is shown, so a link from another site, a mail scanner or a prefetch marks nothing
read (security issue, hole 12)."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals.selectors import actions
from sanfu.approvals.selectors.instance import PREVIEWS, access_request_file, page_context
from sanfu.approvals.services import tasks as services_tasks
from sanfu.core.errors import NotFoundError
from sanfu.workflow import selectors, subjects
from sanfu.workflow import services as workflow_services
from sanfu.workflow.models import Instance
from sanfu.workflow.services import COMMENT_MAX_LENGTH  # the flow refuses longer: one limit

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


def access(request: AuthedHttpRequest, instance_id: int) -> Instance:
    """The instance if this person may see it; another's is a 404."""
    try:
        return selectors.access_instance(actor=request.user, instance_id=instance_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


@require_GET
def instance_page(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    return render_instance(request, access(request, instance_id))


@require_POST
def instance_read(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    """已阅: this person's unread 抄送 / 备案 notices of the instance are marked read. The page posts it in the
    background (asking for JSON); its 标记已阅 button posts the same form without JavaScript."""
    instance = access(request, instance_id)
    marked = 0
    if actions.domain_page(instance) is None:  # a 公文 records its receipts on its own page
        marked = services_tasks.notices_mark_read(actor=request.user, instance=instance)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"marked": marked})
    if marked:
        messages.success(request, _("已标记为已阅。"))
    return redirect("approvals:instance", instance_id=instance.pk)


@require_POST
def instance_seen(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    """The holder has the request in front of them: their open tasks on it are marked opened (the efficiency
    review's queue time ends here). The page posts it in the background once it is shown, like 已阅, so a
    prefetch or a link opened by a scanner records nothing."""
    instance = access(request, instance_id)
    marked = workflow_services.tasks_seen(actor=request.user, instance_id=instance.pk)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"marked": marked})
    return redirect("approvals:instance", instance_id=instance.pk)


def render_instance(
    request: AuthedHttpRequest, instance: Instance, *, kept: Mapping[str, str] | None = None
) -> HttpResponse:
    """The instance page; ``kept``: the text a refused action posted, by form, shown again in its form."""
    domain_page = actions.domain_page(instance)
    if domain_page is not None:
        # A domain's process (公文): the timeline here, every step (and every read receipt) on its own page.
        context = page_context(instance)
        label = subjects.label_of(instance.definition.key)  # the subject's own words (到收文页面办理 …)
        context["actions"] = {"domain": True, "domain_page": domain_page, "label": label}
        return render(request, "approvals/instance.html", context)
    acting = actions.acting_task(request.user, instance)
    context = page_context(instance, acting)
    context.update(
        {
            "actions": actions.viewer_actions(
                instance, request.user, acting, actions.live_task(request.user, instance)
            ),
            "positions": POSITIONS,
            "modes": MODES,
            "comment_max": COMMENT_MAX_LENGTH,
            "kept": dict(kept or {}),
            "unread_notices": actions.unread_notices(request.user, instance),
        }
    )
    return render(request, "approvals/instance.html", context)


@require_GET
def instance_print(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    instance = access(request, instance_id)
    context = page_context(instance, actions.acting_task(request.user, instance))  # hides what the page hides
    context["printed_at"] = timezone.now()
    context["printed_by"] = request.user
    return render(request, "approvals/instance_print.html", context)


@require_GET
@xframe_options_sameorigin  # the instance page shows PDFs in an <iframe>
def instance_file(request: AuthedHttpRequest, instance_id: int, attachment_id: int) -> FileResponse:
    """A file of the request, under the instance's access rule; ``?inline=1`` shows a PDF or an image in the
    browser, anything else is always a download."""
    try:
        attachment = access_request_file(actor=request.user, instance_id=instance_id, attachment_id=attachment_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    services_tasks.request_file_opened(actor=request.user, instance_id=instance_id, attachment_id=attachment.pk)
    inline = request.GET.get("inline") == "1" and attachment.content_type in PREVIEWS
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("instances/<int:instance_id>/", instance_page, name="instance"),
    path("instances/<int:instance_id>/read/", instance_read, name="instance_read"),
    path("instances/<int:instance_id>/seen/", instance_seen, name="instance_seen"),
    path("instances/<int:instance_id>/print/", instance_print, name="instance_print"),
    path("instances/<int:instance_id>/files/<int:attachment_id>/", instance_file, name="instance_file"),
]
