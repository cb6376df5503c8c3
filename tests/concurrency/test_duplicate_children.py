"""One child, one record: simultaneous saves, stale edits and matches outside the actor's scope."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ConcurrentEdit, DomainError
from core.validators import id_number_checksum
from core.vocab import Category, Gender, OrgKind, Role
from db.engine import transaction
from db.models import Child
from services.access.permissions import Actor
from services.roster import records as roster
from services.roster.child_input import ChildInput, find_duplicates
from tests.factories import make_org

TODAY = date(2026, 12, 3)
ADMIN = Actor.system()
BORN = date(2015, 3, 2)
OUT_OF_SCOPE = "可能与您管辖范围外的已有档案重复，请联系县级管理员核实。"
NAMED = "疑似重复：已有儿童“林小雨”（{reason}），请打开已有档案核对，不要重复录入。"


def valid_id(birth: date, sequence: str = "002") -> str:
    """A checksum-valid 身份证号; an even last sequence digit is a girl."""
    first17 = f"110101{birth:%Y%m%d}{sequence}"
    return first17 + id_number_checksum(first17)


@dataclass(frozen=True)
class Places:
    town: int
    village: int
    other_town: int
    other_village: int


@pytest.fixture
def places(engine) -> Places:
    with transaction(engine) as session:
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        other_town = make_org(session, "东乡", OrgKind.town)
        other_village = make_org(session, "新村", OrgKind.village, parent=other_town)
        return Places(town.id, village.id, other_town.id, other_village.id)


def child(places: Places, *, other_town: bool = False, **overrides: object) -> ChildInput:
    values: dict = {"name": "林小雨", "gender": Gender.female, "birth_date": BORN,
                    "categories": [Category.left_behind],
                    "town_id": places.other_town if other_town else places.town,
                    "village_id": places.other_village if other_town else places.village}
    return ChildInput(**{**values, **overrides})


def coordinator(places: Places) -> Actor:
    return Actor(None, "石门镇负责人", Role.coordinator, org_unit_id=places.town)


def _children(engine) -> int:
    with transaction(engine, write=False) as session:
        return session.scalar(select(func.count(Child.id)))


def _save_at_once(engine, saves: list) -> list[object]:
    """Run each save in its own thread and transaction, all released together."""
    start, results = threading.Barrier(len(saves)), [None] * len(saves)

    def run(index: int) -> None:
        start.wait(timeout=30)
        try:
            with transaction(engine) as session:
                results[index] = saves[index](session).id
        except DomainError as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(saves))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def check_then_wait(engine, monkeypatch):
    """On PostgreSQL, hold both saves after their duplicate check so both reach the insert.

    On SQLite the second save cannot start its transaction until the first has committed
    (BEGIN IMMEDIATE), so there is nothing to hold.
    """
    if engine.dialect.name != "postgresql":
        return
    both_checked, original, calls = threading.Barrier(2), find_duplicates, iter(range(1000))

    def checked(session, data, *, exclude_id=None):
        found = original(session, data, exclude_id=exclude_id)
        if next(calls) < 2:  # the two first checks; the loser's second look passes straight
            both_checked.wait(timeout=30)
        return found

    monkeypatch.setattr(roster, "find_duplicates", checked)


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"id_number": valid_id(BORN)}, "身份证号相同"),
    ({}, "姓名、出生日期和村（社区）相同"),
], ids=["same-id-number", "same-name-birth-village"])
def test_two_simultaneous_saves_of_one_child_make_one_record(engine, places, check_then_wait,
                                                             overrides, reason):
    data = child(places, **overrides)

    def save(session: Session) -> Child:
        return roster.create_child(session, actor=ADMIN, data=data, today=TODAY)

    results = _save_at_once(engine, [save, save])

    refused = [r for r in results if isinstance(r, DomainError)]
    saved = [r for r in results if isinstance(r, int)]
    assert (len(saved), len(refused), _children(engine)) == (1, 1, 1), results
    assert isinstance(refused[0], roster.DuplicateChild)
    assert refused[0].message == NAMED.format(reason=reason)
    assert [d.child_id for d in refused[0].duplicates] == saved


def _insert_without_checking(session: Session, data: ChildInput) -> None:
    with roster.guarded_save(session, ADMIN, data):
        roster.new_child(session, actor=ADMIN, data=data, today=TODAY, check_duplicates=False)
        session.flush()


def test_a_save_refused_by_the_unique_key_gets_the_duplicate_message(engine, places):
    """What the loser of a race meets at its insert: the database's refusal, in Chinese."""
    with transaction(engine) as session:
        first = roster.create_child(session, actor=ADMIN, data=child(places), today=TODAY)
    with transaction(engine) as session:
        with pytest.raises(roster.DuplicateChild) as refused:
            _insert_without_checking(session, child(places))
        # The transaction survives the refusal: the savepoint took the failed insert with it.
        assert session.scalar(select(func.count(Child.id))) == 1
    assert [d.child_id for d in refused.value.duplicates] == [first.id]


