"""What the figures are read from besides the records themselves.

- `data_version`: one number every app process watches, so that a save in one process is seen
  by the dashboards of all the others (`db.data_version`).
- The rollups: counts kept per unit, per day and per month, updated in the same transaction as
  every write that changes them (`services.stats.rollups`), so that the figures of a county or a
  province are sums over a few thousand rows instead of scans over millions. They are derived
  data: `cli.py rollups --rebuild` recomputes them from the records, `--check` compares.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class DataVersion(Base):
    """One row: how many transactions have changed a record the figures count.

    Bumped in the same transaction as the change (`db.data_version`), so a process that reads
    a new number is sure to find the change committed; a process whose number is unchanged
    may keep every figure it computed. `rollups_stale` is set by a write whose process did not
    maintain the rollups (a script without `services.stats.rollups` loaded): the figures are
    then computed from the records until `cli.py rollups --rebuild` clears it.
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    rollups_stale: Mapped[bool] = mapped_column(default=False)


class RollupCount(Base):
    """A count that does not depend on the period: children of one village by a field's code
    ("gender" "female" 112), or their records ("need_status" "open" 3)."""

    __tablename__ = "rollup_counts"
    __table_args__ = (Index("ix_rollup_counts_unit", "unit_id", "field"),)

    field: Mapped[str] = mapped_column(String(24), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(220), primary_key=True)
    n: Mapped[int]


class RollupDay(Base):
    """A count by day: care contacts of a village's children by kind and date, children by
    date of birth, children whose latest contact of a kind fell on that day; activities held
    by a unit (场次 in `n`, 人次 in `extra`)."""

    __tablename__ = "rollup_days"
    __table_args__ = (Index("ix_rollup_days_unit", "field", "unit_id", "day"),)

    field: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(220), primary_key=True)
    n: Mapped[int]
    extra: Mapped[int] = mapped_column(default=0)


class RollupMonth(Base):
    """`RollupDay` summed over each calendar month (`month`: its first day): a term is five
    rows per unit and code instead of 150."""

    __tablename__ = "rollup_months"
    __table_args__ = (Index("ix_rollup_months_unit", "field", "unit_id", "month"),)

    field: Mapped[str] = mapped_column(String(24), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(220), primary_key=True)
    n: Mapped[int]
    extra: Mapped[int] = mapped_column(default=0)


class RollupTreeDay(Base):
    """`RollupDay` summed over each top unit's tree (a county with everything under it; unit 0
    for records of no unit): what a county's and a province's figures read, a few rows a day
    instead of one per village."""

    __tablename__ = "rollup_tree_days"

    field: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)  # the top unit
    code: Mapped[str] = mapped_column(String(220), primary_key=True)
    n: Mapped[int]
    extra: Mapped[int] = mapped_column(default=0)


class RollupTreeMonth(Base):
    """`RollupTreeDay` summed over each calendar month (`month`: its first day)."""

    __tablename__ = "rollup_tree_months"

    field: Mapped[str] = mapped_column(String(24), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)  # the top unit
    code: Mapped[str] = mapped_column(String(220), primary_key=True)
    n: Mapped[int]
    extra: Mapped[int] = mapped_column(default=0)


class RollupRuleClock(Base):
    """A care rule's current period (its `rule_clock`) whose counts per village are kept in
    `rollup_rules` while it lasts. `clock` digests the rule's conditions and the period, so an
    edited rule or a new period is a new clock; the old one is dropped."""

    __tablename__ = "rollup_rule_clocks"

    clock: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule_id: Mapped[int]
    on_day: Mapped[date] = mapped_column(Date)  # the clock is rule_clock(rule, on_day)
    current_end: Mapped[date] = mapped_column(Date)


class RollupRule(Base):
    """帮扶要求 per village for one clock: pairings the rule binds, met, overdue."""

    __tablename__ = "rollup_rules"

    clock: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    due: Mapped[int]
    met: Mapped[int]
    overdue: Mapped[int]
