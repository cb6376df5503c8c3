"""访问记录: every way of seeing a child by name is recorded, aggregates are not, and the
review list finds many children in a day and lists taken at night."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from core.errors import NotFound, PermissionDenied
from core.vocab import PairingEndReason, Role, ViewKind
from db.models import Child, ViewedChild, ViewEvent
from sample_data import seed_database
from services.access.permissions import Actor
from services.access.users import actor_for
from services.care.contact_cards import cards_for_children
from services.exports.export_kinds import export_list, hub_lists
from services.privacy import views
from services.privacy.views import ViewLogFilter
from services.reports.report_draft import draft_markdown
from services.reports.reporting import build_report, page_draft
from services.stats.figures import StatsScope, compute
from tests.factories import make_child, make_helper, make_pairing, make_town_with_village, make_user

TODAY = date(2026, 11, 28)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SCOPE = StatsScope(date(2026, 9, 1), date(2026, 11, 28))


@pytest.fixture
def seeded(engine: Engine) -> Iterator[Session]:
    seed_database(engine, scale="school", today=TODAY)
    with Session(engine) as session:
        # The demo's own views (a week of the coordinator's) are not what these tests count.
        session.execute(delete(ViewedChild))
        session.execute(delete(ViewEvent))
        session.commit()
        yield session


def _admin(session: Session) -> Actor:
    return actor_for(session, make_user(session, "管理员甲", Role.admin))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ViewEvent)) or 0


def _only_event(session: Session) -> ViewEvent:
    [event] = session.scalars(select(ViewEvent))
    return event


def _linked(session: Session, event: ViewEvent) -> list[int]:
    return sorted(session.scalars(select(ViewedChild.child_id)
                                  .where(ViewedChild.event_id == event.id)))


# ---- what is recorded -------------------------------------------------------------------------

def test_a_child_page_view_names_the_child_the_person_and_the_page(session):
    child = make_child(session)
    reader = actor_for(session, make_user(session, "王主任", Role.coordinator))
    views.record_view(session, reader, ViewKind.child_page, "roster", child_ids=[child.id])
    event = _only_event(session)
    assert (event.username, event.role, event.kind, event.page, event.rows) == (
        "王主任", "coordinator", ViewKind.child_page, "roster", 1)
    assert _linked(session, event) == [child.id]


def test_reopening_a_page_within_half_an_hour_is_one_view_but_later_is_another(session):
    child = make_child(session)
    reader = actor_for(session, make_user(session, "王主任", Role.coordinator))
    assert views.record_view(session, reader, ViewKind.child_page, "roster",
                             child_ids=[child.id]) is not None
    assert views.record_view(session, reader, ViewKind.child_page, "roster",
                             child_ids=[child.id]) is None
    other = actor_for(session, make_user(session, "李主任", Role.coordinator))
    assert views.record_view(session, other, ViewKind.child_page, "roster",
                             child_ids=[child.id]) is not None
    session.execute(update(ViewEvent).values(at=ViewEvent.at - timedelta(minutes=31)))
    assert views.record_view(session, reader, ViewKind.child_page, "roster",
                             child_ids=[child.id]) is not None
    assert _count(session) == 3


def test_contact_cards_link_every_child_on_them(seeded):
    admin = _admin(seeded)
    ids = list(seeded.scalars(select(Child.id).order_by(Child.id).limit(7)))
    cards_for_children(seeded, admin, ids, today=TODAY, fmt="pdf", page="roster")
    event = _only_event(seeded)
    assert (event.kind, event.rows, event.page) == (ViewKind.contact_card, 7, "roster")
    assert _linked(seeded, event) == ids


def test_every_list_export_is_one_event_with_its_title_and_row_count(seeded):
    admin = _admin(seeded)
    for kind, spec in hub_lists().items():
        built = export_list(seeded, actor=admin, kind=kind, fmt="csv", today=TODAY,
                            page="exports")
        event = seeded.scalars(select(ViewEvent).order_by(ViewEvent.id.desc())).first()
        assert event is not None
        assert (event.kind, event.page, event.subject, event.rows) == (
            ViewKind.export, "exports", spec.title, built.rows), kind
        assert _linked(seeded, event) == []  # a list is counted, not linked child by child
    assert _count(seeded) == len(hub_lists())


def test_a_report_with_names_is_recorded_and_a_masked_one_or_the_deck_is_not(seeded):
    admin = _admin(seeded)
    build_report(seeded, admin, SCOPE, "md", today=TODAY, masked=True)
    build_report(seeded, admin, SCOPE, "pptx", today=TODAY)
    page_draft(seeded, admin, SCOPE, today=TODAY, masked=True)
    assert _count(seeded) == 0
    _, name = build_report(seeded, admin, SCOPE, "docx", today=TODAY, page="reports")
    page_draft(seeded, admin, SCOPE, today=TODAY, masked=False)
    kinds = [(e.kind, e.subject) for e in seeded.scalars(select(ViewEvent).order_by(ViewEvent.id))]
    assert kinds[0] == (ViewKind.report, name)
    assert kinds[1][0] is ViewKind.report and kinds[1][1].endswith("（草稿）")


def test_aggregates_record_nothing(seeded):
    admin = _admin(seeded)
    compute(seeded, admin, SCOPE, today=TODAY)
    draft_markdown(seeded, admin, SCOPE, today=TODAY, masked=True)
    assert _count(seeded) == 0


# ---- who looked at one child ------------------------------------------------------------------

def test_who_looked_lists_the_newest_views_with_names_and_roles(session):
    town, village = make_town_with_village(session)
    child = make_child(session, village=village)
    admin = actor_for(session, make_user(session, "admin1", Role.admin, display_name="刘主任"))
    coordinator = actor_for(session, make_user(session, "coord1", Role.coordinator,
                                               org_unit=town, display_name="王主任"))
    views.record_view(session, coordinator, ViewKind.child_page, "roster", child_ids=[child.id])
    views.record_view(session, admin, ViewKind.contact_card, "roster",
                      child_ids=[child.id, make_child(session, village=village, name="李四").id])
    seen = views.who_looked(session, coordinator, child.id)
    assert [(r.display_name, r.role, r.kind) for r in seen] == [
        ("刘主任", "admin", ViewKind.contact_card), ("王主任", "coordinator", ViewKind.child_page)]


def test_who_looked_is_refused_to_helpers_and_viewers_and_outside_scope(session):
    town, village = make_town_with_village(session)
    _, other_village = make_town_with_village(session, "白沙镇", "张家村")
    child = make_child(session, village=village)
    outside = make_child(session, village=other_village, name="外镇儿童")
    helper_record = make_helper(session)
    make_pairing(session, child, helper_record)
    helper_user = make_user(session, "helper1", Role.helper)
    helper_record.user_id = helper_user.id
    session.flush()
    for role in (Role.helper, Role.viewer):
        user = helper_user if role is Role.helper else make_user(session, "viewer1", role)
        with pytest.raises(PermissionDenied):
            views.who_looked(session, actor_for(session, user), child.id)
    coordinator = actor_for(session, make_user(session, "coord1", Role.coordinator,
                                               org_unit=town))
    # Outside the scope reads exactly like a child that does not exist.
    with pytest.raises(NotFound) as outside_error:
        views.who_looked(session, coordinator, outside.id)
    with pytest.raises(NotFound) as missing_error:
        views.who_looked(session, coordinator, 999_999)
    assert outside_error.value.text() == missing_error.value.text()


# ---- 管理 › 访问记录 ---------------------------------------------------------------------------

def _at(session: Session, event: ViewEvent | None, local: datetime) -> None:
    assert event is not None
    event.at = local.replace(tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    session.flush()


def test_the_log_filters_by_person_child_kind_and_local_day(session):
    town, village = make_town_with_village(session)
    admin = actor_for(session, make_user(session, "admin1", Role.admin))
    a = actor_for(session, make_user(session, "coord_a", Role.coordinator, org_unit=town))
    b = actor_for(session, make_user(session, "coord_b", Role.coordinator, org_unit=town))
    zhang = make_child(session, village=village, name="张小明")
    li = make_child(session, village=village, name="李小红")
    _at(session, views.record_view(session, a, ViewKind.child_page, "roster",
                                   child_ids=[zhang.id]), datetime(2026, 11, 27, 0, 30))
    _at(session, views.record_view(session, b, ViewKind.child_page, "roster",
                                   child_ids=[li.id]), datetime(2026, 11, 27, 23, 50))
    _at(session, views.record_view(session, b, ViewKind.export, "exports", subject="儿童名单",
                                   rows=2), datetime(2026, 11, 26, 12, 0))

    def users(wanted: ViewLogFilter) -> list[tuple[str, ViewKind]]:
        rows, total = views.view_log(session, admin, wanted, SHANGHAI)
        assert total == len(rows)
        return [(r.username, r.kind) for r in rows]

    # 00:30 and 23:50 Beijing time are the same local day, though UTC puts them on two.
    day = date(2026, 11, 27)
    assert users(ViewLogFilter(date_from=day, date_to=day)) == [
        ("coord_b", ViewKind.child_page), ("coord_a", ViewKind.child_page)]
    assert users(ViewLogFilter(user_id=b.user_id)) == [
        ("coord_b", ViewKind.child_page), ("coord_b", ViewKind.export)]
    assert users(ViewLogFilter(kind=ViewKind.export)) == [("coord_b", ViewKind.export)]
    assert users(ViewLogFilter(child_name="小红")) == [("coord_b", ViewKind.child_page)]
    assert users(ViewLogFilter(child_name="%")) == []  # a LIKE wildcard is a plain character
    with pytest.raises(PermissionDenied):
        views.view_log(session, a, ViewLogFilter(), SHANGHAI)


def test_the_log_shows_the_newest_and_counts_them_all(session):
    admin = actor_for(session, make_user(session, "admin1", Role.admin))
    child = make_child(session)
    for _ in range(5):
        views.record_view(session, admin, ViewKind.contact_card, "roster", child_ids=[child.id])
    rows, total = views.view_log(session, admin, ViewLogFilter(), SHANGHAI, limit=3)
    assert (len(rows), total) == (3, 5)


def test_the_log_names_the_children_the_reader_may_see_and_counts_the_rest(session):
    town, village = make_town_with_village(session)
    _, far_village = make_town_with_village(session, "白沙镇", "张家村")
    admin = actor_for(session, make_user(session, "admin1", Role.admin))
    # An administrator of 石门镇 only (an admin account may be given a scope).
    town_admin = actor_for(session, make_user(session, "admin2", Role.admin, org_unit=town))
    near = [make_child(session, village=village, name=f"近{i}") for i in range(4)]
    far = make_child(session, village=far_village, name="远方儿童")
    views.record_view(session, admin, ViewKind.contact_card, "roster",
                      child_ids=[c.id for c in near] + [far.id], subject="联系卡")
    views.record_view(session, admin, ViewKind.child_page, "roster", child_ids=[far.id])
    views.record_view(session, admin, ViewKind.export, "exports", subject="儿童名单", rows=9)

    def children(reader: Actor) -> list[tuple[tuple[str, ...], int]]:
        rows, _ = views.view_log(session, reader, ViewLogFilter(), SHANGHAI)
        return [(r.names, r.children) for r in rows]

    first = ("近0", "近1", "近2")
    assert children(admin) == [((), 0), (("远方儿童",), 1), (first, 5)]
    # A reader scoped to 石门镇 never reads the other town's child's name: only a count.
    assert children(town_admin) == [((), 0), ((), 1), (first, 5)]


def test_contact_cards_for_a_class_are_a_list_not_many_children(session):
    town, village = make_town_with_village(session)
    admin = actor_for(session, make_user(session, "admin1", Role.admin))
    coordinator = actor_for(session, make_user(session, "coord", Role.coordinator,
                                               org_unit=town, display_name="刘主任"))
    children = [make_child(session, village=village, name=f"儿童{i}") for i in range(6)]
    _at(session, views.record_view(session, coordinator, ViewKind.contact_card, "roster",
                                   child_ids=[c.id for c in children], subject="联系卡"),
        datetime(2026, 11, 27, 10, 0))
    _at(session, views.record_view(session, coordinator, ViewKind.contact_card, "roster",
                                   child_ids=[c.id for c in children], subject="联系卡"),
        datetime(2026, 11, 27, 23, 0))
    flags = views.unusual_views(session, admin, date(2026, 11, 27), date(2026, 11, 27),
                                SHANGHAI, daily_limit=3)
    assert [(f.reason, f.display_name, f.subject, f.count) for f in flags] == [
        ("night_export", "刘主任", "联系卡", 6)]


def test_many_children_outside_ones_pairings_in_a_day_is_flagged(session):
    town, village = make_town_with_village(session)
    admin = actor_for(session, make_user(session, "admin1", Role.admin))
    busy_user = make_user(session, "busy", Role.coordinator, org_unit=town, display_name="忙主任")
    busy = actor_for(session, busy_user)
    children = [make_child(session, village=village, name=f"儿童{i}") for i in range(6)]
    # Two of them are the coordinator's own pairings (as a helper too): not counted; a third
    # pairing has ended, and that child is no longer theirs.
    own = make_helper(session, user_id=busy_user.id)
    for child in children[:2]:
        make_pairing(session, child, own)
    make_pairing(session, children[2], own, started_on=date(2025, 9, 1),
                 ended_on=date(2026, 6, 30), end_reason=PairingEndReason.reassigned)
    for child in children:
        _at(session, views.record_view(session, busy, ViewKind.child_page, "roster",
                                       child_ids=[child.id]), datetime(2026, 11, 27, 10, 0))
    flags = views.unusual_views(session, admin, date(2026, 11, 27), date(2026, 11, 27),
                                SHANGHAI, daily_limit=3)
    assert [(f.reason, f.display_name, f.count) for f in flags] == [
        ("many_children", "忙主任", 4)]
    assert views.unusual_views(session, admin, date(2026, 11, 27), date(2026, 11, 27),
                               SHANGHAI, daily_limit=4) == []
    # In June the third pairing was still open: that child was the coordinator's own then.
    for child in children[2:4]:
        _at(session, views.record_view(session, busy, ViewKind.child_page, "roster",
                                       child_ids=[child.id]), datetime(2026, 6, 1, 10, 0))
    june = views.unusual_views(session, admin, date(2026, 6, 1), date(2026, 6, 1), SHANGHAI,
                               daily_limit=0)
    assert [(f.day, f.count) for f in june] == [(date(2026, 6, 1), 1)]


@pytest.mark.parametrize(("hour", "flagged"), [(21, False), (22, True), (3, True), (6, False)])
def test_lists_taken_at_night_are_flagged(session, hour, flagged):
    admin = actor_for(session, make_user(session, "admin1", Role.admin))
    _at(session, views.record_view(session, admin, ViewKind.export, "cli", subject="儿童名单",
                                   rows=120), datetime(2026, 11, 27, hour, 15))
    flags = views.unusual_views(session, admin, date(2026, 11, 26), date(2026, 11, 28),
                                SHANGHAI)
    assert [(f.reason, f.subject, f.count) for f in flags] == (
        [("night_export", "儿童名单", 120)] if flagged else [])
