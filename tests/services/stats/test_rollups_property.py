"""The rollups always give the figures the records give, whatever people write and in what order.

A property test (hypothesis, stateful): each example starts from a fresh database (a copy of
the migrated SQLite template, or the PostgreSQL test database truncated, as `tests/conftest.py`
makes them) holding a small world: one county, a township with two villages and a school, a
subdistrict with two communities, a few helpers (one with no unit at all), an administrator, a
township coordinator and eight children with some contacts, an activity, a pairing, a need and
consents. Then it makes a random sequence of the writes people make, each through the service
the app calls and in one `db.engine.transaction` of its own, as a page does: a child created,
edited (gender, birth date, categories, flags, moved to a village of the other township),
assessed, archived and restored; a roster file and a contact file imported (the contact import
writes with one bulk `insert`); contacts logged, backdated into past months and terms, edited
and withdrawn (撤销); activities created, edited (attendance, date, unit) and archived; a
photo added and deleted; pairings made and ended; helpers moved, deactivated and reactivated;
needs recorded and moved through their statuses; consent recorded and withdrawn. A write the
service refuses is fine: the figures must stay right after a refusal too.

After every write it checks (1) that the stored rollups equal a recomputation from the records
(`services.stats.rollups.refresh.differences`), and (2) that for every unit (the whole database,
each org unit including the school) and five periods (this term, this month, the last closed
term, a custom period from mid-month to mid-month, one day) the statistics object summed from
the rollups equals the one counted from the records: `as_json()` (`stats --json`, keys in the
same order) and every other field (`by_village`, `consent_missing` …), `computed_at` aside.

The plain tests at the end show the property is not vacuous (the fast path really reads the
rollups, and a wrong rollup row is caught) and drive the way back from stale rollups: a write
by a process without the maintenance marks them stale, the figures fall back to the records,
and a rebuild restores the fast path with the same figures.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
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
    Child,
    Helper,
    Need,
    OrgUnit,
    Pairing,
    ResourceProvider,
    RollupCount,
    User,
)
from services.access.permissions import Actor
from services.access.users import actor_for
from services.care import activities, contacts, photos
from services.care.activity_checks import ActivityInput, current_links
from services.care.terms import month_of, term_of
from services.imports import run_import
from services.pairing import pairings
from services.privacy.consent import ConsentInput, record_consent, withdraw_consent
from services.resources import needs
from services.roster import helpers, records, risk
from services.roster.child_input import ChildInput, child_to_input
from services.roster.helpers import HelperInput, helper_to_input
from services.roster.roster_filter import years_before
from services.stats.figures import Statistics, StatsScope, compute
from services.stats.rollups import reading
from services.stats.rollups.refresh import differences, rebuild
from tests.conftest import TEST_DATABASE_URL, _reset_postgres
from tests.factories import make_helper, make_org

# ---- the calendar: one today for the whole run ---------------------------------------------

TODAY = local_today()


def _first_of_month_before(day: date, months: int) -> date:
    month = day.replace(day=1)
    for _ in range(months):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


_TERM = term_of(TODAY)
_PAST_TERM = term_of(_TERM.start - timedelta(days=1))
_MONTH = month_of(TODAY)
# Mid-month to mid-month: whole months in the middle, loose days at both ends.
_CUSTOM = (_first_of_month_before(TODAY, 3).replace(day=10),
           _first_of_month_before(TODAY, 1).replace(day=20))
_ONE_DAY = _first_of_month_before(TODAY, 1).replace(day=15)
PERIODS: dict[str, tuple[date, date]] = {
    "this term": (_TERM.start, _TERM.end),
    "this month": (_MONTH.start, _MONTH.end),
    "past term": (_PAST_TERM.start, _PAST_TERM.end),
    "custom": _CUSTOM,
    "one day": (_ONE_DAY, _ONE_DAY),
}


def _edges() -> list[date]:
    """Days where a period or a month begins or ends, either side: where sums go wrong."""
    days = {TODAY, TODAY - timedelta(days=1), _first_of_month_before(TODAY, 2) + timedelta(days=3)}
    for start, end in PERIODS.values():
        days |= {start - timedelta(days=1), start, end, end + timedelta(days=1)}
    for months in range(1, 9):
        first = _first_of_month_before(TODAY, months)
        days |= {first, first - timedelta(days=1)}
    return sorted(d for d in days if d <= TODAY)


DAYS = _edges()


def _births() -> list[date]:
    """Birthdays on either side of the age bands' and the aged-out review's edges, on the days
    the figures take ages on; a 29 February; a baby born inside the periods."""
    days = {date(2016, 2, 29), date(2012, 2, 29), TODAY - timedelta(days=120),
            _PAST_TERM.end + timedelta(days=1)}
    for on in (TODAY, _PAST_TERM.end, _CUSTOM[1]):
        for years in (7, 13, 16, 19):
            edge = years_before(on, years)
            days |= {edge - timedelta(days=1), edge, edge + timedelta(days=1)}
    return sorted(d for d in days if years_before(TODAY, 19) < d <= TODAY)


BIRTHS = _births()

# ---- the world -----------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("小明", "小红", "子涵", "雨桐", "浩然", "欣怡", "梓轩", "思琪", "宇航", "佳怡",
         "俊杰", "诗涵", "博文", "雨萱", "天佑", "可馨")
HELPER_NAMES = ("陈丽华", "刘建国", "周文静", "吴志强", "郑晓燕")
_SERIALS = itertools.count(50)  # 身份证号 of imported children, each its own
PNG = io.BytesIO()
Image.new("RGB", (4, 3), (200, 80, 40)).save(PNG, "PNG")


@dataclass
class World:
    admin: Actor
    coordinator: Actor  # of the township 石门镇
    county: int
    towns: list[int]
    villages: list[int]  # 李家村, 张家村 (石门镇), 东门社区, 西门社区 (青山街道)
    school: int
    provider: int


def _id_number(birth: date, serial: int, gender: Gender) -> str:
    """A valid 18-digit 身份证号 for the birth date and gender (odd 17th digit: a boy)."""
    sequence = serial * 2 % 1000 + (1 if gender is Gender.male else 0)
    first17 = f"431121{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_checksum(first17)


def _user(s: Session, username: str, role: Role, unit: int | None) -> User:
    """An account (nobody logs in here: no password hashed, which would cost a second)."""
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
        villages = [make_org(s, "李家村", OrgKind.village, parent=town, is_mountain_area=True),
                    make_org(s, "张家村", OrgKind.village, parent=town, is_mountain_area=False),
                    make_org(s, "东门社区", OrgKind.community, parent=street),
                    make_org(s, "西门社区", OrgKind.community, parent=street,
                             is_mountain_area=True)]
        school = make_org(s, "石门镇中心小学", OrgKind.school, parent=town,
                          enrolled_students=300)
        admin = actor_for(s, _user(s, "admin", Role.admin, None))
        coordinator = actor_for(s, _user(s, "shimen", Role.coordinator, town.id))
        provider = ResourceProvider(name="县慈善会")
        s.add(provider)
        s.flush()
        for name, kind, unit, extra in (
                (HELPER_NAMES[0], HelperKind.class_teacher, school, {"school_id": school.id}),
                (HELPER_NAMES[1], HelperKind.volunteer, town, {}),
                (HELPER_NAMES[2], HelperKind.social_worker, street, {})):
            helpers.create_helper(s, actor=admin, today=TODAY, data=HelperInput(
                name=name, kind=kind, org_unit_id=unit.id, capacity=3, **extra))
        # Helpers written before a unit was required: counted at their school, or nowhere
        # but in the whole database's figures.
        make_helper(s, org_unit=None, name=HELPER_NAMES[3], kind=HelperKind.teacher,
                    school_id=school.id, capacity=3)
        make_helper(s, org_unit=None, name=HELPER_NAMES[4], kind=HelperKind.caring_parent,
                    capacity=3)
        world = World(admin, coordinator, county.id, [town.id, street.id],
                      [v.id for v in villages], school.id, provider.id)
    with transaction(engine) as s:
        for n in range(8):
            village = s.get(OrgUnit, world.villages[n % 4])
            assert village is not None
            records.create_child(s, actor=world.admin, today=TODAY, data=ChildInput(
                name=f"{SURNAMES[n]}{GIVEN[n]}", gender=(Gender.male, Gender.female)[n % 2],
                birth_date=BIRTHS[(5 * n + 3) % len(BIRTHS)],
                categories=[list(Category)[n % 5], *([Category.disabled] if n % 3 == 0 else [])],
                town_id=village.parent_id, village_id=village.id,
                school_id=world.school if n % 2 == 0 else None, boarding=n % 4 == 1,
                key_concern=n % 3 == 1, in_mountain_area=(None, True, False)[n % 3],
                guardian_type=list(GuardianType)[n % 4], academic_level=list(AcademicLevel)[n % 4],
                id_number=_id_number(BIRTHS[(5 * n + 3) % len(BIRTHS)], n,
                                     (Gender.male, Gender.female)[n % 2]) if n < 3 else None))
    with transaction(engine) as s:
        children = list(s.scalars(select(Child.id).order_by(Child.id)))
        helper_ids = list(s.scalars(select(Helper.id).order_by(Helper.id)))
        born = dict(s.execute(select(Child.id, Child.birth_date)).all())
        for n, child in enumerate(children[:6]):
            day = max(DAYS[(3 * n) % len(DAYS)], born[child])
            contacts.log_contact(s, actor=world.admin, child_id=child,
                                 helper_id=helper_ids[n % 3], kind=list(ContactKind)[n],
                                 contact_date=day, today=TODAY)
        pairings.pair(s, actor=world.admin, child_id=children[0], helper_id=helper_ids[0],
                      started_on=max(born[children[0]], _PAST_TERM.start), today=TODAY)
        activities.create_activity(s, actor=world.admin, today=TODAY, data=ActivityInput(
            kind="safety_education", title="防溺水讲座", held_on=_CUSTOM[1],
            org_unit_id=world.villages[0], sessions=2, extra_person_times=5,
            child_ids=tuple(c for c in children[:4] if born[c] <= _CUSTOM[1])))
        needs.record_need(s, actor=world.admin, child_id=children[1], kind=NeedKind.study,
                          description="需要课外辅导", found_on=max(born[children[1]], DAYS[0]),
                          priority=NeedPriority.normal, today=TODAY)
        for child in children[:4]:
            record_consent(s, actor=world.admin, child_id=child, today=TODAY, data=ConsentInput(
                ConsentBasis.guardian_consent, frozenset({ConsentPurpose.records}), "监护人",
                max(born[child], DAYS[0])))
    return world


# ---- a fresh database for each example -----------------------------------------------------

def fresh_database(template: object, target: Path) -> str:
    """The URL of an empty migrated database, by the mechanism of conftest's `db_url`."""
    if isinstance(template, Path):
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    engine, builtin = template  # type: ignore[misc]
    _reset_postgres(engine, builtin)
    return TEST_DATABASE_URL


