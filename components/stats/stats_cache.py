"""The statistics object cached per scope and per state of the data.

Every entry is keyed on the data version (`db.data_version`), which any write in any process
moves in the same transaction as the change. Each process reads that version at most once a
second (`WATCH_SECONDS`), however many dashboards it serves; a dashboard whose version has not
moved is drawn from the cache and costs the database nothing, and one whose version moved
reruns within a second or two (`follow_changes`), whichever process took the save. A write in
this process clears its cache at once (`data_changed`), so a user sees their own save on
their next look.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import streamlit as st

from components.common.navigation import pages_for
from components.common.session import db_transaction
from components.stats.meeting_slides import split
from config import load_settings, local_today
from db import data_version
from services.access.permissions import Actor, Capability
from services.stats import charts
from services.stats import figures as stats
from services.stats.stats_text import sections
from services.stats.stats_words import Section

WATCH_SECONDS = 1.0  # how often a process asks the database for the data version
KEEP_SECONDS = 3600  # a safety net only: entries are keyed on the data version


def _lens(actor: Actor) -> Actor:
    """What the figures depend on (role, unit, helper), not who asks: users of one scope
    share one cache entry."""
    return replace(actor, user_id=None, username="")


def statistics(actor: Actor, scope: stats.StatsScope, today: date) -> stats.Statistics:
    return _statistics(_lens(actor), scope, today, current_stamp())


def sections_view(actor: Actor, scope: stats.StatsScope, today: date, *, big: bool = False,
                  lang: str = "zh") -> list[tuple[Section, list[dict]]]:
    """Each section with its charts as Vega-Lite specs, built once per figures and cached:
    building Altair charts costs far more than drawing a finished spec. `big`: meeting
    screens, a long section split over several (`components.stats.meeting_slides`). `lang`: the
    page's language, part of the cache key."""
    return _sections_view(_lens(actor), scope, today, current_stamp(), big=big, lang=lang)


def data_changed() -> None:
    """This process wrote: read the data version afresh and drop every cached figure."""
    current_stamp.clear()
    _statistics.clear()
    _sections_view.clear()


@st.cache_data(ttl=WATCH_SECONDS, show_spinner=False)
def current_stamp() -> data_version.Stamp:
    """The data version, asked of the database at most once a second by this process."""
    with db_transaction(write=False) as session:
        stamp = data_version.current(session)
    recount = load_settings().recount_seconds
    if recount:  # the baseline of bench/dashboards.py: a new "version" every `recount` seconds
        return stamp._replace(changed_at=f"{stamp.changed_at}/{int(time.time() // recount)}")
    return stamp


def follow_changes(seen: data_version.Stamp, today: date) -> None:
    """Rerun the page once the data has changed since `seen` (in any process) or the day has
    turned; until then the check costs one cached read a second."""
    _watch(seen, today)


@st.fragment(run_every=WATCH_SECONDS)
def _watch(seen: data_version.Stamp, today: date) -> None:
    if current_stamp() != seen or local_today() != today:
        st.rerun()


@st.cache_data(ttl=KEEP_SECONDS, show_spinner=False, max_entries=64)
def _statistics(actor: Actor, scope: stats.StatsScope, today: date,
                stamp: data_version.Stamp) -> stats.Statistics:
    source: stats.Source = "records" if load_settings().recount_seconds else "rollups"
    with db_transaction(write=False) as session:
        return stats.compute(session, actor, scope, today=today, source=source)


@st.cache_data(ttl=KEEP_SECONDS, show_spinner=False, max_entries=64)
def _sections_view(actor: Actor, scope: stats.StatsScope, today: date,
                   stamp: data_version.Stamp, *, big: bool,
                   lang: str = "zh") -> list[tuple[Section, list[dict]]]:
    figures = _statistics(actor, scope, today, stamp)
    pages = frozenset(spec.path for spec in pages_for(actor))
    built = sections(figures, suppress=suppressed(actor, big=big), pages=pages, lang=lang)
    if big:
        # A meeting screen draws every chart group; one that would not fit is split in two.
        return [(part, charts.group_specs(part, big=True, max_groups=len(part.bars), lang=lang))
                for section in built for part in split(section, lang=lang)]
    people = actor.can(Capability.VIEW_PEOPLE)
    return [(section, charts.group_specs(
                section, max_groups=3, lang=lang,
                clickable=people and any(bar.link for bar in section.bars)))
            for section in built]


def suppressed(actor: Actor, *, big: bool = False) -> bool:
    """Small numbers are withheld for those who may not see people, and on meeting screens."""
    return big or not actor.can(Capability.VIEW_PEOPLE)
