"""Small-number suppression: figures shown to people who may not see names never single out a
child.

A count of 1–4 children is written "<5" and its share is left out. Withholding one cell of a
breakdown is not enough when the total is shown: total minus the other cells gives it back. So
when a breakdown would withhold exactly one unknown, the next smallest cell is withheld too
(complementary suppression) and written "≥5", which stays true. Children in the total but in
no listed cell (not recorded) are an unknown of their own. Zero is shown: it names nobody.
A unit with fewer than 5 children shows only its total, as "<5".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SMALL = 5
UNDER = f"<{SMALL}"
AT_LEAST = f"\u2265{SMALL}"
NOTE = f"为保护儿童隐私{chr(0xFF0C)}少于{SMALL}人的数字显示为“{UNDER}”{chr(0xFF0C)}" \
       f"可据以反推的数字显示为“{AT_LEAST}”{chr(0x3002)}"


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


def withheld(cells: Mapping[str, int], *, rest: int = 0) -> frozenset[str]:
    """The cells of a breakdown to withhold. `rest`: children in the total in no cell."""
    hidden = {key for key, value in cells.items() if is_small(value)}
    unknowns = len(hidden) + (1 if rest > 0 else 0)
    if unknowns == 1 and hidden:
        others = sorted((value, key) for key, value in cells.items()
                        if key not in hidden and value > 0)
        if others:
            hidden.add(others[0][1])
    return frozenset(hidden)


def breakdown(cells: Mapping[str, int], total: int, *, suppress: bool) -> dict[str, Cell]:
    """Each cell of a breakdown of `total` children (every child in at most one cell)."""
    if not suppress:
        return {key: exact(value) for key, value in cells.items()}
    hidden = withheld(cells, rest=max(total - sum(cells.values()), 0))
    return {key: _bound(value) if key in hidden else exact(value)
            for key, value in cells.items()}


def part(value: int, total: int, *, suppress: bool) -> Cell:
    """Some of `total` children (the rest are not shown): both sides must stay unknown."""
    if not suppress:
        return exact(value)
    return breakdown({"in": value, "out": total - value}, total, suppress=True)["in"]


def count(value: int, *, suppress: bool) -> Cell:
    """A count of children shown on its own."""
    return _bound(value) if suppress and is_small(value) else exact(value)


def _bound(value: int) -> Cell:
    return Cell(value, UNDER if value < SMALL else AT_LEAST)
