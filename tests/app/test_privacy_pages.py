"""Privacy through AppTest: opening a child's page is recorded, 谁看过 shows it to the
accountable people only, 管理 lists and filters the views; consent is recorded, refused and
withdrawn on the child's page, and the roster finds the children missing it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cli import main
from core.vocab import ConsentPurpose, ViewKind
from db.models import AuditEvent, Child, EmergencyGrant, ViewedChild, ViewEvent
from tests.app.conftest import logged_in


def _child_id(engine, name: str) -> int:
    with Session(engine) as session:
        found = session.scalar(select(Child.id).where(Child.name == name))
    assert found is not None
    return found


def _child_page(username: str, child_id: int):
    at = logged_in(username)
    at.query_params["child"] = str(child_id)
    return at.switch_page("pages/roster.py").run()


def _views(engine) -> list[tuple[str, ViewKind, str, int]]:
    with Session(engine) as session:
        return [(e.username, e.kind, e.page, child_id) for e, child_id in session.execute(
            select(ViewEvent, ViewedChild.child_id)
            .join(ViewedChild, ViewedChild.event_id == ViewEvent.id).order_by(ViewEvent.id))]


def test_opening_a_child_page_is_recorded_once_and_shown_under_who_looked(world, engine):
    child_id = _child_id(engine, "王小红")
    at = _child_page("coordinator", child_id)
    assert not at.exception
    at.run()  # a click re-runs the page: still one view
    assert _views(engine) == [("coordinator", ViewKind.child_page, "roster", child_id)]
    labels = [tab.label for tab in at.tabs]
    assert "谁看过" in labels
    frame = at.tabs[labels.index("谁看过")].dataframe[0].value
    assert list(frame["查看人"]) == ["刘主任"]
    assert "涉及儿童" not in frame.columns  # the page is the child's own
    assert list(frame["方式"]) == ["档案页"]


def test_a_helper_is_recorded_but_does_not_see_who_looked(world, engine):
    child_id = _child_id(engine, "张小明")
    at = _child_page("helper", child_id)
    assert not at.exception
    assert "谁看过" not in [tab.label for tab in at.tabs]
    assert _views(engine) == [("helper", ViewKind.child_page, "roster", child_id)]


def test_a_child_outside_the_scope_records_nothing(world, engine):
    at = _child_page("coordinator", _child_id(engine, "赵小刚"))
    assert not at.exception
    assert _views(engine) == []


def test_the_dashboard_meeting_mode_and_stats_json_record_no_view(world, engine, capsys,
                                                                   monkeypatch):
    """Aggregates show no one: opening them is not a view of anybody's data."""
    for page in ("pages/home.py", "pages/meeting.py"):
        at = logged_in("coordinator").switch_page(page).run()
        assert not at.exception
    monkeypatch.setenv("DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    assert main(["stats", "--json"]) == 0
    assert '"children"' in capsys.readouterr().out
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ViewEvent)) == 0


def test_the_admin_view_log_lists_and_filters_the_views(world, engine):
    _child_page("coordinator", _child_id(engine, "王小红"))
    at = logged_in("admin").switch_page("pages/admin.py").run()
    assert not at.exception
    log = at.tabs[[tab.label for tab in at.tabs].index("访问记录")]
    [frame] = [d.value for d in log.dataframe]
    assert list(frame["查看人"]) == ["刘主任"]
    assert list(frame["页面"]) == ["儿童档案"]
    assert list(frame["涉及儿童"]) == ["王小红"]
    assert "所选日期范围内没有需要复核的访问。" in " ".join(c.value for c in log.caption)
    at.text_input(key="views_child").input("赵").run()
    log = at.tabs[[tab.label for tab in at.tabs].index("访问记录")]
    assert not log.dataframe
    assert "所选范围内没有访问记录" in " ".join(i.value for i in log.info)


# ---- 知情同意 on the child's page ----------------------------------------------------------------

def _consent_tab(at):
    labels = [tab.label for tab in at.tabs]
    return at.tabs[labels.index("知情同意")]


