"""The matter catalogue (事项目录), the one-time notification (一次性告知书, page and PDF), and starting a
matter: the smart form, the materials, drafts, and a submission checked all at once."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals import formrender, formschema, services
from sanfu.approvals.models import Draft, MatterType, Request
from sanfu.approvals.selectors.catalogue import (
    KeptFiles,
    catalogue_areas,
    expected_path,
    form_choices,
    has_green_channel,
    kept_files,
    materials_on_file,
    notice_cache_key,
    notice_of,
    own_draft,
    returned_request,
    start_values,
    startable_matter,
    submitted_with,
)
from sanfu.core.errors import ApplicationError
from sanfu.core.params import parse_id, parse_ids, parse_text


def catalogue(request: AuthedHttpRequest) -> HttpResponse:
    """事项目录: every matter this person may start, under the three services."""
    query = parse_text(request.GET.get("q"))
    return render(
        request, "approvals/catalogue.html", {"areas": catalogue_areas(request.user, query=query), "q": query}
    )


def _startable(request: AuthedHttpRequest, code: str) -> MatterType:
    """The matter, when this person may start it (the catalogue's rule); 404 otherwise."""
    try:
        return startable_matter(request.user, code)
    except ApplicationError as exc:
        raise Http404 from exc


def notice(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """一次性告知书: everything the matter needs, printable, to hand over or send."""
    matter = _startable(request, code)
    return render(request, "approvals/notice.html", notice_of(matter))


NOTICE_PDF_SECONDS = 24 * 3600  # the key changes with the notice itself; the timeout only frees memory


def notice_pdf(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The notice as a PDF, made once per matter, definition version, language and content (WeasyPrint takes
    about a second a page) and then served from the cache; ``X-Sanfu-Cache`` says which."""
    matter = _startable(request, code)
    key = notice_cache_key(matter, language=get_language() or "")
    pdf = cache.get(key)
    hit = pdf is not None
    if pdf is None:
        html = render_to_string("approvals/notice_pdf.html", notice_of(matter), request=request)
        # Imported here: WeasyPrint loads Pango/cairo through cffi, which is slow and only this view needs it.
        import weasyprint

        pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        cache.set(key, pdf, NOTICE_PDF_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=notice-{matter.code}.pdf"
    response["X-Sanfu-Cache"] = "hit" if hit else "miss"
    return response


TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _form_token(request: AuthedHttpRequest) -> str:
    """The form's token, made when the form is first rendered and carried by every post of it: it keeps the
    files of a refused submission (and makes a doubled submit apply once)."""
    posted = request.POST.get("form_token", "") if request.method == "POST" else ""
    return posted if TOKEN.match(posted) else secrets.token_urlsafe(24)


def _removed(request: AuthedHttpRequest) -> set[int]:
    """Ids of held files the person ticked to remove."""
    return set(parse_ids(request.POST.getlist("remove_file")))


def _form_context(
    request: AuthedHttpRequest,
    matter: MatterType,
    data: Mapping[str, Any],
    errors: Sequence[Mapping[str, Any]] = (),
    *,
    kept: KeptFiles | None = None,
    removed: Collection[int] = (),
) -> dict[str, Any]:
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    field_errors = [
        formschema.FieldError(field=str(e["field"]), message=str(e["message"]), row=e.get("row"))
        for e in errors
        if e.get("where") == "form"
    ]
    if kept is not None:  # files already held show in their fields, each with a remove option
        data = {**data, **kept.field_values(with_ids=True)}
    return {
        "fields": formrender.render_context(schema, data, field_errors, None, **form_choices()),
        "non_field_errors": formrender.non_field_errors(field_errors),
        "preview_url": reverse("approvals:preview", args=[matter.code]) if schema.is_dynamic else None,
        "form_id": "smart-form",
        "removed": set(removed),
    }


def _draft_and_returned(request: AuthedHttpRequest, matter: MatterType) -> tuple[Draft | None, Request | None]:
    """The draft the page continues, or the returned request of mine it corrects (修改后重新提交)."""
    draft = returned = None
    if request.GET.get("draft"):
        draft = own_draft(request.user, matter, request.GET["draft"])
        if draft is None:
            raise Http404
    if request.GET.get("resubmit"):
        returned = returned_request(request.user, matter, request.GET["resubmit"])
        if returned is None:
            raise Http404
    return draft, returned


def _material_rows(matter: MatterType, kept: KeptFiles, problems: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each material with the files already held for it and its problems, for the materials panel."""
    by_code: dict[str, list[str]] = {}
    for p in problems:
        if p.get("where") == "material":
            by_code.setdefault(str(p["field"]), []).append(str(p["message"]))
    return [
        {"spec": m, "kept": kept.materials.get(str(m["code"]), []), "problems": by_code.get(str(m["code"]), [])}
        for m in matter.materials
    ]


def _submitted(request: AuthedHttpRequest, done: Request, *, resubmitted: bool) -> HttpResponse:
    if resubmitted:
        messages.success(request, _("已修改并重新提交。"))
    else:
        messages.success(request, _("已提交，编号 %(n)s。") % {"n": done.number})
    return redirect("approvals:instance", instance_id=done.instance_id)


def start(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Start a matter: fill the form, attach the materials, submit (or save a draft)."""
    matter = _startable(request, code)
    if request.GET.get("copy"):
        source = parse_id(request.GET["copy"])
        if source is None:
            raise Http404
        try:
            copied = services.request_copy(actor=request.user, request_id=source)
        except ApplicationError as exc:
            raise Http404 from exc
        return redirect(f"{reverse('approvals:start', args=[matter.code])}?draft={copied.pk}")
    if request.method == "POST" and request.POST.get("action") != "draft":
        done = submitted_with(request.user, _form_token(request))
        if done is not None:  # this form was submitted already (a double click, a retry): show the same result
            return _submitted(request, done, resubmitted=bool(request.GET.get("resubmit")))
    draft, returned = _draft_and_returned(request, matter)
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    title, urgency, data = start_values(draft, returned)
    form_token, removed = _form_token(request), _removed(request)
    problems: list[dict[str, Any]] = []
    if request.method == "POST":
        title = request.POST.get("title", "")
        urgency = request.POST.get("urgency", "平急")
        data, _files = formrender.form_from_post(schema, request.POST, request.FILES)
        materials = {str(m["code"]): request.FILES.getlist(f"material-{m['code']}") for m in matter.materials}
        files = {f.name: request.FILES.getlist(f.name) for f in schema.fields if f.type == "attachment"}
        data = {k: v for k, v in data.items() if k not in files}
        if request.POST.get("action") == "draft" and returned is None:
            saved = services.draft_save(
                actor=request.user,
                matter=matter,
                title=title,
                data=data,
                urgency=urgency,
                draft_id=draft.pk if draft else None,
                materials=materials,
                files=files,
                removed=sorted(removed),
                form_token=form_token,
            )
            messages.success(request, _("草稿已保存。"))
            for refused in getattr(saved, "rejected_files", []):
                messages.warning(request, _("未保存：%(why)s") % {"why": refused})
            return redirect(f"{reverse('approvals:start', args=[matter.code])}?draft={saved.pk}")
        try:
            if returned is not None:
                services.request_resubmit(
                    actor=request.user,
                    request_id=returned.pk,
                    data=data,
                    materials=materials,
                    files=files,
                    comment=request.POST.get("comment", ""),
                    form_token=form_token,
                    removed=sorted(removed),
                )
                return _submitted(request, returned, resubmitted=True)
            created = services.matter_submit(
                actor=request.user,
                matter=matter,
                title=title,
                data=data,
                urgency=urgency,
                materials=materials,
                files=files,
                draft=draft,
                form_token=form_token,
                removed=sorted(removed),
            )
        except ApplicationError as exc:
            # The problems box lists every item once; no flash message repeating it.
            problems = list(exc.errors) or [{"where": "form", "field": "", "label": "", "message": exc.message}]
        else:
            return _submitted(request, created, resubmitted=False)
    # Files already held: the draft's and those kept from a refused try (listed even when ticked for removal,
    # so the tick survives another refused try).
    kept = kept_files(request.user, matter, draft=draft, upload_set=form_token)
    context = {
        "matter": matter,
        "title": title,
        "urgency": urgency,
        "urgencies": services.URGENCIES,
        "green_channel": has_green_channel(matter),  # the 特急 hint only where the process has one
        "draft": draft,
        "returned": returned,
        "form_token": form_token,
        # a returned request goes back to the node that returned it: the path from the start would mislead
        "path": None if returned else expected_path(request.user, matter, data, urgency=_urgency(urgency)),
        "on_file": materials_on_file(returned),
        "problems": problems,
        "material_rows": _material_rows(matter, kept, problems),
        **_form_context(request, matter, data, problems, kept=kept, removed=removed),
    }
    return render(request, "approvals/start.html", context, status=422 if problems else 200)


def _urgency(posted: str) -> str:
    return posted if posted in services.URGENCIES else services.URGENCIES[0]


@require_POST
def path_preview(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """HTMX: the path the form as filled now would take, with the people at each step (shown before
    submitting, updated as amounts or urgency change)."""
    matter = _startable(request, code)
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    data, _files = formrender.form_from_post(schema, request.POST)
    path = expected_path(request.user, matter, data, urgency=_urgency(request.POST.get("urgency", "")))
    return render(request, "approvals/partials/_start_path.html", {"path": path})


@require_POST
def preview(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """HTMX: re-render the form after a change, so the server decides what is visible and required."""
    matter = _startable(request, code)
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    data, _files = formrender.form_from_post(schema, request.POST, request.FILES)
    draft = own_draft(request.user, matter, request.POST.get("draft"))
    token = request.POST.get("form_token", "")
    kept = kept_files(request.user, matter, draft=draft, upload_set=token if TOKEN.match(token) else "")
    context = _form_context(request, matter, data, kept=kept, removed=_removed(request))
    return render(request, "approvals/partials/_form.html", context)


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
    path("matters/<slug:code>/path/", path_preview, name="start_path"),
    path("drafts/<int:draft_id>/", draft_resume, name="draft"),
    path("drafts/<int:draft_id>/delete/", draft_delete, name="draft_delete"),
]
