"""心愿: wish drives with their progress, collecting a wish, taking, fulfilling, exporting."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.common.feedback import apply_change, remembered_version, show_flash, show_problem
from components.common.markup import md
from components.common.session import current_page, db_transaction, lang
from components.common.uploader import file_uploader
from components.exports.sensitive_choice import sensitive_choice
from core.errors import DomainError
from core.i18n import t
from core.vocab import WishStatus
from db.models import WishDrive
from services.access.permissions import Actor, Capability
from services.care.photos import MAX_BYTES
from services.exports.tables import EXPORT_FORMATS, filename_for
from services.exports.wish_export import TITLE, WISH_EXPORTS
from services.resources.wish_drives import archive_drive, create_drive, update_drive
from services.resources.wish_queries import (
    WishRow,
    child_options,
    drive_progress,
    list_drives,
    list_wishes,
    photo_file,
    provider_options,
)
from services.resources.wishes import CATEGORIES, collect_wish, fulfil_wish, release_wish, take_wish

# Catalogue keys (core/locales/*/resources.toml).
ALL = "resources.wishes.all"
NO_WISHES = "resources.wishes.no_wishes"
NO_DRIVES = "resources.wishes.no_drives"
NO_PROVIDERS = "resources.wishes.no_providers"


def render_wishes(actor: Actor, today: date) -> None:
    """The wishes tab: pick a drive and see its progress, collect, take, fulfil, export."""
    show_flash()
    with db_transaction() as session:
        drives = {d.id: d for d in list_drives(session, actor)}
        providers = provider_options(session)
    manage = actor.can(Capability.MANAGE_RESOURCES)
    if manage:
        _new_drive(actor, today, expanded=not drives)
    if not drives:
        st.info(t(NO_DRIVES, lang()), icon=":material/redeem:")
    options: list[int | None] = [None, *drives]
    drive_id = st.selectbox(t("resources.wishes.drive", lang()), options, key="wish_drive",
                            format_func=lambda i: t(ALL, lang()) if i is None
                            else drives[i].name, placeholder=t("common.choose", lang()))
    if drive_id is not None:
        _progress(actor, drive_id, manage)
    if manage:
        _collect(actor, today, drive_id)
    with db_transaction() as session:
        wishes = list_wishes(session, actor, drive_id=drive_id)
    if not wishes:
        st.info(t(NO_WISHES, lang()), icon=":material/volunteer_activism:")
        return
    st.dataframe(_table(wishes), hide_index=True, width="stretch", key="wish_table")
    by_id = {w.id: w for w in wishes}
    chosen = st.selectbox(t("resources.wishes.pick", lang()), list(by_id), key="wish_pick",
                          format_func=lambda i: t("resources.wishes.pick_label", lang(),
                                                  child=by_id[i].child_name,
                                                  wish=by_id[i].content,
                                                  status=by_id[i].status.label(lang())),
                          placeholder=t("common.choose", lang()))
    if chosen is not None:
        _actions(actor, today, by_id[chosen], providers, manage)
    _download(actor, today, drive_id)


def _table(wishes: list[WishRow]) -> pd.DataFrame:
    lg = lang()
    return pd.DataFrame([{
        t("resources.child", lg): w.child_name, t("resources.wishes.col.place", lg): w.place,
        t("resources.wishes.col.wish", lg): w.content,
        t("resources.wishes.col.category", lg): w.category or "",
        # Text, not a number: a table shows a missing number as "None".
        t("resources.wishes.cost", lg): "—" if w.estimated_cost_yuan is None
        else f"{w.estimated_cost_yuan:,.2f}",
        t("resources.wishes.col.status", lg): w.status.label(lg),
        t("resources.wishes.col.collected_on", lg): w.collected_on.isoformat(),
        t("resources.wishes.col.taker", lg): w.taker or "",
        t("resources.wishes.col.fulfilled_on", lg): w.fulfilled_on.isoformat()
        if w.fulfilled_on else "",
    } for w in wishes])


def _new_drive(actor: Actor, today: date, *, expanded: bool) -> None:
    with st.expander(t("resources.wishes.new_drive", lang()), expanded=expanded,
                     icon=":material/add:"), st.form("wish_drive_new"):
        name = st.text_input(t("resources.wishes.drive_name", lang()), max_chars=100,
                             key="wish_drive_name",
                             placeholder=t("resources.wishes.drive_name_placeholder", lang()))
        cols = st.columns(2)
        starts_on = cols[0].date_input(t("resources.wishes.starts_on", lang()), value=today,
                                       key="wish_drive_start", format="YYYY-MM-DD")
        ends_on = cols[1].date_input(t("resources.wishes.ends_on", lang()),
                                     value=today + timedelta(days=30),
                                     key="wish_drive_end", format="YYYY-MM-DD")
        notes = st.text_area(t("resources.wishes.drive_notes", lang()), max_chars=500,
                             key="wish_drive_notes")
        if st.form_submit_button(t("resources.wishes.create", lang()), type="primary"):
            apply_change("wish_drive", lambda s: create_drive(
                s, actor=actor, name=name, starts_on=starts_on, ends_on=ends_on, notes=notes),
                0, t("resources.wishes.drive_created", lang(), name=name.strip()))


def _progress(actor: Actor, drive_id: int, manage: bool) -> None:
    try:
        with db_transaction() as session:
            progress = drive_progress(session, actor, drive_id)
    except DomainError as exc:
        show_problem(exc)
        return
    drive = progress.drive
    lg = lang()
    st.caption(t("resources.wishes.period", lg, start=f"{drive.starts_on:%Y-%m-%d}",
                 end=f"{drive.ends_on:%Y-%m-%d}")
               + (f" · {md(drive.notes)}" if drive.notes else ""))
    cols = st.columns(3)
    cols[0].metric(t("resources.wishes.collected", lg), progress.collected)
    cols[1].metric(t("resources.wishes.taken", lg), progress.taken)
    cols[2].metric(t("resources.wishes.fulfilled", lg), progress.fulfilled)
    st.progress(progress.share, text=t(
        "resources.wishes.progress_share" if progress.collected else "resources.wishes.progress",
        lg, done=progress.fulfilled, total=progress.collected, share=f"{progress.share:.1%}"))
    if progress.waiting:
        st.markdown(f"**{t('resources.wishes.waiting', lg, n=len(progress.waiting))}**")
        st.dataframe(pd.DataFrame([{
            t("resources.child", lg): w.child_name, t("resources.wishes.col.place", lg): w.place,
            t("resources.wishes.col.wish", lg): w.content,
            t("resources.wishes.col.status", lg): t("resources.wishes.waiting_taken", lg)
            if w.status is WishStatus.taken else t("resources.wishes.waiting_open", lg),
            t("resources.wishes.col.taker", lg): w.taker or ""}
            for w in progress.waiting]),
            hide_index=True, width="stretch", key=f"wish_waiting_{drive_id}")
    elif progress.collected:
        st.success(t("resources.wishes.all_fulfilled", lg))
    else:
        st.info(t("resources.wishes.drive_empty", lg))
    if manage:
        _change_drive(actor, drive)


def _change_drive(actor: Actor, drive: WishDrive) -> None:
    opened = remembered_version("wish_drive", drive.id, drive.version)
    key = f"wish_drive_edit_{drive.id}"
    with st.expander(t("resources.wishes.change_drive", lang()), icon=":material/edit:"):
        with st.form(key):
            name = st.text_input(t("resources.wishes.drive_name", lang()), value=drive.name,
                                 max_chars=100, key=f"{key}_name")
            cols = st.columns(2)
            starts_on = cols[0].date_input(t("resources.wishes.starts_on", lang()),
                                           value=drive.starts_on,
                                           key=f"{key}_start", format="YYYY-MM-DD")
            ends_on = cols[1].date_input(t("resources.wishes.ends_on", lang()),
                                         value=drive.ends_on, key=f"{key}_end",
                                         format="YYYY-MM-DD")
            notes = st.text_area(t("resources.wishes.drive_notes", lang()),
                                 value=drive.notes or "", max_chars=500, key=f"{key}_notes")
            if st.form_submit_button(t("resources.wishes.save_changes", lang())):
                apply_change("wish_drive", lambda s: update_drive(
                    s, actor=actor, drive_id=drive.id, expected_version=opened, name=name,
                    starts_on=starts_on, ends_on=ends_on, notes=notes),
                    drive.id, t("resources.wishes.changes_saved", lang()))
        with st.form(f"wish_drive_archive_{drive.id}"):
            reason = st.text_input(t("resources.wishes.archive_reason_optional", lang()),
                                   max_chars=200)
            st.caption(t("resources.wishes.archive_note", lang()))
            if st.form_submit_button(t("resources.archive", lang())):
                apply_change("wish_drive", lambda s: archive_drive(
                    s, actor=actor, drive_id=drive.id, expected_version=opened, reason=reason),
                    drive.id, t("resources.wishes.drive_archived", lang(), name=drive.name))


def _collect(actor: Actor, today: date, drive_id: int | None) -> None:
    with st.expander(t("resources.wishes.collect", lang()), icon=":material/edit_note:"):
        text = st.text_input(t("resources.wishes.find_child", lang()), key="wish_child_search",
                             placeholder=t("resources.wishes.find_child_placeholder", lang()))
        with db_transaction() as session:
            children = {c.child_id: c.label for c in child_options(
                session, actor, today=today, text=text)}
        if not children:
            st.info(t("resources.wishes.no_match", lang()) if text.strip()
                    else t("resources.wishes.no_children", lang()))
            return
        with st.form("wish_new"):
            child_id = st.selectbox(t("resources.wishes.child", lang()), list(children),
                                    key="wish_child", format_func=children.__getitem__,
                                    placeholder=t("common.choose", lang()))
            content = st.text_input(t("resources.wishes.wish", lang()), max_chars=200,
                                    key="wish_content",
                                    placeholder=t("resources.wishes.wish_placeholder", lang()))
            cols = st.columns(3)
            category = cols[0].selectbox(
                t("resources.wishes.col.category", lang()), CATEGORIES, index=None,
                key="wish_category", accept_new_options=True,
                placeholder=t("resources.wishes.category_placeholder", lang()))
            cost = cols[1].number_input(t("resources.wishes.cost", lang()), min_value=0.0,
                                        value=None, step=10.0, key="wish_cost")
            collected_on = cols[2].date_input(t("resources.wishes.collected_on", lang()),
                                              value=today, max_value=today,
                                              key="wish_collected_on", format="YYYY-MM-DD")
            if st.form_submit_button(t("resources.wishes.save_wish", lang()), type="primary"):
                apply_change("wish", lambda s: collect_wish(
                    s, actor=actor, child_id=child_id, content=content, category=category,
                    estimated_cost_yuan=cost, collected_on=collected_on, today=today,
                    drive_id=drive_id), 0,
                    t("resources.wishes.wish_saved", lang(), child=children[child_id]))


def _taker_inputs(key: str, providers: dict[int, str]) -> tuple[int | None, str]:
    options: list[int | None] = [None, *providers]
    provider_id = st.selectbox(t("resources.provider", lang()), options, key=f"{key}_provider",
                               format_func=lambda i: t("resources.wishes.no_provider", lang())
                               if i is None else providers[i],
                               placeholder=t("common.choose", lang()))
    donor = st.text_input(t("resources.wishes.donor", lang()), max_chars=100,
                          key=f"{key}_donor")
    if not providers:
        st.caption(t(NO_PROVIDERS, lang()))
    return provider_id, donor


def _actions(actor: Actor, today: date, wish: WishRow, providers: dict[int, str],
             manage: bool) -> None:
    if wish.status is WishStatus.fulfilled:
        st.success(t("resources.wishes.came_true", lang(), child=md(wish.child_name),
                     wish=md(wish.content), date=f"{wish.fulfilled_on:%Y-%m-%d}",
                     taker=md(wish.taker or t("resources.wishes.a_donor", lang()))))
        _photo(wish)
        return
    if not manage:
        return
    opened = remembered_version("wish", wish.id, wish.version)
    if wish.status is WishStatus.collected:
        with st.expander(t("resources.wishes.take", lang()), icon=":material/handshake:"), \
                st.form(f"wish_take_{wish.id}"):
            provider_id, donor = _taker_inputs(f"wish_take_{wish.id}", providers)
            taken_on = st.date_input(t("resources.wishes.taken_on", lang()), value=today,
                                     max_value=today, key=f"wish_take_{wish.id}_on",
                                     format="YYYY-MM-DD")
            if st.form_submit_button(t("resources.wishes.confirm_take", lang()),
                                     type="primary"):
                apply_change("wish", lambda s: take_wish(
                    s, actor=actor, wish_id=wish.id, expected_version=opened, taken_on=taken_on,
                    today=today, provider_id=provider_id, donor=donor), wish.id,
                    t("resources.wishes.take_saved", lang()))
    with st.expander(t("resources.wishes.fulfil", lang()), icon=":material/celebration:"), \
            st.form(f"wish_fulfil_{wish.id}"):
        provider_id, donor = None, ""
        if wish.status is WishStatus.collected:
            provider_id, donor = _taker_inputs(f"wish_fulfil_{wish.id}", providers)
        else:
            st.caption(t("resources.wishes.taken_by", lang(), taker=md(wish.taker)))
        fulfilled_on = st.date_input(t("resources.wishes.fulfilled_on", lang()), value=today,
                                     max_value=today, key=f"wish_fulfil_{wish.id}_on",
                                     format="YYYY-MM-DD")
        upload = file_uploader(t("resources.wishes.photo", lang()),
                               types=["jpg", "jpeg", "png"], key=f"wish_fulfil_{wish.id}_photo",
                               max_mb=MAX_BYTES // 2**20, lang=lang())
        if st.form_submit_button(t("resources.wishes.confirm_fulfil", lang()), type="primary"):
            photo = (upload.name, upload.getvalue()) if upload is not None else None
            apply_change("wish", lambda s: fulfil_wish(
                s, actor=actor, wish_id=wish.id, expected_version=opened,
                fulfilled_on=fulfilled_on, today=today, provider_id=provider_id, donor=donor,
                photo=photo), wish.id,
                t("resources.wishes.fulfil_saved", lang(), child=wish.child_name))
    if wish.status is WishStatus.taken:
        with st.form(f"wish_release_{wish.id}"):
            st.caption(t("resources.wishes.release_note", lang(), taker=md(wish.taker),
                         date=f"{wish.taken_on:%Y-%m-%d}"))
            if st.form_submit_button(t("resources.wishes.release", lang())):
                apply_change("wish", lambda s: release_wish(
                    s, actor=actor, wish_id=wish.id, expected_version=opened),
                    wish.id, t("resources.wishes.released", lang()))


def _photo(wish: WishRow) -> None:
    try:
        path = photo_file(wish)
    except DomainError:
        path = None
    if path is not None and path.is_file():
        st.image(str(path), caption=t("resources.wishes.photo_caption", lang(),
                                      child=md(wish.child_name)), width=360)
    elif wish.photo_path:
        st.caption(t("resources.wishes.photo_missing", lang()))


def _download(actor: Actor, today: date, drive_id: int | None) -> None:
    if not actor.can(Capability.EXPORT):
        return
    cols = st.columns([1, 1, 2])
    fmt = cols[0].radio(t("resources.format", lang()), EXPORT_FORMATS, horizontal=True,
                        key="wish_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key="wish_export_sensitive",
                                 label=t("resources.wishes.sensitive", lang()),
                                 help_text=t("resources.wishes.sensitive_help", lang()),
                                 lang=lang())

    def build() -> bytes:
        with db_transaction() as session:
            wishes = WISH_EXPORTS["wishes"]  # audited like every list export
            return wishes.export(session, actor=actor, fmt=fmt, today=today, page=current_page(),
                                 include_sensitive=sensitive.include,
                                 options=sensitive.options(), drive_id=drive_id)

    cols[2].download_button(t("resources.wishes.download", lang()), build,
                            file_name=sensitive.filename(filename_for(TITLE, fmt, today)),
                            key="wish_export", on_click="ignore", icon=":material/download:",
                            disabled=not sensitive.ready)
