"""督办's reports: the monthly bulletin (月度通报: page with charts, DOCX, Excel), the periodic assessment (定期考核:
page, Excel), and the ledger's Excel export and import. Every figure comes from ``bulletin`` / ``assessment``;
the views parse the request, call one of them and render. The bulletin, the assessment and the import are the
office's and the leaders' (others get 404, as ``item_new`` answers them); the ledger export is anyone's, of the
items their own ledger shows."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError
from sanfu.core.forms import StyledForm
from sanfu.core.params import parse_id, parse_text
from sanfu.org.models import Unit
from sanfu.org.selectors import unit_name_of
from sanfu.supervision import assessment, bulletin, excel, rights, selectors
from sanfu.supervision.status import Status

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_office_or_leader(request: AuthedHttpRequest) -> None:
    if not assessment.may_view(request.user):
        raise Http404


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response


# --- the monthly bulletin -------------------------------------------------------------------------------------


def _bulletin_of(request: AuthedHttpRequest) -> bulletin.Bulletin:
    """The bulletin the query asks for (``month``, ``unit``); ApplicationError for a bad month or unit."""
    year, month = bulletin.parse_month(parse_text(request.GET.get("month"), max_length=10))
    unit_text = request.GET.get("unit") or ""
    unit_id = parse_id(unit_text)
    if unit_text and unit_id is None:
        raise ApplicationError(_("所选单位不存在。"))
    return bulletin.bulletin(request.user, year=year, month=month, unit_id=unit_id)


def _issuer(request: AuthedHttpRequest, b: bulletin.Bulletin) -> str:
    return b.unit_name or unit_name_of(request.user) or _("督办工作")


def bulletin_page(request: AuthedHttpRequest) -> HttpResponse:
    """月度通报: the month's figures by department with charts, the ranking and the lists; links to the ledger
    filtered to the items behind a figure where its filters allow."""
    _require_office_or_leader(request)
    error = ""
    found = None
    try:
        found = _bulletin_of(request)
    except ApplicationError as exc:
        error = exc.message
    query = {"month": found.month_text} if found else {}
    if found and found.unit_id:
        query["unit"] = str(found.unit_id)
    context: dict[str, Any] = {
        "b": found,
        "error": error,
        "month": found.month_text if found else parse_text(request.GET.get("month"), max_length=10),
        "units": Unit.objects.order_by("sort", "pk"),
        "query": urlencode(query),
        "chart": found.chart_data() if found else None,
        "ledger": reverse("supervision:ledger"),
        "at_risk_url": reverse("supervision:ledger") + "?status=at_risk",
        "overdue_url": reverse("supervision:ledger") + "?status=overdue",
    }
    return render(request, "supervision/reports/bulletin.html", context, status=400 if error else 200)


def _bulletin_download(request: AuthedHttpRequest, fmt: str) -> HttpResponse:
    _require_office_or_leader(request)
    try:
        found = _bulletin_of(request)
        name = _("%(y)d年%(m)d月督办通报") % {"y": found.year, "m": found.month}
        if fmt == "docx":
            content = bulletin.render_docx(found, issuer=_issuer(request, found))
            return _download(content, f"{name}.docx", DOCX_TYPE)
        content = excel.bulletin_workbook(actor=request.user, bulletin=found)
        return _download(content, f"{name}.xlsx", xlsx.CONTENT_TYPE)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("supervision:bulletin") + "?" + request.GET.urlencode())


def bulletin_docx(request: AuthedHttpRequest) -> HttpResponse:
    return _bulletin_download(request, "docx")


def bulletin_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    return _bulletin_download(request, "xlsx")


# --- the periodic assessment ----------------------------------------------------------------------------------


def _assessment_of(request: AuthedHttpRequest) -> assessment.Assessment:
    start, end = assessment.parse_period(
        parse_text(request.GET.get("start"), max_length=10), parse_text(request.GET.get("end"), max_length=10)
    )
    return assessment.assessment(request.user, start=start, end=end)


def assessment_page(request: AuthedHttpRequest) -> HttpResponse:
    """定期考核: each department's and each person's record over the chosen period."""
    _require_office_or_leader(request)
    error = ""
    found = None
    try:
        found = _assessment_of(request)
    except ApplicationError as exc:
        error = exc.message
    context = {
        "a": found,
        "error": error,
        "start": found.start.isoformat() if found else parse_text(request.GET.get("start"), max_length=10),
        "end": found.end.isoformat() if found else parse_text(request.GET.get("end"), max_length=10),
        "query": urlencode({"start": found.start.isoformat(), "end": found.end.isoformat()}) if found else "",
    }
    return render(request, "supervision/reports/assessment.html", context, status=400 if error else 200)


def assessment_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    _require_office_or_leader(request)
    try:
        found = _assessment_of(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("supervision:assessment") + "?" + request.GET.urlencode())
    name = _("督办考核%(start)s至%(end)s") % {"start": found.start.isoformat(), "end": found.end.isoformat()}
    return _download(excel.assessment_workbook(found), f"{name}.xlsx", xlsx.CONTENT_TYPE)


# --- the ledger in Excel ------------------------------------------------------------------------------------


def _ledger_filters(request: AuthedHttpRequest) -> selectors.LedgerFilters:
    """The ledger page's filters, read as it reads them (a bad month is no filter there either)."""
    status = parse_text(request.GET.get("status"), max_length=16)
    found = re.fullmatch(r"(\d{4})-(\d{2})", parse_text(request.GET.get("month"), max_length=7))
    month = (int(found.group(1)), int(found.group(2))) if found and 1 <= int(found.group(2)) <= 12 else None
    return selectors.LedgerFilters(
        status=status if status in {s.value for s in Status} else "",
        department_id=parse_id(request.GET.get("department")),
        source=parse_text(request.GET.get("source"), max_length=16),
        owner_id=parse_id(request.GET.get("owner")),
        month=month,
        query=parse_text(request.GET.get("q")),
    )


