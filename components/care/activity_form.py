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

from components.common.feedback import apply_change
from components.common.markup import md
from components.common.pickers import org_label
from components.common.session import db_transaction, lang
from components.common.uploader import file_uploader
from core.errors import DomainError
from core.i18n import t
from core.vocab import OrgKind
from db.models import ActivityKindRow
from services.access.orgs import OrgNode, Place, org_tree, places_in_scope
from services.access.permissions import Actor
from services.care import activities, activity_checks, activity_kinds, activity_queries, photos
from services.care.activity_checks import ActivityInput, DonationInput
from services.care.activity_queries import (
    ChildChoice,
    classes_of_school,
    helpers_for_unit,
    provider_names,
    search_child_choices,
)

NEW_ROUND = "activity_new_round"
# group code -> the key of its label
GROUPS = {"class": "activities.form.group_class", "school": "activities.form.group_school",
          "village": "activities.form.group_village"}


@dataclass(frozen=True)
class Choices:
    kinds: dict[str, str]
    units: list[OrgNode]
    schools: list[Place]
    villages: list[Place]
    providers: list[str]


def kind_label(kind: ActivityKindRow, language: str) -> str:
    """An activity kind's name: the English one in English when it has one."""
    return kind.label_en if language == "en" and kind.label_en else kind.label_zh


def load_choices(actor: Actor) -> Choices:
    """What the form's selectors offer this actor, read in one transaction."""
    with db_transaction() as session:
        kinds = {k.code: kind_label(k, lang()) for k in activity_kinds.list_activity_kinds(session)}
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
            found = activity_queries.children_for_group(
                session, actor, school_id=school if group in ("class", "school") else None,
                grade_class=tuple(grade_class) if grade_class else None,
                village_id=village if group == "village" else None)
    except DomainError as exc:
        state[f"{prefix}_group_note"] = exc.text(lang())
        return
    chosen = state.setdefault(f"{prefix}_children", [])
    new = [c for c in found if c.id not in chosen]
    state[f"{prefix}_labels"].update({c.id: c.label for c in found})
    state[f"{prefix}_children"] = chosen + [c.id for c in new]
    language = lang()
    state[f"{prefix}_group_note"] = (
        t("activities.form.group_added", language, n=len(new)) if new
        else t("activities.form.group_all_listed", language)) \
        + (t("activities.form.group_on_roll", language, n=len(found)) if found
           else t("activities.form.group_none_found", language))


def _group_picker(actor: Actor, prefix: str, choices: Choices) -> None:
    language = lang()
    with st.expander(t("activities.form.group_title", language)):
        cols = st.columns([1, 2, 2, 1], vertical_alignment="bottom")
        group = cols[0].selectbox(t("activities.form.group_by", language), list(GROUPS),
                                  key=f"{prefix}_group",
                                  format_func=lambda g: t(GROUPS[g], language),
                    placeholder=t("common.choose", lang()))
        if group == "village":
            by_id = {p.id: p.label for p in choices.villages}
            cols[1].selectbox(t("activities.form.village", language), list(by_id),
                              key=f"{prefix}_village", format_func=by_id.__getitem__,
                              placeholder=t("common.choose", language))
        else:
            by_id = {p.id: p.label for p in choices.schools}
            school = cols[1].selectbox(t("activities.form.school", language), list(by_id),
                                       key=f"{prefix}_school", format_func=by_id.__getitem__,
                                       placeholder=t("common.choose", language))
            if group == "class" and school is not None:
                with db_transaction() as session:
                    classes = classes_of_school(session, actor, school)
                options = [(g, c) for g, c, _ in classes]
                counts = {(g, c): n for g, c, n in classes}
                cols[2].selectbox(t("activities.form.class", language), options,
                                  key=f"{prefix}_class",
                                  placeholder=t("common.choose", language),
                                  format_func=lambda o: t("activities.form.class_option",
                                                          language, grade=o[0],
                                                          klass=o[1] or "", n=counts[o]))
        cols[3].button(t("activities.form.group_add", language), key=f"{prefix}_take",
                       on_click=_take_group,
                       args=(actor, prefix))
        if note := st.session_state.pop(f"{prefix}_group_note", None):
            st.caption(md(note))


