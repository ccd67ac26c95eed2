"""收文 pages: register, list, and the whole loop on one page (拟办, 批办, 传阅 by round, 分办, 承办, 办结, with
退回 and the registrar's 重新提交). Every POST goes to a service; every read goes through the access selectors
(others get 404, audited), and a read of a 秘密/机密 one is audited.

Opening the page records nothing: 已阅 on a 传阅 notice is a POST (``incoming_read``) that the page sends by
itself once it is shown, or its 标记已阅 button (security issue, hole 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core import xlsx
from sanfu.core.errors import ApplicationError
from sanfu.core.params import parse_text
from sanfu.documents import ledger_export, selectors, services
from sanfu.documents.flows import step_name
from sanfu.documents.models import Confidentiality, DocumentFile, IncomingDocument, StepKind, Urgency
from sanfu.documents.views.common import (
    URGENCY_CLASS,
    date_of,
    ids,
    int_of,
    loop,
    not_found,
    read_receipt_reply,
    token,
)


def incoming_list(request: AuthedHttpRequest) -> HttpResponse:
    """收文列表: status, who holds it and for how long, overdue and duplicate marks."""
    docs = selectors.visible_incoming(request.user)
    query = parse_text(request.GET.get("q"))
    if query:
        docs = docs.filter(title__icontains=query) | docs.filter(source_number__icontains=query)
    page = Paginator(docs.order_by("-id"), 30).get_page(request.GET.get("page"))
    rows = selectors.list_rows(list(page))
    return render(
        request,
        "documents/incoming_list.html",
        {
            "rows": rows,
            "page": page,
            "q": query,
            "may_register": selectors.is_office(request.user),
            "registrar_step": step_name("登记"),  # where a document returned to its registrar waits
            "urgency_class": URGENCY_CLASS,
        },
    )


def incoming_export(request: AuthedHttpRequest) -> HttpResponse:
    """收文登记簿: the list as searched, as an Excel workbook (a wider one than the limit is narrowed first)."""
    query = parse_text(request.GET.get("q"))
    try:
        content = ledger_export.incoming_ledger(actor=request.user, query=query)
    except xlsx.TooManyRowsError as exc:
        messages.warning(request, exc.message)
        return redirect(f"{reverse('documents:incoming_list')}?{urlencode({'q': query})}")
    return xlsx.attachment(content, f"{_('收文登记簿')}-{timezone.localdate():%Y%m%d}.xlsx")


def incoming_new(request: AuthedHttpRequest) -> HttpResponse:
    """收文登记."""
    if not selectors.is_office(request.user):
        raise Http404
    values: dict[str, Any] = {"received_on": timezone.localdate().isoformat(), "urgency": "平急", "pages": 1}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in request.POST}
        try:
            document = services.incoming_register(
                actor=request.user,
                title=values.get("title", ""),
                source_unit=values.get("source_unit", ""),
                source_number=values.get("source_number", ""),
                received_on=date_of(values.get("received_on")),
                urgency=values.get("urgency") or Urgency.NORMAL,
                confidentiality=values.get("confidentiality") or Confidentiality.INTERNAL,
                deadline=date_of(values.get("deadline")),
                pages=int_of(values.get("pages")) or 1,
                summary=values.get("summary", ""),
                original=request.FILES.get("original"),
                attachments=request.FILES.getlist("attachments"),
                token=token(request),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if document.duplicate_of_id:
                messages.warning(request, _("已登记。注意：该来文单位的同一文号此前已登记过，可能重复。"))
            else:
                messages.success(request, _("已登记，流程已转拟办。"))
            return redirect("documents:incoming", document.pk)
    duplicates = selectors.duplicate_warning(
        request.user, str(values.get("source_unit", "")), str(values.get("source_number", ""))
    )
    return render(
        request,
        "documents/incoming_form.html",
        {
            "values": values,
            "duplicates": duplicates,
            "urgencies": Urgency.choices,
            "levels": Confidentiality.choices,
        },
    )


def incoming_duplicates(request: AuthedHttpRequest) -> HttpResponse:
    """The duplicate flag on the registration form (fetched as the number is typed)."""
    if not selectors.is_office(request.user):
        raise Http404
    duplicates = selectors.duplicate_warning(
        request.user, request.GET.get("source_unit", ""), request.GET.get("source_number", "")
    )
    return render(request, "documents/partials/_duplicates.html", {"duplicates": duplicates})


def _return_choices(my_open: list[str]) -> list[dict[str, Any]]:
    """退回 from the step the viewer holds: the value to post and the step it goes back to, the previous step
    first ("" when they hold none that may return)."""
    node = next((n for n in my_open if n in services.RETURN_TARGETS), None)
    if node is None:
        return []
    names = {"propose": "拟办", "instruct": "批办", "distribute": "分办"}
    return [
        {"value": services.REGISTRAR, "registrar": True}
        if target == services.REGISTRAR
        else {"value": "previous", "step": step_name(names[target])}
        for target in services.RETURN_TARGETS[node]
    ]


def incoming_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The whole loop on one page: every step, who holds it now and for how long, what each wrote."""
    doc: IncomingDocument = not_found(lambda: selectors.access_incoming(actor=request.user, document_id=pk))
    services.document_opened(actor=request.user, document=doc, how="read")
    my_open = selectors.open_nodes_of(request.user, doc.instance)
    steps = list(doc.steps.select_related("actor", "department"))
    routes = selectors.return_routes(doc.instance, steps)
    for step in steps:
        step.route = routes.get(step.pk)  # type: ignore[attr-defined]
    lead, co = selectors.distribution_of(steps)
    holders = selectors.holders_of(doc.instance)
    instruction = selectors.latest_step(steps, StepKind.INSTRUCTION)
    proposal = selectors.latest_step(steps, StepKind.PROPOSAL)
    return render(
        request,
        "documents/incoming_detail.html",
        {
            "doc": doc,
            "loop": loop(doc.instance),
            "now": timezone.now(),
            "holders": holders,
            "steps": steps,
            "instruction": instruction,
            "proposal": proposal.data if proposal else {},
            "lead": lead,
            "co": co,
            "rounds": selectors.circulation_rounds(doc.instance, steps),
            "returned": selectors.pending_return(doc, steps, holders),
            "return_choices": _return_choices(my_open),
            "may_resubmit": selectors.may_resubmit_incoming(request.user, doc),
            "files": doc.files.all(),
            "my_open": my_open,
            "leaders": selectors.leaders() if "propose" in my_open else [],
            "people": selectors.people() if "propose" in my_open else [],
            "departments": selectors.departments_for(request.user) if "distribute" in my_open else [],
            "urgency_class": URGENCY_CLASS,
            "duplicates": selectors.duplicate_warning(request.user, doc.source_unit, doc.source_number, exclude=doc.pk),
            "read_pending": selectors.notices_unread(request.user, doc.instance),
            "today": timezone.localdate(),
            **selectors.flow_record(doc.instance, request.user),
        },
    )


