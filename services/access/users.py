"""Accounts: creation, roles and scope, passwords, lockout and deactivation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, ValidationFailed, field_label
from core.i18n import Msg
from core.validators import display_name_problem, password_problem, username_problem
from core.vocab import Role
from db.base import utcnow
from db.models import AuditEvent, EmergencyGrant, Helper, OrgUnit, User
from services.access import audit
from services.access.permissions import Actor, Capability


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def password_matches(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(password.encode(), password_hash.encode())


USERNAME = field_label("username", "登录名")


def _check_password(password: str) -> None:
    if problem := password_problem(password):
        raise ValidationFailed({field_label("password", "密码"): problem})


def _get(session: Session, user_id: int, expected_version: int | None = None) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(Msg("errors.what.user"))
    audit.require_version(user, expected_version, Msg("errors.what.user"))
    return user


def _check_scope(session: Session, role: Role, org_unit_id: int | None) -> None:
    if org_unit_id is not None and session.get(OrgUnit, org_unit_id) is None:
        raise ValidationFailed({field_label("scope", "管辖范围"):
                                Msg("errors.user.unit_missing")})


def create_user(session: Session, *, actor: Actor, username: str, display_name: str, role: Role,
                password: str, org_unit_id: int | None = None,
                must_change_password: bool = False) -> User:
    """Create an account after checking every field; the username must be new."""
    actor.require(Capability.MANAGE_USERS)
    username = username.strip().lower()
    problems: dict[str, str] = {
        label: why for label, why in (
            (USERNAME, username_problem(username)),
            (field_label("display_name", "姓名"), display_name_problem(display_name)),
            (field_label("password", "密码"), password_problem(password)),
        ) if why
    }
    if not problems.get(USERNAME) and session.scalar(
            select(func.count()).where(User.username == username)):
        problems[USERNAME] = Msg("errors.user.username_taken", username=username)
    if problems:
        raise ValidationFailed(problems)
    _check_scope(session, role, org_unit_id)
    user = User(username=username, display_name=display_name.strip(), role=role,
                org_unit_id=org_unit_id, password_hash=hash_password(password),
                must_change_password=must_change_password)
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, after=audit.snapshot(user),
                 summary=f"新建用户 {username}({role.zh})")
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    actor.require(Capability.MANAGE_USERS)
    return list(session.scalars(select(User).order_by(User.is_active.desc(), User.username)))


def _guard_last_admin(session: Session, user: User) -> None:
    if user.role is not Role.admin or not user.is_active:
        return
    others = session.scalar(select(func.count()).where(
        User.role == Role.admin, User.is_active.is_(True), User.id != user.id))
    if not others:
        raise DomainError.of("errors.user.last_admin")


def set_role_and_scope(session: Session, *, actor: Actor, user_id: int, role: Role,
                       org_unit_id: int | None, expected_version: int) -> User:
    actor.require(Capability.MANAGE_USERS)
    user = _get(session, user_id, expected_version)
    if role is not Role.admin:
        _guard_last_admin(session, user)
    _check_scope(session, role, org_unit_id)
    with audit.tracked(session, actor, user, "user", summary=f"修改 {user.username} 的角色或范围"):
        if (user.role, user.org_unit_id) != (role, org_unit_id):
            # What the user may see changed: their open sessions end at their next click.
            user.sessions_revoked_at = utcnow()
        user.role, user.org_unit_id = role, org_unit_id
    return user


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool,
               expected_version: int) -> User:
    """Deactivate or reactivate; a deactivated user is logged out at their next action."""
    actor.require(Capability.MANAGE_USERS)
    user = _get(session, user_id, expected_version)
    if not active:
        if user.id == actor.user_id:
            raise DomainError.of("errors.user.self")
        _guard_last_admin(session, user)
    summary = f"{'启用' if active else '停用'}用户 {user.username}"
    with audit.tracked(session, actor, user, "user", summary=summary):
        user.is_active = active
        if not active:
            user.sessions_revoked_at = utcnow()
    return user


def reset_password(session: Session, *, actor: Actor, user_id: int, new_password: str) -> User:
    """Set a temporary password, unlock the account and ask for a change at next login."""
    actor.require(Capability.MANAGE_USERS)
    _check_password(new_password)
    user = _get(session, user_id)
    user.password_hash = hash_password(new_password)
    user.failed_logins, user.locked_until = 0, None
    user.must_change_password = True
    user.sessions_revoked_at = utcnow()
    session.flush()
    audit.record(session, actor, "reset_password", "user", user.id,
                 summary=f"重置 {user.username} 的密码")
    return user


def change_own_password(session: Session, *, actor: Actor, old_password: str,
                        new_password: str) -> User:
    if actor.user_id is None:
        raise NotFound(Msg("errors.what.user"))
    user = _get(session, actor.user_id)
    if not password_matches(old_password, user.password_hash):
        raise ValidationFailed({field_label("old_password", "原密码"):
                                Msg("errors.user.old_password_wrong")})
    _check_password(new_password)
    if old_password == new_password:
        raise ValidationFailed({field_label("new_password", "新密码"):
                                Msg("errors.user.password_unchanged")})
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    # Every other session ends; the caller renews its own (see components.access.auth).
    user.sessions_revoked_at = utcnow()
    session.flush()
    audit.record(session, actor, "change_password", "user", user.id, summary="修改了自己的密码")
    return user


# --- login -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoginPolicy:
    max_attempts: int = 5
    lockout: timedelta = timedelta(minutes=15)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def login_credentials(session: Session, policy: LoginPolicy, now: datetime | None = None) -> dict:
    """Credentials in streamlit-authenticator's shape; a locked account shows as out of attempts."""
    now = now or utcnow()
    users = {}
    for user in session.scalars(select(User)):
        failed = policy.max_attempts if is_locked(user, now) else 0
        users[user.username] = {
            "first_name": user.display_name, "last_name": "", "email": None,
            "password": user.password_hash, "roles": [user.role.value],
            "failed_login_attempts": failed,
        }
    return {"usernames": users}


