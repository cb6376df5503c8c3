"""The rollups always give the figures the records give, whatever people write and in what order.

A property test (hypothesis, over a list of writes): each example starts from a fresh database
(a copy of the migrated SQLite template, or the PostgreSQL test database truncated, as
`tests/conftest.py` makes them) holding a small world: one county with a township of two
villages and a school and a subdistrict with two communities, and a second county of one
township and village (a province's figures are summed county by county); five helpers (two
written before a unit was required: one counted at the school, one nowhere but in the whole
database); an administrator
and a township coordinator; eight children with some contacts, an activity, a pairing, a need
and consents. Then it makes a sequence of the writes people make, each through the service the
app calls and in one `db.engine.transaction` of its own, as a page does:

- a child created, edited (gender, birth date, categories, risk level, boarding, key concern and
  the other flags, school, moved to a village of another township or county), archived and
  restored;
- a roster file imported (new children, and known ones changed or, matched by 身份证号, moved);
- contacts logged (backdated into past months and terms), edited, withdrawn (撤销) and imported
  from a file (the contact import writes them with one bulk `insert`);
- activities created, edited (attendance, date, unit, 场次), archived and restored; a photo
  added and deleted (which must not matter);
- pairings made and ended; helpers moved, deactivated and reactivated; a care rule (帮扶要求)
  changed, switched off and on;
- needs recorded and moved through their statuses; consent recorded and withdrawn.

A write the service refuses is fine: the figures must stay right after a refusal too. After
every write it checks (1) that the stored rollups equal a recomputation from the records
(`services.stats.rollups.refresh.differences`) and are not marked stale, and (2) that for every
unit (the whole database and each org unit, the school too) the statistics object summed from
the rollups equals the one counted from the records: `as_json()` (`stats --json`, keys in the
same order) and every other field (`by_village`, `consent_missing` …), `computed_at` aside.
The periods are this term, this month, the last closed term, a custom period from mid-month to
mid-month and a single day, two after each write in turn (all five after every write would
make the test too slow for CI, which runs it on both databases). A write that leaves the data
version where it was (refused, or nothing to do) changed nothing the figures count, so only
(1) is checked again after it.

The first example is a fixed tour through every kind of write; the others are random (and the
same on every run).

The plain tests at the end show the property is not vacuous (the fast path really reads the
rollups, and a wrong rollup row is caught); drive refused imports and a savepoint rolled back
after a write; the way back from stale rollups (a write by a process without the maintenance
marks them stale, the figures fall back to the records, and a rebuild restores the fast path
with the same figures); and a care rule changed by an administrator.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from config import local_today
from core.errors import DomainError
from core.validators import id_number_checksum
from core.vocab import (
    AcademicLevel,
    ArchiveReason,
    Category,
    ConsentBasis,
    ConsentPurpose,
    ContactKind,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    LeftBehindType,
    NeedKind,
    NeedPriority,
    NeedStatus,
    OrgKind,
    PairingEndReason,
    RiskLevel,
    Role,
)
from db import data_version
from db.engine import make_engine, transaction
from db.models import (
    Activity,
    ActivityPhoto,
    CareContact,
    CareRule,
    Child,
    Helper,
    Need,
    OrgUnit,
    Pairing,
    ResourceProvider,
    RollupCount,
    User,
)
from services.access import orgs
from services.access.permissions import Actor
from services.access.users import actor_for
from services.care import activities, care_rules, contacts, photos
from services.care.activity_checks import ActivityInput, current_links
from services.care.terms import month_of, term_of
from services.imports import run_import
from services.pairing import pairings
from services.privacy.consent import ConsentInput, record_consent, withdraw_consent
from services.resources import needs
from services.roster import helpers, home_unit, records, risk
from services.roster.child_input import ChildInput, child_to_input
from services.roster.helpers import HelperInput, helper_to_input
from services.roster.roster_filter import years_before
from services.stats.figures import Statistics, StatsScope, compute
from services.stats.rollups import reading
from services.stats.rollups.refresh import differences, rebuild
from services.stats.scope import served
from tests.conftest import TEST_DATABASE_URL, _reset_postgres
from tests.factories import make_helper, make_org

# ---- the calendar: one today for the whole run ---------------------------------------------

TODAY = local_today()


def _months_back(day: date, months: int) -> date:
    """The first of the month `months` before the month of `day`."""
    first = day.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


_TERM = term_of(TODAY)
_PAST_TERM = term_of(_TERM.start - timedelta(days=1))
_MONTH = month_of(TODAY)
_CUSTOM = (_months_back(TODAY, 3).replace(day=10), _months_back(TODAY, 1).replace(day=20))
_ONE_DAY = _months_back(TODAY, 1).replace(day=15)
PERIODS: dict[str, tuple[date, date]] = {
    "this term": (_TERM.start, _TERM.end),
    "this month": (_MONTH.start, _MONTH.end),
    "past term": (_PAST_TERM.start, _PAST_TERM.end),
    "custom": _CUSTOM,  # whole months in the middle, loose days at both ends
    "one day": (_ONE_DAY, _ONE_DAY),
}
CHECKED_AT_ONCE = 2  # periods compared after each write, in turn


def _edges() -> list[date]:
    """Days where a period or a month begins or ends, on either side: where sums go wrong."""
    days = {TODAY, TODAY - timedelta(days=1), _months_back(TODAY, 2) + timedelta(days=3)}
    for start, end in PERIODS.values():
        days |= {start - timedelta(days=1), start, end, end + timedelta(days=1)}
    for months in range(1, 9):
        first = _months_back(TODAY, months)
        days |= {first, first - timedelta(days=1)}
    return sorted(d for d in days if d <= TODAY)


def _births() -> list[date]:
    """Birthdays either side of the age bands' and the aged-out review's edges on the days the
    figures take ages on (a period's last day counted); two 29 Februaries; a baby."""
    days = {date(2016, 2, 29), date(2012, 2, 29), TODAY - timedelta(days=120)}
    for on in (TODAY, _PAST_TERM.end, _CUSTOM[1], _ONE_DAY):
        for years in (7, 13, 16, 19):
            edge = years_before(on, years)
            days |= {edge - timedelta(days=1), edge, edge + timedelta(days=1)}
    return sorted(d for d in days if years_before(TODAY, 19) < d <= TODAY)


DAYS = _edges()
BIRTHS = _births()


def _day_in(period: str, nth: int = 0) -> date:
    """The nth edge day inside a period (the tour's backdated days)."""
    start, end = PERIODS[period]
    inside = [d for d in DAYS if start <= d <= min(end, TODAY)]
    return inside[nth % len(inside)]


# ---- the world -----------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("小明", "小红", "子涵", "雨桐", "浩然", "欣怡", "梓轩", "思琪", "宇航", "佳怡",
         "俊杰", "诗涵", "博文", "雨萱", "天佑", "可馨")
