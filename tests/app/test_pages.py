"""Every page through AppTest: what each role sees, and the admin's forms writing for real."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEvent, OrgUnit, User
from services.access.users import password_matches
from tests.app.conftest import logged_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.both_databases


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize(("role", "children", "coverage"), [
    ("admin", "3人", "33.3%"),        # everything
    ("coordinator", "2人", "50.0%"),  # only 石门镇
    ("helper", "1人", "100.0%"),      # only the child paired with them
    ("viewer", "<5人", "—"),          # counts without names, and none under 5
])
def test_home_shows_the_counts_of_the_role_scope(world, role, children, coverage):
    at = logged_in(role)
    metrics = _metrics(at)
    assert metrics["我结对的儿童" if role == "helper" else "关爱儿童"] == children
    assert metrics["结对率"] == coverage
    assert not at.exception


def test_viewer_home_shows_no_names(world):
    at = logged_in("viewer")
    page_text = " ".join(str(e.value) for e in at.markdown) + " ".join(c.value for c in at.caption)
    assert not any(name in page_text for name in world.child_names)
    assert "不显示儿童姓名" in page_text


def test_home_empty_state_says_what_to_do(db_url, engine, monkeypatch):
    from tests.factories import make_user

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    with Session(engine) as session, session.begin():
        make_user(session, "admin")
    at = logged_in("admin")
    assert "cli.py seed" in at.info[0].value


def test_sidebar_shows_name_role_and_scope(world):
    at = logged_in("coordinator", "刘主任")
    sidebar = " ".join(str(e.value) for e in [*at.sidebar.markdown, *at.sidebar.caption])
    assert "刘主任" in sidebar and "负责人" in sidebar and "石门镇" in sidebar


def test_language_switch_turns_the_page_english(world):
    at = logged_in("admin")
    at.sidebar.segmented_control(key="language_switch").set_value("en").run()
    assert at.title[0].value.startswith("Hello")
    assert "Children" in _metrics(at)


def test_admin_creates_a_user_with_a_chinese_name(world, engine):
    at = logged_in("admin").switch_page("pages/admin.py").run()
    inputs = {t.label: t for t in at.text_input}
    inputs["登录名"].input("wangls")
    inputs["姓名"].input("王")
    inputs["初始密码"].input("chushi2026")
    at.button(key="FormSubmitter:create_user-创建用户").click().run()
    assert not at.exception
    assert any("已创建" in s.value for s in at.success)
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == "wangls"))
        assert user.display_name == "王" and user.must_change_password
        assert password_matches("chushi2026", user.password_hash)


def test_admin_create_user_with_bad_input_lists_every_problem(world, engine):
    at = logged_in("admin").switch_page("pages/admin.py").run()
    inputs = {t.label: t for t in at.text_input}
    inputs["登录名"].input("admin")
    inputs["姓名"].input("")
    inputs["初始密码"].input("short")
    at.button(key="FormSubmitter:create_user-创建用户").click().run()
    message = at.error[0].value
    assert "已被使用" in message and "姓名不能为空" in message and "至少8位" in message
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 4


def test_admin_adds_an_org_unit(world, engine):
    at = logged_in("admin").switch_page("pages/admin.py").run()
    name_inputs = [t for t in at.text_input if t.label == "名称"]
    name_inputs[0].input("王家村")
    at.selectbox(key="new_org_parent").set_value(world.town_id)
    at.button(key="FormSubmitter:create_org-新增").click().run()
    assert not at.exception
    assert any("已新增" in s.value for s in at.success)
    with Session(engine) as session:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.name == "王家村"))
        assert unit.parent_id == world.town_id and unit.path.endswith(f"/{unit.id}/")
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "org_unit", AuditEvent.action == "create")) == 1


def test_admin_sees_a_second_editor_refused(world, engine):
    at = logged_in("admin").switch_page("pages/admin.py").run()
    at.selectbox(key="edit_user_id").set_value(_user_id(engine, "viewer")).run()
    # Someone else changes the viewer while this admin has the form open.
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "viewer")).display_name = "新督导"
    at.button(key="toggle_" + str(_user_id(engine, "viewer"))).click().run()
    assert any("已被其他人修改" in e.value for e in at.error)
    with Session(engine) as session:
        assert session.scalar(select(User.is_active).where(User.username == "viewer"))


def test_account_page_changes_own_password(world, engine):
    at = logged_in("helper").switch_page("pages/account.py").run()
    fields = {t.label: t for t in at.text_input}
    fields["原密码"].input(DEFAULT_PASSWORD)
    fields["新密码"].input("xin-mima-2027")
    fields["再次输入新密码"].input("xin-mima-2027")
    at.button(key="FormSubmitter:change_password-保存").click().run()
    assert any("密码已修改" in s.value for s in at.success)
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == "helper"))
        assert password_matches("xin-mima-2027", user.password_hash)


def test_account_page_refuses_mismatched_passwords(world):
    at = logged_in("helper").switch_page("pages/account.py").run()
    fields = {t.label: t for t in at.text_input}
    fields["原密码"].input(DEFAULT_PASSWORD)
    fields["新密码"].input("xin-mima-2027")
    fields["再次输入新密码"].input("xin-mima-2028")
    at.button(key="FormSubmitter:change_password-保存").click().run()
    assert "不一致" in at.error[0].value


def _user_id(engine, username: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(User.id).where(User.username == username))
