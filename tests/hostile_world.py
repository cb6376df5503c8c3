"""A world whose every free-text field holds markup and Markdown payloads, linked as in real use.

Rows are written through the ORM directly (validation would refuse much of this, which is the
point: the pages must stay safe whatever reached the database, by an old import, a bug or SQL).
Every page has something to show: children paired with helpers, contacts, an activity with
attendance and photos, needs, wishes, donations, a survey with answers, a campaign, a care rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import (
    Category,
    ContactKind,
    DonationDirection,
    HelperKind,
    NeedKind,
    NeedPriority,
    NeedStatus,
    OrgKind,
    PairingEndReason,
    ProviderKind,
    QuestionKind,
    Relation,
    RiskLevel,
    Role,
    RuleAudience,
    RulePeriod,
    WishStatus,
)
from db.models import (
    Activity,
    ActivityKindRow,
    ActivityPhoto,
    Attendance,
    AuditEvent,
    Campaign,
    CareContact,
    CareRule,
    Child,
    Donation,
    Need,
    Relative,
    ResourceProvider,
    RiskAssessment,
    SavedFilter,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    User,
    Wish,
    WishDrive,
    activity_helpers,
    activity_providers,
    donation_recipients,
)
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user

EVIL_HOST = "evil.example"
IMG = f"<img src=http://{EVIL_HOST}/x.png onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
IFRAME = f'<iframe src="http://{EVIL_HOST}/">'
LINK = f"[点我](http://{EVIL_HOST}/)"
IMAGE = f"![x](http://{EVIL_HOST}/p.png)"
BOLD = "**粗体**"
COLOUR = ":red[红]"
MATH = "$x^2$"
CODE = "`code`"
HEADING = "# 标题"
ANCHOR = f'<a href="http://{EVIL_HOST}">a</a>'
JS_URL = "javascript:alert(1)"
PAYLOADS = (IMG, SCRIPT, IFRAME, LINK, IMAGE, BOLD, COLOUR, MATH, CODE, HEADING, ANCHOR, JS_URL)
# Notes and descriptions hold every payload, one per line, as a pasted text would.
ALL = "\n".join(["备注", *PAYLOADS, "", HEADING, "- 列表 " + LINK])
# A 2×2 PNG, so a photo with a hostile caption is really shown.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001649444154789c"
    "633c2127c7c0c0c0c4c0c0c0c0c000000d0401087d71ca660000000049454e44ae426082")


def named(prefix: str, payload: str, limit: int = 50) -> str:
    """A Chinese prefix and a payload, cut to the column's length (PostgreSQL enforces it)."""
    return (prefix + payload)[:limit]


@dataclass(frozen=True)
class HostileWorld:
    """Ids the tests open pages with."""

    town_id: int
    child_id: int  # paired with the helper account's helper, with a need, a wish, a photo
    unpaired_child_id: int
    helper_id: int
    activity_id: int
    survey_id: int
    campaign_id: int


def _orgs(session: Session) -> tuple:
    county = make_org(session, named("县", ANCHOR, 100), OrgKind.county)
    town = make_org(session, named("镇", IMG + LINK, 100), OrgKind.town, parent=county,
                    enrolled_students=100)
    village = make_org(session, named("村", IMAGE + SCRIPT, 100), OrgKind.village, parent=town,
                       is_mountain_area=True)
    school = make_org(session, named("校", IFRAME + BOLD, 100), OrgKind.school, parent=town,
                      enrolled_students=80)
    return county, town, village, school


