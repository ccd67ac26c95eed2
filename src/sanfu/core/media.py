"""Uploaded files no row names any more: found, counted, and removed on request.

A file is an orphan when no ``FileField`` (``ImageField`` included) of any installed model names it and it
is older than a grace period: an upload is written before the row that names it commits, so a young file
may be one in flight. Knowing no domain, the scan asks the app registry for every file field and streams
each field's names in one query (never a query per file). The files are listed before the names are read,
so a row that comes to name an old file meanwhile keeps it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models

from sanfu.core.audit import audit_record

DEFAULT_GRACE = timedelta(hours=24)
_CHUNK = 2000


@dataclass
class MediaReport:
    """What a scan found (and, with ``delete``, removed)."""

    scanned: int = 0  # files under MEDIA_ROOT
    referenced: int = 0  # of them, named by a row
    young: int = 0  # unnamed but within the grace period: left alone
    orphans: list[str] = field(default_factory=list)  # unnamed and older: relative paths
    orphan_bytes: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    failed: list[str] = field(default_factory=list)  # could not be removed (permissions, vanished)


def _files(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every regular file under ``root`` (symbolic links are never followed nor removed), relative paths."""
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                relative = Path(entry.path).relative_to(root).as_posix()
                yield relative, entry.stat(follow_symlinks=False)


def _file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or meta.swapped:  # a proxy's rows are its concrete model's
            continue
        for model_field in meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                yield model, model_field


def _prefix(model_field: models.FileField, root: Path) -> PurePosixPath | None:
    """Where the field's storage keeps files, relative to ``root``; None when that is not under it."""
    storage = model_field.storage
    if not isinstance(storage, FileSystemStorage):
        return None
    location = Path(storage.location).resolve()
    if location != root and root not in location.parents:
        return None
    return PurePosixPath(location.relative_to(root).as_posix())


def referenced_names(root: Path) -> Iterator[str]:
    """Every file under ``root`` that some row names, relative to ``root`` (one streamed query per field)."""
    for model, model_field in _file_fields():
        prefix = _prefix(model_field, root)
        if prefix is None:
            continue
        names = (
            model._base_manager.exclude(**{f"{model_field.attname}__isnull": True})
            .exclude(**{model_field.attname: ""})
            .values_list(model_field.attname, flat=True)
            .iterator(chunk_size=_CHUNK)
        )
        for name in names:
            yield os.path.normpath(str(prefix / str(name).replace("\\", "/"))).replace(os.sep, "/")


def media_scan(*, grace: timedelta = DEFAULT_GRACE, delete: bool = False, now: float | None = None) -> MediaReport:
    """Find the orphans under ``MEDIA_ROOT``; remove them when ``delete``. A removal is audited."""
    root = Path(settings.MEDIA_ROOT).resolve()
    report = MediaReport()
    if not root.is_dir():
        return report
    cutoff = (time.time() if now is None else now) - grace.total_seconds()
    candidates: dict[str, int] = {}  # older than the grace period: size
    young: set[str] = set()
    for relative, stat in _files(root):
        report.scanned += 1
        if stat.st_mtime <= cutoff:
            candidates[relative] = stat.st_size
        else:
            young.add(relative)
    for name in referenced_names(root):
        if candidates.pop(name, None) is not None or name in young:
            young.discard(name)
            report.referenced += 1
    report.young = len(young)
    report.orphans = sorted(candidates)
    report.orphan_bytes = sum(candidates.values())
    if delete and candidates:
        for relative in report.orphans:
            try:
                (root / relative).unlink()
            except OSError:
                report.failed.append(relative)
                continue
            report.deleted += 1
            report.deleted_bytes += candidates[relative]
        audit_record(
            action="media.cleanup",
            actor_name="sanfu media_cleanup",
            detail={"deleted": report.deleted, "bytes": report.deleted_bytes, "failed": len(report.failed)},
        )
    return report
