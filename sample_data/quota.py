"""Exact shares: deal values so that even 150 children show the seeds' percentages."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
Item = TypeVar("Item")


def deal(rng: random.Random, count: int, mix: Sequence[tuple[T, float]]) -> list[T]:
    """`count` values in the mix's proportions (largest remainder), shuffled."""
    total = sum(weight for _, weight in mix)
    exact = [count * weight / total for _, weight in mix]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(mix)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[:count - sum(counts)]:
        counts[i] += 1
    cards = [value for (value, _), n in zip(mix, counts, strict=True) for _ in range(n)]
    rng.shuffle(cards)
    return cards


def choose(rng: random.Random, items: Sequence[Item], share: float,
           weight: Callable[[Item], float]) -> set[int]:
    """Indexes of round(share × len) items drawn without replacement, likelier with more weight."""
    wanted = round(share * len(items))
    # Efraimidis–Spirakis: the largest u^(1/w) form a weighted sample without replacement.
    keys = [(rng.random() ** (1 / weight(item)), index) for index, item in enumerate(items)]
    keys.sort(reverse=True)
    return {index for _, index in keys[:wanted]}
