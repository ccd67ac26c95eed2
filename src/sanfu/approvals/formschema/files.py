"""Uploaded files as the validator sees them. Magic numbers, allowed extensions and their content types are
``sanfu.core.uploads`` (one rule for every domain that takes uploads), re-exported here."""

from __future__ import annotations

from dataclasses import dataclass, field

# Sniffing and the extension kinds are shared with the other domains that take uploads: they live in core.
from sanfu.core.uploads import CONTENT_TYPES, DEFAULT_ACCEPT, EXTENSION_KINDS, sniff

__all__ = ["CONTENT_TYPES", "DEFAULT_ACCEPT", "EXTENSION_KINDS", "FileInfo", "sniff"]


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One uploaded file as the validator sees it; ``ref`` carries the caller's own object (not compared)."""

    name: str
    size: int
    head: bytes
    ref: object = field(default=None, compare=False, repr=False)
