"""The 活动总结 as a DOCX (python-docx), laid out the way a 公文 is: a centred title in 小标宋,
headings in 黑体, the body in 仿宋, page numbers "— 1 —" in the footer. Each style names an
East Asian font (w:eastAsia) beside the Latin one, since Word and WPS otherwise fall back to a
font without CJK glyphs, and the font table gives Noto CJK (fonts-noto-cjk) as the alternative
where those fonts are missing."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import CharacterStyle, ParagraphStyle
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from services.reports.report_markdown import Block, blocks, spans

# The 公文 faces by the names Word and WPS know; the font table offers Noto CJK in their place.
TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋"
LATIN_FONT = "Times New Roman"
ALT_FONTS = {TITLE_FONT: "Noto Serif CJK SC", HEADING_FONT: "Noto Sans CJK SC",
             BODY_FONT: "Noto Serif CJK SC"}
TITLE_STYLE, SIGN_STYLE = "公文标题", "落款"
THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _east_asian(target: CharacterStyle | Run, font: str) -> None:
    """Name the Latin and the East Asian font: Word reads w:eastAsia for Chinese characters."""
    target.font.name = LATIN_FONT
    fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    for theme in THEME_FONTS:  # a theme font would override the named one
        if qn(theme) in fonts.attrib:
            del fonts.attrib[qn(theme)]


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
           before: float = 0, after: float = 0) -> ParagraphStyle:
    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(
        name, WD_STYLE_TYPE.PARAGRAPH)
    # python-docx builds each style as its type's class; every style named here is a paragraph
    # style of the default template or one added as such.
    if not isinstance(style, ParagraphStyle):
        raise TypeError(f"{name} is not a paragraph style")
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
    for kind, text in (("begin", ""), ("instr", instruction), ("separate", ""),
                       ("text", "1"), ("end", "")):
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
