"""Pairing lists as files: helpers, pairings (with their history) and children still waiting.

Masked, every child's and helper's name is masked; a helper's reason for stopping and a
pairing's end note are free text in which the names of their people are masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import ColumnElement, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from core.errors import PermissionDenied
from core.i18n import Msg
from core.validators import age_on
from core.vocab import Category, Relation
from db.models import CareContact, Child, ChildCategory, Helper, OrgUnit, Pairing, Relative
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed, helpers_visible
from services.exports.name_masking import people_by_child
from services.exports.tables import (
    PEOPLE,
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)
from services.pairing.match_health import helper_health, pairing_health
from services.pairing.pairing_board import WaitingChild, priority_order, waiting_conditions
from services.pairing.pairings import PairingRecord

Row = dict[str, object]
S = Sensitivity
HELPER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("name", "姓名", S.NAME), ExportColumn("kind", "类型"),
    ExportColumn("gender", "性别"), ExportColumn("work_unit", "单位"),
    ExportColumn("org_unit", "所属组织"), ExportColumn("phone", "电话", S.PHONE, as_text=True),
    ExportColumn("capacity", "可结对人数"), ExportColumn("load", "已结对人数"),
    ExportColumn("last_contact", "最近帮扶日期"),
    ExportColumn("status", "状态", S.TEXT),  # 已停用(reason): the reason is free text
    ExportColumn("flags", "提示"),
)
PAIRING_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("child_name", "儿童姓名", S.NAME), ExportColumn("gender", "性别"),
    ExportColumn("age", "年龄"), ExportColumn("school", "学校"),
    ExportColumn("class_name", "班级"), ExportColumn("village", "村(社区)"),
    ExportColumn("helper_name", "帮扶人", S.NAME), ExportColumn("helper_kind", "帮扶人类型"),
    ExportColumn("helper_phone", "帮扶人电话", S.PHONE, as_text=True),
    ExportColumn("started_on", "开始日期"), ExportColumn("ended_on", "结束日期"),
    ExportColumn("ending", "结束原因", S.TEXT), ExportColumn("last_contact", "最近帮扶日期"),
    ExportColumn("contacts_this_month", "本月次数"),
    ExportColumn("contacts_this_term", "本学期次数"), ExportColumn("status", "状态"),
)
UNPAIRED_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("name", "姓名", S.NAME), ExportColumn("gender", "性别"),
    ExportColumn("age", "年龄"), ExportColumn("categories", "儿童类别"),
    ExportColumn("risk_level", "风险等级"), ExportColumn("key_concern", "重点关注"),
    ExportColumn("town", "乡镇(街道)"), ExportColumn("village", "村(社区)"),
    ExportColumn("school", "学校"), ExportColumn("class_name", "班级"),
    ExportColumn("guardian_phone", "监护人电话", S.PHONE, as_text=True),
    ExportColumn("registered_on", "登记日期"), ExportColumn("priority", "优先原因"),
)
TITLES = {"helpers": "帮扶人名单", "pairings": "结对名单", "unpaired": "未结对儿童名单"}
BATCH = 5000
ENDED, HELPER_STOPPED, HELPER_LEFT = "已结束", "帮扶人已停用", "原帮扶人已停用"


def _export(session: Session, actor: Actor, kind: str, fmt: str, rows: Iterable[Row],
            columns: tuple[ExportColumn, ...], include_sensitive: bool,
            *, options: ExportOptions | None) -> bytes:
    """The rows as a file; the permission checks come before any row is read."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    data = export_bytes(fmt, rows, columns, include_sensitive=include_sensitive,
                        sheet_name=TITLES[kind], options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", kind, None,
                     summary=f"导出含敏感信息的{TITLES[kind]}({fmt})")
    return data


def _class_label(grade: str | None, class_name: str | None) -> str:
    return f"{grade or ''}{class_name or ''}"


# ---- helpers -------------------------------------------------------------------------------

def helper_rows(session: Session, actor: Actor, *, today: date,
                include_inactive: bool = False) -> Iterator[Row]:
    """Helpers in scope with load and last contact (match_health's order: flagged first)."""
    org, school = aliased(OrgUnit), aliased(OrgUnit)
    # helper_health merges 单位 and the org unit into one field and has no gender.
    details = {helper_id: (gender.zh if gender else "", work_unit or "", org_name or school_name)
               for helper_id, gender, work_unit, org_name, school_name in session.execute(
                   select(Helper.id, Helper.gender, Helper.work_unit, org.name, school.name)
                   .outerjoin(org, org.id == Helper.org_unit_id)
                   .outerjoin(school, school.id == Helper.school_id)
                   .where(helpers_visible(actor)))}
    # A reason for stopping may name the helper's children: every child they were paired with.
    children: dict[int, list[str]] = {}
    for helper_id, child_name in session.execute(
            select(Pairing.helper_id, Child.name).join(Child, Child.id == Pairing.child_id)
            .join(Helper, Helper.id == Pairing.helper_id)
            .where(helpers_visible(actor), Helper.archived_at.is_not(None))):
        children.setdefault(helper_id, []).append(child_name)
    for h in helper_health(session, actor, today=today, include_inactive=include_inactive):
        gender, work_unit, org_name = details.get(h.helper_id, ("", "", ""))
        stopped = f"已停用({h.archive_reason})" if h.archive_reason else "已停用"
        yield {"name": h.name, "kind": h.kind.zh, "gender": gender, "work_unit": work_unit,
               "org_unit": org_name or "", "phone": h.phone or "", "capacity": h.capacity,
               "load": h.load, "last_contact": h.last_contact,
               "status": "在岗" if h.active else stopped, "flags": "、".join(h.flags(today)),
               PEOPLE: [h.name, *children.get(h.helper_id, ())]}