def forget_database(url: str, target: Path) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


# ---- the check -----------------------------------------------------------------------------

def _plain(stats: Statistics) -> dict[str, Any]:
    found = dataclasses.asdict(stats)
    found.pop("computed_at")
    return found


def _where_different(fast: Any, slow: Any, path: str = "") -> list[str]:
    """Every leaf that differs, as `path: rollups … records …`."""
    if isinstance(fast, dict) and isinstance(slow, dict):
        found = []
        for key in [*fast, *(k for k in slow if k not in fast)]:
            found += _where_different(fast.get(key), slow.get(key), f"{path}.{key}")
        if not found and list(fast) != list(slow):
            found.append(f"{path}: keys in order {list(fast)} from the rollups, "
                         f"{list(slow)} from the records")
        return found
    if isinstance(fast, list | tuple) and isinstance(slow, list | tuple) and len(fast) == len(
            slow):
        return [line for n, (a, b) in enumerate(zip(fast, slow, strict=True))
                for line in _where_different(a, b, f"{path}[{n}]")]
    return [] if fast == slow else [f"{path}: rollups {fast!r}, records {slow!r}"]


def figures_disagree(session: Session, actor: Actor, periods: dict[str, tuple[date, date]]
                     ) -> list[str]:
    """For every unit and period: where the figures from the rollups and the records differ."""
    found = []
    units: list[int | None] = [None, *session.scalars(select(OrgUnit.id).order_by(OrgUnit.id))]
    for unit in units:
        for name, (start, end) in periods.items():
            scope = StatsScope(start, end, unit)
            fast = compute(session, actor, scope, today=TODAY)
            slow = compute(session, actor, scope, today=TODAY, source="records")
            fast_json, slow_json = fast.as_json(), slow.as_json()
            lines = _where_different(fast_json, slow_json, "stats --json")
            if not lines and json.dumps(fast_json, ensure_ascii=False) != json.dumps(
                    slow_json, ensure_ascii=False):
                lines.append("stats --json: same figures, different text")
            lines += _where_different(_plain(fast), _plain(slow), "Statistics")
            found += [f"unit {unit} ({fast.org}), {name} {start}…{end}: {line}"
                      for line in lines]
    return found


