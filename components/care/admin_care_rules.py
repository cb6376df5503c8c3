"""管理 › 帮扶要求: the rules with whom they bind, add one, edit one (stale saves refused),
deactivate or activate one."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.common.feedback import FLASH_KEY, apply_change, remembered_version, show_problem
from components.common.session import db_transaction, lang
from core.errors import DomainError
from core.i18n import t
from core.vocab import (
    Category,
    ContactKind,
    HelperKind,
    RiskLevel,
    RuleAudience,
    RulePeriod,
    Vocabulary,
)
from db.models import CareRule
from services.access.permissions import Actor
from services.care import care_rules
from services.care.care_rules import RuleInput
from services.care.terms import WINTER_HOLIDAY, in_school_holiday


def _label(vocabulary: type[Vocabulary], code: str | None) -> str:
    return vocabulary(code).label(lang()) if code else t("admin.rules.any", lang())


def applies_to(rule: CareRule) -> str:
    """Whom a rule binds, in words: "红色风险 · 志愿者的结对", or 全部结对."""
    language = lang()
    words = [t("admin.rules.risk", language, level=rule.risk_level.label(language))
             if rule.risk_level else "",
             rule.category.label(language) if rule.category else "",
             t("admin.rules.helper_kind", language, kind=rule.helper_kind.label(language))
             if rule.helper_kind else ""]
    return " · ".join(w for w in words if w) or t("admin.rules.all_pairings", language)


def rules_frame(rules: list[CareRule]) -> pd.DataFrame:
    language = lang()
    return pd.DataFrame([{
        t("admin.rules.col.name", language): r.name,
        t("admin.rules.col.audience", language): r.audience.label(language),
        t("admin.rules.col.kinds", language): t("admin.sep", language).join(
            ContactKind(k).label(language) for k in r.contact_kinds
            if k in ContactKind.codes()),
        t("admin.rules.col.min_count", language): r.min_count,
        t("admin.rules.col.period", language): r.period.label(language),
        t("admin.rules.col.applies", language): applies_to(r),
        t("admin.rules.col.pauses", language):
            t("admin.yes" if r.pauses_in_holidays else "admin.no", language),
        t("admin.rules.col.status", language):
            t("admin.rules.active" if r.is_active else "admin.rules.inactive", language),
    } for r in rules])


def render_care_rules(actor: Actor, today: date) -> None:
    with db_transaction() as session:
        rules = care_rules.list_rules(session)
        session.expunge_all()
    language = lang()
    st.caption(t("admin.rules.caption", language))
    if in_school_holiday(today):
        winter = WINTER_HOLIDAY[0] <= (today.month, today.day) <= WINTER_HOLIDAY[1]
        holiday = t("admin.rules.winter" if winter else "admin.rules.summer", language)
        st.info(t("admin.rules.holiday", language, holiday=holiday))
    st.dataframe(rules_frame(rules), hide_index=True, width="stretch")
    with st.expander(t("admin.rules.new", language)):
        _rule_form(actor, None, key="rule_new")
    if not rules:
        return
    by_id = {r.id: r for r in rules}
    rule_id = st.selectbox(t("admin.rules.pick", language), list(by_id), key="rule_pick",
                           placeholder=t("common.choose", language),
                           format_func=lambda i: by_id[i].name + (
                               "" if by_id[i].is_active
                               else t("admin.rules.inactive_mark", language)))
    rule = by_id[rule_id]
    opened = remembered_version("care_rule", rule.id, rule.version)
    _rule_form(actor, rule, key=f"rule_{rule.id}_{opened}", opened=opened)
    toggle, done = ("admin.rules.deactivate", "admin.rules.deactivated") if rule.is_active \
        else ("admin.rules.activate", "admin.rules.activated")
    if st.button(t(toggle, language), key=f"rule_toggle_{rule.id}"):
        apply_change("care_rule", lambda s: care_rules.set_rule_active(
            s, actor=actor, rule_id=rule.id, expected_version=opened,
            active=not rule.is_active), rule.id, t(done, language, name=rule.name))


def _choice(label: str, vocabulary: type[Vocabulary], current: str | None,
            key: str) -> str | None:
    options = [None, *vocabulary.codes()]
    return st.selectbox(label, options, index=options.index(current), key=key,
                        format_func=lambda c: _label(vocabulary, c),
                        placeholder=t("common.choose", lang()))


def _rule_form(actor: Actor, rule: CareRule | None, *, key: str, opened: int = 0) -> None:
    data = care_rules.rule_to_input(rule) if rule else RuleInput("", (), 1, "month")
    language = lang()
    with st.form(key, enter_to_submit=False):
        name = st.text_input(t("admin.rules.name", language), value=data.name, max_chars=100,
                             key=f"{key}_name", placeholder=t("admin.rules.name_hint", language))
        kinds = st.multiselect(t("admin.rules.kinds", language), ContactKind.codes(),
                               default=list(data.contact_kinds), format_func=_kind_label,
                               key=f"{key}_kinds", placeholder=t("common.choose", language))
        left, right = st.columns(2)
        count = left.number_input(t("admin.rules.min_count", language), min_value=1,
                                  max_value=31, value=data.min_count, key=f"{key}_count")
        period = right.selectbox(t("admin.rules.period", language), RulePeriod.codes(),
                                 index=RulePeriod.codes().index(data.period),
                                 format_func=lambda c: RulePeriod(c).label(language),
                                 key=f"{key}_period", placeholder=t("common.choose", language))
        audience = st.selectbox(t("admin.rules.audience", language), RuleAudience.codes(),
                                index=RuleAudience.codes().index(data.audience),
                                format_func=lambda c: RuleAudience(c).label(language),
                                key=f"{key}_audience", placeholder=t("common.choose", language))
        cols = st.columns(3)
        with cols[0]:
            risk = _choice(t("admin.rules.risk_level", language), RiskLevel, data.risk_level,
                           f"{key}_risk")
        with cols[1]:
            category = _choice(t("admin.rules.category", language), Category, data.category,
                               f"{key}_category")
        with cols[2]:
            helper_kind = _choice(t("admin.rules.helper", language), HelperKind,
                                  data.helper_kind, f"{key}_helper")
        pauses = st.checkbox(t("admin.rules.pauses", language), value=data.pauses_in_holidays,
                             key=f"{key}_pauses")
        notes = st.text_area(t("admin.rules.notes", language), value=data.notes or "",
                             key=f"{key}_notes")
        submitted = st.form_submit_button(
            t("admin.rules.save" if rule else "admin.rules.add", language), type="primary",
            key=f"{key}_submit")
    if not submitted:
        return
    new = RuleInput(name, tuple(kinds), int(count), period, audience, risk, category,
                    helper_kind, pauses, notes, data.is_active)
    if rule is not None:
        apply_change("care_rule", lambda s: care_rules.update_rule(
            s, actor=actor, rule_id=rule.id, expected_version=opened, data=new),
            rule.id, t("admin.rules.saved", language, name=new.name.strip()))
        return
    try:
        with db_transaction() as session:
            care_rules.create_rule(session, actor=actor, data=new)
    except DomainError as exc:
        show_problem(exc)
        return
    st.session_state[FLASH_KEY] = t("admin.rules.added", language, name=new.name.strip())
    st.rerun()


def _kind_label(code: str) -> str:
    return ContactKind(code).label(lang())
