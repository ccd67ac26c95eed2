"""The PDF: the document as HTML and CSS laid out by WeasyPrint (two passes when there is a 版记)."""

from __future__ import annotations

import html
import math
from typing import Any

from sanfu.core.gbt9704.fonts import BOLD_STAND_INS, is_stand_in, resolve
from sanfu.core.gbt9704.layout import (
    BLOCK_H,
    BODY_PT,
    BOTTOM,
    CHAR,
    FOOTER_PT,
    FULL_COLON,
    LEFT,
    LETTER_SPACING_PT,
    MARK_TOP,
    PAGE_NO_GAP,
    PITCH,
    PT,
    RED,
    RED_GAP,
    RIGHT,
    SEAL_D,
    THICK,
    THIN,
    TITLE_PT,
    TOP,
    OfficialDocument,
    format_date,
    heading_split,
    mark_size,
)

_GENERIC = {"heading1": "sans-serif"}  # the CSS generic family after the named one (serif unless listed)


def _css_font(role: str) -> str:
    generic = _GENERIC.get(role, "serif")
    weight = 700 if role in BOLD_STAND_INS and is_stand_in(role) else 400
    return f'font-family: "{resolve(role)}", {generic}; font-weight: {weight};'


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
    family = resolve("seal")
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
    size = mark_size(doc)
    # line-height = font size makes the line box the em box; Noto CJK puts the ideographic em box 0.056 em
    # under the top of such a line box (ascent 1.151 / descent 0.286 centred in 1 em), hence the correction
    em_shift = 0.056 * size * PT if is_stand_in("issuer_mark") else 0.0
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
    out.append(f'<p class="recip">{_esc(doc.main_recipients)}{FULL_COLON}</p>')
    for block in doc.body:
        head, rest = heading_split(block)
        cls = {1: "h1", 2: "h2"}.get(block.level)
        inner = (f'<span class="{cls}">{_esc(head)}</span>' if cls and head else _esc(head)) + _esc(rest)
        out.append(f'<p class="b l{block.level}">{inner}</p>')
    if doc.attachments:
        out.append('<div class="att">')
        many = len(doc.attachments) > 1
        for i, name in enumerate(doc.attachments, 1):
            label = f"{i}.{name}" if many else name
            if i == 1:
                out.append(f"<p>附件{FULL_COLON}{_esc(label)}</p>")
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
            out.append(f'<div class="row cc">抄送{FULL_COLON}{_esc("，".join(doc.cc))}。</div>')
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
        label = f'<span class="{"" if i == 0 else "lbl-hidden"}">签发人{FULL_COLON}</span>'
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