HELPER_NAMES = ("陈丽华", "刘建国", "周文静", "吴志强", "郑晓燕")
_png = io.BytesIO()
Image.new("RGB", (4, 3), (200, 80, 40)).save(_png, "PNG")
PNG = _png.getvalue()
_SERIALS = itertools.count(50)  # 身份证号 of children added later, each its own


@dataclass(frozen=True)
class World:
    admin: Actor
    coordinator: Actor  # of the township 石门镇
    county: int
    towns: tuple[int, ...]  # 石门镇, 青山街道; 河口镇 (安宁县)
    villages: tuple[int, ...]  # 李家村, 张家村 (石门镇); 东门社区, 西门社区 (青山街道); 河口村
    school: int  # 石门镇中心小学
    provider: int


def _id_number(birth: date, serial: int, gender: Gender) -> str:
    """A valid 18-digit 身份证号 for the birth date and gender (odd 17th digit: a boy)."""
    sequence = serial * 2 % 1000 + (1 if gender is Gender.male else 0)
    first17 = f"431121{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_checksum(first17)


def _user(s: Session, username: str, role: Role, unit: int | None) -> User:
    """An account; nobody logs in here, so no password is hashed (a second's work)."""
    user = User(username=username, display_name=username, role=role, org_unit_id=unit,
                password_hash="!")
    s.add(user)
    s.flush()
    return user


def build_world(engine: Engine) -> World:
    with transaction(engine) as s:
        county = make_org(s, "平安县", OrgKind.county)
        town = make_org(s, "石门镇", OrgKind.town, parent=county, is_mountain_area=True)
        street = make_org(s, "青山街道", OrgKind.subdistrict, parent=county)
        villages = (make_org(s, "李家村", OrgKind.village, parent=town, is_mountain_area=True),
                    make_org(s, "张家村", OrgKind.village, parent=town, is_mountain_area=False),
                    make_org(s, "东门社区", OrgKind.community, parent=street),
                    make_org(s, "西门社区", OrgKind.community, parent=street,
                             is_mountain_area=True))
        school = make_org(s, "石门镇中心小学", OrgKind.school, parent=town,
                          enrolled_students=300)
        # A second county: a province's figures are summed over each county's tree.
        county2 = make_org(s, "安宁县", OrgKind.county)
        town2 = make_org(s, "河口镇", OrgKind.town, parent=county2)
        villages += (make_org(s, "河口村", OrgKind.village, parent=town2),)
        provider = ResourceProvider(name="县慈善会")
        s.add(provider)
        s.flush()
        world = World(actor_for(s, _user(s, "admin", Role.admin, None)),
                      actor_for(s, _user(s, "shimen", Role.coordinator, town.id)),
                      county.id, (town.id, street.id, town2.id), tuple(v.id for v in villages),
                      school.id,
                      provider.id)
        for name, kind, unit, extra in (
                (HELPER_NAMES[0], HelperKind.class_teacher, school, {"school_id": school.id}),
                (HELPER_NAMES[1], HelperKind.volunteer, town, {}),
                (HELPER_NAMES[2], HelperKind.social_worker, street, {})):
            helpers.create_helper(s, actor=world.admin, today=TODAY, data=HelperInput(
                name=name, kind=kind, org_unit_id=unit.id, capacity=3, **extra))
        make_helper(s, org_unit=None, name=HELPER_NAMES[3], kind=HelperKind.teacher,
                    school_id=school.id, capacity=3)
        make_helper(s, org_unit=None, name=HELPER_NAMES[4], kind=HelperKind.caring_parent,
                    capacity=3)
    with transaction(engine) as s:
        for n in range(8):
            village = s.get(OrgUnit, world.villages[n % 4])
            assert village is not None
            born, gender = BIRTHS[(5 * n + 3) % len(BIRTHS)], (Gender.male, Gender.female)[n % 2]
            records.create_child(s, actor=world.admin, today=TODAY, data=ChildInput(
                name=f"{SURNAMES[n]}{GIVEN[n]}", gender=gender, birth_date=born,
                categories=[list(Category)[n % 5], *([Category.disabled] if n % 3 == 0 else [])],
                town_id=village.parent_id, village_id=village.id,
                school_id=world.school if n % 2 == 0 else None, boarding=n % 4 == 1,
                key_concern=n % 3 == 1, in_mountain_area=(None, True, False)[n % 3],
                guardian_type=list(GuardianType)[n % 4], academic_level=list(AcademicLevel)[n % 4],
                id_number=_id_number(born, n, gender) if n < 3 else None))
    with transaction(engine) as s:
        children = list(s.scalars(select(Child.id).order_by(Child.id)))
        helper_ids = list(s.scalars(select(Helper.id).order_by(Helper.id)))
        born_on = dict(s.execute(select(Child.id, Child.birth_date)).all())
        for n, child in enumerate(children[:6]):
            contacts.log_contact(s, actor=world.admin, child_id=child,
                                 helper_id=helper_ids[n % 3], kind=list(ContactKind)[n],
                                 contact_date=max(DAYS[(3 * n) % len(DAYS)], born_on[child]),
                                 today=TODAY)
        pairings.pair(s, actor=world.admin, child_id=children[0], helper_id=helper_ids[0],
                      started_on=max(born_on[children[0]], _PAST_TERM.start), today=TODAY)
        activities.create_activity(s, actor=world.admin, today=TODAY, data=ActivityInput(
            kind="safety_education", title="防溺水讲座", held_on=_CUSTOM[1],
            org_unit_id=world.villages[0], sessions=2, extra_person_times=5,
            child_ids=tuple(c for c in children[:4] if born_on[c] <= _CUSTOM[1])))
        needs.record_need(s, actor=world.admin, child_id=children[1], kind=NeedKind.study,
                          description="需要课外辅导", found_on=max(born_on[children[1]], DAYS[0]),
                          priority=NeedPriority.normal, today=TODAY)
        for child in children[:4]:
            record_consent(s, actor=world.admin, child_id=child, today=TODAY, data=ConsentInput(
                ConsentBasis.guardian_consent, frozenset({ConsentPurpose.records}), "监护人",
                max(born_on[child], DAYS[0])))
    return world


