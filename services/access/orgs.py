"""The organisation tree: county › town or subdistrict › village, community or school."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pypinyin import Style, pinyin
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.validators import clean_org_name, org_name_problem
from core.vocab import OrgKind
from db.base import utcnow
from db.models import Child, OrgUnit
from services.access import audit
from services.access.permissions import Actor, Capability, org_in_scope, org_units_visible

MAX_ENROLLED = 1_000_000
# Characters that make a different place when added or swapped: 东村/西村, 一组/二组, 新村.
DISTINGUISHING = frozenset("东西南北中上下前后左右内外新老大小甲乙丙丁"
                           "一二三四五六七八九十百千零〇两0123456789")

# Which kinds may sit under which: the shape every county's list has.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind | None]] = {
    OrgKind.county: frozenset({None}),
    OrgKind.town: frozenset({OrgKind.county, None}),
    OrgKind.subdistrict: frozenset({OrgKind.county, None}),
    OrgKind.village: frozenset({OrgKind.town, OrgKind.subdistrict}),
    OrgKind.community: frozenset({OrgKind.town, OrgKind.subdistrict}),
    OrgKind.school: frozenset({OrgKind.county, OrgKind.town, OrgKind.subdistrict,
                               OrgKind.village, OrgKind.community}),
}


@dataclass(frozen=True)
class OrgNode:
    id: int
    name: str
    kind: OrgKind
    depth: int
    parent_id: int | None
    is_mountain_area: bool
    enrolled_students: int | None
    version: int

    @property
    def indented_name(self) -> str:
        return "  " * self.depth + ("└ " if self.depth else "") + self.name


NAME, PARENT = field_label("org_name", "名称"), field_label("parent", "上级")
ENROLLED = field_label("enrolled", "在籍学生数")


def shape_problem(kind: OrgKind, parent: OrgUnit | None) -> str | None:
    """Why `kind` cannot sit under `parent`, or None."""
    parent_kind = parent.kind if parent else None
    if parent_kind in ALLOWED_PARENTS[kind]:
        return None
    if parent is None:
        return Msg("errors.org.parent_missing", kind=kind)
    return Msg("errors.org.wrong_parent", kind=kind, parent_kind=parent_kind or "",
               parent=parent.name)


def create_org_unit(session: Session, *, actor: Actor, name: str, kind: OrgKind,
                    parent_id: int | None = None, is_mountain_area: bool = False,
                    enrolled_students: int | None = None) -> OrgUnit:
    actor.require(Capability.MANAGE_ORGS)
    return _create(session, actor, name, kind, parent_id, is_mountain_area, enrolled_students)


def ensure_unit_for_roster(session: Session, *, actor: Actor, name: str, kind: OrgKind,
                           parent_id: int | None) -> OrgUnit:
    """The named unit under `parent_id`, created when a roster names one that is not there yet.

    Roster imports may add the villages and schools they name (CONTRACTS.md), so this needs
    only the right to edit the roster, and a coordinator only adds units inside their scope.
    """
    actor.require(Capability.EDIT_ROSTER)
    name = clean_org_name(name)
    siblings = _siblings(session, kind, parent_id)
    key = name_key(name)
    if same := [u for u in siblings if u.name == name] or [
            u for u in siblings if name_key(u.name) == key]:
        return same[0]
    if near := next((u for u in siblings if one_edit_apart(key, name_key(u.name))), None):
        raise DomainError.of("errors.org.near_name", kind=kind, name=name, near=near.name)
    if actor.org_unit_id is not None and not org_in_scope(session, actor, parent_id):
        raise PermissionDenied(Msg("errors.permission.org_out_of_scope", name=name))
    return _create(session, actor, name, kind, parent_id, False, None)


def _siblings(session: Session, kind: OrgKind, parent_id: int | None) -> list[OrgUnit]:
    """Active units of one kind under one parent (or at the top)."""
    return list(session.scalars(select(OrgUnit).where(
        OrgUnit.kind == kind, OrgUnit.archived_at.is_(None),
        OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id)
        .order_by(OrgUnit.id)))


def name_key(name: str) -> str:
    """What two spellings of one name share: full-width forms folded, no spaces, any case."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def one_edit_apart(a: str, b: str) -> bool:
    """A likely slip: one character added or dropped, or swapped for one that sounds the same.

    An input method's slip is a homophone (石们镇 for 石门镇, 李佳村 for 李家村); 王家村 beside
    李家村 is another village, and so are 东村/西村 and 一组/二组 (see DISTINGUISHING).
    """
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        changed = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        return (len(changed) == 1 and not set(changed[0]) <= DISTINGUISHING
                and _sound_alike(*changed[0]))
    short, long = sorted((a, b), key=len)
    at = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y),
              len(short))
    return short[at:] == long[at + 1:] and long[at] not in DISTINGUISHING


