"""One configured time zone for every time shown (SHOUWANG_TZ, default Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import config
from config import ConfigError, load_settings

STORED = datetime(2026, 12, 3, 16, 30, 5)  # naive: UTC, as the database keeps it


def test_the_default_zone_is_beijing_time(tmp_path):
    assert load_settings({}, tmp_path / "none.toml").time_zone == "Asia/Shanghai"
    assert str(config.display_zone({})) == "Asia/Shanghai"
    # 16:30 UTC is 00:30 the next day in Beijing: the date moves too.
    assert config.local_time(STORED, zone=config.zone_info("Asia/Shanghai")) == "2026-12-04 00:30"


def test_the_zone_is_configured_by_shouwang_tz(monkeypatch):
    monkeypatch.setenv("SHOUWANG_TZ", "Europe/London")
    assert str(config.display_zone()) == "Europe/London"
    assert config.local_time(STORED, "%H:%M:%S") == "16:30:05"
    monkeypatch.setenv("SHOUWANG_TZ", "Asia/Urumqi")
    assert config.local_time(STORED, "%H:%M") == "22:30"


def test_an_aware_time_is_converted_not_relabelled():
    aware = STORED.replace(tzinfo=UTC)
    assert config.local_time(aware, zone=config.zone_info("Asia/Shanghai")) == "2026-12-04 00:30"


def test_a_misspelt_zone_is_refused_naming_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="SHOUWANG_TZ"):
        load_settings({"SHOUWANG_TZ": "Asia/Beijing"}, tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        config.zone_info("Mars/Olympus")


def test_the_dashboard_and_the_admin_pages_use_the_configured_zone(monkeypatch):
    from components.stats.dashboard import local_time

    class Figures:
        computed_at = STORED

    monkeypatch.setenv("SHOUWANG_TZ", "Asia/Shanghai")
    assert local_time(Figures()) == "00:30:05"  # type: ignore[arg-type]
    monkeypatch.setenv("SHOUWANG_TZ", "UTC")
    assert local_time(Figures()) == "16:30:05"  # type: ignore[arg-type]


def test_today_is_the_date_where_the_users_are_not_where_the_server_runs(monkeypatch):
    # Shanghai and Honolulu are 18 hours apart: at any moment either their dates differ, or
    # both equal the UTC date minus/plus what the offsets say. Both must follow the zone.
    moment = datetime.now(UTC)
    for name in ("Asia/Shanghai", "Pacific/Honolulu", "UTC"):
        monkeypatch.setenv("SHOUWANG_TZ", name)
        before = moment.astimezone(config.zone_info(name)).date()
        today = config.local_today()
        after = datetime.now(UTC).astimezone(config.zone_info(name)).date()
        assert today in (before, after), name
    monkeypatch.setenv("SHOUWANG_TZ", "Asia/Shanghai")
    east, west = config.local_today(), config.local_today(config.zone_info("Pacific/Honolulu"))
    assert (east - west).days in (0, 1)  # +8 vs −10 hours: Beijing is never behind Honolulu