# ---- a fresh database for each example -----------------------------------------------------

@dataclass(frozen=True)
class Fresh:
    """Makes each example's database: on SQLite a copy of a file holding the built world
    (built once), on PostgreSQL the test database truncated and the world built again."""

    template: object
    folder: Path
    world_file: Path | None
    world: World | None

    @classmethod
    def of(cls, template: object, folder: Path) -> Fresh:
        if not isinstance(template, Path):
            return cls(template, folder, None, None)
        target = folder / "world.db"
        shutil.copy(template, target)
        engine = make_engine(f"sqlite:///{target}")
        try:
            world = build_world(engine)
        finally:
            engine.dispose()
        return cls(template, folder, target, world)

    @contextmanager
    def database(self, name: str) -> Iterator[tuple[Engine, World]]:
        if self.world_file is None or self.world is None:
            engine, builtin = self.template  # type: ignore[misc]
            _reset_postgres(engine, builtin)
            fresh = make_engine(TEST_DATABASE_URL)
            try:
                yield fresh, build_world(fresh)
            finally:
                fresh.dispose()
            return
        target = self.folder / f"{name}.db"
        shutil.copy(self.world_file, target)
        fresh = make_engine(f"sqlite:///{target}")
        try:
            yield fresh, self.world
        finally:
            fresh.dispose()
            for suffix in ("", "-wal", "-shm", ".writers"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)


# ---- the check -----------------------------------------------------------------------------

def _plain(stats: Statistics) -> dict[str, Any]:
    found = dataclasses.asdict(stats)
    found.pop("computed_at")
    return found


def _where_different(fast: Any, slow: Any, path: str) -> list[str]:
    """Every leaf that differs, as `path: rollups … records …` (and dict keys out of order)."""
    if isinstance(fast, dict) and isinstance(slow, dict):
        found = [line for key in [*fast, *(k for k in slow if k not in fast)]
                 for line in _where_different(fast.get(key), slow.get(key), f"{path}.{key}")]
        if not found and list(fast) != list(slow):
            found.append(f"{path}: keys {list(fast)} from the rollups, {list(slow)} from the "
                         "records")
        return found
    if isinstance(fast, list | tuple) and isinstance(slow, list | tuple) and len(fast) == len(
            slow):
        return [line for n, (a, b) in enumerate(zip(fast, slow, strict=True))
                for line in _where_different(a, b, f"{path}[{n}]")]
    return [] if fast == slow else [f"{path}: rollups {fast!r}, records {slow!r}"]


def figures_disagree(session: Session, actor: Actor, periods: dict[str, tuple[date, date]],
                     units: list[int | None] | None = None) -> list[str]:
    """For every unit (or `units`) and period: where the figures from the rollups and the
    records differ."""
    found = []
    if units is None:
        units = [None, *session.scalars(select(OrgUnit.id).order_by(OrgUnit.id))]
    for unit in units:
        for name, (start, end) in periods.items():
            scope = StatsScope(start, end, unit)
            fast = compute(session, actor, scope, today=TODAY)
            slow = compute(session, actor, scope, today=TODAY, source="records")
            fast_json, slow_json = fast.as_json(), slow.as_json()
            lines = _where_different(fast_json, slow_json, "stats --json")
            if not lines and json.dumps(fast_json, ensure_ascii=False) != json.dumps(
                    slow_json, ensure_ascii=False):
                lines.append("stats --json: the same figures written differently")
            lines += _where_different(_plain(fast), _plain(slow), "Statistics")
            found += [f"unit {unit} ({fast.org}), {name} {start}…{end}: {line}"
                      for line in lines]
    return found


def _rollups_agree(session: Session) -> None:
    assert not data_version.rollups_stale(session), "the rollups were marked stale"
    assert differences(session) == []


# ---- the writes ----------------------------------------------------------------------------

NOTHING = "nothing to do"


def _pick(ids: list[int], n: int) -> int | None:
    return ids[n % len(ids)] if ids else None


