"""新建活动 and its edit form: kind, date, unit, 场次, attendees (one by one or a whole class,
school or village), extra 人次 — with 人次 shown live — helpers, providers, a donation, photos.

Plain widgets rather than st.form, so 人次 updates as children are ticked. Every widget's key
carries a prefix: a saved new activity starts the next one under a new prefix, while a refused
save keeps everything typed. The prefix also carries the client token, so a second click on
"保存" can only return the activity the first click saved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import streamlit as st
from sqlalchemy.orm import Session

from components.feedback import apply_change
from components.markup import md
from components.pickers import org_label
from components.session import db_transaction
from services import activities, photos
from services.activities import ActivityInput, DonationInput
from services.activity_queries import (
    ChildChoice,
    classes_of_school,
    helpers_for_unit,
    provider_names,
    search_child_choices,
)
from services.errors import DomainError
from services.orgs import OrgNode, Place, org_tree, places_in_scope
from services.permissions import Actor
from services.vocab import OrgKind

NEW_ROUND = "activity_new_round"
GROUPS = {"class": "整班", "school": "整校", "village": "整村(社区)"}


@dataclass(frozen=True)
class Choices:
    kinds: dict[str, str]
    units: list[OrgNode]
    schools: list[Place]
    villages: list[Place]
    providers: list[str]


def load_choices(actor: Actor) -> Choices:
    """What the form's selectors offer this actor, read in one transaction."""
    with db_transaction() as session:
        kinds = {k.code: k.label_zh for k in activities.list_activity_kinds(session)}
        return Choices(kinds, org_tree(session, actor),
                       places_in_scope(session, actor, {OrgKind.school}),
                       places_in_scope(session, actor, {OrgKind.village, OrgKind.community}),
                       provider_names(session))


def _start(prefix: str, initial: ActivityInput, labels: dict[int, str]) -> None:
    """Put the starting values in session state once, so widgets need no `value=`."""
    if f"{prefix}_title" in st.session_state:
        return
    gift = initial.donations[0] if initial.donations else DonationInput()
    st.session_state.update({
        f"{prefix}_kind": initial.kind, f"{prefix}_title": initial.title,
        f"{prefix}_held_on": initial.held_on, f"{prefix}_unit": initial.org_unit_id,
        f"{prefix}_place": initial.place or "", f"{prefix}_sessions": initial.sessions,
        f"{prefix}_children": list(initial.child_ids), f"{prefix}_labels": dict(labels),
        f"{prefix}_extra": initial.extra_person_times,
        f"{prefix}_helpers": list(initial.helper_ids),
        f"{prefix}_providers": list(initial.provider_names),
        f"{prefix}_money": float(gift.money_yuan), f"{prefix}_goods": gift.goods or "",
        f"{prefix}_gift_from": gift.provider_name or "",
        # A gift goes to every attendee until someone is taken off (and follows the attendees).
        f"{prefix}_recipients_all": gift.recipient_ids is None,
        f"{prefix}_recipients": list(gift.recipients_among(initial.child_ids)),
        f"{prefix}_volunteers": initial.volunteers,
        f"{prefix}_cost": float(initial.cost_yuan) if initial.cost_yuan is not None else None,
        f"{prefix}_notes": initial.notes or "",
    })


def _take_group(actor: Actor, prefix: str) -> None:
    """Add a whole class, school or village to the attendees (a callback, before the rerun)."""
    state = st.session_state
    group, school, village = state.get(f"{prefix}_group"), state.get(f"{prefix}_school"), \
        state.get(f"{prefix}_village")
    grade_class = state.get(f"{prefix}_class") if group == "class" else None
    try:
        with db_transaction() as session:
            found = activities.children_for_group(
                session, actor, school_id=school if group in ("class", "school") else None,
                grade_class=tuple(grade_class) if grade_class else None,
                village_id=village if group == "village" else None)
    except DomainError as exc:
        state[f"{prefix}_group_note"] = exc.message
        return
    chosen = state.setdefault(f"{prefix}_children", [])
    new = [c for c in found if c.id not in chosen]
    state[f"{prefix}_labels"].update({c.id: c.label for c in found})
    state[f"{prefix}_children"] = chosen + [c.id for c in new]
    state[f"{prefix}_group_note"] = (f"已加入{len(new)}名儿童" if new else "这些儿童都已在名单中") \
        + (f"(共{len(found)}名在册)" if found else ";没有找到在册儿童")


