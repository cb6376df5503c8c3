"""`backup` and `restore`: one archive of the database and the photos, and back again."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli_commands.common import EXIT_OK, open_engine
from config import load_settings, local_today
from db.engine import make_engine, transaction
from services import backup
from services.backup import text as backup_text
from services.privacy.retention import RetentionPolicy, retention_schedule
from services.stats.rollups.refresh import rebuild_if_stale


def cmd_backup(args: argparse.Namespace) -> int:
    """One archive (mode 0600) of a consistent database copy, the photos and a manifest."""
    settings = load_settings()
    open_engine().dispose()  # a database without our schema is refused as for every command
    result = backup.make_backup(settings.database_url, Path(args.out), actor=args.actor,
                                data_dir=settings.data_dir)
    print("\n".join(backup_text.backup_lines(result)))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Check the archive, restore it (over existing data only with --force), migrate, count."""
    settings = load_settings()
    result = backup.restore_backup(settings.database_url, Path(args.file), actor=args.actor,
                                   data_dir=settings.data_dir, force=args.force)
    print("\n".join(backup_text.restore_lines(result, args.file)))
    # A backup from before the rollups comes back with them empty and marked stale.
    engine = make_engine(settings.database_url)
    if rebuild_if_stale(engine) is not None:
        print("已从恢复的记录生成汇总统计表。")
    # A backup older than a retention run brings back children anonymised since: say so.
    with transaction(engine, write=False) as session:
        due = retention_schedule(session, args.actor, today=local_today(),
                                 policy=RetentionPolicy.configured())
    if due:
        print(f"注意：恢复的数据中有 {len(due)} 名儿童的保存期限已到（可能在备份之后已匿名化）。"
              "请运行 python cli.py retention --dry-run 核对，再用 --apply 匿名化。")
    return EXIT_OK
