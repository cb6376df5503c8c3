"""身份证号 at rest: Fernet ciphertext, a keyed hash for exact lookups, the last 4 in the clear.

The key is `SHOUWANG_FIELD_KEY` (a Fernet key: 32 random bytes in URL-safe base64, made by
`cli.py rotate-key`), from the environment or `.streamlit/secrets.toml`. Demo mode without one
uses a fixed demo key that protects nothing; anywhere else a missing or malformed key stops the
app and the CLI before a record is read. The lookup hash uses a key derived from the same
secret, so a stolen database gives neither the numbers nor a way to test guesses against them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from config import ConfigError, load_settings

FIELD_KEY_VARIABLE = "SHOUWANG_FIELD_KEY"
# Public on purpose: demo data is made up, and a demo must restart without losing its records.
DEMO_FIELD_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"shouwang demo field key").digest())
LAST_DIGITS = 4


class FieldKeyMismatch(ConfigError):
    """The stored ciphertext was made with another key than the configured one."""


@dataclass(frozen=True)
class FieldKey:
    """One configured key: encrypts, decrypts and hashes 身份证号."""

    fernet: Fernet
    lookup_secret: bytes

    @classmethod
    def from_text(cls, text: str) -> FieldKey:
        raw = text.strip().encode()
        try:
            fernet = Fernet(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{FIELD_KEY_VARIABLE} 不是有效的密钥：应为 32 字节随机数的 URL 安全 Base64 编码"
                "（44 个字符），可用 python cli.py rotate-key 生成。") from exc
        secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                      info=b"shouwang id number lookup").derive(base64.urlsafe_b64decode(raw))
        return cls(fernet, secret)

    def encrypt(self, number: str) -> str:
        return self.fernet.encrypt(number.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise FieldKeyMismatch(
                f"数据库中的身份证号不是用当前 {FIELD_KEY_VARIABLE} 加密的：请设置加密时使用的密钥"
                "（恢复备份时，是做备份那台服务器的密钥）。") from exc

    def lookup_hash(self, number: str) -> str:
        return hmac.new(self.lookup_secret, normalized(number).encode(), hashlib.sha256).hexdigest()

    def fingerprint(self) -> str:
        """Names the key without revealing it: a backup says which key its numbers need."""
        return hmac.new(self.lookup_secret, b"shouwang field key check",
                        hashlib.sha256).hexdigest()[:16]

    def columns(self, number: str | None) -> dict[str, str | None]:
        """The three stored columns for a number (or all None for no number)."""
        if not number or not normalized(number):
            return {"id_number_cipher": None, "id_number_hash": None, "id_number_last4": None}
        value = normalized(number)
        return {"id_number_cipher": self.encrypt(value), "id_number_hash": self.lookup_hash(value),
                "id_number_last4": value[-LAST_DIGITS:]}


def normalized(number: str) -> str:
    """The number as stored and hashed: no spaces, the check character X upper-case."""
    return "".join(number.split()).upper()


def new_key_text() -> str:
    return Fernet.generate_key().decode()


def active_key() -> FieldKey:
    """The configured key; ConfigError (in Chinese) when it is missing outside demo mode."""
    return _key_for(os.environ.get(FIELD_KEY_VARIABLE, ""), os.environ.get("SHOUWANG_DEMO", ""))


def check_field_key() -> None:
    """Refuse to start without a usable key; called by the app and the CLI at start."""
    active_key()


@lru_cache(maxsize=4)
def _key_for(env_key: str, _env_demo: str) -> FieldKey:
    # Cached on the environment values; the secrets file is read once per process.
    settings = load_settings()
    text = env_key or settings.field_key
    if not text.strip():
        if not settings.demo:
            raise ConfigError(f"未设置身份证号加密密钥：请在环境变量 {FIELD_KEY_VARIABLE} 或 "
                              ".streamlit/secrets.toml 中设置（可用 python cli.py rotate-key "
                              "--new-key-file 文件 生成），演示模式可设置 SHOUWANG_DEMO=1。")
        text = DEMO_FIELD_KEY.decode()
    return FieldKey.from_text(text)
