"""捐助台账: balances over sequences of entries, refusals, archiving, fairness, the summary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from core.vocab import DonationDirection, Role
from db.models import AuditEvent, Donation, ResourceProvider, donation_recipients
from services.access.permissions import Actor
from services.resources.ledger import archive_entry, record_given, record_received
from services.resources.ledger_balance import GoodsBalance, balances
from services.resources.ledger_reading import (
    donation_summary,
    fairness,
    list_entries,
    totals_by_month,
    totals_by_provider,
)
from tests.pairing_factories import ADMIN, TODAY, coordinator_of, make_child_in, make_places

Y = Decimal
D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 10), date(2026, 11, 20)


@pytest.fixture
def places(session):
    return make_places(session)


@pytest.fixture
def kids(session, places):
    return [make_child_in(session, places.village, name) for name in ("张小明", "李小红", "王小刚")]


@pytest.fixture
def coord(places):
    return coordinator_of(places.town)


def _provider(session, name="潮汕商会") -> ResourceProvider:
    provider = ResourceProvider(name=name)
    session.add(provider)
    session.flush()
    return provider


def _direct(session, actor, on, money, children, goods=None):
    """An activity-style `direct` donation: received and given at once."""
    donation = Donation(direction=DonationDirection.direct, donated_on=on, money_yuan=Y(money),
                        goods=goods, org_unit_id=actor.org_unit_id, recipients=list(children))
    session.add(donation)
    session.flush()
    return donation


def _state(session) -> tuple:
    return (session.scalar(select(func.count(Donation.id))),
            session.scalar(select(func.count()).select_from(donation_recipients)),
            session.scalar(select(func.count(Donation.id)).where(Donation.archived_at.is_(None))))


def _refused(session, call, error=DomainError) -> str:
    session.commit()
    before = _state(session)
    with pytest.raises(error) as caught:
        call()
    session.rollback()
    assert _state(session) == before
    return caught.value.message


# Each step: (kind, day, money, goods quantity of 书包); the balance after the sequence.
SEQUENCES = [
    ([("in", D1, 1000, 0)], Y(1000), Y(0)),
    ([("in", D1, 1000, 10), ("out", D2, 400, 4)], Y(600), Y(6)),
    ([("in", D1, 500, 5), ("in", D2, 500, 5), ("out", D3, 1000, 10)], Y(0), Y(0)),
    ([("in", D1, 300, 3), ("direct", D2, 5000, 0), ("out", D3, 300, 3)], Y(0), Y(0)),
    ([("direct", D1, 200, 0)], Y(0), Y(0)),
    ([("in", D2, 800, 0), ("out", D3, 100, 0), ("out", D2, 200, 0)], Y(500), Y(0)),
]


@pytest.mark.parametrize(("steps", "money", "bags"), SEQUENCES)
def test_balances_over_sequences_of_entries(session, kids, coord, steps, money, bags):
    for kind, day, yuan, quantity in steps:
        goods = ({"goods": "书包", "goods_quantity": quantity, "goods_unit": "个"}
                 if quantity else {})
        if kind == "in":
            record_received(session, actor=coord, provider_id=None, donated_on=day,
                            money_yuan=yuan, today=TODAY, **goods)
        elif kind == "out":
            record_given(session, actor=coord, donated_on=day, money_yuan=yuan,
                         recipients=[k.id for k in kids], today=TODAY, **goods)
        else:
            _direct(session, coord, day, yuan, kids)
    result = balances(session, coord)
    assert result.money_yuan == money
    assert [g.quantity for g in result.goods if g.goods == "书包"] == ([bags] if bags else [])


def test_balance_as_of_a_date_counts_only_entries_until_then(session, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=100,
                    today=TODAY)
    record_received(session, actor=coord, provider_id=None, donated_on=D3, money_yuan=50,
                    today=TODAY)
    assert balances(session, coord, on=D2).money_yuan == Y(100)
    assert balances(session, coord).money_yuan == Y(150)


def test_money_given_beyond_the_balance_is_refused(session, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=300,
                    today=TODAY)
    message = _refused(session, lambda: record_given(
        session, actor=coord, donated_on=D2, money_yuan=301, recipients=[kids[0].id],
        today=TODAY))
    assert "超过" in message and "300" in message


def test_money_given_before_it_was_received_is_refused(session, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D2, money_yuan=300,
                    today=TODAY)
    _refused(session, lambda: record_given(session, actor=coord, donated_on=D1, money_yuan=100,
                                           recipients=[kids[0].id], today=TODAY))


def test_a_backdated_payment_cannot_overdraw_a_later_day(session, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=300,
                    today=TODAY)
    record_given(session, actor=coord, donated_on=D3, money_yuan=300, recipients=[kids[0].id],
                 today=TODAY)
    _refused(session, lambda: record_given(session, actor=coord, donated_on=D2, money_yuan=1,
                                           recipients=[kids[1].id], today=TODAY))


def test_goods_never_received_are_refused(session, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, goods="书包",
                    goods_quantity=5, goods_unit="个", today=TODAY)
    message = _refused(session, lambda: record_given(
        session, actor=coord, donated_on=D2, goods="文具", goods_quantity=1, goods_unit="套",
        recipients=[kids[0].id], today=TODAY))
    assert "没有可发放的“文具”" in message


@pytest.mark.parametrize(("unit", "quantity"), [("个", 6), ("箱", 1)])
def test_goods_beyond_their_balance_or_in_another_unit_are_refused(session, kids, coord, unit,
                                                                   quantity):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, goods="书包",
                    goods_quantity=5, goods_unit="个", today=TODAY)
    _refused(session, lambda: record_given(
        session, actor=coord, donated_on=D2, goods="书包", goods_quantity=quantity,
        goods_unit=unit, recipients=[kids[0].id], today=TODAY))


@pytest.mark.parametrize(("values", "field"), [
    ({"money_yuan": -5}, "金额(元)"),
    ({"money_yuan": "abc"}, "金额(元)"),
    ({"money_yuan": "1.005"}, "金额(元)"),
    ({"money_yuan": 0}, "金额(元)"),
    ({"goods": "书包"}, "物资数量"),
    ({"goods": "书包", "goods_quantity": -1}, "物资数量"),
    ({"money_yuan": 5, "donated_on": date(2026, 11, 29)}, "日期"),
    ({"money_yuan": 5, "provider_id": 999}, "资源方"),
])
def test_bad_receipts_are_refused_in_chinese(session, coord, values, field):
    kwargs = {"provider_id": None, "donated_on": D1, **values}
    with pytest.raises(ValidationFailed) as caught:
        record_received(session, actor=coord, today=TODAY, **kwargs)
    assert field in caught.value.problems
    assert session.scalar(select(func.count(Donation.id))) == 0


def test_recipients_out_of_scope_archived_or_missing_are_refused(session, places, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=100,
                    today=TODAY)
    far = make_child_in(session, places.far_village, "远方")
    kids[1].archived_at = kids[1].created_at
    for recipients in ([far.id], [kids[1].id], []):
        message = _refused(session, lambda r=recipients: record_given(
            session, actor=coord, donated_on=D2, money_yuan=10, recipients=r, today=TODAY),
            ValidationFailed)
        assert "受助儿童" in message


def test_shares_must_add_up_to_the_total(session, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=100,
                    today=TODAY)
    with pytest.raises(ValidationFailed) as caught:
        record_given(session, actor=coord, donated_on=D2, money_yuan=100, today=TODAY,
                     recipients=[(kids[0].id, Y(60), None), (kids[1].id, Y(30), None)])
    assert "每人金额" in caught.value.problems


def test_a_helper_or_viewer_cannot_write_the_ledger(session, places):
    viewer = Actor(user_id=None, username="v", role=Role.viewer, org_unit_id=places.town.id)
    with pytest.raises(PermissionDenied):
        record_received(session, actor=viewer, provider_id=None, donated_on=D1, money_yuan=1,
                        today=TODAY)


def test_archiving_a_receipt_leaves_the_balance(session, kids, coord):
    entry = record_received(session, actor=coord, provider_id=None, donated_on=D1,
                            money_yuan=100, today=TODAY)
    archive_entry(session, actor=coord, entry_id=entry.id, reason="重复登记")
    assert balances(session, coord).money_yuan == 0
    assert list_entries(session, coord, date_from=D1, date_to=TODAY) == []
    assert session.scalar(select(func.count(AuditEvent.id))
                          .where(AuditEvent.action == "archive")) == 1


def test_archiving_a_receipt_already_given_out_is_refused(session, kids, coord):
    entry = record_received(session, actor=coord, provider_id=None, donated_on=D1,
                            money_yuan=100, today=TODAY)
    given = record_given(session, actor=coord, donated_on=D2, money_yuan=60,
                         recipients=[kids[0].id], today=TODAY)
    assert "不能归档" in _refused(session, lambda: archive_entry(
        session, actor=coord, entry_id=entry.id, reason="重复"))
    archive_entry(session, actor=coord, entry_id=given.id, reason="录错")
    archive_entry(session, actor=coord, entry_id=entry.id, reason="重复")
    assert balances(session, coord).money_yuan == 0


def test_archiving_needs_a_reason_and_an_entry_in_scope(session, places, coord):
    entry = record_received(session, actor=coord, provider_id=None, donated_on=D1,
                            money_yuan=100, today=TODAY)
    with pytest.raises(ValidationFailed):
        archive_entry(session, actor=coord, entry_id=entry.id, reason=" ")
    with pytest.raises(NotFound):
        archive_entry(session, actor=coordinator_of(places.other_town), entry_id=entry.id,
                      reason="x")


def test_a_town_cannot_spend_what_the_county_already_gave_out(session, places, kids, coord):
    county = coordinator_of(places.county)
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=100,
                    today=TODAY)
    record_given(session, actor=county, donated_on=D2, money_yuan=100, recipients=[kids[0].id],
                 today=TODAY)
    assert balances(session, county).money_yuan == 0
    _refused(session, lambda: record_given(session, actor=coord, donated_on=D3, money_yuan=50,
                                           recipients=[kids[1].id], today=TODAY))


def test_goods_balances_by_name_and_unit(session, kids, coord):
    for goods, qty, unit in (("书包", 10, "个"), ("文具", 3, "套"), ("书包", 2, "箱")):
        record_received(session, actor=coord, provider_id=None, donated_on=D1, goods=goods,
                        goods_quantity=qty, goods_unit=unit, today=TODAY)
    record_given(session, actor=coord, donated_on=D2, goods="书包", goods_quantity=3,
                 goods_unit="个", recipients=[k.id for k in kids], today=TODAY)
    assert balances(session, coord).goods == [
        GoodsBalance("书包", "个", Y(7)), GoodsBalance("书包", "箱", Y(2)),
        GoodsBalance("文具", "套", Y(3))]


def test_fairness_counts_shares_and_equal_splits_most_helped_first(session, places, kids, coord):
    make_child_in(session, places.village, "从未帮")
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=1000,
                    goods="书包", goods_quantity=10, goods_unit="个", today=TODAY)
    record_given(session, actor=coord, donated_on=D2, money_yuan=300, goods="书包",
                 goods_quantity=3, goods_unit="个", recipients=[k.id for k in kids], today=TODAY)
    record_given(session, actor=coord, donated_on=D3, money_yuan=100, today=TODAY,
                 recipients=[(kids[0].id, Y(80), None), (kids[1].id, Y(20), None)])
    _direct(session, coord, D3, 50, [kids[0]])
    result = fairness(session, coord, date_from=D1, date_to=TODAY)
    assert [(r.child_name, r.times_helped, r.money_yuan) for r in result.rows] == [
        ("张小明", 3, Y(230)), ("李小红", 2, Y(120)), ("王小刚", 1, Y(100))]
    assert result.rows[2].goods == "书包 1个"
    assert result.never_helped == 1


def test_donation_summary_has_the_contract_shape(session, kids, coord):
    assert donation_summary(session, coord, date_from=D1, date_to=TODAY) == {
        "money_yuan": 0.0, "children_helped": 0}
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=500,
                    today=TODAY)
    record_given(session, actor=coord, donated_on=D2, money_yuan=200, recipients=[kids[0].id],
                 today=TODAY)
    _direct(session, coord, D3, 50, kids[:2])
    _direct(session, coord, date(2026, 10, 1), 999, kids)
    assert donation_summary(session, coord, date_from=D1, date_to=TODAY) == {
        "money_yuan": 250.0, "children_helped": 2}


def test_totals_per_provider_and_month(session, kids, coord):
    chamber, media = _provider(session), _provider(session, "晚报")
    record_received(session, actor=coord, provider_id=chamber.id, donated_on=D1, money_yuan=500,
                    goods="书包", goods_quantity=2, goods_value_yuan=120, today=TODAY)
    record_received(session, actor=coord, provider_id=media.id, donated_on=date(2026, 10, 3),
                    money_yuan=100, today=TODAY)
    record_given(session, actor=coord, donated_on=D2, money_yuan=50, recipients=[kids[0].id],
                 today=TODAY)
    by_provider = totals_by_provider(session, coord, date_from=date(2026, 10, 1), date_to=TODAY)
    assert [(t.provider_name, t.received_money, t.received_goods_value, t.entries)
            for t in by_provider] == [("潮汕商会", Y(500), Y(120), 1), ("晚报", Y(100), Y(0), 1)]
    months = totals_by_month(session, coord, date_from=date(2026, 10, 1), date_to=TODAY)
    assert [(m.period, m.received_money, m.given_money) for m in months] == [
        ("2026-10", Y(100), Y(0)), ("2026-11", Y(500), Y(50))]


def test_entries_list_names_recipients_and_provider(session, kids, coord):
    chamber = _provider(session)
    record_received(session, actor=coord, provider_id=chamber.id, donated_on=D1, money_yuan=90,
                    today=TODAY)
    record_given(session, actor=coord, donated_on=D2, money_yuan=90, recipients=[kids[0].id],
                 today=TODAY)
    rows = list_entries(session, coord, date_from=D1, date_to=TODAY)
    assert [(r.direction, r.provider_name, r.recipients) for r in rows] == [
        (DonationDirection.given, "", ["张小明"]), (DonationDirection.received, "潮汕商会", [])]
    assert list_entries(session, ADMIN, date_from=D1, date_to=TODAY)[0].id == rows[0].id


def test_a_viewer_gets_the_summary_without_names(session, places, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=90,
                    today=TODAY)
    record_given(session, actor=coord, donated_on=D2, money_yuan=90, recipients=[kids[0].id],
                 today=TODAY)
    viewer = Actor(user_id=None, username="v", role=Role.viewer, org_unit_id=places.town.id)
    other = Actor(user_id=None, username="o", role=Role.viewer,
                  org_unit_id=places.other_town.id)
    assert donation_summary(session, viewer, date_from=D1, date_to=TODAY) == {
        "money_yuan": 90.0, "children_helped": 1}
    assert donation_summary(session, other, date_from=D1, date_to=TODAY) == {
        "money_yuan": 0.0, "children_helped": 0}
    with pytest.raises(PermissionDenied):
        fairness(session, viewer, date_from=D1, date_to=TODAY)


def test_per_child_shares_are_stored_and_equal_splits_left_blank(session, kids, coord):
    record_received(session, actor=coord, provider_id=None, donated_on=D1, money_yuan=100,
                    goods="书包", goods_quantity=3, goods_unit="个", today=TODAY)
    shared = record_given(session, actor=coord, donated_on=D2, money_yuan=100, goods="书包",
                          goods_quantity=3, goods_unit="个", today=TODAY,
                          recipients=[(kids[0].id, Y(70), Y(2)), (kids[1].id, Y(30), Y(1))])
    r = donation_recipients.c
    stored = session.execute(select(r.money_yuan, r.goods_quantity)
                             .where(r.donation_id == shared.id).order_by(r.child_id)).all()
    assert [tuple(row) for row in stored] == [(Y(70), Y(2)), (Y(30), Y(1))]
    assert balances(session, coord).goods == []
