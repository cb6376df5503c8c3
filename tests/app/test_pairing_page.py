"""结对帮扶 and 我的结对 in AppTest: coverage, the board, registering helpers, who sees what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.vocab import HelperKind, Relation, Role
from db.models import Child, Helper, OrgUnit, Pairing, Relative
from tests.app.conftest import logged_in
from tests.factories import make_child, make_helper, make_user


def _board(username: str):
    return logged_in(username).switch_page("pages/pairing.py").run()


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _waiting_table(at):
    return next(df for df in at.dataframe if (df.key or "").startswith("board_waiting_"))


def _waiting_names(at) -> list[str]:
    frame = _waiting_table(at).value
    data = getattr(frame, "data", frame)  # a Styler keeps its frame in .data
    return [name.removeprefix("⚠ ") for name in data["姓名"]]


def _pick_rows(at, rows: list[int]):
    """Select rows of the waiting list as a click would, through the table's session state."""
    at.session_state[_waiting_table(at).key] = {"selection": {"rows": rows, "columns": []}}
    return at.run()


def _successes(at) -> str:
    return " ".join(s.value for s in at.success)


def _errors(at) -> str:
    return " ".join(e.value for e in at.error)


def _id_of(engine, model, name: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(model.id).where(model.name == name))


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("role", "metrics", "waiting"), [
    ("coordinator", {"在册儿童": "2", "已结对": "1", "结对覆盖率": "50.0%", "待结对": "1"},
     ["王小红"]),
    ("admin", {"在册儿童": "3", "已结对": "1", "结对覆盖率": "33.3%", "待结对": "2"},
     ["王小红", "赵小刚"]),
])
def test_board_shows_coverage_and_who_is_waiting(world, role, metrics, waiting):
    at = _board(role)
    assert not at.exception
    assert [tab.label for tab in at.tabs][:5] == ["结对看板", "结对情况", "帮扶人", "登记帮扶人",
                                                  "导入"]
    assert _metrics(at) == metrics
    assert sorted(_waiting_names(at)) == waiting
    assert "张小明" not in _waiting_names(at)  # already paired
    assert "点选一名儿童" in " ".join(i.value for i in at.info)


@pytest.mark.parametrize(("role", "path"), [
    ("helper", "pages/pairing.py"),
    ("viewer", "pages/pairing.py"),
    ("coordinator", "pages/my_pairings.py"),
    ("admin", "pages/my_pairings.py"),
    ("viewer", "pages/my_pairings.py"),
])
def test_a_role_cannot_switch_to_a_page_outside_its_navigation(world, role, path):
    at = logged_in(role)
    with pytest.raises(ValueError, match=path.removeprefix("pages/")):
        at.switch_page(path).run()


def test_picking_one_child_shows_ranked_suggestions_and_pairs_in_one_click(world, engine):
    at = _pick_rows(_board("coordinator"), [0])
    assert not at.exception
    assert any(m.value == "**为 王小红 推荐的帮扶人**" for m in at.markdown)
    assert any("同乡镇教师" in c.value and "还可结对1人" in c.value for c in at.caption)
    child_id, helper_id = _id_of(engine, Child, "王小红"), _id_of(engine, Helper, "李老师")
    button = at.button(key=f"pair_{child_id}_{helper_id}")
    assert button.label == "与李老师结对"
    button.click().run()
    assert not at.exception
    assert "已将王小红与教师李老师结对。" in _successes(at)
    assert _metrics(at)["结对覆盖率"] == "100.0%"
    assert "范围内的儿童都已结对" in _successes(at)
    with Session(engine) as session:
        pairing = session.scalar(select(Pairing).join(Child).where(Child.name == "王小红"))
        assert pairing.helper.name == "李老师" and pairing.ended_on is None


def test_picking_several_children_pairs_each_with_their_top_suggestion(world, engine):
    with Session(engine) as session, session.begin():
        village = session.scalar(select(OrgUnit).where(OrgUnit.name == "李家村"))
        make_child(session, village=village, name="李小花")
        make_helper(session, org_unit=village, name="陈阿姨", kind=HelperKind.caring_parent)
    at = _pick_rows(_board("coordinator"), [0, 1])
    assert at.radio(key="board_how").value == "pairing.board.top_pick"  # 各自按首选推荐结对
    plan = next(df for df in at.dataframe if df.key is None).value  # the preview of the plan
    assert sorted(plan["儿童"]) == ["李小花", "王小红"]
    at.button(key="board_pair_many").click().run()
    assert not at.exception
    assert "已为2名儿童结对。" in _successes(at)
    with Session(engine) as session:
        open_pairs = session.scalar(select(func.count()).select_from(Pairing).where(
            Pairing.ended_on.is_(None)))
        assert open_pairs == 3


