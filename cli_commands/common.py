"""What every command shares: exit codes, the engine, and the --org and --from/--to answers."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config import load_settings, local_today
from core.errors import DomainError
from db import schema
from db.engine import make_engine
from services.access import orgs
from services.care.terms import term_of

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def open_engine(*, ready: bool = True) -> Engine:
    """The configured database, refused (when `ready`) unless its schema is ours and current."""
    engine = make_engine(load_settings().database_url)
    if ready:
        schema.check_ready(engine)
    return engine


def org_id(session: Session, name: str | None) -> int | None:
    """The one org unit of that name; None when no name is given."""
    if not name:
        return None
    found = orgs.find_org_unit(session, name)
    if len(found) != 1:
        raise DomainError(f"找不到唯一名为“{name}”的单位（找到{len(found)}个）。")
    return found[0].id


def period(args: argparse.Namespace) -> tuple[date, date]:
    """--from/--to as dates: by default this term up to today."""
    today = local_today()
    try:
        end = date.fromisoformat(args.to) if args.to else today
        start = date.fromisoformat(args.date_from) if args.date_from else term_of(end).start
    except ValueError as exc:
        raise DomainError(f"日期应写成 2026-09-01 的形式：{exc}") from exc
    return start, end



def write_private(path: Path, data: bytes) -> None:
    """A file with people's data, readable by its owner only (0600, like a backup); refused in
    Chinese where it cannot be written."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        path.chmod(0o600)  # an existing file keeps its mode through os.open
    except OSError as exc:
        raise DomainError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
