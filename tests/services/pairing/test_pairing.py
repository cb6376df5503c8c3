"""结对: the pairing rules, batches, ending and reassigning, history, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import ConcurrentEdit, DomainError, NotFound, PermissionDenied
from core.vocab import ArchiveReason, Gender, HelperKind, PairingEndReason, Role
from db.base import utcnow
from db.models import AuditEvent, Child, Helper, Pairing
from services.access.permissions import Actor
from services.pairing import pairing_board, suggestions
from services.pairing import pairings as pairing
from services.pairing.match_health import pairing_health
from services.pairing.my_pairings import my_children
from services.pairing.pairings import Assignment, PairingRefused
from services.roster import helpers
from services.roster import records as roster
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    Places,
    coordinator_of,
    helper_actor,
    make_child_in,
    make_peer,
    make_places,
    refused,
)

STARTED = date(2026, 9, 1)


@dataclass
class World:
    places: Places
    child: Child  # 张小明, a boy born 2015-03-01, in 三年级2班 of the town's school
    teacher: Helper  # 李老师 at the school, capacity 2
    volunteer: Helper  # 刘志愿者 in the child's village, capacity 2
    peer: Helper  # 赵同学, a boy born 2013-05-01 at the same school


@pytest.fixture
def world(session) -> World:
    places = make_places(session)
    child = make_child_in(session, places.village, "张小明", school_id=places.school.id,
                          grade="三年级", class_name="2班")
    return World(
        places, child,
        make_helper(session, org_unit=places.school, name="李老师", school_id=places.school.id),
        make_helper(session, org_unit=places.village, name="刘志愿者", kind=HelperKind.volunteer),
        make_peer(session, school=places.school),
    )


def pair(session: Session, child: Child, helper: Helper, *, started_on: date = STARTED,
         actor: Actor = ADMIN) -> Pairing:
    return pairing.pair(session, actor=actor, child_id=child.id, helper_id=helper.id,
                        started_on=started_on, today=TODAY)


def open_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Pairing)
                          .where(Pairing.ended_on.is_(None))) or 0


# --- making a pairing ------------------------------------------------------------------------

def test_a_pairing_is_made_open_from_its_start_date_and_audited(session, world):
    made = pair(session, world.child, world.teacher)

    assert (made.child_id, made.helper_id, made.started_on) == (
        world.child.id, world.teacher.id, STARTED)
    assert (made.ended_on, made.end_reason) == (None, None)
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "pairing"))
    assert (event.action, event.summary) == ("create", "张小明 与教师李老师结对")


def test_a_child_may_have_several_helpers_at_once(session, world):
    pair(session, world.child, world.teacher)
    pair(session, world.child, world.volunteer)
    assert open_count(session) == 2


def test_an_older_peer_student_of_the_same_gender_may_be_paired(session, world):
    assert pair(session, world.child, world.peer).helper_id == world.peer.id


def test_a_helper_may_be_filled_up_to_their_capacity_exactly(session, world):
    second = make_child_in(session, world.places.village, "王小红")
    pair(session, world.child, world.teacher)
    pair(session, second, world.teacher)
    assert pairing.open_load(session, [world.teacher.id]) == {world.teacher.id: 2}


def _archived_child(session, w):
    w.child.archived_at = utcnow()
    return w.child, w.teacher, STARTED


def _inactive_helper(session, w):
    w.teacher.archived_at = utcnow()
    return w.child, w.teacher, STARTED


def _full_helper(session, w):
    w.teacher.capacity = 1
    make_pairing(session, make_child_in(session, w.places.village, "王小红"), w.teacher)
    return w.child, w.teacher, STARTED


def _capacity_zero(session, w):
    w.volunteer.capacity = 0
    return w.child, w.volunteer, STARTED


def _already_paired(session, w):
    make_pairing(session, w.child, w.teacher)
    return w.child, w.teacher, STARTED


def _peer(**changes):
    def setup(session, w):
        for name, value in changes.items():
            setattr(w.peer, name, value)
        return w.child, w.peer, STARTED
    return setup


def _start(day):
    return lambda session, w: (w.child, w.teacher, day)


# Each rule the issue names, with what the refusal must say.
REFUSALS = {
    "archived-child": (_archived_child, "“张小明”的档案已归档，不能结对"),
    "inactive-helper": (_inactive_helper, "帮扶人“李老师”已停用，不能结对"),
    "over-capacity": (_full_helper, "可结对1人，目前已结对1人，不能再增加"),
    "capacity-zero": (_capacity_zero, "可结对0人，目前已结对0人"),
    "same-two-twice": (_already_paired, "“张小明”已与“李老师”结对，不能重复结对"),
    "peer-younger": (_peer(birth_date=date(2016, 1, 1)), "结对同学应比被帮扶儿童年长"),
    "peer-same-birthday": (_peer(birth_date=date(2015, 3, 1)), "结对同学应比被帮扶儿童年长"),
    "peer-other-gender": (_peer(gender=Gender.female), "结对同学应与被帮扶儿童同性别"),
    "peer-no-birth-date": (_peer(birth_date=None), "缺少出生日期或性别"),
    "peer-no-gender": (_peer(gender=None), "缺少出生日期或性别"),
    "start-in-future": (_start(TODAY + timedelta(days=1)), "开始日期不能晚于今天"),
    "start-before-birth": (_start(date(2015, 2, 28)), "开始日期不能早于儿童出生日期"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_pairing_rule_refuses_with_its_reason_and_changes_nothing(session, world, case):
    setup, reason = REFUSALS[case]
    child, helper, started_on = setup(session, world)

    message = refused(session, lambda: pair(session, child, helper, started_on=started_on),
                      PairingRefused)

    assert reason in message


@pytest.mark.parametrize("case", list(REFUSALS))
def test_pairing_refusal_is_what_an_import_row_is_checked_with(session, world, case):
    setup, reason = REFUSALS[case]
    child, helper, started_on = setup(session, world)
    session.flush()
    load = pairing.open_load(session, [helper.id]).get(helper.id, 0)
    assert reason in pairing.pairing_refusal(session, child, helper, load, started_on, TODAY)


def test_the_open_pairing_index_refuses_a_duplicate_that_slips_past_the_check(
        session, world, monkeypatch):
    # Two coordinators pairing the same two at once both pass the check; the index stops one.
    pair(session, world.child, world.teacher)
    monkeypatch.setattr(pairing, "pairing_refusal", lambda *args: None)
    message = refused(session, lambda: pair(session, world.child, world.teacher),
                      PairingRefused, caller_rolls_back=True)
    assert "不能重复结对" in message


def test_the_same_two_may_pair_again_after_their_pairing_ended(session, world):
    first = make_pairing(session, world.child, world.teacher, started_on=date(2025, 9, 1),
                         ended_on=date(2026, 1, 20), end_reason=PairingEndReason.child_moved)
    again = pair(session, world.child, world.teacher)
    assert again.id != first.id
    assert [r.id for r in pairing.child_pairings(session, ADMIN, world.child.id)] == [
        again.id, first.id]


# --- several children at once ---------------------------------------------------------------

def test_several_children_are_paired_in_one_call(session, world):
    second = make_child_in(session, world.places.village, "王小红")
    third = make_child_in(session, world.places.village, "陈小华")

    made = pairing.pair_children(session, actor=ADMIN, started_on=STARTED, today=TODAY,
                                 assignments=[Assignment(world.child.id, world.teacher.id),
                                              Assignment(second.id, world.teacher.id),
                                              Assignment(third.id, world.volunteer.id)])

    assert [(p.child_id, p.helper_id) for p in made] == [
        (world.child.id, world.teacher.id), (second.id, world.teacher.id),
        (third.id, world.volunteer.id)]
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.entity == "pairing")) == 3


def test_a_batch_is_all_or_nothing_when_one_child_would_go_over_capacity(session, world):
    others = [make_child_in(session, world.places.village, n) for n in ("王小红", "陈小华")]
    batch = [Assignment(c.id, world.teacher.id) for c in (world.child, *others)]

    message = refused(session, lambda: pairing.pair_children(
        session, actor=ADMIN, assignments=batch, started_on=STARTED, today=TODAY),
        PairingRefused, caller_rolls_back=True)

    # The batch's own first two pairings count against the capacity of 2.
    assert "可结对2人，目前已结对2人" in message
    assert message.endswith("未做任何结对。")
    assert open_count(session) == 0


def test_a_batch_whose_first_child_is_refused_writes_nothing_at_all(session, world):
    world.child.archived_at = utcnow()
    second = make_child_in(session, world.places.village, "王小红")
    batch = [Assignment(world.child.id, world.teacher.id), Assignment(second.id, world.teacher.id)]
    message = refused(session, lambda: pairing.pair_children(
        session, actor=ADMIN, assignments=batch, started_on=STARTED, today=TODAY),
        PairingRefused)
    assert "已归档" in message


def test_the_same_pair_twice_in_one_batch_is_refused(session, world):
    batch = [Assignment(world.child.id, world.volunteer.id)] * 2
    message = refused(session, lambda: pairing.pair_children(
        session, actor=ADMIN, assignments=batch, started_on=STARTED, today=TODAY),
        PairingRefused, caller_rolls_back=True)
    assert "不能重复结对" in message


def test_an_empty_batch_is_refused(session, world):
    message = refused(session, lambda: pairing.pair_children(
        session, actor=ADMIN, assignments=[], started_on=STARTED, today=TODAY))
    assert "请先选择要结对的儿童" in message


# --- ending ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("reason", "note", "ending"), [
    (PairingEndReason.parents_returned, "", "父母返乡"),
    (PairingEndReason.helper_left, "调往县城", "帮扶人离开:调往县城"),
    (PairingEndReason.child_moved, "", "儿童迁出"),
    (PairingEndReason.reassigned, "", "调整结对"),
    (PairingEndReason.other, "孩子升入初中住校", "其他:孩子升入初中住校"),
])
def test_an_ended_pairing_keeps_its_reason_in_both_histories(session, world, reason, note,
                                                            ending):
    made = make_pairing(session, world.child, world.teacher, started_on=STARTED)

    pairing.end_pairing(session, actor=ADMIN, pairing_id=made.id, expected_version=1,
                        ended_on=date(2026, 11, 20), reason=reason, note=note, today=TODAY)

    for history in (pairing.child_pairings(session, ADMIN, world.child.id),
                    pairing.helper_pairings(session, ADMIN, world.teacher.id)):
        [record] = history
        assert (record.is_open, record.ended_on, record.ending) == (
            False, date(2026, 11, 20), ending)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "end"))
    assert event.after["end_reason"] == reason.value


def test_a_pairing_may_end_on_the_day_it_started(session, world):
    made = make_pairing(session, world.child, world.teacher, started_on=TODAY)
    pairing.end_pairing(session, actor=ADMIN, pairing_id=made.id, expected_version=1,
                        ended_on=TODAY, reason=PairingEndReason.child_moved, today=TODAY)
    assert made.ended_on == TODAY


@pytest.mark.parametrize(("ended_on", "reason", "note", "why"), [
    pytest.param(STARTED - timedelta(days=1), PairingEndReason.child_moved, "",
                 "结束日期不能早于开始日期（2026-09-01）", id="before-start"),
    pytest.param(TODAY + timedelta(days=1), PairingEndReason.child_moved, "",
                 "结束日期不能晚于今天", id="in-future"),
    pytest.param(TODAY, PairingEndReason.other, "  ", "请写明具体原因", id="other-without-note"),
])
def test_an_ending_that_breaks_a_rule_is_refused_and_the_pairing_stays_open(
        session, world, ended_on, reason, note, why):
    made = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    message = refused(session, lambda: pairing.end_pairing(
        session, actor=ADMIN, pairing_id=made.id, expected_version=1, ended_on=ended_on,
        reason=reason, note=note, today=TODAY), PairingRefused)
    assert why in message
    assert session.get(Pairing, made.id).ended_on is None


def test_ending_a_pairing_that_already_ended_is_refused(session, world):
    made = make_pairing(session, world.child, world.teacher, started_on=STARTED,
                        ended_on=date(2026, 10, 1))
    message = refused(session, lambda: pairing.end_pairing(
        session, actor=ADMIN, pairing_id=made.id, expected_version=made.version,
        ended_on=TODAY, reason=PairingEndReason.child_moved, today=TODAY))
    assert "该结对已于2026-10-01结束" in message


def test_ending_from_an_old_version_is_refused_and_changes_nothing(session, world):
    made = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    opened = made.version
    made.end_note = "备注"  # someone else's save moves the version on
    session.flush()
    message = refused(session, lambda: pairing.end_pairing(
        session, actor=ADMIN, pairing_id=made.id, expected_version=opened, ended_on=TODAY,
        reason=PairingEndReason.child_moved, today=TODAY), ConcurrentEdit)
    assert "已被其他人修改" in message
    assert session.get(Pairing, made.id).ended_on is None


def test_an_ending_that_lands_after_anothers_is_refused_by_the_version_in_sql(
        engine, session, world):
    made = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    session.commit()
    with Session(engine, expire_on_commit=False) as mine:
        stale = mine.get(Pairing, made.id)  # the page reads the pairing at version 1 …
        mine.commit()
        pairing.end_pairing(session, actor=ADMIN, pairing_id=made.id, expected_version=1,
                            ended_on=TODAY, reason=PairingEndReason.parents_returned,
                            today=TODAY)
        session.commit()  # … someone else ends it meanwhile …
        with pytest.raises(StaleDataError):  # … and the page's save finds version 2 in SQL
            pairing.end_pairing(mine, actor=ADMIN, pairing_id=made.id, expected_version=1,
                                ended_on=TODAY, reason=PairingEndReason.child_moved,
                                today=TODAY)
        mine.rollback()
        assert stale.version == 2
    session.expire_all()
    assert session.get(Pairing, made.id).end_reason is PairingEndReason.parents_returned


# --- reassigning -----------------------------------------------------------------------------

def test_reassign_ends_the_old_pairing_and_starts_the_new_one_on_the_same_day(session, world):
    old = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    on = date(2026, 11, 25)

    new = pairing.reassign(session, actor=ADMIN, pairing_id=old.id, expected_version=1,
                           helper_id=world.volunteer.id, on=on, today=TODAY)

    assert (old.ended_on, old.end_reason) == (on, PairingEndReason.reassigned)
    assert (new.child_id, new.helper_id, new.started_on, new.ended_on) == (
        world.child.id, world.volunteer.id, on, None)
    history = pairing.child_pairings(session, ADMIN, world.child.id)
    assert [(r.helper_name, r.is_open) for r in history] == [("刘志愿者", True),
                                                              ("李老师", False)]
    assert [r.child_name for r in pairing.helper_pairings(session, ADMIN, world.teacher.id)] == [
        "张小明"]


def test_reassign_from_a_deactivated_helper_records_that_the_helper_left(session, world):
    old = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    helpers.deactivate_helper(session, actor=ADMIN, helper_id=world.teacher.id,
                              expected_version=1, reason="调往县城")
    pairing.reassign(session, actor=ADMIN, pairing_id=old.id, expected_version=1,
                     helper_id=world.volunteer.id, on=TODAY,
                     reason=PairingEndReason.helper_left, today=TODAY)
    assert old.end_reason is PairingEndReason.helper_left
    assert pairing_board.count_unpaired(session, ADMIN) == 0


def test_reassigning_to_the_same_helper_is_refused(session, world):
    old = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    message = refused(session, lambda: pairing.reassign(
        session, actor=ADMIN, pairing_id=old.id, expected_version=1,
        helper_id=world.teacher.id, on=TODAY, today=TODAY), PairingRefused)
    assert "新帮扶人与原帮扶人相同" in message


def test_reassigning_to_a_full_helper_is_refused_and_the_old_pairing_stays(session, world):
    old = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    world.volunteer.capacity = 0
    message = refused(session, lambda: pairing.reassign(
        session, actor=ADMIN, pairing_id=old.id, expected_version=1,
        helper_id=world.volunteer.id, on=TODAY, today=TODAY),
        PairingRefused, caller_rolls_back=True)
    assert "可结对0人" in message
    assert session.get(Pairing, old.id).ended_on is None


@pytest.mark.parametrize(("version", "on", "error", "why"), [
    pytest.param(0, TODAY, ConcurrentEdit, "已被其他人修改", id="old-version"),
    pytest.param(1, STARTED - timedelta(days=1), PairingRefused, "不能早于开始日期",
                 id="before-old-start"),
    pytest.param(1, TODAY + timedelta(days=1), PairingRefused, "不能晚于今天", id="in-future"),
])
def test_a_reassignment_that_cannot_end_the_old_pairing_changes_nothing(
        session, world, version, on, error, why):
    old = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    message = refused(session, lambda: pairing.reassign(
        session, actor=ADMIN, pairing_id=old.id, expected_version=version,
        helper_id=world.volunteer.id, on=on, today=TODAY), error)
    assert why in message


# --- history ---------------------------------------------------------------------------------

def test_a_childs_history_lists_open_pairings_first_then_the_newest(session, world):
    oldest = make_pairing(session, world.child, world.volunteer, started_on=date(2024, 9, 1),
                          ended_on=date(2025, 1, 10))
    recent = make_pairing(session, world.child, world.teacher, started_on=date(2025, 9, 1),
                          ended_on=date(2026, 6, 30))
    current = make_pairing(session, world.child, world.peer, started_on=date(2026, 9, 1))
    assert [r.id for r in pairing.child_pairings(session, ADMIN, world.child.id)] == [
        current.id, recent.id, oldest.id]


def test_a_helpers_history_keeps_every_child_they_helped(session, world):
    other = make_child_in(session, world.places.village, "王小红")
    make_pairing(session, other, world.teacher, started_on=date(2025, 9, 1),
                 ended_on=date(2026, 1, 10))
    make_pairing(session, world.child, world.teacher)
    assert [(r.child_name, r.is_open) for r in pairing.helper_pairings(
        session, ADMIN, world.teacher.id)] == [("张小明", True), ("王小红", False)]


# --- a deactivated helper's children ---------------------------------------------------------

def test_pairing_a_child_whose_helper_left_ends_the_stale_pairing(session, world):
    stale = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    helpers.deactivate_helper(session, actor=ADMIN, helper_id=world.teacher.id,
                              expected_version=1, reason="调往县城")
    assert [c.helper_left for c in pairing_board.unpaired_children(
        session, ADMIN, today=TODAY)] == [True]

    new = pair(session, world.child, world.volunteer, started_on=date(2026, 11, 25))

    assert (stale.ended_on, stale.end_reason, stale.end_note) == (
        date(2026, 11, 25), PairingEndReason.helper_left, "帮扶人已停用，已重新结对")
    assert new.ended_on is None
    assert pairing_board.count_unpaired(session, ADMIN) == 0


def test_a_stale_pairing_never_ends_before_it_started(session, world):
    stale = make_pairing(session, world.child, world.teacher, started_on=date(2026, 11, 1))
    world.teacher.archived_at = utcnow()
    pair(session, world.child, world.volunteer, started_on=date(2026, 10, 1))
    assert stale.ended_on == date(2026, 11, 1)


# --- archiving a child -----------------------------------------------------------------------

@pytest.mark.parametrize(("archive_reason", "end_reason"), [
    (ArchiveReason.parents_returned, PairingEndReason.parents_returned),
    (ArchiveReason.moved_away, PairingEndReason.child_moved),
    (ArchiveReason.aged_out, PairingEndReason.child_archived),
    (ArchiveReason.no_longer_eligible, PairingEndReason.child_archived),
    (ArchiveReason.duplicate, PairingEndReason.child_archived),
    (ArchiveReason.other, PairingEndReason.child_archived),
])
def test_archiving_a_child_ends_their_open_pairings_with_the_matching_reason(
        session, world, archive_reason, end_reason):
    first = make_pairing(session, world.child, world.teacher, started_on=STARTED)
    second = make_pairing(session, world.child, world.volunteer, started_on=STARTED)
    ended = make_pairing(session, world.child, world.peer, started_on=date(2025, 9, 1),
                         ended_on=date(2026, 1, 10), end_reason=PairingEndReason.other,
                         end_note="学期结束")

    roster.archive_child(session, actor=ADMIN, child_id=world.child.id,
                         expected_version=world.child.version, reason=archive_reason)

    for p in (first, second):
        assert (p.end_reason, p.end_note) == (end_reason, f"儿童档案归档（{archive_reason.zh}）")
        assert p.ended_on >= p.started_on
    assert (ended.ended_on, ended.end_reason) == (date(2026, 1, 10), PairingEndReason.other)
    # Their places are free again.
    assert pairing.open_load(session, [world.teacher.id, world.volunteer.id]) == {}


# --- who may ---------------------------------------------------------------------------------

@dataclass
class Scoped:
    world: World
    li_pairing: Pairing  # 李老师 with 张小明, who has 刘志愿者 too
    liu_only: Child  # 王小红, paired with 刘志愿者 only
    far_child: Child  # in the other town, paired with a helper there
    far_helper: Helper
    far_pairing: Pairing


@pytest.fixture
def scoped(session, world) -> Scoped:
    liu_only = make_child_in(session, world.places.village, "王小红")
    far_child = make_child_in(session, world.places.far_village, "陈小华")
    far_helper = make_helper(session, org_unit=world.places.far_village, name="王志愿者",
                             kind=HelperKind.volunteer, capacity=5)
    li_pairing = make_pairing(session, world.child, world.teacher)
    make_pairing(session, world.child, world.volunteer)
    make_pairing(session, liu_only, world.volunteer)
    far_pairing = make_pairing(session, far_child, far_helper)
    return Scoped(world, li_pairing, liu_only, far_child, far_helper, far_pairing)


def test_a_helper_sees_only_their_own_children_and_their_own_pairings(session, scoped):
    li = helper_actor(scoped.world.teacher)

    assert [c.name for c in my_children(session, li, today=TODAY)] == ["张小明"]
    assert [h.pairing_id for h in pairing_health(session, li, today=TODAY)] == [
        scoped.li_pairing.id]
    # 张小明 also has 刘志愿者; 李老师 sees only the pairing that is theirs.
    assert [r.id for r in pairing.child_pairings(session, li, scoped.world.child.id)] == [
        scoped.li_pairing.id]
    assert [r.id for r in pairing.helper_pairings(session, li, scoped.world.teacher.id)] == [
        scoped.li_pairing.id]


HelperCall = Callable[[Session, Scoped, Actor], object]
HELPER_REFUSALS: dict[str, tuple[HelperCall, type[DomainError]]] = {
    "pair-own-child-again": (lambda s, w, a: pair(s, w.world.child, w.world.peer, actor=a),
                             PermissionDenied),
    "pair-other-child": (lambda s, w, a: pair(s, w.liu_only, w.world.teacher, actor=a),
                         PermissionDenied),
    "pair-batch": (lambda s, w, a: pairing.pair_children(
        s, actor=a, assignments=[Assignment(w.liu_only.id, w.world.teacher.id)],
        started_on=STARTED, today=TODAY), PermissionDenied),
    "end-own-pairing": (lambda s, w, a: pairing.end_pairing(
        s, actor=a, pairing_id=w.li_pairing.id, expected_version=1, ended_on=TODAY,
        reason=PairingEndReason.child_moved, today=TODAY), PermissionDenied),
    "reassign-own-pairing": (lambda s, w, a: pairing.reassign(
        s, actor=a, pairing_id=w.li_pairing.id, expected_version=1,
        helper_id=w.world.peer.id, on=TODAY, today=TODAY), PermissionDenied),
    "end-colleagues-pairing": (lambda s, w, a: pairing.end_pairing(
        s, actor=a, pairing_id=w.far_pairing.id, expected_version=1, ended_on=TODAY,
        reason=PairingEndReason.child_moved, today=TODAY), PermissionDenied),
    "other-childs-history": (lambda s, w, a: pairing.child_pairings(s, a, w.liu_only.id),
                             NotFound),
    "colleagues-history": (lambda s, w, a: pairing.helper_pairings(s, a, w.world.volunteer.id),
                           NotFound),
    "suggestions": (lambda s, w, a: suggestions.suggest_helpers(
        s, a, w.world.child.id, today=TODAY), PermissionDenied),
    "waiting-children": (lambda s, w, a: pairing_board.unpaired_children(s, a, today=TODAY),
                         PermissionDenied),
    "helpers-with-places": (lambda s, w, a: pairing_board.helpers_with_places(s, a),
                            PermissionDenied),
}


@pytest.mark.parametrize("case", list(HELPER_REFUSALS))
def test_a_helper_cannot_see_or_pair_other_children(session, scoped, case):
    call, error = HELPER_REFUSALS[case]
    refused(session, lambda: call(session, scoped, helper_actor(scoped.world.teacher)), error)


def test_a_helper_login_without_a_helper_record_sees_no_children(session, scoped):
    unlinked = Actor(user_id=None, username="new", role=Role.helper)
    assert my_children(session, unlinked, today=TODAY) == []
    assert pairing_health(session, unlinked, today=TODAY) == []
    with pytest.raises(NotFound):
        pairing.child_pairings(session, unlinked, scoped.world.child.id)


CoordinatorCall = Callable[[Session, Scoped, Actor], object]
OUT_OF_TOWN: dict[str, tuple[CoordinatorCall, str]] = {
    "pair-far-child": (lambda s, w, a: pair(s, w.far_child, w.world.volunteer, actor=a),
                       "儿童档案"),
    "pair-with-far-helper": (lambda s, w, a: pair(s, w.liu_only, w.far_helper, actor=a),
                             "帮扶人"),
    "end-far-pairing": (lambda s, w, a: pairing.end_pairing(
        s, actor=a, pairing_id=w.far_pairing.id, expected_version=1, ended_on=TODAY,
        reason=PairingEndReason.child_moved, today=TODAY), "结对"),
    "far-childs-history": (lambda s, w, a: pairing.child_pairings(s, a, w.far_child.id),
                           "儿童档案"),
    "far-helpers-history": (lambda s, w, a: pairing.helper_pairings(s, a, w.far_helper.id),
                            "帮扶人"),
    "suggest-for-far-child": (lambda s, w, a: suggestions.suggest_helpers(
        s, a, w.far_child.id, today=TODAY), "儿童档案"),
}


@pytest.mark.parametrize("case", list(OUT_OF_TOWN))
def test_a_coordinator_cannot_reach_another_towns_children_or_helpers(session, scoped, case):
    call, what = OUT_OF_TOWN[case]
    message = refused(session, lambda: call(session, scoped, coordinator_of(
        scoped.world.places.town)), NotFound)
    assert f"找不到该{what}" in message


def test_a_coordinator_cannot_reassign_to_another_towns_helper(session, scoped):
    message = refused(session, lambda: pairing.reassign(
        session, actor=coordinator_of(scoped.world.places.town),
        pairing_id=scoped.li_pairing.id, expected_version=1,
        helper_id=scoped.far_helper.id, on=TODAY, today=TODAY),
        NotFound, caller_rolls_back=True)
    assert "找不到该帮扶人" in message


def test_a_coordinator_pairs_within_their_town(session, scoped):
    coordinator = coordinator_of(scoped.world.places.town)
    made = pair(session, scoped.liu_only, scoped.world.teacher, actor=coordinator)
    assert made.helper_id == scoped.world.teacher.id


def test_a_viewer_cannot_pair_or_read_a_pairing_history(session, scoped):
    viewer = Actor(user_id=None, username="v", role=Role.viewer)
    refused(session, lambda: pair(session, scoped.liu_only, scoped.world.teacher, actor=viewer),
            PermissionDenied)
    refused(session, lambda: pairing.child_pairings(session, viewer, scoped.world.child.id),
            PermissionDenied)
    refused(session, lambda: pairing.helper_pairings(session, viewer, scoped.world.teacher.id),
            PermissionDenied)
