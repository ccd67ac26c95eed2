"""公文 pages: 收文 (register, list, the whole loop on one page) and 发文 (draft from a template, list, detail
with revisions and differences, sign-off digest, 文号 and voiding, issuance receipts, DOCX/PDF). Every POST
goes to a service; every read goes through the access selectors (others get 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.documents import diff, output, selectors, services
from sanfu.documents.models import (
    Confidentiality,
    DocKind,
    DocumentFile,
    DocumentNumber,
    IncomingDocument,
    OutgoingDocument,
    StepKind,
    Urgency,
)
from sanfu.documents.templatetags.documents_forms import TOKEN_FIELD
from sanfu.workflow.timeline import duration_text

URGENCY_CLASS = {"特急": "text-bg-danger", "加急": "text-bg-warning", "平急": "text-bg-light"}


def _not_found(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _loop(instance: Any) -> list[selectors.StepView]:
    steps = selectors.loop_of(instance)
    for step in steps:
        step.spent_text = duration_text(step.spent) if step.spent is not None else ""  # type: ignore[attr-defined]
    return steps


# --- 收文 -----------------------------------------------------------------------------------------------


def incoming_list(request: AuthedHttpRequest) -> HttpResponse:
    """收文列表: status, who holds it and for how long, overdue and duplicate marks."""
    docs = selectors.visible_incoming(request.user)
    query = request.GET.get("q", "").strip()
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
            "urgency_class": URGENCY_CLASS,
        },
    )


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
                received_on=_date(values.get("received_on")),
                urgency=values.get("urgency") or Urgency.NORMAL,
                confidentiality=values.get("confidentiality") or Confidentiality.INTERNAL,
                deadline=_date(values.get("deadline")),
                pages=_int(values.get("pages")) or 1,
                summary=values.get("summary", ""),
                original=request.FILES.get("original"),
                attachments=request.FILES.getlist("attachments"),
                token=_token(request),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if document.duplicate_of_id:
                messages.warning(request, _("已登记。注意：该来文单位的同一文号此前已登记过，可能重复。"))
            else:
                messages.success(request, _("已登记，流程已转拟办。"))
            return redirect("documents:incoming", document.pk)
    duplicates = selectors.duplicates_of(str(values.get("source_unit", "")), str(values.get("source_number", "")))
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
    duplicates = selectors.duplicates_of(request.GET.get("source_unit", ""), request.GET.get("source_number", ""))
    return render(request, "documents/partials/_duplicates.html", {"duplicates": duplicates})


def incoming_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The whole loop on one page: every step, who holds it now and for how long, what each wrote."""
    doc: IncomingDocument = _not_found(lambda: selectors.access_incoming(actor=request.user, document_id=pk))
    services.circulation_read(actor=request.user, instance=doc.instance)  # opening it is reading it (传阅)
    my_open = selectors.open_nodes_of(request.user, doc.instance)
    steps = list(doc.steps.select_related("actor", "department"))
    lead, co = selectors.distribution_of(steps)
    return render(
        request,
        "documents/incoming_detail.html",
        {
            "doc": doc,
            "loop": _loop(doc.instance),
            "now": timezone.now(),
            "holders": selectors.holders_of(doc.instance),
            "steps": steps,
            "instruction": next((s for s in steps if s.kind == StepKind.INSTRUCTION), None),
            "lead": lead,
            "co": co,
            "circulation": selectors.circulation_of(doc.instance),
            "files": doc.files.all(),
            "my_open": my_open,
            "leaders": selectors.leaders() if "propose" in my_open else [],
            "people": selectors.people() if "propose" in my_open else [],
            "departments": selectors.departments_for(request.user) if "distribute" in my_open else [],
            "urgency_class": URGENCY_CLASS,
            "duplicates": selectors.duplicates_of(doc.source_unit, doc.source_number, exclude=doc.pk),
            "today": timezone.localdate(),
            **selectors.flow_record(doc.instance, request.user),
        },
    )


def _token(request: AuthedHttpRequest) -> str:
    """The form's one-time token (see the ``submit_token`` tag): a repeated submit is applied once."""
    return request.POST.get(TOKEN_FIELD, "")


def _ids(values: list[str]) -> list[int]:
    return [int(i) for i in values if i.isdigit()]


