"""The 首页's headline counts and 结对帮扶's counts: quick reads of the actor's whole scope, not
the period's figures (`services.stats.figures.compute` uses `pairing_stats` for its own)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from core.vocab import HelperKind, Role
from db.models import Child, Helper, Pairing
from services.access.permissions import Actor, children_counted, helpers_visible
from services.pairing.pairings import child_is_paired


@dataclass(frozen=True)
class Headline:
    """The three numbers every role's 首页 opens with."""

    children: int
    helpers: int
    active_pairings: int
    children_paired: int

    @property
    def coverage(self) -> float | None:
        return self.children_paired / self.children if self.children else None


def headline(session: Session, actor: Actor) -> Headline:
    """Active children, helpers and open pairings the actor serves: their whole access scope,
    so a township's count includes the children at its schools who live elsewhere (the
    figures of `compute` count each child once, where they live)."""
    in_scope = children_counted(actor)
    children = session.scalar(
        select(func.count()).select_from(Child).where(Child.archived_at.is_(None), in_scope))
    helpers = session.scalar(
        select(func.count()).select_from(Helper).where(Helper.archived_at.is_(None),
                                                       helpers_visible(actor)))
    open_pairings = (
        select(Pairing.id, Pairing.child_id)
        .join(Child, Child.id == Pairing.child_id)
        .where(Pairing.ended_on.is_(None), Child.archived_at.is_(None), in_scope)
    )
    if actor.role is Role.helper:
        # A helper counts their own pairings, not a colleague's with the same child.
        open_pairings = open_pairings.where(Pairing.helper_id == actor.helper_id)
    counted = open_pairings.subquery()
    pairings, paired = session.execute(select(
        func.count(counted.c.id), func.count(counted.c.child_id.distinct()))).one()
    return Headline(children or 0, helpers or 0, pairings or 0, paired or 0)


@dataclass(frozen=True)
class PairingStats:
    """结对帮扶 as the summaries report it: "110名志愿者结对202名留守儿童"."""

    helpers: int
    helpers_by_kind: dict[str, int]
    children: int
    children_paired: int

    @property
    def coverage(self) -> float:
        return self.children_paired / self.children if self.children else 0.0

    @property
    def unpaired(self) -> int:
        return self.children - self.children_paired


def pairing_stats(session: Session, actor: Actor, *,
                  among: ColumnElement[bool] | None = None,
                  helpers_among: ColumnElement[bool] | None = None) -> PairingStats:
    """Active helpers in scope by kind (narrowed by `helpers_among`), and the active children in
    scope (narrowed by `among`) with and without a helper."""
    by_kind = dict(session.execute(
        select(Helper.kind, func.count()).where(Helper.archived_at.is_(None),
                                                helpers_visible(actor),
                                                true() if helpers_among is None else helpers_among)
        .group_by(Helper.kind)).all())
    children, paired = session.execute(
        select(func.count(), func.count(case((child_is_paired(), 1))))
        .select_from(Child).where(Child.archived_at.is_(None), children_counted(actor),
                                  true() if among is None else among)).one()
    return PairingStats(sum(by_kind.values()),
                        {kind.value: by_kind.get(kind, 0) for kind in HelperKind},
                        children or 0, paired or 0)
