"""Reads on the archive. Every read path goes through ``visible_records``; anything else is a 404.

The rule (密级 × 数据范围), as ``org.clearance`` states it for every read path of Sanfu:

- 公开 (public): everyone signed in;
- 内部 (internal): people whose unit (org.Staff.unit) is the record's unit;
- 秘密 / 机密 (secret, confidential): only the record's owner and its explicit readers;
- in addition, holders of ``Perm.READ_ARCHIVE_RESTRICTED`` see every internal, secret and confidential
  record inside that permission's data scope (全部 / 本单位 / 本部门及下级 / 本部门 / 本人), by the record's
  unit and department;
- owner and explicit readers always see their records, whatever the level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404

from sanfu.archive import search as fulltext
from sanfu.archive.models import ArchiveFile, ArchiveRecord
from sanfu.core.audit import audit_denied
from sanfu.org import clearance

PAGE_SIZE = 20


RULE_FIELDS = clearance.Fields(level="confidentiality", unit="unit", department="department", owner="owner")


def visible_q(actor: Any) -> Q | None:
    """The archive's access rule as one ``Q`` on ``ArchiveRecord``; None = nothing visible. The rule itself
    is ``org.clearance`` (one rule for every read path), with the record's readers as need-to-know and
    ``archive.restricted`` as the oversight."""
    readers = ArchiveRecord.readers.through.objects.filter(user_id=actor.pk if actor is not None else 0)
    return clearance.readable_q(actor, RULE_FIELDS, known=Q(pk__in=readers.values("archiverecord_id")))


def visible_records(actor: Any) -> QuerySet[ArchiveRecord]:
    """Every record ``actor`` may see. The only way the archive's read paths obtain records."""
    rule = visible_q(actor)
    if rule is None:
        return ArchiveRecord.objects.none()
    return ArchiveRecord.objects.filter(rule)


def access_record(*, actor: Any, record_id: int) -> ArchiveRecord:
    """The record if ``actor`` may see it, else 404 (a record one may not see does not exist). A miss on a
    record that does exist is an access denial, and is audited."""
    record = visible_records(actor).select_related("unit", "department", "owner").filter(pk=record_id).first()
    if record is None:
        if ArchiveRecord.objects.filter(pk=record_id).exists():
            audit_denied(actor=actor, target=f"archive:{record_id}")
        raise Http404
    return record


def access_file(*, actor: Any, record_id: int, file_id: int) -> ArchiveFile:
    record = access_record(actor=actor, record_id=record_id)
    found = ArchiveFile.objects.filter(record=record, pk=file_id).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class Filters:
    query: str = ""
    year: int | None = None
    kind: str = ""
    unit_id: int | None = None
    status: str = ""


def search_records(*, actor: Any, filters: Filters) -> fulltext.RankedResults | QuerySet[ArchiveRecord]:
    """Visible records matching ``filters``: ranked by relevance when there is a query, newest first
    otherwise."""
    qs = visible_records(actor)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.unit_id is not None:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.query.strip():
        narrowed = bool(filters.year is not None or filters.kind or filters.unit_id is not None or filters.status)
        return fulltext.search(qs, filters.query, narrowed=narrowed)
    return qs.order_by("-archived_at", "-id")


# The distinct values of an indexed column, walked on its index: the smallest, then the smallest above it, and so on
# (a "loose index scan"), so a statement costs one index probe per value there is (eleven years, a dozen kinds)
# however many records the archive holds. The same SQL runs on SQLite and PostgreSQL; each statement is constant.
_DISTINCT_YEARS = """
WITH RECURSIVE v(x) AS (
    SELECT MIN(year) FROM archive_archiverecord
    UNION ALL
    SELECT (SELECT MIN(year) FROM archive_archiverecord WHERE year > v.x) FROM v WHERE v.x IS NOT NULL
)
SELECT x FROM v WHERE x IS NOT NULL ORDER BY x DESC
"""
_DISTINCT_KINDS = """
WITH RECURSIVE v(x) AS (
    SELECT MIN(kind) FROM archive_archiverecord
    UNION ALL
    SELECT (SELECT MIN(kind) FROM archive_archiverecord WHERE kind > v.x) FROM v WHERE v.x IS NOT NULL
)
SELECT x FROM v WHERE x IS NOT NULL ORDER BY x
"""


def facet_values(actor: Any) -> dict[str, list[Any]]:
    """The years and kinds the filter selects offer: those of the whole archive, read from the indexes on
    ``year`` and ``kind`` (two statements whose cost does not grow with the archive), so they are right the
    moment a record is filed and no cache has to follow the filings.

    Why the whole archive and not only the records ``actor`` may read (which took two DISTINCT scans of every
    readable record on every search, most of the page's time at 100,000 records): a year and a kind reveal
    nothing about any matter. The kinds are the filing domains' fixed words (收文, 发文 and its 文种, 会议, 督办,
    通知 …, written from enumerations in code, never typed by a person); a year says only that something was
    filed then. The selects carry no counts, and choosing a value is still a search through ``visible_records``,
    so a year or kind with nothing readable shows an empty list, as any search that finds nothing does.
    ``actor`` is kept for the callers: the offer is the same for every signed-in reader.
    """
    del actor
    with connections[router.db_for_read(ArchiveRecord)].cursor() as cursor:
        cursor.execute(_DISTINCT_YEARS)
        years = [int(row[0]) for row in cursor.fetchall()]
        cursor.execute(_DISTINCT_KINDS)
        kinds = [str(row[0]) for row in cursor.fetchall()]
    return {"years": years, "kinds": kinds}
