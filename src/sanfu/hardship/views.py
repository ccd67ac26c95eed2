"""爱心基金 pages: the person's applications (and the committee's queue), the application form, one application
(the opinions, the step's actions, payments), a supporting file, and the payments of a year with their total."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_int
from sanfu.hardship import rights, selectors, services
from sanfu.hardship.forms import ApplicationForm, ApproveForm, PaymentForm, RejectForm
from sanfu.hardship.models import Application, Status


def index(request: AuthedHttpRequest) -> HttpResponse:
    on_committee = selectors.on_any_committee(request.user)
    context = {
        "mine": selectors.my_applications(request.user),
        "on_committee": on_committee,
        "queue": selectors.committee_applications(request.user) if on_committee else [],
    }
    return render(request, "hardship/list.html", context)


def new(request: AuthedHttpRequest) -> HttpResponse:
    if rights.unit_of(request.user) is None:
        raise Http404(_("您不属于任何单位，不能申请爱心基金。"))
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                made = services.application_submit(
                    actor=request.user,
                    data=services.ApplicationIn(
                        reason=d["reason"],
                        family_situation=d["family_situation"],
                        amount_requested=d["amount_requested"],
                        confidentiality=d["confidentiality"],
                        files=d["attachments"],
                    ),
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("申请已提交，委员会审议后会通知您。"))
                return redirect("hardship:detail", made.pk)
    else:
        form = ApplicationForm()
    return render(request, "hardship/new.html", {"form": form})


def _opened(request: AuthedHttpRequest, pk: int) -> Application:
    try:
        return services.application_open(actor=request.user, application_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    application = _opened(request, pk)
    on_committee = rights.on_committee(request.user, application.unit_id)
    context = {
        "a": application,
        "may_act": services.may_act(request.user, application),
        "approve_form": ApproveForm(initial={"amount": application.amount_requested}),
        "reject_form": RejectForm(),
        "may_pay": on_committee and application.status == Status.APPROVED,
        "pay_form": PaymentForm(initial={"paid_on": timezone.localdate()}),
        "payments": application.payments.all(),
        "files": application.attachments.all(),
    }
    return render(request, "hardship/detail.html", context)


def _errors(form: ApproveForm | PaymentForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
def approve(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    form = ApproveForm(request.POST)
    try:
        if form.is_valid():
            services.application_approve(
                actor=request.user,
                application_id=pk,
                amount=form.cleaned_data["amount"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("已同意。"))
        else:
            messages.error(request, _errors(form))
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("hardship:detail", pk)


@require_POST
def reject(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        services.application_reject(actor=request.user, application_id=pk, comment=request.POST.get("comment", ""))
        messages.success(request, _("已不予批准。"))
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("hardship:detail", pk)


@require_POST
def pay(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    form = PaymentForm(request.POST)
    try:
        if form.is_valid():
            d = form.cleaned_data
            services.payment_record(
                actor=request.user,
                application_id=pk,
                amount=d["amount"],
                paid_on=d["paid_on"],
                method=d["method"],
                voucher_no=d["voucher_no"],
            )
            messages.success(request, _("发放已登记。"))
        else:
            messages.error(request, _errors(form))
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("hardship:detail", pk)


def attachment_file(request: AuthedHttpRequest, pk: int, file_id: int) -> FileResponse:
    application = _opened(request, pk)
    found = application.attachments.filter(pk=file_id).first()
    if found is None:
        raise Http404(_("文件不存在。"))
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


def payments(request: AuthedHttpRequest) -> HttpResponse:
    if not selectors.on_any_committee(request.user):
        raise Http404(_("只有爱心基金委员会可以查看发放记录。"))
    year = parse_int(request.GET.get("year"), minimum=2000, maximum=2100, default=timezone.localdate().year)
    context = {"year": selectors.payments_in_year(request.user, year), "years": selectors.payment_years(request.user)}
    return render(request, "hardship/payments.html", context)
