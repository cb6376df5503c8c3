"""管理 › 帮扶要求: the rules with whom they bind, add one, edit one (stale saves refused),
deactivate or activate one."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.feedback import FLASH_KEY, apply_change, remembered_version, show_problem
from components.session import db_transaction
from db.models import CareRule
from services import care_rules
from services.care_rules import RuleInput
from services.errors import DomainError
from services.permissions import Actor
from services.terms import holiday_name
from services.vocab import Category, ContactKind, HelperKind, RiskLevel, RuleAudience, RulePeriod

ANY = "不限"


def _label(vocabulary: type, code: str | None) -> str:
    return vocabulary(code).zh if code else ANY


def applies_to(rule: CareRule) -> str:
    """Whom a rule binds, in words: "红色风险 · 志愿者的结对", or 全部结对."""
    words = [f"{rule.risk_level.zh}色风险" if rule.risk_level else "",
             rule.category.zh if rule.category else "",
             f"{rule.helper_kind.zh}的结对" if rule.helper_kind else ""]
    return " · ".join(w for w in words if w) or "全部结对"


def rules_frame(rules: list[CareRule]) -> pd.DataFrame:
    return pd.DataFrame([{
        "名称": r.name, "联系对象": r.audience.zh,
        "帮扶方式": "、".join(ContactKind(k).zh for k in r.contact_kinds
                          if k in ContactKind.codes()),
        "最少次数": r.min_count, "周期": r.period.zh, "适用": applies_to(r),
        "寒暑假暂停": "是" if r.pauses_in_holidays else "否",
        "状态": "启用" if r.is_active else "停用",
    } for r in rules])


def render_care_rules(actor: Actor, today: date) -> None:
    with db_transaction() as session:
        rules = care_rules.list_rules(session)
        session.expunge_all()
    st.caption("每项要求按“结对”检查：儿童本人 — 由该帮扶人完成；监护人、父母 — 任何人联系均计入。"
               "已逾期：上一周期未完成，本期完成后消除。")
    if holiday := holiday_name(today):
        st.info(f"今天在{holiday}中：标记“寒暑假暂停”的要求暂不检查。")
    st.dataframe(rules_frame(rules), hide_index=True, width="stretch")
    with st.expander("新增帮扶要求"):
        _rule_form(actor, None, key="rule_new")
    if not rules:
        return
    by_id = {r.id: r for r in rules}
    rule_id = st.selectbox("修改或停用", list(by_id), key="rule_pick",
                           format_func=lambda i: f"{by_id[i].name}"
                           f"{'' if by_id[i].is_active else '(已停用)'}")
    rule = by_id[rule_id]
    opened = remembered_version("care_rule", rule.id, rule.version)
    _rule_form(actor, rule, key=f"rule_{rule.id}_{opened}", opened=opened)
    verb = "停用" if rule.is_active else "启用"
    if st.button(f"{verb}该要求", key=f"rule_toggle_{rule.id}"):
        apply_change("care_rule", lambda s: care_rules.set_rule_active(
            s, actor=actor, rule_id=rule.id, expected_version=opened,
            active=not rule.is_active), rule.id, f"已{verb}“{rule.name}”。")


def _choice(label: str, vocabulary: type, current: str | None, key: str) -> str | None:
    options = [None, *vocabulary.codes()]
    return st.selectbox(label, options, index=options.index(current), key=key,
                        format_func=lambda c: _label(vocabulary, c))


def _rule_form(actor: Actor, rule: CareRule | None, *, key: str, opened: int = 0) -> None:
    data = care_rules.rule_to_input(rule) if rule else RuleInput("", (), 1, "month")
    with st.form(key, enter_to_submit=False):
        name = st.text_input("名称", value=data.name, max_chars=100, key=f"{key}_name",
                             placeholder="如：每月谈心至少1次")
        kinds = st.multiselect("帮扶方式（任一种都计入）", ContactKind.codes(),
                               default=list(data.contact_kinds), format_func=_kind_label,
                               key=f"{key}_kinds", placeholder="请选择")
        left, right = st.columns(2)
        count = left.number_input("最少次数", min_value=1, max_value=31, value=data.min_count,
                                  key=f"{key}_count")
        period = right.selectbox("周期", RulePeriod.codes(),
                                 index=RulePeriod.codes().index(data.period),
                                 format_func=lambda c: RulePeriod(c).zh, key=f"{key}_period")
        audience = st.selectbox("联系对象", RuleAudience.codes(),
                                index=RuleAudience.codes().index(data.audience),
                                format_func=lambda c: RuleAudience(c).zh, key=f"{key}_audience")
        cols = st.columns(3)
        with cols[0]:
            risk = _choice("风险等级", RiskLevel, data.risk_level, f"{key}_risk")
        with cols[1]:
            category = _choice("儿童类别", Category, data.category, f"{key}_category")
        with cols[2]:
            helper_kind = _choice("帮扶人类型", HelperKind, data.helper_kind, f"{key}_helper")
        pauses = st.checkbox("寒暑假暂停（如在校谈心）", value=data.pauses_in_holidays,
                             key=f"{key}_pauses")
        notes = st.text_area("备注", value=data.notes or "", key=f"{key}_notes")
        submitted = st.form_submit_button("保存修改" if rule else "新增", type="primary",
                                          key=f"{key}_submit")
    if not submitted:
        return
    new = RuleInput(name, tuple(kinds), int(count), period, audience, risk, category,
                    helper_kind, pauses, notes, data.is_active)
    if rule is not None:
        apply_change("care_rule", lambda s: care_rules.update_rule(
            s, actor=actor, rule_id=rule.id, expected_version=opened, data=new),
            rule.id, f"已保存“{new.name.strip()}”，从本期起按新要求检查。")
        return
    try:
        with db_transaction() as session:
            care_rules.create_rule(session, actor=actor, data=new)
    except DomainError as exc:
        show_problem(exc)
        return
    st.session_state[FLASH_KEY] = f"已新增“{new.name.strip()}”。"
    st.rerun()


def _kind_label(code: str) -> str:
    return ContactKind(code).zh