class Writes:
    """One example's world and the writes made to it, each in a transaction of its own."""

    def __init__(self, engine: Engine, world: World,
                 log: Callable[[str], object] = note) -> None:
        self.engine, self.world, self.log = engine, world, log
        self.turn = itertools.cycle(PERIODS)
        self.checked: data_version.Stamp | None = None
        self.names = itertools.count(100)

    # ---- helpers ---------------------------------------------------------------------------

    def apply(self, op: tuple) -> None:
        name, *args = op
        try:
            with transaction(self.engine) as s:
                result = getattr(self, name)(s, *args)
        except DomainError as exc:
            self.log(f"{name}{tuple(args)}: refused ({exc.message})")
            return
        self.log(f"{name}{tuple(args)}: {result}")

    def check(self) -> None:
        """The property, on the data as it now is."""
        with Session(self.engine) as s:
            _rollups_agree(s)
            # The figures were compared on this very data already when the data version has
            # not moved (a refused write, nothing to do): every write to a table the figures
            # count moves it, in the same transaction.
            stamp = data_version.current(s)
            if stamp == self.checked:
                return
            periods = {name: PERIODS[name]
                       for name in itertools.islice(self.turn, CHECKED_AT_ONCE)}
            assert figures_disagree(s, self.world.admin, periods) == []
            self.checked = stamp

    def actor(self, who: str) -> Actor:
        return self.world.coordinator if who == "coordinator" else self.world.admin

    def child(self, s: Session, n: int) -> Child | None:
        child_id = _pick(list(s.scalars(select(Child.id).order_by(Child.id))), n)
        return None if child_id is None else s.get(Child, child_id)

    def helper(self, s: Session, n: int) -> Helper | None:
        helper_id = _pick(list(s.scalars(select(Helper.id).order_by(Helper.id))), n)
        return None if helper_id is None else s.get(Helper, helper_id)

    def row(self, s: Session, model: Any, n: int, *where: Any) -> Any:
        found = _pick(list(s.scalars(select(model.id).where(*where).order_by(model.id))), n)
        return None if found is None else s.get(model, found)

    def units(self, s: Session) -> list[int | None]:
        return [None, *s.scalars(select(OrgUnit.id).order_by(OrgUnit.id))]

    def new_name(self) -> str:
        n = next(self.names)
        return f"{SURNAMES[n % len(SURNAMES)]}{GIVEN[n // len(SURNAMES) % len(GIVEN)]}"

    def edit(self, s: Session, data: ChildInput, edits: dict[str, Any]) -> None:
        """A drawn set of edits to a child's input; a move takes the village's township, and a
        corrected birth date or gender the 身份证号 that goes with it."""
        for name, value in edits.items():
            if name == "categories":
                data.categories = sorted(value)
            elif name == "school":
                data.school_id = self.world.school if value else None
            elif name == "village":
                unit = s.get(OrgUnit, self.world.villages[value % len(self.world.villages)])
                assert unit is not None
                data.village_id, data.town_id = unit.id, unit.parent_id
            else:
                setattr(data, name, value)
        if data.id_number and {"birth_date", "gender"} & set(edits):
            assert data.birth_date is not None and data.gender is not None
            data.id_number = _id_number(data.birth_date, next(_SERIALS), data.gender)

    # ---- children --------------------------------------------------------------------------

    def create_child(self, s: Session, village: int, gender: Gender, born: date,
                     categories: frozenset[Category], edits: dict, who: str) -> str:
        unit = s.get(OrgUnit, self.world.villages[village % len(self.world.villages)])
        assert unit is not None
        data = ChildInput(name=self.new_name(), gender=gender, birth_date=born,
                          categories=sorted(categories), town_id=unit.parent_id,
                          village_id=unit.id)
        self.edit(s, data, edits)
        child = records.create_child(s, actor=self.actor(who), data=data, today=TODAY)
        return f"child {child.id} in unit {child.village_id}"

    def edit_child(self, s: Session, n: int, edits: dict, who: str) -> str:
        child = self.child(s, n)
        if child is None:
            return NOTHING
        data = child_to_input(child)
        self.edit(s, data, edits)
        records.update_child(s, actor=self.actor(who), child_id=child.id,
                             expected_version=child.version, data=data, today=TODAY)
        return f"child {child.id}, now in unit {data.village_id}"

    def assess(self, s: Session, n: int, level: RiskLevel, on: date) -> str:
        child = self.child(s, n)
        if child is None:
            return NOTHING
        risk.record_assessment(s, actor=self.world.admin, child_id=child.id, assessed_on=on,
                               level=level, today=TODAY)
        return f"child {child.id}"

    def archive_or_restore_child(self, s: Session, n: int, reason: ArchiveReason,
                                 who: str) -> str:
        child = self.child(s, n)
        if child is None:
            return NOTHING
        if child.archived_at is None:
            records.archive_child(s, actor=self.actor(who), child_id=child.id,
                                  expected_version=child.version, reason=reason)
            return f"archived child {child.id}"
        records.restore_child(s, actor=self.actor(who), child_id=child.id,
                              expected_version=child.version)
        return f"restored child {child.id}"

    def import_roster(self, s: Session, rows: list[tuple], who: str) -> str:
        lines = [line for row in rows if (line := self.roster_line(s, row))]
        if not lines:
            return NOTHING
        report = run_import(s, actor=self.actor(who), kind="roster",
                            data=_csv(ROSTER_HEADER, lines), filename="名单.csv")
        return (f"{report.created} new, {report.updated} changed, {report.errors.total} "
                f"bad rows: {lines}")

    def roster_line(self, s: Session, row: tuple) -> list[str]:
        """A new child; or one on record, changed (matched by 身份证号 it may move to
        another village, else it stays in its own)."""
        if row[0] == "new":
            _, village, gender, born, categories, with_number, level, consent = row
            name, number = self.new_name(), (
                _id_number(born, next(_SERIALS), gender) if with_number else "")
            boarding, concern = with_number, consent
        else:
            _, n, village, level, boarding, concern = row
            child = self.child(s, n)
            if child is None:
                return []
            name, born, gender, number = (child.name, child.birth_date, child.gender,
                                          child.id_number or "")
            categories = frozenset(c.category for c in child.categories)
            if not number and child.village_id in self.world.villages:
                village = self.world.villages.index(child.village_id)
            consent = False
        unit = s.get(OrgUnit, self.world.villages[village % len(self.world.villages)])
        assert unit is not None
        town = s.get(OrgUnit, unit.parent_id)
        assert town is not None
        school = "石门镇中心小学" if boarding and town.id == self.world.towns[0] else ""
        return [name, gender.zh, born.isoformat(), number,
                "、".join(c.zh for c in sorted(categories)), town.name, unit.name, school,
                YES[boarding], YES[concern], level.zh if level else "",
                *(["监护人同意", "监护人", DAYS[0].isoformat(), "档案管理、结对帮扶"] if consent
                  else ["", "", "", ""])]

    # ---- contacts --------------------------------------------------------------------------

    def log_contact(self, s: Session, n: int, h: int, kind: ContactKind, on: date,
                    who: str) -> str:
        child, helper = self.child(s, n), self.helper(s, h)
        if child is None or helper is None:
            return NOTHING
        contact = contacts.log_contact(s, actor=self.actor(who), child_id=child.id,
                                       helper_id=helper.id, kind=kind, contact_date=on,
                                       today=TODAY)
        return f"contact {contact.id} of child {child.id}"

    def edit_contact(self, s: Session, n: int, kind: ContactKind, on: date) -> str:
        contact = self.row(s, CareContact, n, CareContact.archived_at.is_(None))
        if contact is None:
            return NOTHING
        before = f"{contact.kind.value} on {contact.contact_date}"
        contacts.edit_contact(s, actor=self.world.admin, contact_id=contact.id,
                              expected_version=contact.version, kind=kind, contact_date=on,
                              reason="日期记错了", today=TODAY)
        return f"contact {contact.id}, was {before}"

    def withdraw_contact(self, s: Session, n: int) -> str:
        contact = self.row(s, CareContact, n, CareContact.archived_at.is_(None))
        if contact is None:
            return NOTHING
        contacts.archive_contact(s, actor=self.world.admin, contact_id=contact.id,
                                 expected_version=contact.version, reason="误录", today=TODAY)
        return f"contact {contact.id}"

    def import_contacts(self, s: Session, rows: list[tuple], who: str) -> str:
        lines = []
        for n, h, kind, on, by_number in rows:
            child, helper = self.child(s, n), self.helper(s, h)
            if child is None or helper is None:
                return NOTHING
            number = child.id_number if by_number and child.id_number else ""
            lines.append([child.name, child.birth_date.isoformat(), number, helper.name,
                          kind.zh, on.isoformat(), "30", "导入"])
        report = run_import(s, actor=self.actor(who), kind="contacts",
                            data=_csv(CONTACT_HEADER, lines), filename="帮扶记录.csv")
        return (f"{report.created} new, {report.unchanged} on record, {report.errors.total} "
                f"bad rows: {lines}")

    # ---- activities ------------------------------------------------------------------------

    def create_activity(self, s: Session, unit: int, kind: str, on: date, sessions: int,
                        extra: int, attending: list[int], who: str) -> str:
        units = self.units(s)
        children = list(s.scalars(select(Child.id).order_by(Child.id)))
        activity = activities.create_activity(s, actor=self.actor(who), today=TODAY,
                                              data=ActivityInput(
            kind=kind, title="关爱活动", held_on=on, org_unit_id=units[unit % len(units)],
            sessions=sessions, extra_person_times=extra,
            child_ids=tuple(children[a % len(children)] for a in attending)))
        return f"activity {activity.id} held by {activity.org_unit_id}"

    def edit_activity(self, s: Session, n: int, on: date | None, unit: int | None,
                      attending: list[int] | None, sessions: int | None) -> str:
        activity = self.row(s, Activity, n)
        if activity is None:
            return NOTHING
        units = self.units(s)
        children = list(s.scalars(select(Child.id).order_by(Child.id)))
        data = ActivityInput(
            kind=activity.kind, title=activity.title,
            held_on=activity.held_on if on is None else on,
            org_unit_id=activity.org_unit_id if unit is None else units[unit % len(units)],
            sessions=activity.sessions if sessions is None else sessions,
            extra_person_times=activity.extra_person_times,
            child_ids=tuple(sorted(current_links(s, activity)[0])) if attending is None
            else tuple(children[a % len(children)] for a in attending))
        activities.update_activity(s, actor=self.world.admin, activity_id=activity.id,
                                   expected_version=activity.version, data=data, today=TODAY)
        return f"activity {activity.id}: {len(data.child_ids)} attending"

    def archive_or_restore_activity(self, s: Session, n: int) -> str:
        activity = self.row(s, Activity, n)
        if activity is None:
            return NOTHING
        if activity.archived_at is None:
            activities.archive_activity(s, actor=self.world.admin, activity_id=activity.id,
                                        expected_version=activity.version, reason="重复登记")
            return f"archived activity {activity.id}"
        activities.restore_activity(s, actor=self.world.admin, activity_id=activity.id,
                                    expected_version=activity.version)
        return f"restored activity {activity.id}"

    def photo(self, s: Session, n: int, delete: bool) -> str:
        if delete:
            photo = self.row(s, ActivityPhoto, n)
            if photo is None:
                return NOTHING
            photos.remove_photo(s, actor=self.world.admin, photo_id=photo.id)
            return f"deleted photo {photo.id}"
        activity = self.row(s, Activity, n)
        if activity is None:
            return NOTHING
        saved = photos.save_photo(s, actor=self.world.admin, activity_id=activity.id,
                                  filename="合影.png", data=PNG)
        return f"photo {saved.id} of activity {activity.id}"

    # ---- pairings, helpers, care rules -----------------------------------------------------

    def pair(self, s: Session, n: int, h: int, on: date, who: str) -> str:
        child, helper = self.child(s, n), self.helper(s, h)
        if child is None or helper is None:
            return NOTHING
        pairing = pairings.pair(s, actor=self.actor(who), child_id=child.id,
                                helper_id=helper.id, started_on=on, today=TODAY)
        return f"pairing {pairing.id}"

    def end_pairing(self, s: Session, n: int, on: date, reason: PairingEndReason) -> str:
        pairing = self.row(s, Pairing, n, Pairing.ended_on.is_(None))
        if pairing is None:
            return NOTHING
        pairings.end_pairing(s, actor=self.world.admin, pairing_id=pairing.id,
                             expected_version=pairing.version, ended_on=on, reason=reason,
                             note="学期结束", today=TODAY)
        return f"pairing {pairing.id}"

    def change_helper(self, s: Session, h: int, unit: int | None,
                      kind: HelperKind | None) -> str:
        helper = self.helper(s, h)
        if helper is None:
            return NOTHING
        if unit is not None or kind is not None:
            units = [self.world.school, *self.world.towns, *self.world.villages]
            data = helper_to_input(helper)
            if unit is not None:
                data = dataclasses.replace(data, org_unit_id=units[unit % len(units)])
            if kind is not None:
                data = dataclasses.replace(data, kind=kind)
            helpers.update_helper(s, actor=self.world.admin, helper_id=helper.id,
                                  expected_version=helper.version, data=data, today=TODAY)
            return f"helper {helper.id}: {data.kind.value} of unit {data.org_unit_id}"
        if helper.archived_at is None:
            helpers.deactivate_helper(s, actor=self.world.admin, helper_id=helper.id,
                                      expected_version=helper.version, reason="调离")
            return f"deactivated helper {helper.id}"
        helpers.reactivate_helper(s, actor=self.world.admin, helper_id=helper.id,
                                  expected_version=helper.version)
        return f"reactivated helper {helper.id}"

    def change_rule(self, s: Session, n: int, min_count: int | None) -> str:
        rule = self.row(s, CareRule, n, CareRule.archived_at.is_(None))
        if rule is None:
            return NOTHING
        if min_count is None:
            care_rules.set_rule_active(s, actor=self.world.admin, rule_id=rule.id,
                                       expected_version=rule.version, active=not rule.is_active)
            return f"rule {rule.code} {'on' if rule.is_active else 'off'}"
        care_rules.update_rule(s, actor=self.world.admin, rule_id=rule.id,
                               expected_version=rule.version, data=dataclasses.replace(
                                   care_rules.rule_to_input(rule), min_count=min_count))
        return f"rule {rule.code}: at least {min_count}"

    def change_unit(self, s: Session, n: int, mountain: bool, enrolled: int | None) -> str:
        unit = self.row(s, OrgUnit, n)
        if unit is None:
            return NOTHING
        orgs.update_org_unit(s, actor=self.world.admin, org_unit_id=unit.id,
                             expected_version=unit.version, name=unit.name,
                             is_mountain_area=mountain, enrolled_students=enrolled)
        return f"unit {unit.id}"

    # ---- needs and consent -----------------------------------------------------------------

    def record_need(self, s: Session, n: int, kind: NeedKind, on: date, who: str) -> str:
        child = self.child(s, n)
        if child is None:
            return NOTHING
        need = needs.record_need(s, actor=self.actor(who), child_id=child.id, kind=kind,
                                 description="家访发现", found_on=on,
                                 priority=NeedPriority.high, today=TODAY)
        return f"need {need.id} of child {child.id}"

    def move_need(self, s: Session, n: int, status: NeedStatus) -> str:
        need = self.row(s, Need, n)
        if need is None:
            return NOTHING
        common = {"actor": self.world.admin, "need_id": need.id,
                  "expected_version": need.version, "today": TODAY}
        before = need.status.value
        if status is NeedStatus.linked:
            needs.link_need(s, provider_id=self.world.provider, asked="助学金", **common)
        elif status is NeedStatus.resolved:
            needs.resolve_need(s, resolution="已资助", **common)
        elif status is NeedStatus.closed:
            needs.close_need(s, reason="已迁出", **common)
        else:
            needs.reopen_need(s, reason="情况反复", **common)
        return f"need {need.id}, was {before}"

    def consent(self, s: Session, n: int, purposes: frozenset[ConsentPurpose], on: date,
                withdraw: bool) -> str:
        child = self.child(s, n)
        if child is None:
            return NOTHING
        if withdraw:
            withdraw_consent(s, actor=self.world.admin, child_id=child.id, purposes=purposes,
                             today=TODAY, note="监护人撤回")
            return f"withdrawn for child {child.id}"
        record_consent(s, actor=self.world.admin, child_id=child.id, today=TODAY,
                       data=ConsentInput(ConsentBasis.guardian_consent, frozenset(purposes),
                                         "监护人", on))
        return f"recorded for child {child.id}"


