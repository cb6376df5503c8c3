"""Reading one import row's cells into typed values, collecting every problem with its column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from typing import TypeVar

from services.vocab import UnknownLabel, Vocabulary, parse_yes_no

V = TypeVar("V", bound=Vocabulary)
DATE_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers of a date cell that lost its format: 1955-01-01 … 2064-12-31.
EXCEL_SERIALS = range(20090, 60632)


def parse_day(text: str) -> date:
    """Accept 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305 and Excel serials."""
    value = unicodedata.normalize("NFKC", text).strip()  # full-width digits and dots too
    if value.isdigit() and int(value) in EXCEL_SERIALS:
        return EXCEL_EPOCH + timedelta(days=int(value))
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    match = DATE_PATTERN.match(value)
    if not match:
        raise ValueError("日期格式应为 2024-03-05")
    return date(*(int(g) for g in match.groups()))


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
                self.fail(column, "必填")
            return None
        if len(value) > max_len:
            self.fail(column, f"最多{max_len}个字")
            return None
        return value

    def vocab(self, column: str, vocabulary: type[V], *, required: bool = False) -> V | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return vocabulary.parse(value)
        except UnknownLabel as exc:
            self.fail(column, str(exc))
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
                self.fail(column, str(exc))
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
            self.fail(column, "请填写“是”或“否”")
            return None

    def integer(self, column: str, *, minimum: int = 0, required: bool = False) -> int | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            number = int(float(value))
        except ValueError:
            self.fail(column, "应为整数")
            return None
        if number < minimum:
            self.fail(column, f"不能小于{minimum}")
            return None
        return number

    def day(self, column: str, *, required: bool = False) -> date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parse_day(value)
        except ValueError as exc:
            self.fail(column, str(exc) if "格式" in str(exc) else "不是有效日期")
            return None


def labels_of(members: list[Enum]) -> str:
    return "、".join(getattr(m, "zh", str(m)) for m in members)
