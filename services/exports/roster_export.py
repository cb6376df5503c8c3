"""The roster as a file: the filtered list's columns, masked unless sensitive data is asked for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Row, String, select, type_coerce
from sqlalchemy.orm import Session, aliased

from core.errors import PermissionDenied
from core.i18n import Msg
from core.validators import age_on, redact_long_digits
from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    Gender,
    GuardianType,
    LeftBehindType,
    Relation,
    RiskLevel,
)
from db.field_crypto import active_key
from db.models import Child, ChildCategory, Helper, OrgUnit, Pairing, Relative
from services.access import audit
from services.access.permissions import Actor, Capability
from services.exports.tables import ExportColumn, ExportOptions, Sensitivity, audited, export_bytes
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import filtered_child_ids

ROSTER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("name", "姓名", Sensitivity.NAME),
    ExportColumn("gender", "性别"),
    ExportColumn("birth_date", "出生日期"),
    ExportColumn("age", "年龄"),
    ExportColumn("id_number", "身份证号", Sensitivity.ID_NUMBER, as_text=True),
    ExportColumn("categories", "儿童类别"),
    ExportColumn("left_behind_type", "留守类型"),
    ExportColumn("guardian_type", "监护类型"),
    ExportColumn("town", "乡镇(街道)"),
    ExportColumn("village", "村(社区)"),
    ExportColumn("school", "学校"),
    ExportColumn("grade", "年级"),
    ExportColumn("class_name", "班级"),
    ExportColumn("address", "家庭住址", Sensitivity.ADDRESS),
    ExportColumn("economic_status", "家庭经济状况"),
    ExportColumn("academic_level", "学业成绩"),
    ExportColumn("risk_level", "风险等级"),
    ExportColumn("key_concern", "重点关注"),
    ExportColumn("guardian_name", "监护人姓名", Sensitivity.NAME),
    ExportColumn("guardian_phone", "监护人电话", Sensitivity.PHONE, as_text=True),
    ExportColumn("father_phone", "父亲电话", Sensitivity.PHONE, as_text=True),
    ExportColumn("father_work_place", "父亲务工地"),
    ExportColumn("mother_phone", "母亲电话", Sensitivity.PHONE, as_text=True),
    ExportColumn("mother_work_place", "母亲务工地"),
    ExportColumn("helpers", "帮扶人", Sensitivity.NAME),  # 、-joined, each name masked
)
BATCH = 5000
ROSTER_TITLE = "儿童名单"
CATEGORY_ORDER = {category.value: rank for rank, category in enumerate(Category)}
CATEGORY_LABELS = {category.value: category.zh for category in Category}
RELATION_CODES = [relation.value for relation in Relation]  # father, mother, guardian
Kin = tuple[str, str, str]  # a relative's name, phone and 务工地
NOBODY: Kin = ("", "", "")
CHILD_FIELDS = ("id", "name", "gender", "birth_date", "id_number_cipher", "left_behind_type",
                "guardian_type", "grade", "class_name", "address", "economic_status",
                "academic_level", "risk_level", "key_concern")


CODED: dict[str, dict[str, str]] = {
    name: {member.value: member.zh for member in vocabulary}
    for name, vocabulary in (("gender", Gender), ("left_behind_type", LeftBehindType),
                             ("guardian_type", GuardianType),
                             ("economic_status", EconomicStatus),
                             ("academic_level", AcademicLevel), ("risk_level", RiskLevel))
}


def roster_rows(session: Session, actor: Actor, roster_filter: RosterFilter, *,
                today: date) -> Iterator[dict[str, object]]:
    """Every matching child as a flat row: four queries in all, children streamed in batches."""
    ids = filtered_child_ids(actor, roster_filter, today=today).scalar_subquery()
    # Codes, not Enum members, and plain tuples, not ORM objects: a county has ~50,000
    # categories and ~150,000 relatives, and per-value conversion dominated the export.
    categories: dict[int, list[str]] = defaultdict(list)
    for child_id, category in session.execute(select(
            ChildCategory.child_id, _code(ChildCategory.category)).where(
            ChildCategory.child_id.in_(ids))):
        categories[child_id].append(category)
    family: dict[tuple[int, str], Kin] = {
        (child_id, relation): (name or "", phone or "", work or "")
        for child_id, relation, name, phone, work in session.execute(select(
            Relative.child_id, _code(Relative.relation), Relative.name, Relative.phone,
            Relative.work_place).where(Relative.child_id.in_(ids), Relative.archived_at.is_(None)))}
    helpers: dict[int, list[str]] = defaultdict(list)
    for child_id, name in session.execute(select(Pairing.child_id, Helper.name).join(Helper).where(
            Pairing.child_id.in_(ids), Pairing.ended_on.is_(None), Helper.archived_at.is_(None))):
        helpers[child_id].append(name)
    town, village, school = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    # Coded columns come back as their codes and are labelled by dict lookup: the Enum
    # result processor would otherwise run half a million times for a county.
    columns = [_code(getattr(Child, c)).label(c) if c in CODED else getattr(Child, c)
               for c in CHILD_FIELDS]
    children = session.execute(
        select(*columns, town.name.label("town_name"),
               village.name.label("village_name"), school.name.label("school_name"))
        .join(town, town.id == Child.town_id).join(village, village.id == Child.village_id)
        .outerjoin(school, school.id == Child.school_id)
        .where(Child.id.in_(ids)).order_by(Child.name_pinyin, Child.id)
        .execution_options(yield_per=BATCH))
    for child in children:
        yield _row(child, categories[child.id], helpers[child.id], today,
                   *(family.get((child.id, r), NOBODY) for r in RELATION_CODES))


def _code(column: Any) -> Any:
    """The column's stored code as plain text, skipping the Enum result processor."""
    return type_coerce(column, String)


