"""儿童档案 through AppTest: list, filter, add, stale edit refused, archive."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.vocab import Gender, OrgKind, RiskLevel
from db.models import Child, OrgUnit
from tests.app.conftest import logged_in
from tests.factories import make_child, make_org


def _roster(username: str, **params: str):
    at = logged_in(username)
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page("pages/roster.py").run()


def _table_names(at) -> list[str]:
    frame = at.dataframe[0].value
    data = getattr(frame, "data", frame)  # a Styler keeps its frame in .data
    return [name.removeprefix("⚠ ") for name in data["姓名"]]


def test_coordinator_sees_only_their_township(world):
    at = _roster("coordinator")
    assert not at.exception
    assert sorted(_table_names(at)) == ["张小明", "王小红"]


def test_helper_sees_only_the_paired_child_and_cannot_add(world):
    at = _roster("helper")
    assert _table_names(at) == ["张小明"]
    assert [tab.label for tab in at.tabs] == ["名单"]


def test_filters_come_from_the_url(world):
    at = _roster("admin", q="zxg")  # pinyin initials of 赵小刚
    assert _table_names(at) == ["赵小刚"]
    assert at.text_input(key="roster_q").value == "zxg"


def test_an_empty_result_says_what_to_do(world):
    at = _roster("admin", q="nobody")
    assert "没有符合条件的儿童" in at.info[0].value


def test_quick_entry_adds_a_child_who_appears_in_the_list(world, engine):
    at = _roster("coordinator")
    at.text_input(key="new_child_0_name").input("林小雨")
    at.segmented_control(key="new_child_0_gender").set_value(Gender.female)
    at.date_input(key="new_child_0_birth").set_value(date(2015, 3, 2))
    with Session(engine) as session:
        village_id = session.scalar(select(OrgUnit.id).where(OrgUnit.name == "李家村"))
    at.selectbox(key="new_child_0_village").set_value(village_id)
    at.button(key="FormSubmitter:new_child_0-保存").click().run()
    assert not at.exception
    assert any("已保存" in s.value for s in at.success), [e.value for e in at.error]
    with Session(engine) as session:
        child = session.scalar(select(Child).where(Child.name == "林小雨"))
        assert child.name_initials == "lxy"
    at.run()
    assert "林小雨" in _table_names(at)


def test_quick_entry_with_missing_fields_names_them_and_saves_nothing(world, engine):
    at = _roster("coordinator")
    at.text_input(key="new_child_0_name").input("林小雨")
    at.button(key="FormSubmitter:new_child_0-保存").click().run()
    message = at.error[0].value
    assert "性别" in message
    assert "出生日期" in message
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 3


def test_a_stale_edit_is_refused_and_the_input_kept(world, engine):
    with Session(engine) as session:
        child_id = session.scalar(select(Child.id).where(Child.name == "张小明"))
    at = _roster("coordinator", child=str(child_id))
    assert at.title[0].value == "张小明"
    form_key = f"edit_child_{child_id}"
    at.text_input(key=f"{form_key}_grade").input("五年级")
    with Session(engine) as session, session.begin():  # someone else saves first
        session.get(Child, child_id).hobbies = "画画"
    at.button(key=f"FormSubmitter:{form_key}-保存修改").click().run()
    assert any("已被其他人修改" in e.value for e in at.error)
    assert at.text_input(key=f"{form_key}_grade").value == "五年级"
    with Session(engine) as session:
        saved = session.get(Child, child_id)
        assert (saved.grade, saved.hobbies) == (None, "画画")


def test_archive_from_the_child_page(world, engine):
    with Session(engine) as session:
        child_id = session.scalar(select(Child.id).where(Child.name == "王小红"))
    at = _roster("coordinator", child=str(child_id))
    at.button(key=f"FormSubmitter:archive_{child_id}-归档").click().run()
    assert not at.exception
    with Session(engine) as session:
        assert session.get(Child, child_id).archived_at is not None


def test_viewer_cannot_open_the_roster(world):
    at = logged_in("viewer")
    try:
        at.switch_page("pages/roster.py").run()
    except ValueError:
        return
    assert "不能打开此页面" in " ".join(e.value for e in at.error)



def test_grade_and_class_filters_come_from_the_url(world, engine):
    with Session(engine) as session, session.begin():
        for child in session.scalars(select(Child)):
            child.grade, child.class_name = "三年级", "2班" if child.name == "王小红" else "1班"
    at = _roster("admin", grade="三年级", cls="2班")
    assert _table_names(at) == ["王小红"]
    assert at.text_input(key="roster_cls").value == "2班"


def _enter(at, engine, *, name: str, birth: date, id_number: str = "") -> None:
    at.text_input(key="new_child_0_name").input(name)
    at.segmented_control(key="new_child_0_gender").set_value(Gender.male)
    at.date_input(key="new_child_0_birth").set_value(birth)
    if id_number:
        at.text_input(key="new_child_0_id").input(id_number)
    with Session(engine) as session:
        village_id = session.scalar(select(OrgUnit.id).where(OrgUnit.name == "李家村"))
    at.selectbox(key="new_child_0_village").set_value(village_id)
    at.button(key="FormSubmitter:new_child_0-保存").click().run()


def _children(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Child))


def test_entering_a_child_who_exists_links_to_the_record(world, engine):
    at = _roster("coordinator")
    _enter(at, engine, name="王小红", birth=date(2015, 3, 1))
    assert not at.exception
    assert "疑似重复" in at.error[0].value and "王小红" in at.error[0].value
    [link] = [e for e in at.get("page_link") if "打开已有档案" in e.proto.label]
    with Session(engine) as session:
        existing = session.scalar(select(Child.id).where(Child.name == "王小红"))
    assert f"child={existing}" in link.proto.query_string
    assert _children(engine) == 3


def test_a_duplicate_outside_ones_scope_is_refused_without_a_name_or_link(world, engine):
    id_number = "110101201503010015"  # a valid checksum, born 2015-03-01, a boy
    with Session(engine) as session, session.begin():
        session.scalar(select(Child).where(Child.name == "赵小刚")).id_number = id_number
    at = _roster("coordinator")
    _enter(at, engine, name="赵小明", birth=date(2015, 3, 1), id_number=id_number)
    assert not at.exception
    message = at.error[0].value
    assert "管辖范围外" in message and "赵小刚" not in message
    assert not [e for e in at.get("page_link") if "打开已有档案" in e.proto.label]
    assert _children(engine) == 3


def test_the_counted_only_switch_lists_a_units_own_children(world, engine):
    """赵小刚 lives in 东乡 and studies at 石门镇's school: 石门镇 serves him, 东乡 counts him."""
    with Session(engine) as session, session.begin():
        school = make_org(session, "石门镇中心小学", OrgKind.school,
                          parent=session.get(OrgUnit, world.town_id))
        child = session.scalar(select(Child).where(Child.name == "赵小刚"))
        child.school_id = school.id
    served = _roster("admin", org=str(world.town_id))
    assert not served.exception
    assert sorted(_table_names(served)) == ["张小明", "王小红", "赵小刚"]
    assert served.toggle(key="roster_home").value is False
    served.toggle(key="roster_home").set_value(True).run()
    assert sorted(_table_names(served)) == ["张小明", "王小红"]
    assert served.query_params["home"] in ("1", ["1"])
    # A bar of 总览 opens the list this way: the URL alone turns the switch on.
    counted = _roster("admin", org=str(world.town_id), home="1")
    assert counted.toggle(key="roster_home").value is True
    assert sorted(_table_names(counted)) == ["张小明", "王小红"]
    everyone = _roster("admin", home="1")  # without a unit the switch means nothing
    assert sorted(_table_names(everyone)) == ["张小明", "王小红", "赵小刚"]


