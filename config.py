"""One configuration object for the app, the CLI and the tests."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = ROOT / "data"
# Anything a README or a tutorial could have shown; refused outside demo mode.
KNOWN_DEFAULT_SECRETS = frozenset({"", "some_key", "changeme", "change-me", "secret", "shouwang"})
MIN_SECRET_LENGTH = 32
MAX_RETENTION_YEARS = 30
# Every time shown is on this zone; times are stored in UTC (naive datetimes mean UTC).
DEFAULT_TIME_ZONE = "Asia/Shanghai"
TIME_ZONE_VARIABLE = "SHOUWANG_TZ"


class ConfigError(RuntimeError):
    """The configuration cannot start the app; the message is for the person running it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    cookie_key: str
    demo: bool = False
    data_dir: Path = DEFAULT_DATA_DIR
    cookie_name: str = "shouwang_auth"
    # Short on purpose: the logout cookie deletion is not reliable (NOTES.md).
    cookie_expiry_days: float = 0.5
    max_login_attempts: int = 5
    lockout_minutes: int = 15
    time_zone: str = DEFAULT_TIME_ZONE
    # SHOUWANG_FIELD_KEY: the key 身份证号 are encrypted with (db/field_crypto.py).
    field_key: str = ""
    # 保存期限: years after archiving before a child's record is anonymised (services.privacy.
    # retention); longer for the 困境 categories.
    retention_years: int = 3
    retention_years_in_difficulty: int = 5
    # SHOUWANG_RECOUNT_SECONDS, for bench/dashboards.py only: the dashboards as they were before
    # the rollups (issue 18), every figure counted from the records again every N seconds.
    recount_seconds: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def check_secret(self) -> None:
        """Refuse a missing or well-known cookie secret outside demo mode."""
        if self.demo:
            return
        if self.cookie_key in KNOWN_DEFAULT_SECRETS or len(self.cookie_key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                "未设置登录签名密钥:请在环境变量 SHOUWANG_COOKIE_KEY 或 .streamlit/secrets.toml 中"
                f"设置至少 {MIN_SECRET_LENGTH} 个字符的随机字符串(演示模式可设置 SHOUWANG_DEMO=1)。"
            )


def default_database_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """Return the embedded SQLite URL under the data folder."""
    return f"sqlite:///{data_dir / 'shouwang.db'}"


def _read_secrets_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {k: str(v) for k, v in data.items() if not isinstance(v, dict)}


# Generated once per process so that every Streamlit session of a demo server shares it.
_DEMO_SECRET = secrets.token_urlsafe(32)


def load_settings(environ: dict[str, str] | None = None,
                  secrets_file: Path | None = None) -> Settings:
    """Read settings from the environment, then `.streamlit/secrets.toml`, then defaults."""
    env = dict(os.environ if environ is None else environ)
    file_values = _read_secrets_file(secrets_file or ROOT / ".streamlit" / "secrets.toml")

    def get(name: str) -> str:
        return env.get(name) or file_values.get(name) or ""

    demo = get("SHOUWANG_DEMO").strip().lower() in {"1", "true", "yes", "on"}
    cookie_key = get("SHOUWANG_COOKIE_KEY")
    if demo and not cookie_key:
        cookie_key = _DEMO_SECRET
    data_dir = Path(get("SHOUWANG_DATA_DIR") or DEFAULT_DATA_DIR)
    zone = get(TIME_ZONE_VARIABLE).strip() or DEFAULT_TIME_ZONE
    zone_info(zone)  # refuse a misspelt zone at start rather than on the first page
    return Settings(
        database_url=get("DATABASE_URL") or default_database_url(data_dir),
        cookie_key=cookie_key,
        demo=demo,
        data_dir=data_dir,
        time_zone=zone,
        field_key=get("SHOUWANG_FIELD_KEY"),
        retention_years=_years(get, "SHOUWANG_RETENTION_YEARS", 3),
        retention_years_in_difficulty=_years(get, "SHOUWANG_RETENTION_YEARS_IN_DIFFICULTY", 5),
        recount_seconds=int(get("SHOUWANG_RECOUNT_SECONDS")) if get(
            "SHOUWANG_RECOUNT_SECONDS").isdigit() else 0,
    )


def _years(get: Callable[[str], str], name: str, default: int) -> int:
    """A whole number of years from 1 to 30, or ConfigError naming the variable."""
    text = get(name).strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_YEARS:
        raise ConfigError(f"{name} 应为 1 到 {MAX_RETENTION_YEARS} 之间的整数年数"
                          f"（现为“{text[:20]}”）。")
    return int(text)


@lru_cache(maxsize=8)
def zone_info(name: str) -> ZoneInfo:
    """The zone called `name` ("Asia/Shanghai"), or ConfigError naming the variable."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"无法识别时区“{name}”：请把环境变量 {TIME_ZONE_VARIABLE} 设为如 "
                          f"{DEFAULT_TIME_ZONE} 的时区名称。") from exc


def display_zone(environ: dict[str, str] | None = None) -> ZoneInfo:
    """The configured zone every time is shown on (`SHOUWANG_TZ` in the environment or
    `.streamlit/secrets.toml`, default Asia/Shanghai)."""
    return zone_info(load_settings(environ).time_zone)


def local_today(zone: ZoneInfo | None = None) -> date:
    """Today's date where the users are (the configured zone), not where the server runs: a
    server on UTC would still be on yesterday until 08:00 in Beijing."""
    return datetime.now(zone or display_zone()).date()


def local_time(moment: datetime, fmt: str = "%Y-%m-%d %H:%M",
               zone: ZoneInfo | None = None) -> str:
    """A stored time (UTC; naive means UTC) written on the configured zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone or display_zone()).strftime(fmt)
