"""The helper form, for registering a helper and for changing one."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.pickers import org_select
from db.models import User
from services.helpers import DEFAULT_CAPACITY, MAX_CAPACITY, HelperInput
from services.orgs import OrgNode, Place
from services.vocab import Gender, HelperKind


def _pick(label: str, options: list, current: object, key: str, labels: dict) -> object:
    choices = [None, *options]
    index = choices.index(current) if current in choices else 0
    return st.selectbox(label, choices, index=index, key=key,
                        format_func=lambda o: "—" if o is None else labels[o])


def helper_form(*, key: str, units: list[OrgNode], schools: list[Place], accounts: list[User],
                today: date, current: HelperInput | None = None, default_unit: int | None = None,
                submit_label: str = "保存") -> HelperInput | None:
    """Return what was submitted, or None; checking it is the service's job."""
    data = current or HelperInput(name="", kind=HelperKind.teacher, org_unit_id=default_unit)
    with st.form(key, enter_to_submit=False):
        cols = st.columns(3)
        name = cols[0].text_input("姓名 *", value=data.name, max_chars=50)
        kinds = list(HelperKind)
        kind = cols[1].selectbox("类型 *", kinds, index=kinds.index(data.kind),
                                 format_func=lambda k: k.zh)
        with cols[2]:
            gender = _pick("性别", list(Gender), data.gender, f"{key}_gender",
                           {g: g.zh for g in Gender})
        cols = st.columns(3)
        with cols[0]:
            org_unit_id = org_select("所属单位 *", units, key=f"{key}_unit", lang="zh",
                                     index_of=data.org_unit_id)
        work_unit = cols[1].text_input("工作单位（照原样填写）", value=data.work_unit or "",
                                       placeholder="如：石门镇中心小学、县志愿者协会")
        capacity = cols[2].number_input(
            "可结对人数 *", min_value=0, max_value=MAX_CAPACITY,
            value=data.capacity if current else DEFAULT_CAPACITY, step=1,
            help="一般每人结对1—2名儿童；填0表示暂不接受新结对。")
        cols = st.columns(2)
        phone = cols[0].text_input("电话", value=data.phone or "", placeholder="13812345678")
        with cols[1]:
            user_id = _pick("登录账号（帮扶人角色）", [u.id for u in accounts], data.user_id,
                            f"{key}_account",
                            {u.id: f"{u.display_name}({u.username})" for u in accounts})
        st.caption("结对同学须填写学校、性别和出生日期：系统据此只推荐比受助儿童年长的同性别同学。"
                   "班主任请填写所带班级，如“三年级2班”。")
        cols = st.columns(3)
        with cols[0]:
            school_id = _pick("学校", [p.id for p in schools], data.school_id, f"{key}_school",
                              {p.id: p.label for p in schools})
        class_name = cols[1].text_input("班级", value=data.class_name or "",
                                        placeholder="三年级2班")
        birth_date = cols[2].date_input("出生日期（结对同学）", value=data.birth_date,
                                        min_value=date(today.year - 30, 1, 1), max_value=today,
                                        format="YYYY-MM-DD")
        if not st.form_submit_button(submit_label, type="primary"):
            return None
    return HelperInput(name=name, kind=kind, org_unit_id=org_unit_id, gender=gender,
                       work_unit=work_unit, phone=phone, capacity=int(capacity),
                       school_id=school_id, class_name=class_name, birth_date=birth_date,
                       user_id=user_id)
