"""GET, WRITE and OPEN rows of the matrix: one record on side A, B or U (the union child)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from core.vocab import (
    ArchiveReason,
    ContactKind,
    NeedKind,
    NeedPriority,
    OrgKind,
    PairingEndReason,
    RiskLevel,
    Role,
)
from db.models import (
    Activity,
    CareContact,
    CareRule,
    Child,
    Donation,
    Helper,
    Need,
    OrgUnit,
    Pairing,
    User,
    Wish,
)
from services.access import orgs, users
from services.access.permissions import Actor
from services.care import activities, activity_queries, campaigns, care_rules, contacts
from services.care.activity_checks import ActivityInput
from services.care.activity_kinds import add_activity_kind
from services.care.campaigns import CampaignInput
from services.pairing import pairings as pairing
from services.pairing import suggestions
from services.resources import (
    ledger,
    needs,
    providers,
    survey_answers,
    survey_results,
    surveys,
    wish_drives,
    wishes,
)
from services.roster import helpers, review, risk, timeline
from services.roster import records as roster
from services.roster.child_input import child_to_input
from services.roster.helpers import helper_to_input
from tests.permissions.matrix import PEOPLE, STAFF, A, Entry, Kind, Target
from tests.permissions.world import TODAY, World

G, W, OPEN = Kind.GET, Kind.WRITE, Kind.OPEN
ADMIN_ONLY = frozenset({A})
CHILD = {"A": "A1", "B": "B1", "U": "U1"}
UNPAIRED = {"A": "A2", "B": "B2", "U": "U1"}
HELPER = {"A": "HA1", "B": "HB"}
SCHOOL = {"A": "school_a", "B": "school_b"}
VILLAGE = {"A": "village_a", "B": "village_b"}
WITH_U = ("A", "B", "U")
DAY = date(2026, 12, 1)


def _version(s: Session, model: type, record_id: int) -> int:
    return s.get(model, record_id).version  # type: ignore[union-attr]


def _child(w: World, side: str) -> int:
    return w[CHILD[side]]


def _update_child(s: Session, w: World, a: Actor, side: str) -> object:
    child = s.get(Child, _child(w, side))
    data = replace(child_to_input(child), hobbies="画画")
    return roster.update_child(s, actor=a, child_id=child.id, expected_version=child.version,
                               data=data, today=TODAY)


def _create_child(s: Session, w: World, a: Actor, side: str) -> object:
    data = replace(child_to_input(s.get(Child, _child(w, side))), name="新同学",
                   id_number=None, relatives=[])
    return roster.create_child(s, actor=a, data=data, today=TODAY)


def _log_contact(s: Session, w: World, a: Actor, side: str) -> object:
    helper_id = a.helper_id if a.role is Role.helper else w[HELPER.get(side, "HB")]
    return contacts.log_contact(s, actor=a, child_id=_child(w, side), helper_id=helper_id,
                                kind=ContactKind.talk, contact_date=DAY, today=TODAY)


def _create_activity(s: Session, w: World, a: Actor, side: str) -> object:
    return activities.create_activity(s, actor=a, today=TODAY, data=ActivityInput(
        kind="tutoring", title="课业辅导", held_on=DAY, org_unit_id=w[SCHOOL[side]],
        child_ids=(_child(w, side),)))


def _attend(s: Session, w: World, a: Actor, side: str) -> object:
    """Add a child of the side to the caller's own new activity: the child must be in scope."""
    return activities.create_activity(s, actor=a, today=TODAY, data=ActivityInput(
        kind="tutoring", title="课业辅导", held_on=DAY,
        org_unit_id=a.org_unit_id or w["town_a"], child_ids=(_child(w, side),)))


def _update_activity(s: Session, w: World, a: Actor, side: str) -> object:
    activity_id = w[f"activity_{side}"]
    activity = s.get(Activity, activity_id)
    data = ActivityInput(kind="safety_education", title=f"安全教育{side}(改)",
                         held_on=activity.held_on, org_unit_id=activity.org_unit_id,
                         child_ids=(_child(w, side),))
    return activities.update_activity(s, actor=a, activity_id=activity_id,
                                      expected_version=_version(s, Activity, activity_id),
                                      data=data, today=TODAY)


