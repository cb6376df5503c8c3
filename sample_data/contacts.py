"""Care contacts (帮扶记录): each logged by a helper while paired with the child."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import accumulate

from sample_data import texts
from sample_data.context import CLOCK, Context, in_school_holiday
from sample_data.helpers import PairRec
from sample_data.writer import Row

# How often each kind of helper gets in touch, relative to the scale's rate.
KIND_FACTOR = {"class_teacher": 1.25, "teacher": 1.0, "volunteer": 0.8, "caring_parent": 0.9,
               "peer_student": 0.7, "social_worker": 1.0, "child_director": 0.8}
# Helpers who work at school rarely log contacts during the holidays.
SCHOOL_KINDS = frozenset({"class_teacher", "teacher", "peer_student"})
FOLLOW_UP_SHARE = 0.08
_MIXES = {helper: (tuple(k for k, _ in mix), tuple(accumulate(w for _, w in mix)))
          for helper, mix in texts.CONTACT_MIX.items()}


def contact_rows(ctx: Context, rng: random.Random, pairs: list[PairRec]) -> Iterator[Row]:
    """Yield the contacts of these pairings, dated inside both the pairing and the window."""
    new_id = ctx.new_id
    rate = ctx.scale.contacts_per_month
    for pair in pairs:
        start = max(pair.started_on, ctx.window_start)
        end = min(pair.ended_on or ctx.today, ctx.today)
        span = (end - start).days
        if span < 0:
            continue
        helper = pair.helper
        expected = rate * KIND_FACTOR[helper.kind] * (span + 1) / 30.4
        count = int(expected * rng.uniform(0.6, 1.4) + rng.random())
        kinds, cumulative = _MIXES[helper.kind]
        at_school = helper.kind in SCHOOL_KINDS
        parents_away = "left_behind" in pair.kid.categories
        for kind in rng.choices(kinds, cum_weights=cumulative, k=count):
            if kind == "parent_call" and not parents_away:
                kind = "talk"  # 亲情电话 are arranged for children whose parents are away
            day = start + timedelta(days=rng.randint(0, span))
            if at_school and in_school_holiday(day):
                day = start + timedelta(days=rng.randint(0, span))  # most move into term time
            low, high = texts.CONTACT_MINUTES[kind]
            follow = rng.random() < FOLLOW_UP_SHARE
            created = datetime.combine(day, rng.choice(CLOCK))
            yield {
                "id": new_id("care_contacts"), "child_id": pair.kid.id, "helper_id": helper.id,
                "kind": kind, "contact_date": day, "minutes": rng.randint(low, high) // 5 * 5,
                "notes": rng.choice(texts.CONTACT_NOTES[kind]).format(g=pair.kid.guardian),
                "follow_up": follow,
                "follow_up_on": day + timedelta(days=rng.randint(3, 21)) if follow else None,
                "recorded_by_id": helper.user_id, "version": 1, "archived_at": None,
                "archive_reason": None, "created_at": created, "updated_at": created,
            }
