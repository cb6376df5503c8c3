"""名单: the filter bar (kept in the URL), one page of children, and the export panel."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.care.contact_cards_panel import contact_card_buttons
from components.common.badges import risk_cell, style_risk
from components.common.feedback import show_problem
from components.common.markup import md
from components.common.pickers import org_select
from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import sensitive_choice
from core.errors import DomainError
from core.i18n import has_text, t
from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    GuardianType,
    LeftBehindType,
    RiskLevel,
    Vocabulary,
)
from services.access import orgs
from services.access.permissions import Actor, Capability
from services.access.saved_filters import save_filter, saved_filters
from services.exports.roster_export import ROSTER_COLUMNS, export_roster
from services.exports.tables import EXPORT_FORMATS, ExportColumn, filename_for
from services.roster.roster_filter import (
    UNASSESSED,
    AgeBand,
    PairingState,
    RecordStatus,
    RosterFilter,
)
from services.roster.roster_search import filtered_child_ids, search_children

PAGE_SIZE = 50
PAGE_KEY = "roster_page"
# Every filter widget, so that applying a saved filter can let them all start afresh.
WIDGET_KEYS = ("roster_q", "roster_org", "roster_home", "roster_cat", "roster_risk",
               "roster_age", "roster_gt", "roster_lbt", "roster_eco", "roster_acad",
               "roster_pair", "roster_kc", "roster_status", "roster_grade", "roster_cls")


def _url_filter() -> RosterFilter:
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    return RosterFilter.from_query_params(params)


def _label(value: object, lang: str) -> str:
    if value == UNASSESSED:
        return t("roster.filter.unassessed", lang)
    if isinstance(value, AgeBand | Vocabulary):
        return value.label(lang)
    return str(value)


def _multi(label: str, options: list, current: tuple, key: str, lang: str) -> tuple:
    return tuple(st.multiselect(label, options, default=list(current), key=key,
                                format_func=lambda v: _label(v, lang),
                                placeholder=t("common.all", lang)))


def filter_bar(actor: Actor, lang: str) -> RosterFilter:
    """The filters, starting from the URL, so a filtered list can be bookmarked and shared."""
    start = _url_filter()
    with db_transaction() as session:
        nodes = orgs.org_tree(session, actor)
    top = st.columns([3, 2, 2, 2])
    text = top[0].text_input(t("common.search", lang), value=start.text, key="roster_q",
                             placeholder=t("roster.filter.search_placeholder", lang))
    with top[1]:
        org = org_select(t("roster.filter.unit", lang), nodes, key="roster_org", lang=lang,
                         none_label=t("common.all", lang), index_of=start.org_unit_id)
        counted_only = org is not None and st.toggle(
            t("roster.filter.counted_only", lang), value=start.counted_only, key="roster_home",
            help=t("roster.filter.counted_only_help", lang))
    with top[2]:
        categories = _multi(t("roster.form.categories_plain", lang), list(Category),
                            start.categories, "roster_cat", lang)
    with top[3]:
        risks = _multi(t("roster.filter.risk_level", lang), [*RiskLevel, UNASSESSED],
                       start.risk_levels, "roster_risk", lang)
    with st.expander(t("roster.filter.more", lang)):
        cols = st.columns(3)
        with cols[0]:
            ages = _multi(t("roster.filter.age_band", lang), list(AgeBand), start.age_bands,
                          "roster_age", lang)
            guardians = _multi(t("roster.form.guardian_type", lang), list(GuardianType),
                               start.guardian_types, "roster_gt", lang)
        with cols[1]:
            left_behind = _multi(t("roster.form.left_behind_type", lang), list(LeftBehindType),
                                 start.left_behind_types, "roster_lbt", lang)
            economic = _multi(t("roster.form.economic_status", lang), list(EconomicStatus),
                              start.economic_statuses, "roster_eco", lang)
        with cols[2]:
            academic = _multi(t("roster.form.academic_level", lang), list(AcademicLevel),
                              start.academic_levels, "roster_acad", lang)
            pairing_labels = {None: t("common.all", lang),
                              "paired": t("roster.filter.paired", lang),
                              "unpaired": t("roster.filter.unpaired", lang)}
            pairing = st.selectbox(t("roster.filter.pairing", lang), [None, *PairingState],
                                   key="roster_pair",
                                   index=[None, *PairingState].index(start.pairing),
                                   format_func=lambda p: pairing_labels[p],
                          placeholder=t("common.choose", lang))
        cols = st.columns(3)
        key_concern = cols[0].toggle(t("roster.filter.key_concern_only", lang),
                                     value=bool(start.key_concern), key="roster_kc")
        consent_missing = cols[0].toggle(t("roster.filter.consent_missing", lang),
                                         value=start.consent_missing, key="roster_noconsent")
        grade = cols[2].text_input(t("roster.form.grade", lang), value=start.grade,
                                   key="roster_grade",
                                   placeholder=t("roster.filter.grade_placeholder", lang))
        class_name = cols[2].text_input(t("roster.form.class_name", lang), value=start.class_name,
                                        key="roster_cls",
                                        placeholder=t("roster.filter.class_placeholder", lang))
        status_labels = {"active": t("roster.filter.active", lang),
                         "archived": t("roster.filter.archived", lang),
                         "all": t("common.all", lang)}
        statuses = list(RecordStatus)  # named: inline, mypy takes it for the no-options overload
        status = cols[1].selectbox(t("roster.filter.status", lang), statuses,
                                   key="roster_status", index=statuses.index(start.status),
                                   format_func=lambda s: status_labels[s],
                     placeholder=t("common.choose", lang))
    chosen = RosterFilter(text=text, org_unit_id=org, counted_only=counted_only,
                          categories=categories, risk_levels=risks,
                          age_bands=ages, guardian_types=guardians, left_behind_types=left_behind,
                          economic_statuses=economic, academic_levels=academic, pairing=pairing,
                          key_concern=True if key_concern else None,
                          consent_missing=consent_missing, status=status,
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
    lg = lang()
    with db_transaction() as session:
        saved = {f.id: (f.name, f.params) for f in saved_filters(session, actor, "roster")}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox(t("roster.saved.label", lg), [None, *saved], key="roster_saved",
                   placeholder=t("roster.saved.placeholder", lg),
                   index=None, format_func=lambda i: "" if i is None else saved[i][0],
                   on_change=_apply_saved, args=({i: p for i, (_, p) in saved.items()},))
    with right.popover(t("roster.saved.save_current", lg), icon=":material/bookmark_add:",
                       width="stretch"):
        name = st.text_input(t("roster.saved.name", lg), key="roster_saved_name",
                             placeholder=t("roster.saved.name_placeholder", lg))
        if st.button(t("common.save", lg), key="roster_saved_save", type="primary"):
            try:
                with db_transaction() as session:
                    save_filter(session, actor=actor, page="roster", name=name,
                                params=current.to_query_params())
            except DomainError as exc:
                show_problem(exc)
            else:
                st.success(t("roster.entry.saved", lg, name=md(name.strip())))


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
    return t("roster.pager.caption", lang(), page=page, pages=pages, total=f"{total:,}")


def pager(page: int, pages: int, total: int, *, key: str, state_key: str = PAGE_KEY) -> None:
    """上一页 · 第 2/7 页，共 312 人 · 下一页 (a button is disabled at its end of the list)."""
    def go_to(target: int) -> None:
        st.session_state[state_key] = target

    lg = lang()
    left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
    left.button(t("roster.pager.previous", lg), key=f"{key}_prev",
                icon=":material/chevron_left:", width="stretch",
                disabled=page <= 1, on_click=go_to, args=(max(1, page - 1),))
    middle.markdown(page_caption(page, pages, total), text_alignment="center")
    right.button(t("roster.pager.next", lg), key=f"{key}_next",
                 icon=":material/chevron_right:", width="stretch",
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
    lg = lang()
    if result.total == 0:
        st.info(t("roster.list.empty", lg))
        return
    risk_column = t("roster.list.col.risk", lg)
    separator = t("roster.list_separator", lg)
    frame = pd.DataFrame([{
        risk_column: risk_cell(r.risk_level, lg),
        t("roster.list.col.name", lg): ("⚠ " if r.key_concern else "") + r.name,
        t("roster.list.col.gender", lg): r.gender.label(lg),
        t("roster.list.col.age", lg): r.age,
        t("roster.list.col.categories", lg): separator.join(c.label(lg) for c in r.categories),
        t("roster.list.col.town", lg): r.town, t("roster.list.col.village", lg): r.village,
        t("roster.list.col.school_class", lg):
            f"{r.school or ''} {r.grade or ''}{r.class_name or ''}".strip(),
        t("roster.list.col.guardian_type", lg):
            r.guardian_type.label(lg) if r.guardian_type else "",
        t("roster.list.col.helpers", lg):
            separator.join(r.helpers) or t("roster.filter.unpaired", lg),
    } for r in result.rows])
    event = st.dataframe(style_risk(frame, risk_column), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode=["single-row", "single-cell"],
                         key=f"roster_table_{page}")
    if (row := _picked_row(event.selection)) is not None and row < len(result.rows):
        _open_child(result.rows[row].id)
    st.caption(t("roster.list.order_hint", lg))
    pager(result.page, result.pages, result.total, key="roster_page")


def export_panel(actor: Actor, roster_filter: RosterFilter, today: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    lg = lang()
    with st.container(border=True):
        st.markdown(t("roster.export.title", lg))
        cols = st.columns(3)
        fmt = cols[0].radio(t("roster.export.format", lg), EXPORT_FORMATS, horizontal=True,
                            key="roster_fmt",
                            format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
        sensitive = sensitive_choice(actor, cols[1], key="roster_sensitive",
                                     label=t("roster.export.sensitive", lg),
                                     help_text=t("roster.export.sensitive_help", lg), lang=lg)
        headers = {c.key: _column_label(c, lg) for c in ROSTER_COLUMNS}
        keys = st.multiselect(t("roster.export.columns", lg), [c.key for c in ROSTER_COLUMNS],
                              default=[c.key for c in ROSTER_COLUMNS], key="roster_columns",
                              format_func=headers.__getitem__,
                              placeholder=t("common.choose_many", lg))

        def build() -> bytes:
            # Runs only when the button is clicked, so the list page never pays for a file.
            with db_transaction() as session:
                return export_roster(session, actor=actor, roster_filter=roster_filter, fmt=fmt,
                                     today=today, include_sensitive=sensitive.include,
                                                  options=sensitive.options(), column_keys=keys,
                                     page=current_page())

        cols[2].download_button(t("roster.export.download", lg), build,
                                file_name=sensitive.filename(
                                    filename_for(t("roster.export.file_stem", lg), fmt, today)),
                                key="roster_download", type="primary", on_click="ignore",
                                icon=":material/download:",
                                disabled=not keys or not sensitive.ready)
        st.markdown(t("roster.export.cards", lg))
        contact_card_buttons(actor, lambda: filtered_child_ids(
            actor, roster_filter, today=today), title=t("roster.export.cards_title", lg),
            today=today, key="roster_cards")


def _column_label(column: ExportColumn, lang: str) -> str:
    """A file column's name in the picker: the catalogue's, else the file's own header."""
    key = f"roster.export.col.{column.key}"
    return t(key, lang) if has_text(key) else column.header
