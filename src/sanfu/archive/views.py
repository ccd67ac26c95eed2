"""电子档案 pages: search (query box, filters, ranked results with a highlighted snippet), the record page,
file download and dossier export. Every record comes through ``selectors.visible_records``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.archive import selectors
from sanfu.archive.models import ArchiveRecord, Confidentiality, RecordStatus
from sanfu.archive.search import snippet
from sanfu.archive.services import dossier_export, record_opened
from sanfu.core.params import parse_id, parse_int, parse_text
from sanfu.org.models import Unit


def search_page(request: AuthedHttpRequest) -> HttpResponse:
    """档案检索: full-text search over the records this person may see."""
    get = request.GET
    filters = selectors.Filters(
        query=parse_text(get.get("q")),
        year=parse_int(get.get("year"), minimum=1, maximum=9999),
        kind=parse_text(get.get("kind")),
        unit_id=parse_id(get.get("unit")),
        status=parse_text(get.get("status")),
    )
    results = selectors.search_records(actor=request.user, filters=filters).select_related("unit")
    # A ranked search counts exactly up to RankedResults.COUNT_CAP; beyond, the pager offers that many
    # (the best ranked) and says there are more.
    page = Paginator(results, selectors.PAGE_SIZE).get_page(get.get("page"))
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
        },
    )


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
