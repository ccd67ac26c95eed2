"""Uploaded files as the validator sees them: magic numbers, allowed extensions and their content types."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_ACCEPT = ("pdf", "ofd", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "png", "jpg", "jpeg", "gif", "zip")

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


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One uploaded file as the validator sees it; ``ref`` carries the caller's own object (not compared)."""

    name: str
    size: int
    head: bytes
    ref: object = field(default=None, compare=False, repr=False)
