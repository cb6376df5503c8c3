"""Small-number suppression: figures shown to people who may not see names never single out a
child.

A count of 1–4 children is written "<5" and its share is left out. Withholding one cell of a
breakdown is not enough when the total is shown: total minus the other cells gives it back. So
the next smallest cells are withheld too (complementary suppression) and written "≥5", which
stays true, until no withheld cell can be worked out from the total, the shown cells and the
bounds ("<5" is 1–4, "≥5" at least 5). Where even every cell withheld would leave one pinned
(1 boy and 5 girls of 6: 6 − "≥5" leaves 1), the cells are written "*", with no bound. Children
in the total but in no listed cell (not recorded) are an unknown of their own. Zero is shown:
it names nobody. A unit with fewer than 5 children shows only its total, as "<5".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

SMALL = 5
UNDER = f"<{SMALL}"
AT_LEAST = f"\u2265{SMALL}"
UNBOUNDED = "*"
NOTE = (f"为保护儿童隐私\uff0c少于{SMALL}人的数字显示为“{UNDER}”\uff0c"
        f"可据以反推的数字显示为“{AT_LEAST}”或“{UNBOUNDED}”\u3002")


@dataclass(frozen=True)
class Cell:
    """One count as it may be shown: the value, or a bound in its place."""

    value: int
    shown: str

    @property
    def withheld(self) -> bool:
        return self.shown != str(self.value)

    def __str__(self) -> str:
        return self.shown


def exact(value: int) -> Cell:
    return Cell(value, str(value))


def is_small(value: int) -> bool:
    return 0 < value < SMALL


# A breakdown's cells are keyed by a label (a category) or by an org unit's id; keys also break
# ties between equal counts, so they must be of one sortable kind.
Key = TypeVar("Key", str, int)


def withheld(cells: Mapping[Key, int], *, rest: int = 0) -> dict[Key, str]:
    """The cells of a breakdown to withhold, each with what is written in its place.
    `rest`: children in the total but in no cell."""
    hidden = {key for key, value in cells.items() if is_small(value)}
    while hidden:
        shown = {key: _bound(cells[key]).shown for key in hidden}
        if not _pinned(cells, shown, rest):
            return shown
        others = sorted((value, key) for key, value in cells.items()
                        if key not in hidden and value > 0)
        if not others:
            return dict.fromkeys(hidden, UNBOUNDED)
        hidden.add(others[0][1])
    return {}


def _pinned(cells: Mapping[Key, int], shown: Mapping[Key, str], rest: int) -> bool:
    """Whether the shown total, the shown cells and the bounds leave some withheld cell one
    possible value. The withheld cells (with the unrecorded, if any) add up to a known sum; a
    sum of whole-number ranges takes every value between its ends, so each cell's own range is
    its bounds narrowed by what the others can take."""
    known_sum = sum(cells[key] for key in shown) + rest
    ranges = [_range(label, known_sum) for label in shown.values()]
    unrecorded = [(0, known_sum)] if rest > 0 else []
    for index, (low, high) in enumerate(ranges):
        others = ranges[:index] + ranges[index + 1:] + unrecorded
        lowest = max(low, known_sum - sum(hi for _, hi in others))
        highest = min(high, known_sum - sum(lo for lo, _ in others))
        if lowest == highest:
            return True
    return False


def _range(label: str, known_sum: int) -> tuple[int, int]:
    if label == UNDER:
        return 1, SMALL - 1
    if label == AT_LEAST:
        return SMALL, known_sum
    return 1, known_sum


def breakdown(cells: Mapping[str, int], total: int, *, suppress: bool) -> dict[str, Cell]:
    """Each cell of a breakdown of `total` children (every child in at most one cell)."""
    if not suppress:
        return {key: exact(value) for key, value in cells.items()}
    hidden = withheld(cells, rest=max(total - sum(cells.values()), 0))
    return {key: Cell(value, hidden[key]) if key in hidden else exact(value)
            for key, value in cells.items()}


def part(value: int, total: int, *, suppress: bool) -> Cell:
    """Some of `total` children, the others not shown: neither side may be small. With the
    total shown, "<5" leaves 1–4 open, and "≥5" (when the others are 1–4) at least two values."""
    if not suppress:
        return exact(value)
    if is_small(value):
        return Cell(value, UNDER)
    return Cell(value, AT_LEAST) if is_small(total - value) else exact(value)


def count(value: int, *, suppress: bool) -> Cell:
    """A count of children shown on its own."""
    return _bound(value) if suppress and is_small(value) else exact(value)


def _bound(value: int) -> Cell:
    return Cell(value, UNDER if value < SMALL else AT_LEAST)
