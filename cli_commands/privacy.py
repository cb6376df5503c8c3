"""`rotate-key` (身份证号 re-encrypted under a new SHOUWANG_FIELD_KEY), `retention` and
`compliance-report` (the yearly audit draft)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cli_commands.common import EXIT_OK, open_engine, write_private
from config import load_settings, local_today
from core.errors import DomainError
from db.engine import checkpoint, transaction
from db.field_crypto import FIELD_KEY_VARIABLE, FieldKey, active_key, new_key_text
from services.access.cli_audit import record_command
from services.privacy.audit_pack import audit_pack
from services.privacy.audit_pack_text import audit_pack_docx, audit_pack_markdown
from services.privacy.field_keys import rotate_field_key
from services.privacy.retention import (
    DueChild,
    RetentionPolicy,
    anonymise_due,
    retention_schedule,
)

MIN_YEAR = 2020


def new_key(path: Path) -> tuple[FieldKey, bool]:
    """The key in `path`, or a new one written there (mode 0600); and whether it was made."""
    if path.exists():
        return FieldKey.from_text(path.read_text(encoding="utf-8")), False
    try:
        # O_EXCL: never overwrite a key file another run is writing.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise DomainError(f"无法创建密钥文件 {path}：{exc.strerror}。") from exc
    text = new_key_text()
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    return FieldKey.from_text(text), True


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Decrypt every number with the configured key, encrypt it with the one in the file.

    With no key configured yet (a new server outside demo mode), only write a new key: there
    is nothing to re-encrypt, and the app and `init` need one before they start."""
    settings = load_settings()
    if not (os.environ.get(FIELD_KEY_VARIABLE, "").strip() or settings.field_key.strip()
            or settings.demo):
        target = Path(args.new_key_file)
        if target.exists():
            raise DomainError(f"{target} 已存在，可能就是您的密钥：请把 {FIELD_KEY_VARIABLE} "
                              "设为其中的密钥；要生成新密钥，请换一个不存在的文件名。")
        new_key(target)
        print(f"已生成密钥并写入 {target}（仅本账户可读）。请把 {FIELD_KEY_VARIABLE} "
              "设为该文件中的密钥，再运行 init 或启动应用。")
        return EXIT_OK
    old = active_key()  # a key set but unusable is refused here, never replaced
    new, made = new_key(Path(args.new_key_file))
    engine = open_engine()
    with transaction(engine) as session:
        count = rotate_field_key(session, args.actor, old, new)
    if made:
        print(f"已生成新密钥并写入 {args.new_key_file}（仅本账户可读）。")
    print(f"已用新密钥重新加密 {count} 个身份证号。请立即把 {FIELD_KEY_VARIABLE} 改为该文件中的"
          "新密钥并重启应用；此前做的备份仍需旧密钥才能恢复，请与备份一起妥善保管旧密钥。")
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    """List the children whose retention period has ended, or anonymise them (--apply)."""
    policy = RetentionPolicy.configured()
    today = local_today()
    engine = open_engine()
    with transaction(engine) as session:
        if not args.apply:
            due = retention_schedule(session, args.actor, today=today, policy=policy)
            _list_due(due, policy)
            record_command(session, args.actor, "retention_dry_run", "retention",
                           f"查看保存期限到期的儿童：{len(due)} 名", rows=len(due))
            return EXIT_OK
        result = anonymise_due(session, args.actor, today=today, policy=policy)
    checkpoint(engine)  # the replaced pages leave the SQLite file now, not at some later save
    print(f"已匿名化 {result.children} 名儿童及其亲属 {result.relatives} 人，"
          f"删除照片和同意书文件 {result.files} 个。")
    return EXIT_OK


def _list_due(due: list[DueChild], policy: RetentionPolicy) -> None:
    for child in due:
        period = policy.years_in_difficulty if child.in_difficulty else policy.years
        print(f"儿童编号 {child.child_id}\t归档于 {child.archived_on}\t"
              f"保存 {period} 年\t到期 {child.due_on}")
    print(f"共 {len(due)} 名儿童的保存期限已到（归档后 {policy.years} 年，困境儿童 "
          f"{policy.years_in_difficulty} 年）；确认无误后加 --apply 执行匿名化，不可恢复。")


def cmd_compliance_report(args: argparse.Namespace) -> int:
    """The 年度合规审计 draft for one year, as DOCX (or Markdown for a .md file)."""
    out = Path(args.out)
    if out.suffix.lower() not in {".docx", ".md"}:
        raise DomainError("审计报告请保存为 .docx（Word）或 .md 文件。")
    if not MIN_YEAR <= args.year <= local_today().year:
        raise DomainError(f"年度应在 {MIN_YEAR} 到 {local_today().year} 之间。")
    engine = open_engine()
    with transaction(engine) as session:
        pack = audit_pack(session, args.actor, args.year, today=local_today())
        data = (audit_pack_markdown(pack).encode("utf-8") if out.suffix.lower() == ".md"
                else audit_pack_docx(pack))
        record_command(session, args.actor, "compliance_report", "audit_pack",
                       f"生成 {args.year} 年度合规审计报告", year=args.year, file=out.name)
    write_private(out, data)
    print(f"已生成 {args.year} 年度合规审计报告草稿：{out}（请核对、补充后定稿）。")
    return EXIT_OK
