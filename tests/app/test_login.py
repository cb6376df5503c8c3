"""Logging in and out: Chinese messages, lockout, deactivation, pages per role."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.common.navigation import PAGES
from components.stats.stats_cache import data_changed
from db.models import AuditEvent, User
from tests.app.conftest import logged_in, login, new_app

EVERYONE = {"pages/home.py", "pages/meeting.py", "pages/account.py"}
PAGES_BY_ROLE = {
    "admin": EVERYONE | {"pages/roster.py", "pages/pairing.py", "pages/contacts.py",
                         "pages/activities.py", "pages/resources.py", "pages/reports.py",
                         "pages/exports.py", "pages/admin.py"},
    "coordinator": EVERYONE | {"pages/roster.py", "pages/pairing.py", "pages/contacts.py",
                               "pages/activities.py", "pages/resources.py", "pages/reports.py",
                               "pages/exports.py"},
    "helper": EVERYONE | {"pages/roster.py", "pages/my_pairings.py", "pages/contacts.py"},
    "viewer": EVERYONE,  # aggregates only: never the roster, the reports or the exports
}


def _errors(at) -> str:
    return " ".join(e.value for e in at.error)


def _titles(at) -> list[str]:
    return [title.value for title in at.title]


def test_login_form_is_in_chinese(world):
    at = new_app().run()
    assert [t.label for t in at.text_input] == ["登录名", "密码"]
    assert not at.exception


def test_wrong_password_gives_a_chinese_error(world, engine):
    at = login("admin", "wrong-password-1")
    assert "登录名或密码错误" in _errors(at)
    assert not at.exception
    with Session(engine) as session:
        assert session.scalar(select(User.failed_logins).where(User.username == "admin")) == 1


def test_unknown_user_gets_the_same_message(world):
    at = login("nobody", "whatever-123")
    assert "登录名或密码错误" in _errors(at)


def test_right_password_opens_the_home_page(world, engine):
    at = login("coordinator")
    assert not at.exception
    assert "您好，刘主任" in _titles(at)
    with Session(engine) as session:
        events = session.scalars(select(AuditEvent.action).where(
            AuditEvent.username == "coordinator")).all()
    assert "login" in events


def test_five_wrong_passwords_lock_the_account(world, engine):
    for _ in range(5):
        at = login("viewer", "wrong-password-1")
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == "viewer"))
        assert user.locked_until is not None and user.locked_until > datetime.now()
    at = login("viewer")  # even the right password is refused while locked
    assert "已锁定" in _errors(at)
    assert _titles(at) == ["守望"]  # still the login screen


@pytest.mark.parametrize("role", sorted(PAGES_BY_ROLE))
def test_each_role_can_open_exactly_its_pages(world, role):
    at = logged_in(role)
    assert not at.exception
    for spec in PAGES:
        if spec.path in PAGES_BY_ROLE[role]:
            at.switch_page(spec.path).run()
            assert not at.exception, (role, spec.path)
        else:
            _assert_refused(at, spec.path)


def _assert_refused(at, path: str) -> None:
    """A page outside the role's navigation either cannot be switched to or refuses itself."""
    try:
        at.switch_page(path).run()
    except ValueError:
        return
    assert "不能打开此页面" in _errors(at)
    assert not at.exception
    assert not at.tabs and not at.dataframe


def test_deactivated_user_is_logged_out_on_next_action(world, engine):
    at = logged_in("coordinator", "刘主任")
    assert _titles(at) == ["您好，刘主任"]
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "coordinator")).is_active = False
    at.run()
    assert "已停用" in _errors(at)
    assert at.session_state["authentication_status"] is None
    assert "您好，刘主任" not in _titles(at)


def test_role_change_applies_on_next_run(world, engine):
    at = logged_in("viewer")
    _assert_refused(at, "pages/admin.py")
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "viewer")).role = "admin"
    at = logged_in("viewer")
    at.switch_page("pages/admin.py").run()
    assert at.title[0].value == "管理"


def test_logout_returns_to_the_login_form(world):
    at = logged_in("admin")
    at.button(key="shouwang_logout_button").click().run()
    assert at.session_state["authentication_status"] is None
    assert [t.label for t in at.text_input] == ["登录名", "密码"]


def test_missing_cookie_secret_stops_the_app_outside_demo_mode(world, monkeypatch):
    monkeypatch.setenv("SHOUWANG_DEMO", "0")
    monkeypatch.delenv("SHOUWANG_COOKIE_KEY", raising=False)
    at = new_app().run()
    assert "SHOUWANG_COOKIE_KEY" in _errors(at)
    assert not at.text_input


def test_uninitialised_database_gets_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    at = new_app().run()
    assert "cli.py init" in _errors(at)
    assert not at.exception


def test_database_lost_mid_session_gives_a_clear_message(world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    at = logged_in("admin")

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("services.stats.figures.compute", unreachable)
    data_changed()  # the figures of the first run are cached
    at.run()
    assert "数据库无法使用" in _errors(at)
    assert not at.exception
