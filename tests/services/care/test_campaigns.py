"""专项行动: who counts as reached, whom a campaign targets, scope, refusals, stale edits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from core.vocab import Category, ContactKind, RiskLevel, Role
from db.models import Activity, ActivityKindRow, Attendance, AuditEvent, Campaign
from services.access.permissions import Actor
from services.care.campaign_queries import (
    ENDED,
    RUNNING,
    UPCOMING,
    campaign_progress,
    list_campaigns,
)
from services.care.campaigns import (
    CampaignInput,
    archive_campaign,
    create_campaign,
    update_campaign,
)
from tests.factories import make_helper
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    coordinator_of,
    helper_actor,
    make_child_in,
    make_contact,
    make_places,
    refused,
)

START, END = date(2026, 11, 1), date(2026, 11, 30)
VISITS = CampaignInput("红色儿童入户走访", START, END, contact_kind=ContactKind.home_visit)
FESTIVAL = CampaignInput("春节慰问", START, END, activity_kind="festival_visit")


@pytest.fixture
def county(session):
    """石门镇: 林小雨 (困境, 红, 中心小学), 王小红 (留守, 绿), 周小亮 (困境, 黄, 张家村);
    青山乡: 赵小刚 (困境); 刘小花 archived in 李家村."""
    places = make_places(session)
    kids = {
        "林小雨": make_child_in(session, places.village, "林小雨", school_id=places.school.id,
                             grade="三年级", class_name="2班", risk_level=RiskLevel.red,
                             categories=(Category.in_difficulty, Category.left_behind)),
        "王小红": make_child_in(session, places.village, "王小红", risk_level=RiskLevel.green),
        "周小亮": make_child_in(session, places.other_village, "周小亮",
                             risk_level=RiskLevel.yellow, categories=(Category.in_difficulty,)),
        "赵小刚": make_child_in(session, places.far_village, "赵小刚",
                             categories=(Category.in_difficulty,)),
        "刘小花": make_child_in(session, places.village, "刘小花",
                             categories=(Category.in_difficulty,),
                             archived_at=datetime(2026, 10, 1), archive_reason="迁出"),
    }
    helper = make_helper(session, org_unit=places.town)
    return places, kids, helper


def _activity(session, kind: str, on: date, children, **overrides) -> Activity:
    activity = Activity(kind=kind, title=f"{kind} {on}", held_on=on, **overrides)
    session.add(activity)
    session.flush()
    session.add_all(Attendance(activity_id=activity.id, child_id=c.id) for c in children)
    session.flush()
    return activity


def _names(rows) -> set[str]:
    return {row.name for row in rows}


def _progress(session, campaign, actor: Actor = ADMIN):
    return campaign_progress(session, actor, campaign.id, today=TODAY)


# ---- reach ----------------------------------------------------------------------------------

def test_activity_campaign_counts_attendance_at_that_kind_within_the_period(session, county):
    _, kids, _ = county
    _activity(session, "festival_visit", date(2026, 11, 10), [kids["林小雨"]])
    _activity(session, "festival_visit", date(2026, 11, 20), [kids["林小雨"]])
    _activity(session, "safety_education", date(2026, 11, 10), [kids["王小红"]])
    _activity(session, "festival_visit", date(2026, 10, 31), [kids["周小亮"]])
    _activity(session, "festival_visit", date(2026, 11, 12), [kids["赵小刚"]],
              archived_at=datetime(2026, 11, 13), archive_reason="重复录入")
    make_contact(session, kids["王小红"], None, date(2026, 11, 5), kind=ContactKind.home_visit)
    campaign = create_campaign(session, actor=ADMIN, data=FESTIVAL)
    progress = _progress(session, campaign)
    assert _names(progress.reached) == {"林小雨"}
    assert progress.reached[0].last_reached == date(2026, 11, 20)
    assert _names(progress.not_reached) == {"王小红", "周小亮", "赵小刚"}
    assert (progress.campaign.target, progress.campaign.reached) == (4, 1)


def test_contact_campaign_counts_live_contacts_of_that_kind_within_the_period(session, county):
    _, kids, helper = county
    make_contact(session, kids["林小雨"], helper, date(2026, 11, 3), kind=ContactKind.home_visit)
    make_contact(session, kids["林小雨"], helper, date(2026, 11, 9), kind=ContactKind.home_visit)
    make_contact(session, kids["王小红"], helper, date(2026, 11, 3), kind=ContactKind.phone_visit)
    make_contact(session, kids["周小亮"], helper, date(2026, 11, 4), kind=ContactKind.home_visit,
                 archived_at=datetime(2026, 11, 5), archive_reason="录错")
    make_contact(session, kids["赵小刚"], None, date(2026, 11, 4), kind=ContactKind.home_visit)
    _activity(session, "care_visit", date(2026, 11, 10), [kids["周小亮"]])
    campaign = create_campaign(session, actor=ADMIN, data=VISITS)
    progress = _progress(session, campaign)
    assert {(r.name, r.last_reached) for r in progress.reached} == {
        ("林小雨", date(2026, 11, 9)), ("赵小刚", date(2026, 11, 4))}
    assert _names(progress.not_reached) == {"王小红", "周小亮"}


@pytest.mark.parametrize(("day", "reached"), [
    (START - timedelta(days=1), False), (START, True), (END, True),
    (END + timedelta(days=1), False),
])
@pytest.mark.parametrize("by", ["contact", "activity"])
def test_both_ends_of_the_period_count(session, county, day, reached, by):
    _, kids, helper = county
    if by == "contact":
        make_contact(session, kids["王小红"], helper, day, kind=ContactKind.home_visit)
        data = VISITS
    else:
        _activity(session, "festival_visit", day, [kids["王小红"]])
        data = FESTIVAL
    campaign = create_campaign(session, actor=ADMIN, data=data)
    assert ("王小红" in _names(_progress(session, campaign).reached)) is reached


# ---- the target group -----------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "category", "risk", "expected"), [
    (None, None, None, {"林小雨", "王小红", "周小亮", "赵小刚"}),
    ("county", None, None, {"林小雨", "王小红", "周小亮", "赵小刚"}),
    ("town", None, None, {"林小雨", "王小红", "周小亮"}),
    ("village", None, None, {"林小雨", "王小红"}),
    ("school", None, None, {"林小雨"}),
    ("other_town", None, None, {"赵小刚"}),
    (None, Category.in_difficulty, None, {"林小雨", "周小亮", "赵小刚"}),
    ("town", Category.in_difficulty, None, {"林小雨", "周小亮"}),
    (None, Category.left_behind, None, {"林小雨", "王小红"}),
    (None, None, RiskLevel.red, {"林小雨"}),
    ("town", Category.in_difficulty, RiskLevel.yellow, {"周小亮"}),
    ("village", None, RiskLevel.yellow, set()),
])
def test_target_follows_unit_category_and_risk_and_leaves_archived_children_out(
        session, county, unit, category, risk, expected):
    places, _, _ = county
    data = replace(VISITS, org_unit_id=getattr(places, unit).id if unit else None,
                   category=category, risk_level=risk)
    campaign = create_campaign(session, actor=ADMIN, data=data)
    progress = _progress(session, campaign)
    assert _names(progress.not_reached) == expected
    assert progress.campaign.target == len(expected)
    [summary] = list_campaigns(session, ADMIN, today=TODAY)
    assert (summary.target, summary.reached) == (len(expected), 0)
    assert summary.share is None if not expected else summary.share == 0


def test_progress_rows_say_where_to_find_the_child(session, county):
    _, kids, helper = county
    make_contact(session, kids["周小亮"], helper, date(2026, 11, 3), kind=ContactKind.home_visit)
    campaign = create_campaign(session, actor=ADMIN, data=VISITS)
    progress = _progress(session, campaign)
    lin = next(r for r in progress.not_reached if r.name == "林小雨")
    assert (lin.town, lin.village, lin.place, lin.class_label, lin.gender, lin.age) == (
        "石门镇", "李家村", "石门镇中心小学", "三年级2班", "男", 11)
    assert next(r for r in progress.not_reached if r.name == "王小红").place == "李家村"
    assert progress.campaign.progress_label == "已覆盖 1/4 (25.0%)"


def test_list_shows_running_then_upcoming_then_ended_with_progress(session, county):
    _, kids, helper = county
    make_contact(session, kids["林小雨"], helper, date(2026, 11, 3), kind=ContactKind.home_visit)
    for name, start, end in [("已结束的", date(2026, 1, 1), date(2026, 2, 1)),
                             ("未开始的", date(2026, 12, 1), date(2026, 12, 31)),
                             ("进行中的", START, END)]:
        create_campaign(session, actor=ADMIN, data=replace(VISITS, name=name, starts_on=start,
                                                           ends_on=end))
    listed = list_campaigns(session, ADMIN, today=TODAY)
    assert [(s.name, s.status) for s in listed] == [
        ("进行中的", RUNNING), ("未开始的", UPCOMING), ("已结束的", ENDED)]
    assert listed[0].progress_label == "已覆盖 1/4 (25.0%)"
    assert listed[0].reach_label == "帮扶：家访"
    assert listed[0].target_label == "全部儿童"


def test_labels_name_the_activity_kind_and_the_target(session, county):
    places, _, _ = county
    create_campaign(session, actor=ADMIN, data=replace(
        FESTIVAL, org_unit_id=places.town.id, category=Category.in_difficulty,
        risk_level=RiskLevel.red))
    [summary] = list_campaigns(session, ADMIN, today=TODAY)
    assert summary.reach_label == "活动：节日慰问"
    assert summary.target_label == "石门镇 · 困境儿童 · 红色风险"


# ---- scope and permissions ------------------------------------------------------------------

def test_a_town_coordinator_sees_county_campaigns_within_their_town_only(session, county):
    places, kids, helper = county
    make_contact(session, kids["赵小刚"], helper, date(2026, 11, 3), kind=ContactKind.home_visit)
    everyone = create_campaign(session, actor=ADMIN, data=VISITS)
    of_county = create_campaign(session, actor=ADMIN, data=replace(
        VISITS, name="全县", org_unit_id=places.county.id))
    create_campaign(session, actor=ADMIN, data=replace(
        VISITS, name="青山乡自己的", org_unit_id=places.other_town.id))
    coordinator = coordinator_of(places.town)
    listed = {s.name: s for s in list_campaigns(session, coordinator, today=TODAY)}
    assert set(listed) == {VISITS.name, "全县"}
    assert (listed["全县"].target, listed["全县"].reached) == (3, 0)  # 赵小刚 is not theirs
    assert not listed["全县"].editable
    assert _names(_progress(session, everyone, coordinator).not_reached) == {
        "林小雨", "王小红", "周小亮"}
    assert _names(_progress(session, of_county).reached) == {"赵小刚"}  # the county sees him


def test_a_coordinators_everyone_campaign_is_kept_to_their_scope(session, county):
    places, _, _ = county
    coordinator = coordinator_of(places.town)
    campaign = create_campaign(session, actor=coordinator, data=VISITS)
    assert campaign.org_unit_id == places.town.id
    [summary] = list_campaigns(session, ADMIN, today=TODAY)
    assert (summary.target, summary.org_name, summary.editable) == (3, "石门镇", True)
    assert list_campaigns(session, coordinator_of(places.other_town), today=TODAY) == []


def test_a_coordinator_cannot_target_or_change_what_is_outside_their_scope(session, county):
    places, _, _ = county
    coordinator = coordinator_of(places.town)
    message = refused(session, lambda: create_campaign(
        session, actor=coordinator, data=replace(VISITS, org_unit_id=places.other_town.id)),
        PermissionDenied)
    assert "不在您的管辖范围内" in message
    county_wide = create_campaign(session, actor=ADMIN, data=VISITS)
    message = refused(session, lambda: archive_campaign(
        session, actor=coordinator, campaign_id=county_wide.id, expected_version=1),
        PermissionDenied)
    assert "上级单位发起" in message
    theirs = create_campaign(session, actor=ADMIN, data=replace(
        VISITS, name="青山乡", org_unit_id=places.other_town.id))
    refused(session, lambda: update_campaign(
        session, actor=coordinator, campaign_id=theirs.id, expected_version=1, data=VISITS),
        NotFound)
    refused(session, lambda: campaign_progress(session, coordinator, theirs.id, today=TODAY),
            NotFound)


@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_helpers_and_viewers_cannot_start_campaigns(session, county, role):
    _, _, helper = county
    actor = helper_actor(helper) if role is Role.helper else Actor(None, "v", Role.viewer)
    refused(session, lambda: create_campaign(session, actor=actor, data=VISITS),
            PermissionDenied)


def test_a_viewer_sees_the_figures_but_not_the_names(session, county):
    campaign = create_campaign(session, actor=ADMIN, data=VISITS)
    viewer = Actor(None, "v", Role.viewer)
    assert [s.target for s in list_campaigns(session, viewer, today=TODAY)] == [4]
    with pytest.raises(PermissionDenied):
        _progress(session, campaign, viewer)
    _, _, helper = county
    with pytest.raises(PermissionDenied):
        list_campaigns(session, helper_actor(helper), today=TODAY)


# ---- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field", "words"), [
    ({"name": "  "}, "名称", "请填写"),
    ({"name": "慰" * 101}, "名称", "最多100个字"),
    ({"ends_on": START - timedelta(days=1)}, "起止日期", "不能早于开始日期"),
    ({"ends_on": None}, "起止日期", "请填写"),
    ({"ends_on": START + timedelta(days=800)}, "起止日期", "不能超过两年"),
    ({"contact_kind": None}, "覆盖方式", "选择且只选择一项"),
    ({"activity_kind": "festival_visit"}, "覆盖方式", "选择且只选择一项"),
    ({"activity_kind": "no_such_kind", "contact_kind": None}, "活动类型", "没有“no_such_kind”"),
    ({"activity_kind": "retired", "contact_kind": None}, "活动类型", "没有“retired”"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(session, county, change, field,
                                                                words):
    session.add(ActivityKindRow(code="retired", label_zh="停用的类型",
                                archived_at=datetime(2026, 1, 1)))
    error = refused(session, lambda: create_campaign(
        session, actor=ADMIN, data=replace(VISITS, **change)), ValidationFailed)
    assert field in error
    assert words in error


def test_the_same_name_twice_in_one_unit_is_refused_but_not_across_units(session, county):
    places, _, _ = county
    create_campaign(session, actor=ADMIN, data=replace(VISITS, org_unit_id=places.town.id))
    message = refused(session, lambda: create_campaign(
        session, actor=ADMIN, data=replace(VISITS, org_unit_id=places.town.id)),
        ValidationFailed)
    assert "已有名为" in message
    create_campaign(session, actor=ADMIN, data=replace(VISITS, org_unit_id=places.other_town.id))


def test_an_unknown_unit_is_not_found(session, county):
    refused(session, lambda: create_campaign(session, actor=ADMIN, data=replace(
        VISITS, org_unit_id=99999)), NotFound)


# ---- editing and archiving ------------------------------------------------------------------

def test_update_changes_the_campaign_and_is_audited(session, county):
    campaign = create_campaign(session, actor=ADMIN, data=VISITS)
    update_campaign(session, actor=ADMIN, campaign_id=campaign.id, expected_version=1,
                    data=replace(FESTIVAL, name="春节慰问（延长）", ends_on=date(2026, 12, 31)))
    session.commit()
    stored = session.get(Campaign, campaign.id)
    assert (stored.name, stored.activity_kind, stored.contact_kind, stored.version) == (
        "春节慰问（延长）", "festival_visit", None, 2)
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "campaign")
                             .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before["contact_kind"] == "home_visit"
    assert events[1].after["activity_kind"] == "festival_visit"


def test_a_stale_edit_is_refused_not_overwritten(session, county):
    campaign = create_campaign(session, actor=ADMIN, data=VISITS)
    update_campaign(session, actor=ADMIN, campaign_id=campaign.id, expected_version=1,
                    data=replace(VISITS, notes="第一人的修改"))
    message = refused(session, lambda: update_campaign(
        session, actor=ADMIN, campaign_id=campaign.id, expected_version=1,
        data=replace(VISITS, name="第二人的修改")), ConcurrentEdit)
    assert "已被其他人修改" in message
    refused(session, lambda: archive_campaign(
        session, actor=ADMIN, campaign_id=campaign.id, expected_version=1), ConcurrentEdit)
    assert session.get(Campaign, campaign.id).notes == "第一人的修改"


def test_an_archived_campaign_leaves_the_list_and_cannot_be_changed(session, county):
    campaign = create_campaign(session, actor=ADMIN, data=VISITS)
    archive_campaign(session, actor=ADMIN, campaign_id=campaign.id, expected_version=1,
                     reason="已汇报")
    assert list_campaigns(session, ADMIN, today=TODAY) == []
    [kept] = list_campaigns(session, ADMIN, today=TODAY, include_archived=True)
    assert kept.name == VISITS.name
    assert session.get(Campaign, campaign.id).archive_reason == "已汇报"
    refused(session, lambda: update_campaign(
        session, actor=ADMIN, campaign_id=campaign.id, expected_version=2, data=VISITS),
        NotFound)
    # Its name is free again.
    create_campaign(session, actor=ADMIN, data=VISITS)