def test_a_name_written_with_other_spaces_or_widths_is_the_same_child(engine, places):
    with transaction(engine) as session:
        roster.create_child(session, actor=ADMIN, data=child(places), today=TODAY)
    with pytest.raises(roster.DuplicateChild) as refused, transaction(engine) as session:
        roster.create_child(session, actor=ADMIN, data=child(places, name="林 小\u3000雨"),
                            today=TODAY)
    assert refused.value.message == NAMED.format(reason="姓名、出生日期和村（社区）相同")
    assert _children(engine) == 1


def _saved(engine, data: ChildInput) -> Child:
    with transaction(engine) as session:
        return roster.create_child(session, actor=ADMIN, data=data, today=TODAY)


def test_an_edit_saved_over_a_newer_version_is_refused_in_chinese(engine, places):
    """The other save lands between our read and our write: the UPDATE finds no version 1."""
    existing = _saved(engine, child(places))
    with Session(engine, expire_on_commit=False) as ours:
        ours.get(Child, existing.id)  # opened at version 1
        with transaction(engine) as theirs:
            roster.update_child(theirs, actor=ADMIN, child_id=existing.id, expected_version=1,
                                data=child(places, grade="四年级"), today=TODAY)
        with pytest.raises(ConcurrentEdit) as refused:
            roster.update_child(ours, actor=ADMIN, child_id=existing.id, expected_version=1,
                                data=child(places, grade="五年级"), today=TODAY)
    assert refused.value.message.startswith("该儿童档案已被其他人修改")
    with transaction(engine, write=False) as session:
        saved = session.get(Child, existing.id)
        assert (saved.grade, saved.version) == ("四年级", 2)


def test_two_simultaneous_edits_of_one_version_keep_one(engine, places):
    existing = _saved(engine, child(places))
    edits = [lambda s, g=grade: roster.update_child(
        s, actor=ADMIN, child_id=existing.id, expected_version=1,
        data=child(places, grade=g), today=TODAY) for grade in ("四年级", "五年级")]

    results = _save_at_once(engine, edits)

    assert sum(isinstance(r, ConcurrentEdit) for r in results) == 1, results
    with transaction(engine, write=False) as session:
        assert session.get(Child, existing.id).version == 2


def test_a_match_outside_scope_is_refused_without_naming_it(engine, places):
    elsewhere = _saved(engine, child(places, other_town=True, name="赵小刚",
                                     id_number=valid_id(BORN)))
    data = child(places, name="林小雨", id_number=valid_id(BORN))
    with pytest.raises(roster.DuplicateChild) as refused, transaction(engine) as session:
        roster.create_child(session, actor=coordinator(places), data=data, today=TODAY)
    assert (refused.value.message, refused.value.duplicates) == (OUT_OF_SCOPE, [])
    assert "赵小刚" not in refused.value.message and "东乡" not in refused.value.message
    # A county admin sees whom it matches.
    with pytest.raises(roster.DuplicateChild) as named, transaction(engine) as session:
        roster.create_child(session, actor=ADMIN, data=data, today=TODAY)
    assert [d.child_id for d in named.value.duplicates] == [elsewhere.id]
    assert "赵小刚" in named.value.message


def test_an_archived_child_outside_scope_is_never_named(engine, places):
    elsewhere = _saved(engine, child(places, other_town=True, name="钱小多",
                                     id_number=valid_id(BORN)))
    with transaction(engine) as session:
        roster.archive_child(session, actor=ADMIN, child_id=elsewhere.id, expected_version=1,
                             reason=roster.ArchiveReason.moved_away)
    with pytest.raises(roster.DuplicateChild) as refused, transaction(engine) as session:
        roster.create_child(session, actor=coordinator(places),
                            data=child(places, id_number=valid_id(BORN)), today=TODAY)
    assert (refused.value.message, refused.value.duplicates) == (OUT_OF_SCOPE, [])


def test_only_the_match_in_scope_is_named_when_there_are_both(engine, places):
    mine = _saved(engine, child(places))
    _saved(engine, child(places, other_town=True, name="赵小刚", id_number=valid_id(BORN)))
    data = replace(child(places), id_number=valid_id(BORN))
    with pytest.raises(roster.DuplicateChild) as refused, transaction(engine) as session:
        roster.create_child(session, actor=coordinator(places), data=data, today=TODAY)
    assert [d.child_id for d in refused.value.duplicates] == [mine.id]
    assert "赵小刚" not in refused.value.message
