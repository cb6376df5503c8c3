"""导出: pick a list, its filters, columns and format; build the file with a progress bar.

A list's title and a filter's labels are shown in the page's language from the `export_lists.`
catalogue, by the list's kind and the filter's name; the file and its column headers stay
Chinese (they match the import templates).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import date
from typing import TypedDict

import streamlit as st
from sqlalchemy.orm import Session

from components.care.todo_panel import period_label
from components.common.feedback import show_problem
from components.common.markup import md
from components.common.pickers import org_select
from components.common.session import current_page, db_transaction
from components.common.session import lang as ui_lang
from components.exports.sensitive_choice import SensitiveChoice, sensitive_choice
from core.errors import DomainError
from core.i18n import has_text, t
from core.typography import full_width
from services.access.orgs import org_tree
from services.access.permissions import Actor, Capability
from services.care.terms import term_of
from services.exports.export_kinds import (
    ExportFile,
    ExportFilter,
    FilterKind,
    HubList,
    export_list,
    hub_lists,
)
from services.exports.tables import EXPORT_FORMATS

FILE_KEY = "exports_hub_file"  # (the choices it was built from, the ExportFile)
SALT_KEY = "exports_hub_salt"
FORMAT_LABELS = {"csv": "exports.format.csv", "xlsx": "exports.format.xlsx"}
SENSITIVE_HELP = "exports.sensitive_help"


def _text_or(key: str, lang: str, fallback: str) -> str:
    """The catalogue's text for `key`, or the service's Chinese when the key is missing."""
    return t(key, lang) if has_text(key) else fallback


def list_title(kind: str, title: str, lang: str) -> str:
    """A list's title in `lang`, by its kind; `title` (the file's Chinese name) if unknown."""
    return _text_or(f"export_lists.list.{kind}", lang, title)


def filter_label(spec: ExportFilter, lang: str) -> str:
    return _text_or(f"export_lists.filter.{spec.name}", lang, spec.label)


def filter_none_label(spec: ExportFilter, lang: str) -> str:
    """What the filter's "no choice" (the export function's default) is called in `lang`."""
    if not spec.none_label:
        return ""
    return _text_or(f"export_lists.filter_all.{spec.name}", lang, spec.none_label)


def _period_input(chosen: HubList, spec: ExportFilter, today: date,
                  lang: str) -> tuple[date, date | None]:
    term = term_of(today)
    picked = st.date_input(filter_label(spec, lang), value=(term.start, term.end),
                           format="YYYY-MM-DD", key=f"exports_{chosen.kind}_period",
                           help=t("exports.period_help", lang,
                                  term=period_label(term, today, lang)))
    if isinstance(picked, date):
        return picked, picked
    start = picked[0] if picked else term.start
    return start, picked[1] if len(picked) > 1 else None


def _filter_input(session: Session, actor: Actor, chosen: HubList, spec: ExportFilter,
                  today: date, lang: str) -> object:
    """One filter's widget; returns the value to pass (None for the function's default)."""
    key = f"exports_{chosen.kind}_{spec.name}"
    if spec.kind is FilterKind.PERIOD:
        return _period_input(chosen, spec, today, lang)
    label = filter_label(spec, lang)
    if spec.kind is FilterKind.ORG_UNIT:
        return org_select(label, org_tree(session, actor), key=key, lang=lang,
                          none_label=filter_none_label(spec, lang))
    if spec.kind is FilterKind.FLAG:
        return st.checkbox(label, key=key)
    options = spec.choices(session, actor, today, lang) if spec.choices else []
    labels: dict[object, str] = {None: filter_none_label(spec, lang), **dict(options)}
    return st.selectbox(label, list(labels), key=key, format_func=labels.__getitem__,
                        placeholder=t("common.choose", lang))


def _filter_values(actor: Actor, chosen: HubList, today: date, lang: str) -> dict[str, object]:
    if not chosen.filters:
        return {}
    values: dict[str, object] = {}
    with db_transaction() as session:
        for spec in chosen.filters:
            values[spec.name] = _filter_input(session, actor, chosen, spec, today, lang)
    return values


def _column_keys(chosen: HubList) -> list[str] | None:
    current = ui_lang()
    if not chosen.columns:
        st.caption(t("exports.columns_follow_survey", current))
        return None
    # The file's own headers, as the import templates spell them ("乡镇(街道)"); shown with
    # Chinese punctuation.
    headers = {c.key: full_width(c.header) if current == "zh" else c.header
               for c in chosen.columns}
    return st.multiselect(t("exports.columns", current), list(headers), default=list(headers),
                          key=f"exports_{chosen.kind}_columns", format_func=headers.__getitem__,
                          help=t("exports.columns_help", current),
                          placeholder=t("common.choose_many", current))


def _progress_bar() -> tuple[Callable[[int, int | None], None], Callable[[], object]]:
    """A progress callback for export_list and a function that removes the bar."""
    current = ui_lang()
    bar = st.progress(0.0, text=t("exports.reading", current))

    def report(done: int, total: int | None) -> None:
        if total is None:
            bar.progress(0.0, text=t("exports.reading", current))
        elif total:
            bar.progress(min(done / total, 1.0),
                         text=t("exports.writing", current, done=f"{done:,}", total=f"{total:,}"))

    return report, bar.empty


class Choices(TypedDict):
    """What the reader chose for one file; a built file is shown while they stay the same."""

    kind: str
    fmt: str
    sensitive: bool
    # Which password the shown file was encrypted with, as a salted digest: typing another
    # one asks for the file to be made again, and the password itself is never kept.
    password_digest: str
    columns: list[str] | None
    filters: dict[str, object]


def _build(actor: Actor, chosen: HubList, today: date, choices: Choices,
           password: str | None) -> None:
    report, clear = _progress_bar()
    try:
        with db_transaction() as session:
            built = export_list(session, actor=actor, kind=chosen.kind, fmt=choices["fmt"],
                                today=today, include_sensitive=choices["sensitive"],
                                columns=choices["columns"], filters=choices["filters"],
                                progress=report, page=current_page(), password=password)
    except DomainError as exc:
        st.session_state.pop(FILE_KEY, None)
        show_problem(exc)
        return
    finally:
        clear()
    st.session_state[FILE_KEY] = (choices, built)


def _digest(password: str | None) -> str:
    if password is None:
        return ""
    salt = st.session_state.setdefault(SALT_KEY, secrets.token_bytes(16))
    return hashlib.sha256(salt + password.encode("utf-8")).hexdigest()


def _empty_advice(chosen: HubList) -> str:
    current = ui_lang()
    if chosen.filters:
        loosen = t("export_lists.separator", current).join(
            filter_label(f, current) for f in chosen.filters)
        return t("exports.nothing_matches", current, filters=loosen)
    return t("exports.list_empty", current)


def _show_file(chosen: HubList, built: ExportFile) -> None:
    if built.rows == 0:
        st.info(_empty_advice(chosen), icon=":material/info:")
        return
    current = ui_lang()
    size = f"{len(built.data) / 1024:,.0f} KB"
    st.success(t("exports.made", current, file=md(built.filename), rows=f"{built.rows:,}",
                 size=size))
    st.download_button(t("exports.download", current), built.data, file_name=built.filename,
                       type="primary", key="exports_download", on_click="ignore",
                       icon=":material/download:")


def render_exports_hub(actor: Actor, today: date, lang: str) -> None:
    """The whole hub: list, filters, columns, format, sensitivity, build and download."""
    lists = hub_lists()
    kind = st.selectbox(t("exports.list", lang), list(lists), key="exports_kind",
                        format_func=lambda k: list_title(k, lists[k].title, lang),
                        placeholder=t("common.choose", lang))
    chosen = lists[kind]
    filters = _filter_values(actor, chosen, today, lang)
    columns = _column_keys(chosen)
    left, right = st.columns(2)
    fmt = left.radio(t("exports.format", lang), EXPORT_FORMATS, index=1, horizontal=True,
                     key="exports_fmt", format_func=lambda f: t(FORMAT_LABELS[f], lang))
    sensitive = SensitiveChoice()
    if actor.can(Capability.EXPORT_SENSITIVE):
        sensitive = sensitive_choice(actor, right, key="exports_sensitive",
                                     label=t("exports.sensitive", lang),
                                     help_text=t(SENSITIVE_HELP, lang), lang=lang)
    choices = Choices(kind=kind, fmt=fmt, sensitive=sensitive.include,
                      password_digest=_digest(sensitive.password), columns=columns,
                      filters=filters)
    if st.button(t("exports.build", lang), type="primary", key="exports_build",
                 icon=":material/build:", disabled=columns == [] or not sensitive.ready):
        _build(actor, chosen, today, choices, sensitive.password)
    if columns == []:
        st.warning(t("exports.choose_a_column", lang))
    stored = st.session_state.get(FILE_KEY)
    if stored is not None and stored[0] == choices:
        _show_file(chosen, stored[1])
    elif stored is not None and stored[0]["kind"] == kind:
        st.caption(t("exports.build_again", lang))
