"""Attachments are searchable by their own text: PDF and DOCX text is extracted when a file is archived."""

from __future__ import annotations

import io
from typing import Any

import docx
import weasyprint

from sanfu.archive.selectors import Filters, search_records
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.archive.textract import extract_text


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(text: str) -> bytes:
    return weasyprint.HTML(string=f'<p style="font-family: Noto Serif CJK SC">{text}</p>').write_pdf()


def test_text_comes_out_of_pdf_docx_and_plain_files_and_not_out_of_images():
    assert "灰坝巡查" in extract_text("记录.docx", _docx("灰坝巡查记录"))
    assert "灰坝巡查" in extract_text("记录.pdf", _pdf("灰坝巡查记录"))
    assert extract_text("说明.txt", "脱硫改造".encode()) == "脱硫改造"
    assert extract_text("扫描件.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10) == ""
    assert extract_text("坏的.pdf", b"%PDF-1.4 broken") == ""  # kept, just not searchable


def test_a_record_is_found_by_a_word_only_in_its_attachment(org: dict[str, Any]) -> None:
    archive_record(
        source="test",
        source_id=1,
        title="会议纪要",
        kind="纪要",
        unit_id=org["unit"].pk,
        department_id=None,
        year=2026,
        body_text="正文没有那个词",
        confidentiality="public",
        owner_id=org["clerk"].pk,
        files=[ArchiveFileIn(name="附件.docx", content=_docx("输煤栈桥改造方案"))],
    )
    found = list(search_records(actor=org["clerk"], filters=Filters(query="栈桥")))
    assert [r.title for r in found] == ["会议纪要"]
