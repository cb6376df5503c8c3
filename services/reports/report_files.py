"""The edited 活动总结 as a file: Markdown, DOCX (python-docx) or PDF (reportlab).

Only the Markdown the draft uses is understood: "# " title, "## "/"### " headings, "- " bullets,
**bold**, plain paragraphs (one per line) and the 落款 (a short line with the unit, then a line
with only the date "2026年11月28日"), which both files set right-aligned at the end.

Both files are laid out the way a 公文 is: a centred title in 小标宋, headings in 黑体, the body
in 仿宋, page numbers "— 1 —" in the footer. DOCX names an East Asian font (w:eastAsia) beside
the Latin one, since Word and WPS otherwise fall back to a font without CJK glyphs, and its font
table gives Noto CJK (fonts-noto-cjk) as the alternative where those fonts are missing. The PDF
embeds Noto Serif/Sans CJK SC, subset to the document's characters and converted from CFF to
TrueType outlines (fontTools), since reportlab embeds TrueType only; without the font files or
fontTools it warns and falls back to the STSong-Light CID font the reader must supply.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
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
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from core.errors import DomainError

log = logging.getLogger(__name__)

REPORT_FORMATS = ("md", "docx", "pdf")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
# The 公文 faces by the names Word and WPS know; the font table offers Noto CJK in their place.
TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋"
LATIN_FONT = "Times New Roman"
ALT_FONTS = {TITLE_FONT: "Noto Serif CJK SC", HEADING_FONT: "Noto Sans CJK SC",
             BODY_FONT: "Noto Serif CJK SC"}
TITLE_STYLE, SIGN_STYLE = "公文标题", "落款"
THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
BOLD = re.compile(r"\*\*(.+?)\*\*")
DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
SIGN_MAX = 30  # a longer line before the date is a paragraph, not the unit's name

# PDF faces: (file names, in the folders below; the collection's face whose name ends so).
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"),
             Path("/usr/share/fonts/google-noto-cjk"), Path("/usr/local/share/fonts"))
PDF_FACES = {
    "body": "NotoSerifCJK-Regular.ttc",
    "bold": "NotoSerifCJK-Bold.ttc",
    "heading": "NotoSansCJK-Bold.ttc",
}
CID_FONT = "STSong-Light"  # the fallback: a font every reader supplies, embedded nowhere


class Block(NamedTuple):
    """One line of the Markdown: kind is title, h1, h2, bullet, text or sign (落款)."""

    kind: str
    text: str


def blocks(text: str) -> Iterator[Block]:
    """The Markdown's non-empty lines, each classified; the unit and date lines are the 落款."""
    prefixes = (("# ", "title"), ("## ", "h1"), ("### ", "h2"), ("- ", "bullet"),
                ("* ", "bullet"))
    found: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        kind = next((k for prefix, k in prefixes if line.startswith(prefix)), "text")
        found.append(Block(kind, line if kind == "text" else line.split(" ", 1)[1].strip()))
    for index, block in enumerate(found):
        if block.kind == "text" and DATE_LINE.fullmatch(block.text):
            found[index] = Block("sign", block.text)
            before = found[index - 1] if index else None
            if (before and before.kind == "text" and len(before.text) <= SIGN_MAX
                    and not re.search("[。，；：！？.,;:!?]", before.text)):
                found[index - 1] = Block("sign", before.text)
    yield from found


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


def _font_table(document: DocxDocument) -> None:
    """Each 公文 face in the font table with Noto CJK as its alternative name (w:altName)."""
    part = next((p for p in document.part.package.iter_parts()
                 if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    from docx.oxml.parser import parse_xml

    root = parse_xml(part.blob)
    for name, alternative in ALT_FONTS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), alternative)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "modern" if name == HEADING_FONT else "roman")
        font.extend([alt, charset, family])
        root.append(font)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _style(document: DocxDocument, name: str, *, font: str, size: float, bold: bool = False,
           before: float = 0, after: float = 0) -> BaseStyle:
    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(
        name, WD_STYLE_TYPE.PARAGRAPH)
    if style.base_style is None and name != "Normal":
        style.base_style = styles["Normal"]
    _east_asian(style, font)
    style.font.size, style.font.bold = Pt(size), bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(before), Pt(after)
    return style


