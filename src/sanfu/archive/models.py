"""电子档案: one record per finished matter (一事一档), its files, its history, and the search index.

The search index (``archive_search``) is not an ordinary table: on SQLite it is an FTS5 virtual table,
on PostgreSQL a table with a generated ``tsvector`` column and a GIN index. Both are created by migration
0002 and hold, per record (``rowid`` = record id), the rjieba-segmented tokens of the title, the body and
every attachment's text, space-joined. ``SearchIndexRow`` maps it read-only for the ORM join.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    SECRET = "secret", _("秘密")
    CONFIDENTIAL = "confidential", _("机密")


RESTRICTED_LEVELS = (Confidentiality.SECRET, Confidentiality.CONFIDENTIAL)


class Retention(models.TextChoices):
    PERMANENT = "permanent", _("永久")
    YEARS_30 = "30y", _("30年")
    YEARS_10 = "10y", _("10年")


class RecordStatus(models.TextChoices):
    ARCHIVED = "archived", _("已归档")
    TRANSFERRED = "transferred", _("已移交")
    VOIDED = "voided", _("已作废")


# What a record is (``kind``, and the 分类号 公文 files under) is a word the filing domain writes in Chinese,
# kept as data. The words Sanfu's own domains write are shown in the reader's language; any other as stored.
KIND_LABELS = {
    "收文": _("收文"),
    "发文": _("发文"),
    "通知": _("通知"),
    "请示": _("请示"),
    "报告": _("报告"),
    "函": _("函"),
    "纪要": _("纪要"),
    "决定": _("决定"),
    "通报": _("通报"),
    "批复": _("批复"),
    "督办": _("督办"),  # a closed 督办 item (sanfu.supervision)
    "会议": _("会议"),  # a meeting's file (sanfu.meetings)
}


def kind_label(kind: str) -> str:
    """A record's kind (or category) in the reader's language when it is one of Sanfu's own words."""
    return str(KIND_LABELS.get(kind, kind))


class ArchiveRecord(models.Model):
    """一事一档: everything kept about one finished matter, found again by its source and id."""

    source = models.CharField(_("来源"), max_length=32)
    source_id = models.BigIntegerField(_("来源编号"))
    title = models.CharField(_("题名"), max_length=300)
    kind = models.CharField(_("类别"), max_length=32, db_index=True)
    category = models.CharField(_("分类号"), max_length=64, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, null=True, blank=True)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("部门"), on_delete=models.PROTECT, null=True, blank=True
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    body_text = models.TextField(_("正文"), blank=True)
    confidentiality = models.CharField(
        _("密级"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.INTERNAL
    )
    retention = models.CharField(_("保管期限"), max_length=16, choices=Retention.choices, default=Retention.YEARS_30)
    status = models.CharField(_("状态"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.ARCHIVED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="archive_records_owned",
    )
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("授权查阅人"), blank=True, related_name="archive_records_readable"
    )
    history = models.JSONField(_("办理过程"), default=list, blank=True)
    archived_at = models.DateTimeField(_("归档时间"))
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveIntegerField(_("归档次数"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-archived_at", "-id"]
        verbose_name = _("档案")
        verbose_name_plural = _("档案")
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="archive_one_record_per_source")]
        indexes = [
            models.Index(fields=["unit", "year"]),
            models.Index(fields=["-archived_at", "-id"], name="archive_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def category_label(self) -> str:
        return kind_label(self.category)


def _file_path(instance: ArchiveFile, filename: str) -> str:
    return f"archive/{instance.record.year}/{instance.record_id}/{instance.sha256[:16]}-{filename}"


class ArchiveFile(models.Model):
    """A file kept with a record, stored under MEDIA_ROOT; never changed once stored (a new version is a new row)."""

    record = models.ForeignKey(ArchiveRecord, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(upload_to=_file_path, max_length=400)
    size = models.BigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    text = models.TextField(_("文本"), blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record_id", "id"]
        verbose_name = _("档案文件")
        verbose_name_plural = _("档案文件")
        constraints = [
            models.UniqueConstraint(fields=["record", "name", "sha256"], name="archive_file_once_per_record")
        ]

    def __str__(self) -> str:
        return self.name


class IndexTokensField(models.TextField):  # type: ignore[type-arg]
    """The space-joined tokens of the search index; the ``fulltext`` lookup lives in ``archive.search``."""


class SearchIndexRow(models.Model):
    """A row of the ``archive_search`` index (created by migration 0002, per database vendor)."""

    record = models.OneToOneField(
        ArchiveRecord, primary_key=True, db_column="rowid", on_delete=models.CASCADE, related_name="search_row"
    )
    tokens = IndexTokensField()

    class Meta:
        managed = False
        db_table = "archive_search"

    def __str__(self) -> str:
        return f"archive_search:{self.pk}"
