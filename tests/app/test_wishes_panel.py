"""The 心愿 panel in AppTest: empty states, collecting, a drive's progress, take and fulfil."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.session import ACTOR_KEY, LANG_KEY
from db.models import Child, Wish, WishDrive
from services.permissions import Actor
from services.vocab import Role, WishStatus
from services.wishes import collect_wish, create_drive, fulfil_wish, take_wish

TODAY = date(2026, 11, 28)


def _panel() -> None:
    """The panel alone, as pages/resources.py shows it in its 心愿 tab."""
    from datetime import date

    import streamlit as st

    from components.session import ACTOR_KEY
    from components.wishes_panel import render_wishes

    render_wishes(st.session_state[ACTOR_KEY], date(2026, 11, 28))


def _app(actor: Actor) -> AppTest:
    at = AppTest.from_function(_panel, default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


@pytest.fixture
def coordinator(world) -> Actor:
    return Actor(user_id=None, username="coordinator", role=Role.coordinator,
                 org_unit_id=world.town_id)


def _texts(elements) -> str:
    return " ".join(e.value for e in elements)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _seed(engine, *wishes: tuple[str, str, WishStatus], drive: bool = False,
          photo: bool = False) -> int | None:
    """Wishes as (child, content, status), made by an admin; returns the drive's id if asked."""
    system = Actor.system()
    with Session(engine) as session, session.begin():
        drive_id = create_drive(session, actor=system, name="六一微心愿",
                                starts_on=date(2026, 5, 1),
                                ends_on=date(2026, 6, 15)).id if drive else None
        for name, content, status in wishes:
            child = session.scalar(select(Child).where(Child.name == name))
            wish = collect_wish(session, actor=system, child_id=child.id, content=content,
                                collected_on=date(2026, 5, 10), today=TODAY, drive_id=drive_id)
            if status is WishStatus.taken:
                take_wish(session, actor=system, wish_id=wish.id, expected_version=1,
                          taken_on=date(2026, 5, 20), today=TODAY, donor="陈女士")
            elif status is WishStatus.fulfilled:
                fulfil_wish(session, actor=system, wish_id=wish.id, expected_version=1,
                            fulfilled_on=date(2026, 6, 1), today=TODAY, donor="陈女士",
                            photo=("满愿.png", _png()) if photo else None)
    return drive_id


def _status(engine) -> list[tuple[str, WishStatus, str | None]]:
    with Session(engine) as session:
        return [tuple(r) for r in session.execute(
            select(Wish.content, Wish.status, Wish.fulfilled_by).order_by(Wish.id))]


def test_without_drives_or_wishes_it_says_what_to_do(world, coordinator):
    at = _app(coordinator)
    assert not at.exception
    infos = _texts(at.info)
    assert "还没有心愿活动" in infos
    assert "还没有心愿。在上方“征集心愿”中" in infos
    assert [e.label for e in at.expander][:2] == ["新建心愿活动", "征集心愿"]


def test_a_coordinator_collects_a_wish_for_a_child_in_scope(world, engine, coordinator):
    at = _app(coordinator)
    at.text_input(key="wish_child_search").input("zxm").run()
    assert at.selectbox(key="wish_child").options == ["张小明(李家村)"]
    at.text_input(key="wish_content").input("一个新书包")
    at.number_input(key="wish_cost").set_value(89.0)
    at.button(key="FormSubmitter:wish_new-保存心愿").click().run()
    assert not at.exception
    assert "已记录张小明(李家村)的心愿" in _texts(at.success)
    assert _status(engine) == [("一个新书包", WishStatus.collected, None)]
    assert list(at.dataframe[0].value["心愿"]) == ["一个新书包"]


def test_an_empty_wish_is_refused_in_chinese(world, engine, coordinator):
    at = _app(coordinator)
    at.button(key="FormSubmitter:wish_new-保存心愿").click().run()
    assert "请填写心愿内容" in _texts(at.error)
    assert _status(engine) == []


def test_a_drive_shows_its_progress_and_the_children_still_waiting(world, engine, coordinator):
    drive_id = _seed(engine, ("张小明", "一个篮球", WishStatus.fulfilled),
                     ("王小红", "一套课外书", WishStatus.taken),
                     ("赵小刚", "另一个镇的心愿", WishStatus.collected), drive=True)
    at = _app(coordinator)
    at.selectbox(key="wish_drive").select(drive_id).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {"已征集": "2", "已认领": "2", "已实现": "1"}
    assert [bar.proto.text for bar in at.get("progress")] == ["已实现 1/2 (50.0%)"]
    waiting = at.dataframe[0].value
    assert list(waiting["儿童"]) == ["王小红"]
    assert list(waiting["状态"]) == ["已认领，待实现"]


