"""Reading one import row's cells into typed values, collecting every problem with its column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import TypeVar

from core.i18n import Msg
from core.validators import line_problem, text_problem
from core.vocab import UnknownLabel, Vocabulary, parse_yes_no

V = TypeVar("V", bound=Vocabulary)
DATE_FORMAT = Msg("errors.row.date_format")
DATE_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
# 12, +12, 12.0 (Excel writes whole numbers so) and 1,234 with thousands separators.
INTEGER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(0*))?$")
DECIMAL = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$")
SCIENTIFIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)e[+-]?\d+$", re.IGNORECASE)
MAX_DIGITS = 15  # beyond what any column holds, and what Excel keeps exactly
# The minus signs people paste (U+2212, full-width U+FF0D is NFKC's) and the yuan marks.
MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
CURRENCY = str.maketrans("", "", "¥￥元 ")
MONEY_MAX = Decimal("10000000")  # ten million yuan: above any one donation a county records


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers of a date cell that lost its format: 1955-01-01 … 2064-12-31.
EXCEL_SERIALS = range(20090, 60632)


def _plain_number(text: str) -> str:
    """Full-width digits, dots, signs and spaces read like ASCII (NFKC), spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", text).translate(MINUS).split())


def parse_integer(text: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number within bounds; ValueError says what is wrong in Chinese."""
    value = _plain_number(text)
    match = INTEGER.match(value)
    if match is None:
        if SCIENTIFIC.match(value) or value.lower().lstrip("+-") in {"inf", "infinity", "nan"}:
            raise ValueError(Msg("errors.row.integer_scientific"))
        if DECIMAL.match(value):
            raise ValueError(Msg("errors.row.integer_decimal"))
        raise ValueError(Msg("errors.row.integer"))
    digits = match[2].replace(",", "")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise ValueError(Msg("errors.row.number_huge") if maximum is None
                         else Msg("errors.row.number_huge_at_most", max=maximum))
    number = int(digits) * (-1 if match[1] == "-" else 1)
    if number < minimum:
        raise ValueError(Msg("errors.row.at_least", min=minimum))
    if maximum is not None and number > maximum:
        raise ValueError(Msg("errors.row.at_most", max=maximum))
    return number


def parse_money(text: str, *, maximum: Decimal = MONEY_MAX) -> Decimal:
    """Yuan with at most two decimals, from 0 to `maximum`: 2000, 1,500.50, ￥80元."""
    value = _plain_number(text).translate(CURRENCY)
    match = DECIMAL.match(value)
    if match is None:
        raise ValueError(Msg("errors.row.money"))
    if match[1] == "-":
        raise ValueError(Msg("errors.row.money_negative"))
    if len(match[3] or "") > 2:
        raise ValueError(Msg("errors.row.money_decimals"))
    if len(match[2].replace(",", "").lstrip("0")) > MAX_DIGITS:
        raise ValueError(Msg("errors.row.money_huge", max=f"{maximum:,}"))
    amount = Decimal(f"{match[2].replace(',', '')}.{match[3] or '0'}")
    if amount > maximum:
        raise ValueError(Msg("errors.row.money_huge", max=f"{maximum:,}"))
    return amount


def parse_day(text: str) -> date:
    """Accept 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305 and Excel serials."""
    value = unicodedata.normalize("NFKC", text).strip()  # full-width digits and dots too
    if value.isdigit() and int(value) in EXCEL_SERIALS:
        return EXCEL_EPOCH + timedelta(days=int(value))
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    match = DATE_PATTERN.match(value)
    if not match:
        raise ValueError(DATE_FORMAT)
    return date(*(int(g) for g in match.groups()))


def reason_of(exc: ValueError) -> str:
    """A parser's or vocabulary's reason, still a `Msg` (it renders in English) when it is one."""
    reason = exc.args[0] if exc.args else ""
    return reason if isinstance(reason, Msg) else str(exc)


@dataclass
class RowReader:
    """Typed access to one row; problems go to `errors` instead of stopping at the first."""

    number: int
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.number, column, reason))

    def text(self, column: str, *, required: bool = False, max_len: int = 200) -> str | None:
        value = self.values.get(column, "").strip()
        if not value:
            if required:
                self.fail(column, Msg("errors.valid.required"))
            return None
        if len(value) > max_len:
            self.fail(column, Msg("errors.valid.too_long", max_len=max_len))
            return None
        return value

    def line(self, column: str, *, required: bool = False, max_len: int = 200) -> str | None:
        """One line of printable text: no line breaks, invisible marks or angle brackets."""
        value = self.text(column, required=required, max_len=max_len)
        if value is not None and (why := line_problem(value, max_len=max_len)):
            self.fail(column, why)
            return None
        return value

    def note(self, column: str, *, max_len: int = 2000) -> str | None:
        """Free text: line breaks and tabs kept, direction overrides and controls refused."""
        value = self.text(column, max_len=max_len)
        if value is not None and (why := text_problem(value, max_len=max_len, multiline=True)):
            self.fail(column, why)
            return None
        return value

    def vocab(self, column: str, vocabulary: type[V], *, required: bool = False) -> V | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return vocabulary.parse(value)
        except UnknownLabel as exc:
            self.fail(column, reason_of(exc))
            return None

    def vocab_list(self, column: str, vocabulary: type[V], *, required: bool = False) -> list[V]:
        value = self.text(column, required=required)
        if value is None:
            return []
        found: list[V] = []
        # Full-width commas and semicolons (\uff0c, \uff1b) separate as well as ASCII ones.
        for part in re.split("[、,;/\uff0c\uff1b]", value):
            if not part.strip():
                continue
            try:
                member = vocabulary.parse(part)
            except UnknownLabel as exc:
                self.fail(column, reason_of(exc))
                continue
            if member not in found:
                found.append(member)
        return found

    def yes_no(self, column: str) -> bool | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return parse_yes_no(value)
        except UnknownLabel:
            self.fail(column, Msg("errors.row.yes_no"))
            return None

    def integer(self, column: str, *, minimum: int = 0, maximum: int | None = None,
                required: bool = False) -> int | None:
        """A whole number: 3 and 3.0 are read, 1.9, 1e400 and anything out of bounds are not."""
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parse_integer(value, minimum=minimum, maximum=maximum)
        except ValueError as exc:
            self.fail(column, reason_of(exc))
            return None

    def money(self, column: str, *, maximum: Decimal = MONEY_MAX) -> Decimal | None:
        value = self.text(column, max_len=30)
        if value is None:
            return None
        try:
            return parse_money(value, maximum=maximum)
        except ValueError as exc:
            self.fail(column, reason_of(exc))
            return None

    def day(self, column: str, *, required: bool = False) -> date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parse_day(value)
        except ValueError as exc:
            self.fail(column, reason_of(exc) if exc.args and exc.args[0] == DATE_FORMAT
                      else Msg("errors.row.invalid_date"))
            return None


def labels_of(members: list[Enum]) -> str:
    return "、".join(getattr(m, "zh", str(m)) for m in members)