def _propose(request: AuthedHttpRequest, doc: IncomingDocument) -> str:
    leader = selectors.user_by_id(int_of(request.POST.get("leader")))
    if leader is None:
        raise ApplicationError(_("请选择批办领导。"))
    services.incoming_propose(
        actor=request.user,
        document_id=doc.pk,
        text=request.POST.get("text", ""),
        leader=leader,
        readers=selectors.active_users(ids(request.POST.getlist("readers"))),
        token=token(request),
    )
    return _("已办理。")


def _instruct(request: AuthedHttpRequest, doc: IncomingDocument) -> str:
    supervise_until = None
    if request.POST.get("supervise"):
        supervise_until = date_of(request.POST.get("supervise_until", ""))
        if supervise_until is None:
            raise ApplicationError(_("立项督办须填写督办期限（年-月-日）。"))
    services.incoming_instruct(
        actor=request.user,
        document_id=doc.pk,
        text=request.POST.get("text", ""),
        supervise_until=supervise_until,
        token=token(request),
    )
    return _("已办理。")


def _distribute(request: AuthedHttpRequest, doc: IncomingDocument) -> str:
    found = selectors.departments_by_ids(ids([request.POST.get("lead", "")]))
    if not found:
        raise ApplicationError(_("请选择主办部门。"))
    services.incoming_distribute(
        actor=request.user,
        document_id=doc.pk,
        lead=found[0],
        co=selectors.departments_by_ids(ids(request.POST.getlist("co"))),
        note=request.POST.get("text", ""),
        token=token(request),
    )
    return _("已办理。")


