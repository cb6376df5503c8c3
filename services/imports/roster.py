"""Import the roster (CONTRACTS.md): new children are added, known ones updated with a diff."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from config import local_today
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import Msg
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
    RiskLevel,
)
from db.field_crypto import active_key
from db.models import Child, OrgUnit
from db.models.children import identity_key
from services.access import orgs
from services.access.permissions import Actor, Capability, children_visible
from services.imports import FieldChange, ImportReport, RecordChange, header_errors
from services.imports.reader import Table
from services.imports.roster_consent import CONSENT_COLUMNS, read_consent, record_consents
from services.imports.rows import RowReader
from services.privacy.consent import ConsentInput
from services.roster import records as roster
from services.roster import risk
from services.roster.child_input import ChildInput, RelativeInput, child_to_input

LOOKUP_CHUNK = 900  # below SQLite's limit on bound parameters per statement
REQUIRED = ["姓名", "性别", "出生日期", "儿童类别", "乡镇(街道)", "村(社区)"]  # keep-ascii
RELATIVE_COLUMNS = {
    Relation.father: ("父亲姓名", "父亲电话", "父亲务工地", None, None),
    Relation.mother: ("母亲姓名", "母亲电话", "母亲务工地", None, None),
    Relation.guardian: ("监护人姓名", "监护人电话", None, "监护人住址", "监护人关系"),
}
# ChildInput field -> template column, for the fields a column fills directly.
FIELD_COLUMNS = {
    "name": "姓名", "gender": "性别", "birth_date": "出生日期", "id_number": "身份证号",
    "categories": "儿童类别", "left_behind_type": "留守类型", "guardian_type": "监护类型",
    "town_id": "乡镇(街道)", "village_id": "村(社区)", "in_mountain_area": "是否山区",  # keep-ascii
    "school_id": "学校", "grade": "年级", "class_name": "班级", "address": "家庭住址",
    "economic_status": "家庭经济状况", "academic_level": "学业成绩", "health": "健康状况",
    "psychological_notes": "心理状况", "hobbies": "兴趣爱好",
    "contact_with_parents": "与父母联系方式", "safety_incident": "曾发生安全事故",
    "notes": "备注", "key_concern": "重点关注", "boarding": "是否寄宿",
    "household_type": "户籍性质", "guardianship_agreement": "已签委托监护确认书",
}
COLUMNS = [*FIELD_COLUMNS.values(),
           *(c for cols in RELATIVE_COLUMNS.values() for c in cols if c), "风险等级",
           *CONSENT_COLUMNS]
CONSENT = "consent"  # the parsed row's ConsentInput, taken out before the ChildInput is made


FLUSH_EVERY = 500


def import_roster(session: Session, actor: Actor, table: Table, report: ImportReport) -> None:
    actor.require(Capability.EDIT_ROSTER)
    report.errors += header_errors(table, COLUMNS, REQUIRED)
    if report.errors:
        return
    today = local_today()
    # Flushes happen where ids are needed; autoflush before every query is wasted work.
    with session.no_autoflush:
        # The places stay referenced for the whole import: the identity map is weak, and the
        # rules look every row's town, village and school up again by id.
        places: dict[tuple, tuple] = {}
        rows = _read_rows(session, actor, table, report, places, today)
        known = _Known.load(session, actor, [parsed for _, parsed in rows])
        new: list[tuple[Child, RiskLevel | None]] = []
        consents: list[tuple[Child, ConsentInput]] = []
        for done, (cells, parsed) in enumerate(rows, start=1):
            _apply_row(session, actor, cells, parsed, known, new, consents, report, today)
            report.errors += cells.errors
            if len(new) >= FLUSH_EVERY:
                _save_new(session, actor, new, today)
            if done % 200 == 0:
                report.advance(done)
        _save_new(session, actor, new, today)
        record_consents(session, actor, consents, today)
    report.advance(report.rows_read)


def _read_rows(session: Session, actor: Actor, table: Table, report: ImportReport,
               places: dict[tuple, tuple], today: date) -> list[tuple[RowReader, dict]]:
    """Every row parsed and placed; bad cells and repeated children become row errors."""
    seen: dict[object, int] = {}
    rows = []
    for number, values in table.rows:
        cells = RowReader(number, values)
        parsed = _parse(cells, table.header)
        if (consent := read_consent(cells, table.header, today)) is not None:
            parsed[CONSENT] = consent
        resolved = _resolve_places(session, actor, cells, places)
        if cells.errors or resolved is None:
            report.errors += cells.errors
            continue
        parsed.update(resolved)
        keys = [k for k in (parsed.get("id_number"), _key(parsed)) if k]
        if repeat := next((seen[k] for k in keys if k in seen), None):
            cells.fail("姓名", Msg("errors.import.same_child", row=repeat))
            report.errors += cells.errors
            continue
        seen.update(dict.fromkeys(keys, number))
        rows.append((cells, parsed))
    return rows


def _key(parsed: dict) -> str:
    return identity_key(parsed["name"], parsed["birth_date"], parsed["village_id"])


def _number_hash(parsed: dict) -> str | None:
    return active_key().lookup_hash(parsed["id_number"]) if parsed.get("id_number") else None


@dataclass
class _Known:
    """The existing records a sheet's rows may match, loaded in a few queries per sheet.

    Records outside the actor's scope are kept only as bare keys: a row that matches one is
    refused as a possible duplicate and learns nothing else about it.
    """

    by_number_hash: dict[str, Child]  # 身份证号 compared by keyed hash
    by_name: dict[tuple, Child]
    by_key: dict[str, Child]
    hidden: set[object]

    @classmethod
    def load(cls, session: Session, actor: Actor, rows: list[dict]) -> _Known:
        numbers = sorted({h for r in rows if (h := _number_hash(r))})
        names = sorted({r["name"] for r in rows})
        keys = sorted({_key(r) for r in rows})
        in_scope = case((children_visible(actor), True), else_=False)
        known = cls({}, {}, {}, set())
        for start in range(0, max(len(numbers), len(names), len(keys)), LOOKUP_CHUNK):
            part = slice(start, start + LOOKUP_CHUNK)
            for child, visible in session.execute(select(Child, in_scope).where(or_(
                    Child.id_number_hash.in_(numbers[part]), Child.name.in_(names[part]),
                    Child.identity_key.in_(keys[part])))):
                known.add(child, visible=bool(visible))
        return known

    def add(self, child: Child, *, visible: bool) -> None:
        """Index a record: in full when the actor may see it, else only its keys."""
        name = (child.name, child.birth_date, child.village_id)
        if not visible:
            self.hidden.update(k for k in (child.id_number_hash, child.identity_key, name) if k)
            return
        if child.id_number_hash:
            self.by_number_hash[child.id_number_hash] = child
        if child.identity_key:
            self.by_key[child.identity_key] = child
        self.by_name[name] = child

    def match(self, parsed: dict) -> Child | None:
        """By 身份证号, else by name + birth date + village (as written, then normalised)."""
        if (number_hash := _number_hash(parsed)) and number_hash in self.by_number_hash:
            return self.by_number_hash[number_hash]
        name = (parsed["name"], parsed["birth_date"], parsed["village_id"])
        return self.by_name.get(name) or self.by_key.get(_key(parsed))

    def hidden_match(self, parsed: dict) -> bool:
        """Whether the row may be a record outside the actor's scope."""
        name = (parsed["name"], parsed["birth_date"], parsed["village_id"])
        return any(k in self.hidden for k in (_number_hash(parsed), _key(parsed), name) if k)


