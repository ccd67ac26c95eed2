"""秘密/机密 发文 carry 份号 and 保密期限, entered at drafting and checked; the GB/T 9704 output prints them in
the 版头 (份号 on the block's first line, 密级★保密期限 on the second, flush left, the latter in 黑体), the page's
preview shows them, and the 发文 list has a 密级 column."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from sanfu.core.errors import ApplicationError
from sanfu.documents import output, services
from sanfu.documents.models import Confidentiality
from tests.documents.conftest import client_for
from tests.documents.test_gbt9704 import MM, lines_of
from tests.documents.test_outgoing import draft, take_to_signoff


@pytest.mark.parametrize(
    ("level", "marks", "refusal"),
    [
        (Confidentiality.CONFIDENTIAL, {}, "必须填写份号"),
        (Confidentiality.CONFIDENTIAL, {"copy_no": "12a"}, "份号应为1至6位阿拉伯数字"),
        (Confidentiality.SECRET, {"copy_no": "1234567"}, "份号应为1至6位阿拉伯数字"),
        (Confidentiality.CONFIDENTIAL, {"copy_no": "000000"}, "份号应为1至6位阿拉伯数字"),
        (Confidentiality.CONFIDENTIAL, {"copy_no": "12", "secrecy_years": 25}, "保密期限应为1至20年"),
        (Confidentiality.SECRET, {"copy_no": "12", "secrecy_years": 11}, "保密期限应为1至10年"),
        (Confidentiality.SECRET, {"copy_no": "12", "secrecy_years": 0}, "保密期限应为1至10年"),
        (Confidentiality.INTERNAL, {"copy_no": "12"}, "只有秘密、机密公文标注份号和保密期限"),
        (Confidentiality.PUBLIC, {"secrecy_years": 3}, "只有秘密、机密公文标注份号和保密期限"),
    ],
)
def test_classified_marks_are_checked_at_drafting(
    org: dict[str, Any], level: str, marks: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(ApplicationError) as refused:
        draft(org, confidentiality=level, **marks)
    assert refusal in refused.value.message


def test_a_classified_draft_keeps_its_copy_number_and_term(org: dict[str, Any]) -> None:
    document = draft(org, confidentiality=Confidentiality.CONFIDENTIAL, copy_no="123", secrecy_years=5)
    assert (document.copy_no, document.secrecy_years) == ("000123", 5)
    assert document.secrecy_mark == "机密★5年"
    unmarked = draft(org, confidentiality=Confidentiality.SECRET, copy_no="8")
    assert (unmarked.copy_no, unmarked.secrecy_years) == ("000008", 10)  # the level's statutory term, recorded
    assert unmarked.secrecy_mark == "秘密★10年"
    plain = draft(org)
    assert (plain.copy_no, plain.secrecy_years, plain.secrecy_mark) == ("", None, "")


def _numbered_classified(org: dict[str, Any]) -> Any:
    document = draft(org, confidentiality=Confidentiality.CONFIDENTIAL, copy_no="000123", secrecy_years=5)
    document = take_to_signoff(org, document)
    return services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk, year=2026)


def test_the_docx_and_pdf_print_copy_number_and_secrecy_in_the_header(org: dict[str, Any]) -> None:
    document = _numbered_classified(org)
    official = output.official_document(document)
    assert (official.copy_no, official.secrecy) == ("000123", "机密★5年")

    paragraphs = [p for p in Document(io.BytesIO(output.render(document, "docx"))).paragraphs if p.text.strip()]
    assert [p.text for p in paragraphs[:3]] == ["000123", "机密★5年", "贵港发电有限公司文件"]
    assert paragraphs[1].runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"  # 三号黑体
    assert not paragraphs[0].paragraph_format.first_line_indent  # flush left

    rows = lines_of(pypdf.PdfReader(io.BytesIO(output.render(document, "pdf"))).pages[0])
    copy_no = next(r for r in rows if "000123" in r[2])
    secrecy = next(r for r in rows if r[2].startswith("机密"))
    mark = next(r for r in rows if "贵港发电有限公司文件" in r[2])
    pitch = 225 / 22 * MM
    assert copy_no[0] < secrecy[0] < mark[0]
    assert abs((secrecy[0] - copy_no[0]) - pitch) < 1  # the next grid line
    assert abs(copy_no[1] - 28 * MM) < 1
    assert abs(secrecy[1] - 28 * MM) < 1  # both flush left in the block
    assert copy_no[0] < (37 + 225 / 22) * MM  # 份号 on the block's first line


def test_a_document_that_is_not_classified_prints_neither(org: dict[str, Any]) -> None:
    document = services.outgoing_assign_number(
        actor=org["people"]["clerk"], document_id=take_to_signoff(org, draft(org)).pk, year=2026
    )
    official = output.official_document(document)
    assert (official.copy_no, official.secrecy) == ("", "")


def test_the_pages_show_the_level_and_the_marks(org: dict[str, Any]) -> None:
    secret = draft(org, confidentiality=Confidentiality.CONFIDENTIAL, copy_no="000123", secrecy_years=5)
    plain = draft(org, title="关于一般事项的通知")
    clerk = client_for(org["people"]["clerk"])
    listing = clerk.get(reverse("documents:outgoing_list")).content.decode()
    assert '<th class="text-nowrap">密级</th>' in listing
    assert 'data-level="confidential"><span class="badge text-bg-danger">机密</span>' in listing
    assert 'data-level="internal">内部</td>' in listing
    detail = clerk.get(reverse("documents:outgoing", args=[secret.pk])).content.decode()
    head = detail[detail.index('id="doc-head-marks"') :]
    assert head.index("000123") < head.index("机密★5年") < head.index("贵港发电有限公司文件")
    assert 'id="doc-head-marks"' not in clerk.get(reverse("documents:outgoing", args=[plain.pk])).content.decode()


def test_the_draft_form_takes_the_marks_and_keeps_them_on_a_refusal(org: dict[str, Any]) -> None:
    drafter = client_for(org["people"]["office_head"])
    form = drafter.get(reverse("documents:outgoing_new")).content.decode()
    assert 'name="copy_no"' in form
    assert 'name="secrecy_years"' in form
    values = {
        "kind": "notice",
        "title": "关于涉密载体清查的通知",
        "body": "各部门：\n\n请清查。",
        "urgency": "平急",
        "confidentiality": "confidential",
        "secrecy_years": "30",
        "copy_no": "42",
    }
    refused = drafter.post(reverse("documents:outgoing_new"), values)
    page = refused.content.decode()
    assert "保密期限应为1至20年" in page
    assert 'value="42"' in page
    accepted = drafter.post(reverse("documents:outgoing_new"), {**values, "secrecy_years": "3"})
    assert accepted.status_code == 302
