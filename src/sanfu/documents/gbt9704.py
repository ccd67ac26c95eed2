"""Official documents (红头文件) in the GB/T 9704-2012 format, as DOCX and PDF.

Pure: no Django, no database. The documents app builds an :class:`OfficialDocument` and calls
:func:`render_docx` / :func:`render_pdf`. Geometry (all from the standard):

- A4; text block (版心) 156 × 225 mm at 28 mm from the left and 37 mm from the top;
- 22 lines × 28 characters of 三号 (16 pt): the line pitch is 225 mm / 22, the character pitch 156 mm / 28
  (a 16 pt character plus a small negative letter spacing, like Word's character grid);
- 版头: 份号 / 密级 / 紧急程度 on grid lines 1-3, the issuer mark's top 35 mm below the block's top, the number
  two blank lines under it, the red line 4 mm under the number, the title two blank lines under the line;
- 版记 pinned to the bottom of the last page (PDF: measured in a first layout pass, then placed with an exact
  spacer; DOCX: a frame anchored to the bottom of the margin box).

See docs/gbt9704.md for the fonts, their stand-ins and the known gaps.
"""

from __future__ import annotations

import datetime
import functools
import html
import io
import math
import re
import shutil
import subprocess  # nosec B404 - only fc-list / fc-match, with fixed arguments
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DOCX_FONTS",
    "BodyBlock",
    "OfficialDocument",
    "fonts_used",
    "format_date",
    "parse_body",
    "render_docx",
    "render_pdf",
]

# --------------------------------------------------------------------------------------------------
# Geometry (millimetres unless named otherwise)

PAGE_W, PAGE_H = 210.0, 297.0
TOP, LEFT = 37.0, 28.0
BLOCK_W, BLOCK_H = 156.0, 225.0
RIGHT = PAGE_W - LEFT - BLOCK_W  # 26
BOTTOM = PAGE_H - TOP - BLOCK_H  # 35
LINES, CHARS = 22, 28
PT = 25.4 / 72  # one point in mm
BODY_PT = 16.0  # 三号
TITLE_PT = 22.0  # 二号
FOOTER_PT = 14.0  # 四号
MARK_PT = 42.0  # 初号 — the issuer mark's size unless it must shrink to fit the block
PITCH = BLOCK_H / LINES  # line pitch, 10.2273 mm
CHAR = BLOCK_W / CHARS  # character pitch, 5.5714 mm
# letter spacing that makes a 16 pt character advance exactly one character pitch (a hair less, so
# floating-point rounding can never push the 28th character onto the next line)
LETTER_SPACING_PT = CHAR / PT - BODY_PT - 0.0005
MARK_TOP = 35.0  # issuer mark's top edge below the block's top
RED_GAP = 4.0  # red line below the document number
SEAL_D = 40.0  # seal diameter
THICK, THIN = 0.35, 0.25  # 版记 lines
PAGE_NO_GAP = 7.0  # the page number's dashes below the block
RED = "#ff0000"

_FULL_COLON = "："


# --------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class BodyBlock:
    """One paragraph of 正文. level 0 = ordinary; 1 = 一、(黑体) 2 = （一）(楷体) 3 = 1.(仿宋) 4 = （1）(仿宋)."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class OfficialDocument:
    issuer_mark: str
    doc_number: str
    title: str
    main_recipients: str
    body: tuple[BodyBlock, ...]
    issuer_signature: str
    date: datetime.date
    copy_no: str = ""
    secrecy: str = ""
    urgency: str = ""
    upward: bool = False
    signers: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    seal: bool = True
    note: str = ""
    cc: tuple[str, ...] = ()
    printer: str = ""
    print_date: datetime.date | None = None

    @property
    def has_footer(self) -> bool:
        return bool(self.cc or self.printer or self.print_date)


def format_date(d: datetime.date) -> str:
    """成文日期: full year, month and day without leading zeros — 2026年1月5日."""
    return f"{d.year}年{d.month}月{d.day}日"


_NUM = "一二三四五六七八九十百零〇"
_LEVEL_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_NUM}]+、")),
    (2, re.compile(rf"^[（(][{_NUM}]+[)）]")),
    (4, re.compile(r"^[（(]\d+[)）]")),
    (3, re.compile(r"^\d+[.．](?!\d)")),
)


def detect_level(text: str) -> int:
    for level, pattern in _LEVEL_PATTERNS:
        if pattern.match(text):
            return level
    return 0


def parse_body(text: str) -> tuple[BodyBlock, ...]:
    """Split plain text into paragraphs (one per non-empty line) and detect the heading levels from their
    leading marks 一、/（一）/1./（1）. Leading indentation (spaces, full-width spaces, tabs) is dropped: the
    renderer indents every paragraph by two characters itself."""
    blocks = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip(" \t\u3000\u00a0")
        if line:
            blocks.append(BodyBlock(line, detect_level(line)))
    return tuple(blocks)


def _heading_split(block: BodyBlock) -> tuple[str, str]:
    """(heading part, rest): a run-in heading ends at its first 。 — "（一）加强领导。各单位要……" sets only
    "（一）加强领导。" in the heading font. A heading without a following sentence is all heading."""
    if block.level in (1, 2):
        idx = block.text.find("。")
        if 0 <= idx < len(block.text) - 1:
            return block.text[: idx + 1], block.text[idx + 1 :]
        return block.text, ""
    return "", block.text


def _text_width_chars(text: str) -> float:
    """Width in character pitches: CJK and full-width forms are one, ASCII half."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch != "—" else 1.0 for ch in text)