def _group_picker(actor: Actor, prefix: str, choices: Choices) -> None:
    with st.expander("整班、整校或整村加入(加入后可在上面逐个删除)"):
        cols = st.columns([1, 2, 2, 1], vertical_alignment="bottom")
        group = cols[0].selectbox("按", list(GROUPS), key=f"{prefix}_group",
                                  format_func=GROUPS.get)
        if group == "village":
            by_id = {p.id: p.label for p in choices.villages}
            cols[1].selectbox("村(社区)", list(by_id), key=f"{prefix}_village",
                              format_func=by_id.get)
        else:
            by_id = {p.id: p.label for p in choices.schools}
            school = cols[1].selectbox("学校", list(by_id), key=f"{prefix}_school",
                                       format_func=by_id.get)
            if group == "class" and school is not None:
                with db_transaction() as session:
                    classes = classes_of_school(session, actor, school)
                options = [(g, c) for g, c, _ in classes]
                counts = {(g, c): n for g, c, n in classes}
                cols[2].selectbox("班级", options, key=f"{prefix}_class",
                                  format_func=lambda o: f"{o[0]}{o[1] or ''}({counts[o]}人)")
        cols[3].button("加入", key=f"{prefix}_take", on_click=_take_group,
                       args=(actor, prefix))
        if note := st.session_state.pop(f"{prefix}_group_note", None):
            st.caption(md(note))


def _attendees(actor: Actor, today: date, prefix: str, choices: Choices) -> list[int]:
    labels: dict[int, str] = st.session_state[f"{prefix}_labels"]
    text = st.text_input("查找儿童", key=f"{prefix}_search",
                         placeholder="姓名、拼音首字母(如 zxm)或身份证号后几位,找到后在下面勾选")
    found: list[ChildChoice] = []
    if text.strip():
        with db_transaction() as session:
            found = search_child_choices(session, actor, text, today=today)
        labels.update({c.id: c.label for c in found})
    chosen = st.session_state.get(f"{prefix}_children", [])
    options = list(dict.fromkeys([*chosen, *(c.id for c in found)]))
    picked = st.multiselect("参加儿童", options, key=f"{prefix}_children",
                            format_func=lambda i: labels.get(i, str(i)),
                            placeholder="先在上面查找,或整班、整校加入")
    _group_picker(actor, prefix, choices)
    return picked