def test_a_scanned_form_is_offered_for_download_on_the_child_page(world, engine):
    from datetime import date as day

    from core.vocab import ConsentBasis
    from services.access.permissions import Actor
    from services.privacy.consent import ConsentInput, record_consent

    child_id = _child_id(engine, "王小红")
    with Session(engine) as session, session.begin():
        record_consent(session, actor=Actor.system(), child_id=child_id, today=day(2026, 11, 28),
                       data=ConsentInput(ConsentBasis.guardian_consent,
                                         frozenset({ConsentPurpose.records}), "王奶奶",
                                         day(2026, 9, 1)),
                       form=("同意书.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"))
    at = _child_page("coordinator", child_id)
    assert not at.exception
    [download] = _consent_tab(at).get("download_button")
    assert download.proto.label == "下载知情同意书扫描件 1"


def test_consent_is_recorded_and_withdrawn_from_the_child_page(world, engine):
    from db.models import Consent

    child_id = _child_id(engine, "王小红")
    at = _child_page("coordinator", child_id)
    tab = _consent_tab(at)
    assert "尚未登记知情同意" in " ".join(i.value for i in tab.info)
    form_key = f"consent_{child_id}"
    [purposes] = [m for m in tab.multiselect if m.label == "同意用途"]
    purposes.set_value([ConsentPurpose.records, ConsentPurpose.photos])
    [given_by] = [i for i in tab.text_input if i.label == "同意人或依职责登记的单位"]
    given_by.input("王奶奶")
    at.button(key=f"FormSubmitter:{form_key}-保存").click().run()
    assert not at.exception
    assert "已登记知情同意。" in " ".join(s.value for s in at.success)
    with Session(engine) as session:
        assert sorted(c.purpose for c in session.scalars(select(Consent))) == [
            ConsentPurpose.photos, ConsentPurpose.records]
    tab = _consent_tab(at)
    [withdraw] = [m for m in tab.multiselect if m.label == "撤回的用途"]
    withdraw.set_value([ConsentPurpose.photos])
    at.button(key=f"FormSubmitter:consent_withdraw_{child_id}-撤回").click().run()
    assert not at.exception
    with Session(engine) as session:
        state = {c.purpose: c.withdrawn_on for c in session.scalars(select(Consent))}
    assert state[ConsentPurpose.records] is None and state[ConsentPurpose.photos] is not None


def test_a_consent_without_purpose_is_refused_with_the_field_named(world, engine):
    from db.models import Consent

    child_id = _child_id(engine, "王小红")
    at = _child_page("coordinator", child_id)
    [given_by] = [i for i in _consent_tab(at).text_input
                  if i.label == "同意人或依职责登记的单位"]
    given_by.input("王奶奶")
    at.button(key=f"FormSubmitter:consent_{child_id}-保存").click().run()
    assert not at.exception
    assert "同意用途" in " ".join(e.value for e in at.error)
    with Session(engine) as session:
        assert session.scalar(select(Consent.id)) is None


def test_the_roster_lists_children_missing_consent(world, engine):
    at = logged_in("coordinator")
    at.query_params["noconsent"] = "1"
    at = at.switch_page("pages/roster.py").run()
    assert not at.exception
    assert at.toggle(key="roster_noconsent").value is True
    frame = at.dataframe[0].value
    data = getattr(frame, "data", frame)
    assert sorted(n.removeprefix("⚠ ") for n in data["姓名"]) == ["张小明", "王小红"]


# ---- 紧急查看 ------------------------------------------------------------------------------------

REASON = "该儿童已随父母迁入本镇，需核对原帮扶记录"


def _ask_for(at, name: str, reason: str):
    at.text_input(key="emergency_name").input(name)
    at.date_input(key="emergency_birth_date").set_value(date(2015, 3, 1))
    at.text_area(key="emergency_reason").input(reason)
    [send] = [b for b in at.button if b.label == "打开档案（24 小时）"]
    return send.click().run()


def test_a_short_reason_is_refused_and_opens_nothing(world, engine):
    at = _ask_for(logged_in("coordinator").switch_page("pages/roster.py").run(), "赵小刚", "看看")
    assert not at.exception
    assert any("至少 10 个字" in e.value for e in at.error)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(EmergencyGrant)) == 0


