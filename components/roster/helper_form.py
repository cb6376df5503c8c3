"""The helper form, for registering a helper and for changing one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TypeVar

import streamlit as st

from components.common.pickers import org_select
from components.common.session import lang
from core.i18n import t
from core.vocab import Gender, HelperKind
from db.models import User
from services.access.orgs import OrgNode, Place
from services.roster.helpers import DEFAULT_CAPACITY, MAX_CAPACITY, HelperInput

_Choice = TypeVar("_Choice")


def _pick(label: str, options: list[_Choice], current: _Choice | None, key: str,
          labels: Mapping[_Choice, str]) -> _Choice | None:
    """One of `options`, or None: the blank first choice leaves the field empty."""
    choices: list[_Choice | None] = [None, *options]
    index = choices.index(current) if current in choices else 0
    return st.selectbox(label, choices, index=index, key=key,
                        format_func=lambda o: "—" if o is None else labels[o],
               placeholder=t("common.choose", lang()))


def helper_form(*, key: str, units: list[OrgNode], schools: list[Place], accounts: list[User],
                today: date, current: HelperInput | None = None, default_unit: int | None = None,
                submit_label: str | None = None) -> HelperInput | None:
    """Return what was submitted, or None; checking it is the service's job."""
    current_lang = lang()
    data = current or HelperInput(name="", kind=HelperKind.teacher, org_unit_id=default_unit)
    with st.form(key, enter_to_submit=False):
        cols = st.columns(3)
        name = cols[0].text_input(t("pairing.form.name", current_lang), value=data.name,
                                  max_chars=50)
        kinds = list(HelperKind)
        kind = cols[1].selectbox(t("pairing.form.kind", current_lang), kinds,
                                 index=kinds.index(data.kind),
                                 format_func=lambda k: k.label(current_lang),
                   placeholder=t("common.choose", lang()))
        with cols[2]:
            gender = _pick(t("pairing.form.gender", current_lang), list(Gender), data.gender,
                           f"{key}_gender", {g: g.label(current_lang) for g in Gender})
        cols = st.columns(3)
        with cols[0]:
            org_unit_id = org_select(t("pairing.form.unit", current_lang), units,
                                     key=f"{key}_unit", lang=current_lang,
                                     index_of=data.org_unit_id)
        work_unit = cols[1].text_input(t("pairing.form.work_unit", current_lang),
                                       value=data.work_unit or "",
                                       placeholder=t("pairing.form.work_unit_hint", current_lang))
        capacity = cols[2].number_input(
            t("pairing.form.capacity", current_lang), min_value=0, max_value=MAX_CAPACITY,
            value=data.capacity if current else DEFAULT_CAPACITY, step=1,
            help=t("pairing.form.capacity_help", current_lang))
        halves = st.columns(2)
        phone = halves[0].text_input(t("pairing.form.phone", current_lang), value=data.phone or "",
                                     placeholder="13812345678")
        with halves[1]:
            user_id = _pick(t("pairing.form.account", current_lang), [u.id for u in accounts],
                            data.user_id, f"{key}_account",
                            {u.id: t("pairing.name_detail", current_lang, name=u.display_name,
                                     detail=u.username) for u in accounts})
        st.caption(t("pairing.form.peer_note", current_lang))
        cols = st.columns(3)
        with cols[0]:
            school_id = _pick(t("pairing.form.school", current_lang), [p.id for p in schools],
                              data.school_id, f"{key}_school", {p.id: p.label for p in schools})
        class_name = cols[1].text_input(t("pairing.form.class", current_lang),
                                        value=data.class_name or "",
                                        placeholder=t("pairing.form.class_hint", current_lang))
        birth_date = cols[2].date_input(t("pairing.form.birth_date", current_lang),
                                        value=data.birth_date,
                                        min_value=date(today.year - 30, 1, 1), max_value=today,
                                        format="YYYY-MM-DD")
        if not st.form_submit_button(submit_label or t("common.save", current_lang),
                                     type="primary"):
            return None
    return HelperInput(name=name, kind=kind, org_unit_id=org_unit_id, gender=gender,
                       work_unit=work_unit, phone=phone, capacity=int(capacity),
                       school_id=school_id, class_name=class_name, birth_date=birth_date,
                       user_id=user_id)
