"""The edited 活动总结 as a file: Markdown, DOCX (python-docx) or PDF (reportlab).

Only the Markdown the draft uses is understood: "# " title, "## "/"### " headings, "- " bullets,
**bold** and plain paragraphs (one per line). Chinese needs its own font in each format: DOCX
names an East Asian font (w:eastAsia) beside the Latin one, since Word and WPS otherwise fall
back to a font without CJK glyphs; the PDF uses reportlab's STSong-Light CID font, which every
PDF reader supplies, so nothing is embedded.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from typing import NamedTuple

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from services.errors import DomainError

REPORT_FORMATS = ("md", "docx", "pdf")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
# 宋体 and 黑体 by their English names: Word and WPS know both, and LibreOffice maps SimSun to a
# serif CJK font (Noto Serif CJK here) where "宋体" would get a sans one.
BODY_FONT, HEADING_FONT, LATIN_FONT = "SimSun", "SimHei", "Times New Roman"
PDF_FONT = "STSong-Light"
THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
BOLD = re.compile(r"\*\*(.+?)\*\*")


class Block(NamedTuple):
    """One line of the Markdown: kind is title, h1, h2, bullet or text."""

    kind: str
    text: str


def blocks(text: str) -> Iterator[Block]:
    """The Markdown's non-empty lines, each classified."""
    prefixes = (("# ", "title"), ("## ", "h1"), ("### ", "h2"), ("- ", "bullet"),
                ("* ", "bullet"))
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        kind = next((k for prefix, k in prefixes if line.startswith(prefix)), "text")
        yield Block(kind, line if kind == "text" else line.split(" ", 1)[1].strip())


def spans(text: str) -> Iterator[tuple[str, bool]]:
    """(piece, bold) for the line's **bold** and plain stretches."""
    at = 0
    for match in BOLD.finditer(text):
        if match.start() > at:
            yield text[at:match.start()], False
        yield match.group(1), True
        at = match.end()
    if at < len(text):
        yield text[at:], False


def markdown_bytes(text: str) -> bytes:
    return text.encode("utf-8")


# ---- DOCX -----------------------------------------------------------------------------------

def _east_asian(target: BaseStyle | Run, font: str) -> None:
    """Name the Latin and the East Asian font: Word reads w:eastAsia for Chinese characters."""
    target.font.name = LATIN_FONT
    fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    for theme in THEME_FONTS:  # a theme font would override the named one
        fonts.attrib.pop(qn(theme), None)


def _chinese_defaults(document: DocxDocument) -> None:
    """Mark the text as Simplified Chinese, so font fallback picks SC glyphs, not JP."""
    for lang in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang.set(qn("w:eastAsia"), "zh-CN")
    for fonts in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts"):
        for theme in THEME_FONTS:
            fonts.attrib.pop(qn(theme), None)
        fonts.set(qn("w:ascii"), LATIN_FONT)
        fonts.set(qn("w:hAnsi"), LATIN_FONT)
        fonts.set(qn("w:eastAsia"), BODY_FONT)


def _styled(document: DocxDocument) -> None:
    _chinese_defaults(document)
    body = ("Normal", "List Bullet")
    sizes = {"Normal": 12, "List Bullet": 12, "Title": 20, "Heading 1": 15, "Heading 2": 13}
    for name, size in sizes.items():
        style = document.styles[name]
        _east_asian(style, BODY_FONT if name in body else HEADING_FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        if name not in body:
            style.font.bold = True
            style.paragraph_format.space_before = Pt(12)
            style.paragraph_format.space_after = Pt(6)
    document.styles["Normal"].paragraph_format.line_spacing = 1.5


def _a4(document: DocxDocument) -> None:
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(25)
        section.left_margin = section.right_margin = Mm(25)


def _runs(paragraph: DocxParagraph, text: str, font: str) -> None:
    for piece, bold in spans(text):
        run = paragraph.add_run(piece)
        run.bold = bold or None
        _east_asian(run, font)


def _docx_block(document: DocxDocument, block: Block) -> None:
    if block.kind == "title":
        paragraph = document.add_paragraph(style="Title")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _runs(paragraph, block.text, HEADING_FONT)
    elif block.kind in ("h1", "h2"):
        paragraph = document.add_paragraph(style="Heading 1" if block.kind == "h1" else "Heading 2")
        _runs(paragraph, block.text, HEADING_FONT)
    elif block.kind == "bullet":
        _runs(document.add_paragraph(style="List Bullet"), block.text, BODY_FONT)
    else:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters, as Chinese does
        _runs(paragraph, block.text, BODY_FONT)


def markdown_to_docx(text: str, *, title: str) -> bytes:
    """The Markdown as an A4 Word document with Chinese fonts set on styles and runs."""
    document = Document()
    document.core_properties.title = title
    _styled(document)
    _a4(document)
    for block in blocks(text):
        _docx_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---- PDF ------------------------------------------------------------------------------------

def _pdf_styles() -> dict[str, ParagraphStyle]:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    base = ParagraphStyle("body", fontName=PDF_FONT, fontSize=11, leading=19,
                          wordWrap="CJK", firstLineIndent=22, spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1,
                                firstLineIndent=0, spaceAfter=12),
        "h1": ParagraphStyle("h1", parent=base, fontSize=14, leading=22, firstLineIndent=0,
                             spaceBefore=10, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=20, firstLineIndent=0,
                             spaceBefore=6),
        "bullet": ParagraphStyle("bullet", parent=base, firstLineIndent=0, leftIndent=16,
                                 bulletIndent=4, bulletFontName=PDF_FONT),
        "text": base,
    }


def _markup(text: str) -> str:
    """reportlab's mini-HTML: escaped text, **bold** underlined (STSong has no bold face)."""
    return "".join(f"<u>{html.escape(piece)}</u>" if bold else html.escape(piece)
                   for piece, bold in spans(text))


def _page_number(canvas: Canvas, document: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(PDF_FONT, 9)
    canvas.drawCentredString(A4[0] / 2, 12 * mm, f"第 {canvas.getPageNumber()} 页")
    canvas.restoreState()


def markdown_to_pdf(text: str, *, title: str) -> bytes:
    """The Markdown as an A4 PDF in STSong-Light, wrapped the Chinese way, pages numbered."""
    styles = _pdf_styles()
    story: list[Paragraph | Spacer] = []
    for block in blocks(text):
        style = styles[block.kind]
        bullet = "•" if block.kind == "bullet" else None
        story.append(Paragraph(_markup(block.text), style, bulletText=bullet))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=25 * mm,
                                 rightMargin=25 * mm, topMargin=22 * mm, bottomMargin=22 * mm)
    document.build(story or [Spacer(1, 1)], onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()


def render(text: str, fmt: str, *, title: str) -> bytes:
    """The draft in one of REPORT_FORMATS."""
    if fmt == "md":
        return markdown_bytes(text)
    if fmt == "docx":
        return markdown_to_docx(text, title=title)
    if fmt == "pdf":
        return markdown_to_pdf(text, title=title)
    raise DomainError(f"不支持的格式{fmt}")