YES = {True: "是", False: "否"}
ROSTER_HEADER = ["姓名", "性别", "出生日期", "身份证号", "儿童类别", "乡镇(街道)", "村(社区)",
                 "学校", "是否寄宿", "重点关注", "风险等级", "知情同意依据", "同意人", "同意日期",
                 "同意用途"]
CONTACT_HEADER = ["儿童姓名", "儿童出生日期", "儿童身份证号", "帮扶人姓名", "方式", "日期",
                  "时长(分钟)", "记录"]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in [header, *rows]).encode("utf-8-sig")


# ---- what a write is drawn from ------------------------------------------------------------

picks = st.integers(min_value=0, max_value=1000)
days = st.sampled_from(DAYS)
actors = st.sampled_from(["admin", "admin", "coordinator"])
contact_kinds = st.sampled_from(list(ContactKind))
category_sets = st.frozensets(st.sampled_from(list(Category)), min_size=1, max_size=3)
child_edits = st.fixed_dictionaries({}, optional={
    "gender": st.sampled_from(list(Gender)),
    "birth_date": st.sampled_from(BIRTHS),
    "categories": category_sets,
    "boarding": st.booleans(),
    "key_concern": st.booleans(),
    "safety_incident": st.booleans(),
    "in_mountain_area": st.sampled_from([None, True, False]),
    "guardian_type": st.sampled_from([None, *GuardianType]),
    "left_behind_type": st.sampled_from([None, *LeftBehindType]),
    "economic_status": st.sampled_from([None, *EconomicStatus]),
    "academic_level": st.sampled_from([None, *AcademicLevel]),
    "school": st.booleans(),
    "village": picks,  # moved, perhaps to the other township
})
roster_rows = st.lists(st.one_of(
    st.tuples(st.just("new"), picks, st.sampled_from(list(Gender)), st.sampled_from(BIRTHS),
              category_sets, st.booleans(), st.sampled_from([None, *RiskLevel]), st.booleans()),
    st.tuples(st.just("known"), picks, picks, st.sampled_from([None, *RiskLevel]),
              st.booleans(), st.booleans()),
), min_size=1, max_size=3)
contact_rows = st.lists(st.tuples(picks, picks, contact_kinds, days, st.booleans()),
                        min_size=1, max_size=3)