@require_POST
def incoming_act(request: AuthedHttpRequest, pk: int, step: str) -> HttpResponse:
    doc: IncomingDocument = _not_found(lambda: selectors.access_incoming(actor=request.user, document_id=pk))
    text = request.POST.get("text", "")
    try:
        if step == "propose":
            leader = selectors.user_by_id(_int(request.POST.get("leader")))
            if leader is None:
                raise ApplicationError(_("请选择批办领导。"))
            services.incoming_propose(
                actor=request.user,
                document_id=doc.pk,
                text=text,
                leader=leader,
                readers=selectors.active_users(_ids(request.POST.getlist("readers"))),
                token=_token(request),
            )
        elif step == "instruct":
            services.incoming_instruct(actor=request.user, document_id=doc.pk, text=text, token=_token(request))
        elif step == "distribute":
            found = selectors.departments_by_ids(_ids([request.POST.get("lead", "")]))
            if not found:
                raise ApplicationError(_("请选择主办部门。"))
            lead = found[0]
            co = selectors.departments_by_ids(_ids(request.POST.getlist("co")))
            services.incoming_distribute(
                actor=request.user, document_id=doc.pk, lead=lead, co=co, note=text, token=_token(request)
            )
        elif step == "reply":
            services.incoming_reply(actor=request.user, document_id=doc.pk, text=text, token=_token(request))
        elif step == "close":
            services.incoming_close(actor=request.user, document_id=doc.pk, text=text, token=_token(request))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已办理。"))
    return redirect("documents:incoming", doc.pk)


def file_download(request: AuthedHttpRequest, pk: int) -> FileResponse:
    record: DocumentFile = _not_found(lambda: selectors.access_file(actor=request.user, file_id=pk))
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.name)


# --- 发文 -----------------------------------------------------------------------------------------------


def outgoing_list(request: AuthedHttpRequest) -> HttpResponse:
    docs = selectors.visible_outgoing(request.user)
    query = request.GET.get("q", "").strip()
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
        },
    )


def outgoing_new(request: AuthedHttpRequest) -> HttpResponse:
    """发文起草: pick a 文种, start from its template."""
    kind = request.GET.get("kind") or request.POST.get("kind") or DocKind.NOTICE
    if kind not in DocKind.values:
        kind = DocKind.NOTICE
    values: dict[str, Any] = {"kind": kind, **services.outgoing_template(kind), "urgency": "平急"}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in request.POST}
        signer = selectors.user_by_id(_int(request.POST.get("signer")))
        countersign = selectors.departments_by_ids(_ids(request.POST.getlist("countersign")))
        years = str(values.get("secrecy_years", "")).strip()
        try:
            if years and not years.isdigit():
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
                secrecy_years=int(years) if years else None,
                token=_token(request),
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
            "leaders": selectors.leaders(),
        },
    )


def outgoing_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    doc: OutgoingDocument = _not_found(lambda: selectors.access_outgoing(actor=request.user, document_id=pk))
    services.issuance_seen(actor=request.user, document=doc)
    revisions = list(doc.revisions.select_related("author").order_by("no"))
    shown = _int(request.GET.get("rev"))
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
            "loop": _loop(doc.instance),
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
            "files": doc.files.all(),
            "departments": selectors.departments_for(request.user)
            if ("issue" in my_open or "review" in my_open)
            else [],
            "leaders": selectors.leaders() if "review" in my_open else [],
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
        token=_token(request),
    )
    return _("已保存为新一稿。")


