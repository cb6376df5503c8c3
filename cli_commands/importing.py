"""`import`: every row of a file checked, then all of it written or nothing, and audited."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli_commands.common import EXIT_FAILED, EXIT_OK, open_engine
from core.errors import DomainError
from db.engine import transaction
from services.access import cli_audit
from services.access.cli_audit import audited, watch
from services.imports import run_import
from services.imports.reader import refuse_oversize


def cmd_import(args: argparse.Namespace) -> int:
    """Check every row of FILE; write all of it, or nothing when any row is bad."""
    path = Path(args.file)
    if not path.is_file():
        raise DomainError(f"找不到文件：{path}")
    refuse_oversize(path.stat().st_size)  # before reading a multi-GB file into memory
    from tqdm import tqdm

    # A bar only for a person at a terminal; scripts read stderr for the row errors.
    with transaction(open_engine()) as session, tqdm(desc="检查并导入", unit="行", file=sys.stderr,
                                                 leave=False,
                                                 disable=not sys.stderr.isatty()) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        with watch(session) as seen:
            report = run_import(session, actor=args.actor, kind=args.kind,
                                data=path.read_bytes(), filename=path.name,
                                dry_run=args.dry_run, progress=progress)
        if not audited(session, seen, "import"):  # the service records what it writes
            cli_audit.record_import(session, args.actor, args.kind, path, report)
    if not report.ok:
        print(f"{path.name}：发现{report.error_count}处问题，未写入任何数据。", file=sys.stderr)
        for error in report.errors:
            print(f"  第{error.row}行 [{error.column}] {error.reason}", file=sys.stderr)
        if report.error_count > len(report.errors):
            print(f"  ……只列出前{len(report.errors)}处。", file=sys.stderr)
        return EXIT_FAILED
    print(("试导入（未写入）：" if args.dry_run else "导入完成：") + report.summary())
    for change in report.changes:
        details = ";".join(f"{c.column} {c.before or '（空）'} → {c.after or '（空）'}"
                           for c in change.changes)
        print(f"  第{change.row}行 {change.record}:{details}")
    return EXIT_OK
