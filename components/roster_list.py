"""名单: the filter bar (kept in the URL), one page of children, and the export panel."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.badges import risk_cell, style_risk
from components.contact_cards_panel import contact_card_buttons
from components.feedback import show_problem
from components.markup import md
from components.pickers import org_select
from components.session import db_transaction
from services import orgs
from services.errors import DomainError
from services.exports import EXPORT_FORMATS, filename_for
from services.permissions import Actor, Capability
from services.roster_export import ROSTER_COLUMNS, export_roster
from services.roster_search import (
    UNASSESSED,
    AgeBand,
    PairingState,
    RecordStatus,
    RosterFilter,
    filtered_child_ids,
    search_children,
)
from services.saved_filters import save_filter, saved_filters
from services.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    GuardianType,
    LeftBehindType,
    RiskLevel,
)

PAGE_SIZE = 50
PAGE_KEY = "roster_page"
# Every filter widget, so that applying a saved filter can let them all start afresh.
WIDGET_KEYS = ("roster_q", "roster_org", "roster_home", "roster_cat", "roster_risk",
               "roster_age", "roster_gt", "roster_lbt", "roster_eco", "roster_acad",
               "roster_pair", "roster_kc", "roster_status", "roster_grade", "roster_cls")


def _url_filter() -> RosterFilter:
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    return RosterFilter.from_query_params(params)


def _label(value: object) -> str:
    if value == UNASSESSED:
        return "未评估"
    return value.label() if isinstance(value, AgeBand) else getattr(value, "zh", str(value))


def _multi(label: str, options: list, current: tuple, key: str) -> tuple:
    return tuple(st.multiselect(label, options, default=list(current), key=key,
                                format_func=_label, placeholder="全部"))


def filter_bar(actor: Actor, lang: str) -> RosterFilter:
    """The filters, starting from the URL, so a filtered list can be bookmarked and shared."""
    start = _url_filter()
    with db_transaction() as session:
        nodes = orgs.org_tree(session, actor)
    top = st.columns([3, 2, 2, 2])
    text = top[0].text_input("搜索", value=start.text, key="roster_q",
                             placeholder="姓名、拼音或首字母(如 lxy)、身份证号后几位")
    with top[1]:
        org = org_select("单位", nodes, key="roster_org", lang=lang, none_label="全部",
                         index_of=start.org_unit_id)
        counted_only = org is not None and st.toggle(
            "只列本单位统计的儿童", value=start.counted_only, key="roster_home",
            help="与总览的口径一致：乡镇、村只列户籍在本地的儿童，学校只列在本校就读的儿童；"
                 "关闭时还列出在本地学校就读、户籍在外地的儿童。")
    with top[2]:
        categories = _multi("儿童类别", list(Category), start.categories, "roster_cat")
    with top[3]:
        risks = _multi("风险等级", [*RiskLevel, UNASSESSED], start.risk_levels, "roster_risk")
    with st.expander("更多筛选"):
        cols = st.columns(3)
        with cols[0]:
            ages = _multi("年龄段", list(AgeBand), start.age_bands, "roster_age")
            guardians = _multi("监护类型", list(GuardianType), start.guardian_types, "roster_gt")
        with cols[1]:
            left_behind = _multi("留守类型", list(LeftBehindType), start.left_behind_types,
                                 "roster_lbt")
            economic = _multi("家庭经济状况", list(EconomicStatus), start.economic_statuses,
                              "roster_eco")
        with cols[2]:
            academic = _multi("学业成绩", list(AcademicLevel), start.academic_levels, "roster_acad")
            pairing = st.selectbox("结对情况", [None, *PairingState], key="roster_pair",
                                   index=[None, *PairingState].index(start.pairing),
                                   format_func=lambda p: {None: "全部", "paired": "已结对",
                                                          "unpaired": "未结对"}[p])
        cols = st.columns(3)
        key_concern = cols[0].toggle("只看重点关注", value=bool(start.key_concern), key="roster_kc")
        grade = cols[2].text_input("年级", value=start.grade, key="roster_grade",
                                   placeholder="如:三年级")
        class_name = cols[2].text_input("班级", value=start.class_name, key="roster_cls",
                                        placeholder="如:2班")
        status = cols[1].selectbox("档案状态", list(RecordStatus), key="roster_status",
                                   index=list(RecordStatus).index(start.status),
                                   format_func=lambda s: {"active": "在册", "archived": "已归档",
                                                          "all": "全部"}[s])
    chosen = RosterFilter(text=text, org_unit_id=org, counted_only=counted_only,
                          categories=categories, risk_levels=risks,
                          age_bands=ages, guardian_types=guardians, left_behind_types=left_behind,
                          economic_statuses=economic, academic_levels=academic, pairing=pairing,
                          key_concern=True if key_concern else None, status=status,
                          grade=grade, class_name=class_name)
    if chosen != start:
        st.query_params.from_dict(chosen.to_query_params())
        st.session_state[PAGE_KEY] = 1
    return chosen


def _apply_saved(saved: dict[int, dict]) -> None:
    """Callback: put a saved filter in the URL and let the widgets start from it again."""
    chosen = st.session_state.get("roster_saved")
    if chosen is None:
        return
    for key in WIDGET_KEYS:
        st.session_state.pop(key, None)
    st.query_params.from_dict(saved[chosen])
    st.session_state[PAGE_KEY] = 1


def saved_filter_bar(actor: Actor, current: RosterFilter) -> None:
    """常用筛选: pick one of this person's saved filters, or save the current one by name."""
    with db_transaction() as session:
        saved = {f.id: (f.name, f.params) for f in saved_filters(session, actor, "roster")}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox("常用筛选", [None, *saved], key="roster_saved", placeholder="选择已保存的筛选",
                   index=None, format_func=lambda i: "" if i is None else saved[i][0],
                   on_change=_apply_saved, args=({i: p for i, (_, p) in saved.items()},))
    with right.popover("保存当前筛选", icon=":material/bookmark_add:", width="stretch"):
        name = st.text_input("名称", key="roster_saved_name", placeholder="如:本镇红黄色儿童")
        if st.button("保存", key="roster_saved_save", type="primary"):
            try:
                with db_transaction() as session:
                    save_filter(session, actor=actor, page="roster", name=name,
                                params=current.to_query_params())
            except DomainError as exc:
                show_problem(exc)
            else:
                st.success(f"已保存“{md(name.strip())}”。")


