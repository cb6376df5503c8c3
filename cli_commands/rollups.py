"""`rollups --rebuild` (recompute the figures' rollups from the records) and `rollups --check`
(compare them with a recomputation and print any difference)."""

from __future__ import annotations

import argparse
import time

from cli_commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, open_engine
from db import data_version
from db.engine import transaction
from services.access.cli_audit import record_command
from services.stats.rollups.refresh import differences, rebuild_and_publish


def cmd_rollups(args: argparse.Namespace) -> int:
    if not (args.rebuild or args.check):
        print("请指定 --rebuild（重算）或 --check（核对），或两者都指定。")
        return EXIT_USAGE
    if not 1 <= args.limit <= 10_000:
        print(f"--limit 须在 1 到 10000 之间（收到 {args.limit}）。")
        return EXIT_USAGE
    engine = open_engine()
    if args.rebuild:
        started = time.perf_counter()
        with transaction(engine) as session:
            rows = rebuild_and_publish(session)
            record_command(session, args.actor, "rollups_rebuild", "rollups",
                           "从记录重算汇总统计表", rows=rows)
        took = time.perf_counter() - started
        print("已从记录重算汇总统计表（" + "，".join(f"{table} {n:,} 行"
                                              for table, n in rows.items())
              + f"），用时 {took:.1f} 秒。")
    if args.check:
        with transaction(engine, write=False) as session:
            stale = data_version.rollups_stale(session)
            found = differences(session, limit=args.limit)
        if stale:
            print("汇总统计表标记为待重算：统计数字目前直接从记录计算。请运行 rollups --rebuild。")
        if found:
            print(f"汇总统计表与记录重算的结果不一致（列出前 {len(found)} 处）：")
            for line in found:
                print("  " + line)
            return EXIT_FAILED
        print("汇总统计表与记录重算的结果一致。")
        return EXIT_FAILED if stale else EXIT_OK
    return EXIT_OK
