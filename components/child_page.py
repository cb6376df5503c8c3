"""One child's page: the 档案, editing, risk assessment, the growth timeline, archiving."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.badges import ARCHIVED_BADGE, KEY_CONCERN_BADGE, risk_badge
from components.child_entry import save_child
from components.child_form import child_form
from components.contact_cards_panel import contact_card_buttons
from components.feedback import (
    FLASH_KEY,
    apply_change,
    forget_version,
    remembered_version,
    show_flash,
    show_problem,
)
from components.markup import md
from components.pairing_actions import pairing_actions
from components.pairing_board import suggestion_cards
from components.session import db_transaction
from db.models import Child
from services import orgs, pairing, risk, roster, timeline
from services.child_input import child_to_input
from services.errors import DomainError
from services.permissions import Actor, Capability
from services.validators import age_on
from services.vocab import ArchiveReason, OrgKind, RiskLevel


def _header(child: Child, places: dict[int, str], today: date) -> None:
    badges = [risk_badge(child.risk_level)]
    if child.key_concern:
        badges.append(KEY_CONCERN_BADGE)
    if child.archived_at:
        badges.append(ARCHIVED_BADGE)
    st.title(md(child.name))
    st.markdown(" ".join(badges))
    parts = [child.gender.zh, f"{age_on(child.birth_date, today)}岁",
             "、".join(c.zh for c in child.category_codes), places.get(child.village_id, "")]
    if school := places.get(child.school_id or 0):
        parts.append(f"{school} {child.grade or ''}{child.class_name or ''}".strip())
    st.caption(" · ".join(md(part) for part in parts))


def _facts(child: Child) -> None:
    rows = [("出生日期", child.birth_date.isoformat()), ("身份证号", child.id_number or ""),
            ("监护类型", child.guardian_type.zh if child.guardian_type else ""),
            ("留守类型", child.left_behind_type.zh if child.left_behind_type else ""),
            ("家庭经济状况", child.economic_status.zh if child.economic_status else ""),
            ("学业成绩", child.academic_level.zh if child.academic_level else ""),
            ("与父母联系方式", child.contact_with_parents or ""), ("家庭住址", child.address or ""),
            ("健康状况", child.health or ""), ("心理状况", child.psychological_notes or ""),
            ("兴趣爱好", child.hobbies or ""),
            ("曾发生安全事故", "是" if child.safety_incident else "否"),
            ("寄宿", "是" if child.boarding else "否"),
            ("关注标签", child.concern_tags or ""), ("备注", child.notes or "")]
    st.dataframe(pd.DataFrame(rows, columns=["项目", "内容"]), hide_index=True, width="stretch",
                 height=38 + 35 * len(rows))
    relatives = [{"关系": r.relation_detail or r.relation.zh, "姓名": r.name, "电话": r.phone or "",
                  "务工地/住址": r.work_place or r.address or ""}
                 for r in child.relatives if r.archived_at is None]
    st.markdown("**家庭成员**")
    if relatives:
        st.dataframe(pd.DataFrame(relatives), hide_index=True, width="stretch")
    else:
        st.caption("还没有登记家庭成员，可在“修改”中补充。")


def _edit(actor: Actor, child: Child, today: date) -> None:
    with db_transaction() as session:
        villages = orgs.places_in_scope(session, actor, {OrgKind.village, OrgKind.community})
        schools = orgs.places_in_scope(session, actor, {OrgKind.school})
    opened = remembered_version("child", child.id, child.version)
    result = child_form(key=f"edit_child_{child.id}", villages=villages, schools=schools,
                        today=today, current=child_to_input(child), submit_labels=("保存修改",))
    if result is None:
        return
    # After a stale save the form keeps what this person typed; the 档案 tab shows the other change.
    saved = save_child(lambda s: roster.update_child(
        s, actor=actor, child_id=child.id, expected_version=opened, data=result[0], today=today),
        on_stale=lambda: forget_version("child", child.id))
    if saved is None:
        return
    forget_version("child", child.id)
    st.session_state[FLASH_KEY] = "已保存修改。"
    st.rerun()


def _risk(actor: Actor, child: Child, today: date) -> None:
    with db_transaction() as session:
        history = risk.assessments_of(session, actor, child.id)
    if actor.can(Capability.EDIT_ROSTER):
        with st.form(f"risk_{child.id}", clear_on_submit=True, enter_to_submit=False):
            cols = st.columns(4)
            level = cols[0].selectbox("总体风险 *", list(RiskLevel), format_func=lambda r: r.zh)
            aspects = [cols[i + 1].selectbox(label, [None, *RiskLevel], key=f"risk_{label}",
                                             format_func=lambda r: "—" if r is None else r.zh)
                       for i, label in enumerate(("监护风险", "身体风险", "行为风险"))]
            assessed_on = st.date_input("评估日期", value=today, max_value=today,
                                        format="YYYY-MM-DD")
            notes = st.text_input("评估说明")
            if st.form_submit_button("记录评估", type="primary"):
                apply_change("child", lambda s: risk.record_assessment(
                    s, actor=actor, child_id=child.id, assessed_on=assessed_on, level=level,
                    today=today, guardianship=aspects[0], physical=aspects[1],
                    behavioural=aspects[2], notes=notes), child.id, "已记录风险评估。")
    if history:
        st.dataframe(pd.DataFrame([{
            "日期": a.assessed_on.isoformat(), "总体": a.level.zh,
            "监护": a.guardianship_risk.zh if a.guardianship_risk else "",
            "身体": a.physical_risk.zh if a.physical_risk else "",
            "行为": a.behavioural_risk.zh if a.behavioural_risk else "", "说明": a.notes or "",
        } for a in history]), hide_index=True, width="stretch")
    else:
        st.caption("还没有风险评估记录。")


def _timeline(actor: Actor, child: Child) -> None:
    with db_transaction() as session:
        entries = timeline.child_timeline(session, actor, child.id)
    if not entries:
        st.caption("还没有记录。")
        return
    st.dataframe(pd.DataFrame([{"日期": e.on.isoformat(), "类别": e.kind, "内容": e.text,
                                "经办人": e.by or ""} for e in entries]),
                 hide_index=True, width="stretch")


def _pairings(actor: Actor, child: Child, today: date) -> None:
    with db_transaction() as session:
        records = pairing.child_pairings(session, actor, child.id)
    manage = actor.can(Capability.MANAGE_PAIRINGS)
    if not records:
        st.caption("尚未结对。")
    else:
        st.dataframe(pd.DataFrame([{
            "帮扶人": f"{r.helper_name}({r.helper_kind.zh})",
            "开始日期": r.started_on.isoformat(),
            "结束日期": r.ended_on.isoformat() if r.ended_on else "进行中", "结束原因": r.ending,
        } for r in records]), hide_index=True, width="stretch")
    if not manage or child.archived_at is not None:
        return
    if current := [r for r in records if r.is_open]:
        chosen = st.selectbox("调整结对", current, key=f"child_pairing_{child.id}",
                              format_func=lambda r: f"{r.helper_name}({r.helper_kind.zh})")
        pairing_actions(actor, pairing_id=chosen.id, version=chosen.version,
                        child_name=child.name, helper_id=chosen.helper_id,
                        helper_name=chosen.helper_name, started_on=chosen.started_on,
                        today=today, key=f"child_pair_{chosen.id}")
    if st.toggle("增加帮扶人" if current else "为其结对", key=f"child_add_helper_{child.id}",
                 value=not current):
        suggestion_cards(actor, child.id, child.name, today, today)


def _archive(actor: Actor, child: Child) -> None:
    opened = remembered_version("child", child.id, child.version)
    if child.archived_at is not None:
        st.info(f"此档案已归档（{child.archived_at:%Y-%m-%d}）。恢复后重新计入统计。")
        if st.button("恢复档案", key=f"restore_{child.id}"):
            apply_change("child", lambda s: roster.restore_child(
                s, actor=actor, child_id=child.id, expected_version=opened),
                child.id, "已恢复档案。")
        return
    with st.form(f"archive_{child.id}", enter_to_submit=False):
        reason = st.selectbox("归档原因", list(ArchiveReason), format_func=lambda r: r.zh)
        note = st.text_input("说明（可选）", placeholder="如：父母已返乡照顾")
        st.caption("归档不会删除任何记录，随时可以恢复。")
        if st.form_submit_button("归档"):
            apply_change("child", lambda s: roster.archive_child(
                s, actor=actor, child_id=child.id, expected_version=opened, reason=reason,
                note=note), child.id, "已归档。")


def render_child_page(actor: Actor, child_id: int, today: date) -> None:
    st.page_link("pages/roster.py", label="返回名单", icon=":material/arrow_back:")
    show_flash()
    try:
        with db_transaction() as session:
            child = roster.get_child(session, actor, child_id)
            places = {p.id: p.label for p in orgs.places_in_scope(
                session, actor, {OrgKind.village, OrgKind.community, OrgKind.school})}
    except DomainError as exc:
        show_problem(exc)
        return
    _header(child, places, today)
    contact_card_buttons(actor, lambda: [child.id], title=f"{child.name}联系卡", today=today,
                         key=f"child_cards_{child.id}")
    editable = actor.can(Capability.EDIT_ROSTER)
    names = ["档案", "成长档案", "结对", "风险评估"] + (["修改", "归档"] if editable else [])
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["档案"]:
        _facts(child)
    with tabs["成长档案"]:
        _timeline(actor, child)
    with tabs["结对"]:
        _pairings(actor, child, today)
    with tabs["风险评估"]:
        _risk(actor, child, today)
    if editable:
        with tabs["修改"]:
            _edit(actor, child, today)
        with tabs["归档"]:
            _archive(actor, child)