def record_failed_login(session: Session, username: str, policy: LoginPolicy,
                        now: datetime | None = None) -> User | None:
    """Count a wrong password; lock the account once the limit is reached."""
    now = now or utcnow()
    user = find_user(session, username)
    if user is None:
        _record_unknown_login(session, now)
        return None
    user.failed_logins += 1
    if user.failed_logins >= policy.max_attempts:
        user.locked_until = now + policy.lockout
        user.failed_logins = 0
        audit.record(session, None, "lock", "user", user.id, username=user.username,
                     summary=f"连续{policy.max_attempts}次密码错误，账户锁定")
    else:
        audit.record(session, None, "login_failed", "user", user.id, username=user.username)
    return user


UNKNOWN_LOGINS_TOGETHER = timedelta(minutes=1)


def _record_unknown_login(session: Session, now: datetime) -> None:
    """An incident for the yearly audit (guessing at names), recorded without what was typed
    (people type their password into the name box). Tries within a minute of the last one add
    to its count, so nobody can fill the log from the login page."""
    latest = session.scalars(select(AuditEvent).where(AuditEvent.action == "login_unknown")
                             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)).first()
    if latest is not None and latest.at > now - UNKNOWN_LOGINS_TOGETHER:
        latest.after = {"attempts": int((latest.after or {}).get("attempts", 1)) + 1}
        return
    event = audit.record(session, None, "login_unknown", "user", None,
                         summary="以不存在的登录名尝试登录", after={"attempts": 1})
    event.at = now


def record_login(session: Session, username: str, now: datetime | None = None) -> User | None:
    user = find_user(session, username)
    if user is None:
        return None
    user.failed_logins, user.locked_until = 0, None
    user.last_login_at = now or utcnow()
    audit.record(session, None, "login", "user", user.id, username=user.username)
    return user


def revoke_sessions(session: Session, username: str, now: datetime | None = None) -> None:
    """Refuse every login cookie issued so far (used at logout)."""
    if user := find_user(session, username):
        user.sessions_revoked_at = now or utcnow()


def cookie_still_valid(session: Session, username: str, issued_at: datetime) -> bool:
    """Whether a login cookie issued at `issued_at` may still log this user in."""
    user = find_user(session, username)
    if user is None or not user.is_active:
        return False
    return user.sessions_revoked_at is None or issued_at > user.sessions_revoked_at


def session_revoked(user: User, started_at: datetime) -> bool:
    """Whether a session that logged in at `started_at` was ended since (password, role, stop)."""
    return user.sessions_revoked_at is not None and user.sessions_revoked_at > started_at


def actor_for(session: Session, user: User) -> Actor:
    """The Actor a logged-in user acts as; a helper account is tied to its Helper record."""
    helper_id = session.scalar(select(Helper.id).where(Helper.user_id == user.id))
    # Re-read on every run, so a 紧急查看 ends when its 24 hours do.
    emergency = frozenset(session.scalars(select(EmergencyGrant.child_id).where(
        EmergencyGrant.user_id == user.id, EmergencyGrant.expires_at > utcnow())))
    return Actor(user_id=user.id, username=user.username, role=user.role,
                 org_unit_id=user.org_unit_id, helper_id=helper_id,
                 emergency_child_ids=emergency)


def set_language(session: Session, *, actor: Actor, language: str) -> None:
    """Remember the account's UI language for its next login."""
    if actor.user_id is None:
        return
    user = _get(session, actor.user_id)
    if user.language != language:
        user.language = language
