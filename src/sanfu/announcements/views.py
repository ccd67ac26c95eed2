"""通知公告 pages: the person's list, the announcement (opening it is the read receipt), the publisher's list and
the compose form. Views parse the request, call one selector or service, and render or redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.models import User
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.announcements import archiving, attachments, rights, selectors, services
from sanfu.announcements.forms import ComposeForm
from sanfu.announcements.models import Announcement, Kind, SignUpStatus, Status
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_text
from sanfu.org.models import Department
from sanfu.workflow.selectors import last_return


def _found(call: Any) -> Any:
    try:
        return call()
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def inbox(request: AuthedHttpRequest) -> HttpResponse:
    """The person's announcements: pinned first, unread in bold; filter by kind and unread."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    unread = request.GET.get("unread") == "1"
    rows = list(selectors.received(request.user, kind=kind, unread=unread)[:200])
    context = {
        "rows": rows,
        "kind": kind,
        "unread": unread,
        "kinds": Kind.choices,
        "may_publish": rights.may_publish(request.user),
    }
    return render(request, "announcements/list.html", context)


def mine(request: AuthedHttpRequest) -> HttpResponse:
    """The publisher's (and the office's) announcements in every state, with read counts."""
    rows = list(selectors.published_by(request.user)[:200])
    return render(request, "announcements/mine.html", {"rows": rows, "may_publish": rights.may_publish(request.user)})


def _scope_choices(user: User) -> tuple[Any, Any]:
    unit_id = rights.unit_of(user) or 0
    departments = Department.objects.filter(unit_id=unit_id, is_active=True).order_by("path")
    people = User.objects.filter(staff__unit_id=unit_id, is_active=True).order_by("username")
    return departments, people


def compose(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    """起草 (and, with 发布, publish or submit at once); with ``pk``, 修改 a draft or a returned one."""
    editing: Announcement | None = None
    initial: dict[str, Any] = {}
    if pk is not None:  # another person's announcement is a 404, whoever asks
        editing = _found(lambda: selectors.access_announcement(actor=request.user, announcement_id=pk))
        if not selectors.may_manage(request.user, editing):
            raise Http404(_("没有找到该通知公告。"))
        initial = _initial(editing)
    if not rights.may_publish(request.user):
        messages.error(request, _("只有办公室或部门负责人可以发布通知公告。"))
        return redirect("announcements:list")
    departments, people = _scope_choices(request.user)
    form = ComposeForm(request.POST or None, initial=initial, departments=departments, people=people)
    if request.method == "POST" and form.is_valid():
        files = request.FILES.getlist("files")
        try:
            if editing is None:
                made = services.announcement_create(actor=request.user, data=form.data_in(), files=files)
            else:
                made = services.announcement_update(
                    actor=request.user, announcement_id=editing.pk, data=form.data_in(), files=files
                )
            if request.POST.get("publish") == "1":
                made = services.announcement_publish(actor=request.user, announcement_id=made.pk)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _published_text(made))
            return redirect("announcements:detail", made.pk)
    context = {
        "form": form,
        "editing": editing,
        "attachments": selectors.attachments_of(editing) if editing is not None else [],
        "may_remove_files": editing is not None
        and editing.publisher_id == request.user.pk
        and editing.status in attachments.EDITABLE,
    }
    return render(request, "announcements/form.html", context)


def _initial(a: Announcement) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "title": a.title,
        "body": a.body,
        "scope": a.scope,
        "departments": list(a.scope_departments.values_list("pk", flat=True)),
        "people": list(a.scope_people.values_list("pk", flat=True)),
        "pinned_until": a.pinned_until,
        "expires_at": a.expires_at,
        "capacity": a.capacity,
        "signup_until": a.signup_until,
    }


def _published_text(announcement: Announcement) -> str:
    if announcement.status == Status.PUBLISHED:
        return _("已发布。")
    if announcement.status == Status.PENDING:
        return _("已提交审批，审批通过后发布。")
    return _("已保存草稿。")


def detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The announcement; opening it writes the viewer's read receipt. Its publisher (and the office) see the
    counts, the readers or the non-readers, and 提醒未读."""
    announcement: Announcement = _found(lambda: selectors.access_announcement(actor=request.user, announcement_id=pk))
    services.announcement_read(actor=request.user, announcement_id=pk)
    manage = selectors.may_manage(request.user, announcement)
    show_unread = request.GET.get("show") != "read"
    readers = selectors.readers_of(announcement, unread=show_unread) if manage else None
    receipt = selectors.receipt_of(announcement, request.user)
    activity = announcement.kind == Kind.ACTIVITY
    signup = selectors.signup_of(announcement, request.user) if activity else None
    context = {
        "a": announcement,
        "manage": manage,
        "readers": readers,
        "show_unread": show_unread,
        "receipt": receipt,
        "attachments": selectors.attachments_of(announcement),
        "activity": activity,
        "signup": signup if signup is not None and signup.status != SignUpStatus.CANCELLED else None,
        "signups": selectors.signups_of(announcement) if activity and manage else [],
        "may_sign_up": activity
        and receipt is not None
        and announcement.status == Status.PUBLISHED
        and (signup is None or signup.status == SignUpStatus.CANCELLED),
        "may_publish": manage and announcement.status in (Status.DRAFT, Status.RETURNED),
        "returned": last_return(announcement.instance)
        if manage and announcement.status == Status.RETURNED and announcement.instance is not None
        else None,
        "may_approve": services.may_approve(request.user, announcement),
        "may_withdraw": manage and announcement.status == Status.PUBLISHED,
        "may_file": announcement.filed_at is None
        and announcement.status in (Status.PUBLISHED, Status.WITHDRAWN)
        and rights.is_office(request.user)
        and rights.unit_of(request.user) == announcement.unit_id,
        "archive_id": archiving.archive_record_id(announcement) if manage else None,
    }
    return render(request, "announcements/detail.html", context)


def _comment(request: AuthedHttpRequest) -> str:
    return parse_text(request.POST.get("comment"), max_length=500)


def _publish(request: AuthedHttpRequest, pk: int) -> str:
    return _published_text(services.announcement_publish(actor=request.user, announcement_id=pk))


def _approve(request: AuthedHttpRequest, pk: int) -> str:
    services.announcement_approve(actor=request.user, announcement_id=pk, comment=_comment(request))
    return _("已同意，通知公告已发布。")


def _return(request: AuthedHttpRequest, pk: int) -> str:
    services.announcement_return(actor=request.user, announcement_id=pk, comment=_comment(request))
    return _("已退回发布人。")


def _withdraw(request: AuthedHttpRequest, pk: int) -> str:
    services.announcement_withdraw(actor=request.user, announcement_id=pk)
    return _("已撤回。")


def _file(request: AuthedHttpRequest, pk: int) -> str:
    archiving.announcement_file(actor=request.user, announcement_id=pk)
    return _("已归档。")


def _remind(request: AuthedHttpRequest, pk: int) -> str:
    sent = services.announcement_remind(actor=request.user, announcement_id=pk)
    return _("已提醒 %(n)d 位未读人员。") % {"n": sent}


def _signup(request: AuthedHttpRequest, pk: int) -> str:
    made = services.signup_join(actor=request.user, announcement_id=pk)
    return _("报名成功。") if made.status == SignUpStatus.ENROLLED else _("名额已满，您已进入候补名单。")


def _cancel(request: AuthedHttpRequest, pk: int) -> str:
    services.signup_cancel(actor=request.user, announcement_id=pk)
    return _("已取消报名。")


ACTIONS: dict[str, Callable[[AuthedHttpRequest, int], str]] = {
    "publish": _publish,
    "approve": _approve,
    "return": _return,
    "withdraw": _withdraw,
    "file": _file,
    "remind": _remind,
    "signup": _signup,
    "cancel": _cancel,
}


@require_POST
def act(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One action on an announcement, named by the posted ``action``; a refusal is shown on its page."""
    _found(lambda: selectors.access_announcement(actor=request.user, announcement_id=pk))
    do = ACTIONS.get(request.POST.get("action", ""))
    if do is None:
        messages.error(request, _("无效的操作。"))
        return redirect("announcements:detail", pk)
    try:
        done = do(request, pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("announcements:detail", pk)


def attachment_file(request: AuthedHttpRequest, pk: int, file_id: int) -> FileResponse:
    """An attachment, to those who may see the announcement (404 otherwise)."""
    found = _found(lambda: selectors.access_attachment(actor=request.user, announcement_id=pk, attachment_id=file_id))
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


@require_POST
def attachment_remove(request: AuthedHttpRequest, pk: int, file_id: int) -> HttpResponse:
    """删除附件 of a draft (its author, before publishing); back to the edit form, the refusal shown there."""
    try:
        name = attachments.attachment_remove(actor=request.user, announcement_id=pk, attachment_id=file_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("announcements:detail", pk)
    messages.success(request, _("已删除附件：%(name)s") % {"name": name})
    return redirect("announcements:edit", pk)
