"""需求与资源 › 需求: counts, the coordinator's list (overdue first), recording, moves, export.

`need_from_contact` is the small form 帮扶记录 › 最近记录 offers for a need found on a visit.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import pandas as pd
import streamlit as st

from components.common.feedback import apply_change, remembered_version
from components.common.markup import md
from components.common.pickers import org_select
from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import sensitive_choice
from core.i18n import t
from core.vocab import NeedKind, NeedPriority, NeedStatus
from services.access.orgs import org_tree
from services.access.permissions import Actor, Capability
from services.care.contacts import loggable_children
from services.exports.need_export import NEED_EXPORTS
from services.exports.tables import EXPORT_FORMATS, filename_for
from services.resources.needs import (
    LONG_WAIT_DAYS,
    MAX_DESCRIPTION,
    TRANSITIONS,
    UNFINISHED,
    NeedRow,
    close_need,
    link_need,
    list_needs,
    long_waiting_count,
    need_counts,
    overdue_count,
    owner_choices,
    provider_choices,
    record_need,
    reopen_need,
    resolve_need,
)

KIND = "need"
OVERDUE_STYLE = "background-color: #fde2e2"
MOVE_WORDS = {NeedStatus.linked: "needs.move.link", NeedStatus.resolved: "needs.move.resolve",
              NeedStatus.closed: "needs.move.close", NeedStatus.open: "needs.move.reopen"}


class _MoveArgs(TypedDict):
    """What every status move of one need passes to the service, whichever the move."""

    actor: Actor
    need_id: int
    expected_version: int
    today: date


def _summary(actor: Actor, today: date) -> None:
    with db_transaction() as session:
        counts = need_counts(session, actor)
        late = overdue_count(session, actor, today=today)
        waiting = long_waiting_count(session, actor, today=today)
    cols = st.columns(len(NeedStatus) + 1)
    for col, status in zip(cols, NeedStatus, strict=False):
        col.metric(status.label(lang()), counts.by_status[status.value])
    cols[-1].metric(t("needs.overdue", lang()), late, help=t("needs.overdue_help", lang()))
    if waiting:
        st.caption(t("needs.long_waiting", lang(), n=waiting, days=LONG_WAIT_DAYS))


def _table(rows: list[NeedRow]) -> object:
    def col(name: str) -> str:
        return t(f"needs.col.{name}", lang())

    table = pd.DataFrame([{
        # No deadline: nothing in 逾期 (not "0"), and how long it has waited instead.
        col("overdue"): (t("needs.days_late", lang(), n=r.days_late)
                         if r.days_late is not None else ""),
        col("child"): r.child_name, col("place"): r.place,
        col("kind"): r.kind.label(lang()), col("priority"): r.priority.label(lang()),
        col("status"): r.status.label(lang()),
        col("description"): r.description, col("found_on"): f"{r.found_on:%Y-%m-%d}",
        col("waiting"): (t("needs.days_waiting", lang(), n=r.waiting_days)
                         if r.waiting_days is not None else ""),
        col("due_on"): f"{r.due_on:%Y-%m-%d}" if r.due_on else t("needs.no_deadline", lang()),
        col("provider"): r.provider_name,
    } for r in rows])
    overdue = col("overdue")
    return table.style.apply(
        lambda row: [OVERDUE_STYLE if row[overdue] else ""] * len(row), axis=1)


def _filtered(actor: Actor, today: date) -> list[NeedRow]:
    cols = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    statuses = cols[0].multiselect(t("needs.status", lang()), list(NeedStatus),
                                   default=list(UNFINISHED), format_func=lambda s: s.label(lang()),
                                   key="needs_status", placeholder=t("common.choose_many", lang()))
    kinds = cols[1].multiselect(t("needs.kind", lang()), list(NeedKind),
                                format_func=lambda k: k.label(lang()),
                                key="needs_kind", placeholder=t("needs.all_kinds", lang()))
    with db_transaction() as session:
        nodes = org_tree(session, actor)
    with cols[2]:
        org_unit_id = org_select(t("needs.place", lang()), nodes, key="needs_place", lang=lang(),
                                 none_label=t("needs.all_places", lang()))
    overdue_only = cols[3].checkbox(t("needs.overdue_only", lang()), key="needs_overdue")
    with db_transaction() as session:
        return list_needs(session, actor, today=today, statuses=statuses, kinds=kinds,
                          org_unit_id=org_unit_id, overdue_only=overdue_only)


def render_needs(actor: Actor, today: date) -> None:
    """The needs tab: counts, a form to record one, the filtered list, moves and export."""
    _summary(actor, today)
    _record_form(actor, today)
    rows = _filtered(actor, today)
    if not rows:
        st.info(t("needs.none_found", lang()))
    else:
        st.dataframe(_table(rows), hide_index=True, width="stretch")
        late = sum(r.overdue for r in rows)
        st.caption(t("needs.count_late", lang(), n=len(rows), late=late) if late
                   else t("needs.count", lang(), n=len(rows)))
        # Picked by id: a need changed by someone else stays picked, so a save is refused
        # as stale rather than silently dropped.
        by_id = {r.id: r for r in rows}
        picked = st.selectbox(t("needs.pick", lang()), list(by_id), index=None, key="need_pick",
                              format_func=lambda i: _label(by_id[i]),
                              placeholder=t("needs.pick_placeholder", lang()))
        if picked is not None:
            _moves(actor, by_id[picked], today)
    _export(actor, today)


def _label(row: NeedRow) -> str:
    # Nothing a move changes: the browser keeps a pick by its label across reruns.
    return t("needs.pick_label", lang(), child=row.child_name, kind=row.kind.label(lang()),
             description=row.description[:20], id=row.id)


def _need_fields(key: str, today: date) -> tuple[NeedKind, NeedPriority, str, date | None]:
    cols = st.columns(2)
    # Named first: written inline, mypy takes list(NeedKind) for selectbox's empty-options case.
    kinds, priorities = list(NeedKind), list(NeedPriority)
    kind = cols[0].selectbox(t("needs.form.kind", lang()), kinds,
                             format_func=lambda k: k.label(lang()), key=f"{key}_kind",
                             placeholder=t("common.choose", lang()))
    priority = cols[1].selectbox(t("needs.form.priority", lang()), priorities, index=1,
                                 format_func=lambda p: p.label(lang()), key=f"{key}_priority",
                                 placeholder=t("common.choose", lang()))
    description = st.text_area(t("needs.form.description", lang()), max_chars=MAX_DESCRIPTION,
                               height=80, key=f"{key}_description",
                               placeholder=t("needs.form.description_placeholder", lang()))
    due_on = st.date_input(t("needs.form.due_on", lang()), value=None, min_value=today,
                           format="YYYY-MM-DD", key=f"{key}_due")
    return kind, priority, description, due_on


def _record_form(actor: Actor, today: date) -> None:
    with st.expander(t("needs.record", lang()), icon=":material/add:"):
        text = st.text_input(t("needs.find_child", lang()), key="need_child_search",
                             placeholder=t("needs.find_child_placeholder", lang()))
        with db_transaction() as session:
            children = loggable_children(session, actor, today=today, text=text)
        if not children:
            st.info(t("needs.no_child", lang()))
            return
        child = st.selectbox(t("needs.form.child", lang()), children, key="need_child",
                             format_func=lambda c: c.label, placeholder=t("common.choose", lang()))
        with db_transaction() as session:
            owners = {u.id: t("needs.owner_label", lang(), name=u.display_name,
                              username=u.username)
                      for u in owner_choices(session, actor)}
        with st.form("need_record"):
            kind, priority, description, due_on = _need_fields("need_record", today)
            cols = st.columns(2)
            found_on = cols[0].date_input(t("needs.form.found_on", lang()), value=today,
                                          max_value=today, format="YYYY-MM-DD",
                                          key="need_record_found")
            owner_id = cols[1].selectbox(t("needs.form.owner", lang()), list(owners),
                                         format_func=owners.__getitem__, key="need_record_owner",
                                         placeholder=t("common.choose", lang()))
            submitted = st.form_submit_button(t("needs.form.submit", lang()), type="primary")
    if submitted and child is not None:
        apply_change(KIND, lambda s: record_need(
            s, actor=actor, child_id=child.child_id, kind=kind, description=description,
            found_on=found_on, priority=priority, due_on=due_on, owner_id=owner_id,
            today=today), 0, t("needs.recorded", lang(), child=child.name,
                               kind=kind.label(lang())))


def need_from_contact(actor: Actor, contact_id: int, child_id: int, today: date, key: str,
                      found_on: date | None = None) -> None:
    """登记发现的需求: a need found on this visit, dated the visit's day."""
    with st.expander(t("needs.from_contact", lang()), icon=":material/flag:"), st.form(key):
        kind, priority, description, due_on = _need_fields(key, today)
        submitted = st.form_submit_button(t("needs.from_contact_submit", lang()), type="primary")
    if submitted:
        apply_change(KIND, lambda s: record_need(
            s, actor=actor, child_id=child_id, kind=kind, description=description,
            found_on=found_on or today, priority=priority, due_on=due_on,
            care_contact_id=contact_id, today=today), 0, t("needs.from_contact_done", lang()))


