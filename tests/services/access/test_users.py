"""Accounts: field rules, bcrypt hashes, lockout, the last admin, and an audit row per write."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.errors import ConcurrentEdit, DomainError, NotFound, ValidationFailed
from core.vocab import Role
from db.models import AuditEvent, User
from services.access import audit, users
from services.access.permissions import Actor
from tests.factories import DEFAULT_PASSWORD, make_org, make_user

SYSTEM = Actor.system()
NOW = datetime(2026, 3, 2, 8, 30)
POLICY = users.LoginPolicy(max_attempts=3, lockout=timedelta(minutes=15))
LAST_ADMIN = "这是最后一个启用的管理员账户，不能停用或改为其他角色。"
USERNAME_RULE = "登录名为2–32位小写字母、数字、汉字或 _ . -"
LETTER_AND_DIGIT = "密码须同时包含字母和数字"
TOO_LONG = "密码过长：最多72字节（约24个汉字或72个字母）"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _create(session: Session, username: str = "zhangwei", display_name: str = "张伟",
            password: str = "shouwang2026", role: Role = Role.coordinator, **kw: object) -> User:
    return users.create_user(session, actor=SYSTEM, username=username, display_name=display_name,
                             role=role, password=password, **kw)


# --- creating accounts ---------------------------------------------------------------------

@pytest.mark.parametrize(("username", "display_name", "password", "stored_as"), [
    pytest.param("zhangwei", "张伟", "shouwang2026", "zhangwei", id="plain"),
    pytest.param("ZhangWei", "张伟", "shouwang2026", "zhangwei", id="uppercase-lowered"),
    pytest.param("  li.na_2  ", "李娜", "shouwang2026", "li.na_2", id="trimmed-dots-underscore"),
    pytest.param("张老师", "张老师", "shouwang2026", "张老师", id="chinese-username"),
    pytest.param("wang-fang", "王", "shouwang2026", "wang-fang", id="one-character-name"),
    pytest.param("ab", "A", "abcdefg1", "ab", id="shortest-username-and-password"),
    pytest.param("x" * 32, "名" * 30, "abcdefg1", "x" * 32, id="longest-username-and-name"),
    pytest.param("chen", "陈", "守望" * 10 + "a1", "chen", id="chinese-password-62-bytes"),
    pytest.param("zhao", "赵", "a1" + "x" * 70, "zhao", id="password-exactly-72-bytes"),
])
def test_create_user_accepts_valid_accounts(session, username, display_name, password,
                                            stored_as):
    user = _create(session, username, display_name, password)

    assert (user.username, user.display_name) == (stored_as, display_name.strip())
    assert users.find_user(session, username) is user
    assert users.password_matches(password, user.password_hash)


@pytest.mark.parametrize(("username", "display_name", "password", "problems"), [
    pytest.param("a", "张伟", "shouwang2026", {"登录名": USERNAME_RULE}, id="username-too-short"),
    pytest.param("x" * 33, "张伟", "shouwang2026", {"登录名": USERNAME_RULE},
                 id="username-too-long"),
    pytest.param("zhang wei", "张伟", "shouwang2026", {"登录名": USERNAME_RULE},
                 id="username-with-space"),
    pytest.param("zhang@wei", "张伟", "shouwang2026", {"登录名": USERNAME_RULE},
                 id="username-with-at"),
    pytest.param("zhangwei", "   ", "shouwang2026", {"姓名": "姓名不能为空"}, id="blank-name"),
    pytest.param("zhangwei", "名" * 31, "shouwang2026", {"姓名": "姓名最多30个字"},
                 id="name-too-long"),
    pytest.param("zhangwei", "张伟", "abc1234", {"密码": "密码至少8位"}, id="password-too-short"),
    pytest.param("zhangwei", "张伟", "abcdefgh", {"密码": LETTER_AND_DIGIT}, id="no-digit"),
    pytest.param("zhangwei", "张伟", "12345678", {"密码": LETTER_AND_DIGIT}, id="no-letter"),
    pytest.param("zhangwei", "张伟", "守望守望守望12", {"密码": LETTER_AND_DIGIT},
                 id="chinese-is-not-a-letter"),
    pytest.param("zhangwei", "张伟", " shouwang2026", {"密码": "密码首尾不能有空格"},
                 id="leading-space"),
    pytest.param("zhangwei", "张伟", "shouwang2026 ", {"密码": "密码首尾不能有空格"},
                 id="trailing-space"),
    pytest.param("zhangwei", "张伟", "守" * 25 + "a12", {"密码": TOO_LONG},
                 id="25-chinese-characters-over-72-bytes"),
    pytest.param("zhangwei", "张伟", "a1" + "x" * 71, {"密码": TOO_LONG}, id="73-bytes"),
    pytest.param("a", "", "short", {"登录名": USERNAME_RULE, "姓名": "姓名不能为空",
                                     "密码": "密码至少8位"}, id="every-problem-at-once"),
])
def test_create_user_refuses_invalid_fields(session, username, display_name, password, problems):
    with pytest.raises(ValidationFailed) as refused:
        _create(session, username, display_name, password)

    assert refused.value.problems == problems
    assert (_count(session, User), _count(session, AuditEvent)) == (0, 0)


def test_duplicate_username_is_refused_in_chinese_whatever_the_case(session):
    _create(session, "zhangwei")

    with pytest.raises(ValidationFailed) as refused:
        _create(session, " ZhangWei ", display_name="另一个张伟")

    assert refused.value.problems == {"登录名": "登录名“zhangwei”已被使用"}
    assert _count(session, User) == 1


def test_scope_must_be_an_existing_org_unit(session):
    with pytest.raises(ValidationFailed) as refused:
        _create(session, org_unit_id=987654)
    assert refused.value.problems == {"管辖范围": "所选单位不存在"}

    town = make_org(session, "石门镇")
    assert _create(session, org_unit_id=town.id).org_unit_id == town.id


def test_password_is_stored_only_as_a_bcrypt_hash(session):
    user = _create(session, password="shouwang2026")
    session.commit()

    stored = session.execute(text("SELECT password_hash FROM users WHERE id = :id"),
                             {"id": user.id}).scalar_one()
    assert stored.startswith("$2b$12$")  # bcrypt's cost 12 (the tests' own accounts use 4)
    assert "shouwang2026" not in stored
    assert users.password_matches("shouwang2026", stored)
    assert not users.password_matches("shouwang2027", stored)
    assert users.hash_password("shouwang2026") != stored  # salted: same password, new hash


# --- lockout -------------------------------------------------------------------------------

def test_failed_logins_lock_the_account_at_the_limit(session):
    user = make_user(session, "zhangwei", Role.coordinator)

    for _ in range(POLICY.max_attempts - 1):
        users.record_failed_login(session, "ZhangWei", POLICY, now=NOW)
    assert (user.failed_logins, user.locked_until) == (2, None)
    assert not users.is_locked(user, NOW)

    users.record_failed_login(session, "zhangwei", POLICY, now=NOW)

    assert user.locked_until == NOW + timedelta(minutes=15)
    assert users.is_locked(user, NOW + timedelta(minutes=14))
    assert not users.is_locked(user, NOW + timedelta(minutes=15))
    assert [e.action for e in _events(session)] == ["login_failed", "login_failed", "lock"]
    assert _events(session)[-1].summary == "连续3次密码错误，账户锁定"


@pytest.mark.parametrize(("minutes_later", "attempts_shown"), [
    pytest.param(0, 3, id="just-locked"),
    pytest.param(14, 3, id="still-locked"),
    pytest.param(16, 0, id="lockout-passed"),
])
def test_login_credentials_show_a_locked_account_as_out_of_attempts(session, minutes_later,
                                                                     attempts_shown):
    make_user(session, "zhangwei", Role.coordinator, display_name="张伟")
    make_user(session, "lina", Role.viewer, display_name="李娜")
    for _ in range(POLICY.max_attempts):
        users.record_failed_login(session, "zhangwei", POLICY, now=NOW)

    credentials = users.login_credentials(session, POLICY,
                                          now=NOW + timedelta(minutes=minutes_later))

    entry = credentials["usernames"]["zhangwei"]
    assert entry["failed_login_attempts"] == attempts_shown
    assert (entry["first_name"], entry["roles"]) == ("张伟", ["coordinator"])
    assert users.password_matches(DEFAULT_PASSWORD, entry["password"])
    assert credentials["usernames"]["lina"]["failed_login_attempts"] == 0


def test_failed_login_for_an_unknown_name_is_recorded_without_what_was_typed(session):
    assert users.record_failed_login(session, "mima-2026-typed-here", POLICY, now=NOW) is None
    [event] = session.scalars(select(AuditEvent)).all()
    assert (event.action, event.username, event.entity_id) == ("login_unknown", None, None)
    assert "mima-2026" not in f"{event.summary} {event.before} {event.after}"
    # More tries within the minute add to its count; a later one is a new row.
    users.record_failed_login(session, "other-name", POLICY, now=NOW + timedelta(seconds=30))
    users.record_failed_login(session, "third-name", POLICY, now=NOW + timedelta(seconds=50))
    users.record_failed_login(session, "fourth", POLICY, now=NOW + timedelta(minutes=5))
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.after for e in events] == [{"attempts": 3}, {"attempts": 1}]


def test_successful_login_resets_the_failure_count(session):
    user = make_user(session, "zhangwei")
    users.record_failed_login(session, "zhangwei", POLICY, now=NOW)
    users.record_failed_login(session, "zhangwei", POLICY, now=NOW)

    users.record_login(session, "zhangwei", now=NOW + timedelta(minutes=1))

    assert (user.failed_logins, user.locked_until) == (0, None)
    assert user.last_login_at == NOW + timedelta(minutes=1)
    # Two more failures no longer reach the limit of three.
    users.record_failed_login(session, "zhangwei", POLICY, now=NOW)
    users.record_failed_login(session, "zhangwei", POLICY, now=NOW)
    assert user.locked_until is None


def test_reset_password_unlocks_and_asks_for_a_change(session):
    user = make_user(session, "zhangwei")
    for _ in range(POLICY.max_attempts):
        users.record_failed_login(session, "zhangwei", POLICY, now=NOW)
    assert user.locked_until is not None

    users.reset_password(session, actor=SYSTEM, user_id=user.id, new_password="temporary99")

    assert (user.failed_logins, user.locked_until, user.must_change_password) == (0, None, True)
    assert users.password_matches("temporary99", user.password_hash)
    assert not users.password_matches(DEFAULT_PASSWORD, user.password_hash)
    assert users.login_credentials(session, POLICY, now=NOW)["usernames"]["zhangwei"][
        "failed_login_attempts"] == 0


def test_reset_password_applies_the_password_rules(session):
    user = make_user(session, "zhangwei")
    with pytest.raises(ValidationFailed) as refused:
        users.reset_password(session, actor=SYSTEM, user_id=user.id, new_password="12345678")
    assert refused.value.problems == {"密码": LETTER_AND_DIGIT}
    assert users.password_matches(DEFAULT_PASSWORD, user.password_hash)


# --- one's own password --------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "problems"), [
    pytest.param("wrong-pass-1", "shouwang2027", {"原密码": "原密码不正确"}, id="wrong-old"),
    pytest.param(DEFAULT_PASSWORD, DEFAULT_PASSWORD, {"新密码": "新密码不能与原密码相同"},
                 id="same-as-old"),
    pytest.param(DEFAULT_PASSWORD, "short1", {"密码": "密码至少8位"}, id="new-too-short"),
])
def test_change_own_password_refuses(session, old, new, problems):
    user = make_user(session, "zhangwei", must_change_password=True)
    actor = users.actor_for(session, user)

    with pytest.raises(ValidationFailed) as refused:
        users.change_own_password(session, actor=actor, old_password=old, new_password=new)

    assert refused.value.problems == problems
    assert users.password_matches(DEFAULT_PASSWORD, user.password_hash)
    assert user.must_change_password is True
    assert _count(session, AuditEvent) == 0


def test_change_own_password_replaces_the_hash_and_clears_the_request(session):
    user = make_user(session, "zhangwei", must_change_password=True)

    users.change_own_password(session, actor=users.actor_for(session, user),
                              old_password=DEFAULT_PASSWORD, new_password="shouwang2027")

    assert users.password_matches("shouwang2027", user.password_hash)
    assert user.must_change_password is False


def test_change_own_password_needs_a_user_account(session):
    with pytest.raises(NotFound):
        users.change_own_password(session, actor=SYSTEM, old_password=DEFAULT_PASSWORD,
                                  new_password="shouwang2027")


# --- deactivation and the last admin -------------------------------------------------------

def test_nobody_deactivates_themself(session):
    me = make_user(session, "admin1", Role.admin)
    make_user(session, "admin2", Role.admin)

    with pytest.raises(DomainError, match=r"^不能停用自己的账户。$"):
        users.set_active(session, actor=users.actor_for(session, me), user_id=me.id,
                         active=False, expected_version=me.version)
    assert me.is_active is True


@pytest.mark.parametrize("other_admin", [None, "inactive"])
def test_the_last_active_admin_cannot_be_deactivated(session, other_admin):
    last = make_user(session, "admin1", Role.admin)
    if other_admin:
        make_user(session, "admin2", Role.admin, is_active=False)

    with pytest.raises(DomainError) as refused:
        users.set_active(session, actor=SYSTEM, user_id=last.id, active=False,
                         expected_version=last.version)

    assert refused.value.message == LAST_ADMIN
    assert (last.is_active, last.version) == (True, 1)


@pytest.mark.parametrize("role", [Role.coordinator, Role.helper, Role.viewer])
def test_the_last_active_admin_cannot_be_demoted(session, role):
    last = make_user(session, "admin1", Role.admin)
    make_user(session, "zhangwei", Role.coordinator)

    with pytest.raises(DomainError) as refused:
        users.set_role_and_scope(session, actor=SYSTEM, user_id=last.id, role=role,
                                 org_unit_id=None, expected_version=last.version)

    assert refused.value.message == LAST_ADMIN
    assert last.role is Role.admin


def test_an_admin_can_go_while_another_stays(session):
    first = make_user(session, "admin1", Role.admin)
    make_user(session, "admin2", Role.admin)

    users.set_active(session, actor=SYSTEM, user_id=first.id, active=False, expected_version=1)

    assert (first.is_active, first.version) == (False, 2)


def test_a_stale_version_is_refused_and_changes_nothing(session):
    user = make_user(session, "zhangwei", Role.coordinator)
    users.set_active(session, actor=SYSTEM, user_id=user.id, active=False, expected_version=1)
    events = _count(session, AuditEvent)

    # A second admin saves from a form rendered before the first change.
    with pytest.raises(ConcurrentEdit, match="该用户已被其他人修改"):
        users.set_active(session, actor=SYSTEM, user_id=user.id, active=True, expected_version=1)
    with pytest.raises(ConcurrentEdit):
        users.set_role_and_scope(session, actor=SYSTEM, user_id=user.id, role=Role.viewer,
                                 org_unit_id=None, expected_version=1)

    session.commit()
    session.expire_all()
    assert (user.is_active, user.role, user.version) == (False, Role.coordinator, 2)
    assert _count(session, AuditEvent) == events


# --- the audit trail -----------------------------------------------------------------------

Write = Callable[[Session, User], User | None]
WRITES: list[tuple[str, Write, str]] = [
    ("create_user", lambda s, u: _create(s, "newcomer"), "create"),
    ("set_role_and_scope", lambda s, u: users.set_role_and_scope(
        s, actor=SYSTEM, user_id=u.id, role=Role.viewer, org_unit_id=None,
        expected_version=u.version), "update"),
    ("set_active", lambda s, u: users.set_active(
        s, actor=SYSTEM, user_id=u.id, active=False, expected_version=u.version), "update"),
    ("reset_password", lambda s, u: users.reset_password(
        s, actor=SYSTEM, user_id=u.id, new_password="temporary99"), "reset_password"),
    ("change_own_password", lambda s, u: users.change_own_password(
        s, actor=users.actor_for(s, u), old_password=DEFAULT_PASSWORD,
        new_password="shouwang2027"), "change_password"),
    ("record_failed_login", lambda s, u: users.record_failed_login(
        s, u.username, POLICY, now=NOW), "login_failed"),
    ("record_login", lambda s, u: users.record_login(s, u.username, now=NOW), "login"),
]


@pytest.mark.parametrize(("write", "action"), [pytest.param(w, a, id=name)
                                               for name, w, a in WRITES])
def test_every_account_write_adds_one_audit_event_without_secrets(session, write, action):
    target = make_user(session, "zhangwei", Role.coordinator)
    make_user(session, "admin1", Role.admin)
    before = _count(session, AuditEvent)

    user = write(session, target)
    session.commit()

    events = _events(session)
    assert len(events) == before + 1
    event = events[-1]
    assert (event.action, event.entity, event.entity_id) == (action, "user", str(user.id))
    dumped = json.dumps([event.before, event.after, event.summary], ensure_ascii=False)
    assert "password_hash" not in dumped
    assert "$2b$" not in dumped


def test_audit_snapshot_of_a_user_leaves_the_hash_out(session):
    user = make_user(session, "zhangwei")
    snapshot = audit.snapshot(user)
    assert "password_hash" not in snapshot
    assert (snapshot["username"], snapshot["role"]) == ("zhangwei", "admin")


def test_update_audit_keeps_only_what_changed(session):
    user = make_user(session, "zhangwei", Role.coordinator)
    town = make_org(session, "石门镇")

    users.set_role_and_scope(session, actor=SYSTEM, user_id=user.id, role=Role.viewer,
                             org_unit_id=town.id, expected_version=1)

    event = _events(session)[-1]
    assert (event.username, event.user_id) == ("cli", None)
    # Only what the person changed: not the username, not the version or timestamp bookkeeping.
    assert event.before == {"role": "coordinator", "org_unit_id": None}
    assert event.after == {"role": "viewer", "org_unit_id": town.id}


def test_audit_row_commits_and_rolls_back_with_the_change(session, engine):
    _create(session, "newcomer")
    assert (_count(session, User), _count(session, AuditEvent)) == (1, 1)

    session.rollback()

    assert (_count(session, User), _count(session, AuditEvent)) == (0, 0)
    _create(session, "second")
    session.commit()
    with Session(engine) as other:
        assert [(e.action, e.summary) for e in other.scalars(select(AuditEvent))] == [
            ("create", "新建用户 second(负责人)")]