# --------------------------------------------------------------------------------------------------
# Fonts

# role → candidates, the standard font first; the first family installed is the one the PDF uses
_FONT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "issuer_mark": ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC"),
    "title": ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC"),
    "body": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "heading1": ("黑体", "SimHei", "Noto Sans CJK SC"),
    "heading2": (
        "楷体_GB2312",
        "KaiTi_GB2312",
        "楷体",
        "KaiTi",
        "AR PL UKai CN",
        "AR PL KaitiM GB",
        "Noto Serif CJK SC",
    ),
    "heading3": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "heading4": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "header_mark": ("黑体", "SimHei", "Noto Sans CJK SC"),  # 密级, 紧急程度
    "signer": ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "AR PL UKai CN", "AR PL KaitiM GB", "Noto Serif CJK SC"),
    "footer": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "page_number": ("宋体", "SimSun", "Noto Serif CJK SC"),
    "seal": ("宋体", "SimSun", "Noto Serif CJK SC"),
}
# stand-ins heavier than the standard font's look are set bold (小标宋 is a heavy 宋)
_BOLD_STAND_INS = {"issuer_mark", "title"}
_GENERIC = {"heading1": "sans-serif"}

#: the font each role names in the DOCX (rFonts ascii/hAnsi/eastAsia); fontTable.xml gives Word the
#: alternative names (altName) and the GB2312 charset, so documents print right where the fonts exist
DOCX_FONTS: dict[str, str] = {
    "issuer_mark": "方正小标宋简体",
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading1": "黑体",
    "heading2": "楷体_GB2312",
    "heading3": "仿宋_GB2312",
    "heading4": "仿宋_GB2312",
    "header_mark": "黑体",
    "signer": "楷体_GB2312",
    "footer": "仿宋_GB2312",
    "page_number": "宋体",
}
_DOCX_ALT_NAMES = {
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", "02000000000000000000"),
    "仿宋_GB2312": ("仿宋", "02010609030101010101"),
    "楷体_GB2312": ("楷体", "02010609030101010101"),
    "黑体": ("SimHei", "02010609060101010101"),
    "宋体": ("SimSun", "02010600030101010101"),
}