def _sound_alike(a: str, b: str) -> bool:
    """Two characters sharing a reading, tones ignored (门/们 men, 家/佳 jia)."""
    readings = pinyin([a, b], style=Style.NORMAL, heteronym=True)
    return bool(set(readings[0]) & set(readings[1])) and readings[0] != [a]


def _create(session: Session, actor: Actor, name: str, kind: OrgKind, parent_id: int | None,
            is_mountain_area: bool, enrolled_students: int | None) -> OrgUnit:
    name = clean_org_name(name)
    parent = session.get(OrgUnit, parent_id) if parent_id is not None else None
    problems = _problems(session, name, kind, parent, enrolled_students, exclude_id=None)
    if parent_id is not None and parent is None:
        problems[PARENT] = Msg("errors.org.parent_unknown")
    if problems:
        raise ValidationFailed(problems)
    unit = OrgUnit(name=name.strip(), kind=kind, parent=parent, is_mountain_area=is_mountain_area,
                   enrolled_students=enrolled_students)
    session.add(unit)
    session.flush()
    write_path(session, unit)
    audit.record(session, actor, "create", "org_unit", unit.id, after=audit.snapshot(unit),
                 summary=f"新建{kind.zh} {unit.name}")
    return unit


def write_path(session: Session, unit: OrgUnit) -> None:
    """Write the materialised path once the id is known, without counting it as an edit."""
    path = f"{unit.parent.path if unit.parent else '/'}{unit.id}/"
    session.execute(update(OrgUnit).where(OrgUnit.id == unit.id).values(path=path))
    set_committed_value(unit, "path", path)