def test_take_then_fulfil_from_the_panel(world, engine, coordinator):
    _seed(engine, ("王小红", "一套课外书", WishStatus.collected))
    at = _app(coordinator)
    wish_id = at.selectbox(key="wish_pick").value
    at.text_input(key=f"wish_take_{wish_id}_donor").input("爱心人士陈女士")
    at.button(key=f"FormSubmitter:wish_take_{wish_id}-确认认领").click().run()
    assert "已登记认领" in _texts(at.success)
    assert _status(engine) == [("一套课外书", WishStatus.taken, "爱心人士陈女士")]
    at.button(key=f"FormSubmitter:wish_fulfil_{wish_id}-确认已实现").click().run()
    assert "已登记王小红的心愿已实现" in _texts(at.success)
    assert _status(engine) == [("一套课外书", WishStatus.fulfilled, "爱心人士陈女士")]
    assert "已于2026-11-28由爱心人士陈女士实现" in _texts(at.success)


def test_a_fulfilled_wish_shows_its_photo(world, engine, coordinator):
    _seed(engine, ("张小明", "一个篮球", WishStatus.fulfilled), photo=True)
    at = _app(coordinator)
    assert not at.exception
    (image,) = at.get("image")
    assert image.captions == ["张小明的满愿照片"]


def test_a_stale_fulfilment_is_refused(world, engine, coordinator):
    _seed(engine, ("王小红", "一套课外书", WishStatus.collected))
    at = _app(coordinator)
    wish_id = at.selectbox(key="wish_pick").value
    with Session(engine) as session, session.begin():  # someone else takes it meanwhile
        take_wish(session, actor=Actor.system(), wish_id=wish_id, expected_version=1,
                  taken_on=TODAY, today=TODAY, donor="别人")
    at.button(key=f"FormSubmitter:wish_fulfil_{wish_id}-确认已实现").click().run()
    assert "已被其他人修改" in _texts(at.error)
    assert _status(engine) == [("一套课外书", WishStatus.taken, "别人")]


def test_a_taken_wish_can_be_released(world, engine, coordinator):
    _seed(engine, ("王小红", "一套课外书", WishStatus.taken))
    at = _app(coordinator)
    wish_id = at.selectbox(key="wish_pick").value
    at.button(key=f"FormSubmitter:wish_release_{wish_id}-取消认领").click().run()
    assert "已取消认领" in _texts(at.success)
    assert _status(engine) == [("一套课外书", WishStatus.collected, None)]


def test_a_drive_is_started_edited_and_archived_from_the_panel(world, engine, coordinator):
    at = _app(coordinator)
    at.text_input(key="wish_drive_name").input("六一微心愿")
    at.button(key="FormSubmitter:wish_drive_new-新建").click().run()
    assert "已新建心愿活动“六一微心愿”" in _texts(at.success)
    with Session(engine) as session:
        drive = session.scalar(select(WishDrive))
        assert drive.org_unit_id == world.town_id
    at.selectbox(key="wish_drive").select(drive.id).run()
    assert "该活动还没有心愿" in _texts(at.info)
    at.text_input(key=f"wish_drive_edit_{drive.id}_name").input("六一“微心愿”满愿行动")
    at.button(key=f"FormSubmitter:wish_drive_edit_{drive.id}-保存修改").click().run()
    assert "已保存修改" in _texts(at.success)
    at.button(key=f"FormSubmitter:wish_drive_archive_{drive.id}-归档").click().run()
    assert "已归档心愿活动“六一“微心愿”满愿行动”" in _texts(at.success)
    assert at.selectbox(key="wish_drive").options == ["全部心愿"]


def test_a_wish_without_an_estimate_shows_a_dash_not_none(world, engine, coordinator):
    _seed(engine, ("张小明", "一个新书包", WishStatus.collected))
    with Session(engine) as session, session.begin():
        child = session.scalar(select(Child).where(Child.name == "王小红"))
        collect_wish(session, actor=Actor.system(), child_id=child.id, content="一套课外书",
                     collected_on=date(2026, 5, 10), today=TODAY, estimated_cost_yuan=8300)
    at = _app(coordinator)
    assert not at.exception
    table = at.dataframe[0].value
    costs = dict(zip(table["心愿"], table["预计金额（元）"], strict=True))
    assert costs == {"一个新书包": "—", "一套课外书": "8,300.00"}
    assert "None" not in table.to_string() and "nan" not in table.to_string()


def test_in_english_the_panel_shows_no_chinese_of_its_own(world, engine, coordinator):
    _seed(engine, ("王小红", "一套课外书", WishStatus.taken))
    at = AppTest.from_function(_panel, default_timeout=60)
    at.session_state[ACTOR_KEY] = coordinator
    at.session_state[LANG_KEY] = "en"
    at.run()
    assert not at.exception
    assert [e.label for e in at.expander][:2] == ["New wish drive", "Collect a wish"]
    table = at.dataframe[0].value
    assert list(table["Status"]) == ["Taken"]
    assert list(table["Estimated cost (yuan)"]) == ["—"]
    assert at.selectbox(key="wish_pick").options == ["王小红: 一套课外书 (Taken)"]
