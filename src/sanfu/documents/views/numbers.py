"""文号登记簿 (the office's): the register of a 发文字号 and year on the page, as an Excel workbook and as a
printable A4 sheet, all three from the same selector and the same filters; and voiding a number. Every number
is listed (the register stays contiguous); a document's title only to a viewer the read rule lets read it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.errors import ApplicationError
from sanfu.core.params import parse_int, parse_text
from sanfu.documents import register_export, selectors, services
from sanfu.documents.models import DocumentNumber
from sanfu.documents.views.common import not_found, quoted

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_POST
def number_void(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    number: DocumentNumber = not_found(lambda: selectors.access_number(actor=request.user, number_id=pk))
    try:
        services.number_void(actor=request.user, number_id=pk, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("文号已作废，不再使用。"))
    if request.POST.get("next") == "register":
        return redirect(f"{reverse('documents:numbers')}?prefix={quoted(number.prefix)}&year={number.year}")
    if number.document_id:
        return redirect("documents:outgoing", number.document_id)
    return redirect("documents:outgoing_list")


def _register(request: AuthedHttpRequest) -> selectors.NumberRegister:
    """The register the page's filters choose (发文字号 and 年度), to the office only."""
    if not selectors.is_office(request.user):
        raise Http404
    prefix = parse_text(request.GET.get("prefix"), max_length=32)
    year = parse_int(request.GET.get("year"), minimum=1, maximum=9999)
    return selectors.number_register(actor=request.user, prefix=prefix, year=year)


def _context(register: selectors.NumberRegister) -> dict[str, object]:
    return {
        "prefixes": register.prefixes,
        "years": register.years,
        "prefix": register.prefix,
        "year": register.year,
        "numbers": register.numbers,
        "rows": register.rows,
        "used": register.used,
        "voided": register.voided,
    }


def number_register(request: AuthedHttpRequest) -> HttpResponse:
    """文号登记簿 (the office): every number of a prefix and year in order, with the document that carries
    it or, for a voided one, who voided it, when and why."""
    return render(request, "documents/number_register.html", _context(_register(request)))


def number_register_export(request: AuthedHttpRequest) -> HttpResponse:
    """The register as filtered on the page, as an Excel workbook."""
    register = _register(request)
    response = HttpResponse(register_export.register_workbook(register), content_type=XLSX)
    name = f"{_('文号登记簿')}-{register.prefix}-{register.year}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    return response


def number_register_print(request: AuthedHttpRequest) -> HttpResponse:
    """The register as filtered on the page, on A4 pages to print (or save as PDF from the browser)."""
    context = _context(_register(request))
    context.update({"printed_at": timezone.now(), "printed_by": request.user})
    return render(request, "documents/number_register_print.html", context)


urlpatterns: list[URLPattern] = [
    path("numbers/", number_register, name="numbers"),
    path("numbers/export.xlsx", number_register_export, name="numbers_export"),
    path("numbers/print/", number_register_print, name="numbers_print"),
    path("numbers/<int:pk>/void/", number_void, name="number_void"),
]
