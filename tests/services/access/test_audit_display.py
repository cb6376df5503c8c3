"""The audit log read in words: field labels, 空 for null, 是/否, names for record numbers."""

from __future__ import annotations

import pytest

from core.i18n import has_text
from db.base import Base
from services.access import audit
from services.access.permissions import Actor
from tests.factories import make_user


@pytest.mark.parametrize(("before", "after", "lang", "shown"), [
    ({"activities": None}, {"activities": 56}, "zh", "活动数：空 → 56"),
    ({"activities": None}, {"activities": 56}, "en", "activities: empty → 56"),
    ({"is_active": True}, {"is_active": False}, "zh", "启用：是 → 否"),
    (None, {"name": "石门镇", "kind": "town"}, "zh", "类型：town；名称：石门镇"),
    ({"contact_kinds": ["talk"]}, {"contact_kinds": ["talk", "letter"]}, "zh",
     "帮扶方式：talk → talk、letter"),
    (None, {"格式": "xlsx"}, "zh", "格式：xlsx"),  # a fact already in words stays
    (None, None, "zh", ""),
])
def test_changes_are_written_with_labels(before, after, lang, shown):
    assert audit.describe_changes(before, after, lang) == shown


def test_every_recorded_column_has_a_label_in_both_languages():
    # The figures' own tables (data version, rollups) are derived and never audited.
    columns = {a.key for m in Base.registry.mappers for a in m.column_attrs
               if m.class_.__module__ != "db.models.figures"}
    missing = sorted(c for c in columns if not has_text(f"audit.field.{c}"))
    assert missing == []


def test_a_record_is_named_and_an_unknown_one_keeps_its_number(session):
    user = make_user(session, "liu", display_name="刘主任")
    named = audit.record(session, Actor.system(), "update", "user", user.id)
    gone = audit.record(session, Actor.system(), "update", "user", 99999)
    unnamed = audit.record(session, Actor.system(), "export", "roster")
    session.flush()
    names = audit.entity_names(session, [named, gone, unnamed])
    assert audit.describe_entity(named, names, "zh") == "用户 刘主任"
    assert audit.describe_entity(gone, names, "zh") == "用户 99999"
    assert audit.describe_entity(unnamed, names, "zh") == "儿童名单"