def _styled(document: DocxDocument) -> None:
    """三号 (16 pt) 仿宋 body, 二号 (22 pt) 小标宋 title, 黑体 and bold 仿宋 headings, all black."""
    _chinese_defaults(document)
    normal = _style(document, "Normal", font=BODY_FONT, size=16)
    normal.paragraph_format.line_spacing = Pt(28)  # the 公文's fixed 28-point lines
    _style(document, "List Bullet", font=BODY_FONT, size=16)
    title = _style(document, TITLE_STYLE, font=TITLE_FONT, size=22, after=16)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    for name, font, bold in (("Heading 1", HEADING_FONT, False), ("Heading 2", BODY_FONT, True)):
        heading = _style(document, name, font=font, size=16, bold=bold, before=6)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.line_spacing = Pt(28)
        heading.font.italic = False
    sign = _style(document, SIGN_STYLE, font=BODY_FONT, size=16)
    sign.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.paragraph_format.right_indent = Pt(64)  # 右空四字, as 公文 set the 成文日期


def _a4(document: DocxDocument) -> None:
    """A4 with the 公文 margins: 37 mm top, 35 mm bottom, 28 mm left, 26 mm right."""
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(20)


def _field(paragraph: DocxParagraph, instruction: str) -> None:
    """A Word field (PAGE) as its three fldChar runs, shown as "1" until Word updates it."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None),
                       ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        _east_asian(run, BODY_FONT)
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        elif kind == "text":
            run.text = text
            continue
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _page_numbers(document: DocxDocument) -> None:
    """"— 1 —" centred in every page's footer, in 宋体 四号 (14 pt) as 公文 number pages."""
    for section in document.sections:
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for piece in ("— ", None, " —"):
            if piece is None:
                _field(paragraph, " PAGE ")
            else:
                _east_asian(paragraph.add_run(piece), BODY_FONT)
        for run in paragraph.runs:
            run.font.size = Pt(14)


def _runs(paragraph: DocxParagraph, text: str, font: str) -> None:
    for piece, bold in spans(text):
        run = paragraph.add_run(piece)
        run.bold = bold or None
        _east_asian(run, font)


def _docx_block(document: DocxDocument, block: Block, previous: str) -> None:
    if block.kind == "title":
        _runs(document.add_paragraph(style=TITLE_STYLE), block.text, TITLE_FONT)
    elif block.kind == "h1":
        _runs(document.add_paragraph(style="Heading 1"), block.text, HEADING_FONT)
    elif block.kind == "h2":
        _runs(document.add_paragraph(style="Heading 2"), block.text, BODY_FONT)
    elif block.kind == "bullet":
        _runs(document.add_paragraph(style="List Bullet"), block.text, BODY_FONT)
    elif block.kind == "sign":
        paragraph = document.add_paragraph(style=SIGN_STYLE)
        if previous != "sign":
            paragraph.paragraph_format.space_before = Pt(32)  # a blank line or two above
        _runs(paragraph, block.text, BODY_FONT)
    else:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters, as Chinese does
        _runs(paragraph, block.text, BODY_FONT)


def markdown_to_docx(text: str, *, title: str) -> bytes:
    """The Markdown as an A4 公文-style Word document, Chinese fonts on styles and runs."""
    document = Document()
    document.core_properties.title = title
    _styled(document)
    _a4(document)
    _font_table(document)
    _page_numbers(document)
    previous = ""
    for block in blocks(text):
        _docx_block(document, block, previous)
        previous = block.kind
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---- PDF ------------------------------------------------------------------------------------

def font_file(name: str) -> Path | None:
    """The installed font file of that name (fonts-noto-cjk puts it in the first folder)."""
    return next((folder / name for folder in FONT_DIRS if (folder / name).is_file()), None)


