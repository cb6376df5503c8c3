"""Sessions end when what they were granted changes; an odd login cookie is ignored, never fatal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.access.auth import login_cookie_claims
from components.common.session import settings
from core.vocab import Role
from db.models import User
from services.access import users
from services.access.permissions import Actor
from tests.app.conftest import logged_in, login
from tests.factories import DEFAULT_PASSWORD

KEY = "k" * 40


def _user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _admin(session: Session) -> Actor:
    return users.actor_for(session, _user(session, "admin"))


def _errors(at) -> str:
    return " ".join(e.value for e in at.error)


def _still_in(at) -> bool:
    return bool(at.session_state["authentication_status"]) and not at.exception


def test_a_password_reset_ends_the_users_open_session(world, engine):
    at = logged_in("coordinator", "刘主任")
    assert _still_in(at)
    with Session(engine) as session, session.begin():
        users.reset_password(session, actor=_admin(session),
                             user_id=_user(session, "coordinator").id, new_password="Temp12345")
    at.run()
    assert at.session_state["authentication_status"] is None
    assert "请重新登录" in _errors(at)


def test_a_scope_change_ends_the_users_open_session(world, engine):
    at = logged_in("coordinator", "刘主任")
    with Session(engine) as session, session.begin():
        user = _user(session, "coordinator")
        users.set_role_and_scope(session, actor=_admin(session), user_id=user.id,
                                 role=Role.coordinator, org_unit_id=None,
                                 expected_version=user.version)
    at.run()
    assert at.session_state["authentication_status"] is None
    assert "请重新登录" in _errors(at)


def test_saving_the_same_role_and_scope_keeps_the_session(world, engine):
    at = logged_in("coordinator", "刘主任")
    with Session(engine) as session, session.begin():
        user = _user(session, "coordinator")
        users.set_role_and_scope(session, actor=_admin(session), user_id=user.id,
                                 role=user.role, org_unit_id=user.org_unit_id,
                                 expected_version=user.version)
    at.run()
    assert _still_in(at)


def _change_own_password(at) -> None:
    """Set a new password on 我的账户, as its owner would."""
    at.switch_page("pages/account.py").run()
    fields = {field.label: field for field in at.text_input}
    fields["原密码"].input(DEFAULT_PASSWORD)
    fields["新密码"].input("NewPass2026")
    fields["再次输入新密码"].input("NewPass2026")
    at.button[0].click().run()


def test_changing_ones_own_password_ends_only_the_other_sessions(world, engine):
    here = logged_in("coordinator", "刘主任")
    elsewhere = logged_in("coordinator", "刘主任")
    _change_own_password(here)
    assert not here.exception
    assert here.success, _errors(here)
    here.run()
    assert _still_in(here)
    elsewhere.run()
    assert elsewhere.session_state["authentication_status"] is None
    assert "请重新登录" in _errors(elsewhere)


def _written_cookie(at) -> dict | None:
    """The claims of the login cookie the page's script writes, if it writes one."""
    for element in at.get("html"):
        found = re.search(r'"pair": "shouwang_auth=([^"]+)"', element.proto.body)
        if found:
            return login_cookie_claims(found.group(1), settings().cookie_key)
    return None


def _cookie_accepted(engine, claims: dict) -> bool:
    issued = (datetime.fromtimestamp(claims["exp_date"], UTC).replace(tzinfo=None)
              - timedelta(days=settings().cookie_expiry_days))
    with Session(engine) as session:
        return users.cookie_still_valid(session, claims["username"], issued)


def test_the_page_writes_a_login_cookie_the_gate_accepts_until_logout(world, engine):
    at = login("helper")
    claims = _written_cookie(at)
    assert claims is not None and claims["username"] == "helper"
    assert _cookie_accepted(engine, claims)
    at.run()
    assert _written_cookie(at) == claims  # the same cookie on every run, not a new one
    at.button(key="shouwang_logout_button").click().run()
    assert _written_cookie(at) is None
    assert not _cookie_accepted(engine, claims)  # and the one in the browser is refused


def test_a_new_own_password_writes_a_cookie_issued_after_it(world, engine):
    at = login("coordinator")
    before = _written_cookie(at)
    _change_own_password(at)
    at.run()
    after = _written_cookie(at)
    assert after is not None and after != before
    assert not _cookie_accepted(engine, before)
    assert _cookie_accepted(engine, after)


def _token(payload: dict, *, key: str = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def _later() -> float:
    return (datetime.now() + timedelta(hours=1)).timestamp()


def test_our_own_cookie_is_read():
    claims = login_cookie_claims(_token({"username": "admin", "exp_date": _later()}), KEY)
    assert claims is not None and claims["username"] == "admin"


@pytest.mark.parametrize("raw", [
    "not-a-token",
    "",
    "a.b.c",
    _token({"username": "admin", "exp_date": _later()}, key="another-key" * 4),
    _token({"username": "admin", "exp_date": _later()}, algorithm="HS512"),
    _token({"username": "admin", "exp_date": _later()}, key="", algorithm="none"),
    _token({"username": ["admin"], "exp_date": _later()}),
    _token({"username": "admin"}),
    _token({"username": "admin", "exp_date": "tomorrow"}),
    _token({"username": "admin", "exp_date": True}),
    _token({"username": "admin", "exp_date": 1e300}),
    _token({"username": "admin", "exp_date": 1.0}),
    _token({"exp_date": _later()}),
], ids=["garbage", "empty", "three-parts", "other-key", "hs512", "alg-none", "list-name",
        "no-expiry", "text-expiry", "bool-expiry", "huge-expiry", "expired", "no-name"])
def test_an_odd_cookie_is_ignored(raw):
    assert login_cookie_claims(raw, KEY) is None


@pytest.mark.parametrize(("raised", "message"), [
    ("data", "超出了允许的长度或格式"),
    ("integrity", "刚刚被其他人修改或录入过"),
    ("stale", "刚刚被其他人修改或录入过"),
])
def test_a_write_the_database_refuses_gets_a_chinese_message(world, monkeypatch, raised, message):
    from sqlalchemy.exc import DataError, IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    errors = {"data": DataError("UPDATE", {}, Exception("value too long")),
              "integrity": IntegrityError("INSERT", {}, Exception("duplicate key")),
              "stale": StaleDataError("expected to update 1 row")}

    def refused(*_args, **_kwargs):
        raise errors[raised]

    monkeypatch.setattr("services.access.users.change_own_password", refused)
    at = logged_in("coordinator", "刘主任")
    _change_own_password(at)
    assert not at.exception
    assert message in _errors(at)
    assert not at.success


def test_the_dashboard_renders_while_another_writer_holds_the_lock(world, db_url):
    """Reading never queues behind an import or a save (SQLite's write lock)."""
    import sqlite3

    from sqlalchemy.engine import make_url

    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait")
    at = logged_in("coordinator", "刘主任")  # the login itself is recorded first
    holder = sqlite3.connect(make_url(db_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        at.run(timeout=20)
        assert _still_in(at)
        assert "您好，刘主任" in [title.value for title in at.title]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_save_that_waited_out_the_lock_says_the_database_is_busy(world, monkeypatch):
    from core.errors import DatabaseBusy

    def busy(*_args, **_kwargs):
        raise DatabaseBusy()

    monkeypatch.setattr("services.access.users.change_own_password", busy)
    at = logged_in("coordinator", "刘主任")
    _change_own_password(at)
    assert not at.exception
    assert "数据库正忙" in _errors(at)
