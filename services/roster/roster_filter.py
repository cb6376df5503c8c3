"""The roster's filter: what the list is narrowed to, and its form in a URL.

`RosterFilter` is a plain value: canonical (equal filters compare equal), written to and
read back from short URL parameters (`to_query_params`, `from_query_params`). The age bands
and the birthday arithmetic they need live here too; `roster_search` turns a filter into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    GuardianType,
    LeftBehindType,
    RiskLevel,
    UnknownLabel,
    Vocabulary,
    YesNo,
)

UNASSESSED: Literal["unassessed"] = "unassessed"
MAX_TEXT = 100


class AgeBand(StrEnum):
    """The seeds' bands (7周岁以下, 7–12, 13–15, 16–18) in whole years on a given day."""

    under_7 = "0-6"
    primary = "7-12"
    junior = "13-15"
    senior = "16-18"

    @property
    def years(self) -> tuple[int, int]:
        low, high = self.value.split("-")
        return int(low), int(high)

    def label(self, lang: str = "zh") -> str:
        low, high = self.years
        if low == 0:
            return f"under {high + 1}" if lang == "en" else f"{high + 1}周岁以下"
        return f"{low}–{high}" if lang == "en" else f"{low}–{high}岁"

    def born_between(self, today: date) -> tuple[date, date]:
        """(after, on_or_before): the band holds children born after the one, up to the other."""
        low, high = self.years
        return years_before(today, high + 1), years_before(today, low)


class PairingState(StrEnum):
    paired = "paired"
    unpaired = "unpaired"


class RecordStatus(StrEnum):
    active = "active"
    archived = "archived"
    all = "all"


def years_after(day: date, years: int) -> date:
    """The same day `years` later (the birthday a child turns `years` on)."""
    return years_before(day, -years)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


RiskChoice = RiskLevel | Literal["unassessed"]
# Multi-select fields, declared once: field → (URL key, choices in display order).
MULTI_SELECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "categories": ("cat", tuple(Category)),
    "left_behind_types": ("lbt", tuple(LeftBehindType)),
    "guardian_types": ("gt", tuple(GuardianType)),
    "age_bands": ("age", tuple(AgeBand)),
    "economic_statuses": ("eco", tuple(EconomicStatus)),
    "academic_levels": ("acad", tuple(AcademicLevel)),
    "risk_levels": ("risk", (*RiskLevel, UNASSESSED)),
}


@dataclass(frozen=True)
class RosterFilter:
    """What the roster list is narrowed to; the default is every active child in scope."""

    text: str = ""
    org_unit_id: int | None = None
    # Only the children the unit's figures count (where they live; a school: its enrolled),
    # as 总览's bars do, rather than everyone the unit serves.
    counted_only: bool = False
    categories: tuple[Category, ...] = ()
    left_behind_types: tuple[LeftBehindType, ...] = ()
    guardian_types: tuple[GuardianType, ...] = ()
    age_bands: tuple[AgeBand, ...] = ()
    economic_statuses: tuple[EconomicStatus, ...] = ()
    academic_levels: tuple[AcademicLevel, ...] = ()
    risk_levels: tuple[RiskChoice, ...] = ()
    pairing: PairingState | None = None
    key_concern: bool | None = None
    # Only children with no 档案管理 consent on record (services.privacy.consent_rules).
    consent_missing: bool = False
    status: RecordStatus = RecordStatus.active
    grade: str = ""  # as written on the record, e.g. 三年级: a class's 联系卡 or list
    class_name: str = ""

    def __post_init__(self) -> None:
        # Canonical form: deduplicated, in vocabulary order, so equal filters compare equal.
        for name, (_, choices) in MULTI_SELECTS.items():
            object.__setattr__(self, name, canonical(getattr(self, name), choices))
        object.__setattr__(self, "status", RecordStatus(self.status))
        if self.pairing is not None:
            object.__setattr__(self, "pairing", PairingState(self.pairing))

    def to_query_params(self) -> dict[str, str | list[str]]:
        """The non-default fields as short URL parameters, codes not labels."""
        params: dict[str, str | list[str]] = {}
        if self.text.strip():
            params["q"] = self.text
        if self.org_unit_id is not None:
            params["org"] = str(self.org_unit_id)
            if self.counted_only:
                params["home"] = "1"
        for name, (key, _) in MULTI_SELECTS.items():
            if values := getattr(self, name):
                params[key] = [str(v) for v in values]
        if self.pairing is not None:
            params["pair"] = str(self.pairing)
        if self.key_concern is not None:
            params["kc"] = "1" if self.key_concern else "0"
        if self.consent_missing:
            params["noconsent"] = "1"
        if self.status is not RecordStatus.active:
            params["status"] = str(self.status)
        if self.grade.strip():
            params["grade"] = self.grade.strip()
        if self.class_name.strip():
            params["cls"] = self.class_name.strip()
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any]) -> RosterFilter:
        """The inverse of `to_query_params`; values it cannot read are ignored, never raised."""
        text = (_strings(params, "q") or [""])[-1][:MAX_TEXT]
        org = (_strings(params, "org") or [""])[-1]
        key_concern = (_picks(params, "kc", tuple(YesNo)) or [None])[-1]
        return cls(
            text=text, org_unit_id=int(org) if org.isascii() and org.isdigit() else None,
            counted_only=(_strings(params, "home") or [""])[-1] == "1",
            **{name: tuple(_picks(params, key, choices))
               for name, (key, choices) in MULTI_SELECTS.items()},
            pairing=(_picks(params, "pair", tuple(PairingState)) or [None])[-1],
            key_concern=None if key_concern is None else key_concern is YesNo.yes,
            consent_missing=(_strings(params, "noconsent") or [""])[-1] == "1",
            status=(_picks(params, "status", tuple(RecordStatus)) or [RecordStatus.active])[-1],
            grade=(_strings(params, "grade") or [""])[-1][:20],
            class_name=(_strings(params, "cls") or [""])[-1][:20])


def canonical(values: Iterable[str], choices: tuple[Any, ...]) -> tuple[Any, ...]:
    """Deduplicate and order `values` as `choices` lists them; an unknown value is an error."""
    wanted = {str(v) for v in values}
    if unknown := wanted - {str(c) for c in choices}:
        raise ValueError(f"unknown choice(s): {', '.join(sorted(unknown))}")
    return tuple(c for c in choices if str(c) in wanted)


def _strings(params: Mapping[str, Any], key: str) -> list[str]:
    """The text values given for `key`, one or repeated; anything else is ignored."""
    raw = params.get(key)
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list | tuple) else []
    return [v for v in values if isinstance(v, str)]


def _picks(params: Mapping[str, Any], key: str, choices: tuple[Any, ...]) -> list[Any]:
    """The choices named under `key`, repeated or comma-separated; unknown names dropped."""
    tokens = (t.strip() for v in _strings(params, key) for t in v.split(","))
    return [p for t in tokens if t and (p := _pick(t, choices)) is not None]


def _pick(token: str, choices: tuple[Any, ...]) -> Any | None:
    """The choice a URL token names by code or enum name, or (for a vocabulary) any label."""
    for choice in choices:
        if token in (str(choice), getattr(choice, "name", None)):
            return choice
    vocabulary = type(choices[0])
    if issubclass(vocabulary, Vocabulary):
        with suppress(UnknownLabel):
            return vocabulary.parse(token)
    return None