def export_helpers(session: Session, *, actor: Actor, fmt: str, today: date,
                   include_sensitive: bool = False, include_inactive: bool = False,
                   options: ExportOptions | None = None) -> bytes:
    """帮扶人名单: active helpers in scope (deactivated ones too if asked), masked unless asked."""
    rows = helper_rows(session, actor, today=today, include_inactive=include_inactive)
    return _export(session, actor, "helpers", fmt, rows, HELPER_COLUMNS, include_sensitive,
                   options=options)


# ---- pairings ------------------------------------------------------------------------------

def _ended_pairings(session: Session, actor: Actor) -> list[tuple[PairingRecord, date | None]]:
    """Ended pairings of children in scope, newest end first, each with its last contact."""
    last = (select(func.max(CareContact.contact_date)).where(
        CareContact.child_id == Pairing.child_id, CareContact.helper_id == Pairing.helper_id,
        CareContact.archived_at.is_(None),
        CareContact.contact_date.between(Pairing.started_on, Pairing.ended_on))
        .scalar_subquery())
    rows = session.execute(
        select(Pairing.id, Pairing.version, Pairing.child_id, Child.name, Pairing.helper_id,
               Helper.name, Helper.kind, Pairing.started_on, Pairing.ended_on,
               Pairing.end_reason, Pairing.end_note, last)
        .join(Child, Child.id == Pairing.child_id).join(Helper, Helper.id == Pairing.helper_id)
        .where(Pairing.ended_on.is_not(None), children_listed(actor))
        .order_by(Pairing.ended_on.desc(), Pairing.id.desc()))
    return [(PairingRecord(pairing_id, version, child_id, child_name, helper_id, helper_name,
                           kind, started_on, ended_on, end_reason, end_note), last_contact)
            for (pairing_id, version, child_id, child_name, helper_id, helper_name, kind,
                 started_on, ended_on, end_reason, end_note, last_contact) in rows]


def _paired_children(session: Session, actor: Actor, pairings: ColumnElement[bool],
                     today: date) -> dict[int, Row]:
    """The child columns of every child in scope with a pairing matching `pairings`."""
    village, school = aliased(OrgUnit), aliased(OrgUnit)
    stmt = (select(Child.id, Child.gender, Child.birth_date, school.name, Child.grade,
                   Child.class_name, village.name)
            .join(village, village.id == Child.village_id)
            .outerjoin(school, school.id == Child.school_id)
            .where(children_listed(actor), Child.id.in_(select(Pairing.child_id).where(pairings)))
            .execution_options(yield_per=BATCH))
    return {child_id: {"gender": gender.zh, "age": age_on(birth, today),
                       "school": school_name or "", "village": village_name,
                       "class_name": _class_label(grade, class_name)}
            for child_id, gender, birth, school_name, grade, class_name, village_name
            in session.execute(stmt)}


def _helper_phones(session: Session, actor: Actor, pairings: ColumnElement[bool]) -> dict[int, str]:
    """Phones of the paired helpers the actor may see; another area's helper shows none."""
    return {helper_id: phone for helper_id, phone in session.execute(
        select(Helper.id, Helper.phone).where(
            helpers_visible(actor), Helper.phone.is_not(None),
            Helper.id.in_(select(Pairing.helper_id).where(pairings))))
        if phone is not None}  # always, as selected: this tells the checker