def _pair(s: Session, w: World, a: Actor, side: str) -> object:
    return pairing.pair(s, actor=a, child_id=w[UNPAIRED[side]], helper_id=w[HELPER[side]],
                        started_on=DAY, today=TODAY)


def _end_pairing(s: Session, w: World, a: Actor, side: str) -> object:
    pairing_id = w[f"pairing_{CHILD[side]}"]
    return pairing.end_pairing(s, actor=a, pairing_id=pairing_id,
                               expected_version=_version(s, Pairing, pairing_id), ended_on=DAY,
                               reason=PairingEndReason.helper_left, today=TODAY)


def _update_helper(s: Session, w: World, a: Actor, side: str) -> object:
    helper = s.get(Helper, w[HELPER[side]])
    return helpers.update_helper(s, actor=a, helper_id=helper.id,
                                 expected_version=helper.version,
                                 data=replace(helper_to_input(helper), capacity=4), today=TODAY)


def _create_helper(s: Session, w: World, a: Actor, side: str) -> object:
    helper = s.get(Helper, w[HELPER[side]])
    data = replace(helper_to_input(helper), name="新老师", phone="13500000009", user_id=None)
    return helpers.create_helper(s, actor=a, data=data, today=TODAY)


def _need(action: str):
    def call(s: Session, w: World, a: Actor, side: str) -> object:
        need_id = w[f"need_{side}"]
        common = {"actor": a, "need_id": need_id, "today": TODAY,
                  "expected_version": _version(s, Need, need_id)}
        if action == "link":
            return needs.link_need(s, **common, provider_id=w["provider"], asked="资助学费")
        if action == "resolve":
            return needs.resolve_need(s, **common, resolution="已辅导")
        return needs.close_need(s, **common, reason="不再需要")
    return call


def _wish(action: str):
    def call(s: Session, w: World, a: Actor, side: str) -> object:
        wish_id = w[f"wish_{side}"]
        common = {"actor": a, "wish_id": wish_id, "expected_version": _version(s, Wish, wish_id)}
        if action == "take":
            return wishes.take_wish(s, **common, taken_on=DAY, today=TODAY, donor="爱心人士")
        return wishes.fulfil_wish(s, **common, fulfilled_on=DAY, today=TODAY, donor="爱心人士")
    return call


def _contact(action: str):
    def call(s: Session, w: World, a: Actor, side: str) -> object:
        contact_id = w[f"contact_{side}"]
        version = _version(s, CareContact, contact_id)
        if action == "edit":
            return contacts.edit_contact(
                s, actor=a, contact_id=contact_id, expected_version=version,
                kind=ContactKind.home_visit, contact_date=date(2026, 11, 20), minutes=40,
                notes="家访", reason="更正时长", today=TODAY)
        return contacts.archive_contact(s, actor=a, contact_id=contact_id,
                                        expected_version=version, reason="重复", today=TODAY)
    return call


def _answer(s: Session, w: World, a: Actor, side: str) -> object:
    survey = survey_results.get_survey(s, Actor.system(), w["survey"])
    question = survey.questions[0]
    return survey_answers.record_answers(s, actor=a, survey_id=survey.id, child_id=_child(w, side),
                                  answers={question.id: [question.options[-1]]})


def _rule(s: Session, w: World, a: Actor, side: str) -> object:
    rule = s.query(CareRule).order_by(CareRule.id).first()
    return care_rules.set_rule_active(s, actor=a, rule_id=rule.id,
                                      expected_version=rule.version, active=False)


def _user(action: str):
    def call(s: Session, w: World, a: Actor, side: str) -> object:
        user_id = w["user_viewer_a"]
        if action == "create":
            return users.create_user(s, actor=a, username="newone", display_name="新用户",
                                     role=Role.viewer, password="chushi-2026")
        if action == "reset":
            return users.reset_password(s, actor=a, user_id=user_id, new_password="xin-2026-mima")
        return users.set_active(s, actor=a, user_id=user_id, active=False,
                                expected_version=_version(s, User, user_id))
    return call


