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

Modules: ``layout`` (geometry, the document model, the text's paragraphs), ``fonts``, ``pdf``,
``docx_writer``. See docs/gbt9704.md for the fonts, their stand-ins and the known gaps.
"""

from sanfu.core.gbt9704.docx_writer import render_docx
from sanfu.core.gbt9704.fonts import DOCX_FONTS, fonts_used
from sanfu.core.gbt9704.layout import BodyBlock, OfficialDocument, format_date, parse_body
from sanfu.core.gbt9704.pdf import render_pdf

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
