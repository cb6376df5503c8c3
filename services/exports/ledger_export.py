"""捐助台账, 资源方名单 and 受助公平性 as files: child names masked unless asked, and audited.

A provider's name is shown masked when it is a person's (个人, or a kind nobody set) and in
full when it is an organisation's; notes, goods and titles mask the names of the entry's
people: the recipients, their relatives and helpers, and the persons behind the provider.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.i18n import Msg
from db.models import Donation, Need, Wish, donation_recipients
from services.access import audit
from services.access.permissions import Actor, Capability
from services.exports.name_masking import people_by_child, people_by_provider, provider_people
from services.exports.tables import (
    PEOPLE,
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)
from services.resources.ledger_balance import entries_visible
from services.resources.ledger_reading import fairness, list_entries
from services.resources.providers import list_providers

S = Sensitivity
TITLES = {"ledger": "捐助台账", "providers": "资源方名单", "fairness": "受助情况"}
YEAR_START = (1, 1)

# A provider's name is TEXT: masked only when it is among the row's PEOPLE (a person's).
LEDGER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("donated_on", "日期"), ExportColumn("direction", "类型"),
    ExportColumn("provider", "资源方", S.TEXT), ExportColumn("money_yuan", "金额(元)"),
    ExportColumn("goods", "物资", S.TEXT), ExportColumn("goods_quantity", "数量"),
    ExportColumn("goods_unit", "单位"), ExportColumn("goods_value_yuan", "物资价值(元)"),
    ExportColumn("recipients_count", "受助人数"),
    ExportColumn("recipients", "受助儿童", S.NAME),  # 、-joined, each name masked
    ExportColumn("activity", "活动", S.TEXT), ExportColumn("notes", "备注", S.TEXT),
)
PROVIDER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("name", "名称", S.TEXT), ExportColumn("kind", "类型"),
    ExportColumn("contact_person", "联系人", S.NAME), ExportColumn("phone", "电话", S.PHONE),
    ExportColumn("offers", "可提供", S.TEXT), ExportColumn("needs_linked", "链接需求数"),
    ExportColumn("wishes_fulfilled", "实现心愿数"), ExportColumn("donated_money", "捐助金额(元)"),
    ExportColumn("donations", "捐助笔数"), ExportColumn("notes", "备注", S.TEXT),
)
FAIRNESS_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("child_name", "儿童姓名", S.NAME), ExportColumn("times_helped", "受助次数"),
    ExportColumn("money_yuan", "受助金额(元)"), ExportColumn("goods", "受助物资", S.TEXT),
)


def _period(today: date, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    return date_from or date(today.year, *YEAR_START), date_to or today


def _export(session: Session, actor: Actor, kind: str, fmt: str, rows: Iterable[dict],
            columns: tuple[ExportColumn, ...], include_sensitive: bool, today: date,
            *, options: ExportOptions | None) -> bytes:
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    rows = list(rows)
    data = export_bytes(fmt, rows, columns, include_sensitive=include_sensitive,
                        sheet_name=TITLES[kind], options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", kind, None,
                     summary=f"导出含敏感信息的{TITLES[kind]}({len(rows)}条,{fmt},{today:%Y-%m-%d})")
    return data


def _recipients_people(session: Session, actor: Actor, date_from: date, date_to: date
                       ) -> dict[int, list[str]]:
    """Per entry of the period, the people of its recipients (names, relatives, helpers)."""
    entries = select(Donation.id).where(
        Donation.archived_at.is_(None), entries_visible(actor),
        Donation.donated_on.between(date_from, date_to))
    links = select(donation_recipients.c.donation_id, donation_recipients.c.child_id).where(
        donation_recipients.c.donation_id.in_(entries))
    by_child = people_by_child(session, links.with_only_columns(donation_recipients.c.child_id))
    people: dict[int, list[str]] = defaultdict(list)
    for donation_id, child_id in session.execute(links):
        people[donation_id].extend(by_child.get(child_id, ()))
    return people


def ledger_rows(session: Session, actor: Actor, *, date_from: date, date_to: date
                ) -> Iterable[dict]:
    """The entries of a period, each with the names of its people (PEOPLE)."""
    entries = list_entries(session, actor, date_from=date_from, date_to=date_to)
    recipients = _recipients_people(session, actor, date_from, date_to) if entries else {}
    persons = people_by_provider(session) if entries else {}
    for e in entries:
        yield {"donated_on": e.donated_on, "direction": e.direction.zh,
               "provider": e.provider_name, "money_yuan": e.money_yuan, "goods": e.goods,
               "goods_quantity": e.goods_quantity, "goods_unit": e.goods_unit,
               "goods_value_yuan": e.goods_value_yuan, "recipients_count": len(e.recipients),
               "recipients": "、".join(e.recipients), "activity": e.activity_title,
               "notes": e.notes,
               PEOPLE: [*e.recipients, *recipients.get(e.id, ()),
                        *provider_people(persons, [e.provider_name])]}


def export_ledger(session: Session, *, actor: Actor, fmt: str, today: date,
                  include_sensitive: bool = False, date_from: date | None = None,
                  date_to: date | None = None,
                  options: ExportOptions | None = None) -> bytes:
    """捐助台账 of a period (default: this year so far)."""
    start, end = _period(today, date_from, date_to)
    rows = ledger_rows(session, actor, date_from=start, date_to=end)
    return _export(session, actor, "ledger", fmt, rows, LEDGER_COLUMNS, include_sensitive, today,
                   options=options)


def _helped_people(session: Session) -> dict[int, set[str]]:
    """Per provider, the people of every child it was linked to by a need, a wish or a gift."""
    links = union_all(
        select(Need.provider_id, Need.child_id).where(Need.provider_id.is_not(None)),
        select(Wish.provider_id, Wish.child_id).where(Wish.provider_id.is_not(None)),
        select(Donation.provider_id, donation_recipients.c.child_id)
        .join(donation_recipients, donation_recipients.c.donation_id == Donation.id)
        .where(Donation.provider_id.is_not(None))).subquery()
    by_child = people_by_child(session, select(links.c.child_id))
    people: dict[int, set[str]] = defaultdict(set)
    for provider_id, child_id in session.execute(select(links.c.provider_id, links.c.child_id)):
        people[provider_id].update(by_child.get(child_id, ()))
    return people


def provider_rows(session: Session, actor: Actor) -> Iterable[dict]:
    """Active providers by name, each with its people (PEOPLE): the persons it stands for and
    the children it helped, whom its notes may name."""
    providers = list_providers(session, actor)
    persons = people_by_provider(session)
    helped = _helped_people(session) if providers else {}
    for p in providers:
        yield {"name": p.name, "kind": p.kind.zh, "contact_person": p.contact_person,
               "phone": p.phone, "offers": p.offers, "needs_linked": p.needs_linked,
               "wishes_fulfilled": p.wishes_fulfilled, "donated_money": p.donated_money,
               "donations": p.donations, "notes": p.notes,
               PEOPLE: [*provider_people(persons, [p.name]), *helped.get(p.id, ())]}


def export_providers(session: Session, *, actor: Actor, fmt: str, today: date,
                     include_sensitive: bool = False,
                     options: ExportOptions | None = None) -> bytes:
    """资源方名单 with what each has done; contact names and phones masked unless sensitive,
    and so is the name of a provider that is a person."""
    return _export(session, actor, "providers", fmt, provider_rows(session, actor),
                   PROVIDER_COLUMNS, include_sensitive, today, options=options)


def export_fairness(session: Session, *, actor: Actor, fmt: str, today: date,
                    include_sensitive: bool = False, date_from: date | None = None,
                    date_to: date | None = None,
                    options: ExportOptions | None = None) -> bytes:
    """受助情况: each child helped in the period, most-helped first."""
    start, end = _period(today, date_from, date_to)
    rows = ({"child_name": r.child_name, "times_helped": r.times_helped,
             "money_yuan": r.money_yuan, "goods": r.goods, PEOPLE: [r.child_name]}
            for r in fairness(session, actor, date_from=start, date_to=end).rows)
    return _export(session, actor, "fairness", fmt, rows, FAIRNESS_COLUMNS, include_sensitive,
                   today, options=options)


LEDGER_EXPORTS: dict[str, ListExport] = {
    "ledger": ListExport(TITLES["ledger"], LEDGER_COLUMNS, export_ledger),
    "providers": ListExport(TITLES["providers"], PROVIDER_COLUMNS, export_providers),
    "fairness": ListExport(TITLES["fairness"], FAIRNESS_COLUMNS, export_fairness),
}
