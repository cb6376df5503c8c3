"""What a child's record may contain: one input shape and one set of rules for form, import, CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.errors import field_label
from core.i18n import Msg
from core.validators import (
    birth_date_problem,
    clean_name,
    digits_only,
    id_number_problem,
    line_problem,
    person_name_problem,
    phone_problem,
    text_problem,
)
from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    Gender,
    GuardianType,
    HouseholdType,
    LeftBehindType,
    OrgKind,
    Relation,
)
from db.field_crypto import active_key
from db.models import Child, OrgUnit

TOWN_KINDS = frozenset({OrgKind.town, OrgKind.subdistrict})
VILLAGE_KINDS = frozenset({OrgKind.village, OrgKind.community})
RELATION_COLUMN = {Relation.father: "父亲", Relation.mother: "母亲", Relation.guardian: "监护人"}
# Single-line fields: (column header, the database column's length).
LINE_FIELDS = {"grade": ("年级", 20), "class_name": ("班级", 20), "address": ("家庭住址", 200),
               "health": ("健康状况", 200), "hobbies": ("兴趣爱好", 200),
               "contact_with_parents": ("与父母联系方式", 100), "concern_tags": ("关注标签", 200)}
# Free text that may span lines (Text columns; the bound keeps a record readable).
NOTE_FIELDS = {"psychological_notes": ("心理状况", 2000), "notes": ("备注", 5000)}
# A relative's fields: (column suffix, length); the guardian's 住址 and 关系 have their own names.
RELATIVE_FIELDS = {"work_place": ("务工地", 100), "address": ("住址", 200),
                   "relation_detail": ("关系", 20)}


@dataclass
class RelativeInput:
    relation: Relation
    name: str
    phone: str | None = None
    work_place: str | None = None
    address: str | None = None
    relation_detail: str | None = None


@dataclass
class ChildInput:
    """Every field a person can enter for a child; problems are keyed by the template's headers."""

    name: str = ""
    gender: Gender | None = None
    birth_date: date | None = None
    categories: list[Category] = field(default_factory=list)
    town_id: int | None = None
    village_id: int | None = None
    id_number: str | None = None
    school_id: int | None = None
    grade: str | None = None
    class_name: str | None = None
    left_behind_type: LeftBehindType | None = None
    guardian_type: GuardianType | None = None
    economic_status: EconomicStatus | None = None
    academic_level: AcademicLevel | None = None
    address: str | None = None
    health: str | None = None
    psychological_notes: str | None = None
    hobbies: str | None = None
    contact_with_parents: str | None = None
    safety_incident: bool = False
    in_mountain_area: bool | None = None
    boarding: bool = False
    household_type: HouseholdType | None = None
    guardianship_agreement: bool = False
    key_concern: bool = False
    concern_tags: str | None = None
    notes: str | None = None
    relatives: list[RelativeInput] = field(default_factory=list)

    def normalised(self) -> ChildInput:
        """Trim text, upper-case the ID number's X, and turn blanks into None."""
        copy = ChildInput(**{**self.__dict__})
        for name, value in self.__dict__.items():
            if isinstance(value, str) and not isinstance(value, Enum):
                setattr(copy, name, value.strip() or None)
        copy.name = clean_name(self.name)
        copy.id_number = digits_only(copy.id_number).upper() or None if copy.id_number else None
        copy.relatives = [
            RelativeInput(r.relation, clean_name(r.name), _phone(r.phone),
                          _blank_none(r.work_place), _blank_none(r.address),
                          _blank_none(r.relation_detail))
            for r in self.relatives if r.name.strip() or (r.phone or "").strip()
        ]
        return copy


def _blank_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _phone(value: str | None) -> str | None:
    """Full-width digits and spaces in a phone number read as ASCII digits."""
    return digits_only(value) or None if value else None


def gender_of_id_number(id_number: str) -> Gender:
    """The 17th digit is odd for a boy, even for a girl."""
    return Gender.male if int(id_number[16]) % 2 else Gender.female


def child_problems(session: Session, data: ChildInput, *, today: date) -> dict[str, str]:
    """Every rule a child's record must keep, as {column header: reason}; empty when fine."""
    problems: dict[str, str] = {}
    if why := person_name_problem(data.name):
        problems[field_label("name", "姓名")] = why
    if data.gender is None:
        problems[field_label("gender", "性别")] = Msg("errors.valid.required")
    if data.birth_date is None:
        problems[field_label("birth_date", "出生日期")] = Msg("errors.valid.required")
    elif why := birth_date_problem(data.birth_date, today):
        problems[field_label("birth_date", "出生日期")] = why
    if not data.categories:
        problems[field_label("categories", "儿童类别")] = Msg("errors.child.no_category")
    if data.id_number:
        if why := id_number_problem(data.id_number, data.birth_date):
            problems[field_label("id_number", "身份证号")] = why
        elif data.gender and (shown := gender_of_id_number(data.id_number)) is not data.gender:
            problems[field_label("id_number", "身份证号")] = Msg("errors.child.id_gender",
                                                         gender=shown)
    problems.update(_place_problems(session, data))
    problems.update(_text_problems(data))
    for relative in data.relatives:
        problems.update(_relative_problems(relative))
    return problems


