"""档案目录: the archive search page's results as an Excel catalogue, one row per record in the page's order (by
relevance for a query, newest first otherwise). The rows come from ``selectors.search_records`` with the page's
filters, so they pass the same rule (``visible_records``: 密级 × 数据范围 × 知悉范围) and a person exports only what
their own search lists.

A search lists titles without recording anything, but the catalogue takes 秘密/机密 titles out of Sanfu in a
file: each such record in it is audited as an export (``classified.export``), as its dossier would be.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.archive import search as fulltext
from sanfu.archive import selectors
from sanfu.archive.models import RESTRICTED_LEVELS, ArchiveFile, ArchiveRecord
from sanfu.archive.services import record_opened
from sanfu.core import xlsx

HEADER = (
    gettext_lazy("档案编号"),
    gettext_lazy("题名"),
    gettext_lazy("类别"),
    gettext_lazy("分类号"),
    gettext_lazy("年度"),
    gettext_lazy("保管期限"),
    gettext_lazy("密级"),
    gettext_lazy("单位"),
    gettext_lazy("部门"),
    gettext_lazy("责任人"),
    gettext_lazy("归档时间"),
    gettext_lazy("状态"),
    gettext_lazy("文件数"),
    gettext_lazy("来源"),
)
WIDTHS = (10, 44, 10, 12, 8, 10, 8, 20, 16, 10, 18, 10, 8, 18)


def catalogue_records(*, actor: User, filters: selectors.Filters) -> list[ArchiveRecord]:
    """The records the search page lists for ``filters``, all of them, in its order; ``xlsx.TooManyRowsError``
    when they are more than one export holds (a ranked search counts only up to its cap)."""
    results = selectors.search_records(actor=actor, filters=filters).select_related("unit", "department", "owner")
    total = results.count()
    if isinstance(results, fulltext.RankedResults) and results.count_capped:
        raise xlsx.TooManyRowsError(None, limit=total)
    xlsx.require_within_limit(total)
    return list(results[: xlsx.ROW_LIMIT])


def catalogue_workbook(*, actor: User, filters: selectors.Filters) -> bytes:
    """档案目录 of ``actor``'s search as a workbook; the 秘密/机密 records in it are audited as exported."""
    records = catalogue_records(actor=actor, filters=filters)
    files = dict(
        ArchiveFile.objects.filter(record_id__in=[r.pk for r in records])
        .values("record_id")
        .annotate(n=Count("id"))
        .values_list("record_id", "n")
    )
    body = [
        [
            record.pk,
            record.title,
            record.kind_label,
            record.category_label,
            record.year,
            record.get_retention_display(),
            record.get_confidentiality_display(),
            record.unit.name if record.unit else "",
            record.department.name if record.department else "",
            record.owner.display_name if record.owner else "",
            record.archived_at,
            record.get_status_display(),
            files.get(record.pk, 0),
            f"{record.source}#{record.source_id}",
        ]
        for record in records
    ]
    content = xlsx.workbook(xlsx.Sheet(_("档案目录"), [str(h) for h in HEADER], body, WIDTHS))
    with transaction.atomic():
        for record in records:
            if record.confidentiality in RESTRICTED_LEVELS:
                record_opened(actor=actor, record=record, how="export")
    return content