# ---- the writes ----------------------------------------------------------------------------

picks = st.integers(min_value=0, max_value=1000)
days = st.sampled_from(DAYS)
actors = st.sampled_from(["admin", "admin", "coordinator"])
kinds = st.sampled_from(list(ContactKind))
category_sets = st.sets(st.sampled_from(list(Category)), min_size=1, max_size=3)
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
contact_rows = st.lists(st.tuples(picks, picks, kinds, days, st.booleans()),
                        min_size=1, max_size=3)

ROSTER_HEADER = ["姓名", "性别", "出生日期", "身份证号", "儿童类别", "乡镇(街道)", "村(社区)",
                 "学校", "是否寄宿", "重点关注", "风险等级", "知情同意依据", "同意人", "同意日期",
                 "同意用途"]
CONTACT_HEADER = ["儿童姓名", "儿童出生日期", "儿童身份证号", "帮扶人姓名", "方式", "日期",
                  "时长(分钟)", "记录"]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in [header, *rows]).encode("utf-8-sig")


def _pick(ids: list[int], n: int) -> int | None:
    return ids[n % len(ids)] if ids else None


def _ids(session: Session, stmt: Any) -> list[int]:
    return list(session.scalars(stmt))


def writes_machine(template: object, folder: Path) -> type[RuleBasedStateMachine]:
    examples = itertools.count()
    names = itertools.count(100)

    class Writes(RuleBasedStateMachine):
        """One example: a fresh world, then writes, each checked by the invariant."""

        def __init__(self) -> None:
            super().__init__()
            self.target = folder / f"example{next(examples)}.db"
            self.url = fresh_database(template, self.target)
            self.engine = make_engine(self.url)
            self.world = build_world(self.engine)

        def teardown(self) -> None:
            self.engine.dispose()
            forget_database(self.url, self.target)

        # ---- helpers ------------------------------------------------------------------------

        def actor(self, who: str) -> Actor:
            return self.world.coordinator if who == "coordinator" else self.world.admin

        def write(self, what: str, change: Callable[[Session], object]) -> None:
            """One write in one transaction, as a page makes it; a refusal is noted."""
            try:
                with transaction(self.engine) as s:
                    result = change(s)
            except DomainError as exc:
                note(f"{what}: refused ({exc.message})")
                return
            note(f"{what}: {result if result is not None else 'saved'}")

        def child(self, s: Session, n: int, *, active: bool = False) -> Child | None:
            stmt = select(Child.id).order_by(Child.id)
            if active:
                stmt = stmt.where(Child.archived_at.is_(None))
            child_id = _pick(_ids(s, stmt), n)
            return None if child_id is None else s.get(Child, child_id)

        def helper(self, s: Session, n: int) -> Helper | None:
            helper_id = _pick(_ids(s, select(Helper.id).order_by(Helper.id)), n)
            return None if helper_id is None else s.get(Helper, helper_id)

        def new_name(self) -> str:
            n = next(names)
            return f"{SURNAMES[n % len(SURNAMES)]}{GIVEN[n // len(SURNAMES) % len(GIVEN)]}"

        # ---- children ----------------------------------------------------------------------

        @rule(village=picks, gender=st.sampled_from(list(Gender)), born=st.sampled_from(BIRTHS),
              categories=category_sets, edits=child_edits, who=actors)
        def create_child(self, village, gender, born, categories, edits, who):
            def change(s: Session) -> str:
                unit = s.get(OrgUnit, self.world.villages[village % 4])
                assert unit is not None
                data = ChildInput(name=self.new_name(), gender=gender, birth_date=born,
                                  categories=sorted(categories), town_id=unit.parent_id,
                                  village_id=unit.id)
                _edit(data, edits, self.world, s)
                child = records.create_child(s, actor=self.actor(who), data=data, today=TODAY)
                return f"child {child.id} in {child.village_id}"
            self.write("create child", change)

        @rule(n=picks, edits=child_edits, who=actors)
        def edit_child(self, n, edits, who):
            def change(s: Session) -> str:
                child = self.child(s, n)
                if child is None:
                    return "no child"
                data = child_to_input(child)
                _edit(data, edits, self.world, s)
                records.update_child(s, actor=self.actor(who), child_id=child.id,
                                     expected_version=child.version, data=data, today=TODAY)
                return f"child {child.id} now in {data.village_id}: {sorted(edits)}"
            self.write("edit child", change)

        @rule(n=picks, level=st.sampled_from(list(RiskLevel)), on=days)
        def assess(self, n, level, on):
            def change(s: Session) -> str:
                child = self.child(s, n)
                if child is None:
                    return "no child"
                risk.record_assessment(s, actor=self.world.admin, child_id=child.id,
                                       assessed_on=on, level=level, today=TODAY)
                return f"child {child.id} {level.value} on {on}"
            self.write("assess risk", change)

        @rule(n=picks, reason=st.sampled_from(list(ArchiveReason)), who=actors)
        def archive_or_restore_child(self, n, reason, who):
            def change(s: Session) -> str:
                child = self.child(s, n)
                if child is None:
                    return "no child"
                actor = self.actor(who)
                if child.archived_at is None:
                    records.archive_child(s, actor=actor, child_id=child.id,
                                          expected_version=child.version, reason=reason)
                    return f"archived child {child.id}"
                records.restore_child(s, actor=actor, child_id=child.id,
                                      expected_version=child.version)
                return f"restored child {child.id}"
            self.write("archive or restore child", change)

        @rule(rows=roster_rows, who=actors)
        def import_roster(self, rows, who):
            def change(s: Session) -> str:
                lines = [line for row in rows if (line := _roster_line(s, self, row))]
                if not lines:
                    return "nothing to import"
                report = run_import(s, actor=self.actor(who), kind="roster",
                                    data=_csv(ROSTER_HEADER, lines), filename="名单.csv")
                return (f"{report.created} new, {report.updated} updated, "
                        f"{len(report.errors)} errors: {lines}")
            self.write("import roster", change)

        # ---- contacts ----------------------------------------------------------------------

        @rule(n=picks, h=picks, kind=kinds, on=days, who=actors)
        def log_contact(self, n, h, kind, on, who):
            def change(s: Session) -> str:
                child, helper = self.child(s, n), self.helper(s, h)
                if child is None or helper is None:
                    return "nobody"
                contacts.log_contact(s, actor=self.actor(who), child_id=child.id,
                                     helper_id=helper.id, kind=kind, contact_date=on,
                                     today=TODAY)
                return f"child {child.id} {kind.value} on {on}"
            self.write("log contact", change)

        @rule(n=picks, kind=kinds, on=days)
        def edit_contact(self, n, kind, on):
            def change(s: Session) -> str:
                contact_id = _pick(_ids(s, select(CareContact.id).where(
                    CareContact.archived_at.is_(None)).order_by(CareContact.id)), n)
                if contact_id is None:
                    return "no contact"
                contact = s.get(CareContact, contact_id)
                assert contact is not None
                before = (contact.kind.value, contact.contact_date)
                contacts.edit_contact(s, actor=self.world.admin, contact_id=contact_id,
                                      expected_version=contact.version, kind=kind,
                                      contact_date=on, reason="日期记错了", today=TODAY)
                return f"contact {contact_id} {before} → {kind.value} on {on}"
            self.write("edit contact", change)

        @rule(n=picks)
        def withdraw_contact(self, n):
            def change(s: Session) -> str:
                contact_id = _pick(_ids(s, select(CareContact.id).where(
                    CareContact.archived_at.is_(None)).order_by(CareContact.id)), n)
                if contact_id is None:
                    return "no contact"
                contact = s.get(CareContact, contact_id)
                assert contact is not None
                contacts.archive_contact(s, actor=self.world.admin, contact_id=contact_id,
                                         expected_version=contact.version, reason="误录",
                                         today=TODAY)
                return f"contact {contact_id}"
            self.write("withdraw contact", change)

        @rule(rows=contact_rows, who=actors)
        def import_contacts(self, rows, who):
            def change(s: Session) -> str:
                lines = []
                for n, h, kind, on, by_number in rows:
                    child, helper = self.child(s, n), self.helper(s, h)
                    if child is None or helper is None:
                        return "nobody"
                    number = child.id_number if by_number and child.id_number else ""
                    lines.append([child.name, child.birth_date.isoformat(), number,
                                  helper.name, kind.zh, on.isoformat(), "30", "导入"])
                report = run_import(s, actor=self.actor(who), kind="contacts",
                                    data=_csv(CONTACT_HEADER, lines), filename="帮扶记录.csv")
                return (f"{report.created} new, {report.unchanged} unchanged, "
                        f"{len(report.errors)} errors: {lines}")
            self.write("import contacts", change)

        # ---- activities --------------------------------------------------------------------

        @rule(unit=picks, kind=st.sampled_from(["tutoring", "care_visit", "meeting"]), on=days,
              sessions=st.integers(1, 3), extra=st.integers(0, 4),
              attending=st.lists(picks, max_size=4), who=actors)
        def create_activity(self, unit, kind, on, sessions, extra, attending, who):
            def change(s: Session) -> str:
                units = [None, *_ids(s, select(OrgUnit.id).order_by(OrgUnit.id))]
                children = _ids(s, select(Child.id).order_by(Child.id))
                activity = activities.create_activity(
                    s, actor=self.actor(who), today=TODAY, data=ActivityInput(
                        kind=kind, title="关爱活动", held_on=on, org_unit_id=units[unit % len(
                            units)], sessions=sessions, extra_person_times=extra,
                        child_ids=tuple(children[a % len(children)] for a in attending)))
                return f"activity {activity.id} at {activity.org_unit_id} on {on}"
            self.write("create activity", change)

        @rule(n=picks, on=st.none() | days, unit=st.none() | picks,
              attending=st.none() | st.lists(picks, max_size=4),
              sessions=st.none() | st.integers(1, 3))
        def edit_activity(self, n, on, unit, attending, sessions):
            def change(s: Session) -> str:
                activity_id = _pick(_ids(s, select(Activity.id).order_by(Activity.id)), n)
                if activity_id is None:
                    return "no activity"
                activity = s.get(Activity, activity_id)
                assert activity is not None
                units = [None, *_ids(s, select(OrgUnit.id).order_by(OrgUnit.id))]
                children = _ids(s, select(Child.id).order_by(Child.id))
                now_attending = tuple(sorted(current_links(s, activity)[0]))
                data = ActivityInput(
                    kind=activity.kind, title=activity.title,
                    held_on=activity.held_on if on is None else on,
                    org_unit_id=activity.org_unit_id if unit is None else units[
                        unit % len(units)],
                    sessions=activity.sessions if sessions is None else sessions,
                    extra_person_times=activity.extra_person_times,
                    child_ids=now_attending if attending is None else tuple(
                        children[a % len(children)] for a in attending))
                activities.update_activity(s, actor=self.world.admin, activity_id=activity_id,
                                           expected_version=activity.version, data=data,
                                           today=TODAY)
                return f"activity {activity_id}: {data.held_on}, {data.org_unit_id}, " \
                       f"{len(data.child_ids)} attending"
            self.write("edit activity", change)

        @rule(n=picks)
        def archive_or_restore_activity(self, n):
            def change(s: Session) -> str:
                activity_id = _pick(_ids(s, select(Activity.id).order_by(Activity.id)), n)
                if activity_id is None:
                    return "no activity"
                activity = s.get(Activity, activity_id)
                assert activity is not None
                if activity.archived_at is None:
                    activities.archive_activity(s, actor=self.world.admin,
                                                activity_id=activity_id,
                                                expected_version=activity.version,
                                                reason="重复登记")
                    return f"archived activity {activity_id}"
                activities.restore_activity(s, actor=self.world.admin, activity_id=activity_id,
                                            expected_version=activity.version)
                return f"restored activity {activity_id}"
            self.write("archive or restore activity", change)

        @rule(n=picks, remove=st.booleans())
        def photo(self, n, remove):
            def change(s: Session) -> str:
                if remove:
                    photo_id = _pick(_ids(s, select(ActivityPhoto.id).order_by(
                        ActivityPhoto.id)), n)
                    if photo_id is None:
                        return "no photo"
                    photos.remove_photo(s, actor=self.world.admin, photo_id=photo_id)
                    return f"deleted photo {photo_id}"
                activity_id = _pick(_ids(s, select(Activity.id).order_by(Activity.id)), n)
                if activity_id is None:
                    return "no activity"
                saved = photos.save_photo(s, actor=self.world.admin, activity_id=activity_id,
                                          filename="合影.png", data=PNG.getvalue())
                return f"photo {saved.id} of activity {activity_id}"
            self.write("add or delete photo", change)

        # ---- pairings and helpers ----------------------------------------------------------

        @rule(n=picks, h=picks, on=days, who=actors)
        def pair(self, n, h, on, who):
            def change(s: Session) -> str:
                child, helper = self.child(s, n), self.helper(s, h)
                if child is None or helper is None:
                    return "nobody"
                pairings.pair(s, actor=self.actor(who), child_id=child.id, helper_id=helper.id,
                              started_on=on, today=TODAY)
                return f"child {child.id} with helper {helper.id}"
            self.write("pair", change)

        @rule(n=picks, on=days, reason=st.sampled_from(list(PairingEndReason)))
        def end_pairing(self, n, on, reason):
            def change(s: Session) -> str:
                pairing_id = _pick(_ids(s, select(Pairing.id).where(
                    Pairing.ended_on.is_(None)).order_by(Pairing.id)), n)
                if pairing_id is None:
                    return "no open pairing"
                pairing = s.get(Pairing, pairing_id)
                assert pairing is not None
                pairings.end_pairing(s, actor=self.world.admin, pairing_id=pairing_id,
                                     expected_version=pairing.version, ended_on=on,
                                     reason=reason, note="学期结束", today=TODAY)
                return f"pairing {pairing_id} on {on}"
            self.write("end pairing", change)

        @rule(h=picks, unit=st.none() | picks)
        def move_or_toggle_helper(self, h, unit):
            def change(s: Session) -> str:
                helper = self.helper(s, h)
                if helper is None:
                    return "no helper"
                if unit is not None:
                    units = [self.world.school, *self.world.towns, *self.world.villages]
                    data = dataclasses.replace(helper_to_input(helper),
                                               org_unit_id=units[unit % len(units)])
                    helpers.update_helper(s, actor=self.world.admin, helper_id=helper.id,
                                          expected_version=helper.version, data=data,
                                          today=TODAY)
                    return f"helper {helper.id} to unit {data.org_unit_id}"
                if helper.archived_at is None:
                    helpers.deactivate_helper(s, actor=self.world.admin, helper_id=helper.id,
                                              expected_version=helper.version, reason="调离")
                    return f"deactivated helper {helper.id}"
                helpers.reactivate_helper(s, actor=self.world.admin, helper_id=helper.id,
                                          expected_version=helper.version)
                return f"reactivated helper {helper.id}"
            self.write("move, deactivate or reactivate helper", change)

        # ---- needs and consent -------------------------------------------------------------

        @rule(n=picks, kind=st.sampled_from(list(NeedKind)), on=days, who=actors)
        def record_need(self, n, kind, on, who):
            def change(s: Session) -> str:
                child = self.child(s, n)
                if child is None:
                    return "no child"
                need = needs.record_need(s, actor=self.actor(who), child_id=child.id,
                                         kind=kind, description="家访发现", found_on=on,
                                         priority=NeedPriority.high, today=TODAY)
                return f"need {need.id} of child {child.id}"
            self.write("record need", change)

        @rule(n=picks, target=st.sampled_from(list(NeedStatus)))
        def move_need(self, n, target):
            def change(s: Session) -> str:
                need_id = _pick(_ids(s, select(Need.id).order_by(Need.id)), n)
                if need_id is None:
                    return "no need"
                need = s.get(Need, need_id)
                assert need is not None
                common = {"actor": self.world.admin, "need_id": need_id,
                          "expected_version": need.version, "today": TODAY}
                before = need.status.value
                if target is NeedStatus.linked:
                    needs.link_need(s, provider_id=self.world.provider, asked="助学金", **common)
                elif target is NeedStatus.resolved:
                    needs.resolve_need(s, resolution="已资助", **common)
                elif target is NeedStatus.closed:
                    needs.close_need(s, reason="已迁出", **common)
                else:
                    needs.reopen_need(s, reason="情况反复", **common)
                return f"need {need_id} {before} → {target.value}"
            self.write("move need", change)

        @rule(n=picks, purposes=st.sets(st.sampled_from(list(ConsentPurpose)), min_size=1,
                                        max_size=2), on=days, withdraw=st.booleans())
        def consent(self, n, purposes, on, withdraw):
            def change(s: Session) -> str:
                child = self.child(s, n)
                if child is None:
                    return "no child"
                if withdraw:
                    withdraw_consent(s, actor=self.world.admin, child_id=child.id,
                                     purposes=purposes, today=TODAY, note="监护人撤回")
                    return f"withdrew {sorted(p.value for p in purposes)} of child {child.id}"
                record_consent(s, actor=self.world.admin, child_id=child.id, today=TODAY,
                               data=ConsentInput(ConsentBasis.guardian_consent,
                                                 frozenset(purposes), "监护人", on))
                return f"consent {sorted(p.value for p in purposes)} of child {child.id}"
            self.write("record or withdraw consent", change)

        # ---- the property ------------------------------------------------------------------

        @invariant()
        def rollups_give_the_records_figures(self) -> None:
            with Session(self.engine) as s:
                assert not data_version.rollups_stale(s), "the rollups were marked stale"
                assert differences(s) == []
                assert figures_disagree(s, self.world.admin, PERIODS) == []

    return Writes


