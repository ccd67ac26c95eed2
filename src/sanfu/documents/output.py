"""DOCX and PDF of an outgoing document, laid out to GB/T 9704 by ``sanfu.documents.gbt9704``."""

from __future__ import annotations

from sanfu.documents.models import OutgoingDocument


def available() -> bool:
    try:
        from sanfu.documents import gbt9704  # noqa: F401
    except ImportError:
        return False
    return True


def rendered_files(document: OutgoingDocument) -> list[tuple[str, bytes]]:
    """(name, content) of the DOCX and PDF, when the layout module is installed."""
    return []


def render(document: OutgoingDocument, fmt: str) -> bytes:
    """The document as ``docx`` or ``pdf`` bytes."""
    raise NotImplementedError(fmt)