def _open_child(child_id: int) -> None:
    st.query_params.clear()
    st.query_params["child"] = str(child_id)
    st.rerun()


def _picked_row(selection: object) -> int | None:
    """The row a click chose: its checkbox, or any cell of it (the name above all)."""
    rows = list(getattr(selection, "rows", None) or [])
    cells = list(getattr(selection, "cells", None) or [])
    if rows:
        return int(rows[0])
    if cells:
        return int(cells[0][0])
    return None


def page_caption(page: int, pages: int, total: int) -> str:
    """E.g. 第 2/7 页，共 312 人."""
    return f"第 {page}/{pages} 页\uff0c共 {total:,} 人"


def pager(page: int, pages: int, total: int, *, key: str, state_key: str = PAGE_KEY) -> None:
    """上一页 · 第 2/7 页，共 312 人 · 下一页 (a button is disabled at its end of the list)."""
    def go_to(target: int) -> None:
        st.session_state[state_key] = target

    left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
    left.button("上一页", key=f"{key}_prev", icon=":material/chevron_left:", width="stretch",
                disabled=page <= 1, on_click=go_to, args=(max(1, page - 1),))
    middle.markdown(page_caption(page, pages, total), text_alignment="center")
    right.button("下一页", key=f"{key}_next", icon=":material/chevron_right:", width="stretch",
                 disabled=page >= pages, on_click=go_to, args=(min(pages, page + 1),))


def roster_table(actor: Actor, roster_filter: RosterFilter, today: date) -> None:
    """One page of the list, the children needing attention first; a click on a name (or the
    row's box) opens that child's page."""
    page = st.session_state.get(PAGE_KEY, 1)
    with db_transaction() as session:
        result = search_children(session, actor, roster_filter, today=today, page=page,
                                 page_size=PAGE_SIZE, order="risk")
        if not result.rows and result.total and page > 1:  # the list shrank under this page
            page = st.session_state[PAGE_KEY] = result.pages
            result = search_children(session, actor, roster_filter, today=today, page=page,
                                     page_size=PAGE_SIZE, order="risk")
    if result.total == 0:
        st.info("没有符合条件的儿童。可以放宽筛选条件\uff0c或在“录入”中新增、在“导入”中上传名单。")
        return
    frame = pd.DataFrame([{
        "风险": risk_cell(r.risk_level), "姓名": ("⚠ " if r.key_concern else "") + r.name,
        "性别": r.gender.zh, "年龄": r.age, "类别": "、".join(c.zh for c in r.categories),
        "乡镇": r.town, "村（社区）": r.village,
        "学校班级": f"{r.school or ''} {r.grade or ''}{r.class_name or ''}".strip(),
        "监护类型": r.guardian_type.zh if r.guardian_type else "",
        "帮扶人": "、".join(r.helpers) or "未结对",
    } for r in result.rows])
    event = st.dataframe(style_risk(frame, "风险"), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode=["single-row", "single-cell"],
                         key=f"roster_table_{page}")
    if (row := _picked_row(event.selection)) is not None and row < len(result.rows):
        _open_child(result.rows[row].id)
    st.caption("按风险排序（红、黄、未评估、蓝、绿）\uff0c同一风险按姓名\uff1b"
               "点姓名打开成长档案\uff1b⚠ 为重点关注")
    pager(result.page, result.pages, result.total, key="roster_page")


def export_panel(actor: Actor, roster_filter: RosterFilter, today: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    with st.container(border=True):
        st.markdown("**导出当前名单**")
        cols = st.columns(3)
        fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="roster_fmt",
                            format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
        sensitive = cols[1].checkbox(
            "含敏感信息", key="roster_sensitive", disabled=not actor.can(
                Capability.EXPORT_SENSITIVE),
            help="姓名、电话、身份证号和住址默认打码;勾选后导出原文,并记入操作日志。")
        keys = st.multiselect("列", [c.key for c in ROSTER_COLUMNS],
                              default=[c.key for c in ROSTER_COLUMNS], key="roster_columns",
                              format_func={c.key: c.header for c in ROSTER_COLUMNS}.get)

        def build() -> bytes:
            # Runs only when the button is clicked, so the list page never pays for a file.
            with db_transaction() as session:
                return export_roster(session, actor=actor, roster_filter=roster_filter, fmt=fmt,
                                     today=today, include_sensitive=sensitive, column_keys=keys)

        cols[2].download_button("下载", build, file_name=filename_for("儿童名单", fmt, today),
                                key="roster_download", type="primary", on_click="ignore",
                                icon=":material/download:", disabled=not keys)
        st.markdown("**联系卡**(当前筛选的全部儿童,一次最多2000张)")
        contact_card_buttons(actor, lambda: filtered_child_ids(
            actor, roster_filter, today=today), title="儿童联系卡", today=today,
            key="roster_cards")