def _edit(data: ChildInput, edits: dict[str, Any], world: World, s: Session) -> None:
    """Apply a drawn set of edits to a child's input (a move takes the village's township)."""
    for name, value in edits.items():
        if name == "categories":
            data.categories = sorted(value)
        elif name == "school":
            data.school_id = world.school if value else None
        elif name == "village":
            unit = s.get(OrgUnit, world.villages[value % len(world.villages)])
            assert unit is not None
            data.village_id, data.town_id = unit.id, unit.parent_id
        else:
            setattr(data, name, value)


def _roster_line(s: Session, machine: Any, row: tuple) -> list[str]:
    """A roster row: a new child, or one already on record (changed, perhaps moved: a row
    matched by 身份证号 may name another village)."""
    world = machine.world
    if row[0] == "new":
        _, village, gender, born, categories, with_number, level, consent = row
        number = _id_number(born, next(_SERIALS), gender) if with_number else ""
        name = machine.new_name()
        boarding, concern = with_number, consent
    else:
        _, n, village, level, boarding, concern = row
        child = machine.child(s, n)
        if child is None:
            return []
        name, born, gender, number = (child.name, child.birth_date, child.gender,
                                      child.id_number or "")
        categories = {c.category for c in child.categories}
        if not number and child.village_id in world.villages:
            village = world.villages.index(child.village_id)  # matched by name: stays
        consent = False
    unit = s.get(OrgUnit, world.villages[village % len(world.villages)])
    assert unit is not None
    town = s.get(OrgUnit, unit.parent_id)
    assert town is not None
    yes = {True: "是", False: "否"}
    return [name, gender.zh, born.isoformat(), number,
            "、".join(c.zh for c in sorted(categories)), town.name, unit.name,
            "石门镇中心小学" if boarding and town.id == world.towns[0] else "", yes[boarding], yes[concern],
            level.zh if level else "",
            *(["监护人同意", "监护人", DAYS[0].isoformat(), "档案管理"] if consent else
              ["", "", "", ""])]