def activity_fields(actor: Actor, today: date, prefix: str, choices: Choices,
                    initial: ActivityInput, labels: dict[int, str] | None = None,
                    helper_labels: dict[int, str] | None = None) -> ActivityInput:
    """The widgets of one activity; returns what they hold now (checking is the service's).

    `labels` and `helper_labels` name the children and helpers an edit starts with, who may
    since have left the pickers' lists (archived, deactivated).
    """
    _start(prefix, initial, labels or {})
    st.session_state.setdefault(f"{prefix}_helper_labels", dict(helper_labels or {}))
    cols = st.columns([1, 2, 1])
    kinds = choices.kinds
    kind = cols[0].selectbox("类型 *", list(kinds), key=f"{prefix}_kind", format_func=kinds.get)
    title = cols[1].text_input("名称 *", key=f"{prefix}_title", max_chars=200,
                               placeholder="如:防溺水安全教育讲座")
    held_on = cols[2].date_input("日期 *", key=f"{prefix}_held_on", max_value=today,
                                 format="YYYY-MM-DD")
    cols = st.columns([2, 2, 1])
    units = {n.id: n for n in choices.units}
    unit = cols[0].selectbox("举办单位 *", list(units), key=f"{prefix}_unit",
                             format_func=lambda i: org_label(units[i], "zh"))
    place = cols[1].text_input("地点", key=f"{prefix}_place", placeholder="如:学校礼堂")
    sessions = cols[2].number_input("场次 *", min_value=1, max_value=activities.MAX_SESSIONS,
                                    step=1, key=f"{prefix}_sessions")
    child_ids = _attendees(actor, today, prefix, choices)
    extra = st.number_input("其他人次(成人、其他学生等不在名单里的参加人员)", min_value=0,
                            max_value=activities.MAX_EXTRA, step=1, key=f"{prefix}_extra")
    total = activities.person_times(len(child_ids), int(extra))
    st.markdown(f"**人次**:参加儿童 {len(child_ids)} + 其他 {int(extra)} = "
                f":blue-background[**{total} 人次**]" + (f",共 {int(sessions)} 场"
                                                         if sessions > 1 else ""))
    helper_ids, providers = _people(actor, prefix, unit, choices)
    donation = _donation(prefix, providers, child_ids)
    volunteers, cost, notes = _more(prefix)
    return ActivityInput(
        kind=kind or "", title=title, held_on=held_on, org_unit_id=unit, place=place,
        sessions=int(sessions), extra_person_times=int(extra), child_ids=tuple(child_ids),
        helper_ids=tuple(helper_ids), provider_names=tuple(providers),
        donations=(donation,) if donation else (), volunteers=int(volunteers),
        cost_yuan=Decimal(str(cost)) if cost is not None else None, notes=notes)


def _people(actor: Actor, prefix: str, unit: int | None, choices: Choices
            ) -> tuple[list[int], list[str]]:
    with db_transaction() as session:
        helpers = dict(helpers_for_unit(session, actor, unit))
    chosen = st.session_state.get(f"{prefix}_helpers", [])
    known: dict[int, str] = st.session_state[f"{prefix}_helper_labels"]
    helpers.update({i: known.get(i, f"(编号{i})") for i in chosen if i not in helpers})
    cols = st.columns(2)
    helper_ids = cols[0].multiselect("服务的帮扶人、志愿者", list(helpers),
                                     key=f"{prefix}_helpers", format_func=helpers.get,
                                     placeholder="可多选")
    names = list(dict.fromkeys([*choices.providers,
                                *st.session_state.get(f"{prefix}_providers", [])]))
    providers = cols[1].multiselect("资源方", names, key=f"{prefix}_providers",
                                    accept_new_options=True,
                                    placeholder="选择或输入新的资源方名称")
    return helper_ids, [p for p in providers if p.strip()]


def _donation(prefix: str, providers: list[str], child_ids: list[int]) -> DonationInput | None:
    labels: dict[int, str] = st.session_state[f"{prefix}_labels"]
    with st.expander("捐助(可选):本次活动发放的善款和物资"):
        cols = st.columns([1, 2, 2])
        money = cols[0].number_input("捐助金额(元)", min_value=0.0, step=100.0,
                                     key=f"{prefix}_money")
        goods = cols[1].text_input("物资", key=f"{prefix}_goods", placeholder="如:书包25个")
        # "" rather than None: a None value would show as "nothing chosen yet".
        if st.session_state.get(f"{prefix}_gift_from") not in ("", *providers):
            st.session_state[f"{prefix}_gift_from"] = ""
        source = cols[2].selectbox("捐助方", ["", *providers], key=f"{prefix}_gift_from",
                                   format_func=lambda p: p or "未指定")
        every = st.session_state.get(f"{prefix}_recipients_all", True)
        st.session_state[f"{prefix}_recipients"] = list(child_ids) if every else [
            i for i in st.session_state.get(f"{prefix}_recipients", []) if i in child_ids]
        recipients = st.multiselect(
            "受助儿童\uff08默认为全部参加儿童\uff0c可删去未受助的\uff1b全部删去表示集体发放\uff09",
            child_ids, key=f"{prefix}_recipients", format_func=lambda i: labels.get(i, str(i)),
            on_change=_recipients_picked, args=(prefix, tuple(child_ids)), placeholder="可多选")
        if every and child_ids:
            st.caption(f"受助儿童随参加儿童变化\uff1a现为全部{len(child_ids)}名参加儿童\uff0c平均分配。")
    if not money and not goods.strip():
        return None
    return DonationInput(money_yuan=Decimal(str(money)), goods=goods, provider_name=source or None,
                         recipient_ids=None if every else tuple(recipients))


