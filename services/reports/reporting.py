"""`cli.py report` and the 汇报 page: the written 活动总结 or the meeting deck as a file."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from core.errors import DomainError
from core.vocab import ViewKind
from services.access import audit
from services.access.permissions import Actor, Capability
from services.privacy import views
from services.reports.deck import build_deck
from services.reports.report_draft import draft_markdown, period_label
from services.reports.report_files import REPORT_FORMATS, render
from services.stats.figures import Statistics, StatsScope, compute

REPORT_KINDS = (*REPORT_FORMATS, "pptx")
Progress = Callable[[float, str], None]


def report_title(stats: Statistics, scope: StatsScope) -> str:
    return f"{stats.org}{period_label(scope)}关爱服务工作总结"


def report_filename(org: str, scope: StatsScope, fmt: str) -> str:
    """石门镇 + the autumn term + docx → 石门镇_工作总结_20260901-20270131.docx."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", org).strip() or "守望"
    kind = "工作汇报" if fmt == "pptx" else "工作总结"
    return f"{safe}_{kind}_{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}.{fmt}"


def build_report(session: Session, actor: Actor, scope: StatsScope, fmt: str, *, today: date,
                 text: str | None = None, progress: Progress | None = None,
                 masked: bool = False, page: str = "reports") -> tuple[bytes, str]:
    """(file bytes, file name) of the draft (md, docx, pdf) or the deck (pptx).

    `text` is the draft as the user edited it; without it a fresh draft is written, with small
    counts withheld when `masked` (the deck always withholds them).
    """
    actor.require(Capability.EXPORT)
    if fmt not in REPORT_KINDS:
        raise DomainError.of("errors.report.format", fmt=fmt, formats="、".join(REPORT_KINDS))
    stats = compute(session, actor, scope, today=today)
    name = report_filename(stats.org, scope, fmt)
    audit.record_disclosure(session, actor, "report", "report", what=f"生成汇报文件{name}",
                            rows=stats.children.total,
                            detail={"格式": fmt, "单位": stats.org, "起": scope.date_from,
                                    "止": scope.date_to,
                                    "脱敏": "是" if masked or fmt == "pptx" else "否"})
    if not masked and fmt != "pptx":
        _record_report_view(session, actor, page, name, stats)
    if fmt == "pptx":
        return build_deck(session, actor, scope, today=today, stats=stats,
                          progress=progress), name
    draft = text if text is not None else draft_markdown(session, actor, scope, today=today,
                                                         stats=stats, masked=masked)
    return render(draft, fmt, title=report_title(stats, scope)), name


def page_draft(session: Session, actor: Actor, scope: StatsScope, *, today: date,
               masked: bool, page: str = "reports") -> str:
    """The draft shown on the 汇报 page; an unmasked one is recorded as a view (访问记录)."""
    stats = compute(session, actor, scope, today=today)
    if not masked:
        _record_report_view(session, actor, page, f"{report_title(stats, scope)}（草稿）", stats)
    return draft_markdown(session, actor, scope, today=today, stats=stats, masked=masked)


def _record_report_view(session: Session, actor: Actor, page: str, subject: str,
                        stats: Statistics) -> None:
    # Unmasked, the small counts can point at a child (一名孤儿 in a village of fifty); the
    # masked draft and the deck withhold them and record nothing, like the dashboard.
    views.record_view(session, actor, ViewKind.report, page, subject=subject,
                      rows=stats.children.total)