def _child(session: Session, village, school, name: str, *, risk: RiskLevel,
           born: date) -> Child:
    child = make_child(session, village=village, name=name, school_id=school.id,
                       birth_date=born, risk_level=risk, key_concern=True,
                       categories=(Category.left_behind, Category.in_difficulty),
                       grade=named("年", CODE, 20), class_name=named("班", MATH, 20),
                       address=named("址", IMG, 200), health=named("健", LINK, 200),
                       psychological_notes=ALL, hobbies=named("好", IMAGE, 200),
                       contact_with_parents=named("联", ANCHOR, 100),
                       concern_tags=named("签", COLOUR, 200), notes=ALL)
    session.add(Relative(child_id=child.id, relation=Relation.guardian,
                         relation_detail=named("", BOLD, 20), name=named("奶奶", SCRIPT),
                         phone="13912345678", work_place=named("务", IFRAME, 100),
                         address=named("住", LINK, 200)))
    session.add(Relative(child_id=child.id, relation=Relation.father,
                         name=named("父", IMAGE), phone="13812345678",
                         work_place=named("广东", JS_URL, 100)))
    session.add(RiskAssessment(child_id=child.id, assessed_on=local_today() - timedelta(days=3),
                               level=risk, notes=ALL))
    return child


def _people(session: Session, county, town, village, school, today: date) -> dict:
    children = [
        _child(session, village, school, named("小", IMG), risk=RiskLevel.red,
               born=date(2015, 3, 1)),
        _child(session, village, school, named("明", LINK), risk=RiskLevel.yellow,
               born=date(2014, 5, 2)),
        _child(session, village, school, named("红", IFRAME), risk=RiskLevel.red,
               born=date(2016, 7, 3)),
        _child(session, village, school, named("刚", IMAGE + BOLD), risk=RiskLevel.blue,
               born=date(2013, 9, 4)),
        _child(session, village, school, named("丽", SCRIPT + HEADING), risk=RiskLevel.green,
               born=date(2012, 1, 5)),
    ]
    admin = make_user(session, "admin", Role.admin, display_name=named("管", IMG))
    coordinator = make_user(session, "coordinator", Role.coordinator, org_unit=town,
                            display_name=named("主任", LINK))
    helper_user = make_user(session, "helper", Role.helper, display_name=named("师", IMAGE))
    make_user(session, "viewer", Role.viewer, org_unit=county, display_name=named("督", SCRIPT))
    helper = make_helper(session, org_unit=town, name=named("李", IMG),
                         kind=HelperKind.class_teacher, user_id=helper_user.id,
                         work_unit=named("单位", LINK, 100), phone="13700000000",
                         school_id=school.id, class_name=named("班", CODE, 20), capacity=5)
    other = make_helper(session, org_unit=town, name=named("王", IFRAME),
                        kind=HelperKind.volunteer, work_unit=named("协会", IMAGE, 100),
                        phone="13600000000", capacity=3)
    for child in children[:3]:
        make_pairing(session, child, helper, started_on=today - timedelta(days=60))
    make_pairing(session, children[3], other, started_on=today - timedelta(days=400),
                 ended_on=today - timedelta(days=200), end_reason=PairingEndReason.other,
                 end_note=named("结束", LINK, 200))
    return {"children": children, "admin": admin, "coordinator": coordinator,
            "helper_user": helper_user, "helper": helper, "other": other}


def _contacts(session: Session, people: dict, today: date) -> None:
    children, helper = people["children"], people["helper"]
    for days, child in ((1, children[0]), (2, children[1]), (40, children[2])):
        session.add(CareContact(child_id=child.id, helper_id=helper.id, kind=ContactKind.talk,
                                contact_date=today - timedelta(days=days), minutes=30, notes=ALL,
                                follow_up=True, follow_up_on=today + timedelta(days=3),
                                recorded_by_id=people["helper_user"].id))


def _rules_and_kinds(session: Session) -> str:
    code = "hostile_kind"
    session.add(ActivityKindRow(code=code, label_zh=named("类", IMG),
                                label_en=named("kind", LINK)))
    session.add(CareRule(code="hostile_rule", name=named("要求", IFRAME + BOLD, 100),
                         contact_kinds=[ContactKind.home_visit.value], min_count=2,
                         period=RulePeriod.week, audience=RuleAudience.child, notes=ALL))
    session.flush()
    return code


