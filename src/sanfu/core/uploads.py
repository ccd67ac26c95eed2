"""Uploaded files by what their bytes are, not what their names claim: magic numbers, the kind each accepted
extension must have, and content types. Shared by every domain that takes uploads (the 审批中心's smart forms
and materials, 公文's scans and attachments), so that one rule decides what an upload is.

Pure Python (no Django): the smart-form validator that uses it is pure too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from sanfu.core.errors import ApplicationError

DEFAULT_ACCEPT = ("pdf", "ofd", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "png", "jpg", "jpeg", "gif", "zip")
HEAD_BYTES = 64  # how much of a file sniffing needs

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
)
EXTENSION_KINDS: dict[str, str] = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "zip": "zip",
    "docx": "zip",
    "xlsx": "zip",
    "pptx": "zip",
    "ofd": "zip",
    "doc": "ole2",
    "xls": "ole2",
    "ppt": "ole2",
}
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ofd": "application/ofd",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "txt": "text/plain",
    "csv": "text/csv",
}


def sniff(head: bytes) -> str | None:
    """The kind of file the first bytes announce: pdf, png, jpeg, gif, zip (also docx/xlsx/pptx/ofd),
    ole2 (doc/xls/ppt); None when no known magic number matches."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def extension_of(name: str) -> str:
    """The lower-case extension of a file name ("" when it has none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def content_matches(extension: str, head: bytes) -> bool:
    """Whether the first bytes are what the extension says: a known kind must carry its magic number, and a
    plain-text extension (no magic number of its own) must not hold binary bytes."""
    expected = EXTENSION_KINDS.get(extension)
    return sniff(head) == expected and (expected is not None or b"\x00" not in head)


def read_checked(files: Sequence[Any], *, max_mb: int) -> list[tuple[str, bytes]]:
    """Each upload (``name``, ``size``, ``read``) read and checked before anything is written: an accepted
    extension, at most ``max_mb`` MB, content that is what the extension says. Returns (name, bytes) pairs."""
    limit = max_mb * 1024 * 1024
    checked = []
    for upload in files:
        name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
        extension = extension_of(name)
        if extension not in DEFAULT_ACCEPT:
            raise ApplicationError(
                _("文件“%(name)s”的类型不允许（仅限 %(kinds)s）。") % {"name": name, "kinds": "、".join(DEFAULT_ACCEPT)}
            )
        too_big = _("文件“%(name)s”超过 %(mb)d MB。") % {"name": name, "mb": max_mb}
        if (upload.size or 0) > limit:
            raise ApplicationError(too_big)
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise ApplicationError(too_big)
        if not content_matches(extension, content[:HEAD_BYTES]):
            raise ApplicationError(_("文件“%(name)s”的内容与扩展名不符。") % {"name": name})
        checked.append((name, content))
    return checked
