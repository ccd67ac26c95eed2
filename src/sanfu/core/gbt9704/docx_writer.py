"""The DOCX (python-docx): exact section geometry, a 22 × 28 document grid, the standard fonts named, the
版记 as a frame at the bottom of the text block."""

from __future__ import annotations

import io
import math
from typing import Any

from sanfu.core.gbt9704.fonts import DOCX_ALT_NAMES, DOCX_FONTS, font_file, resolve
from sanfu.core.gbt9704.layout import (
    BLOCK_H,
    BLOCK_W,
    BODY_PT,
    BOTTOM,
    CHAR,
    FOOTER_PT,
    FULL_COLON,
    LEFT,
    LINES,
    MARK_TOP,
    PAGE_H,
    PAGE_NO_GAP,
    PAGE_W,
    PITCH,
    PT,
    RED,
    RED_GAP,
    RIGHT,
    SEAL_D,
    TITLE_PT,
    TOP,
    OfficialDocument,
    format_date,
    heading_split,
    mark_size,
    text_width_chars,
)

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
    for name, (alt, panose) in DOCX_ALT_NAMES.items():
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
        size = mark_size(doc)
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
        self.para(doc.main_recipients + FULL_COLON)
        for block in doc.body:
            p = self.para(align="justify")
            _ind(p, firstLine=2)
            head, rest = heading_split(block)
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
                    p = self.para(f"附件{FULL_COLON}{label}")
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
            self.run(p, "\t签发人" + FULL_COLON if i == 0 else "\t")
            self.run(p, "\u3000".join(row), role="signer")
        return p

    def _signature(self, doc: OfficialDocument) -> None:
        date = format_date(doc.date)
        sig_w, date_w = text_width_chars(doc.issuer_signature), text_width_chars(date)
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
            p = self.para(f"抄送{FULL_COLON}{'，'.join(doc.cc)}。", role="footer", size=FOOTER_PT)
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
    font_path, font_index = font_file(resolve("seal"), bold=True) or ("", 0)
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
