"""Factories the pairing tests add to tests/factories.py: places, contacts, relatives, state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.vocab import ContactKind, Gender, HelperKind, OrgKind, Relation, Role
from db.models import AuditEvent, CareContact, Child, Helper, OrgUnit, Pairing, Relative
from services.access.permissions import Actor
from tests.factories import make_child, make_helper, make_org

TODAY = date(2026, 11, 28)
ADMIN = Actor.system()


@dataclass
class Places:
    """A county with two towns: town A has a village, a second village and a school."""

    county: OrgUnit
    town: OrgUnit
    village: OrgUnit
    other_village: OrgUnit
    school: OrgUnit
    other_school: OrgUnit
    other_town: OrgUnit
    far_village: OrgUnit


def make_places(session: Session) -> Places:
    county = make_org(session, "平安县", OrgKind.county)
    town = make_org(session, "石门镇", OrgKind.town, parent=county)
    other_town = make_org(session, "青山乡", OrgKind.town, parent=county)
    return Places(
        county=county, town=town,
        village=make_org(session, "李家村", OrgKind.village, parent=town),
        other_village=make_org(session, "张家村", OrgKind.village, parent=town),
        school=make_org(session, "石门镇中心小学", OrgKind.school, parent=town),
        other_school=make_org(session, "石门镇第二小学", OrgKind.school, parent=town),
        other_town=other_town,
        far_village=make_org(session, "王家村", OrgKind.village, parent=other_town),
    )


def make_peer(session: Session, *, school: OrgUnit, name: str = "赵同学",
              birth_date: date = date(2013, 5, 1), gender: Gender = Gender.male,
              **overrides: Any) -> Helper:
    """A peer student (结对同学) with the age and gender the safeguards need."""
    return make_helper(session, org_unit=school, name=name, kind=HelperKind.peer_student,
                       school_id=school.id, birth_date=birth_date, gender=gender, **overrides)


def make_contact(session: Session, child: Child, helper: Helper | None, on: date, *,
                 kind: ContactKind = ContactKind.talk, **overrides: Any) -> CareContact:
    contact = CareContact(child_id=child.id, helper_id=helper.id if helper else None, kind=kind,
                          contact_date=on, **overrides)
    session.add(contact)
    session.flush()
    return contact


def make_relative(session: Session, child: Child, relation: Relation = Relation.guardian, *,
                  name: str = "张奶奶", phone: str | None = "13812345678",
                  **overrides: Any) -> Relative:
    relative = Relative(child_id=child.id, relation=relation, name=name, phone=phone,
                        **overrides)
    session.add(relative)
    session.flush()
    return relative


def make_child_in(session: Session, village: OrgUnit, name: str = "张小明",
                  **overrides: Any) -> Child:
    return make_child(session, village=village, name=name, **overrides)


def helper_actor(helper: Helper) -> Actor:
    return Actor(user_id=None, username=f"helper{helper.id}", role=Role.helper,
                 helper_id=helper.id)


def coordinator_of(unit: OrgUnit) -> Actor:
    return Actor(user_id=None, username=f"coord{unit.id}", role=Role.coordinator,
                 org_unit_id=unit.id)


def db_state(session: Session) -> tuple:
    """Everything a refused pairing change must leave as it was, read back from the database."""
    pairings = session.execute(select(
        Pairing.id, Pairing.child_id, Pairing.helper_id, Pairing.started_on, Pairing.ended_on,
        Pairing.end_reason, Pairing.version).order_by(Pairing.id)).all()
    helpers = session.execute(select(
        Helper.id, Helper.name, Helper.capacity, Helper.archived_at, Helper.user_id,
        Helper.version).order_by(Helper.id)).all()
    children = session.execute(select(Child.id, Child.archived_at, Child.version)
                               .order_by(Child.id)).all()
    audit = session.scalar(select(func.count()).select_from(AuditEvent))
    return pairings, helpers, children, audit


def refused(session: Session, call: Callable[[], object], error: type[Exception] = DomainError,
            *, caller_rolls_back: bool = False) -> str:
    """Run a change that must be refused the way a page runs it, and return the message.

    The setup is committed first. The refusal must leave the database as it was: at once,
    or, with `caller_rolls_back`, once the caller's transaction has rolled back (the contract
    of `db.engine.transaction`, which every page and the CLI use).
    """
    session.commit()
    before = db_state(session)
    with pytest.raises(error) as caught:
        call()
    if not caller_rolls_back:
        assert db_state(session) == before
    session.rollback()
    assert db_state(session) == before
    return getattr(caught.value, "message", str(caught.value))
