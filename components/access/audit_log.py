"""管理 › 操作日志: the newest audit events, before → after, in words and local time."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.care.activity_form import kind_label
from components.common.session import db_transaction
from config import local_time
from core.i18n import t, t_or_code
from core.vocab import (
    AcademicLevel,
    ArchiveReason,
    Category,
    ContactKind,
    DonationDirection,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    HouseholdType,
    LeftBehindType,
    NeedKind,
    NeedPriority,
    NeedStatus,
    OrgKind,
    PairingEndReason,
    ProviderKind,
    Relation,
    RiskLevel,
    Role,
    RuleAudience,
    RulePeriod,
    Vocabulary,
    WishStatus,
)
from db.models import AuditEvent
from services.access import audit
from services.access.permissions import Actor
from services.care import activity_kinds

# A recorded field holding a stored code, and the vocabulary that labels it.
CODED_FIELDS: dict[str, type[Vocabulary]] = {
    "gender": Gender, "category": Category, "left_behind_type": LeftBehindType,
    "guardian_type": GuardianType, "economic_status": EconomicStatus,
    "academic_level": AcademicLevel, "helper_kind": HelperKind, "contact_kind": ContactKind,
    "contact_kinds": ContactKind, "risk_level": RiskLevel, "level": RiskLevel,
    "household_type": HouseholdType, "role": Role, "relation": Relation,
    "end_reason": PairingEndReason, "archive_reason": ArchiveReason, "audience": RuleAudience,
    "period": RulePeriod, "direction": DonationDirection, "priority": NeedPriority,
}
# Fields whose codes depend on the record: the kind of an org unit is not a helper's kind.
CODED_BY_ENTITY: dict[tuple[str, str], type[Vocabulary]] = {
    ("org_unit", "kind"): OrgKind, ("helper", "kind"): HelperKind,
    ("care_contact", "kind"): ContactKind, ("need", "kind"): NeedKind,
    ("need", "status"): NeedStatus, ("wish", "status"): WishStatus,
    ("provider", "kind"): ProviderKind, ("resource_provider", "kind"): ProviderKind,
}
# A recorded field holding a record's number, and the kind of record (audit.NAMED_ENTITIES).
NAMED_IDS: dict[str, str] = {
    "town_id": "org_unit", "village_id": "org_unit", "school_id": "org_unit",
    "org_unit_id": "org_unit", "parent_id": "org_unit", "child_id": "child",
    "helper_id": "helper", "user_id": "user", "assessor_id": "user", "recorded_by_id": "user",
    "found_by_id": "user", "owner_id": "user", "activity_id": "activity",
    "provider_id": "provider", "survey_id": "survey", "drive_id": "wish_drive",
}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _record_names(session: Session, events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """The current name of each record a change refers to by number, by (kind, id)."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        for values in (e.before, e.after):
            for field, value in (values or {}).items():
                if field in NAMED_IDS and _is_id(value):
                    wanted.setdefault(NAMED_IDS[field], set()).add(value)
    names: dict[tuple[str, int], str] = {}
    for entity, ids in wanted.items():
        column = audit.NAMED_ENTITIES[entity]
        key = column.class_.id
        for record_id, name in session.execute(select(key, column).where(key.in_(ids))):
            names[(entity, record_id)] = name
    return names


def _in_words(entity: str, field: str, value: Any, names: dict[tuple[str, int], str],
              kinds: dict[str, str], lang: str) -> Any:
    """A recorded value with its stored code or record number put as words, where known."""
    if isinstance(value, list):
        return [_in_words(entity, field, v, names, kinds, lang) for v in value]
    if field in NAMED_IDS and _is_id(value):
        return names.get((NAMED_IDS[field], value), value)
    if not isinstance(value, str):
        return value
    if field == "activity_kind" or (entity == "activity" and field == "kind"):
        return kinds.get(value, value)
    vocabulary = CODED_BY_ENTITY.get((entity, field)) or CODED_FIELDS.get(field)
    if vocabulary is not None and value in vocabulary.codes():
        return vocabulary(value).label(lang)
    return value


def _worded(event: AuditEvent, values: dict[str, Any] | None,
            names: dict[tuple[str, int], str], kinds: dict[str, str],
            lang: str) -> dict[str, Any] | None:
    if not values:
        return values
    return {field: _in_words(event.entity, field, value, names, kinds, lang)
            for field, value in values.items()}


def render_audit_log(actor: Actor, lang: str) -> None:
    with db_transaction() as session:
        events = audit.recent_events(session, actor, limit=300)
        names = audit.entity_names(session, events)
        record_names = _record_names(session, events)
        kinds = {k.code: kind_label(k, lang) for k in activity_kinds.list_activity_kinds(
            session, include_archived=True)}
    if not events:
        st.info(t("audit.empty", lang))
        return
    st.dataframe(pd.DataFrame([{
        t("audit.col.at", lang): local_time(e.at, "%Y-%m-%d %H:%M:%S"),
        t("audit.col.user", lang): e.username or "",
        t("audit.col.action", lang): t_or_code("audit.action", e.action, lang),
        t("audit.col.entity", lang): audit.describe_entity(e, names, lang),
        t("audit.col.summary", lang): e.summary or "",
        t("audit.col.changes", lang): audit.describe_changes(
            _worded(e, e.before, record_names, kinds, lang),
            _worded(e, e.after, record_names, kinds, lang), lang),
    } for e in events]), hide_index=True, width="stretch")
