"""需求 in AppTest: counts, recording, link › resolve from the list, overdue first, a stale save,
a need recorded from 帮扶记录 › 最近记录, and the tab on 需求与资源.

The panel runs in a small script (AppTest.from_function) with the actor in session state, as
app.py leaves it; the last test goes through pages/resources.py once its other panels exist.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.common.session import ACTOR_KEY
from config import local_today
from core.vocab import ContactKind, NeedKind, NeedStatus
from db.models import CareContact, Child, Helper, User
from db.models.resources import Need, ResourceProvider
from services.access.permissions import Actor
from services.access.users import actor_for
from services.resources.needs import link_need
from tests.app.conftest import logged_in

TODAY = local_today()


def _needs_script(today_iso: str) -> None:
    import datetime

    from components.common.feedback import show_flash
    from components.common.session import current_actor
    from components.resources.needs_panel import render_needs

    show_flash()
    render_needs(current_actor(), datetime.date.fromisoformat(today_iso))


def _recent_script(today_iso: str) -> None:
    import datetime

    from components.care.contact_list import render_recent_contacts
    from components.common.feedback import show_flash
    from components.common.session import current_actor

    show_flash()
    render_recent_contacts(current_actor(), datetime.date.fromisoformat(today_iso))


def _actor(engine, username: str = "coordinator") -> Actor:
    with Session(engine) as session:
        return actor_for(session, session.scalar(select(User).where(User.username == username)))


def _app(engine, script=_needs_script, username: str = "coordinator") -> AppTest:
    at = AppTest.from_function(script, args=(TODAY.isoformat(),), default_timeout=60)
    at.session_state[ACTOR_KEY] = _actor(engine, username)
    return at.run()


def _need(engine, child: str = "张小明", **fields: object) -> int:
    with Session(engine) as session, session.begin():
        child_id = session.scalar(select(Child.id).where(Child.name == child))
        values: dict[str, object] = {"kind": NeedKind.assistive_device, "found_on": TODAY,
                                     "description": "需要轮椅"}
        values.update(fields)
        need = Need(child_id=child_id, **values)
        session.add(need)
        session.flush()
        return need.id


def _provider(engine, name: str = "潮汕商会") -> None:
    with Session(engine) as session, session.begin():
        session.add(ResourceProvider(name=name, offers="辅具"))


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _texts(at) -> str:
    return " ".join(str(e.value) for e in [*at.success, *at.error, *at.info, *at.warning])


def _submit(at, prefix: str) -> None:
    next(b for b in at.button if (b.key or "").startswith(f"FormSubmitter:{prefix}")) \
        .click().run()


def test_a_coordinator_records_a_need_and_sees_it_counted(world, engine):
    at = _app(engine)
    assert not at.exception
    assert _metrics(at)["待对接"] == "0"
    at.text_input(key="need_child_search").input("王小红").run()
    at.text_area(key="need_record_description").input("家庭生活困难,需要助学金")
    at.selectbox(key="need_record_kind").set_value(NeedKind.economic)
    _submit(at, "need_record")
    assert not at.exception
    assert "已登记需求：王小红 · 经济困难。" in _texts(at)
    assert _metrics(at)["待对接"] == "1"
    with Session(engine) as session:
        need = session.scalars(select(Need)).one()
        assert (need.kind, need.status, need.description) == (
            NeedKind.economic, NeedStatus.open, "家庭生活困难,需要助学金")


def test_a_need_without_a_description_is_refused(world, engine):
    at = _app(engine)
    _submit(at, "need_record")
    assert "请简要描述需求" in _texts(at)
    with Session(engine) as session:
        assert session.scalars(select(Need)).all() == []


def test_link_then_resolve_from_the_list(world, engine):
    need_id = _need(engine)
    _provider(engine)
    at = _app(engine)
    at.selectbox(key="need_pick").select_index(0).run()
    at.text_input(key=f"need_{need_id}_1_asked").input("捐赠轮椅一台")
    _submit(at, f"need_{need_id}_1_form")
    assert "已对接资源方：潮汕商会。" in _texts(at)
    assert _metrics(at)["已对接"] == "1"
    at.selectbox(key="need_pick").select_index(0).run()
    at.radio(key=f"need_{need_id}_2_move").set_value(NeedStatus.resolved).run()
    _submit(at, f"need_{need_id}_2_form")
    assert "请填写" in _texts(at)  # a resolution is required
    at.text_input(key=f"need_{need_id}_2_text").input("商会捐赠轮椅,已送到家")
    _submit(at, f"need_{need_id}_2_form")
    assert "需求已解决。" in _texts(at)
    assert (_metrics(at)["已解决"], _metrics(at)["已对接"]) == ("1", "0")
    with Session(engine) as session:
        need = session.get(Need, need_id)
        assert (need.status, need.resolution) == (NeedStatus.resolved, "商会捐赠轮椅,已送到家")


def test_overdue_needs_come_first_and_are_counted(world, engine):
    _need(engine, "张小明")
    _need(engine, "王小红", found_on=TODAY - timedelta(days=30), due_on=TODAY - timedelta(days=1))
    _need(engine, "赵小刚", due_on=TODAY - timedelta(days=1))  # another town: not in scope
    at = _app(engine)
    table = at.dataframe[0].value
    assert list(table["儿童"]) == ["王小红", "张小明"]
    assert list(table["逾期"]) == ["逾期1天", ""]
    assert _metrics(at)["逾期"] == "1"
    assert "其中 1 项已过期限" in " ".join(c.value for c in at.caption)


def test_a_stale_save_is_refused(world, engine):
    need_id = _need(engine)
    at = _app(engine)
    at.selectbox(key="need_pick").select_index(0).run()
    at.radio(key=f"need_{need_id}_1_move").set_value(NeedStatus.closed).run()
    with Session(engine) as session, session.begin():
        session.add(ResourceProvider(name="应急志愿者协会"))
        session.flush()
        link_need(session, actor=_actor(engine), need_id=need_id, expected_version=1,
                  provider_id=session.scalar(select(ResourceProvider.id)), asked="上门看望",
                  today=TODAY)
    at.text_input(key=f"need_{need_id}_1_text").input("重复登记")
    _submit(at, f"need_{need_id}_1_form")
    assert "已被其他人修改" in _texts(at)
    with Session(engine) as session:
        assert session.get(Need, need_id).status is NeedStatus.linked


def test_a_need_found_on_a_visit_is_recorded_from_the_recent_contacts(world, engine):
    with Session(engine) as session, session.begin():
        child = session.scalar(select(Child).where(Child.name == "张小明"))
        helper = session.scalar(select(Helper))
        contact = CareContact(child_id=child.id, helper_id=helper.id,
                              kind=ContactKind.home_visit,
                              contact_date=TODAY - timedelta(days=2))
        session.add(contact)
        session.flush()
        contact_id = contact.id
    at = _app(engine, _recent_script)
    at.selectbox(key="recent_contact_pick").select_index(0).run()
    key = f"contact_need_{contact_id}"
    at.text_area(key=f"{key}_description").input("异地入学需协调")
    at.selectbox(key=f"{key}_kind").set_value(NeedKind.schooling_transfer)
    _submit(at, key)
    assert "已登记发现的需求。" in _texts(at)
    with Session(engine) as session:
        need = session.scalars(select(Need)).one()
        assert (need.care_contact_id, need.found_on, need.kind) == (
            contact_id, TODAY - timedelta(days=2), NeedKind.schooling_transfer)


def test_the_needs_tab_opens_first_on_the_resources_page(world):
    at = logged_in("coordinator", "刘主任")
    at.switch_page("pages/resources.py").run()
    assert not at.exception
    assert {"待对接", "已对接", "已解决", "已关闭", "逾期"} <= set(_metrics(at))


def test_a_helper_cannot_open_the_resources_page(world):
    at = logged_in("helper", "李老师")
    with pytest.raises(ValueError):  # noqa: PT011 - AppTest's refusal of a hidden page
        at.switch_page("pages/resources.py").run()


def test_a_need_without_a_deadline_waits_but_is_never_overdue(world, engine):
    """298 days without a deadline: 已等待298天, and nothing (not 0) under 逾期."""
    _need(engine, "张小明", found_on=TODAY - timedelta(days=298))
    _need(engine, "王小红", found_on=TODAY - timedelta(days=40), due_on=TODAY - timedelta(days=5))
    at = _app(engine)
    assert not at.exception
    table = at.dataframe[0].value
    rows = {r["儿童"]: r for r in table.to_dict("records")}
    assert rows["张小明"]["逾期"] == "" and rows["张小明"]["期限"] == "未定期限"
    assert rows["张小明"]["已等待"] == "已等待298天"
    assert rows["王小红"]["逾期"] == "逾期5天" and rows["王小红"]["已等待"] == "已等待40天"
    assert "0" not in str(rows["张小明"]["逾期"])
    assert _metrics(at)["逾期"] == "1"
    captions = " ".join(c.value for c in at.caption)
    assert "另有 1 项需求未定期限\uff0c已等待超过30天" in captions


def test_a_resolved_need_no_longer_counts_its_wait(world, engine):
    need_id = _need(engine, "张小明", found_on=TODAY - timedelta(days=298))
    with Session(engine) as session, session.begin():
        session.get(Need, need_id).status = NeedStatus.resolved
    at = _app(engine)
    at.multiselect(key="needs_status").set_value(list(NeedStatus)).run()
    assert not at.exception
    [row] = at.dataframe[0].value.to_dict("records")
    assert (row["已等待"], row["逾期"]) == ("", "")
    assert "未定期限\uff0c已等待超过" not in " ".join(c.value for c in at.caption)
