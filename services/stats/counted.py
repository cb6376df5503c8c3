"""The figures the rollups can hold (children, pairing, contacts, activities, needs, 帮扶要求),
counted from the rollups where they can answer, else from the records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from core.vocab import Role
from db.models import Child
from services.care.compliance import RuleClock, RuleView
from services.care.compliance_counts import RuleCount, count_rule, rule_counts
from services.resources.ledger_reading import donation_summary
from services.resources.needs import NeedCounts, need_counts
from services.resources.survey_results import survey_summary
from services.resources.wish_queries import wish_counts
from services.stats.headline_counts import PairingStats, pairing_stats
from services.stats.rollups import reading as rollup_reading
from services.stats.rollups import rules as rollup_rules
from services.stats.scope import Lens
from services.stats.stats_queries import (
    Sessions,
    Tally,
    activities_grouped,
    by_place,
    children_figures,
    contacts_by_kind,
    contacts_by_month,
    open_needs_by_kind,
)

Source = Literal["rollups", "records"]


@dataclass(frozen=True)
class Counted:
    """The figures the rollups can hold, from them (`summed`) or from the records."""

    children: dict[str, object]
    pairing: PairingStats
    contacts_by_kind: dict[str, Tally]
    contacts_by_month: dict[str, int]
    activities_by_kind: dict[str, Sessions]
    activities_by_month: dict[str, Sessions]
    needs: NeedCounts
    open_needs_by_kind: dict[str, int]
    compliance: list[RuleCount]
    wishes: dict[str, int]
    donations: dict[str, float | int]
    surveys: dict[str, dict[str, int]]

    @classmethod
    def of(cls, session: Session, lens: Lens, start: date, end: date,
           summed: rollup_reading.Rollups | None) -> Counted:
        if summed is None:
            return cls._from_records(session, lens, start, end)
        children = rollup_reading.children_figures(summed, on=end)
        needs, open_needs = rollup_reading.need_counts(summed)
        settled = summed.settled(end)  # no contact dated after the last day counted
        by_kind = rollup_reading.contacts_by_kind(summed, start, end) if settled else None
        return cls(
            children=children,
            pairing=rollup_reading.pairing_stats(summed, int(children["total"])),  # type: ignore[call-overload]
            contacts_by_kind=(by_kind if by_kind is not None else
                              contacts_by_kind(session, lens.among, start, end)),
            contacts_by_month=rollup_reading.contacts_by_month(summed, start, end),
            activities_by_kind=rollup_reading.activities_grouped(summed, start, end, by="kind"),
            activities_by_month=rollup_reading.activities_grouped(summed, start, end,
                                                                  by="month"),
            needs=needs, open_needs_by_kind=open_needs,
            compliance=(rollup_rules.rule_counts(session, end, summed.within,
                                                 _one_rule(session, lens, end))
                        if settled else _compliance(session, lens, end)),
            wishes=rollup_reading.wish_counts(summed, start, end),
            donations=(rollup_reading.donation_summary(summed, start, end)
                       or _donations(session, lens, start, end)),
            surveys=rollup_reading.survey_summary(summed, lens.actor))

    @classmethod
    def _from_records(cls, session: Session, lens: Lens, start: date, end: date) -> Counted:
        children, through, held_by = lens.children, lens.through, lens.held_by
        figures = children_figures(session, children, on=end)
        figures["by_town"] = by_place(session, children, Child.town_id)
        figures["by_village"] = by_place(session, children, Child.village_id)
        return cls(
            children=figures,
            pairing=pairing_stats(session, lens.actor, among=children,
                                  helpers_among=lens.helpers),
            contacts_by_kind=contacts_by_kind(session, lens.among, start, end),
            contacts_by_month=contacts_by_month(session, lens.among, start, end),
            activities_by_kind=activities_grouped(session, through, held_by, start, end,
                                                  by="kind"),
            activities_by_month=activities_grouped(session, through, held_by, start, end,
                                                   by="month"),
            needs=need_counts(session, lens.actor, among=children),
            open_needs_by_kind=open_needs_by_kind(session, children),
            compliance=_compliance(session, lens, end),
            wishes=wish_counts(session, lens.actor, date_from=start, date_to=end,
                               among=children),
            donations=_donations(session, lens, start, end),
            surveys=survey_summary(session, lens.actor, among=children))


def _donations(session: Session, lens: Lens, start: date, end: date) -> dict[str, float | int]:
    return donation_summary(session, lens.actor, date_from=start, date_to=end,
                            among=lens.children, shares_only=lens.through is not None,
                            with_goods=True)


def _compliance(session: Session, lens: Lens, end: date) -> list[RuleCount]:
    helper_id = lens.actor.helper_id if lens.actor.role is Role.helper else None
    return rule_counts(session, children=lens.children, today=end, helper_id=helper_id,
                       narrow=lens.among is not None)


def _one_rule(session: Session, lens: Lens, end: date
              ) -> Callable[[RuleView, RuleClock], RuleCount]:
    def count(rule: RuleView, clock: RuleClock) -> RuleCount:
        return count_rule(session, rule, clock, children=lens.children, today=end,
                          narrow=lens.among is not None)
    return count