def _recipients_picked(prefix: str, child_ids: tuple[int, ...]) -> None:
    """Someone changed the recipients: they follow the attendees only while all are chosen."""
    chosen = st.session_state.get(f"{prefix}_recipients", [])
    st.session_state[f"{prefix}_recipients_all"] = set(chosen) == set(child_ids)


def _more(prefix: str) -> tuple[int, float | None, str]:
    with st.expander("更多:志愿者人数、费用、备注"):
        cols = st.columns(2)
        volunteers = cols[0].number_input("志愿者人数", min_value=0,
                                          max_value=activities.MAX_VOLUNTEERS, step=1,
                                          key=f"{prefix}_volunteers")
        cost = cols[1].number_input("活动费用(元)", min_value=0.0, step=100.0,
                                    key=f"{prefix}_cost", value=None)
        notes = st.text_area("备注", key=f"{prefix}_notes", max_chars=2000)
    return int(volunteers), cost, notes


def _forget_rounds(current: int) -> None:
    """Drop the widget state of new-activity forms already saved."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("act_new_")]:
        if not key.startswith(f"act_new_{current}_"):
            del st.session_state[key]


def render_new_activity(actor: Actor, today: date) -> None:
    """新建活动: the empty form, 人次 shown live, photos, one save."""
    round_ = st.session_state.setdefault(NEW_ROUND, 0)
    _forget_rounds(round_)
    prefix = f"act_new_{round_}"
    token = st.session_state.setdefault(f"{prefix}_token", uuid.uuid4().hex)
    choices = load_choices(actor)
    if not choices.units:
        st.info("您的管辖范围内还没有单位,请管理员先建立乡镇、村或学校。")
        return
    default_unit = actor.org_unit_id if actor.org_unit_id in {n.id for n in choices.units} \
        else choices.units[0].id
    data = activity_fields(actor, today, prefix, choices, ActivityInput(
        kind=next(iter(choices.kinds), ""), title="", held_on=today, org_unit_id=default_unit))
    uploads = st.file_uploader(
        f"照片(最多{photos.MAX_PHOTOS}张,JPG 或 PNG,每张不超过{photos.MAX_BYTES // 2**20} MB)",
        type=["jpg", "jpeg", "png"], accept_multiple_files=True, key=f"{prefix}_photos",
        max_upload_size=photos.MAX_BYTES // 2**20) or []
    too_many = len(uploads) > photos.MAX_PHOTOS
    if too_many:
        st.error(f"选了{len(uploads)}张照片,每个活动最多{photos.MAX_PHOTOS}张,请删去一些。")
    if st.button("保存活动", key=f"{prefix}_save", type="primary", disabled=too_many):
        files = [(u.name, u.getvalue()) for u in uploads]

        def save(session: Session) -> None:
            activity = activities.create_activity(session, actor=actor, data=data, today=today,
                                                  client_token=token)
            if files and not activity.photos:  # a repeated click finds them already saved
                photos.save_photos(session, actor=actor, activity_id=activity.id, files=files)
            st.session_state[NEW_ROUND] = round_ + 1

        apply_change("activity", save, 0, f"已保存活动“{data.title.strip()}”:"
                     f"{data.sessions}场,{data.person_times}人次"
                     + (f",照片{len(files)}张。" if files else "。"))
