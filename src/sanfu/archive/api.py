"""电子档案 over the REST API: the archive page's search (the same full-text search and filters), a record with its
history and files, a file's bytes and the dossier export.

Every record comes through ``selectors.visible_records`` (密级 × 数据范围, the record's readers): one the holder
may not see is a 404, and the refusal of a record that exists is audited; reading, downloading or exporting a
秘密/机密 record is audited as the pages audit it (``services.record_opened``)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema

from sanfu.api import scopes
from sanfu.api.kit import MAX_LIMIT, Page, PageQuery, actor, answers, auth, page_of
from sanfu.archive import selectors
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.search import RankedResults, snippet
from sanfu.archive.services import dossier_export, record_opened
from sanfu.core.errors import ApplicationError
from sanfu.core.params import parse_text

READ = scopes.declare("archive:read", gettext_lazy("检索和查阅电子档案（含文件下载、案卷导出）"))

router = Router(tags=["电子档案"])


class RecordOut(Schema):
    id: int
    source: str = Field(description="来源（如 documents）")
    source_id: int
    title: str
    kind: str
    kind_label: str
    category: str
    unit_id: int | None = None
    unit: str = ""
    department_id: int | None = None
    year: int
    confidentiality: str = Field(description="密级：public、internal、secret、confidential")
    retention: str = Field(description="保管期限：permanent、30y、10y")
    status: str
    archived_at: datetime
    snippet: str = Field("", description="检索时：命中处的摘录（HTML，命中词以 <mark> 标出）")


class ArchiveFileOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    added_at: datetime


class RecordDetailOut(RecordOut):
    body_text: str
    owner: str = ""
    revision: int = Field(description="归档次数")
    history: list[dict[str, Any]] = Field(description="办理过程（一事一档）")
    files: list[ArchiveFileOut]


def _record(record: ArchiveRecord, *, excerpt: str = "") -> RecordOut:
    return RecordOut(**_fields(record), snippet=excerpt)


def _fields(record: ArchiveRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "source": record.source,
        "source_id": record.source_id,
        "title": record.title,
        "kind": record.kind,
        "kind_label": record.kind_label,
        "category": record.category,
        "unit_id": record.unit_id,
        "unit": record.unit.name if record.unit else "",
        "department_id": record.department_id,
        "year": record.year,
        "confidentiality": record.confidentiality,
        "retention": record.retention,
        "status": record.status,
        "archived_at": record.archived_at,
    }


class SearchQuery(PageQuery):
    q: str = Field("", max_length=200, description="全文检索（题名、正文、附件文字）；有则按相关度排序")
    year: int | None = Field(None, ge=1, le=9999, description="年度")
    kind: str = Field("", max_length=32, description="类别")
    unit: int | None = Field(None, ge=1, le=2**53, description="单位编号")
    status: str = Field("", max_length=16, description="archived、transferred、voided")


def _offset_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"at": offset})).decode().rstrip("=")


def _offset_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = orjson.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))["at"]
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= RankedResults.COUNT_CAP:
        raise ApplicationError(_("分页游标无效。"), errors=[{"field": "cursor"}])
    return value


def _ranked_page(results: RankedResults, *, cursor: str | None, limit: int) -> tuple[list[ArchiveRecord], str | None]:
    """A page of a ranked search, best first: by position in the ranking (the search counts and pages its best
    ``COUNT_CAP`` hits, as the page's pager does)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ApplicationError(_("每页条数须在 1 到 %(n)d 之间。") % {"n": MAX_LIMIT}, errors=[{"field": "limit"}])
    start = _offset_of(cursor)
    stop = min(start + limit, RankedResults.COUNT_CAP)
    found = results[start : stop + 1] if start < stop else []
    more = len(found) > stop - start and stop < RankedResults.COUNT_CAP
    return found[: stop - start], (_offset_cursor(stop) if more else None)


@router.get("/records", response=answers(Page[RecordOut]), auth=auth(READ), summary="档案检索")
def records(request: HttpRequest, filters: Query[SearchQuery]) -> Page[RecordOut]:
    """与档案检索页相同的检索与筛选。有检索词时按相关度排序（最多前 1000 条），否则按编号从新到旧。"""
    query = parse_text(filters.q)
    chosen = selectors.Filters(
        query=query,
        year=filters.year,
        kind=parse_text(filters.kind),
        unit_id=filters.unit,
        status=parse_text(filters.status),
    )
    results = selectors.search_records(actor=actor(request), filters=chosen).select_related("unit")
    if isinstance(results, RankedResults):
        rows, following = _ranked_page(results, cursor=filters.cursor, limit=filters.limit)
    else:
        rows, following = page_of(results, cursor=filters.cursor, limit=filters.limit)
    if query:
        prefetch_related_objects(rows, "files")
        items = [_record(r, excerpt=str(snippet([r.body_text, *(f.text for f in r.files.all())], query))) for r in rows]
    else:
        items = [_record(r) for r in rows]
    return Page[RecordOut](items=items, next_cursor=following)


class FacetsOut(Schema):
    years: list[int]
    kinds: list[str]


@router.get("/facets", response=answers(FacetsOut), auth=auth(READ), summary="可选的年度和类别")
def facets(request: HttpRequest) -> FacetsOut:
    found = selectors.facet_values(actor(request))
    return FacetsOut(years=found["years"], kinds=found["kinds"])


@router.get("/records/{record_id}", response=answers(RecordDetailOut), auth=auth(READ), summary="档案")
def record_detail(request: HttpRequest, record_id: int) -> RecordDetailOut:
    """档案详情：元数据、办理过程和文件；秘密、机密档案的查阅记入审计。"""
    person = actor(request)
    record = selectors.access_record(actor=person, record_id=record_id)
    record_opened(actor=person, record=record, how="read")
    return RecordDetailOut(
        **_fields(record),
        body_text=record.body_text,
        owner=record.owner.display_name if record.owner else "",
        revision=record.revision,
        history=[dict(entry) for entry in record.history or [] if isinstance(entry, dict)],
        files=[
            ArchiveFileOut(id=f.pk, name=f.name, size=f.size, sha256=f.sha256, added_at=f.added_at)
            for f in record.files.all()
        ],
    )


def _binary(media_type: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": "文件内容",
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


_ERRORS = {k: v for k, v in answers(None).items() if k != 200}


@router.get(
    "/records/{record_id}/files/{file_id}",
    response=_ERRORS,
    auth=auth(READ),
    summary="下载档案文件",
    openapi_extra=_binary("application/octet-stream"),
)
def file_download(request: HttpRequest, record_id: int, file_id: int) -> FileResponse:
    person = actor(request)
    stored = selectors.access_file(actor=person, record_id=record_id, file_id=file_id)
    record_opened(actor=person, record=stored.record, how="download")
    return FileResponse(
        stored.file.open("rb"), as_attachment=True, filename=stored.name, content_type="application/octet-stream"
    )


@router.get(
    "/records/{record_id}/dossier",
    response=_ERRORS,
    auth=auth(READ),
    summary="案卷导出（zip）",
    openapi_extra=_binary("application/zip"),
)
def dossier(request: HttpRequest, record_id: int) -> HttpResponse:
    """档案打包为 zip：index.json、index.html、文件及 SHA-256 清单；秘密、机密档案的导出记入审计。"""
    person = actor(request)
    record = selectors.access_record(actor=person, record_id=record_id)
    record_opened(actor=person, record=record, how="export")
    response = HttpResponse(dossier_export(record=record, actor=person), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="archive-{record.pk}.zip"'
    return response
