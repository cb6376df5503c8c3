"""`stats` and `report`: the dashboard's figures and the 活动总结 or deck, for a unit and period."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli_commands.common import EXIT_OK, open_engine, org_id, period, write_private
from config import local_today
from db.engine import transaction
from services.access.cli_audit import audited, record_command, watch
from services.stats import figures as stats
from services.stats import stats_text


def cmd_stats(args: argparse.Namespace) -> int:
    """The dashboard's figures for a unit and period: JSON for scripts, sentences for people."""
    start, end = period(args)
    with transaction(open_engine()) as session:
        scope = stats.StatsScope(start, end, org_id(session, args.org))
        figures = stats.compute(session, args.actor, scope, today=local_today())
        record_command(session, args.actor, "stats", "statistics",
                       f"统计数字：{args.org or '全部'}，{start}至{end}", org=args.org,
                       date_from=start.isoformat(), date_to=end.isoformat(),
                       children=figures.as_json()["children"]["total"])
    if args.json:
        print(json.dumps(figures.as_json(), ensure_ascii=False, indent=2))
    else:
        for section in stats_text.sections(figures):
            print(f"【{section.title}】{section.text}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """The 活动总结 draft (md, docx, pdf) or the meeting deck (pptx) for a unit and period."""
    from services.reports.reporting import build_report

    start, end = period(args)
    with transaction(open_engine()) as session:
        scope = stats.StatsScope(start, end, org_id(session, args.org))
        with watch(session) as seen:
            data, _ = build_report(session, args.actor, scope, args.format, today=local_today(),
                                   masked=args.masked, page="cli")
        if not audited(session, seen, "report"):
            record_command(session, args.actor, "report", "report",
                           f"生成{args.format}汇报：{args.org or '全部'}，{start}至{end}，"
                           f"写入 {args.out}", org=args.org, format=args.format,
                           date_from=start.isoformat(), date_to=end.isoformat(),
                           file=args.out, bytes=len(data))
    write_private(Path(args.out), data)
    print(f"已生成 {args.out}（{len(data):,} 字节）。")
    return EXIT_OK