def _reply(request: AuthedHttpRequest, doc: IncomingDocument) -> str:
    services.incoming_reply(
        actor=request.user, document_id=doc.pk, text=request.POST.get("text", ""), token=token(request)
    )
    return _("已办理。")


def _close(request: AuthedHttpRequest, doc: IncomingDocument) -> str:
    services.incoming_close(
        actor=request.user, document_id=doc.pk, text=request.POST.get("text", ""), token=token(request)
    )
    return _("已办理。")


def _return(request: AuthedHttpRequest, doc: IncomingDocument) -> str:
    returned = services.incoming_return(
        actor=request.user,
        document_id=doc.pk,
        comment=request.POST.get("text", ""),
        to=request.POST.get("to", "previous"),
        token=token(request),
    )
    steps = list(returned.steps.select_related("actor"))
    sent = selectors.pending_return(returned, steps, selectors.holders_of(returned.instance))
    if sent is None:  # moved on meanwhile (a repeated submit shows the result of the first)
        return _("已退回。")
    return _("已退回给 %(people)s（%(step)s）。") % {"people": _("、").join(sent.to_people), "step": sent.to_step}


def _resubmit(request: AuthedHttpRequest, doc: IncomingDocument) -> str:
    services.incoming_resubmit(
        actor=request.user,
        document_id=doc.pk,
        comment=request.POST.get("text", ""),
        attachments=request.FILES.getlist("attachments"),
        token=token(request),
    )
    return _("已重新提交，转拟办。")


INCOMING_STEPS: dict[str, Callable[[AuthedHttpRequest, IncomingDocument], str]] = {
    "propose": _propose,
    "instruct": _instruct,
    "distribute": _distribute,
    "reply": _reply,
    "close": _close,
    "return": _return,
    "resubmit": _resubmit,
}


@require_POST
def incoming_read(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """已阅 (传阅): this person's unread notices on the document's flow are marked read. The page posts it in the
    background once it is shown (asking for JSON); its 标记已阅 button posts the same form without JavaScript."""
    doc: IncomingDocument = not_found(lambda: selectors.access_incoming(actor=request.user, document_id=pk))
    marked = services.circulation_read(actor=request.user, instance=doc.instance)
    return read_receipt_reply(request, marked, "documents:incoming", doc.pk)


@require_POST
def incoming_act(request: AuthedHttpRequest, pk: int, step: str) -> HttpResponse:
    doc: IncomingDocument = not_found(lambda: selectors.access_incoming(actor=request.user, document_id=pk))
    act = INCOMING_STEPS.get(step)
    if act is None:
        raise Http404
    try:
        done = act(request, doc)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("documents:incoming", doc.pk)


def file_download(request: AuthedHttpRequest, pk: int) -> FileResponse:
    record: DocumentFile = not_found(lambda: selectors.access_file(actor=request.user, file_id=pk))
    services.document_opened(actor=request.user, document=selectors.document_of(record), how="download")
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.name)


urlpatterns: list[URLPattern] = [
    path("incoming/", incoming_list, name="incoming_list"),
    path("incoming/export.xlsx", incoming_export, name="incoming_export"),
    path("incoming/new/", incoming_new, name="incoming_new"),
    path("incoming/duplicates/", incoming_duplicates, name="incoming_duplicates"),
    path("incoming/<int:pk>/", incoming_detail, name="incoming"),
    path("incoming/<int:pk>/read/", incoming_read, name="incoming_read"),  # before the steps' pattern
    path("incoming/<int:pk>/<slug:step>/", incoming_act, name="incoming_act"),
    path("files/<int:pk>/", file_download, name="file"),
]
