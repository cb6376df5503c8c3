"""Login cookies stop working at logout, deactivation and password reset."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.access import users
from services.access.permissions import Actor
from tests.factories import make_user

T0 = datetime(2026, 11, 1, 9, 0)


def test_cookie_issued_before_logout_is_refused(session):
    make_user(session, "liu")
    assert users.cookie_still_valid(session, "liu", T0)
    users.revoke_sessions(session, "liu", now=T0 + timedelta(minutes=5))
    assert not users.cookie_still_valid(session, "liu", T0)
    assert users.cookie_still_valid(session, "liu", T0 + timedelta(minutes=6))


def test_cookie_of_a_deactivated_user_is_refused(session):
    make_user(session, "boss", display_name="管理员")
    target = make_user(session, "liu")
    users.set_active(session, actor=Actor.system(), user_id=target.id, active=False,
                     expected_version=target.version)
    assert not users.cookie_still_valid(session, "liu", datetime(2100, 1, 1))


def test_password_reset_ends_existing_sessions(session):
    target = make_user(session, "liu")
    issued = datetime.now() - timedelta(hours=1)
    users.reset_password(session, actor=Actor.system(), user_id=target.id,
                         new_password="linshi-2026")
    assert not users.cookie_still_valid(session, "liu", issued)


def test_cookie_of_an_unknown_user_is_refused(session):
    assert not users.cookie_still_valid(session, "ghost", T0)