def _attendees(actor: Actor, today: date, prefix: str, choices: Choices) -> list[int]:
    labels: dict[int, str] = st.session_state[f"{prefix}_labels"]
    text = st.text_input(t("activities.form.find_child", lang()), key=f"{prefix}_search",
                         placeholder=t("activities.form.find_child_hint", lang()))
    found: list[ChildChoice] = []
    if text.strip():
        with db_transaction() as session:
            found = search_child_choices(session, actor, text, today=today)
        labels.update({c.id: c.label for c in found})
    chosen = st.session_state.get(f"{prefix}_children", [])
    options = list(dict.fromkeys([*chosen, *(c.id for c in found)]))
    picked = st.multiselect(t("activities.form.children", lang()), options,
                            key=f"{prefix}_children",
                            format_func=lambda i: labels.get(i, str(i)),
                            placeholder=t("activities.form.children_hint", lang()))
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
    language = lang()
    kind = cols[0].selectbox(t("activities.form.kind", language), list(kinds),
                             key=f"{prefix}_kind", format_func=kinds.__getitem__,
                             placeholder=t("common.choose", language))
    title = cols[1].text_input(t("activities.form.title", language), key=f"{prefix}_title",
                               max_chars=200,
                               placeholder=t("activities.form.title_hint", language))
    held_on = cols[2].date_input(t("activities.form.held_on", language), key=f"{prefix}_held_on",
                                 max_value=today, format="YYYY-MM-DD")
    cols = st.columns([2, 2, 1])
    units = {n.id: n for n in choices.units}
    unit = cols[0].selectbox(t("activities.form.unit", language), list(units),
                             key=f"{prefix}_unit",
                             format_func=lambda i: org_label(units[i], language),
                             placeholder=t("common.choose", language))
    place = cols[1].text_input(t("activities.form.place", language), key=f"{prefix}_place",
                               placeholder=t("activities.form.place_hint", language))
    sessions = cols[2].number_input(t("activities.form.sessions", language), min_value=1,
                                    max_value=activity_checks.MAX_SESSIONS, step=1,
                                    key=f"{prefix}_sessions")
    child_ids = _attendees(actor, today, prefix, choices)
    extra = st.number_input(t("activities.form.extra", language), min_value=0,
                            max_value=activity_checks.MAX_EXTRA, step=1, key=f"{prefix}_extra")
    total = activity_queries.person_times(len(child_ids), int(extra))
    st.markdown(t("activities.form.person_times", language, children=len(child_ids),
                  extra=int(extra), total=total)
                + (t("activities.form.sessions_n", language, n=int(sessions))
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
        helpers = dict(helpers_for_unit(session, actor, unit, lang()))
    chosen = st.session_state.get(f"{prefix}_helpers", [])
    known: dict[int, str] = st.session_state[f"{prefix}_helper_labels"]
    helpers.update({i: known.get(i, t("activities.form.helper_number", lang(), id=i))
                    for i in chosen if i not in helpers})
    cols = st.columns(2)
    helper_ids = cols[0].multiselect(t("activities.form.helpers", lang()), list(helpers),
                                     key=f"{prefix}_helpers", format_func=helpers.__getitem__,
                                     placeholder=t("activities.form.any", lang()))
    names = list(dict.fromkeys([*choices.providers,
                                *st.session_state.get(f"{prefix}_providers", [])]))
    providers = cols[1].multiselect(t("activities.form.providers", lang()), names,
                                    key=f"{prefix}_providers", accept_new_options=True,
                                    placeholder=t("activities.form.providers_hint", lang()))
    return helper_ids, [p for p in providers if p.strip()]


def _donation(prefix: str, providers: list[str], child_ids: list[int]) -> DonationInput | None:
    labels: dict[int, str] = st.session_state[f"{prefix}_labels"]
    language = lang()
    with st.expander(t("activities.form.gift_title", language)):
        cols = st.columns([1, 2, 2])
        money = cols[0].number_input(t("activities.form.gift_money", language), min_value=0.0,
                                     step=100.0, key=f"{prefix}_money")
        goods = cols[1].text_input(t("activities.form.gift_goods", language),
                                   key=f"{prefix}_goods",
                                   placeholder=t("activities.form.gift_goods_hint", language))
        # "" rather than None: a None value would show as "nothing chosen yet".
        if st.session_state.get(f"{prefix}_gift_from") not in ("", *providers):
            st.session_state[f"{prefix}_gift_from"] = ""
        source = cols[2].selectbox(t("activities.form.gift_from", language), ["", *providers],
                                   key=f"{prefix}_gift_from",
                                   format_func=lambda p: p or t("activities.form.gift_from_none",
                                                                language),
                     placeholder=t("common.choose", lang()))
        every = st.session_state.get(f"{prefix}_recipients_all", True)
        st.session_state[f"{prefix}_recipients"] = list(child_ids) if every else [
            i for i in st.session_state.get(f"{prefix}_recipients", []) if i in child_ids]
        recipients = st.multiselect(
            t("activities.form.recipients", language),
            child_ids, key=f"{prefix}_recipients", format_func=lambda i: labels.get(i, str(i)),
            on_change=_recipients_picked, args=(prefix, tuple(child_ids)),
            placeholder=t("activities.form.any", language))
        if every and child_ids:
            st.caption(t("activities.form.recipients_follow", language, n=len(child_ids)))
    if not money and not goods.strip():
        return None
    return DonationInput(money_yuan=Decimal(str(money)), goods=goods, provider_name=source or None,
                         recipient_ids=None if every else tuple(recipients))


def _recipients_picked(prefix: str, child_ids: tuple[int, ...]) -> None:
    """Someone changed the recipients: they follow the attendees only while all are chosen."""
    chosen = st.session_state.get(f"{prefix}_recipients", [])
    st.session_state[f"{prefix}_recipients_all"] = set(chosen) == set(child_ids)


def _more(prefix: str) -> tuple[int, float | None, str]:
    with st.expander(t("activities.form.more", lang())):
        cols = st.columns(2)
        volunteers = cols[0].number_input(t("activities.form.volunteers", lang()), min_value=0,
                                          max_value=activity_checks.MAX_VOLUNTEERS, step=1,
                                          key=f"{prefix}_volunteers")
        cost = cols[1].number_input(t("activities.form.cost", lang()), min_value=0.0,
                                    step=100.0, key=f"{prefix}_cost", value=None)
        notes = st.text_area(t("activities.form.notes", lang()), key=f"{prefix}_notes",
                             max_chars=2000)
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
        st.info(t("activities.form.no_units", lang()))
        return
    default_unit = actor.org_unit_id if actor.org_unit_id in {n.id for n in choices.units} \
        else choices.units[0].id
    data = activity_fields(actor, today, prefix, choices, ActivityInput(
        kind=next(iter(choices.kinds), ""), title="", held_on=today, org_unit_id=default_unit))
    uploads = file_uploader(
        t("activities.form.photos", lang(), most=photos.MAX_PHOTOS,
          mb=photos.MAX_BYTES // 2**20),
        types=["jpg", "jpeg", "png"], multiple=True, key=f"{prefix}_photos",
        max_mb=photos.MAX_BYTES // 2**20, lang=lang()) or []
    too_many = len(uploads) > photos.MAX_PHOTOS
    if too_many:
        st.error(t("activities.form.too_many_photos", lang(), n=len(uploads),
                   most=photos.MAX_PHOTOS))
    if st.button(t("activities.form.save", lang()), key=f"{prefix}_save", type="primary",
                 disabled=too_many):
        files = [(u.name, u.getvalue()) for u in uploads]

        def save(session: Session) -> None:
            activity = activities.create_activity(session, actor=actor, data=data, today=today,
                                                  client_token=token)
            if files and not activity.photos:  # a repeated click finds them already saved
                photos.save_photos(session, actor=actor, activity_id=activity.id, files=files)
            st.session_state[NEW_ROUND] = round_ + 1

        apply_change("activity", save, 0, t(
            "activities.form.saved", lang(), title=data.title.strip(), sessions=data.sessions,
            person_times=data.person_times,
            photos=t("activities.form.saved_photos", lang(), n=len(files)) if files else ""))