def _text_problems(data: ChildInput) -> dict[str, str]:
    """Every free-text field within its column's length, printable, lines only in notes."""
    problems: dict[str, str] = {}
    for name, (column, max_len) in LINE_FIELDS.items():
        value = getattr(data, name)
        if value and (why := line_problem(value, max_len=max_len)):
            problems[field_label(name, column)] = why
    for name, (column, max_len) in NOTE_FIELDS.items():
        value = getattr(data, name)
        if value and (why := text_problem(value, max_len=max_len, multiline=True)):
            problems[field_label(name, column)] = why
    return problems


def _relative_problems(relative: RelativeInput) -> dict[str, str]:
    column = RELATION_COLUMN[relative.relation]
    who = relative.relation

    def header(name: str, suffix: str) -> Msg:
        return Msg.keeping(f"{column}{suffix}", f"errors.field.relative_{name}", relative=who)

    problems: dict[str, str] = {}
    if relative.phone and (why := phone_problem(relative.phone)):
        problems[header("phone", "电话")] = why
    if not relative.name.strip():
        problems[header("name", "姓名")] = Msg("errors.child.relative_name_missing")
    elif why := person_name_problem(relative.name):
        problems[header("name", "姓名")] = why
    for name, (suffix, max_len) in RELATIVE_FIELDS.items():
        value = getattr(relative, name)
        if value and (why := line_problem(value, max_len=max_len)):
            problems[header(name, suffix)] = why
    return problems


def _place_problems(session: Session, data: ChildInput) -> dict[str, str]:
    problems: dict[str, str] = {}
    town = session.get(OrgUnit, data.town_id) if data.town_id else None
    village = session.get(OrgUnit, data.village_id) if data.village_id else None
    town_field = field_label("town", "乡镇(街道)")  # keep-ascii
    village_field = field_label("village", "村(社区)")  # keep-ascii
    if town is None or town.kind not in TOWN_KINDS:
        problems[town_field] = Msg("errors.child.town_missing")
    if village is None or village.kind not in VILLAGE_KINDS:
        problems[village_field] = Msg("errors.child.village_missing")
    elif town is not None and village.parent_id != town.id:
        problems[village_field] = Msg("errors.child.village_elsewhere", village=village.name,
                                      town=town.name)
    if data.school_id:
        school = session.get(OrgUnit, data.school_id)
        if school is None or school.kind is not OrgKind.school:
            problems[field_label("school", "学校")] = Msg("errors.child.school_missing")
    return problems


@dataclass(frozen=True)
class Duplicate:
    """An existing record that looks like the same child, and why."""

    child_id: int
    name: str
    reason: str


def find_duplicates(session: Session, data: ChildInput, *,
                    exclude_id: int | None = None) -> list[Duplicate]:
    """The same 身份证号, or the same name + birth date + village, among all records."""
    conditions = []
    number_hash = active_key().lookup_hash(data.id_number) if data.id_number else None
    if number_hash:
        conditions.append(Child.id_number_hash == number_hash)
    if data.name and data.birth_date and data.village_id:
        conditions.append((Child.name == data.name) & (Child.birth_date == data.birth_date)
                          & (Child.village_id == data.village_id))
    if not conditions:
        return []
    stmt = select(Child).where(or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(Child.id != exclude_id)
    found = []
    for child in session.scalars(stmt):
        same_id = number_hash is not None and child.id_number_hash == number_hash
        reason = Msg("errors.child.same_id" if same_id else "errors.child.same_name_birth_village")
        found.append(Duplicate(child.id, child.name, reason))
    return found


def child_to_input(child: Child) -> ChildInput:
    """The record as the form and the import see it, ready to be changed and saved back."""
    values = {name: getattr(child, name) for name in ChildInput.__dataclass_fields__
              if name not in {"categories", "relatives"}}
    return ChildInput(**values, categories=child.category_codes, relatives=[
        RelativeInput(r.relation, r.name, r.phone, r.work_place, r.address, r.relation_detail)
        for r in child.relatives if r.archived_at is None
    ])
