"""Text of a kept file, for the search index: PDF (pypdf), DOCX (python-docx) and plain text. Scans and
other images carry no text (recognising them is not done here)."""

from __future__ import annotations

import io
import logging
import zipfile

log = logging.getLogger(__name__)
MAX_CHARS = 200_000  # enough to find a document by its words; bounds the index row


def extract_text(name: str, content: bytes) -> str:
    """The readable text of ``content``, judged by its bytes (not its name); "" when it has none."""
    try:
        if content.startswith(b"%PDF-"):
            return _pdf(content)[:MAX_CHARS]
        if content.startswith(b"PK\x03\x04") and _is_docx(content):
            return _docx(content)[:MAX_CHARS]
        if name.lower().endswith((".txt", ".csv", ".md")):
            return content.decode("utf-8", errors="replace")[:MAX_CHARS]
    except Exception:  # a damaged file is kept and simply not searchable by its text
        log.warning("could not read the text of %s", name, exc_info=True)
    return ""


def _pdf(content: bytes) -> str:
    from pypdf import PdfReader  # loaded only when a PDF is archived

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _is_docx(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "word/document.xml" in archive.namelist()


def _docx(content: bytes) -> str:
    import docx  # python-docx

    document = docx.Document(io.BytesIO(content))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)