def _apply_row(session: Session, actor: Actor, cells: RowReader, parsed: dict, known: _Known,
               new: list[tuple[Child, RiskLevel | None]],
               consents: list[tuple[Child, ConsentInput]], report: ImportReport,
               today: date) -> None:
    consent = parsed.pop(CONSENT, None)
    existing = known.match(parsed)
    level = parsed.get("risk_level")
    try:
        if existing is None and known.hidden_match(parsed):
            raise roster.DuplicateChild([])
        if existing is None:
            data = ChildInput(**{k: v for k, v in parsed.items() if k != "risk_level"})
            child = roster.new_child(session, actor=actor, data=data, today=today,
                                     check_duplicates=False)
            child.risk_level = level
            new.append((child, level))
            if consent is not None:
                consents.append((child, consent))
            report.created += 1
            return
        updated = _update(session, actor, cells.number, existing, parsed, report, today)
        if consent is not None:
            consents.append((updated or existing, consent))
        if updated is not None and level not in (None, updated.risk_level):
            risk.record_assessment(session, actor=actor, child_id=updated.id, assessed_on=today,
                                   level=level, today=today, notes="名单导入")
    except ValidationFailed as exc:
        for column, why in exc.problems.items():
            cells.fail(column, why)
    except (DomainError, NotFound) as exc:
        cells.fail("姓名", exc.message)


