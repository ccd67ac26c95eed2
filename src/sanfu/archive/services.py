"""Writes on the archive (电子档案): ``archive_record`` — the API other apps call — and the dossier export.

``archive_record`` is idempotent on ``(source, source_id)``: archiving the same matter again updates its
record (metadata, history, readers) and adds the files not yet kept; files are never removed or changed.
The record, its files and its search-index row are written in one transaction with an audit record.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import get_valid_filename

from sanfu.accounts.models import User
from sanfu.archive import search
from sanfu.archive.models import RESTRICTED_LEVELS, ArchiveFile, ArchiveRecord, Confidentiality, RecordStatus, Retention
from sanfu.archive.textract import extract_text
from sanfu.core.audit import audit_classified_read, audit_record
from sanfu.core.errors import ApplicationError

MANIFEST = "manifest-sha256.txt"


@dataclass(frozen=True)
class ArchiveFileIn:
    """A file to keep with a record. ``text`` is its extracted text, indexed for search."""

    name: str
    content: bytes
    text: str = ""


def _check_choice(value: str, choices: type[Any], field: str) -> None:
    if value not in choices.values:
        raise ApplicationError(f"{field}: unknown value {value!r}")


def archive_record(
    *,
    source: str,
    source_id: int,
    title: str,
    kind: str,
    unit_id: int | None,
    department_id: int | None,
    year: int,
    body_text: str,
    confidentiality: str = "internal",
    retention: str = "30y",
    category: str = "",
    status: str = "archived",
    owner_id: int | None = None,
    reader_ids: Sequence[int] = (),
    files: Sequence[ArchiveFileIn] = (),
    history: Sequence[Mapping[str, Any]] = (),
    actor: User | None = None,
    archived_at: datetime | None = None,
) -> ArchiveRecord:
    """Archive one finished matter (一事一档), or bring its record up to date if already archived.

    ``source`` names the calling app ("documents", "approvals" …) and ``source_id`` its object; together
    they identify the record. ``confidentiality``: public | internal | secret | confidential;
    ``retention``: permanent | 30y | 10y; ``history``: the matter's whole history (a list of JSON-able
    events such as {"at", "who", "what", "comment"}), replacing what was kept before; ``files``: added
    unless a file with the same name and content is already kept; ``reader_ids``: replaces the explicit
    readers. Raises ``ApplicationError`` (INVALID) for an unknown level, retention or status.
    """
    _check_choice(confidentiality, Confidentiality, "confidentiality")
    _check_choice(retention, Retention, "retention")
    _check_choice(status, RecordStatus, "status")
    if not source or not title.strip():
        raise ApplicationError("source and title are required")
    history_json = json.loads(json.dumps([dict(event) for event in history], ensure_ascii=False, default=str))
    when = archived_at or timezone.now()
    fields = {
        "title": title.strip()[:300],
        "kind": kind,
        "category": category,
        "unit_id": unit_id,
        "department_id": department_id,
        "year": year,
        "body_text": body_text,
        "confidentiality": confidentiality,
        "retention": retention,
        "status": status,
        "owner_id": owner_id,
        "history": history_json,
        "archived_at": when,
        "archived_by": actor,
    }
    with transaction.atomic():
        record = ArchiveRecord.objects.filter(source=source, source_id=source_id).first()
        created = record is None
        if record is None:
            record = ArchiveRecord.objects.create(source=source, source_id=source_id, **fields)
        else:
            for name, value in fields.items():
                setattr(record, name, value)
            record.revision += 1
            record.save()
        record.readers.set(reader_ids)
        kept = set(record.files.values_list("name", "sha256"))
        added = []
        for item in files:
            digest = hashlib.sha256(item.content).hexdigest()
            if (item.name, digest) in kept:
                continue
            kept.add((item.name, digest))
            text = item.text or extract_text(item.name, item.content)  # attachments are searchable by their text
            stored = ArchiveFile(record=record, name=item.name, size=len(item.content), sha256=digest, text=text)
            stored.file.save(get_valid_filename(item.name) or "file", ContentFile(item.content), save=False)
            stored.save()
            added.append(item.name)
        search.write_index(record, record.files.values_list("text", flat=True))
        audit_record(
            action="archive.record" if created else "archive.update",
            actor=actor,
            target=f"archive:{record.pk}",
            detail={"source": source, "source_id": source_id, "files_added": added, "revision": record.revision},
        )
    return record


# --- Dossier export (案卷导出) -------------------------------------------------------------------------


def _member_name(index: int, f: ArchiveFile) -> str:
    return f"files/{index:03d}-{PurePosixPath(f.name).name or 'file'}"


def dossier_metadata(record: ArchiveRecord) -> dict[str, Any]:
    files = list(record.files.all())
    return {
        "id": record.pk,
        "source": record.source,
        "source_id": record.source_id,
        "title": record.title,
        "kind": record.kind,
        "category": record.category,
        "unit": str(record.unit) if record.unit_id else None,
        "unit_id": record.unit_id,
        "department": str(record.department) if record.department_id else None,
        "department_id": record.department_id,
        "year": record.year,
        "confidentiality": record.confidentiality,
        "retention": record.retention,
        "status": record.status,
        "owner_id": record.owner_id,
        "archived_at": record.archived_at.isoformat(),
        "revision": record.revision,
        "body_text": record.body_text,
        "history": record.history,
        "files": [
            {"member": _member_name(i, f), "name": f.name, "size": f.size, "sha256": f.sha256}
            for i, f in enumerate(files, start=1)
        ],
    }


PACKAGE_FORMAT = "sanfu-dossier/2"
SIGNATURE_ALG = "HMAC-SHA256"


def _package_key() -> bytes:
    # Derived from the signing key with a label of its own, so a package signature never equals a 签发 digest.
    return hashlib.sha256(b"sanfu-archive-package:" + str(settings.SANFU_SIGNING_KEY).encode()).digest()


def package_signature(index: Mapping[str, Any]) -> str:
    """HMAC-SHA256 (hex) of index.json's canonical JSON without its ``signature``: the record's metadata (each
    file's size and SHA-256 as filed) and the package's manifest (every other member's size and SHA-256)."""
    content = {name: value for name, value in index.items() if name != "signature"}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(_package_key(), canonical.encode(), hashlib.sha256).hexdigest()


def _entry(name: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def dossier_export(*, record: ArchiveRecord, actor: User | None = None) -> bytes:
    """The record as a zip (an archival package, checked by ``archive.fourprops``):

    - ``index.json``: the metadata and history; ``package``, the manifest of every other member (size and
      SHA-256) with the 密级; ``signature``, an HMAC over both under a key derived from ``SANFU_SIGNING_KEY``;
    - ``index.html``: the same, readable; every file under ``files/``;
    - ``manifest-sha256.txt``: the SHA-256 of every other member, in ``sha256sum`` format."""
    meta = dossier_metadata(record)
    html = render_to_string("archive/dossier_index.html", {"record": record, "meta": meta}).encode()
    contents: list[tuple[str, bytes]] = [("index.html", html)]
    for entry, f in zip(meta["files"], record.files.all(), strict=True):
        with f.file.open("rb") as fh:
            contents.append((entry["member"], fh.read()))
    index: dict[str, Any] = {
        **meta,
        "package": {
            "format": PACKAGE_FORMAT,
            "exported_at": timezone.now().isoformat(),
            "confidentiality": record.confidentiality,
            "members": [_entry(name, data) for name, data in contents],
        },
    }
    index["signature"] = {"alg": SIGNATURE_ALG, "value": package_signature(index)}
    members = [("index.json", json.dumps(index, ensure_ascii=False, indent=2).encode()), *contents]
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
        zf.writestr(MANIFEST, manifest)
    audit_record(action="archive.export", actor=actor, target=f"archive:{record.pk}")
    return buffer.getvalue()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""


def dossier_verify(data: bytes | str | Path | IO[bytes]) -> VerifyResult:
    """Recompute every member's SHA-256 against the manifest; name the first mismatching, missing or
    extra member."""
    source: str | Path | IO[bytes] = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        return VerifyResult(ok=False, checked=0, problem="not a zip file")
    with zf:
        names = zf.namelist()
        if MANIFEST not in names:
            return VerifyResult(ok=False, checked=0, problem=f"missing member: {MANIFEST}")
        expected: dict[str, str] = {}
        for line in zf.read(MANIFEST).decode().splitlines():
            if not line.strip():
                continue
            digest, _sep, name = line.partition("  ")
            expected[name] = digest
        checked = 0
        for name, digest in expected.items():
            if name not in names:
                return VerifyResult(ok=False, checked=checked, problem=f"missing member: {name}")
            if hashlib.sha256(zf.read(name)).hexdigest() != digest:
                return VerifyResult(ok=False, checked=checked, problem=f"mismatch: {name}")
            checked += 1
        for name in names:
            if name != MANIFEST and name not in expected:
                return VerifyResult(ok=False, checked=checked, problem=f"extra member: {name}")
    return VerifyResult(ok=True, checked=checked)


def record_opened(*, actor: Any, record: ArchiveRecord, how: str) -> None:
    """A person read, downloaded or exported a record: audited when it is 秘密 or 机密 (AU-1)."""
    if record.confidentiality in RESTRICTED_LEVELS:
        audit_classified_read(actor=actor, target=f"archive:{record.pk}", level=record.confidentiality, how=how)
