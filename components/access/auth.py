"""The login gate: streamlit-authenticator over accounts kept in our database."""

from __future__ import annotations

import json
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit.delta_generator import DeltaGenerator
from streamlit_authenticator.utilities import LoginError

from components.common.session import ACTOR_KEY, LANG_KEY, db_transaction, lang, settings
from core.i18n import render, t
from core.validators import display_name_problem, password_problem, username_problem
from db.base import utcnow
from services.access import audit, users
from services.access.permissions import Actor

RECORDED_LOGIN_KEY = "shouwang_login_recorded"
# When this browser session logged in (UTC); a revocation after it ends the session.
SESSION_STARTED_KEY = "shouwang_session_started"
RENEW_COOKIE_KEY = "shouwang_renew_cookie"
# The login cookie this session keeps in the browser: (name=token pair, expiry as a UTC string).
LOGIN_COOKIE_KEY = "shouwang_login_cookie"


class ShouwangValidator(stauth.Validator):
    """Our rules instead of the library's: Chinese names of any length, clear password rules."""

    def validate_name(self, name: str) -> bool:
        return display_name_problem(name) is None

    def validate_username(self, username: str) -> bool:
        return username_problem(username) is None

    def validate_password(self, password: str) -> bool:
        return password_problem(password) is None

    def diagnose_password(self, password: str) -> str:
        return render(password_problem(password), lang())


def _policy() -> users.LoginPolicy:
    cfg = settings()
    return users.LoginPolicy(cfg.max_login_attempts, timedelta(minutes=cfg.lockout_minutes))


def _authenticator(credentials: dict) -> stauth.Authenticate:
    cfg = settings()
    cfg.check_secret()
    return stauth.Authenticate(credentials, cfg.cookie_name, cfg.cookie_key,
                               cfg.cookie_expiry_days, validator=ShouwangValidator(),
                               login_sleep_time=0)


def _failed_usernames(before: dict[str, int], credentials: dict) -> list[str]:
    return [name for name, entry in credentials["usernames"].items()
            if entry.get("failed_login_attempts", 0) > before.get(name, 0)]


def require_login() -> tuple[Actor, stauth.Authenticate]:
    """Show the login form until a valid, active user is in; return them as an Actor."""
    policy = _policy()
    with db_transaction(write=False) as session:
        credentials = users.login_credentials(session, policy)
    authenticator = _authenticator(credentials)
    _ignore_revoked_cookie(authenticator)
    area = nullcontext() if st.session_state.get("authentication_status") else _login_area()
    with area:
        _login_form(authenticator, policy, credentials)
    return _active_actor(authenticator), authenticator


def _login_area() -> DeltaGenerator:
    """A centred column with the product's name above the form (columns stack on a phone)."""
    _, middle, _ = st.columns([1, 2, 1])
    middle.title(t("app.name", lang()))
    middle.markdown(f"**{t('app.subtitle', lang())}**  \n{t('app.tagline', lang())}")
    return middle


def _login_form(authenticator: stauth.Authenticate, policy: users.LoginPolicy,
                credentials: dict) -> None:
    """Draw the form (or log in from the cookie); record failures; stop until logged in."""
    before = {n: e["failed_login_attempts"] for n, e in credentials["usernames"].items()}
    fields = {"Form name": t("login.form", lang()), "Username": t("login.username", lang()),
              "Password": t("login.password", lang()), "Login": t("login.submit", lang())}
    try:
        authenticator.login(location="main", max_login_attempts=policy.max_attempts,
                            fields=fields, key="login")
    except LoginError:
        st.error(t("login.locked", lang(), minutes=settings().lockout_minutes))
        st.stop()
    status = st.session_state.get("authentication_status")
    if status is False:
        with db_transaction() as session:
            for username in _failed_usernames(before, credentials):
                users.record_failed_login(session, username, policy)
        st.error(t("login.wrong", lang()))
    if not status:
        if settings().demo:
            st.caption(t("login.demo_hint", lang()))
        st.stop()


def _ignore_revoked_cookie(authenticator: stauth.Authenticate) -> None:
    """Make the library skip a login cookie that is not ours or was issued before a revocation.

    Deleting the cookie happens in the browser and sometimes fails (NOTES.md), so the
    database, not the cookie jar, decides whether a logged-out session stays out. The library
    decodes the cookie itself and raises on anything but its own HS256 shape (another
    algorithm, a missing claim), so a cookie is checked here first and ignored if odd.
    """
    if st.session_state.get("authentication_status"):
        return
    raw = st.context.cookies.get(settings().cookie_name)
    if not raw:
        return
    token = login_cookie_claims(raw, settings().cookie_key)
    valid = False
    if token is not None:
        expiry = timedelta(days=settings().cookie_expiry_days)
        issued = datetime.fromtimestamp(token["exp_date"], UTC).replace(tzinfo=None) - expiry
        with db_transaction(write=False) as session:
            valid = users.cookie_still_valid(session, token["username"], issued)
    if not valid:
        st.session_state["logout"] = True  # the library's own "ignore the cookie" switch