def _save_new(session: Session, actor: Actor, new: list[tuple[Child, RiskLevel | None]],
              today: date) -> None:
    """Write the waiting new children in one flush, then their audit events and assessments."""
    if not new:
        return
    session.flush()
    roster.record_created(session, actor, [child for child, _ in new])
    for child, level in new:
        if level is not None:
            risk.add_first_assessment(session, child=child, level=level, assessed_on=today,
                                      assessor_id=actor.user_id, notes="名单导入")
    new.clear()


def _parse(cells: RowReader, header: list[str]) -> dict:
    """The row's values by ChildInput field; columns the file lacks are left out (kept as is)."""
    readers = {
        "name": lambda c: cells.text(c, required=True, max_len=50),
        "gender": lambda c: cells.vocab(c, Gender, required=True),
        "birth_date": lambda c: cells.day(c, required=True),
        "id_number": lambda c: cells.text(c, max_len=18),
        "categories": lambda c: cells.vocab_list(c, Category, required=True),
        "left_behind_type": lambda c: cells.vocab(c, LeftBehindType),
        "guardian_type": lambda c: cells.vocab(c, GuardianType),
        "economic_status": lambda c: cells.vocab(c, EconomicStatus),
        "academic_level": lambda c: cells.vocab(c, AcademicLevel),
        "household_type": lambda c: cells.vocab(c, HouseholdType),
        "in_mountain_area": cells.yes_no,
    }
    flags = {"safety_incident", "key_concern", "boarding", "guardianship_agreement"}
    parsed: dict = {}
    for name, column in FIELD_COLUMNS.items():
        if column not in header or name in {"town_id", "village_id", "school_id"}:
            continue
        if name in readers:
            parsed[name] = readers[name](column)
        elif name in flags:
            parsed[name] = bool(cells.yes_no(column))
        else:
            parsed[name] = cells.text(column)
    if "风险等级" in header:
        parsed["risk_level"] = cells.vocab("风险等级", RiskLevel)
    if any(c in header for cols in RELATIVE_COLUMNS.values() for c in cols if c):
        parsed["relatives"] = _relatives(cells, header)
    return parsed


def _relatives(cells: RowReader, header: list[str]) -> list[RelativeInput]:
    found = []
    for relation, (name_col, phone_col, work_col, address_col, detail_col) in (
            RELATIVE_COLUMNS.items()):
        def read(column: str | None) -> str | None:
            return cells.text(column) if column and column in header else None

        name, phone = read(name_col), read(phone_col)
        if name or phone:
            found.append(RelativeInput(relation, name or "", phone, read(work_col),
                                       read(address_col), read(detail_col)))
    return found


