"""The child's 档案 form: required fields first in paper order, the rest in expanders."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from services.child_input import ChildInput, RelativeInput
from services.orgs import Place
from services.vocab import (
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

OLDEST = timedelta(days=366 * 19)


def _choice(label: str, vocabulary: type[Vocabulary], current: Vocabulary | None, *, key: str,
            required: bool = False) -> Vocabulary | None:
    options: list[Vocabulary | None] = ([] if required else [None]) + list(vocabulary)
    index = options.index(current) if current in options else (None if required else 0)
    return st.selectbox(label, options, index=index, key=key, placeholder="请选择",
                        format_func=lambda m: "（未填）" if m is None else m.zh)


def _place(label: str, places: list[Place], current: int | None, *, key: str,
           required: bool) -> int | None:
    by_id = {p.id: p.label for p in places}
    options: list[int | None] = ([] if required else [None]) + list(by_id)
    index = options.index(current) if current in options else (None if required else 0)
    return st.selectbox(label, options, index=index, key=key, placeholder="请选择",
                        format_func=lambda i: "（未填）" if i is None else by_id[i])


def _relative(relation: Relation, current: RelativeInput | None, *, key: str) -> RelativeInput:
    cols = st.columns(3)
    name = cols[0].text_input(f"{relation.zh}姓名", value=current.name if current else "",
                              key=f"{key}_{relation}_name")
    phone = cols[1].text_input(f"{relation.zh}电话", value=(current.phone or "") if current else "",
                               key=f"{key}_{relation}_phone", placeholder="11位手机号")
    if relation is Relation.guardian:
        detail = cols[2].text_input("与儿童关系", value=(current.relation_detail or "")
                                    if current else "", key=f"{key}_{relation}_detail",
                                    placeholder="如：祖母")
        address = st.text_input("监护人住址", value=(current.address or "") if current else "",
                                key=f"{key}_{relation}_address")
        return RelativeInput(relation, name, phone, None, address, detail)
    work = cols[2].text_input(f"{relation.zh}务工地", value=(current.work_place or "")
                              if current else "", key=f"{key}_{relation}_work",
                              placeholder="如：广东东莞")
    return RelativeInput(relation, name, phone, work)


def child_form(*, key: str, villages: list[Place], schools: list[Place], today: date,
               current: ChildInput,
               submit_labels: tuple[str, ...]) -> tuple[ChildInput, str] | None:
    """Draw the form; on submit return what was entered and which button was pressed."""
    relatives = {r.relation: r for r in current.relatives}
    with st.form(key, clear_on_submit=False, enter_to_submit=False):
        st.markdown("**必填信息**")
        left, right = st.columns(2)
        name = left.text_input("姓名 *", value=current.name, key=f"{key}_name")
        gender = right.segmented_control("性别 *", list(Gender), format_func=lambda g: g.zh,
                                         default=current.gender, key=f"{key}_gender")
        birth = left.date_input("出生日期 *", value=current.birth_date, min_value=today - OLDEST,
                                max_value=today, format="YYYY-MM-DD", key=f"{key}_birth")
        id_number = right.text_input("身份证号", value=current.id_number or "", max_chars=18,
                                     key=f"{key}_id")
        categories = st.multiselect("儿童类别 *", list(Category), default=current.categories,
                                    format_func=lambda c: c.zh, key=f"{key}_categories",
                                    placeholder="请选择")
        village_id = _place("乡镇/村 *", villages, current.village_id, key=f"{key}_village",
                            required=True)
        left, mid, right = st.columns([2, 1, 1])
        with left:
            school_id = _place("学校", schools, current.school_id, key=f"{key}_school",
                               required=False)
        grade = mid.text_input("年级", value=current.grade or "", key=f"{key}_grade")
        class_name = right.text_input("班级", value=current.class_name or "", key=f"{key}_class")
        left, right = st.columns(2)
        with left:
            guardian = _choice("监护类型", GuardianType, current.guardian_type, key=f"{key}_gt")
        with right:
            left_behind = _choice("留守类型", LeftBehindType, current.left_behind_type,
                                  key=f"{key}_lbt")
        with st.expander("家庭成员与联系方式"):
            members = [_relative(r, relatives.get(r), key=key) for r in Relation]
            contact = st.text_input("与父母联系方式", value=current.contact_with_parents or "",
                                    placeholder="如：每周视频通话", key=f"{key}_contact")
            address = st.text_input("家庭住址", value=current.address or "", key=f"{key}_address")
        with st.expander("家庭与学业"):
            left, mid, right = st.columns(3)
            with left:
                economic = _choice("家庭经济状况", EconomicStatus, current.economic_status,
                                   key=f"{key}_eco")
            with mid:
                academic = _choice("学业成绩", AcademicLevel, current.academic_level,
                                   key=f"{key}_acad")
            with right:
                household = _choice("户籍性质", HouseholdType, current.household_type,
                                    key=f"{key}_household")
        with st.expander("健康、心理与安全"):
            health = st.text_input("健康状况", value=current.health or "", key=f"{key}_health")
            psych = st.text_area("心理状况", value=current.psychological_notes or "",
                                 key=f"{key}_psych", height=80)
            hobbies = st.text_input("兴趣爱好", value=current.hobbies or "", key=f"{key}_hobbies")
            incident = st.checkbox("曾发生安全事故", value=current.safety_incident,
                                   key=f"{key}_incident")
        with st.expander("关注与其他"):
            left, right = st.columns(2)
            key_concern = left.checkbox("重点关注", value=current.key_concern, key=f"{key}_kc")
            boarding = right.checkbox("寄宿", value=current.boarding, key=f"{key}_boarding")
            agreement = left.checkbox("已签委托监护确认书", value=current.guardianship_agreement,
                                      key=f"{key}_agreement")
            mountain = right.checkbox("山区", value=bool(current.in_mountain_area),
                                      key=f"{key}_mountain")
            tags = st.text_input("关注标签", value=current.concern_tags or "",
                                 placeholder="如：厌学、沉迷手机", key=f"{key}_tags")
            notes = st.text_area("备注", value=current.notes or "", key=f"{key}_notes", height=80)
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
