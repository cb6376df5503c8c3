"""The meeting deck (PPTX, 16:9): a title slide, one slide per dashboard section, the period's
activities with their photos, and a closing 存在问题 slide.

Aggregates only: the deck is built from `Statistics`, `sections()` and activity titles, so no
child's name, phone or ID number can reach it (photo captions are free text and are left out).
Every run gets an East Asian typeface as well as a Latin one: `run.font.name` alone leaves
Chinese text to a fallback font without CJK glyphs (NOTES.md).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PIL import Image, ImageOps
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt
from sqlalchemy.orm import Session

from services import charts, small_cells
from services.permissions import Actor, Capability
from services.photos import ReportPhoto, report_photos
from services.stats import Statistics, StatsScope, compute, scoped_actor
from services.stats_text import (
    CLOSE,
    COMMA,
    OPEN,
    Section,
    pct,
    period_span,
    sections,
    shown_total,
)

FONT = "Microsoft YaHei"  # PowerPoint and WPS have it; LibreOffice falls back to Noto CJK
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
INK, MUTED, ACCENT = RGBColor(0x22, 0x2B, 0x36), RGBColor(0x6B, 0x72, 0x80), RGBColor(
    0x1F, 0x5F, 0x9E)
MAX_FIGURES, MAX_PHOTOS, PHOTO_PIXELS = 4, 6, 1400
Progress = Callable[[float, str], None]


def deck_filename(org: str, scope: StatsScope) -> str:
    """平安县 + 2026-09-01…2026-11-28 → 平安县_工作汇报_20260901-20261128.pptx."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", org).strip() or "守望"
    return (f"{safe}_工作汇报_{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}.pptx")


def build_deck(session: Session, actor: Actor, scope: StatsScope, *, today: date,
               stats: Statistics | None = None, progress: Progress | None = None,
               data_dir: Path | None = None) -> bytes:
    """The whole deck as PPTX bytes; `progress(fraction, message)` follows the slow parts."""
    report = progress or (lambda fraction, message: None)
    report(0.0, "正在汇总统计数据")
    if stats is None:
        stats = compute(session, actor, scope, today=today)
    parts = sections(stats, suppress=True)  # a deck is shown to a room
    steps = len(parts) + 3
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    _title_slide(_blank(deck), stats, today, withheld=any(p.withheld for p in parts))
    for number, section in enumerate(parts, start=1):
        report(number / steps, f"正在生成图表:{section.title}")
        _section_slide(_blank(deck), section)
    report((steps - 2) / steps, "正在整理活动照片")
    _activities_slide(_blank(deck), stats,
                      _photos(session, actor, scope, data_dir) if _may_see_activities(actor)
                      else [])
    report((steps - 1) / steps, "正在整理存在问题")
    _problems_slide(_blank(deck), stats)
    _east_asian_fonts(deck)
    buffer = io.BytesIO()
    deck.save(buffer)
    report(1.0, "完成")
    return buffer.getvalue()


# ---- slides --------------------------------------------------------------------------------

def _blank(deck: object) -> Slide:
    return deck.slides.add_slide(deck.slide_layouts[6])  # type: ignore[attr-defined]


def _title_slide(slide: Slide, stats: Statistics, today: date, *, withheld: bool) -> None:
    _band(slide, 0, 2.3, 13.333, 0.12)
    _text(slide, 0.8, 0.9, 11.7, 1.3, stats.org or "全部", 48, bold=True, colour=ACCENT)
    _text(slide, 0.8, 2.7, 11.7, 0.9, "关爱留守儿童和困境儿童工作汇报", 32, bold=True)
    lines = [f"统计期间\uff1a{period_span(stats)}"]
    if stats.scope.categories:
        lines.append("儿童类别\uff1a" + "、".join(c.label() for c in stats.scope.categories))
    lines.append(f"生成日期\uff1a{today.isoformat()}")
    if withheld:
        lines.append(small_cells.NOTE)
    _text(slide, 0.8, 4.0, 11.7, 2.0, "\n".join(lines), 22, colour=MUTED)


def _heading(slide: Slide, title: str) -> None:
    _text(slide, 0.6, 0.35, 12.1, 0.8, title, 32, bold=True, colour=ACCENT)
    _band(slide, 0.6, 1.15, 12.1, 0.04)


def _section_slide(slide: Slide, section: Section) -> None:
    _heading(slide, section.title)
    if section.is_empty:
        _text(slide, 0.6, 2.6, 12.1, 1.2, "暂无数据", 44, bold=True, colour=MUTED,
              align=PP_ALIGN.CENTER)
        _text(slide, 0.6, 4.0, 12.1, 1.0, section.empty_hint or "", 20, colour=MUTED,
              align=PP_ALIGN.CENTER)
        return
    for row, figure in enumerate(section.figures[:MAX_FIGURES]):
        top = 1.45 + row * 1.2
        size = 40 if len(figure.value) <= 7 else 30
        _text(slide, 0.6, top, 4.4, 0.75, figure.value, size, bold=True, colour=ACCENT)
        _text(slide, 0.6, top + 0.72, 4.4, 0.4, figure.label, 14, colour=MUTED)
    png = charts.chart_png(section, width=640)
    if png is not None:
        _picture(slide, png, left=5.2, top=1.4, width=7.5, height=4.75)
    size = 14 if len(section.text) <= 160 else 12 if len(section.text) <= 230 else 10
    _text(slide, 0.6, 6.3, 12.1, 1.0, section.text, size, colour=INK)