def login_cookie_claims(raw: str, key: str) -> dict | None:
    """The cookie's claims when it is a well-formed, unexpired token signed by us; else None."""
    try:
        claims = jwt.decode(raw, key, algorithms=["HS256"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    username, expires = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or isinstance(expires, bool) \
            or not isinstance(expires, int | float):
        return None
    try:
        if datetime.fromtimestamp(expires, UTC) <= datetime.now(UTC):
            return None
    except (OverflowError, OSError, ValueError):
        return None
    return claims


def _active_actor(authenticator: stauth.Authenticate) -> Actor:
    """Re-read the account on every run, so a deactivation or role change applies at once."""
    username = st.session_state["username"]
    first_run = st.session_state.get(RECORDED_LOGIN_KEY) != username
    # Only the first run of a login writes (the login is recorded); every click after reads.
    with db_transaction(write=first_run) as session:
        user = users.find_user(session, username)
        if user is None or not user.is_active:
            _end_session(authenticator, "login.inactive")
        if first_run:
            users.record_login(session, username)
            st.session_state[RECORDED_LOGIN_KEY] = username
            st.session_state[SESSION_STARTED_KEY] = utcnow()
            st.session_state[LANG_KEY] = user.language
            _issue_login_cookie(username)
        started = st.session_state.setdefault(SESSION_STARTED_KEY, utcnow())
        if users.session_revoked(user, started):
            _end_session(authenticator, "login.revoked")
        actor = users.actor_for(session, user)
        st.session_state["shouwang_must_change_password"] = user.must_change_password
    if st.session_state.pop(RENEW_COOKIE_KEY, False):
        _issue_login_cookie(username)
    st.session_state[ACTOR_KEY] = actor
    return actor


def _issue_login_cookie(username: str) -> None:
    """Sign a login cookie for this session, in the library's own format (login_cookie_claims).

    The library writes its cookie through a component that must load in an iframe before the
    next rerun removes it; on a page whose components answer quickly (我的结对) it lost that race
    and a refresh logged the helper out. login_cookie_script() writes it from the page instead.
    """
    expires = datetime.now(UTC) + timedelta(days=settings().cookie_expiry_days)
    token = jwt.encode({"username": username, "exp_date": expires.timestamp()},
                       settings().cookie_key, algorithm="HS256")
    st.session_state[LOGIN_COOKIE_KEY] = (
        f"{settings().cookie_name}={token}", expires.strftime("%a, %d %b %Y %H:%M:%S GMT"))


def login_cookie_script() -> str:
    """A script that puts this session's login cookie in the browser unless it is there.

    Sent on every run (the page keeps the same element, so it runs once per page load): a
    rerun that removes it before it ran is followed by one that brings it back.
    """
    pair, expires = st.session_state.get(LOGIN_COOKIE_KEY, (None, None))
    if pair is None:
        return ""
    cookie = json.dumps({"pair": pair, "expires": expires})
    return ("<script>(() => { const c = " + cookie + ";"
            " if (!document.cookie.split('; ').includes(c.pair)) {"
            " document.cookie = c.pair + '; expires=' + c.expires + '; path=/; SameSite=Strict'; }"
            " })();</script>")


def _end_session(authenticator: stauth.Authenticate, message_key: str) -> NoReturn:
    """Log this browser session out and say why; nothing after this runs."""
    authenticator.logout(location="unrendered")
    forget_login()
    st.error(t(message_key, lang()))
    st.stop()


def renew_own_session() -> None:
    """Keep this session (and re-issue its cookie) after the user changed their own password."""
    st.session_state[SESSION_STARTED_KEY] = utcnow()
    st.session_state[RENEW_COOKIE_KEY] = True


def forget_login() -> None:
    for key in (ACTOR_KEY, RECORDED_LOGIN_KEY, SESSION_STARTED_KEY, LOGIN_COOKIE_KEY):
        st.session_state.pop(key, None)


def logout(authenticator: stauth.Authenticate, actor: Actor) -> None:
    with db_transaction() as session:
        users.revoke_sessions(session, actor.username)
        audit.record(session, actor, "logout", "user", actor.user_id)
    authenticator.logout(location="unrendered")
    forget_login()
    st.rerun()
