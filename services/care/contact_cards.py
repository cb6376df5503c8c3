"""联系卡: who to call about a child, as a print-ready HTML page and as a PDF with Chinese text."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Table
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session, aliased

from config import local_today
from core.errors import DomainError
from core.validators import age_on
from core.vocab import Relation, RiskLevel, ViewKind
from db.models import Child, Helper, OrgUnit, Pairing, Relative
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.privacy import views

MAX_CARDS = 2000
TOO_MANY = (f"所选儿童超过 {MAX_CARDS} 名,联系卡一次最多打印 {MAX_CARDS} 张。"
            "请按乡镇、村、学校或班级缩小筛选范围后再打印。")
FONT = "STSong-Light"  # a CID font every PDF reader has: Chinese without embedding
FONT_STACK = "'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif"
RISK_COLOURS = {RiskLevel.red.zh: "#c62828", RiskLevel.yellow.zh: "#b8860b",
                RiskLevel.blue.zh: "#1565c0", RiskLevel.green.zh: "#2e7d32"}
_RELATION_ORDER = {Relation.guardian: 0, Relation.father: 1, Relation.mother: 2}
_NUMERALS = str.maketrans("一二三四五六七八九", "123456789")


@dataclass(frozen=True)
class ContactLine:
    role: str  # 监护人(祖母), 父亲, 母亲, 帮扶人(班主任)
    name: str
    phone: str
    note: str  # the guardian's address, a parent's 务工地, a helper's 单位


@dataclass(frozen=True)
class ContactCard:
    child_id: int
    name: str
    gender: str
    age: int
    school_class: str  # 石门镇中心小学 三年级2班, or "" when not at school
    village: str  # 石门镇 李家村
    address: str
    key_concern: bool
    risk: str  # 红/黄/蓝/绿, or "" when never assessed
    lines: tuple[ContactLine, ...]


def cards_for_children(session: Session, actor: Actor, child_ids: Sequence[int] | Select,
                       *, today: date, fmt: str = "", page: str = "roster",
                       protected: bool = False) -> list[ContactCard]:
    """The cards of the chosen children the actor may see, by school, class, then pinyin.

    Three queries whatever the count: children with their org names, relatives, open pairings.
    Cards carry full phones and addresses, so building them is recorded as a disclosure
    (`fmt` says which file: pdf or html).
    """
    actor.require(Capability.VIEW_PEOPLE)
    if not isinstance(child_ids, Select):
        child_ids = sorted(set(child_ids))
        if len(child_ids) > MAX_CARDS:
            raise DomainError(TOO_MANY)
    town, village, school = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    children = session.execute(
        select(Child.id, Child.name, Child.name_pinyin, Child.gender, Child.birth_date,
               Child.grade, Child.class_name, Child.address, Child.key_concern,
               Child.risk_level, town.name.label("town"), village.name.label("village"),
               school.name.label("school"))
        .join(town, town.id == Child.town_id).join(village, village.id == Child.village_id)
        .outerjoin(school, school.id == Child.school_id)
        .where(Child.id.in_(child_ids), children_listed(actor))
        .limit(MAX_CARDS + 1)).all()
    if len(children) > MAX_CARDS:
        raise DomainError(TOO_MANY)
    ids = [c.id for c in children]
    lines: dict[int, list[ContactLine]] = defaultdict(list)
    relatives = session.execute(
        select(Relative.child_id, Relative.relation, Relative.relation_detail, Relative.name,
               Relative.phone, Relative.work_place, Relative.address)
        .where(Relative.child_id.in_(ids), Relative.archived_at.is_(None))).all()
    for r in sorted(relatives, key=lambda r: (_RELATION_ORDER[r.relation], r.name)):
        lines[r.child_id].append(_relative_line(r))
    for p in session.execute(
            select(Pairing.child_id, Helper.name, Helper.kind, Helper.phone, Helper.work_unit)
            .join(Helper, Helper.id == Pairing.helper_id)
            .where(Pairing.child_id.in_(ids), Pairing.ended_on.is_(None),
                   Helper.archived_at.is_(None))
            .order_by(Pairing.started_on, Helper.name)):
        lines[p.child_id].append(
            ContactLine(f"帮扶人({p.kind.zh})", p.name, p.phone or "", p.work_unit or ""))
    audit.record_disclosure(session, actor, "contact_cards", "child", what="生成联系卡",
                            rows=len(ids), detail={"格式": fmt, "儿童": sorted(ids),
                                                   "密码保护": "是" if protected else "否"})
    views.record_view(session, actor, ViewKind.contact_card, page, child_ids=ids,
                      subject="联系卡")
    return [_card(c, today, lines[c.id]) for c in sorted(children, key=_order)]


def _relative_line(r: Row) -> ContactLine:
    """The guardian with how they are related and where they live; a parent with 务工地."""
    if r.relation is Relation.guardian:
        role = f"监护人({r.relation_detail})" if r.relation_detail else r.relation.zh
        return ContactLine(role, r.name, r.phone or "", r.address or "")
    note = f"务工地:{r.work_place}" if r.work_place else (r.address or "")
    return ContactLine(r.relation.zh, r.name, r.phone or "", note)


def _natural(text: str | None) -> tuple[tuple[int, int | str], ...]:
    """Sort key where 二年级 < 三年级 and 2班 < 10班: numerals compare as numbers."""
    parts = re.split(r"(\d+)", (text or "").translate(_NUMERALS))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def _order(c: Row) -> tuple:
    # Sorted here, not in SQL: SQLite and PostgreSQL collate Chinese differently.
    return (c.school is None, c.school or "", _natural(c.grade), _natural(c.class_name),
            c.town, c.village, c.name_pinyin, c.id)


def _card(c: Row, today: date, lines: list[ContactLine]) -> ContactCard:
    school_class = " ".join(p for p in (c.school, f"{c.grade or ''}{c.class_name or ''}") if p)
    return ContactCard(
        child_id=c.id, name=c.name, gender=c.gender.zh, age=age_on(c.birth_date, today),
        school_class=school_class, village=f"{c.town} {c.village}", address=c.address or "",
        key_concern=c.key_concern, risk=c.risk_level.zh if c.risk_level else "",
        lines=tuple(lines))


_CSS = f"""
@page {{ size: A4; margin: 12mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT_STACK}; font-size: 10pt; color: #111; margin: 0; }}
.sheet {{ width: 186mm; margin: 0 auto; }}
header {{ display: flex; justify-content: space-between; align-items: baseline;
  border-bottom: 1.5px solid #333; margin-bottom: 4mm; }}
h1 {{ font-size: 15pt; margin: 0 0 1.5mm; }}
.cards {{ display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }}
.card {{ border: 1px solid #444; border-radius: 1.5mm; padding: 2.5mm 3mm;
  break-inside: avoid; page-break-inside: avoid; overflow-wrap: anywhere; }}
.card.key {{ border: 2px solid #c62828; }}
.name {{ font-size: 14pt; font-weight: bold; margin-right: 1.5mm; }}
.badge {{ border-radius: 1mm; padding: 0 1.2mm; margin-left: 1.5mm; font-size: 9pt; color: #fff; }}
.where {{ color: #333; margin: 0.8mm 0 1.5mm; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
td {{ padding: 0.6mm 1mm 0 0; vertical-align: top; }}
tr.line td {{ border-top: 0.5px solid #bbb; }}
.role {{ width: 32%; color: #555; font-size: 9pt; }}
.person {{ width: 24%; }}
.phone {{ white-space: nowrap; font-variant-numeric: tabular-nums; }}
.note, .none {{ font-size: 9pt; color: #555; padding-top: 0; }}
@media screen {{ body {{ background: #eee; }}
  .sheet {{ background: #fff; padding: 12mm; margin: 4mm auto; width: 210mm; }} }}
@media print {{ body {{ font-size: 9.5pt; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }} }}
"""


def cards_html(cards: list[ContactCard], *, title: str, printed_on: date | None = None) -> str:
    """A self-contained A4 page, two cards a row, no card split across pages; no script."""
    day = (printed_on or local_today()).isoformat()
    body = "\n".join(map(_card_html, cards)) or '<p class="none">没有可打印的联系卡。</p>'
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f'<div class="sheet"><header><h1>{escape(title)}</h1>'
            f"<span>共 {len(cards)} 张 · 打印日期 {day}</span></header>"
            f'<main class="cards">\n{body}\n</main></div></body></html>\n')


def _card_html(card: ContactCard) -> str:
    badges = '<span class="badge" style="background:#c62828">重点关注</span>' * card.key_concern
    if card.risk:
        badges += (f'<span class="badge" style="background:{RISK_COLOURS[card.risk]}">'
                   f"风险:{escape(card.risk)}</span>")
    rows = "".join(map(_line_html, card.lines)) or (
        '<tr class="line"><td class="none">暂无联系人</td></tr>')
    address = f" · 住址:{escape(card.address)}" if card.address else ""
    return (f'<section class="card{" key" if card.key_concern else ""}">'
            f'<div><span class="name">{escape(card.name)}</span>'
            f"{escape(card.gender)} · {card.age}岁{badges}</div>"
            f'<div class="where">{escape(card.school_class or "未在校")}<br>'
            f"{escape(card.village)}{address}</div><table>{rows}</table></section>")


def _line_html(ln: ContactLine) -> str:
    note = f'<tr><td></td><td class="note" colspan="2">{escape(ln.note)}</td></tr>'
    return (f'<tr class="line"><td class="role">{escape(ln.role)}</td><td class="person">'
            f'{escape(ln.name)}</td><td class="phone">{escape(ln.phone) or "—"}</td></tr>'
            f"{note if ln.note else ''}")


def _style(size: float, colour: str = "#111111", leading: float = 1.3) -> ParagraphStyle:
    # CJK word wrap: a Chinese line breaks between any two characters and never overflows.
    return ParagraphStyle(f"card{size}", fontName=FONT, fontSize=size, leading=size * leading,
                          textColor=colors.HexColor(colour), wordWrap="CJK")


MARGIN, GAP, HEAD = 12 * mm, 5 * mm, 11 * mm
CARD = (A4[0] - 2 * MARGIN - GAP) / 2
WIDTHS = (27 * mm, 21 * mm, CARD - 48 * mm)
RED, GREY = "#c62828", "#555555"


def cards_pdf(cards: list[ContactCard], *, title: str, printed_on: date | None = None) -> bytes:
    """The cards on A4, two a row; a row of cards never breaks across pages."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    day = (printed_on or local_today()).isoformat()

    def header_and_footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        top, right = A4[1] - MARGIN, A4[0] - MARGIN
        canvas.setFont(FONT, 13)
        canvas.drawString(MARGIN, top - 6 * mm, title)
        canvas.setFont(FONT, 9)
        canvas.drawRightString(right, top - 6 * mm, f"共 {len(cards)} 张  打印日期 {day}")
        canvas.line(MARGIN, top - 8 * mm, right, top - 8 * mm)
        canvas.drawCentredString(A4[0] / 2, MARGIN / 2, f"第 {doc.page} 页")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="守望",
                            leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + HEAD,
                            bottomMargin=MARGIN)
    story: list[Flowable] = [KeepTogether([_pair(cards[i:i + 2])])
                             for i in range(0, len(cards), 2)]
    doc.build(story or [Paragraph("没有可打印的联系卡。", _style(10))],
              onFirstPage=header_and_footer, onLaterPages=header_and_footer)
    return buffer.getvalue()


def _pair(cards: list[ContactCard]) -> Table:
    """Two cards side by side, each boxed to the row's full height so the row looks even."""
    cells: list[object] = [_card_table(cards[0]), "", _card_table(cards[1]) if cards[1:] else ""]
    style: list[tuple] = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                          ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    style += [(side, (0, 0), (-1, -1), 0) for side in ("LEFTPADDING", "RIGHTPADDING",
                                                       "TOPPADDING")]
    style += [("BOX", (column, 0), (column, 0), 1.6 if card.key_concern else 0.8,
               colors.HexColor(RED if card.key_concern else "#333333"))
              for column, card in zip((0, 2), cards, strict=False)]
    row = Table([cells], colWidths=(CARD, GAP, CARD), style=style)
    row.spaceAfter = 4 * mm
    return row


def _card_table(card: ContactCard) -> Table:
    def p(text: str, size: float = 8.5, colour: str = "#111111") -> Paragraph:
        return Paragraph(escape(text, quote=False), _style(size, colour))

    badges = f"  <font color='{RED}'>★重点关注</font>" if card.key_concern else ""
    if card.risk:
        badges += f"  <font color='{RISK_COLOURS[card.risk]}'>风险:{escape(card.risk)}</font>"
    who = Paragraph(f'<font size="13">{escape(card.name, quote=False)}</font>  '
                    f"{escape(card.gender)}  {card.age}岁{badges}", _style(9.5, leading=1.8))
    where = card.village + (f"  住址:{card.address}" if card.address else "")
    rows: list[list[object]] = [[who, "", ""], [p(card.school_class or "未在校", 9), "", ""],
                                [p(where, 9), "", ""]]
    style: list[tuple] = [("SPAN", (0, i), (-1, i)) for i in range(3)]
    for ln in card.lines:
        style.append(("LINEABOVE", (0, len(rows)), (-1, len(rows)), 0.4, colors.lightgrey))
        rows.append([p(ln.role, 8, GREY), p(ln.name, 9), p(ln.phone or "—", 9.5)])
        if ln.note:
            style.append(("SPAN", (1, len(rows)), (-1, len(rows))))
            rows.append(["", p(ln.note, 8, GREY), ""])
    if not card.lines:
        rows.append([p("暂无联系人", 8.5, GREY), "", ""])
    style += [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 2), (-1, 2), 0.6, GREY),
              ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 1),
              ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
              ("TOPPADDING", (0, 0), (-1, 0), 2)]
    return Table(rows, colWidths=WIDTHS, style=style)
