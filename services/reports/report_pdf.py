"""The 活动总结 as an A4 PDF (reportlab), laid out like the DOCX. It embeds Noto Serif/Sans CJK
SC, subset to the document's characters and converted from CFF to TrueType outlines (fontTools),
since reportlab embeds TrueType only; without the font files or fontTools it warns and falls
back to the STSong-Light CID font the reader must supply."""

from __future__ import annotations

import functools
import hashlib
import html
import io
import logging
import warnings
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from services.reports.report_markdown import blocks, spans

log = logging.getLogger(__name__)

# PDF faces: (file names, in the folders below; the collection's face whose name ends so).
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"),
             Path("/usr/share/fonts/google-noto-cjk"), Path("/usr/local/share/fonts"))
PDF_FACES = {
    "body": "NotoSerifCJK-Regular.ttc",
    "bold": "NotoSerifCJK-Bold.ttc",
    "heading": "NotoSansCJK-Bold.ttc",
}
CID_FONT = "STSong-Light"  # the fallback: a font every reader supplies, embedded nowhere


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
    # Headings: no first-line indent, kept with what follows.
    return {
        "title": ParagraphStyle("title", parent=base, fontName=fonts["bold"], fontSize=20,
                                leading=30, alignment=1, spaceAfter=14, firstLineIndent=0,
                                keepWithNext=1),
        "h1": ParagraphStyle("h1", parent=base, fontName=fonts["heading"], fontSize=15,
                             leading=24, spaceBefore=8, spaceAfter=4, firstLineIndent=0,
                             keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts["bold"], fontSize=13,
                             leading=23, spaceBefore=4, firstLineIndent=0, keepWithNext=1),
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
    story: list[Flowable] = []
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