def pairing_rows(session: Session, actor: Actor, *, today: date,
                 include_ended: bool = False) -> Iterator[Row]:
    """Open pairings as the 结对情况 page orders them, then (if asked) ended ones, newest first."""
    wanted = true() if include_ended else Pairing.ended_on.is_(None)
    children = _paired_children(session, actor, wanted, today)
    phones = _helper_phones(session, actor, wanted)
    for p in pairing_health(session, actor, today=today):
        yield {**children.get(p.child_id, {}), "child_name": p.child_name,
               "helper_name": p.helper_name, "helper_kind": p.helper_kind.zh,
               "helper_phone": phones.get(p.helper_id, ""),
               "started_on": p.started_on, "last_contact": p.last_contact,
               "contacts_this_month": p.contacts_this_month,
               "contacts_this_term": p.contacts_this_term,
               "status": p.status.zh if p.helper_active else HELPER_STOPPED}
    if not include_ended:
        return
    family = people_by_child(session, select(Pairing.child_id).join(
        Child, Child.id == Pairing.child_id).where(Pairing.ended_on.is_not(None),
                                                   children_listed(actor)))
    for record, last_contact in _ended_pairings(session, actor):
        yield {**children.get(record.child_id, {}), "child_name": record.child_name,
               "helper_name": record.helper_name, "helper_kind": record.helper_kind.zh,
               "helper_phone": phones.get(record.helper_id, ""), "started_on": record.started_on,
               "ended_on": record.ended_on, "ending": record.ending,
               "last_contact": last_contact, "status": ENDED,
               PEOPLE: family.get(record.child_id, [])}


def export_pairings(session: Session, *, actor: Actor, fmt: str, today: date,
                    include_sensitive: bool = False, include_ended: bool = False,
                    options: ExportOptions | None = None) -> bytes:
    """结对名单: open pairings with how they go; with include_ended, the ended ones and why."""
    rows = pairing_rows(session, actor, today=today, include_ended=include_ended)
    return _export(session, actor, "pairings", fmt, rows, PAIRING_COLUMNS, include_sensitive,
                   options=options)


# ---- unpaired children ---------------------------------------------------------------------

def unpaired_rows(session: Session, actor: Actor, *, today: date) -> Iterator[Row]:
    """Every active child in scope without an active helper, in the pairing board's order."""
    waiting = waiting_conditions(actor)
    ids = select(Child.id).where(*waiting).scalar_subquery()
    categories: dict[int, list[Category]] = {}
    for child_id, category in session.execute(select(
            ChildCategory.child_id, ChildCategory.category).where(ChildCategory.child_id.in_(ids))):
        categories.setdefault(child_id, []).append(category)
    guardian_phones = {child_id: phone for child_id, phone in session.execute(
        select(Relative.child_id, Relative.phone).where(
            Relative.child_id.in_(ids), Relative.relation == Relation.guardian,
            Relative.archived_at.is_(None), Relative.phone.is_not(None)))
        if phone is not None}  # always, as selected: this tells the checker
    town, village, school = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    helper_left = exists().where(Pairing.child_id == Child.id, Pairing.ended_on.is_(None))
    rows = session.execute(
        select(Child.id, Child.name, Child.gender, Child.birth_date, Child.risk_level,
               Child.key_concern, Child.grade, Child.class_name, Child.created_at,
               town.name, village.name, school.name, helper_left)
        .join(town, town.id == Child.town_id).join(village, village.id == Child.village_id)
        .outerjoin(school, school.id == Child.school_id)
        .where(*waiting).order_by(priority_order(), Child.created_at, Child.id)
        .execution_options(yield_per=BATCH))
    for (child_id, name, gender, birth, risk, key_concern, grade, class_name, created_at,
         town_name, village_name, school_name, left) in rows:
        child = WaitingChild(
            child_id, name, gender, age_on(birth, today),
            tuple(sorted(categories.get(child_id, []), key=list(Category).index)), risk,
            key_concern, school_name or village_name, _class_label(grade, class_name),
            created_at.date(), bool(left))
        yield _unpaired_row(child, town_name, village_name, school_name or "",
                            guardian_phones.get(child_id, ""))


def _unpaired_row(child: WaitingChild, town: str, village: str, school: str,
                  guardian_phone: str) -> Row:
    reasons = [word for word in (child.priority, HELPER_LEFT if child.helper_left else "") if word]
    return {"name": child.name, "gender": child.gender.zh, "age": child.age,
            "categories": "、".join(c.zh for c in child.categories),
            "risk_level": child.risk_level.zh if child.risk_level else "",
            "key_concern": "是" if child.key_concern else "", "town": town, "village": village,
            "school": school, "class_name": child.class_label, "guardian_phone": guardian_phone,
            "registered_on": child.waiting_since, "priority": "、".join(reasons)}


def export_unpaired(session: Session, *, actor: Actor, fmt: str, today: date,
                    include_sensitive: bool = False,
                    options: ExportOptions | None = None) -> bytes:
    """未结对儿童名单: every child in scope waiting for a helper, most urgent first, no limit."""
    rows = unpaired_rows(session, actor, today=today)
    return _export(session, actor, "unpaired", fmt, rows, UNPAIRED_COLUMNS, include_sensitive,
                   options=options)


PAIRING_EXPORTS: dict[str, ListExport] = {
    "helpers": ListExport(TITLES["helpers"], HELPER_COLUMNS, export_helpers),
    "pairings": ListExport(TITLES["pairings"], PAIRING_COLUMNS, export_pairings),
    "unpaired": ListExport(TITLES["unpaired"], UNPAIRED_COLUMNS, export_unpaired),
}