def _resolve_places(session: Session, actor: Actor, cells: RowReader,
                    cache: dict[tuple, tuple]) -> dict | None:
    """Town, village and school ids, adding the ones the sheet names for the first time.

    A sheet names the same few places thousands of times: each is looked up once per import.
    """
    town_name = cells.values.get("乡镇(街道)", "").strip()  # keep-ascii
    village_name = cells.values.get("村(社区)", "").strip()  # keep-ascii
    key = (town_name, village_name, cells.values.get("学校", "").strip())
    if key not in cache:
        found = _lookup_places(session, actor, cells)
        if found is None:
            return None
        # Holding the units keeps them in the session's (weak) identity map, so the rules
        # that look them up again by id do not go back to the database for each row.
        cache[key] = found
    town, village, school = cache[key]
    return {"town_id": town.id, "village_id": village.id,
            "school_id": school.id if school else None}


def _lookup_places(session: Session, actor: Actor,
                   cells: RowReader) -> tuple[OrgUnit, OrgUnit, OrgUnit | None] | None:
    town_name, village_name = cells.text("乡镇(街道)", required=True), cells.text(  # keep-ascii
        "村(社区)", required=True)  # keep-ascii
    school_name = cells.text("学校")
    if not town_name or not village_name:
        return None
    # The column a refusal is reported under: the unit being resolved.
    column = "乡镇(街道)"  # keep-ascii
    try:
        town_kind = OrgKind.subdistrict if town_name.endswith("街道") else OrgKind.town
        town = _find_town(session, town_name, town_kind) or orgs.ensure_unit_for_roster(
            session, actor=actor, name=town_name, kind=town_kind, parent_id=_county_id(session))
        column = "村(社区)"  # keep-ascii
        village_kind = OrgKind.community if village_name.endswith("社区") else OrgKind.village
        village = orgs.ensure_unit_for_roster(session, actor=actor, name=village_name,
                                              kind=village_kind, parent_id=town.id)
        column = "学校"
        school = orgs.ensure_unit_for_roster(
            session, actor=actor, name=school_name, kind=OrgKind.school,
            parent_id=town.id) if school_name else None
    except DomainError as exc:
        cells.fail(column, exc.message)
        return None
    return town, village, school


def _find_town(session: Session, name: str, kind: OrgKind) -> OrgUnit | None:
    found = orgs.find_org_unit(session, name, kinds={kind})
    return found[0] if len(found) == 1 else None


def _county_id(session: Session) -> int | None:
    counties = orgs.find_org_unit_of_kind(session, OrgKind.county)
    return counties[0].id if len(counties) == 1 else None


def _update(session: Session, actor: Actor, number: int, child: Child, parsed: dict,
            report: ImportReport, today: date) -> Child | None:
    if child.archived_at is not None:
        raise DomainError.of("errors.import.child_archived", name=child.name)
    current = child_to_input(child)
    wanted = ChildInput(**{**current.__dict__,
                           **{k: v for k, v in parsed.items() if k != "risk_level"}})
    changes = _differences(session, current, wanted.normalised())
    if not changes:
        report.unchanged += 1
        return child
    report.changes.append(RecordChange(number, child.name, tuple(changes)))
    report.updated += 1
    return roster.update_child(session, actor=actor, child_id=child.id,
                               expected_version=child.version, data=wanted, today=today)


def _differences(session: Session, before: ChildInput, after: ChildInput) -> list[FieldChange]:
    changes = []
    for spec in fields(ChildInput):
        old, new = getattr(before, spec.name), getattr(after, spec.name)
        if spec.name == "relatives":
            old, new = _relatives_text(old), _relatives_text(new)
        if old != new:
            column = FIELD_COLUMNS.get(spec.name, "亲属")
            changes.append(FieldChange(column, _show(session, spec.name, old),
                                       _show(session, spec.name, new)))
    return changes


def _relatives_text(relatives: list[RelativeInput]) -> str:
    return ";".join(f"{r.relation.zh}:{r.name} {r.phone or ''} {r.work_place or ''}".strip()
                    for r in sorted(relatives, key=lambda r: list(Relation).index(r.relation)))


def _show(session: Session, name: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if name in {"town_id", "village_id", "school_id"}:
        unit = session.get(OrgUnit, value)
        return unit.name if unit else str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(getattr(v, "zh", str(v)) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "zh", str(value))