def _op(name: str, *args: st.SearchStrategy) -> st.SearchStrategy[tuple]:
    return st.tuples(st.just(name), *args)


WRITES = st.one_of(
    _op("log_contact", picks, picks, contact_kinds, days, actors),
    _op("create_child", picks, st.sampled_from(list(Gender)), st.sampled_from(BIRTHS),
        category_sets, child_edits, actors),
    _op("edit_child", picks, child_edits, actors),
    _op("assess", picks, st.sampled_from(list(RiskLevel)), days),
    _op("archive_or_restore_child", picks, st.sampled_from(list(ArchiveReason)), actors),
    _op("import_roster", roster_rows, actors),
    _op("edit_contact", picks, contact_kinds, days),
    _op("withdraw_contact", picks),
    _op("import_contacts", contact_rows, actors),
    _op("create_activity", picks, st.sampled_from(["tutoring", "care_visit", "meeting"]), days,
        st.integers(1, 3), st.integers(0, 4), st.lists(picks, max_size=4), actors),
    _op("edit_activity", picks, st.none() | days, st.none() | picks,
        st.none() | st.lists(picks, max_size=4), st.none() | st.integers(1, 3)),
    _op("archive_or_restore_activity", picks),
    _op("photo", picks, st.booleans()),
    _op("pair", picks, picks, days, actors),
    _op("end_pairing", picks, days, st.sampled_from(list(PairingEndReason))),
    _op("change_helper", picks, st.none() | picks, st.none() | st.sampled_from(list(HelperKind))),
    _op("change_rule", picks, st.none() | st.integers(1, 3)),
    _op("change_unit", picks, st.booleans(), st.none() | st.integers(50, 400)),
    _op("record_need", picks, st.sampled_from(list(NeedKind)), days, actors),
    _op("move_need", picks, st.sampled_from(list(NeedStatus))),
    _op("consent", picks, st.frozensets(st.sampled_from(list(ConsentPurpose)), min_size=1,
                                        max_size=2), days, st.booleans()),
)