@functools.cache
def _installed_families() -> frozenset[str]:
    exe = shutil.which("fc-list")
    if exe is None:
        return frozenset()
    out = subprocess.run([exe, ":", "family"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


@functools.cache
def _resolve(role: str) -> str:
    installed = _installed_families()
    candidates = _FONT_CANDIDATES[role]
    for family in candidates:
        if family in installed:
            return family
    return candidates[-1]


def fonts_used() -> dict[str, str]:
    """Role → the font family the PDF actually uses (the standard font where installed, else its stand-in).
    The DOCX names the standard fonts instead: see :data:`DOCX_FONTS`."""
    return {role: _resolve(role) for role in _FONT_CANDIDATES}


def _is_stand_in(role: str) -> bool:
    return _resolve(role) == _FONT_CANDIDATES[role][-1]


# --------------------------------------------------------------------------------------------------
# PDF (WeasyPrint)


def _css_font(role: str) -> str:
    generic = _GENERIC.get(role, "serif")
    weight = 700 if role in _BOLD_STAND_INS and _is_stand_in(role) else 400
    return f'font-family: "{_resolve(role)}", {generic}; font-weight: {weight};'


def _mark_size(doc: OfficialDocument) -> float:
    """The issuer mark's font size (pt): 初号 unless the name is too long for one line of the block."""
    width = _text_width_chars(doc.issuer_mark) or 1
    return min(MARK_PT, BLOCK_W / PT / width * 0.98)


def _css(doc: OfficialDocument, *, footer_page: bool) -> str:
    ls = f"{LETTER_SPACING_PT:.4f}pt"
    # page number: 四号 宋体 with a dash each side; the em box is placed so the dashes (which sit at the
    # middle of the em box) are PAGE_NO_GAP below the block
    pn_top = PAGE_NO_GAP - FOOTER_PT * PT / 2
    page_no = (
        f'content: "— " counter(page) " —"; {_css_font("page_number")} font-size: {FOOTER_PT}pt;'
        f" line-height: {FOOTER_PT}pt; vertical-align: top; padding-top: {pn_top:.3f}mm; white-space: nowrap;"
    )
    named = "@page banji { @bottom-right { content: none; } @bottom-left { content: none; } }" if footer_page else ""
    return f"""
@page {{ size: A4; margin: {TOP}mm {RIGHT}mm {BOTTOM - 0.05}mm {LEFT}mm; }}
@page :right {{ @bottom-right {{ {page_no} text-align: right; padding-right: {FOOTER_PT}pt; }} }}
@page :left {{ @bottom-left {{ {page_no} text-align: left; padding-left: {FOOTER_PT}pt; }} }}
@page :blank {{ @bottom-right {{ content: none; }} @bottom-left {{ content: none; }} }}
{named}
html {{ {_css_font("body")} font-size: {BODY_PT}pt; line-height: {PITCH:.4f}mm; color: #000;
       letter-spacing: {ls}; orphans: 1; widows: 1; }}
body {{ margin: 0; }}
p {{ margin: 0; }}
.hl {{ text-align: left; }}
.hm {{ {_css_font("header_mark")} }}
.mark {{ {_css_font("issuer_mark")} color: {RED}; text-align: center; white-space: nowrap; letter-spacing: 0; }}
.num {{ margin-top: {2 * PITCH:.4f}mm; text-align: center; }}
.num-up {{ margin-top: {2 * PITCH:.4f}mm; display: flex; justify-content: space-between; align-items: flex-end; }}
.num-up .left {{ padding-left: {CHAR:.4f}mm; white-space: nowrap; }}
.num-up .right {{ padding-right: {CHAR:.4f}mm; text-align: left; }}
.signer {{ {_css_font("signer")} }}
.signer-row {{ white-space: nowrap; }}
.signer-row .lbl-hidden {{ visibility: hidden; }}
.redline {{ margin-top: {RED_GAP - (PITCH - BODY_PT * PT) / 2:.4f}mm; border-top: 0.5mm solid {RED}; height: 0; }}
.title {{ {_css_font("title")} font-size: {TITLE_PT}pt; text-align: center; letter-spacing: 0;
         margin-top: {2 * PITCH - 0.5:.4f}mm; margin-bottom: {PITCH:.4f}mm; }}
.recip {{ text-align: left; }}
.b {{ text-indent: {2 * CHAR:.4f}mm; text-align: justify; }}
.h1 {{ {_css_font("heading1")} }}
.h2 {{ {_css_font("heading2")} }}
/* a run in another font (黑体/楷体 heading) has other ascent/descent; a zero line-height keeps it from
   stretching the line box, so every line is exactly one pitch */
.h1, .h2, .signer {{ line-height: 0; }}
.att {{ margin-top: {PITCH:.4f}mm; }}
.att p {{ padding-left: {5 * CHAR:.4f}mm; text-indent: {-3 * CHAR:.4f}mm; }}
.att p.more {{ text-indent: 0; }}
.sig {{ text-align: right; break-inside: avoid; break-before: avoid; position: relative; }}
.sig .box {{ display: inline-block; position: relative; text-align: left; }}
.sig.sealed {{ margin-top: {2 * PITCH:.4f}mm; padding-right: {4 * CHAR:.4f}mm; }}
.sig.sealed .name {{ text-align: center; white-space: nowrap; margin: 0 -40mm; }}
.sig.sealed .date {{ white-space: nowrap; }}
.sig.plain {{ margin-top: {PITCH:.4f}mm; padding-right: {2 * CHAR:.4f}mm; }}
.sig.plain .name {{ white-space: nowrap; }}
.sig.plain .date {{ white-space: nowrap; padding-left: {2 * CHAR:.4f}mm; }}
.seal {{ position: absolute; left: 50%; margin-left: {-SEAL_D / 2}mm; top: {0.75 * PITCH - SEAL_D / 2:.4f}mm;
        width: {SEAL_D}mm; height: {SEAL_D}mm; opacity: 0.88; }}
.note {{ text-indent: {2 * CHAR:.4f}mm; }}
#body-end {{ height: 0; }}
.banji {{ {_css_font("footer")} font-size: {FOOTER_PT}pt; break-inside: avoid; }}
.banji.own-page {{ page: banji; break-before: left; }}
.banji .row {{ line-height: {PITCH:.4f}mm; padding: 0 {FOOTER_PT}pt; }}
.banji .cc {{ border-top: {THICK}mm solid #000; padding-left: {FOOTER_PT * 4}pt; text-indent: {-FOOTER_PT * 3}pt; }}
.banji .pr {{ display: flex; justify-content: space-between; border-top: {THIN}mm solid #000;
              border-bottom: {THICK}mm solid #000; white-space: nowrap; }}
.banji .pr.first {{ border-top: {THICK}mm solid #000; }}
#banji-end {{ height: 0; }}
"""


def _seal_svg(name: str) -> str:
    r = SEAL_D / 2
    ring = 1.1
    chars = list(name)
    n = len(chars)
    size = min(6.2, 2 * math.pi * (r - 6) * (230 / 360) / max(n, 1) * 0.95)
    span = min(230.0, n * size / (2 * math.pi * (r - 6)) * 360 * 1.05)
    rad = r - ring - 1.2 - size * 0.88
    parts = []
    for i, ch in enumerate(chars):
        angle = -span / 2 + (span * (i + 0.5) / n if n else 0)
        parts.append(
            f'<text x="{r:.3f}" y="{r - rad:.3f}" font-size="{size:.3f}" text-anchor="middle" '
            f'transform="rotate({angle:.2f} {r:.3f} {r:.3f})">{html.escape(ch)}</text>'
        )
    family = _resolve("seal")
    return (
        f'<svg class="seal" xmlns="http://www.w3.org/2000/svg" width="{SEAL_D}mm" height="{SEAL_D}mm" '
        f'viewBox="0 0 {SEAL_D} {SEAL_D}">'
        f'<circle cx="{r}" cy="{r}" r="{r - ring / 2}" fill="none" stroke="{RED}" stroke-width="{ring}"/>'
        f'<g fill="{RED}" font-family="{family}" font-weight="700">{"".join(parts)}'
        f'<text x="{r}" y="{r + 4.6}" font-size="13" text-anchor="middle">★</text></g></svg>'
    )


def _esc(text: str) -> str:
    return html.escape(text)


def _html(doc: OfficialDocument, *, footer_margin_mm: float | None, footer_own_page: bool) -> str:
    out = _html_head(doc) + _html_main(doc) + _html_footer(doc, footer_margin_mm, footer_own_page)
    css = _css(doc, footer_page=footer_own_page)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{_esc(doc.title)}</title><style>{css}</style></head><body>{''.join(out)}</body></html>"
    )


def _html_head(doc: OfficialDocument) -> list[str]:
    """版头: 份号, 密级, 紧急程度, the issuer mark, the number (and 签发人), the red line."""
    out: list[str] = []
    head_lines = 0
    if doc.copy_no:
        out.append(f'<p class="hl">{_esc(doc.copy_no)}</p>')
        head_lines += 1
    if doc.secrecy:
        out.append(f'<p class="hl hm">{_esc(doc.secrecy)}</p>')
        head_lines += 1
    if doc.urgency:
        out.append(f'<p class="hl hm">{_esc(doc.urgency)}</p>')
        head_lines += 1
    size = _mark_size(doc)
    # line-height = font size makes the line box the em box; Noto CJK puts the ideographic em box 0.056 em
    # under the top of such a line box (ascent 1.151 / descent 0.286 centred in 1 em), hence the correction
    em_shift = 0.056 * size * PT if _is_stand_in("issuer_mark") else 0.0
    top = MARK_TOP - head_lines * PITCH - em_shift
    out.append(
        f'<p class="mark" style="margin-top:{top:.4f}mm;font-size:{size:.2f}pt;line-height:{size:.2f}pt">'
        f"{_esc(doc.issuer_mark)}</p>"
    )
    if doc.upward and doc.signers:
        out.append(_upward_number_html(doc))
    else:
        out.append(f'<p class="num">{_esc(doc.doc_number)}</p>')
    out.append('<div class="redline"></div>')
    return out


def _html_main(doc: OfficialDocument) -> list[str]:
    """主体: title, recipients, text, attachments, signature and date (with the seal), note."""
    out: list[str] = []
    title = "<br>".join(_esc(line.strip()) for line in doc.title.splitlines() if line.strip())
    out.append(f'<p class="title">{title}</p>')
    out.append(f'<p class="recip">{_esc(doc.main_recipients)}{_FULL_COLON}</p>')
    for block in doc.body:
        head, rest = _heading_split(block)
        cls = {1: "h1", 2: "h2"}.get(block.level)
        inner = (f'<span class="{cls}">{_esc(head)}</span>' if cls and head else _esc(head)) + _esc(rest)
        out.append(f'<p class="b l{block.level}">{inner}</p>')
    if doc.attachments:
        out.append('<div class="att">')
        many = len(doc.attachments) > 1
        for i, name in enumerate(doc.attachments, 1):
            label = f"{i}.{name}" if many else name
            if i == 1:
                out.append(f"<p>附件{_FULL_COLON}{_esc(label)}</p>")
            else:
                out.append(f'<p class="more">{_esc(label)}</p>')
        out.append("</div>")
    date = format_date(doc.date)
    if doc.seal:
        out.append(
            f'<div class="sig sealed"><div class="box"><p class="name">{_esc(doc.issuer_signature)}</p>'
            f'<p class="date">{date}</p>{_seal_svg(doc.issuer_signature)}</div></div>'
        )
    else:
        out.append(
            f'<div class="sig plain"><div class="box"><p class="name">{_esc(doc.issuer_signature)}</p>'
            f'<p class="date">{date}</p></div></div>'
        )
    if doc.note:
        note = doc.note.strip().strip("（）()")
        out.append(f'<p class="note">（{_esc(note)}）</p>')
    out.append('<div id="body-end"></div>')
    return out


def _html_footer(doc: OfficialDocument, footer_margin_mm: float | None, footer_own_page: bool) -> list[str]:
    """版记, placed footer_margin_mm under the end of the text (None: left out, for the measuring pass)."""
    out: list[str] = []
    if doc.has_footer and footer_margin_mm is not None:
        cls = "banji own-page" if footer_own_page else "banji"
        out.append(f'<div class="{cls}" style="margin-top:{footer_margin_mm:.4f}mm">')
        if doc.cc:
            out.append(f'<div class="row cc">抄送{_FULL_COLON}{_esc("，".join(doc.cc))}。</div>')
        printed = f"{format_date(doc.print_date)}印发" if doc.print_date else ""
        first = "" if doc.cc else " first"
        out.append(f'<div class="row pr{first}"><span>{_esc(doc.printer)}</span><span>{_esc(printed)}</span></div>')
        out.append('</div><div id="banji-end"></div>')
    return out


def _upward_number_html(doc: OfficialDocument) -> str:
    """上行文: number one character in from the left; 签发人：names one character in from the right, two names
    a row, the number on the same line as the last row."""
    rows = [doc.signers[i : i + 2] for i in range(0, len(doc.signers), 2)]
    right = []
    for i, row in enumerate(rows):
        label = f'<span class="{"" if i == 0 else "lbl-hidden"}">签发人{_FULL_COLON}</span>'
        names = "\u3000".join(_esc(name) for name in row)
        right.append(f'<div class="signer-row">{label}<span class="signer">{names}</span></div>')
    return (
        f'<div class="num num-up"><span class="left">{_esc(doc.doc_number)}</span>'
        f'<div class="right">{"".join(right)}</div></div>'
    )


def _footer_height_mm(doc: OfficialDocument) -> float:
    rows = (1 if doc.cc else 0) + 1
    return rows * PITCH + THICK * 2 + (THIN if doc.cc else 0)


def render_pdf(doc: OfficialDocument) -> bytes:
    """The document as a PDF (WeasyPrint). Two layout passes when there is a 版记: the first finds where the
    text ends, the second places the 版记 so that its last line lies on the block's bottom edge — on the same
    page when it fits, else alone on the next even page (which, like any blank page before it, carries no
    page number)."""
    from weasyprint import HTML

    if not doc.has_footer:
        return HTML(string=_html(doc, footer_margin_mm=None, footer_own_page=False)).write_pdf() or b""
    first = HTML(string=_html(doc, footer_margin_mm=None, footer_own_page=False)).render()
    end_page, end_y = _anchor(first.pages, "body-end")
    block_bottom_px = (TOP + BLOCK_H) / 25.4 * 96
    free_mm = (block_bottom_px - end_y) / 96 * 25.4
    need = _footer_height_mm(doc)
    slack = 0.08  # the page box's bottom is 0.05 mm below the block; stay clear of rounding
    if free_mm >= need + slack:
        margin, own = free_mm - need - slack, False
    else:
        margin, own = BLOCK_H - need - slack, True
    del end_page
    return HTML(string=_html(doc, footer_margin_mm=margin, footer_own_page=own)).write_pdf() or b""


def _anchor(pages: Any, name: str) -> tuple[int, float]:
    for index, page in enumerate(pages):
        if name in page.anchors:
            y = page.anchors[name][1]  # (x0, y0, x1, y1) in CSS px
            return index, float(y)
    raise LookupError(name)  # pragma: no cover - the anchor is always written


# --------------------------------------------------------------------------------------------------
# DOCX (python-docx)

_TWIPS_PER_MM = 1440 / 25.4


def _tw(mm: float) -> int:
    return round(mm * _TWIPS_PER_MM)


LINE_PITCH_TW = math.floor(BLOCK_H * _TWIPS_PER_MM / LINES)  # 579 twips = 28.95 pt
# docGrid charSpace: the grid's character pitch is the Normal font size + charSpace/4096 pt
CHAR_SPACE = math.floor((CHAR / PT - BODY_PT) * 4096)


def render_docx(doc: OfficialDocument) -> bytes:
    """The document as DOCX: exact section geometry, a 22 × 28 document grid, the standard fonts named."""
    import docx
    from docx.shared import Mm, Pt

    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.gutter = Mm(0)
    section.header_distance = Mm(15)
    # the page number's line (exact 四号) ends FOOTER distance above the paper's edge: its dashes sit
    # PAGE_NO_GAP below the block
    section.footer_distance = Mm(BOTTOM - PAGE_NO_GAP - FOOTER_PT * PT / 2)
    sect_pr = section._sectPr
    grid = sect_pr.find(_q("w:docGrid"))
    if grid is None:
        grid = _el("w:docGrid")
        sect_pr.append(grid)
    grid.set(_q("w:type"), "linesAndChars")
    grid.set(_q("w:linePitch"), str(LINE_PITCH_TW))
    grid.set(_q("w:charSpace"), str(CHAR_SPACE))

    _docx_defaults(d, Pt)
    _docx_font_table(d)
    _docx_page_numbers(d, section)

    w = _DocxWriter(d)
    w.build(doc)
    for part in [d.part, section.footer.part, section.even_page_footer.part]:
        for ppr in part.element.iter(_q("w:pPr")):
            _sort_children(ppr)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# CT_PPr's child order in the schema (Word rejects a document whose pPr children are out of order)
_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]


