"""Who should help this child: helpers ranked by closeness and load, with the reasons in words."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from core.i18n import DEFAULT_LANGUAGE, Msg, render, t
from core.validators import age_on
from core.vocab import HelperKind, RiskLevel
from db.models import Child, Helper, OrgUnit, Pairing
from services.access.permissions import Actor, Capability, helpers_visible
from services.pairing.pairings import open_load, safeguard_problem, visible_child

# Points for being close to the child: the class, then the school, then the village, the town.
CLASS_POINTS = {HelperKind.class_teacher: 60, HelperKind.peer_student: 45, HelperKind.teacher: 45}
SCHOOL_POINTS = {HelperKind.teacher: 35, HelperKind.class_teacher: 30,
                 HelperKind.peer_student: 25}
VILLAGE_POINTS = {HelperKind.caring_parent: 45, HelperKind.child_director: 40,
                  HelperKind.volunteer: 35}
TOWN_POINTS = 15
IDLE_POINTS = 10
LOAD_PENALTY = 5
# A child at red or yellow risk is better served by someone trained for it.
TRAINED_FOR_RISK = {HelperKind.social_worker: 20, HelperKind.child_director: 10}
CLOSE_KINDS = {HelperKind.class_teacher: "class_teacher", HelperKind.teacher: "teacher",
               HelperKind.peer_student: "peer_student"}


@dataclass(frozen=True)
class Suggestion:
    helper_id: int
    helper_name: str
    helper_kind: HelperKind
    unit: str
    load: int
    capacity: int
    score: int
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return self.why_in(DEFAULT_LANGUAGE)

    def why_in(self, lang: str) -> str:
        """The reasons in `lang`, joined (；in Chinese)."""
        return t("pairing.suggest.separator", lang).join(render(r, lang) for r in self.reasons)


def class_label(grade: str | None, class_name: str | None) -> str | None:
    """"三年级2班": how classes are written on helpers and in the seeds."""
    label = f"{grade or ''}{class_name or ''}".strip()
    return label or None


def _closeness(child: Child, helper: Helper, town_unit_ids: set[int]) -> tuple[int, Msg] | None:
    """Points and words for where the helper stands relative to the child, or None if far."""
    kind = helper.kind
    at_school = child.school_id is not None and child.school_id in (
        helper.school_id, helper.org_unit_id)
    same_class = at_school and helper.class_name is not None and helper.class_name == class_label(
        child.grade, child.class_name)
    if same_class and kind in CLASS_POINTS:
        return CLASS_POINTS[kind], Msg(f"pairing.suggest.same_class.{CLOSE_KINDS[kind]}",
                                       class_name=helper.class_name)
    if kind in (HelperKind.peer_student, HelperKind.class_teacher) and not at_school:
        return None  # peer students and class teachers look after their own school's children
    if at_school:
        return SCHOOL_POINTS.get(kind, 20), Msg("pairing.suggest.same_school", kind=kind)
    if helper.org_unit_id == child.village_id:
        return VILLAGE_POINTS.get(kind, 30), Msg("pairing.suggest.same_village", kind=kind)
    if helper.org_unit_id in town_unit_ids:
        return TOWN_POINTS, Msg("pairing.suggest.same_town", kind=kind)
    return None


def rank(child: Child, helper: Helper, load: int, *, today: date,
         town_unit_ids: set[int]) -> Suggestion | None:
    """Score one helper for one child; None when a safeguard or the capacity rules them out."""
    if helper.archived_at is not None or load >= helper.capacity:
        return None
    if safeguard_problem(child, helper) is not None:
        return None
    close = _closeness(child, helper, town_unit_ids)
    if close is None:
        return None
    score, where = close
    reasons = [where]
    if helper.kind is HelperKind.peer_student and helper.birth_date:
        years = age_on(helper.birth_date, today) - age_on(child.birth_date, today)
        reasons.append(Msg("pairing.suggest.older_by", years=years, gender=child.gender)
                       if years > 0 else Msg("pairing.suggest.older", gender=child.gender))
    if child.risk_level in (RiskLevel.red, RiskLevel.yellow) and helper.kind in TRAINED_FOR_RISK:
        score += TRAINED_FOR_RISK[helper.kind]
        reasons.append(Msg("pairing.suggest.trained", kind=helper.kind, risk=child.risk_level))
    free = helper.capacity - load
    if load == 0:
        score += IDLE_POINTS
        reasons.append(Msg("pairing.suggest.idle", free=free))
    else:
        score -= LOAD_PENALTY * load
        reasons.append(Msg("pairing.suggest.room", load=load, free=free))
    return Suggestion(helper.id, helper.name, helper.kind, "", load, helper.capacity, score,
                      tuple(reasons))


def _town_unit_ids(session: Session, child: Child) -> set[int]:
    """The child's town and every unit under it."""
    town_path = select(OrgUnit.path).where(OrgUnit.id == child.town_id).scalar_subquery()
    return set(session.scalars(select(OrgUnit.id).where(OrgUnit.path.startswith(
        town_path, autoescape=False))))


def suggest_helpers(session: Session, actor: Actor, child_id: int, *, today: date,
                    limit: int = 5) -> list[Suggestion]:
    """The best helpers with a free place for this child, best first, each with its reasons."""
    actor.require(Capability.MANAGE_PAIRINGS)
    child = visible_child(session, actor, child_id)
    town_units = _town_unit_ids(session, child)
    already = select(Pairing.helper_id).where(Pairing.child_id == child.id,
                                              Pairing.ended_on.is_(None))
    nearby: ColumnElement[bool] = Helper.org_unit_id.in_(town_units)
    if child.school_id is not None:  # the school may lie outside the child's town
        nearby = or_(nearby, Helper.school_id == child.school_id,
                     Helper.org_unit_id == child.school_id)
    helpers = list(session.scalars(select(Helper).where(
        Helper.archived_at.is_(None), helpers_visible(actor), nearby, Helper.id.not_in(already))))
    load = open_load(session, [h.id for h in helpers])
    units = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({h.org_unit_id for h in helpers if h.org_unit_id}))).all())
    ranked = [s for h in helpers if (s := rank(child, h, load.get(h.id, 0), today=today,
                                                 town_unit_ids=town_units))]
    ranked.sort(key=lambda s: (-s.score, s.load, s.helper_name))
    by_id = {h.id: h for h in helpers}
    return [replace(s, unit=by_id[s.helper_id].work_unit
                    or units.get(by_id[s.helper_id].org_unit_id or 0, ""))
            for s in ranked[:limit]]