@functools.lru_cache(maxsize=16)
def _truetype_subset(path: Path, chars: str) -> bytes:
    """The collection's Simplified Chinese face cut to `chars`, its CFF outlines turned into
    TrueType quadratics: reportlab embeds TrueType only."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTCollection, newTable

    faces = TTCollection(str(path), lazy=True).fonts
    font = next((f for f in faces if f["name"].getDebugName(1).endswith(" SC")), faces[0])
    options = subset.Options()
    options.name_IDs, options.notdef_outline, options.hinting = ["*"], True, False
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font.sfntVersion = "\x00\x01\x00\x00"
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat = font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def embedded_fonts(text: str) -> dict[str, str] | None:
    """Registered reportlab names for body, bold and heading, each a subset embedded in the
    PDF; None (with a warning) when a font file or fontTools is missing."""
    paths = {role: font_file(name) for role, name in PDF_FACES.items()}
    missing = [PDF_FACES[role] for role, path in paths.items() if path is None]
    try:
        import fontTools  # noqa: F401
    except ImportError:
        missing.append("fontTools")
    if missing:
        message = (f"PDF 将使用阅读器自带的 {CID_FONT} 字体{chr(0xff08)}未嵌入{chr(0xff09)}"
                   f"{chr(0xff1a)}缺少 {', '.join(missing)}{chr(0xff08)}请安装 fonts-noto-cjk"
                   f"{chr(0xff09)}")
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        log.warning(message)
        return None
    chars = "".join(sorted(set(text) | set("0123456789— •"))).replace("\n", "")
    digest = hashlib.sha256(chars.encode()).hexdigest()[:12]
    names = {}
    for role, path in paths.items():
        name = f"Shouwang-{role}-{digest}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(_truetype_subset(path, chars))))
        names[role] = name
    pdfmetrics.registerFontFamily(names["body"], normal=names["body"], bold=names["bold"],
                                  italic=names["body"], boldItalic=names["bold"])
    return names


def _cid_fonts() -> dict[str, str]:
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return dict.fromkeys(PDF_FACES, CID_FONT)


def _pdf_styles(fonts: dict[str, str]) -> dict[str, ParagraphStyle]:
    """三号-ish body at 13 pt on 23-pt lines; headings bold and kept with what follows."""
    base = ParagraphStyle("body", fontName=fonts["body"], fontSize=13, leading=23,
                          wordWrap="CJK", firstLineIndent=26, spaceAfter=4)
    heading = {"firstLineIndent": 0, "keepWithNext": 1}
    return {
        "title": ParagraphStyle("title", parent=base, fontName=fonts["bold"], fontSize=20,
                                leading=30, alignment=1, spaceAfter=14, **heading),
        "h1": ParagraphStyle("h1", parent=base, fontName=fonts["heading"], fontSize=15,
                             leading=24, spaceBefore=8, spaceAfter=4, **heading),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts["bold"], fontSize=13,
                             leading=23, spaceBefore=4, **heading),
        "bullet": ParagraphStyle("bullet", parent=base, firstLineIndent=0, leftIndent=16,
                                 bulletIndent=4, bulletFontName=fonts["body"]),
        "sign": ParagraphStyle("sign", parent=base, firstLineIndent=0, alignment=2,
                               rightIndent=52, spaceAfter=0),
        "text": base,
    }


def _markup(text: str, *, embedded: bool) -> str:
    """reportlab's mini-HTML: escaped text, **bold** in the bold face (underlined when the
    fallback CID font, which has no bold, is used)."""
    tag = "b" if embedded else "u"
    return "".join(f"<{tag}>{html.escape(piece)}</{tag}>" if bold else html.escape(piece)
                   for piece, bold in spans(text))


def markdown_to_pdf(text: str, *, title: str) -> bytes:
    """The Markdown as an A4 PDF with its CJK fonts embedded, wrapped the Chinese way, its
    headings bold and never left alone at a page foot, pages numbered "— 1 —"."""
    fonts = embedded_fonts(text + title)
    embedded = fonts is not None
    fonts = fonts or _cid_fonts()
    styles = _pdf_styles(fonts)
    story: list[Paragraph | Spacer] = []
    previous = ""
    for block in blocks(text):
        if block.kind == "sign" and previous != "sign":
            story.append(Spacer(1, 24))
        bullet = "•" if block.kind == "bullet" else None
        story.append(Paragraph(_markup(block.text, embedded=embedded), styles[block.kind],
                               bulletText=bullet))
        previous = block.kind

    def page_number(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(fonts["body"], 11)
        canvas.drawCentredString(A4[0] / 2, 14 * mm, f"— {canvas.getPageNumber()} —")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=28 * mm,
                                 rightMargin=26 * mm, topMargin=30 * mm, bottomMargin=28 * mm,
                                 initialFontName=fonts["body"])
    document.build(story or [Spacer(1, 1)], onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def render(text: str, fmt: str, *, title: str) -> bytes:
    """The draft in one of REPORT_FORMATS."""
    if fmt == "md":
        return markdown_bytes(text)
    if fmt == "docx":
        return markdown_to_docx(text, title=title)
    if fmt == "pdf":
        return markdown_to_pdf(text, title=title)
    raise DomainError.of("errors.report.format_plain", fmt=fmt)