# ---- the tests -----------------------------------------------------------------------------

SETTINGS = settings(
    max_examples=6, stateful_step_count=12, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=False)


def test_random_writes_keep_the_rollups_equal_to_the_records(
        _database_template: object, tmp_path: Path) -> None:
    run_state_machine_as_test(writes_machine(_database_template, tmp_path), settings=SETTINGS)


@pytest.fixture
def world(db_url: str, engine: Engine) -> World:
    return build_world(engine)


def _counts(engine: Engine, world: World) -> tuple[list[str], list[str]]:
    with Session(engine) as s:
        return differences(s), figures_disagree(s, world.admin, PERIODS)


def test_the_figures_are_read_from_the_rollups(engine: Engine, world: World) -> None:
    """Not vacuous: a county's figures come from the rollups, and a wrong rollup row shows."""
    assert _counts(engine, world) == ([], [])
    with Session(engine) as s:
        assert reading.usable(s, world.admin, ())
        scope = StatsScope(*PERIODS["this term"], world.county)
        before = compute(s, world.admin, scope, today=TODAY).as_json()["children"]["total"]
    with transaction(engine) as s:
        s.execute(update(RollupCount).where(RollupCount.field == "children",
                                            RollupCount.unit_id == world.villages[0])
                  .values(n=RollupCount.n + 5))
    with Session(engine) as s:
        assert compute(s, world.admin, scope, today=TODAY).as_json()["children"]["total"] == (
            before + 5)
        assert compute(s, world.admin, scope, today=TODAY,
                       source="records").as_json()["children"]["total"] == before
    found, disagree = _counts(engine, world)
    assert len(found) == 1
    assert found[0].startswith(f"rollup_counts children/{world.villages[0]}/")
    assert any(".children.total: rollups" in line for line in disagree)


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
            records.archive_child(s, actor=world.admin, child_id=child_id,
                                  expected_version=s.get(Child, child_id).version,
                                  reason=ArchiveReason.moved_away)
    with Session(engine) as s:
        assert data_version.rollups_stale(s)
        assert not reading.usable(s, world.admin, ())
        assert differences(s) != []  # the rollups missed the writes …
    assert _counts(engine, world)[1] == []  # … and the figures did not read them
    # A later write with the maintenance keeps what it touched right, but cannot vouch for the
    # rest: the rollups stay stale.
    with transaction(engine) as s:
        records.restore_child(s, actor=world.admin, child_id=child_id,
                              expected_version=s.get(Child, child_id).version)
    with Session(engine) as s:
        assert data_version.rollups_stale(s)
    with transaction(engine) as s:  # what `cli.py rollups --rebuild` does
        rebuild(s)
        data_version.mark_rollups(s, stale=False)
    with Session(engine) as s:
        assert not data_version.rollups_stale(s)
        assert reading.usable(s, world.admin, ())
    assert _counts(engine, world) == ([], [])


