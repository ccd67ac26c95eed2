"""The page as GB/T 9704-2012 sets it out (geometry in millimetres unless named otherwise), the document
model both renderers take, and the reading of plain text into paragraphs with their heading levels."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

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

FULL_COLON = "："


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


def heading_split(block: BodyBlock) -> tuple[str, str]:
    """(heading part, rest): a run-in heading ends at its first 。 — "（一）加强领导。各单位要……" sets only
    "（一）加强领导。" in the heading font. A heading without a following sentence is all heading."""
    if block.level in (1, 2):
        idx = block.text.find("。")
        if 0 <= idx < len(block.text) - 1:
            return block.text[: idx + 1], block.text[idx + 1 :]
        return block.text, ""
    return "", block.text


def text_width_chars(text: str) -> float:
    """Width in character pitches: CJK and full-width forms are one, ASCII half."""
    return sum(0.5 if ord(ch) < 0x2E80 and ch != "—" else 1.0 for ch in text)


def mark_size(doc: OfficialDocument) -> float:
    """The issuer mark's font size (pt): 初号 unless the name is too long for one line of the block."""
    width = text_width_chars(doc.issuer_mark) or 1
    return min(MARK_PT, BLOCK_W / PT / width * 0.98)
