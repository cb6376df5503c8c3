"""活动 in AppTest: the new form shows 人次 before saving and saves once; the list; kinds."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from config import local_today
from db.models import Activity, ActivityKindRow, Attendance, Child, OrgUnit
from services.access.permissions import Actor
from services.care import activities, photos
from services.care.activity_checks import ActivityInput
from tests.app.conftest import logged_in

NEW = "act_new_0"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(folder))
    return folder


def _page(username: str = "coordinator") -> AppTest:
    return logged_in(username).switch_page("pages/activities.py").run()


def _id_of(engine, model, name: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(model.id).where(model.name == name))


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def _person_times_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**人次**"))


def _fill(at: AppTest, engine, *, title: str = "防溺水安全教育讲座", extra: int = 20) -> AppTest:
    at.text_input(key=f"{NEW}_search").input("张").run()
    at.multiselect(key=f"{NEW}_children").set_value([_id_of(engine, Child, "张小明")]).run()
    at.number_input(key=f"{NEW}_extra").set_value(extra).run()
    return at.text_input(key=f"{NEW}_title").input(title).run()


def test_new_activity_shows_person_times_before_saving_then_saves(world, engine):
    at = _page()
    assert not at.exception
    assert [t.label for t in at.tabs][:4] == ["活动列表", "新建活动", "导入", "导出"]
    assert "参加儿童 0 + 其他 0" in _person_times_line(at)
    _fill(at, engine)
    assert "参加儿童 1 + 其他 20 = :blue-background[**21 人次**]" in _person_times_line(at)
    assert _count(engine, Activity) == 0  # shown, not yet saved

    at.button(key=f"{NEW}_save").click().run()

    assert "已保存活动“防溺水安全教育讲座”：1场，21人次。" in " ".join(s.value for s in at.success)
    with Session(engine) as session:
        saved = session.scalars(select(Activity)).one()
        assert (saved.extra_person_times, saved.org_unit_id) == (20, world.town_id)
        assert session.scalar(select(Attendance.child_id)) == _id_of(engine, Child, "张小明")
    assert at.text_input(key="act_new_1_title").value == ""  # the next one starts empty


def test_refused_save_keeps_everything_typed(world, engine):
    at = _fill(_page(), engine, title="   ")
    at.button(key=f"{NEW}_save").click().run()
    assert "名称:必填" in " ".join(e.value for e in at.error)
    assert _count(engine, Activity) == 0
    assert at.number_input(key=f"{NEW}_extra").value == 20
    assert at.multiselect(key=f"{NEW}_children").value == [_id_of(engine, Child, "张小明")]


def test_a_second_click_with_the_same_token_saves_nothing_more(world, engine):
    at = _fill(_page(), engine)
    token = at.session_state[f"{NEW}_token"]
    at.button(key=f"{NEW}_save").click().run()
    # As if the first click's state changes were lost: the same form and token, clicked again.
    at.session_state["activity_new_round"] = 0
    at.session_state[f"{NEW}_token"] = token
    at = _fill(at.run(), engine, title="防溺水安全教育讲座(重复)")
    at.button(key=f"{NEW}_save").click().run()
    assert _count(engine, Activity) == 1
    assert _count(engine, Attendance) == 1


def test_a_whole_village_is_taken_then_one_child_unticked(world, engine):
    at = _page()
    at.selectbox(key=f"{NEW}_group").set_value("village").run()
    village = _id_of(engine, OrgUnit, "李家村")
    at.selectbox(key=f"{NEW}_village").set_value(village).run()
    at.button(key=f"{NEW}_take").click().run()
    taken = at.multiselect(key=f"{NEW}_children").value
    assert len(taken) == 2
    assert "参加儿童 2 + 其他 0" in _person_times_line(at)
    at.multiselect(key=f"{NEW}_children").unselect(_id_of(engine, Child, "王小红")).run()
    assert "参加儿童 1 + 其他 0" in _person_times_line(at)


def _image() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (40, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_list_shows_totals_and_an_activity_with_its_photo(world, engine, data_dir):
    actor = Actor.system("t")
    held = local_today() - timedelta(days=3)
    with Session(engine) as session, session.begin():
        child = session.scalar(select(Child).where(Child.name == "张小明"))
        activity = activities.create_activity(session, actor=actor, today=local_today(),
                                              data=ActivityInput(
            kind="festival_visit", title="中秋慰问", held_on=held, org_unit_id=world.town_id,
            sessions=2, extra_person_times=9, child_ids=(child.id,)))
        photos.save_photo(session, actor=actor, activity_id=activity.id, filename="合影.png",
                          data=_image(), caption="集体合影")
    assert len(list(data_dir.rglob("*.png"))) == 1

    at = _page()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["场次"], metrics["人次"]) == ("2 场", "10")
    table = next(df for df in at.dataframe if (df.key or "").startswith("activities_table_"))
    assert list(table.value["人次"]) == [10]
    at.session_state[table.key] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception
    assert "中秋慰问（节日慰问）" in [h.value for h in at.subheader]
    assert any("参加儿童 1 + 其他 9" in m.value for m in at.markdown)

    images = at.get("image")
    assert [i.captions for i in images] == [["集体合影"]]


def test_helpers_and_viewers_do_not_get_the_page(world):
    for role in ("helper", "viewer"):
        with pytest.raises(ValueError):  # noqa: PT011 - AppTest's own error for a hidden page
            logged_in(role).switch_page("pages/activities.py")


def _kinds_app() -> AppTest:
    def script() -> None:
        from components.care.admin_activity_kinds import render_activity_kinds
        from components.common.feedback import show_flash
        from services.access.permissions import Actor

        show_flash()
        render_activity_kinds(Actor.system("admin"))

    return AppTest.from_function(script, default_timeout=60).run()


def test_admin_adds_a_kind_and_the_form_offers_it(world, engine):
    at = _kinds_app()
    assert not at.exception
    at.text_input[0].input("研学旅行")
    at.button[0].click().run()
    assert "已新增活动类型“研学旅行”。" in " ".join(s.value for s in at.success)
    with Session(engine) as session:
        assert session.scalar(select(ActivityKindRow.code).where(
            ActivityKindRow.label_zh == "研学旅行")) == "custom_1"
    form = _page("admin")
    assert "研学旅行" in form.selectbox(key=f"{NEW}_kind").options


def test_a_duplicate_kind_is_refused_in_chinese(world):
    at = _kinds_app()
    at.text_input[0].input("安全教育")
    at.button[0].click().run()
    assert "已有活动类型“安全教育”" in " ".join(e.value for e in at.error)


def _select_first_row(at: AppTest) -> AppTest:
    table = next(df for df in at.dataframe if (df.key or "").startswith("activities_table_"))
    at.session_state[table.key] = {"selection": {"rows": [0], "columns": []}}
    return at.run()


def _saved_activity(engine, world, **overrides) -> int:
    values = {"kind": "festival_visit", "title": "中秋慰问",
              "held_on": local_today() - timedelta(days=3), "org_unit_id": world.town_id,
              "extra_person_times": 9}
    with Session(engine) as session, session.begin():
        child = session.scalar(select(Child).where(Child.name == "张小明"))
        data = ActivityInput(**(values | overrides), child_ids=(child.id,))
        return activities.create_activity(session, actor=Actor.system(), data=data,
                                          today=local_today()).id


def test_an_activity_is_edited_from_its_details(world, engine):
    activity_id = _saved_activity(engine, world)
    at = _select_first_row(_page())
    prefix = f"act_edit_{activity_id}_1"
    assert at.number_input(key=f"{prefix}_extra").value == 9
    at.number_input(key=f"{prefix}_extra").set_value(30).run()
    assert any("参加儿童 1 + 其他 30 = :blue-background[**31 人次**]" in m.value
               for m in at.markdown)
    at.button(key=f"{prefix}_save").click().run()
    assert "已保存修改：1场，31人次。" in " ".join(s.value for s in at.success)
    with Session(engine) as session:
        saved = session.get(Activity, activity_id)
        assert (saved.extra_person_times, saved.version) == (30, 2)


def test_an_activity_is_archived_from_its_details(world, engine):
    activity_id = _saved_activity(engine, world)
    at = _select_first_row(_page())
    at.button(key=f"FormSubmitter:activity_archive_{activity_id}-归档").click().run()
    assert "已归档活动“中秋慰问”。" in " ".join(s.value for s in at.success)
    assert any("这段时间还没有活动记录" in i.value for i in at.info)
    with Session(engine) as session:
        assert session.get(Activity, activity_id).archive_reason == "重复登记"