def _sort_children(ppr: Any) -> None:
    rank = {_q(f"w:{name}"): i for i, name in enumerate(_PPR_ORDER)}
    children = list(ppr)
    children.sort(key=lambda el: rank.get(el.tag, len(rank)))
    for el in children:
        ppr.append(el)


def _q(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(_q(f"w:{key}"), value)
    return el


def _set_fonts(rpr: Any, name: str) -> None:
    fonts = rpr.find(_q("w:rFonts"))
    if fonts is None:
        fonts = _el("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(_q(f"w:{attr}"), name)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        key = _q(f"w:{attr}")
        if key in fonts.attrib:
            del fonts.attrib[key]


def _docx_defaults(d: Any, pt: Any) -> None:
    normal = d.styles["Normal"]
    normal.font.size = pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr, DOCX_FONTS["body"])
    lang = rpr.find(_q("w:lang"))
    if lang is None:
        lang = _el("w:lang")
        rpr.append(lang)
    lang.set(_q("w:val"), "en-US")
    lang.set(_q("w:eastAsia"), "zh-CN")
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = pt(0)
    pf.line_spacing = pt(LINE_PITCH_TW / 20)
    from docx.enum.text import WD_LINE_SPACING

    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.widow_control = False
    # the document defaults (theme fonts) too, so nothing falls back to Calibri / 等线
    styles_el = d.styles.element
    defaults = styles_el.find(_q("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(f"{_q('w:rPrDefault')}/{_q('w:rPr')}")
        if rpr_default is not None:
            _set_fonts(rpr_default, DOCX_FONTS["body"])


def _docx_font_table(d: Any) -> None:
    """Declare the standard fonts with altName and the GB2312 charset, so Word substitutes 仿宋 for
    仿宋_GB2312 etc. where the _GB2312 fonts are missing."""
    from lxml import etree

    part = None
    for rel in d.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            part = rel.target_part
            break
    if part is None:  # pragma: no cover - python-docx's template has one
        return
    root = etree.fromstring(part.blob)
    for name, (alt, panose) in _DOCX_ALT_NAMES.items():
        font = etree.SubElement(root, _q("w:font"))
        font.set(_q("w:name"), name)
        etree.SubElement(font, _q("w:altName")).set(_q("w:val"), alt)
        etree.SubElement(font, _q("w:panose1")).set(_q("w:val"), panose)
        etree.SubElement(font, _q("w:charset")).set(_q("w:val"), "86")
        etree.SubElement(font, _q("w:family")).set(_q("w:val"), "modern" if "宋" not in name else "roman")
        etree.SubElement(font, _q("w:pitch")).set(_q("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _docx_page_numbers(d: Any, section: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
        pf = p.paragraph_format
        pf.space_before = pf.space_after = Pt(0)
        pf.line_spacing = Pt(FOOTER_PT)
        from docx.enum.text import WD_LINE_SPACING

        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        if align == "right":
            pf.right_indent = Pt(FOOTER_PT)
        else:
            pf.left_indent = Pt(FOOTER_PT)
        _no_snap(p)
        for kind, text in (("t", "— "), ("begin", ""), ("instr", " PAGE "), ("sep", ""), ("t", "1"), ("end", "")):
            run = p.add_run()
            _run_font(run, "page_number", FOOTER_PT)
            if kind == "t":
                run.text = text
            elif kind == "instr":
                instr = _el("w:instrText")
                instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                instr.text = text
                run._r.append(instr)
            else:
                run._r.append(_el("w:fldChar", fldCharType={"begin": "begin", "sep": "separate"}.get(kind, "end")))
        run = p.add_run(" —")
        _run_font(run, "page_number", FOOTER_PT)


def _run_font(run: Any, role: str, size_pt: float, *, color: str | None = None) -> None:
    from docx.shared import Pt, RGBColor

    run.font.size = Pt(size_pt)
    _set_fonts(run._r.get_or_add_rPr(), DOCX_FONTS[role])
    if color:
        run.font.color.rgb = RGBColor.from_string(color.lstrip("#").upper())


def _no_snap(p: Any) -> None:
    ppr = p._p.get_or_add_pPr()
    ppr.append(_el("w:snapToGrid", val="0"))


def _ind(p: Any, **chars: float) -> None:
    """Indents in characters: w:ind leftChars/rightChars/firstLineChars (hundredths) with twips beside them."""
    ppr = p._p.get_or_add_pPr()
    ind = ppr.find(_q("w:ind"))
    if ind is None:
        ind = _el("w:ind")
        ppr.append(ind)
    for key, value in chars.items():
        ind.set(_q(f"w:{key}Chars"), str(round(value * 100)))
        ind.set(_q(f"w:{key}"), str(_tw(value * CHAR)))


class _DocxWriter:
    def __init__(self, d: Any) -> None:
        self.d = d

    def para(
        self,
        text: str = "",
        *,
        role: str = "body",
        size: float = BODY_PT,
        align: str = "left",
        color: str | None = None,
    ) -> Any:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        p = self.d.add_paragraph()
        p.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
        if text:
            self.run(p, text, role=role, size=size, color=color)
        return p

    def run(self, p: Any, text: str, *, role: str = "body", size: float = BODY_PT, color: str | None = None) -> Any:
        run = p.add_run(text)
        _run_font(run, role, size, color=color)
        return run

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.para()

    def build(self, doc: OfficialDocument) -> None:
        self._head(doc)
        self._main(doc)
        if doc.has_footer:
            self._footer(doc)

    def _head(self, doc: OfficialDocument) -> None:
        from docx.enum.text import WD_LINE_SPACING
        from docx.shared import Mm, Pt

        head_lines = 0
        if doc.copy_no:
            self.para(doc.copy_no)
            head_lines += 1
        for text in (doc.secrecy, doc.urgency):
            if text:
                self.para(text, role="header_mark")
                head_lines += 1
        size = _mark_size(doc)
        mark = self.para(doc.issuer_mark, role="issuer_mark", size=size, align="center", color=RED)
        pf = mark.paragraph_format
        pf.line_spacing, pf.line_spacing_rule = Pt(size), WD_LINE_SPACING.EXACTLY
        pf.space_before = Mm(MARK_TOP - head_lines * PITCH)
        _no_snap(mark)
        self.blank(2)
        number = self._number(doc)
        # the red line: the number paragraph's bottom border, RED_GAP under its (exact, 三号-high) line
        npf = number.paragraph_format
        npf.line_spacing, npf.line_spacing_rule = Pt(BODY_PT), WD_LINE_SPACING.EXACTLY
        _no_snap(number)
        ppr = number._p.get_or_add_pPr()
        borders = _el("w:pBdr")
        borders.append(_el("w:bottom", val="single", sz="12", space=str(round(RED_GAP / PT)), color="FF0000"))
        ppr.append(borders)

    def _main(self, doc: OfficialDocument) -> None:
        self.blank(2)
        for line in [x.strip() for x in doc.title.splitlines() if x.strip()] or [""]:
            _no_snap(self.para(line, role="title", size=TITLE_PT, align="center"))
        self.blank()
        self.para(doc.main_recipients + _FULL_COLON)
        for block in doc.body:
            p = self.para(align="justify")
            _ind(p, firstLine=2)
            head, rest = _heading_split(block)
            if head:
                self.run(p, head, role={1: "heading1", 2: "heading2", 3: "heading3", 4: "heading4"}[block.level])
            if rest:
                self.run(p, rest)
        if doc.attachments:
            self.blank()
            many = len(doc.attachments) > 1
            for i, name in enumerate(doc.attachments, 1):
                label = f"{i}.{name}" if many else name
                if i == 1:
                    p = self.para(f"附件{_FULL_COLON}{label}")
                    _ind(p, left=5, hanging=3)
                else:
                    p = self.para(label)
                    _ind(p, left=5)
        self._signature(doc)
        if doc.note:
            note = doc.note.strip().strip("（）()")
            p = self.para(f"（{note}）")
            _ind(p, firstLine=2)

    def _number(self, doc: OfficialDocument) -> Any:
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.shared import Mm

        if not (doc.upward and doc.signers):
            return self.para(doc.doc_number, align="center")
        rows = [doc.signers[i : i + 2] for i in range(0, len(doc.signers), 2)]
        p = None
        for i, row in enumerate(rows):
            p = self.para()
            p.paragraph_format.tab_stops.add_tab_stop(Mm(BLOCK_W - CHAR), WD_TAB_ALIGNMENT.RIGHT)
            if i == len(rows) - 1:
                _ind(p, firstLine=1)
                self.run(p, doc.doc_number)
            self.run(p, "\t签发人" + _FULL_COLON if i == 0 else "\t")
            self.run(p, "\u3000".join(row), role="signer")
        return p

    def _signature(self, doc: OfficialDocument) -> None:
        date = format_date(doc.date)
        sig_w, date_w = _text_width_chars(doc.issuer_signature), _text_width_chars(date)
        if doc.seal:
            self.blank(2)
            date_right = 4.0
            sig_right = max(0.0, date_right + (date_w - sig_w) / 2)
        else:
            self.blank()
            if date_w + 2 >= sig_w:
                date_right, sig_right = 2.0, 2.0 + (date_w + 2 - sig_w)
            else:
                sig_right, date_right = 2.0, 2.0 + (sig_w - 2 - date_w)
        p = self.para(doc.issuer_signature, align="right")
        _ind(p, right=sig_right)
        p.paragraph_format.keep_with_next = True
        p = self.para(date, align="right")
        _ind(p, right=date_right)
        if doc.seal:
            self._seal(p, doc.issuer_signature, date_right, date_w)

    def _seal(self, p: Any, name: str, date_right: float, date_w: float) -> None:
        png = _seal_png(name)
        if png is None:
            return
        run = p.add_run()
        run.add_picture(io.BytesIO(png), width=_emu(SEAL_D), height=_emu(SEAL_D))
        inline = run._r.find(".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}inline")
        if inline is None:  # pragma: no cover
            return
        centre_x = BLOCK_W - (date_right + date_w / 2) * CHAR
        x = centre_x - SEAL_D / 2
        # seal centre a quarter line above the boundary between the name's line and the date's line
        y = -(0.25 * PITCH) - SEAL_D / 2
        _inline_to_anchor(inline, x_mm=x, y_mm=y)

    def _footer(self, doc: OfficialDocument) -> None:
        """版记 as a frame at the bottom of the text block of the page where it falls."""
        from docx.enum.text import WD_LINE_SPACING
        from docx.shared import Pt

        rows = []
        c = FOOTER_PT  # the 四号 character
        if doc.cc:
            p = self.para(f"抄送{_FULL_COLON}{'，'.join(doc.cc)}。", role="footer", size=FOOTER_PT)
            p.paragraph_format.left_indent = Pt(c * 4)
            p.paragraph_format.first_line_indent = Pt(-c * 3)
            p.paragraph_format.right_indent = Pt(c)
            rows.append(p)
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.shared import Mm

        p = self.para(role="footer", size=FOOTER_PT)
        p.paragraph_format.left_indent = Pt(c)
        p.paragraph_format.right_indent = Pt(c)
        p.paragraph_format.tab_stops.add_tab_stop(Mm(BLOCK_W) - Pt(2 * c), WD_TAB_ALIGNMENT.RIGHT)
        printed = f"{format_date(doc.print_date)}印发" if doc.print_date else ""
        self.run(p, f"{doc.printer}\t{printed}", role="footer", size=FOOTER_PT)
        rows.append(p)
        for i, p in enumerate(rows):
            pf = p.paragraph_format
            pf.line_spacing, pf.line_spacing_rule = Pt(LINE_PITCH_TW / 20), WD_LINE_SPACING.EXACTLY
            ppr = p._p.get_or_add_pPr()
            frame = _el(
                "w:framePr",
                w=str(_tw(BLOCK_W)),
                hSpace="0",
                wrap="notBeside",
                vAnchor="margin",
                hAnchor="margin",
                xAlign="center",
                yAlign="bottom",
            )
            ppr.insert(0, frame)
            borders = _el("w:pBdr")
            if i == 0:
                borders.append(_el("w:top", val="single", sz="8", space="0", color="000000"))
            last = i == len(rows) - 1
            sz = "8" if last else "6"  # 0.35 mm ≈ 1 pt; 0.25 mm ≈ 0.75 pt (eighths of a point)
            borders.append(_el("w:bottom", val="single", sz=sz, space="0", color="000000"))
            ppr.append(borders)
            _no_snap(p)
            p.paragraph_format.keep_with_next = not last


def _emu(mm: float) -> int:
    return round(mm * 36000)


def _seal_png(name: str) -> bytes | None:
    """The red seal placeholder as a transparent PNG (Pillow, a WeasyPrint dependency)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # pragma: no cover
        return None
    px = 600
    scale = px / SEAL_D
    img = Image.new("RGBA", (px, px), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    red = (255, 0, 0, 235)
    ring = 1.1 * scale
    draw.ellipse((ring / 2, ring / 2, px - ring / 2, px - ring / 2), outline=red, width=round(ring))
    font_path, font_index = _font_file(_resolve("seal"), bold=True) or ("", 0)
    r = px / 2
    n = max(len(name), 1)
    size_mm = min(6.2, 2 * math.pi * (SEAL_D / 2 - 6) * (230 / 360) / n * 0.95)
    span = min(230.0, n * size_mm / (2 * math.pi * (SEAL_D / 2 - 6)) * 360 * 1.05)
    size = round(size_mm * scale)
    try:
        font: Any = ImageFont.truetype(font_path, size, index=font_index) if font_path else ImageFont.load_default()
        star: Any = ImageFont.truetype(font_path, round(13 * scale), index=font_index) if font_path else font
    except OSError:  # pragma: no cover
        font = star = ImageFont.load_default()
    rad = r - ring - 1.2 * scale - size * 0.5
    for i, ch in enumerate(name):
        angle = -span / 2 + span * (i + 0.5) / n
        glyph = Image.new("RGBA", (size * 2, size * 2), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((size, size), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        cx = r + rad * math.sin(math.radians(angle))
        cy = r - rad * math.cos(math.radians(angle))
        img.alpha_composite(glyph, (round(cx - size), round(cy - size)))
    draw.text((r, r), "★", font=star, fill=red, anchor="mm")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@functools.cache
def _font_file(family: str, *, bold: bool) -> tuple[str, int] | None:
    """(file, face index in a collection) of a family, from fontconfig."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    args = [exe, "-f", "%{file}|%{index}", pattern]
    out = subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
    path, _, index = out.partition("|")
    return (path, int(index or 0)) if path else None


def _inline_to_anchor(inline: Any, *, x_mm: float, y_mm: float) -> None:
    """Turn python-docx's inline picture into a floating one (in front of the text, no wrapping), positioned
    relative to the margin (x) and the paragraph (y)."""
    from lxml import etree

    wp = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    extent = inline.find(f"{{{wp}}}extent")
    doc_pr = inline.find(f"{{{wp}}}docPr")
    graphic = inline.find("{http://schemas.openxmlformats.org/drawingml/2006/main}graphic")
    anchor = etree.Element(
        f"{{{wp}}}anchor",
        distT="0",
        distB="0",
        distL="0",
        distR="0",
        simplePos="0",
        relativeHeight="251659264",
        behindDoc="0",
        locked="0",
        layoutInCell="1",
        allowOverlap="1",
    )
    etree.SubElement(anchor, f"{{{wp}}}simplePos", x="0", y="0")
    pos_h = etree.SubElement(anchor, f"{{{wp}}}positionH", relativeFrom="margin")
    etree.SubElement(pos_h, f"{{{wp}}}posOffset").text = str(_emu(x_mm))
    pos_v = etree.SubElement(anchor, f"{{{wp}}}positionV", relativeFrom="paragraph")
    etree.SubElement(pos_v, f"{{{wp}}}posOffset").text = str(_emu(y_mm))
    anchor.append(extent)
    etree.SubElement(anchor, f"{{{wp}}}effectExtent", l="0", t="0", r="0", b="0")
    etree.SubElement(anchor, f"{{{wp}}}wrapNone")
    anchor.append(doc_pr)
    etree.SubElement(anchor, f"{{{wp}}}cNvGraphicFramePr")
    anchor.append(graphic)
    inline.getparent().replace(inline, anchor)
