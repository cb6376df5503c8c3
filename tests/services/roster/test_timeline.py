"""成长档案: one child's entries, worded in the UI language; user data shown as entered."""

from __future__ import annotations

import re
from datetime import date, datetime

from core.vocab import (
    ContactKind,
    HelperKind,
    NeedKind,
    NeedStatus,
    PairingEndReason,
    RiskLevel,
)
from db.models import Activity, Attendance, AuditEvent, Need, RiskAssessment, Wish
from services.roster.timeline import child_timeline
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import ADMIN, make_child_in, make_contact, make_places

HAN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _child_with_history(session, *, latin: bool):
    """A child with an ended pairing, a care contact, an activity, a need, a wish and a risk."""
    places = make_places(session)
    word = (lambda en, zh: en) if latin else (lambda en, zh: zh)
    child = make_child_in(session, places.village, word("Lin Xiaoyu", "林小雨"))
    helper = make_helper(session, org_unit=places.town, name=word("Li Hua", "李华"),
                         kind=HelperKind.volunteer)
    make_pairing(session, child, helper, started_on=date(2026, 3, 1), ended_on=date(2026, 6, 30),
                 end_reason=PairingEndReason.helper_left, end_note=word("moved", "调走"))
    make_contact(session, child, helper, date(2026, 4, 2), kind=ContactKind.home_visit,
                 minutes=30, notes=word("all well", "一切都好"))
    activity = Activity(kind="safety_education", title=word("Swim safety", "防溺水讲座"),
                        held_on=date(2026, 5, 5))
    session.add(activity)
    session.flush()
    session.add_all([
        Attendance(activity_id=activity.id, child_id=child.id),
        Need(child_id=child.id, kind=NeedKind.study, status=NeedStatus.resolved,
             description=word("maths", "数学跟不上"), found_on=date(2026, 4, 10),
             resolved_on=date(2026, 5, 10), resolution=word("tutor found", "找到辅导老师")),
        Wish(child_id=child.id, content=word("a schoolbag", "一个书包"),
             collected_on=date(2026, 4, 20), fulfilled_on=date(2026, 6, 1)),
        RiskAssessment(child_id=child.id, assessed_on=date(2026, 4, 1), level=RiskLevel.yellow,
                       notes=word("grandmother ill", "奶奶生病")),
        AuditEvent(at=datetime(2026, 3, 1, 9), username="admin", action="update",
                   entity="child", entity_id=str(child.id), summary="修改儿童档案",
                   after={"grade": "3", "address": "x"}),
    ])
    session.flush()
    return child


def test_the_chinese_timeline_reads_as_before_with_full_width_punctuation(session):
    child = _child_with_history(session, latin=False)
    texts = {e.text: e.kind for e in child_timeline(session, ADMIN, child.id)}
    assert texts == {
        "与志愿者李华结对": "结对",
        "与李华的结对结束（帮扶人离开：调走）": "结对",
        "家访，30分钟：一切都好": "家访",
        "参加安全教育：防溺水讲座": "活动",
        "学业需求（已解决）数学跟不上": "需求",
        "学业需求已解决：找到辅导老师": "需求",
        "心愿：一个书包": "心愿",
        "心愿实现：一个书包": "心愿",
        "评估为黄色 奶奶生病": "风险评估",
        "修改儿童档案（改动：address、grade）": "修改档案",
    }


def test_the_english_timeline_holds_no_chinese_when_the_data_are_latin(session):
    child = _child_with_history(session, latin=True)
    entries = child_timeline(session, ADMIN, child.id, "en")
    assert len(entries) == 10
    for entry in entries:
        assert not HAN.search(entry.kind + entry.text), entry
    texts = {e.text for e in entries}
    assert "Paired with Li Hua (Volunteer)" in texts
    assert "Home visit, 30 min: all well" in texts
    assert "Wish fulfilled: a schoolbag" in texts
    assert "Record updated (changed: address, grade)" in texts
    assert [e.on for e in entries] == sorted((e.on for e in entries), reverse=True)


def test_the_timeline_is_chinese_by_default_and_for_an_unknown_language(session):
    child = _child_with_history(session, latin=True)
    default = child_timeline(session, ADMIN, child.id)
    assert {e.text for e in default} == {e.text for e in child_timeline(
        session, ADMIN, child.id, "fr")}
    assert "心愿实现：a schoolbag" in {e.text for e in default}
