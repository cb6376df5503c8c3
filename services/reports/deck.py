"""The meeting deck (PPTX, 16:9): a title slide, one slide per dashboard section (a long
sentence goes on to a "（续）" slide), the period's activities with their photos, 存在问题,
下一步打算 and a closing 谢谢 slide.

Made to be projected: no text under 18 pt, headline figures at 40 pt, each text box sized by
`fits` (an estimate of the wrapped lines at the box's width) so nothing runs past its box, and
charts from `charts.chart_png`, whose colours are the dashboard's.

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
from pptx.enum.text import PP_ALIGN
from pptx.slide import Slide
from pptx.util import Inches
from sqlalchemy.orm import Session

from services.access.permissions import Actor, Capability
from services.care.compliance_counts import RuleCount
from services.care.photos import ReportPhoto, report_photos
from services.reports.deck_text import (
    ACCENT,
    BODY_SIZES,
    MIN_SIZE,
    MUTED,
    add_band,
    add_picture_fitted,
    add_text,
    east_asian_fonts,
    fits,
    one_line,
    size_for,
    tidy,
)
from services.stats import charts, small_cells
from services.stats.figures import Statistics, StatsScope, compute, scoped_actor
from services.stats.section_view import shown_total
from services.stats.stats_text import sections
from services.stats.stats_words import (
    CLOSE,
    COLON,
    COMMA,
    OPEN,
    SEMI,
    STOP,
    Section,
    pct,
    period_span,
)

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MAX_FIGURES, MAX_PHOTOS, PHOTO_PIXELS = 4, 6, 1400
CONTENT_BOTTOM = 7.15
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
        report(number / steps, f"正在生成图表{COLON}{section.title}")
        rest = _section_slide(_blank(deck), section)
        while rest:
            rest = _continued_slide(_blank(deck), section.title, rest)
    report((steps - 2) / steps, "正在整理活动照片")
    _activities_slide(_blank(deck), stats,
                      _photos(session, actor, scope, data_dir) if _may_see_activities(actor)
                      else [])
    report((steps - 1) / steps, "正在整理存在问题和下一步打算")
    _list_slide(_blank(deck), "存在问题", _problems(stats) or [
        f"{stats.period_name}各项工作均按要求完成{COMMA}暂未发现突出问题{STOP}"])
    _list_slide(_blank(deck), "下一步打算", _next_steps(stats))
    _closing_slide(_blank(deck), stats, today)
    east_asian_fonts(deck)
    buffer = io.BytesIO()
    deck.save(buffer)
    report(1.0, "完成")
    return buffer.getvalue()


# ---- slides --------------------------------------------------------------------------------

def _blank(deck: object) -> Slide:
    return deck.slides.add_slide(deck.slide_layouts[6])  # type: ignore[attr-defined]


def _title_slide(slide: Slide, stats: Statistics, today: date, *, withheld: bool) -> None:
    add_band(slide, 0, 2.3, 13.333, 0.12)
    add_text(slide, 0.8, 0.9, 11.7, 1.3, stats.org or "全部", 48, bold=True, colour=ACCENT)
    add_text(slide, 0.8, 2.7, 11.7, 0.9, "关爱留守儿童和困境儿童工作汇报", 32, bold=True)
    lines = [f"统计期间\uff1a{period_span(stats)}"]
    if stats.scope.categories:
        lines.append("儿童类别\uff1a" + "、".join(c.label() for c in stats.scope.categories))
    lines.append(f"生成日期\uff1a{today.isoformat()}")
    if withheld:
        lines.append(small_cells.NOTE)
    text = "\n".join(lines)
    add_text(slide, 0.8, 3.8, 11.7, 3.3, text,
             size_for(text, 11.7, 3.3, (24, 22, 20)) or MIN_SIZE, colour=MUTED)


def _heading(slide: Slide, title: str) -> None:
    add_text(slide, 0.6, 0.35, 12.1, 0.8, title, 32, bold=True, colour=ACCENT)
    add_band(slide, 0.6, 1.15, 12.1, 0.04)


def _section_slide(slide: Slide, section: Section) -> list[str]:
    """Figures across the top, the chart at the left, the sentence at the right in the largest
    size that fits; returns the sentences left over for a "（续）" slide."""
    _heading(slide, section.title)
    if section.is_empty:
        add_text(slide, 0.6, 2.6, 12.1, 1.2, "暂无数据", 44, bold=True, colour=MUTED,
                 align=PP_ALIGN.CENTER)
        hint = section.empty_hint or ""
        add_text(slide, 0.6, 4.0, 12.1, 2.0, hint, size_for(hint, 12.1, 2.0, (22, 20)) or 20,
                 colour=MUTED, align=PP_ALIGN.CENTER)
        return []
    figures = section.figures[:MAX_FIGURES]
    top = 1.4
    if figures:
        column = 12.1 / max(len(figures), 3)
        for index, figure in enumerate(figures):
            left = 0.6 + index * column
            value = tidy(figure.value)
            size = next(z for z in (44, 36, 28, 24) if fits(value, z, column - 0.1, 0.85)
                        or z == 24)
            add_text(slide, left, top, column - 0.1, 0.85, value, size, bold=True, colour=ACCENT)
            add_text(slide, left, top + 0.85, column - 0.1, 0.5, figure.label,
                     size_for(figure.label, column - 0.1, 0.5, (20, MIN_SIZE)) or MIN_SIZE,
                     colour=MUTED)
        top += 1.5
    png = charts.chart_png(section, width=640)
    height = CONTENT_BOTTOM - top
    if png is None:
        return _sentences_box(slide, section.text, 0.6, top, 12.1, height)
    add_picture_fitted(slide, png, left=0.6, top=top, width=7.3, height=height)
    return _sentences_box(slide, section.text, 8.1, top, 4.6, height)


def _continued_slide(slide: Slide, title: str, sentences: list[str]) -> list[str]:
    _heading(slide, f"{title}{OPEN}续{CLOSE}")
    return _sentences_box(slide, "".join(sentences), 0.6, 1.5, 12.1, CONTENT_BOTTOM - 1.5)


def _sentences_box(slide: Slide, text: str, left: float, top: float, width: float,
                   height: float) -> list[str]:
    """As much of `text` as fits the box, whole sentences or clauses (。；) at a time; the
    rest is returned for the next slide."""
    text = tidy(text)
    size = size_for(text, width, height, BODY_SIZES)
    if size is not None:
        add_text(slide, left, top, width, height, text, size)
        return []
    pieces = re.findall(f"[^{STOP}{SEMI}]+(?:[{STOP}{SEMI}]|$)", text)
    shown = 0
    while shown < len(pieces) and fits("".join(pieces[:shown + 1]), MIN_SIZE, width, height):
        shown += 1
    if not shown:  # one clause longer than the box: cut it where the box is full
        cut = max(k for k in range(1, len(pieces[0]) + 1)
                  if k == 1 or fits(pieces[0][:k], MIN_SIZE, width, height))
        pieces[:1] = [pieces[0][:cut], pieces[0][cut:]]
        shown = 1
    add_text(slide, left, top, width, height, "".join(pieces[:shown]), MIN_SIZE)
    return [piece for piece in pieces[shown:] if piece]


def _activities_slide(slide: Slide, stats: Statistics, photos: list[ReportPhoto]) -> None:
    _heading(slide, "活动剪影")
    total = stats.activities_total
    add_text(slide, 0.6, 1.3, 12.1, 0.55,
             f"{stats.period_name}共开展活动{total.sessions}场{COMMA}"
             f"服务{total.person_times}人次", 22)
    if not photos:
        add_text(slide, 0.6, 3.2, 12.1, 1.0, f"{stats.period_name}暂无活动照片", 32, colour=MUTED,
                 align=PP_ALIGN.CENTER)
        return
    for index, photo in enumerate(photos[:MAX_PHOTOS]):
        left, top = 0.6 + (index % 3) * 4.1, 1.95 + (index // 3) * 2.65
        add_picture_fitted(slide, _shrunk(photo.path), left=left, top=top, width=3.9, height=2.05)
        caption = one_line(f"{photo.held_on:%m-%d} {photo.activity_title}", MIN_SIZE, 3.9)
        add_text(slide, left, top + 2.05, 3.9, 0.5, caption, MIN_SIZE, colour=MUTED,
                 align=PP_ALIGN.CENTER)


def _list_slide(slide: Slide, title: str, lines: list[str]) -> None:
    """A heading and its points, each a paragraph, in the largest size that fits."""
    _heading(slide, title)
    text = "\n".join(f"• {tidy(line)}" for line in lines)
    size = size_for(text, 11.7, 5.4, (28, 26, 24, 22, 20), spacing=14) or MIN_SIZE
    add_text(slide, 0.8, 1.6, 11.7, 5.4, text, size, spacing=14)


def _closing_slide(slide: Slide, stats: Statistics, today: date) -> None:
    add_band(slide, 0, 3.55, 13.333, 0.08)
    add_text(slide, 0.6, 1.7, 12.1, 1.6, "谢谢", 66, bold=True, colour=ACCENT,
             align=PP_ALIGN.CENTER)
    add_text(slide, 0.6, 4.0, 12.1, 1.3,
             f"{stats.org or '守望'}\n{today.year}年{today.month}月{today.day}日", 28,
             colour=MUTED, align=PP_ALIGN.CENTER)


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
    low = _lowest_rule(stats)
    if low:
        lines.append(f"完成率最低的帮扶要求是“{low.name}”{COMMA}"
                     f"完成{low.met}/{low.due}项{OPEN}{pct(low.met, low.due)}{CLOSE}")
    return lines


def _lowest_rule(stats: Statistics) -> RuleCount | None:
    rules = [r for r in stats.compliance if r.due and r.met < r.due]
    # Items are pairings × rules: a small count names a few children, as on every deck slide.
    rules = [r for r in rules if not small_cells.count(r.due, suppress=True).withheld
             and not small_cells.part(r.met, r.due, suppress=True).withheld]
    return min(rules, key=lambda r: r.rate) if rules else None


def _next_steps(stats: Statistics) -> list[str]:
    """下一步打算, one point answering each problem, then the standing work."""
    steps = []
    if stats.pairing.unpaired and not shown_total(stats, suppress=True).withheld:
        steps.append("为尚未结对的儿童逐一落实帮扶人" + COMMA + "做到结对帮扶全覆盖")
    if stats.overdue:
        steps.append("督促帮扶人按期完成逾期待办" + COMMA + "逐项销号")
    if sum(stats.open_needs_by_kind.values()):
        steps.append("加强资源链接" + COMMA + "推动尚未解决的需求尽快落实")
    low = _lowest_rule(stats)
    if low:
        steps.append(f"重点提高“{low.name}”的完成率")
    steps.append("继续落实定期走访制度" + COMMA + "及时更新儿童档案和风险等级")
    return steps


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
