"""捐助台账, 资源方名单 and 受助公平性 as files: child names masked unless asked, and audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from services import audit
from services.errors import PermissionDenied
from services.exports import ExportColumn, ListExport, Sensitivity, export_bytes, mask_name
from services.ledger import fairness, list_entries
from services.permissions import Actor, Capability
from services.providers import list_providers

S = Sensitivity
TITLES = {"ledger": "捐助台账", "providers": "资源方名单", "fairness": "受助情况"}
YEAR_START = (1, 1)

LEDGER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("donated_on", "日期"), ExportColumn("direction", "类型"),
    ExportColumn("provider", "资源方"), ExportColumn("money_yuan", "金额(元)"),
    ExportColumn("goods", "物资"), ExportColumn("goods_quantity", "数量"),
    ExportColumn("goods_unit", "单位"), ExportColumn("goods_value_yuan", "物资价值(元)"),
    ExportColumn("recipients_count", "受助人数"), ExportColumn("recipients", "受助儿童"),
    ExportColumn("activity", "活动"), ExportColumn("notes", "备注"),
)
PROVIDER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("name", "名称"), ExportColumn("kind", "类型"),
    ExportColumn("contact_person", "联系人", S.NAME), ExportColumn("phone", "电话", S.PHONE),
    ExportColumn("offers", "可提供"), ExportColumn("needs_linked", "链接需求数"),
    ExportColumn("wishes_fulfilled", "实现心愿数"), ExportColumn("donated_money", "捐助金额(元)"),
    ExportColumn("donations", "捐助笔数"), ExportColumn("notes", "备注"),
)
FAIRNESS_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("child_name", "儿童姓名", S.NAME), ExportColumn("times_helped", "受助次数"),
    ExportColumn("money_yuan", "受助金额(元)"), ExportColumn("goods", "受助物资"),
)


def _period(today: date, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    return date_from or date(today.year, *YEAR_START), date_to or today


def _export(session: Session, actor: Actor, kind: str, fmt: str, rows: Iterable[dict],
            columns: tuple[ExportColumn, ...], include_sensitive: bool, today: date) -> bytes:
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied("只有负责人和管理员可以导出含敏感信息的名单。")
    rows = list(rows)
    data = export_bytes(fmt, rows, columns, include_sensitive=include_sensitive,
                        sheet_name=TITLES[kind])
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", kind, None,
                     summary=f"导出含敏感信息的{TITLES[kind]}({len(rows)}条,{fmt},{today:%Y-%m-%d})")
    return data


def ledger_rows(session: Session, actor: Actor, *, date_from: date, date_to: date,
                include_sensitive: bool) -> Iterable[dict]:
    """The entries of a period; the recipients' names are masked one by one unless sensitive."""
    for e in list_entries(session, actor, date_from=date_from, date_to=date_to):
        names = e.recipients if include_sensitive else [mask_name(n) for n in e.recipients]
        yield {"donated_on": e.donated_on, "direction": e.direction.zh,
               "provider": e.provider_name, "money_yuan": e.money_yuan, "goods": e.goods,
               "goods_quantity": e.goods_quantity, "goods_unit": e.goods_unit,
               "goods_value_yuan": e.goods_value_yuan, "recipients_count": len(e.recipients),
               "recipients": "、".join(names), "activity": e.activity_title, "notes": e.notes}


def export_ledger(session: Session, *, actor: Actor, fmt: str, today: date,
                  include_sensitive: bool = False, date_from: date | None = None,
                  date_to: date | None = None) -> bytes:
    """捐助台账 of a period (default: this year so far)."""
    start, end = _period(today, date_from, date_to)
    rows = ledger_rows(session, actor, date_from=start, date_to=end,
                       include_sensitive=include_sensitive)
    return _export(session, actor, "ledger", fmt, rows, LEDGER_COLUMNS, include_sensitive, today)


def export_providers(session: Session, *, actor: Actor, fmt: str, today: date,
                     include_sensitive: bool = False) -> bytes:
    """资源方名单 with what each has done; contact names and phones masked unless sensitive."""
    rows = ({"name": p.name, "kind": p.kind.zh, "contact_person": p.contact_person,
             "phone": p.phone, "offers": p.offers, "needs_linked": p.needs_linked,
             "wishes_fulfilled": p.wishes_fulfilled, "donated_money": p.donated_money,
             "donations": p.donations, "notes": p.notes}
            for p in list_providers(session, actor))
    return _export(session, actor, "providers", fmt, rows, PROVIDER_COLUMNS, include_sensitive,
                   today)


def export_fairness(session: Session, *, actor: Actor, fmt: str, today: date,
                    include_sensitive: bool = False, date_from: date | None = None,
                    date_to: date | None = None) -> bytes:
    """受助情况: each child helped in the period, most-helped first."""
    start, end = _period(today, date_from, date_to)
    rows = ({"child_name": r.child_name, "times_helped": r.times_helped,
             "money_yuan": r.money_yuan, "goods": r.goods}
            for r in fairness(session, actor, date_from=start, date_to=end).rows)
    return _export(session, actor, "fairness", fmt, rows, FAIRNESS_COLUMNS, include_sensitive,
                   today)


LEDGER_EXPORTS: dict[str, ListExport] = {
    "ledger": ListExport(TITLES["ledger"], LEDGER_COLUMNS, export_ledger),
    "providers": ListExport(TITLES["providers"], PROVIDER_COLUMNS, export_providers),
    "fairness": ListExport(TITLES["fairness"], FAIRNESS_COLUMNS, export_fairness),
}