# Every kind of write, on the world as built: children by index (0–7 live in 李家村, 张家村,
# 东门社区, 西门社区, twice over; 0–2 have a 身份证号; 0 is paired with helper 0), helpers 0–4
# (0 at the school, 1 of 石门镇, 2 of 青山街道, 3 counted at the school, 4 of no unit).
C, K = Category, ContactKind
TOUR = [
    ("log_contact", 4, 0, K.home_visit, TODAY, "coordinator"),
    ("import_contacts", [(1, 1, K.phone_visit, _day_in("custom", 1), True),
                         (6, 2, K.letter, _ONE_DAY, False),
                         (3, 4, K.talk, _day_in("past term", 1), False)], "admin"),
    ("edit_contact", 1, K.counselling, _day_in("past term", 2)),
    ("withdraw_contact", 2),
    ("create_child", 2, Gender.female, BIRTHS[4], frozenset({C.left_behind, C.disabled}),
     {"boarding": True, "key_concern": True, "in_mountain_area": None, "school": True},
     "admin"),
    ("edit_child", 1, {"village": 2, "gender": Gender.male, "birth_date": BIRTHS[-2],
                       "categories": frozenset({C.in_difficulty}), "boarding": True,
                       "key_concern": True, "guardian_type": GuardianType.other}, "admin"),
    ("assess", 3, RiskLevel.red, _day_in("this term")),
    ("import_roster", [("new", 3, Gender.male, BIRTHS[7], frozenset({C.scattered_orphan}), True,
                        RiskLevel.yellow, True),
                       ("known", 0, 3, RiskLevel.blue, True, False)], "admin"),
    ("create_activity", 5, "tutoring", _day_in("this month"), 2, 3, [0, 1, 2], "admin"),
    ("edit_activity", 0, _day_in("past term"), 7, [3, 4], 1),
    ("photo", 0, False),
    ("photo", 0, True),
    ("archive_or_restore_activity", 1),
    ("pair", 5, 1, _day_in("this term"), "admin"),
    ("end_pairing", 0, TODAY, PairingEndReason.reassigned),
    ("change_helper", 1, None, None),  # deactivated: child 5 counts as unpaired
    ("change_helper", 1, None, None),  # and back
    ("change_helper", 2, 6, HelperKind.child_director),
    ("record_need", 6, NeedKind.medical, _day_in("custom"), "admin"),
    ("move_need", 1, NeedStatus.resolved),
    ("consent", 4, frozenset({ConsentPurpose.records}), DAYS[0], False),
    ("consent", 0, frozenset({ConsentPurpose.records}), DAYS[0], True),
    ("archive_or_restore_child", 2, ArchiveReason.moved_away, "admin"),
    ("archive_or_restore_child", 2, ArchiveReason.moved_away, "admin"),
    ("change_unit", 3, False, None),  # 李家村 no longer a mountain village
    ("change_rule", 1, None),  # 每学期家访 switched off
    ("change_rule", 1, None),  # and on
    ("change_rule", 2, 2),  # 每月联系监护人: at least twice
]

SETTINGS = settings(
    max_examples=2, derandomize=True, database=None, deadline=None, print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large])


# ---- the tests -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fresh(_database_template: object, tmp_path_factory: pytest.TempPathFactory) -> Fresh:
    return Fresh.of(_database_template, tmp_path_factory.mktemp("rollups_property"))


_examples = itertools.count()


@SETTINGS
@given(writes=st.lists(WRITES, min_size=4, max_size=6, unique_by=lambda write: write[0]))
@example(writes=TOUR)
def test_random_writes_keep_the_rollups_equal_to_the_records(fresh: Fresh,
                                                             writes: list[tuple]) -> None:
    with fresh.database(f"example{next(_examples)}") as (engine, world):
        done = Writes(engine, world)
        done.check()
        for write in writes:
            done.apply(write)
            done.check()


@pytest.fixture
def world(db_url: str, engine: Engine) -> World:
    return build_world(engine)


def _both(engine: Engine, world: World) -> tuple[list[str], list[str]]:
    """The rollups' differences, and where the figures disagree (a running and a closed
    period: the property test above goes through them all)."""
    periods = {name: PERIODS[name] for name in ("this term", "custom")}
    with Session(engine) as s:
        return differences(s), figures_disagree(s, world.admin, periods)


def test_a_township_readers_figures_from_the_rollups_equal_the_records(
        engine: Engine, world: World) -> None:
    """The property test reads as the administrator; a township's coordinator and viewer count
    the children they serve (living in the township or at its schools) and have small totals
    withheld by their siblings' counts: the same from the rollups as from the records."""
    term = StatsScope(*PERIODS["this term"], None)
    with Session(engine) as s:
        before = compute(s, world.coordinator, term, today=TODAY).children
    with transaction(engine) as s:
        child = s.scalars(select(Child).where(Child.village_id == world.villages[3],
                                              Child.school_id.is_(None))).first()
        assert child is not None
        child.school_id = world.school  # lives in 青山街道, now studies in 石门镇
        viewer = actor_for(s, _user(s, "viewer", Role.viewer, world.towns[0]))
    periods = {name: PERIODS[name] for name in ("this term", "custom")}
    in_reach: list[int | None] = [None, world.towns[0], world.villages[0], world.villages[1]]
    with Session(engine) as s:
        assert differences(s) == []
        for actor in (world.coordinator, viewer):
            assert figures_disagree(s, actor, periods, in_reach) == []
        after = compute(s, world.coordinator, term, today=TODAY).children
        assert after.attending_from_elsewhere == before.attending_from_elsewhere + 1
        # The sibling counts small totals are weighed by, among the children a reader serves.
        for reader in (world.coordinator, viewer, world.admin):
            summed = reading.Rollups(s, None).children_of(reader.org_unit_id)
            for parent_id in (world.county, world.towns[0], world.towns[1]):
                parent = s.get(OrgUnit, parent_id)
                assert parent is not None
                assert summed(parent) == home_unit._children_of(s, parent, served(reader, term))
        assert reading.usable(s, world.coordinator, ())


def test_the_figures_are_read_from_the_rollups(engine: Engine, world: World) -> None:
    """Not vacuous: a county's figures come from the rollups, and a wrong rollup row shows."""
    assert _both(engine, world) == ([], [])
    scope = StatsScope(*PERIODS["this term"], world.county)
    with Session(engine) as s:
        assert reading.usable(s, world.admin, ())
        before = compute(s, world.admin, scope, today=TODAY).as_json()["children"]["total"]
    with transaction(engine) as s:
        s.execute(update(RollupCount).where(RollupCount.field == "children",
                                            RollupCount.unit_id == world.villages[0])
                  .values(n=RollupCount.n + 5))
    with Session(engine) as s:
        fast = compute(s, world.admin, scope, today=TODAY)
        slow = compute(s, world.admin, scope, today=TODAY, source="records")
        assert fast.as_json()["children"]["total"] == before + 5
        assert slow.as_json()["children"]["total"] == before
    found, disagree = _both(engine, world)
    assert len(found) == 1
    assert found[0].startswith(f"rollup_counts children/{world.villages[0]}/")
    assert any("stats --json.children.total: rollups" in line for line in disagree)


