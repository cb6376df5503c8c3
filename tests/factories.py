"""Plain factory functions: a valid record with sensible defaults, any field overridable."""

from __future__ import annotations

import functools
import itertools
from datetime import date
from typing import Any

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.vocab import Category, Gender, HelperKind, OrgKind, PairingEndReason, Role
from db.models import AuditEvent, Child, ChildCategory, Helper, OrgUnit, Pairing, User
from services.access.orgs import write_path
from services.roster.pinyin import pinyin_keys

_counter = itertools.count(1)
DEFAULT_PASSWORD = "test-pass-2026"


@functools.cache
def test_password_hash(password: str) -> str:
    """A real bcrypt hash at the lowest cost, made once per password: the app's own hash (cost 12,
    a quarter second) in every test's accounts and every AppTest login cost minutes per run. The
    login still checks it with bcrypt; tests/services/access/test_users.py checks the app's cost."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def make_org(session: Session, name: str | None = None, kind: OrgKind = OrgKind.town,
             parent: OrgUnit | None = None, **overrides: Any) -> OrgUnit:
    unit = OrgUnit(name=name or f"单位{next(_counter)}", kind=kind, parent=parent, **overrides)
    session.add(unit)
    session.flush()
    write_path(session, unit)
    return unit


def make_town_with_village(session: Session, town: str = "石门镇",
                           village: str = "李家村") -> tuple[OrgUnit, OrgUnit]:
    t = make_org(session, town, OrgKind.town)
    return t, make_org(session, village, OrgKind.village, parent=t)


def make_child(session: Session, *, village: OrgUnit | None = None, name: str = "张小明",
               categories: tuple[Category, ...] = (Category.left_behind,),
               **overrides: Any) -> Child:
    if village is None:
        _, village = make_town_with_village(session, f"镇{next(_counter)}", "村")
    full, initials = pinyin_keys(name)
    values: dict[str, Any] = {
        "name": name, "name_pinyin": full, "name_initials": initials, "gender": Gender.male,
        "birth_date": date(2015, 3, 1), "town_id": village.parent_id, "village_id": village.id,
    }
    values.update(overrides)
    child = Child(**values)
    child.categories = [ChildCategory(category=c) for c in categories]
    session.add(child)
    session.flush()
    return child


def make_helper(session: Session, *, org_unit: OrgUnit | None = None, name: str = "李老师",
                kind: HelperKind = HelperKind.teacher, **overrides: Any) -> Helper:
    helper = Helper(name=name, kind=kind, org_unit_id=org_unit.id if org_unit else None,
                    **overrides)
    session.add(helper)
    session.flush()
    return helper


def make_pairing(session: Session, child: Child, helper: Helper, *,
                 started_on: date = date(2026, 3, 1), **overrides: Any) -> Pairing:
    if overrides.get("ended_on") and "end_reason" not in overrides:
        overrides["end_reason"] = PairingEndReason.other
    pairing = Pairing(child_id=child.id, helper_id=helper.id, started_on=started_on, **overrides)
    session.add(pairing)
    session.flush()
    return pairing


def make_user(session: Session, username: str | None = None, role: Role = Role.admin, *,
              org_unit: OrgUnit | None = None, password: str = DEFAULT_PASSWORD,
              **overrides: Any) -> User:
    user = User(username=username or f"user{next(_counter)}", display_name=overrides.pop(
                    "display_name", "测试用户"), role=role,
                org_unit_id=org_unit.id if org_unit else None,
                password_hash=test_password_hash(password), **overrides)
    session.add(user)
    session.flush()
    return user


def audited_writes(session: Session) -> int:
    """Audit events of writes: a dry run or a refused import is audited too, as a probe."""
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.not_in(("import_dry_run", "import_refused"))))


def import_probes(session: Session) -> list[str]:
    """The audit actions of dry runs and refused imports, oldest first."""
    return list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(("import_dry_run", "import_refused"))).order_by(AuditEvent.id)))
