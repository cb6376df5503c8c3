"""管理 in words an admin reads: local times, names instead of numbers, no code columns."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import User
from services.access import audit
from services.access.permissions import Actor
from tests.app.conftest import logged_in

LOGIN_UTC = datetime(2026, 12, 3, 16, 30)  # 2026-12-04 00:30 in Beijing


@pytest.fixture
def beijing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOUWANG_TZ", raising=False)


def _admin() -> AppTest:
    at = logged_in("admin").switch_page("pages/admin.py").run()
    assert not at.exception
    return at


def _table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_last_login_is_shown_on_the_configured_zone(world, engine, beijing):
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "coordinator")).last_login_at = LOGIN_UTC
    users = _table(_admin(), "最近登录")
    row = users[users["登录名"] == "coordinator"].iloc[0]
    assert row["最近登录"] == "2026-12-04 00:30"


def test_the_audit_log_names_the_record_and_the_fields_in_chinese(world, engine, beijing):
    with Session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == "coordinator"))
        event = audit.record(session, Actor.system(), "update", "user", user.id,
                             before={"activities": None, "is_active": True},
                             after={"activities": 56, "is_active": False})
        event.at = LOGIN_UTC
    log = _table(_admin(), "变化")
    row = log[log["对象"] == "用户 刘主任"].iloc[0]
    assert row["变化"] == "活动数：空 → 56；启用：是 → 否"
    assert row["时间"] == "2026-12-04 00:30:00"
    shown = " ".join(str(v) for v in log.to_numpy().ravel())
    assert "null" not in shown and "用户 1" not in shown


def test_activity_kinds_show_no_codes_and_no_developer_references(world):
    at = _admin()
    kinds = _table(at, "英文名称")
    assert "代码" not in kinds.columns
    captions = " ".join(c.value for c in at.caption)
    assert "CONTRACTS" not in captions and ".md" not in captions