def test_register_a_helper_from_the_form(world, engine):
    at = _board("coordinator")
    fields = {t.label: t for t in at.text_input}
    fields["姓名 *"].input("  周老师 ")
    fields["电话"].input("138 1234 5678")
    at.number_input[0].set_value(3)
    at.button(key="FormSubmitter:helper_new_0-登记").click().run()
    assert not at.exception
    assert "已登记帮扶人“周老师”。" in _successes(at), _errors(at)
    with Session(engine) as session:
        helper = session.scalar(select(Helper).where(Helper.name == "周老师"))
        assert (helper.org_unit_id, helper.phone, helper.capacity, helper.kind) == (
            world.town_id, "13812345678", 3, HelperKind.teacher)
    # The saved form starts afresh, so a second click cannot register the same person again.
    assert {t.label: t.value for t in at.text_input}["姓名 *"] == ""


def test_registering_the_same_helper_twice_is_refused(world, engine):
    for expected_round in (0, 1):
        at = _board("coordinator")
        at.session_state["helper_register_round"] = expected_round
        at.run()
        fields = {t.label: t for t in at.text_input}
        fields["姓名 *"].input("周老师")
        at.button(key=f"FormSubmitter:helper_new_{expected_round}-登记").click().run()
    assert "请勿重复登记" in _errors(at)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Helper).where(
            Helper.name == "周老师")) == 1


def test_register_with_a_bad_phone_is_refused_in_chinese_and_saves_nothing(world, engine):
    at = _board("coordinator")
    fields = {t.label: t for t in at.text_input}
    fields["姓名 *"].input("周老师")
    fields["电话"].input("12345")
    at.button(key="FormSubmitter:helper_new_0-登记").click().run()
    assert not at.exception
    assert "11位手机号" in _errors(at)
    assert not _successes(at)
    assert _count(engine, Helper) == 1


def test_my_pairings_shows_the_helpers_own_child_with_a_phone_to_call(world, engine):
    with Session(engine) as session, session.begin():
        child_id = session.scalar(select(Child.id).where(Child.name == "张小明"))
        session.add(Relative(child_id=child_id, relation=Relation.guardian,
                             relation_detail="奶奶", name="张奶奶", phone="13912345678"))
    at = logged_in("helper").switch_page("pages/my_pairings.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["我的结对"]
    text = " ".join(str(e.value) for e in [*at.markdown, *at.caption])
    assert "#### 张小明" in text
    assert "王小红" not in text and "赵小刚" not in text
    assert "**联系**：奶奶 张奶奶 :material/call: [13912345678](tel:13912345678)" in text
    assert "**最近帮扶**：还没有帮扶记录" in text
    assert "**下一步**：" in text
    assert any(badge in text for badge in ("[正常]", "[需关注]", "[新结对]"))  # by local_today()


def test_helper_account_without_a_helper_record_is_told_whom_to_ask(world, engine):
    with Session(engine) as session, session.begin():
        make_user(session, "newhelper", Role.helper, display_name="新老师")
    at = logged_in("newhelper").switch_page("pages/my_pairings.py").run()
    assert not at.exception
    assert "还没有关联帮扶人档案" in at.info[0].value
    assert not any(name in str(m.value) for m in at.markdown for name in world.child_names)


def test_child_page_pairing_tab_lists_the_helper(world, engine):
    at = logged_in("coordinator")
    at.query_params["child"] = str(_id_of(engine, Child, "张小明"))
    at = at.switch_page("pages/roster.py").run()
    assert not at.exception
    assert "结对" in [tab.label for tab in at.tabs]
    history = next(df.value for df in at.dataframe if "帮扶人" in df.value.columns)
    assert history.to_dict("records") == [{"帮扶人": "李老师（教师）", "开始日期": "2026-03-01",
                                           "结束日期": "进行中", "结束原因": ""}]
    adjust = at.selectbox(key=f"child_pairing_{_id_of(engine, Child, '张小明')}")
    assert adjust.label == "调整结对" and adjust.value.helper_name == "李老师"


def test_a_new_unassessed_child_is_listed_before_green_ones(world, engine):
    from core.vocab import RiskLevel

    with Session(engine) as session, session.begin():
        for child in session.scalars(select(Child)):
            child.risk_level = RiskLevel.green
        village = session.scalar(select(OrgUnit).where(OrgUnit.name == "新村"))
        make_child(session, village=village, name="新来的")  # not assessed yet
    at = _board("admin")
    assert not at.exception
    assert _waiting_names(at) == ["新来的", "王小红", "赵小刚"]


def test_the_board_search_finds_a_waiting_child_by_initials(world, engine):
    at = _board("admin")
    at.text_input(key="board_q").input("zxg").run()  # 赵小刚
    assert not at.exception
    assert _waiting_names(at) == ["赵小刚"]
    assert "共 1 人待结对" in " ".join(c.value for c in at.caption)
    # picking the one found child shows that child's suggestions, not the first of the full list
    _pick_rows(at, [0])
    assert "为 赵小刚 推荐的帮扶人" in " ".join(m.value for m in at.markdown)


def test_a_search_that_finds_nobody_says_so_instead_of_all_paired(world):
    at = _board("admin")
    at.text_input(key="board_q").input("张小明").run()  # paired already: not waiting
    assert not at.exception
    assert not [df for df in at.dataframe if (df.key or "").startswith("board_waiting_")]
    assert "没有与“张小明”相符的" in " ".join(i.value for i in at.info)
    assert "都已结对" not in " ".join(s.value for s in at.success)