def ledger_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    """督办台账 as Excel: the rows the ledger page shows with the same filters."""
    try:
        content = excel.ledger_workbook(actor=request.user, filters=_ledger_filters(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("supervision:ledger") + "?" + request.GET.urlencode())
    return _download(content, _("督办台账.xlsx"), xlsx.CONTENT_TYPE)


class ImportForm(StyledForm):
    upload = forms.FileField(
        label=gettext_lazy("督办台账 Excel 文件"), help_text=gettext_lazy("只支持 .xlsx；第一行为表头。")
    )


def ledger_import(request: AuthedHttpRequest) -> HttpResponse:
    """导入督办台账: all or nothing, with every problem as (sheet, row, column, why)."""
    if not rights.may_create(request.user):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    import_errors: list[dict[str, object]] = []
    created = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["upload"]
        try:
            created = excel.items_import(actor=request.user, name=upload.name or "", content=upload.read())
        except ApplicationError as exc:
            import_errors = exc.errors
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已导入 %(n)d 项督办事项。") % {"n": len(created)})
    context = {
        "form": form,
        "import_errors": import_errors,
        "created": created,
        "required": excel.REQUIRED,
        "columns": excel.IMPORTED,
        "ignored": excel.IGNORED,
    }
    return render(request, "supervision/reports/import.html", context, status=400 if import_errors else 200)


def ledger_template(request: AuthedHttpRequest) -> HttpResponse:
    """An empty ledger with the import's header."""
    if not rights.may_create(request.user):
        raise Http404
    return _download(excel.template_workbook(), _("督办台账导入模板.xlsx"), xlsx.CONTENT_TYPE)


urlpatterns: list[URLPattern] = [
    path("reports/bulletin/", bulletin_page, name="bulletin"),
    path("reports/bulletin.docx", bulletin_docx, name="bulletin_docx"),
    path("reports/bulletin.xlsx", bulletin_xlsx, name="bulletin_xlsx"),
    path("reports/assessment/", assessment_page, name="assessment"),
    path("reports/assessment.xlsx", assessment_xlsx, name="assessment_xlsx"),
    path("reports/ledger.xlsx", ledger_xlsx, name="ledger_xlsx"),
    path("reports/import/", ledger_import, name="ledger_import"),
    path("reports/import/template.xlsx", ledger_template, name="ledger_template"),
]