def test_a_write_without_the_maintenance_marks_the_rollups_stale(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that writes without the rollups' maintenance (an old worker, a script that
    never imported `services.stats.rollups`) marks them stale; the figures then come from the
    records, right, until a rebuild."""
    with Session(engine) as s:
        child_id = s.scalars(select(Child.id).where(Child.village_id == world.villages[2])
                             .order_by(Child.id)).first()
        helper_id = s.scalars(select(Helper.id).order_by(Helper.id)).first()
    assert child_id is not None
    assert helper_id is not None
    with monkeypatch.context() as patch:
        patch.setattr(data_version, "_MAINTAINERS", [])
        with transaction(engine) as s:
            contacts.log_contact(s, actor=world.admin, child_id=child_id, helper_id=helper_id,
                                 kind=ContactKind.home_visit, contact_date=TODAY, today=TODAY)
        with transaction(engine) as s:
            child = s.get(Child, child_id)
            assert child is not None
            records.archive_child(s, actor=world.admin, child_id=child_id,
                                  expected_version=child.version,
                                  reason=ArchiveReason.moved_away)
    with Session(engine) as s:
        assert data_version.rollups_stale(s)
        assert not reading.usable(s, world.admin, ())
        assert differences(s) != []  # the rollups missed the writes …
    assert _both(engine, world)[1] == []  # … and the figures did not read them
    # A later write with the maintenance keeps what it touched right, but cannot vouch for
    # the rest: the rollups stay stale.
    with transaction(engine) as s:
        child = s.get(Child, child_id)
        assert child is not None
        records.restore_child(s, actor=world.admin, child_id=child_id,
                              expected_version=child.version)
    with Session(engine) as s:
        assert data_version.rollups_stale(s)
    with transaction(engine) as s:  # what `cli.py rollups --rebuild` does
        rebuild(s)
        data_version.mark_rollups(s, stale=False)
    with Session(engine) as s:
        assert not data_version.rollups_stale(s)
        assert reading.usable(s, world.admin, ())
    assert _both(engine, world) == ([], [])


def test_a_refused_import_leaves_the_rollups_as_they_were(engine: Engine, world: World) -> None:
    """A file with one bad row writes nothing: the rows written inside its savepoint (a child
    moved by its 身份证号, whose own savepoint already brought the rollups up to date, and a
    new child), and the rollups recomputed for them, roll back together; the same file
    without the bad row is kept."""
    with Session(engine) as s:
        child = s.scalars(select(Child).where(Child.id_number_hash.is_not(None))
                          .order_by(Child.id)).first()
        assert child is not None
        assert child.village_id != world.villages[3]
        moved = [child.name, child.gender.zh, child.birth_date.isoformat(), child.id_number or "",
                 "、".join(c.category.zh for c in child.categories), "青山街道", "西门社区", "",
                 "否", "是", "红", "", "", "", ""]
        good = [child.name, child.birth_date.isoformat(), "", HELPER_NAMES[0], "家访",
                TODAY.isoformat(), "30", "导入"]
    bad = ["查无此人", "2015-01-01", "", HELPER_NAMES[0], "家访", TODAY.isoformat(), "30", ""]
    newcomer = ["新来的", "女", "2016-06-01", "", "困境儿童", "青山街道", "西门社区", "", "否",
                "是", "黄", "监护人同意", "监护人", DAYS[0].isoformat(), "档案管理、活动照片"]
    nameless = ["", "男", "2015-01-01", "", "留守儿童", "石门镇", "李家村", "", "否", "否", "",
                "", "", "", ""]
    with transaction(engine) as s:
        report = run_import(s, actor=world.admin, kind="roster", filename="r.csv",
                            data=_csv(ROSTER_HEADER, [moved, newcomer, nameless]))
        assert (report.updated, report.created, report.errors.total) == (1, 1, 1)
    with transaction(engine) as s:
        assert run_import(s, actor=world.admin, kind="contacts", filename="c.csv",
                          data=_csv(CONTACT_HEADER, [good, bad])).errors
    assert _both(engine, world) == ([], [])
    with Session(engine) as s:
        assert s.scalar(select(Child.village_id).where(Child.id == child.id)) == child.village_id
    with transaction(engine) as s:
        report = run_import(s, actor=world.admin, kind="roster", filename="r.csv",
                            data=_csv(ROSTER_HEADER, [moved, newcomer]))
        assert (report.updated, report.created, report.errors.total) == (1, 1, 0)
    with transaction(engine) as s:
        assert run_import(s, actor=world.admin, kind="contacts", filename="c.csv",
                          data=_csv(CONTACT_HEADER, [good])).created == 1
    assert _both(engine, world) == ([], [])


def test_a_savepoint_rolled_back_keeps_the_writes_made_before_it(
        engine: Engine, world: World) -> None:
    """A transaction that writes and then has a savepoint of its own rolled back (a refused
    import run after another write, as a script may do it) still commits its first write: the
    rollups must count it and the data version must move, as for any write.

    No page does this today (each import has a transaction of its own), but nothing stops a
    script or a later service from doing it, and then the figures would go wrong unnoticed:
    the rollups would not be marked stale."""
    with Session(engine) as s:
        before = data_version.current(s)
        child_id = s.scalars(select(Child.id).order_by(Child.id)).first()
        helper_id = s.scalars(select(Helper.id).order_by(Helper.id)).first()
    assert child_id is not None
    assert helper_id is not None
    bad = ["查无此人", "2015-01-01", "", HELPER_NAMES[0], "家访", TODAY.isoformat(), "30", ""]
    with transaction(engine) as s:
        contacts.log_contact(s, actor=world.admin, child_id=child_id, helper_id=helper_id,
                             kind=ContactKind.talk, contact_date=TODAY, today=TODAY)
        assert run_import(s, actor=world.admin, kind="contacts", filename="c.csv",
                          data=_csv(CONTACT_HEADER, [bad])).errors
    with Session(engine) as s:
        assert data_version.current(s) != before
    assert _both(engine, world) == ([], [])


def test_a_changed_care_rule_leaves_no_stale_counts(engine: Engine, world: World) -> None:
    """帮扶要求 from the rollups: once an administrator changes a rule, the counts kept for its
    old definition are no longer the rule's; they must not stay behind as differences (what
    `cli.py rollups --check` reports), and the figures must stay right."""
    done = Writes(engine, world, log=print)
    for write in (("pair", 5, 1, _day_in("this term"), "admin"),
                  ("log_contact", 5, 1, ContactKind.talk, TODAY, "admin"),  # 每月谈心 met
                  ("change_rule", 0, 2)):  # 每月谈心: at least twice, so no longer met
        done.apply(write)
        done.check()
