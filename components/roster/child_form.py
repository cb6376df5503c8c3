"""The child's 档案 form: required fields first in paper order, the rest in expanders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypeVar

import streamlit as st

from components.common.session import lang
from core.i18n import t
from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    Gender,
    GuardianType,
    HouseholdType,
    LeftBehindType,
    Relation,
    Vocabulary,
)
from services.access.orgs import Place
from services.roster.child_input import ChildInput, RelativeInput

OLDEST = timedelta(days=366 * 19)

_Coded = TypeVar("_Coded", bound=Vocabulary)


def _choice(label: str, vocabulary: type[_Coded], current: _Coded | None, *, key: str,
            required: bool = False) -> _Coded | None:
    options: list[_Coded | None] = list(vocabulary)
    if not required:
        options.insert(0, None)  # the blank choice: "not filled in"
    index = options.index(current) if current in options else (None if required else 0)
    lg = lang()
    return st.selectbox(label, options, index=index, key=key,
                        placeholder=t("common.choose", lg),
                        format_func=lambda m: t("roster.form.not_filled", lg)
                        if m is None else m.label(lg))


def _place(label: str, places: list[Place], current: int | None, *, key: str,
           required: bool) -> int | None:
    by_id = {p.id: p.label for p in places}
    options: list[int | None] = ([] if required else [None]) + list(by_id)
    index = options.index(current) if current in options else (None if required else 0)
    lg = lang()
    return st.selectbox(label, options, index=index, key=key,
                        placeholder=t("common.choose", lg),
                        format_func=lambda i: t("roster.form.not_filled", lg)
                        if i is None else by_id[i])


def _relative(relation: Relation, current: RelativeInput | None, *, key: str) -> RelativeInput:
    lg = lang()
    who = relation.label(lg)
    cols = st.columns(3)
    name = cols[0].text_input(t("roster.form.relative_name", lg, relation=who),
                              value=current.name if current else "",
                              key=f"{key}_{relation}_name")
    phone = cols[1].text_input(t("roster.form.relative_phone", lg, relation=who),
                               value=(current.phone or "") if current else "",
                               key=f"{key}_{relation}_phone",
                               placeholder=t("roster.form.phone_placeholder", lg))
    if relation is Relation.guardian:
        detail = cols[2].text_input(t("roster.form.relation_to_child", lg),
                                    value=(current.relation_detail or "")
                                    if current else "", key=f"{key}_{relation}_detail",
                                    placeholder=t("roster.form.relation_placeholder", lg))
        address = st.text_input(t("roster.form.guardian_address", lg),
                                value=(current.address or "") if current else "",
                                key=f"{key}_{relation}_address")
        return RelativeInput(relation, name, phone, None, address, detail)
    work = cols[2].text_input(t("roster.form.relative_work_place", lg, relation=who),
                              value=(current.work_place or "")
                              if current else "", key=f"{key}_{relation}_work",
                              placeholder=t("roster.form.work_place_placeholder", lg))
    return RelativeInput(relation, name, phone, work)


def child_form(*, key: str, villages: list[Place], schools: list[Place], today: date,
               current: ChildInput,
               submit_labels: tuple[str, ...]) -> tuple[ChildInput, str] | None:
    """Draw the form; on submit return what was entered and which button was pressed."""
    lg = lang()
    relatives = {r.relation: r for r in current.relatives}
    with st.form(key, clear_on_submit=False, enter_to_submit=False):
        st.markdown(t("roster.form.required", lg))
        left, right = st.columns(2)
        name = left.text_input(t("roster.form.name", lg), value=current.name,
                               key=f"{key}_name")
        gender = right.segmented_control(t("roster.form.gender", lg), list(Gender),
                                         format_func=lambda g: g.label(lg),
                                         default=current.gender, key=f"{key}_gender")
        birth = left.date_input(t("roster.form.birth_date", lg), value=current.birth_date,
                                min_value=today - OLDEST, max_value=today,
                                format="YYYY-MM-DD", key=f"{key}_birth")
        id_number = right.text_input(t("roster.form.id_number", lg),
                                     value=current.id_number or "", max_chars=18,
                                     key=f"{key}_id")
        categories = st.multiselect(t("roster.form.categories", lg), list(Category),
                                    default=current.categories,
                                    format_func=lambda c: c.label(lg), key=f"{key}_categories",
                                    placeholder=t("common.choose_many", lg))
        village_id = _place(t("roster.form.village", lg), villages, current.village_id,
                            key=f"{key}_village", required=True)
        left, mid, right = st.columns([2, 1, 1])
        with left:
            school_id = _place(t("roster.form.school", lg), schools, current.school_id,
                               key=f"{key}_school", required=False)
        grade = mid.text_input(t("roster.form.grade", lg), value=current.grade or "",
                               key=f"{key}_grade")
        class_name = right.text_input(t("roster.form.class_name", lg),
                                      value=current.class_name or "", key=f"{key}_class")
        left, right = st.columns(2)
        with left:
            guardian = _choice(t("roster.form.guardian_type", lg), GuardianType,
                               current.guardian_type, key=f"{key}_gt")
        with right:
            left_behind = _choice(t("roster.form.left_behind_type", lg), LeftBehindType,
                                  current.left_behind_type, key=f"{key}_lbt")
        with st.expander(t("roster.form.family_section", lg)):
            members = [_relative(r, relatives.get(r), key=key) for r in Relation]
            contact = st.text_input(t("roster.form.contact_with_parents", lg),
                                    value=current.contact_with_parents or "",
                                    placeholder=t("roster.form.contact_placeholder", lg),
                                    key=f"{key}_contact")
            address = st.text_input(t("roster.form.address", lg), value=current.address or "",
                                    key=f"{key}_address")
        with st.expander(t("roster.form.home_school_section", lg)):
            left, mid, right = st.columns(3)
            with left:
                economic = _choice(t("roster.form.economic_status", lg), EconomicStatus,
                                   current.economic_status, key=f"{key}_eco")
            with mid:
                academic = _choice(t("roster.form.academic_level", lg), AcademicLevel,
                                   current.academic_level, key=f"{key}_acad")
            with right:
                household = _choice(t("roster.form.household_type", lg), HouseholdType,
                                    current.household_type, key=f"{key}_household")
        with st.expander(t("roster.form.health_section", lg)):
            health = st.text_input(t("roster.form.health", lg), value=current.health or "",
                                   key=f"{key}_health")
            psych = st.text_area(t("roster.form.psychological", lg),
                                 value=current.psychological_notes or "",
                                 key=f"{key}_psych", height=80)
            hobbies = st.text_input(t("roster.form.hobbies", lg), value=current.hobbies or "",
                                    key=f"{key}_hobbies")
            incident = st.checkbox(t("roster.form.safety_incident", lg),
                                   value=current.safety_incident, key=f"{key}_incident")
        with st.expander(t("roster.form.other_section", lg)):
            left, right = st.columns(2)
            key_concern = left.checkbox(t("roster.form.key_concern", lg),
                                        value=current.key_concern, key=f"{key}_kc")
            boarding = right.checkbox(t("roster.form.boarding", lg), value=current.boarding,
                                      key=f"{key}_boarding")
            agreement = left.checkbox(t("roster.form.guardianship_agreement", lg),
                                      value=current.guardianship_agreement,
                                      key=f"{key}_agreement")
            mountain = right.checkbox(t("roster.form.mountain_area", lg),
                                      value=bool(current.in_mountain_area),
                                      key=f"{key}_mountain")
            tags = st.text_input(t("roster.form.concern_tags", lg),
                                 value=current.concern_tags or "",
                                 placeholder=t("roster.form.tags_placeholder", lg),
                                 key=f"{key}_tags")
            notes = st.text_area(t("roster.form.notes", lg), value=current.notes or "",
                                 key=f"{key}_notes", height=80)
        pressed = [label for i, label in enumerate(submit_labels)
                   if st.form_submit_button(label, type="primary" if i == 0 else "secondary")]
    if not pressed:
        return None
    town_id = next((v.town_id for v in villages if v.id == village_id), None)
    data = ChildInput(
        name=name, gender=gender, birth_date=birth, categories=list(categories),
        town_id=town_id, village_id=village_id, id_number=id_number, school_id=school_id,
        grade=grade, class_name=class_name, left_behind_type=left_behind,
        guardian_type=guardian, economic_status=economic, academic_level=academic,
        address=address, health=health, psychological_notes=psych, hobbies=hobbies,
        contact_with_parents=contact, safety_incident=incident,
        # Unticked means "as the village is", which the statistics read from the village.
        in_mountain_area=True if mountain else None, boarding=boarding,
        household_type=household, guardianship_agreement=agreement, key_concern=key_concern,
        concern_tags=tags, notes=notes, relatives=members)
    return data, pressed[0]