def test_a_refused_import_leaves_the_rollups_as_they_were(engine: Engine, world: World) -> None:
    """A file with one bad row writes nothing: the rows it had written inside its savepoint,
    and the rollups recomputed for them, roll back together."""
    with Session(engine) as s:
        child = s.scalars(select(Child).order_by(Child.id)).first()
        assert child is not None
        good = [child.name, child.birth_date.isoformat(), "", HELPER_NAMES[0], "家访",
                DAYS[0].isoformat(), "30", "导入"]
    bad = ["查无此人", "2015-01-01", "", HELPER_NAMES[0], "家访", DAYS[0].isoformat(), "30", ""]
    roster_good = [_roster_line_for_test(world, "新来的", Gender.female)]
    roster_bad = [*roster_good, ["", "男", "2015-01-01", "", "留守儿童", "石门镇", "李家村",
                                 "", "否", "否", "", "", "", "", ""]]
    with transaction(engine) as s:
        report = run_import(s, actor=world.admin, kind="contacts",
                            data=_csv(CONTACT_HEADER, [good, bad]), filename="c.csv")
        assert report.errors
        report = run_import(s, actor=world.admin, kind="roster",
                            data=_csv(ROSTER_HEADER, roster_bad), filename="r.csv")
        assert report.errors
    assert _counts(engine, world) == ([], [])
    with transaction(engine) as s:
        report = run_import(s, actor=world.admin, kind="roster",
                            data=_csv(ROSTER_HEADER, roster_good), filename="r.csv")
        assert not report.errors
        assert report.created == 1
    assert _counts(engine, world) == ([], [])


def _roster_line_for_test(world: World, name: str, gender: Gender) -> list[str]:
    return [name, gender.zh, "2016-06-01", "", "困境儿童", "青山街道", "西门社区", "", "否",
            "是", "黄", "监护人同意", "监护人", DAYS[0].isoformat(), "档案管理、活动照片"]
