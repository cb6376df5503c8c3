"""The statistics object cached per scope, and cleared whenever the app writes.

Figures refresh on their own every REFRESH_SECONDS (the dashboard's fragment reruns and the
cache entry has expired); a write through `session.db_transaction` clears the cache at once, so
a user sees their own contact counted on their next look.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from components.common.navigation import pages_for
from components.common.session import db_transaction
from components.stats.meeting_slides import split
from services.access.permissions import Actor, Capability
from services.stats import charts
from services.stats import figures as stats
from services.stats.stats_text import sections
from services.stats.stats_words import Section

REFRESH_SECONDS = 10


def _lens(actor: Actor) -> Actor:
    """What the figures depend on (role, unit, helper), not who asks: users of one scope
    share one cache entry."""
    return replace(actor, user_id=None, username="")


def statistics(actor: Actor, scope: stats.StatsScope, today: date) -> stats.Statistics:
    return _statistics(_lens(actor), scope, today)


def sections_view(actor: Actor, scope: stats.StatsScope, today: date, *, big: bool = False,
                  lang: str = "zh") -> list[tuple[Section, list[dict]]]:
    """Each section with its charts as Vega-Lite specs, built once per figures and cached:
    building Altair charts costs far more than drawing a finished spec. `big`: meeting
    screens, a long section split over several (`components.stats.meeting_slides`). `lang`: the
    page's language, part of the cache key."""
    return _sections_view(_lens(actor), scope, today, big=big, lang=lang)


def data_changed() -> None:
    """Something was written: every cached figure is stale."""
    _statistics.clear()
    _sections_view.clear()


@st.cache_data(ttl=REFRESH_SECONDS, show_spinner=False, max_entries=64)
def _statistics(actor: Actor, scope: stats.StatsScope, today: date) -> stats.Statistics:
    with db_transaction(write=False) as session:
        return stats.compute(session, actor, scope, today=today)


@st.cache_data(ttl=REFRESH_SECONDS, show_spinner=False, max_entries=64)
def _sections_view(actor: Actor, scope: stats.StatsScope, today: date, *, big: bool,
                   lang: str = "zh") -> list[tuple[Section, list[dict]]]:
    figures = _statistics(actor, scope, today)
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
