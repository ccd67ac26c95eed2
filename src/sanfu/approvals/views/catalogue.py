"""The matter catalogue (事项目录), the one-time notification (一次性告知书, page and PDF), and starting a
matter: the smart form, the materials, drafts, and a submission checked all at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals import formrender, formschema, services
from sanfu.approvals.models import Draft, MatterType
from sanfu.approvals.selectors.catalogue import (
    catalogue_areas,
    form_choices,
    materials_on_file,
    may_start,
    notice_of,
    own_draft,
    returned_request,
    start_values,
)
from sanfu.core.errors import ApplicationError


def catalogue(request: AuthedHttpRequest) -> HttpResponse:
    """事项目录: every matter this person may start, under the three services."""
    query = request.GET.get("q", "").strip()
    return render(
        request, "approvals/catalogue.html", {"areas": catalogue_areas(request.user, query=query), "q": query}
    )


def notice(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """一次性告知书: everything the matter needs, printable, to hand over or send."""
    matter = get_object_or_404(MatterType, code=code, is_active=True)
    return render(request, "approvals/notice.html", notice_of(matter))


def notice_pdf(request: AuthedHttpRequest, code: str) -> HttpResponse:
    matter = get_object_or_404(MatterType, code=code, is_active=True)
    html = render_to_string("approvals/notice_pdf.html", notice_of(matter), request=request)
    # Imported here: WeasyPrint loads Pango/cairo through cffi, which is slow and only this view needs it.
    import weasyprint

    pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=notice-{matter.code}.pdf"
    return response


def _form_context(
    request: AuthedHttpRequest, matter: MatterType, data: Mapping[str, Any], errors: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    field_errors = [
        formschema.FieldError(field=str(e["field"]), message=str(e["message"]), row=e.get("row"))
        for e in errors
        if e.get("where") == "form"
    ]
    return {
        "fields": formrender.render_context(schema, data, field_errors, None, **form_choices()),
        "non_field_errors": formrender.non_field_errors(field_errors),
        "preview_url": reverse("approvals:preview", args=[matter.code]) if schema.is_dynamic else None,
        "form_id": "smart-form",
    }


def start(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Start a matter: fill the form, attach the materials, submit (or save a draft)."""
    matter = get_object_or_404(MatterType, code=code, is_active=True)
    if not may_start(request.user, matter):
        raise Http404
    draft = None
    if request.GET.get("draft"):
        draft = own_draft(request.user, matter, request.GET["draft"])
        if draft is None:
            raise Http404
    if request.GET.get("copy"):
        try:
            copied = services.request_copy(actor=request.user, request_id=int(request.GET["copy"]))
        except (ApplicationError, ValueError) as exc:
            raise Http404 from exc
        return redirect(f"{reverse('approvals:start', args=[matter.code])}?draft={copied.pk}")
    returned = None  # 修改后重新提交: a returned request of mine, corrected on this page
    if request.GET.get("resubmit"):
        returned = returned_request(request.user, matter, request.GET["resubmit"])
        if returned is None:
            raise Http404
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    title, urgency, data = start_values(draft, returned)
    problems: list[dict[str, Any]] = []
    if request.method == "POST":
        title = request.POST.get("title", "")
        urgency = request.POST.get("urgency", "平急")
        data, _files = formrender.form_from_post(schema, request.POST, request.FILES)
        if request.POST.get("action") == "draft":
            saved = services.draft_save(
                actor=request.user,
                matter=matter,
                title=title,
                data=data,
                urgency=urgency,
                draft_id=draft.pk if draft else None,
            )
            messages.success(request, _("草稿已保存。"))
            return redirect(f"{reverse('approvals:start', args=[matter.code])}?draft={saved.pk}")
        materials = {str(m["code"]): request.FILES.getlist(f"material-{m['code']}") for m in matter.materials}
        files = {f.name: request.FILES.getlist(f.name) for f in schema.fields if f.type == "attachment"}
        data = {k: v for k, v in data.items() if k not in files}
        try:
            if returned is not None:
                services.request_resubmit(
                    actor=request.user,
                    request_id=returned.pk,
                    data=data,
                    materials=materials,
                    files=files,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("已修改并重新提交。"))
                return redirect("approvals:instance", instance_id=returned.instance_id)
            created = services.matter_submit(
                actor=request.user,
                matter=matter,
                title=title,
                data=data,
                urgency=urgency,
                materials=materials,
                files=files,
                draft=draft,
            )
        except ApplicationError as exc:
            # The problems box lists every item once; no flash message repeating it.
            problems = list(exc.errors) or [{"where": "form", "field": "", "label": "", "message": exc.message}]
        else:
            messages.success(request, _("已提交，编号 %(n)s。") % {"n": created.number})
            return redirect("approvals:instance", instance_id=created.instance_id)
    context = {
        "matter": matter,
        "title": title,
        "urgency": urgency,
        "urgencies": services.URGENCIES,
        "draft": draft,
        "returned": returned,
        "on_file": materials_on_file(returned),
        "problems": problems,
        "material_problems": {p["field"]: p["message"] for p in problems if p.get("where") == "material"},
        **_form_context(request, matter, data, problems),
    }
    return render(request, "approvals/start.html", context, status=422 if problems else 200)


@require_POST
def preview(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """HTMX: re-render the form after a change, so the server decides what is visible and required."""
    matter = get_object_or_404(MatterType, code=code, is_active=True)
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    data, _files = formrender.form_from_post(schema, request.POST, request.FILES)
    return render(request, "approvals/partials/_form.html", _form_context(request, matter, data))


def draft_resume(request: AuthedHttpRequest, draft_id: int) -> HttpResponse:
    """Open one of my drafts in its matter's start page."""
    draft = get_object_or_404(Draft.objects.select_related("matter"), pk=draft_id, owner=request.user)
    return redirect(f"{reverse('approvals:start', args=[draft.matter.code])}?draft={draft.pk}")


@require_POST
def draft_delete(request: AuthedHttpRequest, draft_id: int) -> HttpResponse:
    try:
        services.draft_delete(actor=request.user, draft_id=draft_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("草稿已删除。"))
    return redirect(reverse("approvals:catalogue"))


urlpatterns: list[URLPattern] = [
    path("catalogue/", catalogue, name="catalogue"),
    path("matters/<slug:code>/notice/", notice, name="notice"),
    path("matters/<slug:code>/notice.pdf", notice_pdf, name="notice_pdf"),
    path("matters/<slug:code>/start/", start, name="start"),
    path("matters/<slug:code>/preview/", preview, name="preview"),
    path("drafts/<int:draft_id>/", draft_resume, name="draft"),
    path("drafts/<int:draft_id>/delete/", draft_delete, name="draft_delete"),
]
