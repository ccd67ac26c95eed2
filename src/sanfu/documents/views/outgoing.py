"""发文 pages: draft from a template, list, detail with revisions and differences, sign-off digest, 文号,
issuance receipts, DOCX/PDF. Every POST goes to a service; every read goes through the access selectors
(others get 404, audited), and a read or export of a 秘密/机密 one is audited.

Opening the page records nothing: a recipient's 已阅 is a POST (``outgoing_read``) that the page sends by
itself once it is shown, or its 标记已阅 button (security issue, hole 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError
from sanfu.core.params import MAX_INT, parse_int, parse_text
from sanfu.documents import diff, ledger_export, output, rights, selectors, services
from sanfu.documents.models import Confidentiality, DocKind, OutgoingDocument, Urgency
from sanfu.documents.views.common import (
    URGENCY_CLASS,
    ids,
    int_of,
    loop,
    not_found,
    quoted,
    read_receipt_reply,
    token,
)


def outgoing_list(request: AuthedHttpRequest) -> HttpResponse:
    docs = selectors.visible_outgoing(request.user)
    query = parse_text(request.GET.get("q"))
    if query:
        docs = docs.filter(title__icontains=query) | docs.filter(number__icontains=query)
    page = Paginator(docs.order_by("-id"), 30).get_page(request.GET.get("page"))
    rows = selectors.list_rows(list(page))
    return render(
        request,
        "documents/outgoing_list.html",
        {
            "rows": rows,
            "page": page,
            "q": query,
            "kinds": DocKind.choices,
            "urgency_class": URGENCY_CLASS,
            "office": selectors.is_office(request.user),
            "may_draft": rights.may_draft(request.user),
        },
    )


def outgoing_export(request: AuthedHttpRequest) -> HttpResponse:
    """发文登记簿: the list as searched, as an Excel workbook (a wider one than the limit is narrowed first)."""
    query = parse_text(request.GET.get("q"))
    try:
        content = ledger_export.outgoing_ledger(actor=request.user, query=query)
    except xlsx.TooManyRowsError as exc:
        messages.warning(request, exc.message)
        return redirect(f"{reverse('documents:outgoing_list')}?{urlencode({'q': query})}")
    return xlsx.attachment(content, f"{_('发文登记簿')}-{timezone.localdate():%Y%m%d}.xlsx")


def outgoing_new(request: AuthedHttpRequest) -> HttpResponse:
    """发文起草: pick a 文种, start from its template (only with the drafting right; the service checks it too)."""
    if not rights.may_draft(request.user):
        raise PermissionDenied(_("您没有起草发文的权限。"))
    kind = request.GET.get("kind") or request.POST.get("kind") or DocKind.NOTICE
    if kind not in DocKind.values:
        kind = DocKind.NOTICE
    values: dict[str, Any] = {"kind": kind, **services.outgoing_template(kind), "urgency": "平急"}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in request.POST}
        signer = selectors.user_by_id(int_of(request.POST.get("signer")))
        countersign = selectors.departments_by_ids(ids(request.POST.getlist("countersign")))
        years = str(values.get("secrecy_years", "")).strip()
        secrecy_years = parse_int(years, minimum=0, maximum=MAX_INT)
        try:
            if years and secrecy_years is None:
                raise ApplicationError(_("保密期限请填写年数（阿拉伯数字）。"))
            document = services.outgoing_draft(
                actor=request.user,
                kind=kind,
                title=values.get("title", ""),
                body=values.get("body", ""),
                recipients=values.get("recipients", ""),
                copy_to=values.get("copy_to", ""),
                urgency=values.get("urgency") or Urgency.NORMAL,
                confidentiality=values.get("confidentiality") or Confidentiality.INTERNAL,
                countersign=countersign,
                signer=signer,
                attachments=request.FILES.getlist("attachments"),
                copy_no=values.get("copy_no", ""),
                secrecy_years=secrecy_years,
                token=token(request),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已送核稿。"))
            return redirect("documents:outgoing", document.pk)
    return render(
        request,
        "documents/outgoing_form.html",
        {
            "values": values,
            "kind": kind,
            "kinds": DocKind.choices,
            "urgencies": Urgency.choices,
            "levels": Confidentiality.choices,
            "departments": selectors.departments_for(request.user),
            "leaders": rights.signing_leaders(rights.place_of_drafter(request.user)),
        },
    )


def outgoing_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    doc: OutgoingDocument = not_found(lambda: selectors.access_outgoing(actor=request.user, document_id=pk))
    services.document_opened(actor=request.user, document=doc, how="read")
    revisions = list(doc.revisions.select_related("author").order_by("no"))
    shown = int_of(request.GET.get("rev"))
    pairs = [(revisions[i - 1], revisions[i]) for i in range(1, len(revisions))]
    chosen = next((p for p in pairs if p[1].no == shown), pairs[-1] if pairs else None)
    my_open = selectors.open_nodes_of(request.user, doc.instance)
    office = selectors.is_office(request.user)
    returned = selectors.last_return(doc.instance)
    signoffs = selectors.signoffs_of(doc)
    return render(
        request,
        "documents/outgoing_detail.html",
        {
            "doc": doc,
            "loop": loop(doc.instance),
            "now": timezone.now(),
            "holders": selectors.holders_of(doc.instance),
            "revisions": revisions,
            "diff_pair": chosen,
            "diff_html": diff.revision_diff(*chosen) if chosen else "",
            "verified": services.verify_frozen(doc) if doc.frozen_revision_id else None,
            "may_revise": services.may_revise(request.user, doc),
            "may_resubmit": selectors.may_resubmit(request.user, doc),
            "may_archive": selectors.may_archive(request.user, doc),
            "auto_archive": services.auto_archive(),
            "returned": returned,
            "returned_after_signoff": bool(returned and signoffs and signoffs[-1].withdrawn_at),
            "signoffs": signoffs,
            "my_open": my_open,
            "office": office,
            "numbers": selectors.numbers_of_document(doc),
            "issuances": doc.issuances.select_related("receiver", "department"),
            "read_pending": selectors.issuance_unread(request.user, doc),
            "files": doc.files.all(),
            "departments": selectors.departments_for(request.user)
            if ("issue" in my_open or "review" in my_open)
            else [],
            "leaders": rights.signing_leaders(rights.place_of(doc)) if "review" in my_open else [],
            "output": output.available(),
            "body": output.body_without_salutation(doc.body, doc.recipients),
            "urgency_class": URGENCY_CLASS,
            **selectors.flow_record(doc.instance, request.user),
        },
    )


def _revise(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_revise(
        actor=request.user,
        document_id=doc.pk,
        title=request.POST.get("title", ""),
        body=request.POST.get("body", ""),
        recipients=request.POST.get("recipients", ""),
        copy_to=request.POST.get("copy_to", ""),
        comment=comment,
        token=token(request),
    )
    return _("已保存为新一稿。")


def _review(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    departments = selectors.departments_by_ids(ids(request.POST.getlist("departments")))
    services.outgoing_review(
        actor=request.user,
        document_id=doc.pk,
        comment=comment,
        countersign=departments if "countersign_set" in request.POST else None,
        signer=selectors.user_by_id(int_of(request.POST.get("signer"))),
        token=token(request),
    )
    return _("已办理。")


def _return(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    was_signed = doc.frozen_revision_id is not None
    services.outgoing_return(actor=request.user, document_id=doc.pk, comment=comment, token=token(request))
    who = doc.drafter.display_name
    if was_signed:
        return _("已退回拟稿人 %(who)s 修改。原签发定稿已作废，修改后须重新核稿、签发。") % {"who": who}
    return _("已退回拟稿人 %(who)s 修改。") % {"who": who}


def _resubmit(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_resubmit(actor=request.user, document_id=doc.pk, comment=comment, token=token(request))
    return _("已重新送核稿。")


def _sent_back_to(doc: OutgoingDocument) -> str:
    """'已退回 核稿（甲、乙）。': the step the document went back to and its people now."""
    holders = selectors.holders_of(doc.instance)
    if not holders:
        return _("已退回。")
    step = holders[0]
    return _("已退回%(step)s（%(people)s）。") % {"step": step.node_name, "people": "、".join(step.people)}


def _countersign(agree: bool) -> Callable[[AuthedHttpRequest, OutgoingDocument, str], str]:
    def act(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
        services.outgoing_countersign(
            actor=request.user, document_id=doc.pk, comment=comment, agree=agree, token=token(request)
        )
        return _("已办理。") if agree else _sent_back_to(doc)

    return act


def _sign_off(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_sign_off(actor=request.user, document_id=doc.pk, comment=comment, token=token(request))
    return _("已办理。")


def _number(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_assign_number(actor=request.user, document_id=doc.pk, token=token(request))
    return _("已办理。")


def _issue(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    issued = services.outgoing_issue(
        actor=request.user,
        document_id=doc.pk,
        departments=selectors.departments_by_ids(ids(request.POST.getlist("departments"))),
        external=[line for line in request.POST.get("external", "").splitlines() if line.strip()],
        comment=comment,
        token=token(request),
    )
    return _("已印发并归档。") if issued.archived_at else _("已印发，待归档。")


def _archive(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_archive(actor=request.user, document_id=doc.pk, token=token(request))
    return _("已归档。")


def _receive(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.issuance_receive(actor=request.user, issuance_id=int_of(request.POST.get("issuance")) or 0)
    return _("已办理。")


OUTGOING_STEPS: dict[str, Callable[[AuthedHttpRequest, OutgoingDocument, str], str]] = {
    "revise": _revise,
    "review": _review,
    "return": _return,
    "resubmit": _resubmit,
    "agree": _countersign(agree=True),
    "disagree": _countersign(agree=False),
    "signoff": _sign_off,
    "number": _number,
    "issue": _issue,
    "archive": _archive,
    "receive": _receive,
}


@require_POST
def outgoing_read(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """已阅 (分发): a recipient read the issued document; the page posts it in the background once it is shown
    (asking for JSON), its 标记已阅 button without JavaScript."""
    doc: OutgoingDocument = not_found(lambda: selectors.access_outgoing(actor=request.user, document_id=pk))
    marked = services.issuance_seen(actor=request.user, document=doc)
    return read_receipt_reply(request, marked, "documents:outgoing", doc.pk)


@require_POST
def outgoing_act(request: AuthedHttpRequest, pk: int, step: str) -> HttpResponse:
    doc: OutgoingDocument = not_found(lambda: selectors.access_outgoing(actor=request.user, document_id=pk))
    act = OUTGOING_STEPS.get(step)
    if act is None:
        raise Http404
    try:
        done = act(request, doc, request.POST.get("comment", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("documents:outgoing", doc.pk)


def outgoing_download(request: AuthedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    """DOCX / PDF laid out to GB/T 9704; a signed-off text that fails its digest is not served (the page says
    why)."""
    doc: OutgoingDocument = not_found(lambda: selectors.access_outgoing(actor=request.user, document_id=pk))
    types = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
    }
    if fmt not in types or not output.available():
        raise Http404
    try:
        content = services.outgoing_export(actor=request.user, document_id=doc.pk, fmt=fmt)
    except services.TamperedError as exc:
        messages.error(request, exc.message)
        return redirect("documents:outgoing", doc.pk)
    response = HttpResponse(content, content_type=types[fmt])
    name = f"{doc.number or doc.title}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quoted(name)}"
    return response


urlpatterns: list[URLPattern] = [
    path("outgoing/", outgoing_list, name="outgoing_list"),
    path("outgoing/export.xlsx", outgoing_export, name="outgoing_export"),
    path("outgoing/new/", outgoing_new, name="outgoing_new"),
    path("outgoing/<int:pk>/", outgoing_detail, name="outgoing"),
    path("outgoing/<int:pk>/download.<str:fmt>", outgoing_download, name="outgoing_download"),
    path("outgoing/<int:pk>/read/", outgoing_read, name="outgoing_read"),  # before the steps' pattern
    path("outgoing/<int:pk>/<slug:step>/", outgoing_act, name="outgoing_act"),
]