def _set_risks(engine, risks: dict[str, RiskLevel | None]) -> None:
    with Session(engine) as session, session.begin():
        for child in session.scalars(select(Child)):
            child.risk_level = risks.get(child.name, child.risk_level)


def test_the_list_puts_red_and_yellow_first_and_unassessed_before_green(world, engine):
    """Alphabetical would put 王小红 (green) first; 赵小刚 未评估 must not sink below her."""
    _set_risks(engine, {"王小红": RiskLevel.green, "张小明": RiskLevel.red, "赵小刚": None})
    at = _roster("admin")
    assert not at.exception
    assert _table_names(at) == ["张小明", "赵小刚", "王小红"]
    _set_risks(engine, {"王小红": RiskLevel.yellow, "张小明": RiskLevel.blue})
    assert _table_names(at.run()) == ["王小红", "赵小刚", "张小明"]


def _child_id(engine, name: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(Child.id).where(Child.name == name))


def test_clicking_a_childs_name_opens_the_record(world, engine):
    at = _roster("coordinator")
    names = _table_names(at)
    row = names.index("王小红")
    table = at.dataframe[0]
    # A click on the name cell, as the browser reports it (no checkbox involved).
    at.session_state[table.key] = {"selection": {"rows": [], "columns": [],
                                                 "cells": [[row, "姓名"]]}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "王小红"
    assert at.query_params["child"] in (str(_child_id(engine, "王小红")),
                                        [str(_child_id(engine, "王小红"))])


def test_the_row_checkbox_still_opens_the_record(world, engine):
    at = _roster("coordinator")
    row = _table_names(at).index("张小明")
    at.session_state[at.dataframe[0].key] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert at.title[0].value == "张小明"


def _captions(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_paging_goes_forward_and_back_with_buttons_and_a_count(world, engine):
    from components.roster.roster_list import PAGE_SIZE

    with Session(engine) as session, session.begin():
        village = session.scalar(select(OrgUnit).where(OrgUnit.name == "李家村"))
        for n in range(PAGE_SIZE):  # 50 more in 石门镇: 52 in all, two pages
            make_child(session, village=village, name=f"孩子{n:02d}")
    at = _roster("coordinator")
    assert not at.exception
    assert not at.number_input  # no page-number spinner any more
    assert "第 1/2 页\uff0c共 52 人" in _captions(at)
    assert at.button(key="roster_page_prev").disabled
    first_page = _table_names(at)
    assert len(first_page) == PAGE_SIZE
    at.button(key="roster_page_next").click().run()
    assert not at.exception
    assert "第 2/2 页\uff0c共 52 人" in _captions(at)
    assert at.button(key="roster_page_next").disabled
    second_page = _table_names(at)
    assert len(second_page) == 2 and not set(second_page) & set(first_page)
    # A click on the second page opens the child of that page, not of the first.
    at.session_state[at.dataframe[0].key] = {"selection": {"rows": [], "columns": [],
                                                           "cells": [[1, "姓名"]]}}
    at.run()
    assert at.title[0].value == second_page[1]
    at = _roster("coordinator")
    at.button(key="roster_page_next").click().run()
    at.button(key="roster_page_prev").click().run()
    assert "第 1/2 页" in _captions(at) and _table_names(at) == first_page


def test_narrowing_the_filter_on_a_later_page_starts_again_at_page_one(world, engine):
    from components.roster.roster_list import PAGE_SIZE

    with Session(engine) as session, session.begin():
        village = session.scalar(select(OrgUnit).where(OrgUnit.name == "李家村"))
        for n in range(PAGE_SIZE):
            make_child(session, village=village, name=f"孩子{n:02d}")
    at = _roster("coordinator")
    at.button(key="roster_page_next").click().run()
    at.text_input(key="roster_q").input("王小红").run()
    assert not at.exception
    assert _table_names(at) == ["王小红"]
    assert "第 1/1 页\uff0c共 1 人" in _captions(at)
