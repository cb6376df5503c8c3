"""`rotate-key`: 身份证号 re-encrypted under a new SHOUWANG_FIELD_KEY."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cli_commands.common import EXIT_OK, open_engine
from core.errors import DomainError
from db.engine import transaction
from db.field_crypto import FIELD_KEY_VARIABLE, FieldKey, active_key, new_key_text
from services.privacy.field_keys import rotate_field_key


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
    """Decrypt every number with the configured key, encrypt it with the one in the file."""
    old = active_key()
    new, made = new_key(Path(args.new_key_file))
    engine = open_engine()
    with transaction(engine) as session:
        count = rotate_field_key(session, args.actor, old, new)
    if made:
        print(f"已生成新密钥并写入 {args.new_key_file}（仅本账户可读）。")
    print(f"已用新密钥重新加密 {count} 个身份证号。请立即把 {FIELD_KEY_VARIABLE} 改为该文件中的"
          "新密钥并重启应用；此前做的备份仍需旧密钥才能恢复，请与备份一起妥善保管旧密钥。")
    return EXIT_OK