def _providers(session: Session) -> list[ResourceProvider]:
    providers = [
        ResourceProvider(name=named("商会", IMG + LINK, 100), kind=ProviderKind.enterprise,
                         contact_person=named("联系", SCRIPT), phone="13500000000",
                         offers=named("提供", IMAGE, 300), notes=ALL),
        ResourceProvider(name=named("协会", IFRAME + COLOUR, 100),
                         kind=ProviderKind.association, contact_person=named("人", ANCHOR),
                         offers=named("书", MATH, 300)),
    ]
    session.add_all(providers)
    session.flush()
    return providers


def _photos(session: Session, activity: Activity, data_dir: Path) -> None:
    folder = data_dir / "photos" / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shown.png").write_bytes(PNG)
    session.add(ActivityPhoto(activity_id=activity.id, path="photos/hostile/shown.png",
                              filename=named("图", IMG, 200), content_type="image/png",
                              size_bytes=len(PNG), caption=named("说明", LINK + IMAGE, 200)))
    session.add(ActivityPhoto(activity_id=activity.id, path="photos/hostile/missing.png",
                              filename=named("丢", SCRIPT + IMAGE, 200), content_type="image/png",
                              size_bytes=1, caption=None))


def _activity(session: Session, kind: str, town, people: dict, providers: list,
              today: date, data_dir: Path) -> Activity:
    activity = Activity(kind=kind, title=named("活动", IMG + LINK, 200),
                        held_on=today - timedelta(days=5), place=named("地点", IFRAME, 200),
                        org_unit_id=town.id, sessions=2, extra_person_times=3, volunteers=4,
                        cost_yuan=Decimal("12.50"), notes=ALL)
    session.add(activity)
    session.flush()
    for child in people["children"][:4]:
        session.add(Attendance(activity_id=activity.id, child_id=child.id))
    session.execute(insert(activity_helpers), [{"activity_id": activity.id,
                                                "helper_id": people["helper"].id}])
    session.execute(insert(activity_providers), [
        {"activity_id": activity.id, "provider_id": p.id} for p in providers])
    gift = Donation(provider_id=providers[0].id, donated_on=activity.held_on,
                    money_yuan=Decimal("100"), direction=DonationDirection.direct,
                    goods=named("物资", SCRIPT, 200), goods_quantity=Decimal("2"),
                    goods_unit=named("", COLOUR, 20), activity_id=activity.id,
                    org_unit_id=town.id, notes=ALL)
    session.add(gift)
    session.flush()
    session.execute(insert(donation_recipients), [
        {"donation_id": gift.id, "child_id": people["children"][0].id}])
    _photos(session, activity, data_dir)
    return activity


def _ledger(session: Session, town, people: dict, providers: list, today: date) -> None:
    received = Donation(provider_id=providers[1].id, donated_on=today - timedelta(days=20),
                        money_yuan=Decimal("500"), direction=DonationDirection.received,
                        goods=named("书包", IMG, 200), goods_quantity=Decimal("10"),
                        goods_unit=named("", BOLD, 20), goods_value_yuan=Decimal("300"),
                        org_unit_id=town.id, notes=ALL)
    given = Donation(donated_on=today - timedelta(days=10), money_yuan=Decimal("200"),
                     direction=DonationDirection.given, goods=named("书包", IMG, 200),
                     goods_quantity=Decimal("2"), goods_unit=named("", BOLD, 20),
                     org_unit_id=town.id, notes=named("发放", LINK, 300))
    session.add_all([received, given])
    session.flush()
    session.execute(insert(donation_recipients), [
        {"donation_id": given.id, "child_id": c.id, "money_yuan": Decimal("100"),
         "goods_quantity": Decimal("1")} for c in people["children"][:2]])