def test_emergency_access_opens_a_child_outside_the_area_until_reviewed(world, engine):
    child_id = _child_id(engine, "赵小刚")
    at = _ask_for(logged_in("coordinator").switch_page("pages/roster.py").run(), "赵小刚", REASON)
    assert not at.exception
    assert any("已可查看该儿童的档案" in s.value for s in at.success)

    page = _child_page("coordinator", child_id)
    assert not page.exception
    assert "谁看过" in [tab.label for tab in page.tabs]   # the record itself, not "not found"
    assert _card_buttons(page) == {}  # its page, not 联系卡 (lists are for one's own area)
    assert _card_buttons(_child_page("coordinator", _child_id(engine, "王小红")))
    assert [v for v in _views(engine) if v[3] == child_id] == [
        ("coordinator", ViewKind.emergency, "roster", child_id),
        ("coordinator", ViewKind.child_page, "roster", child_id)]

    admin = logged_in("admin").switch_page("pages/admin.py").run()
    log = admin.tabs[[tab.label for tab in admin.tabs].index("访问记录")]
    item = " ".join(m.value for m in log.markdown)
    assert "赵小刚" in item and REASON in item and "进行中" in item
    [ack] = [b for b in log.button if b.label == "已复核"]
    admin = ack.click().run()
    assert not admin.exception
    log = admin.tabs[[tab.label for tab in admin.tabs].index("访问记录")]
    assert "没有待复核的紧急查看。" in " ".join(c.value for c in log.caption)


# ---- 合规审计 ------------------------------------------------------------------------------------

def test_the_admin_builds_the_yearly_audit_draft(world, engine):
    at = logged_in("admin").switch_page("pages/admin.py").run()
    assert "合规审计" in [tab.label for tab in at.tabs]
    assert "下载审计报告（Word）" not in [d.label for d in at.get("download_button")]
    at.button(key="audit_pack_build").click().run()
    assert not at.exception
    assert "下载审计报告（Word）" in [d.label for d in at.get("download_button")]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "compliance_report")) == 1


def test_the_admin_sees_what_is_due_and_anonymises_it_after_confirming(world, engine):
    with Session(engine) as session, session.begin():
        child = session.scalar(select(Child).where(Child.name == "赵小刚"))
        child.archived_at = datetime(2020, 1, 10, 2)
        child_id = child.id
    at = logged_in("admin").switch_page("pages/admin.py").run()
    [frame] = [d.value for d in at.dataframe if "到期日期" in d.value.columns]
    assert list(frame["到期日期"]) == ["2023-01-10"] and list(frame["状态"]) == ["已到期"]
    assert at.button(key="retention_apply").disabled          # not before the confirmation
    at.checkbox(key="retention_confirm").check().run()
    at.button(key="retention_apply").click().run()
    assert not at.exception
    assert any("已匿名化 1 份档案" in s.value for s in at.success)
    with Session(engine) as session:
        assert session.scalar(select(Child.name).where(Child.id == child_id)) == "已匿名"


# ---- 联系卡 leave encrypted ----------------------------------------------------------------------

def _card_buttons(at) -> dict[str, bool]:
    return {d.proto.label: d.proto.disabled for d in at.get("download_button")
            if d.proto.label in ("联系卡 PDF", "联系卡打印页")}


def test_contact_cards_wait_for_a_file_password(world, engine):
    child_id = _child_id(engine, "王小红")
    at = _child_page("coordinator", child_id)
    assert _card_buttons(at) == {"联系卡 PDF": True, "联系卡打印页": True}
    at.text_input(key=f"child_cards_{child_id}_password").input("短密码").run()
    assert _card_buttons(at) == {"联系卡 PDF": True, "联系卡打印页": True}
    at.text_input(key=f"child_cards_{child_id}_password").input("王小红-联系卡-2026").run()
    assert not at.exception
    assert _card_buttons(at) == {"联系卡 PDF": False, "联系卡打印页": False}
