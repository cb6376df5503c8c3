"""Text and pictures on a projected slide: the deck's typeface and colours, an estimate of how
many lines a text wraps to (`fits`), so each box gets the largest size that fits it, and the
text boxes, bands and pictures themselves, every run with an East Asian typeface as well as a
Latin one (NOTES.md)."""

from __future__ import annotations

import io
import re

from PIL import Image
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

FONT = "Microsoft YaHei"  # PowerPoint and WPS have it; LibreOffice falls back to Noto CJK
INK, MUTED, ACCENT = RGBColor(0x22, 0x2B, 0x36), RGBColor(0x6B, 0x72, 0x80), RGBColor(
    0x1F, 0x5F, 0x9E)
MIN_SIZE = 18  # points: the smallest text a room can read off a projector
BODY_SIZES = (24, 22, 20, MIN_SIZE)
LINE_HEIGHT = 1.35  # YaHei's lines in PowerPoint are ~1.32 em; LibreOffice's 1.2
INSET = 0.1  # inches python-pptx leaves on each side of a text box (0.05 top and bottom)
NARROW = re.compile(r"[\x20-\x7e]")  # Latin letters, digits, ASCII signs: about half an em


def add_text(slide: Slide, left: float, top: float, width: float, height: float, text: str,
             size: int, *, bold: bool = False, colour: RGBColor = INK,
             align: PP_ALIGN | None = None, spacing: int = 0) -> None:
    frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width),
                                     Inches(height)).text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE  # the box keeps its size: `fits` chose the text's
    text = tidy(text)
    for index, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        # Punctuation stays inside the box rather than hanging past its right edge.
        paragraph._p.get_or_add_pPr().set("hangingPunct", "0")
        if align is not None:
            paragraph.alignment = align
        if spacing:
            paragraph.space_after = Pt(spacing)
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold = Pt(size), bold
        run.font.color.rgb = colour


def tidy(text: str) -> str:
    """Numbers written as the sections write them: "149人", never "149 人"; “” quotes."""
    text = re.sub(r"(?<=\d)[ \u00a0\u2009]+(?=[人名项个场元次%])", "", text)
    return text.replace("「", "“").replace("」", "”")


def _em(text: str) -> float:
    """The line's width in ems: CJK characters one each, Latin letters and digits about two
    thirds (DejaVu Sans, LibreOffice's fallback, is wide)."""
    narrow = len(NARROW.findall(text))
    return (len(text) - narrow) + 0.65 * narrow


def lines_needed(text: str, size: float, width: float) -> int:
    """Wrapped lines of `text` at `size` points in a box `width` inches wide (CJK wraps at any
    character; a line loses about one character to punctuation that may not begin a line)."""
    per_line = max(1.0, int((width - 2 * INSET) * 72 / size) - 1)
    return sum(max(1, int(-(-_em(line) // per_line))) for line in text.split("\n"))


def fits(text: str, size: float, width: float, height: float, *, spacing: int = 0) -> bool:
    """Whether `text` at `size` points fits a box of `width` × `height` inches."""
    paragraphs = text.count("\n") + 1
    needed = (lines_needed(text, size, width) * size * LINE_HEIGHT
              + (paragraphs - 1) * spacing) / 72 + 0.1
    return needed <= height


def size_for(text: str, width: float, height: float, sizes: tuple[int, ...], *,
             spacing: int = 0) -> int | None:
    """The largest of `sizes` at which `text` fits, or None."""
    return next((size for size in sizes if fits(text, size, width, height, spacing=spacing)),
                None)


def one_line(text: str, size: float, width: float) -> str:
    """`text` cut with "…" to one line at `size` points."""
    while len(text) > 1 and lines_needed(text, size, width) > 1:
        text = text[:-2] + "…"
    return text


def add_band(slide: Slide, left: float, top: float, width: float, height: float) -> None:
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left), Inches(top),
                                  Inches(width), Inches(height))
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()


def add_picture_fitted(slide: Slide, data: bytes, *, left: float, top: float, width: float,
                       height: float) -> None:
    """The image as large as fits the box, centred in it, its proportions kept."""
    with Image.open(io.BytesIO(data)) as image:
        ratio = image.width / image.height
    box_w, box_h = Inches(width), Inches(height)
    w, h = (box_w, int(box_w / ratio)) if box_w / ratio <= box_h else (int(box_h * ratio), box_h)
    slide.shapes.add_picture(io.BytesIO(data), Emu(Inches(left) + (box_w - w) // 2),
                             Emu(Inches(top) + (box_h - h) // 2), Emu(w), Emu(h))


def east_asian_fonts(deck: object) -> None:
    """Name the Latin and the East Asian typeface on every run of every slide."""
    for slide in deck.slides:  # type: ignore[attr-defined]
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            for paragraph in shape.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.name = FONT
                    r_pr = run._r.get_or_add_rPr()
                    r_pr.set("lang", "zh-CN")  # lets LibreOffice fall back to a 简体 face
                    for old in r_pr.findall(qn("a:ea")):
                        r_pr.remove(old)
                    ea = OxmlElement("a:ea")
                    ea.set("typeface", FONT)
                    r_pr.find(qn("a:latin")).addnext(ea)
