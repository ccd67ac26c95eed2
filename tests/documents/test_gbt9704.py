"""GB/T 9704-2012 official documents: DOCX geometry and parts, PDF geometry (positions read back with pypdf),
heading detection and fonts. Pure: no database."""

from __future__ import annotations

import datetime
import io
import itertools
import re
import shutil
import subprocess
import zipfile

import pypdf
import pytest
from docx import Document
from docx.oxml.ns import qn

from sanfu.core.gbt9704 import (
    BodyBlock,
    OfficialDocument,
    fonts_used,
    format_date,
    parse_body,
    render_docx,
    render_pdf,
)

MM = 72 / 25.4  # points per millimetre
PAGE_H_PT = 297 * MM

BODY = """一、总体要求
深入贯彻落实安全生产工作部署，坚持安全第一、预防为主、综合治理的方针，全面排查治理各类安全隐患，确保全厂安全生产形势持续稳定。
二、重点工作
（一）加强组织领导。各部门要高度重视安全生产大检查工作，主要负责人亲自部署、亲自督办，明确责任分工，层层压实责任。
1.设备专业要对主设备开展全面检查，建立问题清单。
（1）每周开展一次反事故演练。
各部门要于2026年1月20日前将自查报告报安全监察部。"""


def make(**changes: object) -> OfficialDocument:
    base = OfficialDocument(
        issuer_mark="贵港发电有限公司文件",
        doc_number="贵港发电〔2026〕12号",
        title="关于开展安全生产大检查的通知",
        main_recipients="公司各部门",
        body=parse_body(BODY),
        issuer_signature="贵港发电有限公司",
        date=datetime.date(2026, 1, 5),
        copy_no="000123",
        urgency="加急",
        attachments=("安全生产大检查工作方案", "安全隐患排查整改台账"),
        note="联系人：李明，电话：0775-1234567",
        cc=("中国大唐集团广西分公司", "贵港市应急管理局"),
        printer="贵港发电有限公司综合管理部",
        print_date=datetime.date(2026, 1, 6),
    )
    return OfficialDocument(**{**base.__dict__, **changes})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def docx_doc() -> Document:
    return Document(io.BytesIO(render_docx(make())))


@pytest.fixture(scope="module")
def long_pdf() -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(render_pdf(make(body=parse_body(BODY) * 6))))


@pytest.fixture(scope="module")
def short_pdf() -> bytes:
    return render_pdf(make())


def lines_of(page: pypdf.PageObject) -> list[tuple[float, float, str]]:
    """(baseline from the page's top, x from the left, text) of every text run, in points."""
    out: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        out.append((PAGE_H_PT - y, x, text))

    page.extract_text(visitor_text=visit)
    return out


# --- parse_body ------------------------------------------------------------------------------------


def test_parse_body_detects_levels() -> None:
    blocks = parse_body(
        "一、总体要求\n\n　　（一）加强领导。各单位要……\n1.建立台账\n(2) 落实\n正文一段。\n2026年1月5日前完成\n1.5亿元"
    )
    assert [b.level for b in blocks] == [1, 2, 3, 4, 0, 0, 0]
    assert blocks[1].text.startswith("（一）")  # leading full-width spaces dropped
    assert blocks[0] == BodyBlock("一、总体要求", 1)


def test_format_date_has_no_leading_zeros() -> None:
    assert format_date(datetime.date(2026, 1, 5)) == "2026年1月5日"
    assert format_date(datetime.date(2026, 11, 25)) == "2026年11月25日"


# --- DOCX ------------------------------------------------------------------------------------------


