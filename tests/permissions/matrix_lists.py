"""LIST rows of the matrix: every entry point answering with many records or with figures."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import OrgKind
from db.models import Child
from services.access import audit, orgs, users
from services.access.permissions import Actor
from services.care import (
    activity_queries,
    campaign_queries,
    compliance,
    contact_cards,
    contacts,
    photos,
    todo,
)
from services.exports import (
    activity_export,
    contact_export,
    export_kinds,
    ledger_export,
    need_export,
    pairing_export,
    roster_export,
    survey_export,
    todo_export,
    wish_export,
)
from services.pairing import match_health, my_pairings, pairing_board
from services.reports import report_draft, reporting
from services.resources import (
    ledger_balance,
    ledger_reading,
    needs,
    providers,
    survey_results,
    wish_queries,
)
from services.roster import helpers, review, roster_filter, roster_search
from services.stats import figures as stats
from services.stats import headline_counts
from services.stats.figures import StatsScope
from tests.permissions.matrix import EVERYONE, PEOPLE, STAFF, A, Entry, H, Kind
from tests.permissions.world import CHILDREN, TERM_START, TODAY, World

ADMIN_ONLY = frozenset({A})
HELPERS_ONLY = frozenset({H})
PERIOD = {"date_from": TERM_START, "date_to": TODAY}
SCOPE = StatsScope(TERM_START, TODAY)
L = Kind.LIST


def _all_children(s: Session, w: World, a: Actor, _: str) -> object:
    ids = [w[key] for key in CHILDREN]
    return contact_cards.cards_for_children(s, a, ids, today=TODAY)


def _filtered_names(s: Session, w: World, a: Actor, _: str) -> object:
    ids = roster_search.filtered_child_ids(a, roster_filter.RosterFilter(), today=TODAY)
    return list(s.scalars(select(Child.name).where(Child.id.in_(ids))))


def _export(kind: str, shows: str | None, town_held: bool = False) -> Entry:
    """One list of the 导出 hub, unmasked (a masked name would hide a leak)."""
    def call(s: Session, w: World, a: Actor, _: str) -> object:
        return export_kinds.export_list(s, actor=a, kind=kind, fmt="csv", today=TODAY,
                                        include_sensitive=True).data
    return Entry(f"export_kinds.export_list[{kind}]", L, STAFF, call, shows,
                 town_held=town_held)


EXPORTS = [_export(kind, shows, kind in ("attendance", "ledger")) for kind, shows in (
    ("roster", "A1"), ("unpaired", "A2"), ("pairings", "A1"), ("helpers", "HA1"),
    ("contacts", "A1"), ("activities", None), ("attendance", "A1"), ("todo", "A1"),
    ("no_contact", "A1"), ("campaign_gaps", "A2"), ("needs", "A1"), ("wishes", "A1"),
    ("ledger", "A1"), ("providers", None), ("fairness", "A1"), ("survey_results", None),
    ("survey_answers", "A1"))]

LISTS: list[Entry] = [
    Entry("roster_search.search_children", L, PEOPLE, lambda s, w, a, _: (
        roster_search.search_children(s, a, roster_filter.RosterFilter(), today=TODAY)), "A1"),
    Entry("roster_search.filtered_child_ids", L, PEOPLE, _filtered_names, "A1"),
    Entry("roster_search.search_children[text=B's ID suffix]", L, PEOPLE, lambda s, w, a, _: (
        roster_search.search_children(s, a, roster_filter.RosterFilter(
            text=CHILDREN["B1"].id_number[-6:]), today=TODAY)), None),
    Entry("roster_export.roster_rows", L, PEOPLE, lambda s, w, a, _: list(
        roster_export.roster_rows(s, a, roster_filter.RosterFilter(), today=TODAY)), "A1"),
    *EXPORTS,
    Entry("export_kinds.export_roster_in[town B]", L, STAFF, lambda s, w, a, _: (
        export_kinds.export_roster_in(s, actor=a, fmt="csv", today=TODAY,
                                      include_sensitive=True, org_unit_id=w["town_b"])), None),
    Entry("activity_export.export_activities[xlsx]", L, STAFF, lambda s, w, a, _: (
        activity_export.export_activities(s, actor=a, fmt="xlsx", today=TODAY,
                                          include_sensitive=True)), None),
    Entry("contact_export.contact_rows", L, PEOPLE, lambda s, w, a, _: list(
        contact_export.contact_rows(s, a)), "A1"),
    Entry("need_export.need_rows", L, PEOPLE, lambda s, w, a, _: list(
        need_export.need_rows(s, a, today=TODAY)), "A1"),
    Entry("wish_export.wish_rows", L, PEOPLE, lambda s, w, a, _: list(
        wish_export.wish_rows(s, a)), "A1"),
    Entry("ledger_export.ledger_rows", L, STAFF, lambda s, w, a, _: list(
        ledger_export.ledger_rows(s, a, **PERIOD)), "A1",
          town_held=True),
    Entry("pairing_export.helper_rows", L, PEOPLE, lambda s, w, a, _: list(
        pairing_export.helper_rows(s, a, today=TODAY)), "HA1"),
    Entry("pairing_export.pairing_rows", L, PEOPLE, lambda s, w, a, _: list(
        pairing_export.pairing_rows(s, a, today=TODAY, include_ended=True)), "A1"),
    Entry("pairing_export.unpaired_rows", L, PEOPLE, lambda s, w, a, _: list(
        pairing_export.unpaired_rows(s, a, today=TODAY)), "A2"),
    Entry("survey_export.result_rows", L, EVERYONE, lambda s, w, a, _: list(
        survey_export.result_rows(s, a, w["survey"])), None),
    Entry("activity_export.attendance_rows", L, STAFF, lambda s, w, a, _: list(
        activity_export.attendance_rows(s, a)), "A1", town_held=True),
    Entry("contact_cards.cards_for_children", L, PEOPLE, _all_children, "A1"),
    Entry("contacts.recent_contacts", L, PEOPLE, lambda s, w, a, _: (
        contacts.recent_contacts(s, a, today=TODAY, days=60)), "A1"),
    Entry("contacts.helper_choices", L, PEOPLE, lambda s, w, a, _: [
        contacts.helper_choices(s, a, child)
        for child in contacts.loggable_children(s, a, today=TODAY)], "HA1"),
    Entry("helpers.linkable_accounts", L, STAFF, lambda s, w, a, _: (
        helpers.linkable_accounts(s, a, w["HB"])), None),
    Entry("contacts.loggable_children", L, PEOPLE, lambda s, w, a, _: (
        contacts.loggable_children(s, a, today=TODAY)), "A1"),
    Entry("activity_queries.list_activities", L, STAFF, lambda s, w, a, _: (
        activity_queries.list_activities(s, a, **PERIOD)), None, hide_units=True),
    Entry("activity_queries.search_child_choices[A1's name]", L, PEOPLE, lambda s, w, a, _: (
        activity_queries.search_child_choices(s, a, "柳如烟", today=TODAY)), "A1"),
    Entry("activity_queries.search_child_choices[B1's name]", L, PEOPLE, lambda s, w, a, _: (
        activity_queries.search_child_choices(s, a, "慕容复", today=TODAY)), "B1"),
    Entry("activity_queries.children_for_group[school A]", L, PEOPLE, lambda s, w, a, _: (
        activity_queries.children_for_group(s, a, school_id=w["school_a"])), "A1"),
    Entry("activity_queries.children_for_group[school B]", L, PEOPLE, lambda s, w, a, _: (
        activity_queries.children_for_group(s, a, school_id=w["school_b"])), "B1"),
    Entry("activity_queries.children_for_group[village B]", L, PEOPLE, lambda s, w, a, _: (
        activity_queries.children_for_group(s, a, village_id=w["village_b"])), "B1"),
    Entry("activity_queries.helpers_for_unit", L, STAFF, lambda s, w, a, _: (
        activity_queries.helpers_for_unit(s, a, None)), "HA1"),
    Entry("activity_queries.helpers_for_unit[town B]", L, STAFF, lambda s, w, a, _: (
        activity_queries.helpers_for_unit(s, a, w["town_b"])), "HB"),
    Entry("campaign_queries.list_campaigns", L, EVERYONE - HELPERS_ONLY, lambda s, w, a, _: (
        campaign_queries.list_campaigns(s, a, today=TODAY)), None),
    Entry("campaign_queries.campaign_progress", L, STAFF, lambda s, w, a, _: (
        campaign_queries.campaign_progress(s, a, w["campaign"], today=TODAY)), "A2"),
    Entry("compliance.standings", L, PEOPLE, lambda s, w, a, _: (
        compliance.standings(s, a, today=TODAY)), "A1"),
    Entry("ledger_balance.balances", L, STAFF, lambda s, w, a, _: (
        ledger_balance.balances(s, a)), None),
    Entry("ledger_reading.list_entries", L, STAFF, lambda s, w, a, _: (
        ledger_reading.list_entries(s, a, **PERIOD)), "A1", town_held=True),
    Entry("ledger_reading.totals_by_provider", L, STAFF, lambda s, w, a, _: (
        ledger_reading.totals_by_provider(s, a, **PERIOD)), None),
    Entry("ledger_reading.totals_by_month", L, STAFF, lambda s, w, a, _: (
        ledger_reading.totals_by_month(s, a, **PERIOD)), None),
    Entry("ledger_reading.donation_summary", L, EVERYONE, lambda s, w, a, _: (
        ledger_reading.donation_summary(s, a, **PERIOD)), None),
    Entry("ledger_reading.fairness", L, STAFF, lambda s, w, a, _: (
        ledger_reading.fairness(s, a, **PERIOD)), "A1"),
    Entry("match_health.pairing_health", L, PEOPLE, lambda s, w, a, _: (
        match_health.pairing_health(s, a, today=TODAY)), "A1"),
    Entry("match_health.helper_health", L, PEOPLE, lambda s, w, a, _: (
        match_health.helper_health(s, a, today=TODAY)), "HA1"),
    Entry("my_pairings.my_children", L, PEOPLE, lambda s, w, a, _: (
        my_pairings.my_children(s, a, today=TODAY)), None),
    Entry("needs.list_needs", L, PEOPLE, lambda s, w, a, _: (
        needs.list_needs(s, a, today=TODAY)), "A1"),
    Entry("needs.need_counts", L, EVERYONE, lambda s, w, a, _: needs.need_counts(s, a), None),
    Entry("needs.overdue_count", L, EVERYONE, lambda s, w, a, _: (
        needs.overdue_count(s, a, today=TODAY)), None),
    Entry("needs.provider_choices", L, STAFF, lambda s, w, a, _: (
        needs.provider_choices(s, a)), None),
    Entry("needs.owner_choices", L, STAFF, lambda s, w, a, _: needs.owner_choices(s, a), None),
    Entry("orgs.org_tree", L, EVERYONE, lambda s, w, a, _: orgs.org_tree(s, a), None,
          hide_units=True),
    Entry("orgs.places_in_scope", L, EVERYONE, lambda s, w, a, _: orgs.places_in_scope(
        s, a, {OrgKind.village, OrgKind.school}), None, hide_units=True),
    Entry("pairing_board.count_unpaired", L, PEOPLE, lambda s, w, a, _: (
        pairing_board.count_unpaired(s, a)), None),
    Entry("pairing_board.unpaired_children", L, STAFF, lambda s, w, a, _: (
        pairing_board.unpaired_children(s, a, today=TODAY)), "A2"),
    Entry("pairing_board.helpers_with_places", L, STAFF, lambda s, w, a, _: (
        pairing_board.helpers_with_places(s, a)), "HA1"),
    Entry("photos.report_photos", L, STAFF, lambda s, w, a, _: (
        photos.report_photos(s, a, **PERIOD)), None),
    Entry("providers.list_providers", L, STAFF, lambda s, w, a, _: (
        providers.list_providers(s, a)), None),
    Entry("providers.provider_detail", L, STAFF, lambda s, w, a, _: (
        providers.provider_detail(s, a, w["provider"])), "A1", town_held=True),
    Entry("report_draft.draft_markdown", L, EVERYONE, lambda s, w, a, _: (
        report_draft.draft_markdown(s, a, SCOPE, today=TODAY)), None),
    Entry("report_draft.low_coverage_places", L, EVERYONE, lambda s, w, a, _: (
        report_draft.low_coverage_places(s, a, SCOPE)), None),
    Entry("report_draft.campaigns_in_period", L, EVERYONE, lambda s, w, a, _: (
        report_draft.campaigns_in_period(s, a, SCOPE, today=TODAY)), None),
    Entry("reporting.build_report[md]", L, STAFF, lambda s, w, a, _: (
        reporting.build_report(s, a, SCOPE, "md", today=TODAY)), None),
    Entry("reporting.build_report[pptx]", L, STAFF, lambda s, w, a, _: (
        reporting.build_report(s, a, SCOPE, "pptx", today=TODAY)), None),
    Entry("review.review_list", L, STAFF, lambda s, w, a, _: (
        review.review_list(s, a, today=TODAY)), None),
    Entry("headline_counts.headline", L, EVERYONE, lambda s, w, a, _: (
        headline_counts.headline(s, a)), None),
    Entry("headline_counts.pairing_stats", L, EVERYONE, lambda s, w, a, _: (
        headline_counts.pairing_stats(s, a)), None),
    Entry("stats.compute", L, EVERYONE, lambda s, w, a, _: (
        stats.compute(s, a, SCOPE, today=TODAY)), None),
    Entry("survey_results.list_surveys", L, EVERYONE, lambda s, w, a, _: (
        survey_results.list_surveys(s, a)),
          None),
    Entry("survey_results.results", L, EVERYONE, lambda s, w, a, _: (
        survey_results.results(s, a, w["survey"])), None),
    Entry("survey_results.survey_summary", L, EVERYONE, lambda s, w, a, _: (
        survey_results.survey_summary(s, a)), None),
    Entry("survey_results.answer_grid", L, PEOPLE, lambda s, w, a, _: (
        survey_results.answer_grid(s, a, w["survey"])), "A1"),
    Entry("todo.todo_for_helper", L, PEOPLE, lambda s, w, a, _: (
        todo.todo_for_helper(s, a, today=TODAY)), None),
    Entry("todo.todo_items", L, PEOPLE, lambda s, w, a, _: (
        todo.todo_items(s, a, today=TODAY)), "A1"),
    Entry("todo.compliance_rates[helper]", L, PEOPLE, lambda s, w, a, _: (
        todo.compliance_rates(s, a, today=TODAY, group_by="helper")), "HA1"),
    Entry("todo.compliance_summary", L, EVERYONE, lambda s, w, a, _: (
        todo.compliance_summary(s, a, today=TODAY)), None),
    Entry("todo.no_contact_this_month", L, PEOPLE, lambda s, w, a, _: (
        todo.no_contact_this_month(s, a, today=TODAY)), "A1"),
    Entry("todo_export.export_todo", L, STAFF, lambda s, w, a, _: (
        todo_export.export_todo(s, actor=a, fmt="csv", today=TODAY, include_sensitive=True)),
        "A1"),
    Entry("users.list_users", L, ADMIN_ONLY, lambda s, w, a, _: users.list_users(s, a), None),
    Entry("audit.recent_events", L, ADMIN_ONLY, lambda s, w, a, _: (
        audit.recent_events(s, a)), None),
    Entry("wish_queries.list_drives", L, PEOPLE, lambda s, w, a, _: (
        wish_queries.list_drives(s, a)), None),
    Entry("wish_queries.list_wishes", L, PEOPLE, lambda s, w, a, _: (
        wish_queries.list_wishes(s, a)), "A1"),
    Entry("wish_queries.drive_progress", L, PEOPLE, lambda s, w, a, _: (
        wish_queries.drive_progress(s, a, w["drive"])), "A1"),
    Entry("wish_queries.wish_counts", L, EVERYONE, lambda s, w, a, _: (
        wish_queries.wish_counts(s, a)), None),
    Entry("wish_queries.child_options", L, STAFF, lambda s, w, a, _: (
        wish_queries.child_options(s, a, today=TODAY)), "A1"),
]