def _activities_slide(slide: Slide, stats: Statistics, photos: list[ReportPhoto]) -> None:
    _heading(slide, "活动剪影")
    total = stats.activities_total
    _text(slide, 0.6, 1.3, 12.1, 0.5,
          f"{stats.period_name}共开展活动{total.sessions}场{COMMA}"
          f"服务{total.person_times}人次", 18)
    if not photos:
        _text(slide, 0.6, 3.2, 12.1, 1.0, f"{stats.period_name}暂无活动照片", 32, colour=MUTED,
              align=PP_ALIGN.CENTER)
        return
    for index, photo in enumerate(photos[:MAX_PHOTOS]):
        left, top = 0.6 + (index % 3) * 4.1, 1.95 + (index // 3) * 2.75
        _picture(slide, _shrunk(photo.path), left=left, top=top, width=3.9, height=2.2)
        caption = f"{photo.held_on:%m-%d} {photo.activity_title}"
        _text(slide, left, top + 2.2, 3.9, 0.4, caption[:26], 12, colour=MUTED,
              align=PP_ALIGN.CENTER)


def _problems_slide(slide: Slide, stats: Statistics) -> None:
    _heading(slide, "存在问题")
    done = f"{stats.period_name}各项工作均按要求完成{COMMA}暂未发现突出问题。"
    lines = _problems(stats) or [done]
    _text(slide, 0.8, 1.6, 11.7, 5.4, "\n".join(f"• {line}" for line in lines), 26,
          spacing=18)


def _problems(stats: Statistics) -> list[str]:
    """What the meeting should hear about, as counts only."""
    p, lines = stats.pairing, []
    state = small_cells.breakdown({"paired": p.children_paired, "unpaired": p.unpaired},
                                  p.children, suppress=True)
    # A unit of fewer than 5 children shows its total only.
    if p.unpaired and not shown_total(stats, suppress=True).withheld:
        rate = "" if state["unpaired"].withheld else (
            f"{OPEN}结对率{pct(p.children_paired, p.children)}{CLOSE}")
        lines.append(f"尚有{state['unpaired']}名儿童未结对{rate}")
    if stats.overdue:
        lines.append(f"逾期未完成的帮扶待办{small_cells.count(stats.overdue, suppress=True)}项")
    open_needs = sum(stats.open_needs_by_kind.values())
    if open_needs:
        lines.append(f"尚未解决的需求{small_cells.count(open_needs, suppress=True)}个")
    rules = [r for r in stats.compliance if r.due and r.met < r.due]
    # Items are pairings × rules: a small count names a few children, as on every deck slide.
    rules = [r for r in rules if not small_cells.count(r.due, suppress=True).withheld
             and not small_cells.part(r.met, r.due, suppress=True).withheld]
    if rules:
        low = min(rules, key=lambda r: r.rate)
        lines.append(f"完成率最低的帮扶要求是「{low.name}」{COMMA}"
                     f"完成{low.met}/{low.due}项{OPEN}{pct(low.met, low.due)}{CLOSE}")
    return lines


# ---- data ----------------------------------------------------------------------------------

def _may_see_activities(actor: Actor) -> bool:
    return actor.can(Capability.MANAGE_ACTIVITIES)


def _photos(session: Session, actor: Actor, scope: StatsScope,
            data_dir: Path | None) -> list[ReportPhoto]:
    """The period's photos in the scope's unit, one or two per activity first."""
    narrowed = scoped_actor(session, actor, scope.org_unit_id)
    found = report_photos(session, narrowed, date_from=scope.date_from, date_to=scope.date_to,
                          limit=4 * MAX_PHOTOS, data_dir=data_dir)
    seen: dict[str, int] = {}
    ranked = []
    for order, photo in enumerate(found):  # spread the six over as many activities as there are
        key = f"{photo.held_on}|{photo.activity_title}"
        seen[key] = seen.get(key, 0) + 1
        ranked.append((seen[key], order, photo))
    return [photo for _, _, photo in sorted(ranked, key=lambda r: r[:2])][:MAX_PHOTOS]


def _shrunk(path: Path) -> bytes:
    """A phone photo turned upright and scaled down, so the deck stays small."""
    with Image.open(path) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
        upright.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS))
        buffer = io.BytesIO()
        upright.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


# ---- shapes --------------------------------------------------------------------------------

def _text(slide: Slide, left: float, top: float, width: float, height: float, text: str,
          size: int, *, bold: bool = False, colour: RGBColor = INK,
          align: PP_ALIGN | None = None, spacing: int = 0) -> None:
    frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width),
                                     Inches(height)).text_frame
    frame.word_wrap = True
    for index, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if spacing:
            paragraph.space_after = Pt(spacing)
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold = Pt(size), bold
        run.font.color.rgb = colour


def _band(slide: Slide, left: float, top: float, width: float, height: float) -> None:
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left), Inches(top),
                                  Inches(width), Inches(height))
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()


def _picture(slide: Slide, data: bytes, *, left: float, top: float, width: float,
             height: float) -> None:
    """The image as large as fits the box, centred in it, its proportions kept."""
    with Image.open(io.BytesIO(data)) as image:
        ratio = image.width / image.height
    box_w, box_h = Inches(width), Inches(height)
    w, h = (box_w, int(box_w / ratio)) if box_w / ratio <= box_h else (int(box_h * ratio), box_h)
    slide.shapes.add_picture(io.BytesIO(data), Emu(Inches(left) + (box_w - w) // 2),
                             Emu(Inches(top) + (box_h - h) // 2), Emu(w), Emu(h))


def _east_asian_fonts(deck: object) -> None:
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