def _review(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    departments = selectors.departments_by_ids(_ids(request.POST.getlist("departments")))
    services.outgoing_review(
        actor=request.user,
        document_id=doc.pk,
        comment=comment,
        countersign=departments if "countersign_set" in request.POST else None,
        signer=selectors.user_by_id(_int(request.POST.get("signer"))),
        token=_token(request),
    )
    return _("已办理。")


def _return(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    was_signed = doc.frozen_revision_id is not None
    services.outgoing_return(actor=request.user, document_id=doc.pk, comment=comment, token=_token(request))
    who = doc.drafter.display_name
    if was_signed:
        return _("已退回拟稿人 %(who)s 修改。原签发定稿已作废，修改后须重新核稿、签发。") % {"who": who}
    return _("已退回拟稿人 %(who)s 修改。") % {"who": who}


def _resubmit(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_resubmit(actor=request.user, document_id=doc.pk, comment=comment, token=_token(request))
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
            actor=request.user, document_id=doc.pk, comment=comment, agree=agree, token=_token(request)
        )
        return _("已办理。") if agree else _sent_back_to(doc)

    return act


def _sign_off(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_sign_off(actor=request.user, document_id=doc.pk, comment=comment, token=_token(request))
    return _("已办理。")


def _number(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_assign_number(actor=request.user, document_id=doc.pk, token=_token(request))
    return _("已办理。")


def _issue(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    issued = services.outgoing_issue(
        actor=request.user,
        document_id=doc.pk,
        departments=selectors.departments_by_ids(_ids(request.POST.getlist("departments"))),
        external=[line for line in request.POST.get("external", "").splitlines() if line.strip()],
        comment=comment,
        token=_token(request),
    )
    return _("已印发并归档。") if issued.archived_at else _("已印发，待归档。")


def _archive(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.outgoing_archive(actor=request.user, document_id=doc.pk, token=_token(request))
    return _("已归档。")


def _receive(request: AuthedHttpRequest, doc: OutgoingDocument, comment: str) -> str:
    services.issuance_receive(actor=request.user, issuance_id=_int(request.POST.get("issuance")) or 0)
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
def outgoing_act(request: AuthedHttpRequest, pk: int, step: str) -> HttpResponse:
    doc: OutgoingDocument = _not_found(lambda: selectors.access_outgoing(actor=request.user, document_id=pk))
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


@require_POST
def number_void(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    number: DocumentNumber = _not_found(lambda: selectors.access_number(actor=request.user, number_id=pk))
    try:
        services.number_void(actor=request.user, number_id=pk, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("文号已作废，不再使用。"))
    if request.POST.get("next") == "register":
        return redirect(f"{reverse('documents:numbers')}?prefix={_quote(number.prefix)}&year={number.year}")
    if number.document_id:
        return redirect("documents:outgoing", number.document_id)
    return redirect("documents:outgoing_list")


def number_register(request: AuthedHttpRequest) -> HttpResponse:
    """文号登记簿 (the office): every number of a prefix and year in order, with the document that carries
    it or, for a voided one, who voided it, when and why."""
    if not selectors.is_office(request.user):
        raise Http404
    register = selectors.number_register(
        prefix=request.GET.get("prefix", "").strip(), year=_int(request.GET.get("year"))
    )
    return render(
        request,
        "documents/number_register.html",
        {
            "prefixes": register.prefixes,
            "years": register.years,
            "prefix": register.prefix,
            "year": register.year,
            "numbers": register.numbers,
            "used": register.used,
            "voided": register.voided,
        },
    )


def outgoing_download(request: AuthedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    """DOCX / PDF laid out to GB/T 9704."""
    doc: OutgoingDocument = _not_found(lambda: selectors.access_outgoing(actor=request.user, document_id=pk))
    types = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
    }
    if fmt not in types or not output.available():
        raise Http404
    content = output.render(doc, fmt)
    response = HttpResponse(content, content_type=types[fmt])
    name = f"{doc.number or doc.title}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def home(request: AuthedHttpRequest) -> HttpResponse:
    return redirect(reverse("documents:incoming_list"))


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("incoming/", incoming_list, name="incoming_list"),
    path("incoming/new/", incoming_new, name="incoming_new"),
    path("incoming/duplicates/", incoming_duplicates, name="incoming_duplicates"),
    path("incoming/<int:pk>/", incoming_detail, name="incoming"),
    path("incoming/<int:pk>/<slug:step>/", incoming_act, name="incoming_act"),
    path("files/<int:pk>/", file_download, name="file"),
    path("outgoing/", outgoing_list, name="outgoing_list"),
    path("outgoing/new/", outgoing_new, name="outgoing_new"),
    path("outgoing/<int:pk>/", outgoing_detail, name="outgoing"),
    path("outgoing/<int:pk>/download.<str:fmt>", outgoing_download, name="outgoing_download"),
    path("outgoing/<int:pk>/<slug:step>/", outgoing_act, name="outgoing_act"),
    path("numbers/", number_register, name="numbers"),
    path("numbers/<int:pk>/void/", number_void, name="number_void"),
]