def _moves(actor: Actor, need: NeedRow, today: date) -> None:
    """The moves the status table allows from this need's status, one form for the chosen."""
    version = remembered_version(KIND, need.id, need.version)
    targets = [target for (start, target) in TRANSITIONS if start is need.status]
    key = f"need_{need.id}_{version}"
    linked = (t("needs.linked_to", lang(), provider=md(need.provider_name), asked=md(need.asked))
              if need.provider_name else "")
    st.caption(t("needs.current_status", lang(), status=need.status.label(lang()), linked=linked))
    target = st.radio(t("needs.move", lang()), targets,
                      format_func=lambda s: t(MOVE_WORDS[s], lang()), horizontal=True,
                      key=f"{key}_move")
    common = _MoveArgs(actor=actor, need_id=need.id, expected_version=version, today=today)
    if target is NeedStatus.linked:
        with db_transaction() as session:
            providers = provider_choices(session, actor)
        if not providers:
            st.info(t("needs.no_providers", lang()))
            return
    with st.form(f"{key}_form"):
        if target is NeedStatus.linked:
            provider = st.selectbox(t("needs.form.provider", lang()), providers,
                                    format_func=lambda p: p.label, key=f"{key}_provider",
                                    placeholder=t("common.choose", lang()))
            text = st.text_input(t("needs.form.asked", lang()), key=f"{key}_asked",
                                 placeholder=t("needs.form.asked_placeholder", lang()))
        else:
            label = {NeedStatus.resolved: "needs.form.resolution",
                     NeedStatus.closed: "needs.form.close_reason",
                     NeedStatus.open: "needs.form.reopen_reason"}[target]
            text = st.text_input(t(label, lang()), key=f"{key}_text")
        submitted = st.form_submit_button(t(MOVE_WORDS[target], lang()), type="primary")
    if not submitted:
        return
    if target is NeedStatus.linked:
        apply_change(KIND, lambda s: link_need(
            s, provider_id=provider.provider_id if provider else None, asked=text, **common),
            need.id, t("needs.linked", lang(), provider=provider.name if provider else ""))
    elif target is NeedStatus.resolved:
        apply_change(KIND, lambda s: resolve_need(s, resolution=text, **common), need.id,
                     t("needs.resolved", lang()))
    elif target is NeedStatus.closed:
        apply_change(KIND, lambda s: close_need(s, reason=text, **common), need.id,
                     t("needs.closed", lang()))
    else:
        apply_change(KIND, lambda s: reopen_need(s, reason=text, **common), need.id,
                     t("needs.reopened", lang()))


def _export(actor: Actor, today: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    chosen = NEED_EXPORTS["needs"]
    with st.expander(t("needs.export", lang()), icon=":material/download:"):
        cols = st.columns(2)
        fmt = cols[0].radio(t("needs.export_format", lang()), EXPORT_FORMATS, horizontal=True,
                            key="need_export_fmt",
                            format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
        sensitive = sensitive_choice(actor, cols[1], key="need_export_sensitive",
                                     label=t("needs.export_sensitive", lang()),
                                     help_text=t("needs.export_sensitive_help", lang()),
                                     lang=lang())

        def build() -> bytes:
            # Runs only when the button is clicked, so opening the tab never builds a file.
            with db_transaction() as session:
                return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                     page=current_page(),
                                     include_sensitive=sensitive.include,
                                     options=sensitive.options())

        st.download_button(t("needs.export_download", lang()), build,
                           file_name=sensitive.filename(
                               filename_for(t("needs.export_file", lang()), fmt, today)),
                           key="need_export_download", type="primary", on_click="ignore",
                           icon=":material/download:",
                           disabled=not sensitive.ready)
