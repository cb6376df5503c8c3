"""资源方: create, edit (versioned), archive, and what each provider has done in scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from core.vocab import NeedKind, NeedStatus, ProviderKind, Role, WishStatus
from db.models import AuditEvent, Need, ResourceProvider, Wish
from services.access.permissions import Actor
from services.resources.ledger import record_given, record_received
from services.resources.providers import (
    ProviderInput,
    archive_provider,
    create_provider,
    list_providers,
    provider_detail,
    update_provider,
)
from tests.pairing_factories import TODAY, coordinator_of, make_child_in, make_places

CHAMBER = ProviderInput("潮汕商会", ProviderKind.enterprise, "陈会长", "13812345678",
                        "助学金")


@pytest.fixture
def places(session):
    return make_places(session)


@pytest.fixture
def coord(places):
    return coordinator_of(places.town)


def test_a_coordinator_adds_a_provider_and_it_is_audited(session, coord):
    provider = create_provider(session, actor=coord, data=CHAMBER)
    assert (provider.name, provider.kind, provider.phone) == ("潮汕商会", ProviderKind.enterprise,
                                                              "13812345678")
    assert session.scalar(select(func.count(AuditEvent.id))
                          .where(AuditEvent.entity == "provider")) == 1


@pytest.mark.parametrize(("data", "field"), [
    (ProviderInput(" "), "名称"),
    (ProviderInput("潮汕商会"), "名称"),
    (ProviderInput("应急志愿者协会", phone="12345"), "电话"),
    (ProviderInput("应急志愿者协会", kind="bank"), "类型"),
    (ProviderInput("很长" * 60), "名称"),
])
def test_bad_providers_are_refused_in_chinese(session, coord, data, field):
    create_provider(session, actor=coord, data=CHAMBER)
    with pytest.raises(ValidationFailed) as caught:
        create_provider(session, actor=coord, data=data)
    assert field in caught.value.problems
    assert session.scalar(select(func.count(ResourceProvider.id))) == 1


def test_editing_needs_the_current_version(session, coord):
    provider = create_provider(session, actor=coord, data=CHAMBER)
    update_provider(session, actor=coord, provider_id=provider.id, expected_version=1,
                    data=ProviderInput("潮汕商会", ProviderKind.enterprise,
                                       offers="助学金、书包"))
    assert provider.offers == "助学金、书包" and provider.version == 2
    with pytest.raises(ConcurrentEdit):
        update_provider(session, actor=coord, provider_id=provider.id, expected_version=1,
                        data=CHAMBER)


def test_archiving_hides_a_provider_and_needs_a_reason(session, coord):
    provider = create_provider(session, actor=coord, data=CHAMBER)
    with pytest.raises(ValidationFailed):
        archive_provider(session, actor=coord, provider_id=provider.id, reason="")
    archive_provider(session, actor=coord, provider_id=provider.id, reason="不再合作")
    assert list_providers(session, coord) == []
    with pytest.raises(NotFound):
        provider_detail(session, coord, provider.id)


def test_a_viewer_cannot_manage_providers(session, places):
    viewer = Actor(user_id=None, username="v", role=Role.viewer, org_unit_id=places.town.id)
    with pytest.raises(PermissionDenied):
        create_provider(session, actor=viewer, data=CHAMBER)


def test_each_provider_shows_needs_wishes_and_donations_in_scope(session, places, coord):
    provider = create_provider(session, actor=coord, data=CHAMBER)
    create_provider(session, actor=coord, data=ProviderInput("公安局", ProviderKind.government))
    mine = make_child_in(session, places.village, "张小明")
    far = make_child_in(session, places.far_village, "赵小刚")
    for child in (mine, far):
        session.add(Need(child_id=child.id, kind=NeedKind.schooling_transfer,
                         found_on=date(2026, 11, 1), status=NeedStatus.linked,
                         provider_id=provider.id))
    session.add(Wish(child_id=mine.id, content="书包", collected_on=date(2026, 10, 1),
                     status=WishStatus.fulfilled, provider_id=provider.id,
                     fulfilled_on=date(2026, 11, 2)))
    session.flush()
    record_received(session, actor=coord, provider_id=provider.id, donated_on=date(2026, 11, 3),
                    money_yuan=500, today=TODAY)
    record_given(session, actor=coord, provider_id=provider.id, donated_on=date(2026, 11, 4),
                 money_yuan=200, recipients=[mine.id], today=TODAY)
    rows = {r.name: r for r in list_providers(session, coord)}
    chamber = rows["潮汕商会"]
    assert (chamber.needs_linked, chamber.wishes_fulfilled, chamber.donated_money,
            chamber.donations) == (1, 1, Decimal(500), 1)
    assert (rows["公安局"].needs_linked, rows["公安局"].donations) == (0, 0)
    detail = provider_detail(session, coord, provider.id)
    assert detail.needs == [("张小明", NeedKind.schooling_transfer.zh, NeedStatus.linked.zh)]
    assert detail.wishes == [("张小明", "书包", date(2026, 11, 2))]
    assert len(detail.donations) == 2


@pytest.mark.parametrize("kind", list(ProviderKind))
def test_every_provider_kind_can_be_stored(session, coord, kind):
    data = ProviderInput(f"资源方{kind.value}", kind)
    provider = create_provider(session, actor=coord, data=data)
    session.commit()
    assert session.get(ResourceProvider, provider.id).kind is kind