def _needs_and_wishes(session: Session, town, people: dict, providers: list,
                      today: date) -> None:
    children = people["children"]
    owner = people["coordinator"].id
    session.add_all([
        Need(child_id=children[0].id, kind=NeedKind.medical, status=NeedStatus.linked,
             description=ALL, found_on=today - timedelta(days=30), provider_id=providers[0].id,
             priority=NeedPriority.high, owner_id=owner, due_on=today - timedelta(days=2),
             linked_on=today - timedelta(days=20), asked=named("请求", IFRAME + IMAGE, 300)),
        Need(child_id=children[1].id, kind=NeedKind.psychological, status=NeedStatus.open,
             description=named("需求", LINK + SCRIPT, 300), found_on=today - timedelta(days=3),
             owner_id=owner),
    ])
    drive = WishDrive(name=named("六一", IMG + LINK, 100), starts_on=today - timedelta(days=30),
                      ends_on=today + timedelta(days=30), org_unit_id=town.id, notes=ALL)
    session.add(drive)
    session.flush()
    session.add_all([
        Wish(child_id=children[0].id, content=named("书包", IMG + IMAGE, 200),
             status=WishStatus.taken, collected_on=today - timedelta(days=20),
             taken_on=today - timedelta(days=10), fulfilled_by=named("爱心", SCRIPT, 100),
             category=named("类", LINK), estimated_cost_yuan=Decimal("80"), drive_id=drive.id),
        Wish(child_id=children[1].id, content=named("篮球", IFRAME + BOLD, 200),
             status=WishStatus.fulfilled, collected_on=today - timedelta(days=20),
             fulfilled_on=today - timedelta(days=2), provider_id=providers[1].id,
             category=named("玩具", CODE), drive_id=drive.id),
        Wish(child_id=children[2].id, content=named("字典", ANCHOR, 200),
             collected_on=today - timedelta(days=5), drive_id=drive.id),
    ])


def _survey(session: Session, town, people: dict, today: date) -> Survey:
    survey = Survey(title=named("问卷", IMG + LINK, 200), held_on=today - timedelta(days=7),
                    org_unit_id=town.id)
    session.add(survey)
    session.flush()
    options = [named("选", IMAGE, 200), named("选", SCRIPT, 200), named("选", BOLD, 200)]
    single = SurveyQuestion(survey_id=survey.id, position=0, text=named("题", IFRAME + LINK, 300),
                            options=options, kind=QuestionKind.single)
    multiple = SurveyQuestion(survey_id=survey.id, position=1, text=named("多", IMG, 300),
                              options=options, kind=QuestionKind.multiple)
    session.add_all([single, multiple])
    session.flush()
    for n, child in enumerate(people["children"]):
        session.add(SurveyAnswer(question_id=single.id, child_id=child.id,
                                 answer=options[n % len(options)]))
        session.add(SurveyAnswer(question_id=multiple.id, child_id=child.id, answer=options[0]))
    return survey


def _traces(session: Session, town, kind: str, people: dict, today: date) -> Campaign:
    campaign = Campaign(name=named("行动", IMG + LINK, 100), starts_on=today - timedelta(days=10),
                        ends_on=today + timedelta(days=20), activity_kind=kind,
                        org_unit_id=town.id, notes=ALL)
    session.add(campaign)
    users: list[User] = [people["admin"], people["coordinator"]]
    for user in users:
        session.add(SavedFilter(user_id=user.id, page="roster", name=named("筛选", IMG),
                                params={"q": LINK}))
    session.add(AuditEvent(user_id=people["admin"].id,
                           username=named("u", SCRIPT), action="update", entity="child",
                           entity_id="1", summary=named("摘要", IMG + LINK, 300),
                           before={"name": IMAGE}, after={"name": IFRAME}))
    session.flush()
    return campaign


def build_hostile_world(session: Session, data_dir: Path, today: date | None = None
                        ) -> HostileWorld:
    """Fill an empty, migrated database (the caller commits) with the hostile world."""
    today = today or local_today()
    county, town, village, school = _orgs(session)
    people = _people(session, county, town, village, school, today)
    unpaired = people["children"][4]
    _contacts(session, people, today)
    kind = _rules_and_kinds(session)
    providers = _providers(session)
    activity = _activity(session, kind, town, people, providers, today, data_dir)
    _ledger(session, town, people, providers, today)
    _needs_and_wishes(session, town, people, providers, today)
    survey = _survey(session, town, people, today)
    campaign = _traces(session, town, kind, people, today)
    session.flush()
    return HostileWorld(town.id, people["children"][0].id, unpaired.id, people["helper"].id,
                        activity.id, survey.id, campaign.id)