def _row(child: Row, categories: list[str], helpers: list[str], today: date,
         father: Kin, mother: Kin, guardian: Kin) -> dict[str, object]:
    return {
        "name": child.name, "gender": CODED["gender"][child.gender],
        "birth_date": child.birth_date.isoformat(),
        "age": age_on(child.birth_date, today),
        "id_number": active_key().decrypt(child.id_number_cipher) if child.id_number_cipher else "",
        "categories": "、".join(CATEGORY_LABELS[c] for c in sorted(
            categories, key=CATEGORY_ORDER.__getitem__)),
        "left_behind_type": CODED["left_behind_type"].get(child.left_behind_type, ""),
        "guardian_type": CODED["guardian_type"].get(child.guardian_type, ""),
        "town": child.town_name,
        "village": child.village_name, "school": child.school_name or "",
        "grade": child.grade or "", "class_name": child.class_name or "",
        "address": child.address or "",
        "economic_status": CODED["economic_status"].get(child.economic_status, ""),
        "academic_level": CODED["academic_level"].get(child.academic_level, ""),
        "risk_level": CODED["risk_level"].get(child.risk_level, ""),
        "key_concern": "是" if child.key_concern else "",
        "guardian_name": guardian[0], "guardian_phone": guardian[1],
        "father_phone": father[1], "father_work_place": father[2],
        "mother_phone": mother[1], "mother_work_place": mother[2],
        "helpers": "、".join(helpers),
    }


def write_roster(session: Session, *, actor: Actor, roster_filter: RosterFilter, fmt: str,
                  today: date, include_sensitive: bool = False,
                  column_keys: list[str] | None = None,
                  options: ExportOptions | None = None) -> bytes:
    """The filtered roster as CSV or XLSX; names, phones, IDs and addresses masked unless asked.

    Not recorded as a disclosure: `export_roster` and the hub's roster, which call it, are."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    columns = [c for c in ROSTER_COLUMNS if column_keys is None or c.key in column_keys]
    data = export_bytes(fmt, roster_rows(session, actor, roster_filter, today=today), columns,
                        include_sensitive=include_sensitive, sheet_name=ROSTER_TITLE,
                        options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", "roster", None,
                     summary=redact_long_digits(
                         f"导出含敏感信息的儿童名单（{fmt}，筛选：{roster_filter.to_query_params()}）"))
    return data


# The roster as the roster page and the CLI export it: every call recorded (`audited`).
export_roster = audited("roster", ROSTER_TITLE)(write_roster)