def _problems(session: Session, name: str, kind: OrgKind, parent: OrgUnit | None,
              enrolled_students: int | None, exclude_id: int | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not name.strip():
        problems[NAME] = Msg("errors.org.name_empty")
    elif why := org_name_problem(name):
        problems[NAME] = Msg("errors.org.name_problem", why=why)
    if why := shape_problem(kind, parent):
        problems[PARENT] = why
    if enrolled_students is not None and enrolled_students < 0:
        problems[ENROLLED] = Msg("errors.org.enrolled_negative")
    elif enrolled_students is not None and enrolled_students > MAX_ENROLLED:
        problems[ENROLLED] = Msg("errors.row.at_most", max=MAX_ENROLLED)
    clash = select(OrgUnit.id).where(
        OrgUnit.name == name.strip(),
        OrgUnit.parent_id.is_(None) if parent is None else OrgUnit.parent_id == parent.id)
    if exclude_id is not None:
        clash = clash.where(OrgUnit.id != exclude_id)
    if name.strip() and session.scalar(clash) is not None:
        problems[NAME] = Msg("errors.org.name_taken", name=name.strip())
    return problems


def update_org_unit(session: Session, *, actor: Actor, org_unit_id: int, expected_version: int,
                    name: str, is_mountain_area: bool, enrolled_students: int | None) -> OrgUnit:
    """Rename or change the flags of a unit; a stale version is refused, not overwritten."""
    actor.require(Capability.MANAGE_ORGS)
    unit = get_org_unit(session, org_unit_id)
    audit.require_version(unit, expected_version, Msg("errors.what.org_unit"))
    name = clean_org_name(name)
    if problems := _problems(session, name, unit.kind, unit.parent, enrolled_students, unit.id):
        raise ValidationFailed(problems)
    with audit.tracked(session, actor, unit, "org_unit", summary=f"修改单位 {name.strip()}"):
        unit.name, unit.is_mountain_area = name.strip(), is_mountain_area
        unit.enrolled_students = enrolled_students
    return unit


def archive_org_unit(session: Session, *, actor: Actor, org_unit_id: int, expected_version: int,
                     reason: str) -> OrgUnit:
    """Archive a unit that has no active sub-units and no active children."""
    actor.require(Capability.MANAGE_ORGS)
    unit = get_org_unit(session, org_unit_id)
    audit.require_version(unit, expected_version, Msg("errors.what.org_unit"))
    active_subunits = session.scalar(select(func.count()).where(
        OrgUnit.parent_id == unit.id, OrgUnit.archived_at.is_(None)))
    active_children = session.scalar(select(func.count()).select_from(Child).where(
        Child.archived_at.is_(None),
        or_(Child.town_id == unit.id, Child.village_id == unit.id, Child.school_id == unit.id)))
    if active_subunits or active_children:
        raise DomainError.of("errors.org.not_empty", name=unit.name, units=active_subunits,
                             children=active_children)
    with audit.tracked(session, actor, unit, "org_unit", action="archive",
                       summary=f"归档单位 {unit.name}"):
        unit.archived_at, unit.archive_reason = utcnow(), reason.strip() or "归档"
    return unit


def get_org_unit(session: Session, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise NotFound(Msg("errors.what.org_unit"))
    return unit


def org_tree(session: Session, actor: Actor, *, include_archived: bool = False) -> list[OrgNode]:
    """The units in scope in tree order (each parent before its children)."""
    stmt = select(OrgUnit).where(org_units_visible(actor)).order_by(OrgUnit.path)
    if not include_archived:
        stmt = stmt.where(OrgUnit.archived_at.is_(None))
    units = list(session.scalars(stmt))
    by_parent: dict[int | None, list[OrgUnit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        by_parent.setdefault(parent, []).append(unit)
    nodes: list[OrgNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(by_parent.get(parent, []), key=lambda u: (u.kind is OrgKind.school,
                                                                      u.name)):
            nodes.append(OrgNode(unit.id, unit.name, unit.kind, depth, unit.parent_id,
                                 unit.is_mountain_area, unit.enrolled_students, unit.version))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return nodes


def find_org_unit(session: Session, name: str, *, kinds: set[OrgKind] | None = None,
                  parent_id: int | None = None) -> list[OrgUnit]:
    """Active units with exactly this name, optionally of these kinds or under this parent."""
    stmt = select(OrgUnit).where(OrgUnit.name == name.strip(), OrgUnit.archived_at.is_(None))
    if kinds:
        stmt = stmt.where(OrgUnit.kind.in_(kinds))
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    return list(session.scalars(stmt))


def scope_label(session: Session, org_unit_id: int | None, lang: str = "zh") -> str | None:
    """"石门镇（乡镇）" ("石门镇 (Township)" in English) for a scoped account, None for the
    whole database."""
    if org_unit_id is None:
        return None
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None:
        return None
    if lang == "zh":
        return f"{unit.name}\uff08{unit.kind.label(lang)}\uff09"
    return f"{unit.name} ({unit.kind.label(lang)})"


def find_org_unit_of_kind(session: Session, kind: OrgKind) -> list[OrgUnit]:
    """Active units of one kind, e.g. the county or counties."""
    return list(session.scalars(select(OrgUnit).where(
        OrgUnit.kind == kind, OrgUnit.archived_at.is_(None)).order_by(OrgUnit.id)))


@dataclass(frozen=True)
class Place:
    """A village or school as a picker shows it: "石门镇 › 李家村"."""

    id: int
    town_id: int | None
    label: str


def places_in_scope(session: Session, actor: Actor, kinds: set[OrgKind]) -> list[Place]:
    """Active villages/communities or schools the actor may use, labelled with their town."""
    parent = aliased(OrgUnit)
    rows = session.execute(
        select(OrgUnit.id, OrgUnit.name, parent.id, parent.name)
        .join(parent, parent.id == OrgUnit.parent_id, isouter=True)
        .where(OrgUnit.kind.in_(kinds), OrgUnit.archived_at.is_(None), org_units_visible(actor))
        .order_by(parent.name, OrgUnit.name))
    return [Place(unit_id, town_id, f"{town} › {name}" if town else name)
            for unit_id, name, town_id, town in rows]
