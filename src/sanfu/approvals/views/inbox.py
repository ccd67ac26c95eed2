"""我的待办: the inbox tabs (待办 / 已办 / 我发起的 / 抄送我的 / 草稿), filters, batch approval, and the
notifications page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals.models import Draft, ExternalTodo, ExternalTodoStatus, Request
from sanfu.approvals.selectors import export
from sanfu.approvals.selectors import inbox as selectors
from sanfu.approvals.selectors.actions import node_allows_batch
from sanfu.approvals.services import tasks as services_tasks
from sanfu.core import notify, todos
from sanfu.core.htmx import render_page
from sanfu.core.params import parse_id, parse_ids
from sanfu.workflow import subjects
from sanfu.workflow.models import Instance, Task, TaskStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 20

TAB_LABELS = {
    "todo": gettext_lazy("待办"),
    "done": gettext_lazy("已办"),
    "started": gettext_lazy("我发起的"),
    "cc": gettext_lazy("抄送我的"),
    "drafts": gettext_lazy("草稿"),
}
EMPTY_TEXT = {
    "todo": gettext_lazy("暂无待办事项，今天的工作都处理完了。"),
    "done": gettext_lazy("还没有办理过的事项。"),
    "started": gettext_lazy("您还没有发起过审批。"),
    "cc": gettext_lazy("没有抄送给您的事项。"),
    "drafts": gettext_lazy("没有保存的草稿。"),
}
FILTERED_EMPTY = gettext_lazy("没有符合筛选条件的事项。")
# The inbox's own wording of a task's status (the model's labels are the engine's terse ones).
TASK_STATUS: dict[str, Any] = {
    TaskStatus.OPEN: gettext_lazy("待处理"),
    TaskStatus.APPROVED: gettext_lazy("已同意"),
    TaskStatus.REJECTED: gettext_lazy("已驳回"),
    TaskStatus.DONE: gettext_lazy("已办理"),
    TaskStatus.RETURNED: gettext_lazy("已退回"),
    TaskStatus.TRANSFERRED: gettext_lazy("已转交"),
    TaskStatus.UNREAD: gettext_lazy("未读"),
    TaskStatus.READ: gettext_lazy("已读"),
    TaskStatus.CANCELLED: gettext_lazy("已取消"),
    TaskStatus.WAITING: gettext_lazy("等待中"),
}


@dataclass
class Row:
    """One line of any tab, whatever it is built from (a task, an instance, a draft)."""

    key: str
    title: str
    url: str
    number: str = ""
    matter: str = ""
    urgency: str = ""
    initiator: str = ""
    node_name: str = ""
    kind: str = ""
    status: str = ""
    status_code: str = ""
    on_behalf_of: str = ""
    due_at: datetime | None = None
    at: datetime | None = None
    overdue: bool = False
    unread: bool = False
    batchable: bool = False
    task_id: int | None = None
    source: str = ""  # another system's to-do (统一待办): that system's name; its link opens in a new tab

    @property
    def urgency_class(self) -> str:
        return selectors.URGENCY_CLASS.get(self.urgency, "")

    @property
    def urgency_label(self) -> str:
        return str(selectors.URGENCY_LABELS.get(self.urgency, self.urgency))


def _request_of(instance: Instance) -> Request | None:
    try:
        return instance.request
    except Request.DoesNotExist:
        return None


def _task_row(task: Task, tab: str, now: datetime, pages: dict[int, str]) -> Row:
    instance = task.instance
    req = _request_of(instance)
    late = task.overdue or (task.status == TaskStatus.OPEN and task.due_at is not None and task.due_at < now)
    return Row(
        key=f"t{task.pk}",
        title=req.title if req else instance.title,
        url=pages.get(instance.pk) or reverse("approvals:instance", args=[instance.pk]),
        number=req.number if req else "",
        matter=req.matter.name if req else instance.definition.name,
        urgency=instance.urgency,
        initiator=instance.initiator.display_name,
        node_name=task.node_name,
        kind=task.get_kind_display(),
        status=str(TASK_STATUS.get(task.status, task.status)),
        status_code=task.status,
        on_behalf_of=task.on_behalf_of.display_name if task.on_behalf_of else "",
        due_at=task.due_at,
        at=task.acted_at if tab == "done" else task.created_at,
        overdue=late,
        unread=task.status == TaskStatus.UNREAD,
        batchable=tab == "todo" and node_allows_batch(task),
        task_id=task.pk,
    )


def _external_row(todo: ExternalTodo, tab: str, now: datetime) -> Row:
    done = todo.status != ExternalTodoStatus.OPEN
    return Row(
        key=f"x{todo.pk}",
        title=todo.title,
        url=todo.url,
        matter=todo.source_name,
        status=str(TASK_STATUS[TaskStatus.DONE] if done else TASK_STATUS[TaskStatus.OPEN]),
        status_code="done" if done else "open",
        due_at=todo.due_at,
        at=todo.closed_at if tab == "done" else todo.created_at,
        overdue=todo.due_at is not None and todo.due_at < (todo.closed_at or now),
        source=todo.source_name,
    )


def _instance_row(instance: Instance, pages: dict[int, str]) -> Row:
    req = _request_of(instance)
    return Row(
        key=f"i{instance.pk}",
        title=req.title if req else instance.title,
        url=pages.get(instance.pk) or reverse("approvals:instance", args=[instance.pk]),
        number=req.number if req else "",
        matter=req.matter.name if req else instance.definition.name,
        urgency=instance.urgency,
        initiator=instance.initiator.display_name,
        status=instance.get_status_display(),
        status_code=instance.status,
        at=instance.submitted_at or instance.created_at,
    )


def draft_url(draft: Draft) -> str:
    return reverse("approvals:draft", args=[draft.pk])


def _draft_row(draft: Draft) -> Row:
    return Row(
        key=f"d{draft.pk}",
        title=draft.title or draft.matter.name,
        url=draft_url(draft),
        matter=draft.matter.name,
        urgency=draft.urgency,
        status=_("草稿"),
        status_code="draft",
        at=draft.updated_at,
    )


def _rows(objects: Any, tab: str, now: datetime) -> list[Row]:
    # Instances another domain shows on its own page (a 公文's) link there: one lookup per domain.
    if tab in {"todo", "done", "cc"}:
        tasks = [t for t in objects if isinstance(t, Task)]
        pages = subjects.pages_of((t.instance_id, t.instance.definition.key) for t in tasks)
        return [_task_row(t, tab, now, pages) if isinstance(t, Task) else _external_row(t, tab, now) for t in objects]
    if tab == "started":
        pages = subjects.pages_of((i.pk, i.definition.key) for i in objects)
        return [_instance_row(i, pages) for i in objects]
    return [_draft_row(d) for d in objects]


def inbox_context(request: AuthedHttpRequest, tab: str) -> dict[str, Any]:
    """Everything the inbox page and its list partial show, in a fixed number of queries."""
    now = timezone.now()
    filters = selectors.parse_filters(request.GET)
    paginator = Paginator(selectors.inbox_entries(request.user, tab, filters, now=now), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # 待办 and 已办 page through keys of tasks and other systems' to-dos together; the rows come after.
    objects = selectors.entries_loaded(list(page.object_list)) if tab in {"todo", "done"} else page.object_list
    rows = _rows(objects, tab, now)
    # The numbers are read when shown (the full page, not an HTMX swap of the list), once per request: the
    # shell's badges on the same page share them.
    return {
        "tab": tab,
        "tabs": SimpleLazyObject(lambda: tabs_of(selectors.counts_for(request))),
        "counts": SimpleLazyObject(lambda: selectors.counts_for(request).tabs),
        "filters": filters,
        "matters": selectors.matter_choices(),
        "urgencies": list(selectors.URGENCY_LABELS.items()),
        "page": page,
        "rows": rows,
        "any_batchable": any(r.batchable for r in rows),
        "empty_text": FILTERED_EMPTY if filters.active else EMPTY_TEXT[tab],
        "now": now,
        "list_url": reverse("approvals:inbox"),
    }


def tabs_of(counts: selectors.Counts) -> list[tuple[str, Any, int]]:
    """The tabs: 待办, then each domain's to-dos that are no flow task (会议, 督办 …, see ``core.todos``), then
    已办, 我发起的, 抄送我的, 草稿."""
    own = [(key, TAB_LABELS[key], counts.tabs[key]) for key in selectors.TABS]
    others = [(s.key, s.label, counts.sources.get(s.key, 0)) for s in todos.sources()]
    return [own[0], *others, *own[1:]]


SOURCE_LIMIT = 200  # a source's tab lists this many; its own page has them all


def render_source(request: AuthedHttpRequest, source: todos.TodoSource) -> HttpResponse:
    """A domain's tab: its person's open to-dos of that kind, most pressing first."""
    entries = source.entries(request.user, SOURCE_LIMIT)
    context = {
        "tab": source.key,
        "tabs": tabs_of(selectors.counts_for(request)),
        "source": source,
        "entries": entries,
        "more": len(entries) >= SOURCE_LIMIT,
        "now": timezone.now(),
        "list_url": reverse("approvals:inbox"),
    }
    return render_page(request, "approvals/inbox.html", context, partial="approvals/partials/_inbox_source.html")


def render_inbox(request: AuthedHttpRequest, tab: str = "todo", extra: dict[str, Any] | None = None) -> HttpResponse:
    context = inbox_context(request, tab)
    context.update(extra or {})
    return render_page(request, "approvals/inbox.html", context, partial="approvals/partials/_inbox_list.html")


@require_GET
def inbox(request: AuthedHttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "todo")
    source = todos.source(tab) if isinstance(tab, str) else None
    if source is not None:
        return render_source(request, source)
    if tab not in selectors.TABS:
        tab = "todo"
    if request.GET.get("export") == "xlsx" and tab in export.EXPORTABLE:
        data = export.inbox_workbook(user=request.user, tab=tab, filters=selectors.parse_filters(request.GET))
        name = f"{_('审批清单')}-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
        return response
    return render_inbox(request, tab)


def _back(request: AuthedHttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("approvals:inbox")
    return HttpResponseRedirect(target or reverse("approvals:inbox"))


@require_POST
def batch_approve(request: AuthedHttpRequest) -> HttpResponse:
    """批量同意: report what succeeded and why the rest did not (the rules are ``tasks_batch_approve``'s)."""
    ids = parse_ids(request.POST.getlist("task"))
    if not ids:
        messages.warning(request, _("请先勾选要同意的待办。"))
        return _back(request)
    outcome = services_tasks.tasks_batch_approve(
        actor=request.user, task_ids=ids, comment=request.POST.get("comment", "")
    )
    if outcome.done:
        messages.success(request, _("已批量同意 %(n)d 项。") % {"n": outcome.done})
    if outcome.failures:
        messages.error(
            request,
            _("%(n)d 项未能同意：%(list)s") % {"n": len(outcome.failures), "list": "；".join(outcome.failures)},
        )
    return _back(request)


# --- notifications ------------------------------------------------------------------------------------


def notification_target(url: str) -> str:
    """Where a notice leads. The flow engine links instances as /workflow/instances/<id>/; the page for
    them is their domain's (a 公文's), or else the 审批中心's instance page."""
    prefix = "/workflow/instances/"
    if url.startswith(prefix):
        instance_id = parse_id(url[len(prefix) :].strip("/"))
        if instance_id is not None:
            return subjects.page_of(instance_id) or reverse("approvals:instance", args=[instance_id])
    return url if url.startswith("/") and not url.startswith("//") else ""


@require_GET
def notifications(request: AuthedHttpRequest) -> HttpResponse:
    """通知: unread first, then newest."""
    page = Paginator(notify.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "approvals/notifications.html", {"page": page})


@require_http_methods(["GET", "POST"])
def notification_open(request: AuthedHttpRequest, notification_id: int) -> HttpResponse:
    """Open a notice: to where it leads. Marking it read is a POST (the list's rows are small forms with the
    CSRF token); a GET — a link from another site, a mail scanner, a prefetch — only redirects and marks
    nothing (security issue, hole 12)."""
    if request.method == "POST":
        notice = notify.notification_open(actor=request.user, notification_id=notification_id)
    else:
        notice = notify.notifications_of(request.user).filter(pk=notification_id).first()
    if notice is None:
        raise Http404
    target = notification_target(notice.url)
    return redirect(target or "approvals:notifications")


@require_POST
def notifications_read_all(request: AuthedHttpRequest) -> HttpResponse:
    n = notify.notifications_read_all(actor=request.user)
    messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": n})
    return redirect("approvals:notifications")


urlpatterns: list[URLPattern] = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/batch-approve/", batch_approve, name="batch_approve"),
    path("notifications/", notifications, name="notifications"),
    path("notifications/read-all/", notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/open/", notification_open, name="notification_open"),
]