def _org(action: str):
    def call(s: Session, w: World, a: Actor, side: str) -> object:
        if action == "create":
            return orgs.create_org_unit(s, actor=a, name="新村", kind=OrgKind.village,
                                        parent_id=w["town_b"])
        unit = s.get(OrgUnit, w["village_b"])
        return orgs.update_org_unit(s, actor=a, org_unit_id=unit.id,
                                    expected_version=unit.version, name="王家新村",
                                    is_mountain_area=True, enrolled_students=None)
    return call


TARGETED: list[Entry] = [
    # reading one record
    Entry("roster.get_child", G, PEOPLE, lambda s, w, a, side: roster.get_child(
        s, a, _child(w, side)), "side", sides=WITH_U),
    Entry("timeline.child_timeline", G, PEOPLE, lambda s, w, a, side: timeline.child_timeline(
        s, a, _child(w, side)), None, sides=WITH_U),
    Entry("risk.assessments_of", G, PEOPLE, lambda s, w, a, side: risk.assessments_of(
        s, a, _child(w, side)), None),
    Entry("pairing.visible_child", G, PEOPLE, lambda s, w, a, side: pairing.visible_child(
        s, a, _child(w, side)), "side", sides=WITH_U),
    Entry("pairing.child_pairings", G, PEOPLE, lambda s, w, a, side: pairing.child_pairings(
        s, a, _child(w, side)), None),
    Entry("suggestions.suggest_helpers", G, STAFF, lambda s, w, a, side: (
        suggestions.suggest_helpers(s, a, w[UNPAIRED[side]], today=TODAY)), None,
        sides=("A", "B")),
    Entry("helpers.get_helper", G, PEOPLE, lambda s, w, a, side: helpers.get_helper(
        s, a, w[HELPER[side]]), "side", target=Target.HELPER),
    Entry("pairing.helper_pairings", G, PEOPLE, lambda s, w, a, side: pairing.helper_pairings(
        s, a, w[HELPER[side]]), None, target=Target.HELPER),
    Entry("activity_queries.get_activity", G, STAFF, lambda s, w, a, side: (
        activity_queries.get_activity(s, a, w[f"activity_{side}"])), None, town_held=True),
    Entry("activity_queries.activity_detail", G, STAFF, lambda s, w, a, side: (
        activity_queries.activity_detail(s, a, w[f"activity_{side}"])), "side",
        town_held=True),
    # changing one child, or recording something about them
    Entry("roster.update_child", W, STAFF, _update_child, sides=WITH_U),
    Entry("roster.archive_child", W, STAFF, lambda s, w, a, side: roster.archive_child(
        s, actor=a, child_id=_child(w, side), reason=ArchiveReason.moved_away,
        expected_version=_version(s, Child, _child(w, side))), sides=WITH_U),
    Entry("roster.create_child", W, STAFF, _create_child, target=Target.ORG),
    Entry("review.confirm_still_correct", W, STAFF, lambda s, w, a, side: (
        review.confirm_still_correct(s, actor=a, child_id=_child(w, side),
                                     expected_version=_version(s, Child, _child(w, side))))),
    Entry("risk.record_assessment", W, STAFF, lambda s, w, a, side: risk.record_assessment(
        s, actor=a, child_id=_child(w, side), assessed_on=DAY, level=RiskLevel.yellow,
        today=TODAY), sides=WITH_U),
    Entry("contacts.log_contact", W, PEOPLE, _log_contact),
    Entry("contacts.edit_contact", W, STAFF, _contact("edit")),
    Entry("contacts.archive_contact", W, STAFF, _contact("archive")),
    Entry("needs.record_need", W, PEOPLE, lambda s, w, a, side: needs.record_need(
        s, actor=a, child_id=_child(w, side), kind=NeedKind.medical, description="体检",
        found_on=DAY, priority=NeedPriority.normal, today=TODAY), sides=WITH_U),
    Entry("needs.link_need", W, STAFF, _need("link")),
    Entry("needs.resolve_need", W, STAFF, _need("resolve")),
    Entry("needs.close_need", W, STAFF, _need("close")),
    Entry("wishes.collect_wish", W, STAFF, lambda s, w, a, side: wishes.collect_wish(
        s, actor=a, child_id=_child(w, side), content="一套画笔", collected_on=DAY,
        today=TODAY), sides=WITH_U),
    Entry("wishes.take_wish", W, STAFF, _wish("take")),
    Entry("wishes.fulfil_wish", W, STAFF, _wish("fulfil")),
    Entry("survey_answers.record_answers", W, STAFF, _answer, sides=WITH_U),
    Entry("ledger.record_given", W, STAFF, lambda s, w, a, side: ledger.record_given(
        s, actor=a, donated_on=DAY, money_yuan=10, recipients=[_child(w, side)],
        today=TODAY), sides=WITH_U),
    Entry("ledger.archive_entry", W, STAFF, lambda s, w, a, side: ledger.archive_entry(
        s, actor=a, entry_id=w[f"given_{side}"], reason="录错",
        expected_version=_version(s, Donation, w[f"given_{side}"])), town_held=True),
    Entry("pairing.pair", W, STAFF, _pair, target=Target.ORG),
    Entry("pairing.end_pairing", W, STAFF, _end_pairing),
    Entry("activities.create_activity[attending child]", W, STAFF, _attend, sides=WITH_U),
    Entry("activities.create_activity[unit]", W, STAFF, _create_activity, target=Target.ORG),
    Entry("activities.update_activity", W, STAFF, _update_activity, town_held=True),
    Entry("activities.archive_activity", W, STAFF, lambda s, w, a, side: (
        activities.archive_activity(s, actor=a, activity_id=w[f"activity_{side}"],
                                    expected_version=_version(s, Activity, w[f"activity_{side}"]),
                                    reason="录错")), town_held=True),
    Entry("campaigns.create_campaign", W, STAFF, lambda s, w, a, side: (
        campaigns.create_campaign(s, actor=a, data=CampaignInput(
            name="寒假家访", starts_on=DAY, ends_on=date(2027, 1, 31),
            contact_kind=ContactKind.home_visit, org_unit_id=w[SCHOOL[side]]))),
        target=Target.ORG),
    Entry("wish_drives.create_drive", W, STAFF, lambda s, w, a, side: wish_drives.create_drive(
        s, actor=a, name="新年心愿", starts_on=DAY, ends_on=date(2027, 1, 31),
        org_unit_id=w[SCHOOL[side]]), target=Target.ORG),
    Entry("helpers.create_helper", W, STAFF, _create_helper, target=Target.HELPER),
    Entry("helpers.update_helper", W, STAFF, _update_helper, target=Target.HELPER),
    Entry("helpers.deactivate_helper", W, STAFF, lambda s, w, a, side: (
        helpers.deactivate_helper(s, actor=a, helper_id=w[HELPER[side]], reason="调离",
                                  expected_version=_version(s, Helper, w[HELPER[side]]))),
        target=Target.HELPER),
    # no org scope: settings and the county's providers
    Entry("providers.create_provider", OPEN, STAFF, lambda s, w, a, side: (
        providers.create_provider(s, actor=a, data=providers.ProviderInput(name="爱心超市")))),
    Entry("care_rules.set_rule_active", OPEN, ADMIN_ONLY, _rule),
    Entry("activity_kinds.add_activity_kind", OPEN, ADMIN_ONLY, lambda s, w, a, side: (
        add_activity_kind(s, actor=a, label_zh="研学"))),
    Entry("surveys.create_from_template", OPEN, ADMIN_ONLY, lambda s, w, a, side: (
        surveys.create_from_template(s, actor=a, held_on=DAY, title="期末问卷"))),
    Entry("users.create_user", OPEN, ADMIN_ONLY, _user("create")),
    Entry("users.reset_password", OPEN, ADMIN_ONLY, _user("reset")),
    Entry("users.set_active", OPEN, ADMIN_ONLY, _user("active")),
    Entry("orgs.create_org_unit", OPEN, ADMIN_ONLY, _org("create")),
    Entry("orgs.update_org_unit", OPEN, ADMIN_ONLY, _org("update")),
]