def test_docx_page_geometry(docx_doc: Document) -> None:
    s = docx_doc.sections[0]
    assert abs(s.page_width.mm - 210) < 0.5
    assert abs(s.page_height.mm - 297) < 0.5
    assert abs(s.top_margin.mm - 37) <= 1
    assert abs(s.left_margin.mm - 28) <= 1
    emu_mm = 36000
    assert abs((s.page_width - s.left_margin - s.right_margin) / emu_mm - 156) < 0.1
    assert abs((s.page_height - s.top_margin - s.bottom_margin) / emu_mm - 225) < 0.1
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch_pt = int(grid.get(qn("w:linePitch"))) / 20
    text_h_pt = (s.page_height - s.top_margin - s.bottom_margin) / 12700
    assert int(text_h_pt // pitch_pt) == 22
    char_pt = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    text_w_pt = (s.page_width - s.left_margin - s.right_margin) / 12700
    assert int(text_w_pt // char_pt) == 28


def _east_asia(run) -> str:  # type: ignore[no-untyped-def]
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def test_docx_parts_in_order(docx_doc: Document) -> None:
    paras = [p for p in docx_doc.paragraphs if p.text.strip()]
    texts = [p.text for p in paras]

    def index(pred) -> int:  # type: ignore[no-untyped-def]
        return next(i for i, t in enumerate(texts) if pred(t))

    i_mark = index(lambda t: t == "贵港发电有限公司文件")
    i_num = index(lambda t: t == "贵港发电〔2026〕12号")
    i_title = index(lambda t: t == "关于开展安全生产大检查的通知")
    i_recip = index(lambda t: t == "公司各部门：")
    i_h1 = index(lambda t: t.startswith("一、"))
    i_att = index(lambda t: t.startswith("附件：1.安全生产大检查工作方案"))
    i_sig = index(lambda t: t == "贵港发电有限公司")
    i_date = index(lambda t: t == "2026年1月5日")
    i_note = index(lambda t: t == "（联系人：李明，电话：0775-1234567）")
    i_cc = index(lambda t: t.startswith("抄送："))
    i_pr = index(lambda t: t.startswith("贵港发电有限公司综合管理部"))
    assert [i_mark, i_num, i_title, i_recip, i_h1, i_att, i_sig, i_date, i_note, i_cc, i_pr] == sorted(
        [i_mark, i_num, i_title, i_recip, i_h1, i_att, i_sig, i_date, i_note, i_cc, i_pr]
    )
    mark = paras[i_mark].runs[0]
    assert str(mark.font.color.rgb) == "FF0000"
    assert _east_asia(mark) == "方正小标宋简体"
    # red separator: the number paragraph's bottom border
    bottom = paras[i_num]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF0000"
    assert paras[i_title].runs[0].font.size.pt == 22
    assert texts[i_recip].endswith("：")
    assert texts[i_cc].endswith("。")
    assert texts[i_pr].endswith("2026年1月6日印发")
    assert paras[i_cc].runs[0].font.size.pt == 14


def test_docx_heading_fonts_per_level(docx_doc: Document) -> None:
    fonts = {}
    for p in docx_doc.paragraphs:
        for prefix, level in (("一、", 1), ("（一）", 2), ("1.", 3), ("（1）", 4)):
            if p.text.startswith(prefix) and p.runs:
                fonts[level] = _east_asia(p.runs[0])
    assert fonts == {1: "黑体", 2: "楷体_GB2312", 3: "仿宋_GB2312", 4: "仿宋_GB2312"}
    run_in = next(p for p in docx_doc.paragraphs if p.text.startswith("（一）"))
    assert run_in.runs[0].text == "（一）加强组织领导。"
    assert _east_asia(run_in.runs[1]) == "仿宋_GB2312"  # the sentence after the run-in heading


def test_docx_page_numbers_odd_right_even_left() -> None:
    raw = render_docx(make())
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert "<w:evenAndOddHeaders" in z.read("word/settings.xml").decode()
        footers = [z.read(n).decode() for n in z.namelist() if re.match(r"word/footer\d*\.xml", n)]
        document = z.read("word/document.xml").decode()
    assert 'w:type="even"' in document
    assert all("PAGE" in f and "— " in f for f in footers)
    assert {re.search(r'<w:jc w:val="(\w+)"', f).group(1) for f in footers} == {"left", "right"}  # type: ignore[union-attr]


def test_docx_upward_number_and_signer_on_one_line() -> None:
    d = Document(io.BytesIO(render_docx(make(upward=True, signers=("张三",)))))
    line = next(p for p in d.paragraphs if "签发人" in p.text)
    assert line.text == "贵港发电〔2026〕12号\t签发人：张三"
    assert _east_asia(line.runs[-1]) == "楷体_GB2312"


# --- PDF -------------------------------------------------------------------------------------------


def test_pdf_a4_and_first_line_on_the_block(long_pdf: pypdf.PdfReader) -> None:
    for page in long_pdf.pages:
        assert abs(float(page.mediabox.width) - 595.3) < 1
        assert abs(float(page.mediabox.height) - 841.9) < 1
    rows = lines_of(long_pdf.pages[1])
    top = min(y for y, _, _ in rows)
    # the first line's box starts at 37 mm; its baseline lies inside that 225/22 mm line
    assert 37 * MM + 16 * 0.8 < top < 37 * MM + 225 / 22 * MM
    left = min(x for _, x, _ in rows)
    assert abs(left - 28 * MM) < 1 * MM


def test_pdf_full_page_has_22_lines_of_28_characters(long_pdf: pypdf.PdfReader) -> None:
    for page in long_pdf.pages[1:3]:
        rows = lines_of(page)
        in_block = {round(y, 1) for y, _, _ in rows if y < (37 + 225) * MM}
        assert len(in_block) == 22
        ys = sorted(in_block)
        assert max(b - a for a, b in itertools.pairwise(ys)) < 225 / 22 * MM + 0.2
    text = long_pdf.pages[1].extract_text()
    assert any(len(line.strip()) == 28 for line in text.splitlines())  # a full line holds 28 characters


def test_pdf_issuer_mark_red_and_header_positions(short_pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(short_pdf))
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    assert re.search(r"\b1 0 0 rg\b", content)  # red fill (issuer mark, seal text)
    assert re.search(r"\b1 0 0 RG\b", content) or "1 0 0 rg" in content
    rows = lines_of(reader.pages[0])
    mark = next(r for r in rows if "贵港发电有限公司文件" in r[2])
    # the mark's top edge (baseline - 0.88 em of 42 pt) lies 35 mm under the block's top (±1 mm)
    assert abs((mark[0] - 0.88 * 42) - (37 + 35) * MM) < 1 * MM
    num = next(r for r in rows if "〔2026〕" in r[2])
    title = next(r for r in rows if "通知" in r[2])
    assert mark[0] < num[0] < title[0]


def test_pdf_page_numbers_and_footer(short_pdf: bytes, long_pdf: pypdf.PdfReader) -> None:
    numbered = long_pdf.pages[:4]
    text = "".join(p.extract_text() for p in long_pdf.pages)
    for n in range(1, len(numbered) + 1):
        assert f"— {n} —" in text
    odd = next(r for r in lines_of(long_pdf.pages[0]) if "—" in r[2])
    even = next(r for r in lines_of(long_pdf.pages[1]) if "—" in r[2])
    assert odd[1] > 105 * MM > even[1]  # odd pages right, even pages left
    # the page number's line lies just under the block (dashes 7 mm below its edge)
    assert (37 + 225 + 7) * MM < odd[0] < (37 + 225 + 7 + 7) * MM
    reader = pypdf.PdfReader(io.BytesIO(short_pdf))
    last = lines_of(reader.pages[-1])
    printed = next(r for r in last if "印发" in r[2])
    # 版记 pinned to the bottom: its last row is the block's last line
    assert (37 + 225 - 225 / 22) * MM < printed[0] < (37 + 225) * MM
    cc = next(r for r in last if "抄送" in r[2])
    assert cc[2].strip().endswith("。")
    # the 版记 shares the page with the text: that page is numbered
    assert f"— {len(reader.pages)} —" in reader.pages[-1].extract_text()


def test_pdf_footer_alone_on_its_even_page_has_no_page_number(long_pdf: pypdf.PdfReader) -> None:
    # this body fills page 4 to the bottom: the 版记 goes to the next even page (6), after a blank page 5;
    # neither carries a page number
    assert len(long_pdf.pages) == 6
    assert long_pdf.pages[4].extract_text().strip() == ""
    last = long_pdf.pages[5].extract_text()
    assert "抄送" in last
    assert "—" not in last
    assert "— 4 —" in long_pdf.pages[3].extract_text()


def test_fonts_used_are_installed() -> None:
    fonts = fonts_used()
    assert {"title", "body", "heading1", "heading2", "footer", "page_number"} <= fonts.keys()
    fc_list = shutil.which("fc-list")
    assert fc_list
    installed = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    names = {n.strip() for line in installed.splitlines() for n in line.split(",")}
    assert set(fonts.values()) <= names


def test_pdf_embeds_the_fonts_named(short_pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(short_pdf))
    base = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            base.add(str(font.get_object()["/BaseFont"]).replace(" ", ""))
    for family in set(fonts_used().values()) - {fonts_used()["seal"]}:
        key = family.replace(" ", "")
        assert any(key in b.replace("-", "") for b in base), (family, base)
