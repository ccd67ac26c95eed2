"""电子档案 pages: search (query box, filters, ranked results with a highlighted snippet) and its catalogue
(档案目录) in Excel, the record page, file download and dossier export. Every record comes through
``selectors.visible_records``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.archive import catalogue_export, selectors
from sanfu.archive.models import ArchiveRecord, Confidentiality, RecordStatus
from sanfu.archive.search import snippet
from sanfu.archive.services import dossier_export, record_opened
from sanfu.core import xlsx
from sanfu.core.params import parse_id, parse_int, parse_text
from sanfu.org.models import Unit


def _filters(request: AuthedHttpRequest) -> selectors.Filters:
    """The search's filters from the query string (the page, its pages and its Excel export read the same)."""
    get = request.GET
    return selectors.Filters(
        query=parse_text(get.get("q")),
        year=parse_int(get.get("year"), minimum=1, maximum=9999),
        kind=parse_text(get.get("kind")),
        unit_id=parse_id(get.get("unit")),
        status=parse_text(get.get("status")),
    )


def search_page(request: AuthedHttpRequest) -> HttpResponse:
    """档案检索: full-text search over the records this person may see."""
    get = request.GET
    filters = _filters(request)
    results = selectors.search_records(actor=request.user, filters=filters).select_related("unit")
    # A ranked search counts exactly up to RankedResults.COUNT_CAP; beyond, the pager offers that many
    # (the best ranked) and says there are more.
    page = Paginator(results, selectors.PAGE_SIZE).get_page(get.get("page"))
    export_query = get.copy()
    export_query.pop("page", None)
    records: list[ArchiveRecord] = list(page.object_list)
    prefetch_related_objects(records, "files")
    rows = [(r, snippet([r.body_text, *(f.text for f in r.files.all())], filters.query)) for r in records]
    return render(
        request,
        "archive/search.html",
        {
            "filters": filters,
            "page": page,
            "count_capped": getattr(results, "count_capped", False),
            "rows": rows,
            "facets": selectors.facet_values(request.user),
            "units": Unit.objects.order_by("level", "id"),
            "statuses": RecordStatus.choices,
            "export_query": export_query.urlencode(),
        },
    )


def catalogue_download(request: AuthedHttpRequest) -> HttpResponse:
    """档案目录: the search as filtered, every result in the page's order, as an Excel workbook."""
    filters = _filters(request)
    try:
        content = catalogue_export.catalogue_workbook(actor=request.user, filters=filters)
    except xlsx.TooManyRowsError as exc:
        messages.warning(request, exc.message)
        query = request.GET.copy()
        return redirect(f"{reverse('archive:search')}?{query.urlencode()}")
    return xlsx.attachment(content, f"{_('档案目录')}-{timezone.localdate():%Y%m%d}.xlsx")


def record_page(request: AuthedHttpRequest, record_id: int) -> HttpResponse:
    """档案详情: metadata, the matter's history and its files."""
    record = selectors.access_record(actor=request.user, record_id=record_id)
    record_opened(actor=request.user, record=record, how="read")
    return render(
        request,
        "archive/record.html",
        {
            "record": record,
            "files": record.files.all(),
            "restricted": record.confidentiality in {Confidentiality.SECRET, Confidentiality.CONFIDENTIAL},
        },
    )


def file_download(request: AuthedHttpRequest, record_id: int, file_id: int) -> FileResponse:
    stored = selectors.access_file(actor=request.user, record_id=record_id, file_id=file_id)
    record_opened(actor=request.user, record=stored.record, how="download")
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.name)


def dossier_download(request: AuthedHttpRequest, record_id: int) -> HttpResponse:
    """案卷导出: the record as a zip with index.json, index.html, its files and a SHA-256 manifest."""
    record = selectors.access_record(actor=request.user, record_id=record_id)
    record_opened(actor=request.user, record=record, how="export")
    response = HttpResponse(dossier_export(record=record, actor=request.user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="archive-{record.pk}.zip"'
    return response
