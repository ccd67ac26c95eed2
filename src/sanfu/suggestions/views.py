"""意见箱 pages: the public replies and the person's own suggestions, the form (named or anonymous), following an
anonymous suggestion by its code, the handling queue, one suggestion with the office's actions, and the yearly
list of adopted suggestions (page and Excel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import MAX_INT, parse_int
from sanfu.suggestions import rights, selectors, services
from sanfu.suggestions.forms import AssignForm, DecideForm, FollowForm, ReplyForm, SuggestionForm
from sanfu.suggestions.models import Status, Suggestion


def index(request: AuthedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_suggestions(request.user), 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "mine": selectors.my_suggestions(request.user)[:50],
        "may_handle": selectors.may_handle_any(request.user),
    }
    return render(request, "suggestions/list.html", context)


def new(request: AuthedHttpRequest) -> HttpResponse:
    """提建议. An anonymous one answers with its follow-up code on this very response (no redirect, nothing in the
    session): the code is shown once and stored nowhere."""
    if rights.unit_of(request.user) is None:
        raise Http404(_("您不属于任何单位，不能提出建议。"))
    departments = selectors.unit_departments(request.user)
    if request.method == "POST":
        form = SuggestionForm(request.POST, departments=departments)
        if form.is_valid():
            d = form.cleaned_data
            try:
                submitted = services.suggestion_submit(
                    actor=request.user,
                    title=d["title"],
                    body=d["body"],
                    category=d["category"],
                    concerns_id=d["concerns"],
                    anonymous=d["anonymous"],
                    campaign_id=d["campaign"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                if submitted.code:
                    response = render(request, "suggestions/submitted.html", {"code": submitted.code})
                    response["Cache-Control"] = "no-store"
                    return response
                messages.success(request, _("建议已提交，答复后会通知您。"))
                return redirect("suggestions:detail", submitted.suggestion.pk)
    else:
        campaign = parse_int(request.GET.get("campaign"), minimum=1, maximum=MAX_INT)
        form = SuggestionForm(initial={"campaign": campaign}, departments=departments)
    return render(request, "suggestions/new.html", {"form": form})


def follow(request: AuthedHttpRequest) -> HttpResponse:
    """Follow an anonymous suggestion by its code (posted, so the code never appears in an address or a log)."""
    suggestion = None
    if request.method == "POST":
        form = FollowForm(request.POST)
        if form.is_valid():
            try:
                suggestion = services.suggestion_follow(actor=request.user, code=form.cleaned_data["code"])
            except ApplicationError as exc:
                form.add_error("code", exc.message)
    else:
        form = FollowForm()
    return render(request, "suggestions/follow.html", {"form": form, "suggestion": suggestion})


def manage(request: AuthedHttpRequest) -> HttpResponse:
    if not selectors.may_handle_any(request.user):
        raise Http404(_("您没有需要处理的建议。"))
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    page = Paginator(selectors.queue(request.user, status=status), 30).get_page(request.GET.get("page"))
    return render(request, "suggestions/manage.html", {"page": page, "status": status, "statuses": Status.choices})


def _year(request: AuthedHttpRequest) -> int:
    return parse_int(request.GET.get("year"), minimum=2000, maximum=2100, default=timezone.localdate().year)


def adopted(request: AuthedHttpRequest) -> HttpResponse:
    year = _year(request)
    rows = selectors.adopted_in_year(request.user, year)
    return render(
        request, "suggestions/adopted.html", {"rows": rows, "year": year, "previous": year - 1, "next": year + 1}
    )


def adopted_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    year = _year(request)
    rows = list(selectors.adopted_in_year(request.user, year))
    xlsx.require_within_limit(len(rows))
    sheet = xlsx.Sheet(
        title=_("%(year)s年采纳建议") % {"year": year},
        header=[
            _("序号"),
            _("标题"),
            _("类别"),
            _("提出人"),
            _("提出日期"),
            _("采纳情况"),
            _("采纳部门"),
            _("采纳日期"),
            _("落实日期"),
        ],
        rows=[
            [
                i,
                s.title,
                s.get_category_display(),
                selectors.author_label(s),
                s.submitted_on,
                s.get_status_display(),
                s.adopting_department.name if s.adopting_department else "",
                s.decided_on,
                s.done_on,
            ]
            for i, s in enumerate(rows, start=1)
        ],
        widths=[6, 40, 12, 12, 12, 10, 16, 12, 12],
    )
    return xlsx.attachment(xlsx.workbook(sheet), f"{year}年采纳建议.xlsx")


def _suggestion(request: AuthedHttpRequest, pk: int) -> Suggestion:
    try:
        return selectors.access_suggestion(actor=request.user, suggestion_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    suggestion = _suggestion(request, pk)
    departments = selectors.unit_departments(request.user)
    may_manage = rights.may_manage(request.user, suggestion)
    context = {
        "s": suggestion,
        "author": selectors.author_label(suggestion),
        "may_manage": may_manage,
        "may_answer": rights.may_answer(request.user, suggestion),
        "assign_form": AssignForm(
            initial={"department": suggestion.department_id or suggestion.concerns_id}, departments=departments
        )
        if may_manage
        else None,
        "reply_form": ReplyForm(
            initial={"reply": suggestion.reply, "public": suggestion.reply_public or not suggestion.reply}
        ),
        "decide_form": DecideForm(departments=departments) if may_manage else None,
        "next_statuses": services.NEXT_STATUSES[suggestion.status],
    }
    return render(request, "suggestions/detail.html", context)


def _act(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    suggestion = _suggestion(request, pk)
    departments = selectors.unit_departments(request.user)
    try:
        if action == "assign":
            form: AssignForm | ReplyForm | DecideForm = AssignForm(request.POST, departments=departments)
            if form.is_valid():
                services.suggestion_assign(
                    actor=request.user, suggestion_id=suggestion.pk, department_id=form.cleaned_data["department"]
                )
                messages.success(request, _("已分办。"))
        elif action == "reply":
            form = ReplyForm(request.POST)
            if form.is_valid():
                services.suggestion_reply(
                    actor=request.user,
                    suggestion_id=suggestion.pk,
                    reply=form.cleaned_data["reply"],
                    public=form.cleaned_data["public"],
                )
                messages.success(request, _("答复已保存。"))
        else:
            form = DecideForm(request.POST, departments=departments)
            if form.is_valid():
                d = form.cleaned_data
                services.suggestion_decide(
                    actor=request.user,
                    suggestion_id=suggestion.pk,
                    status=d["status"],
                    adopting_department_id=d["adopting_department"],
                    reason=d["reason"],
                )
                messages.success(request, _("采纳情况已保存。"))
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("suggestions:detail", suggestion.pk)


@require_POST
def assign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "assign")


@require_POST
def reply(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reply")


@require_POST
def decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "decide")
