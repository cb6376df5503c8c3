"""活动列表: activities of a period with their 场次 and 人次 totals; one activity's details and
photos, its edit form and archiving; and the 导出 tab."""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from components.care.activity_form import activity_fields, kind_label, load_choices
from components.common.feedback import apply_change, remembered_version, show_problem
from components.common.markup import md, md_block
from components.common.session import current_page, db_transaction, lang
from components.common.uploader import file_uploader
from components.exports.sensitive_choice import sensitive_choice
from core.errors import DomainError
from core.i18n import t
from services.access.permissions import Actor, Capability
from services.care import activities, activity_kinds, activity_queries, photos
from services.care.activity_checks import ActivityInput
from services.care.activity_queries import ActivityDetail, ActivityRow
from services.exports.activity_export import ACTIVITY_EXPORTS
from services.exports.tables import EXPORT_FORMATS, filename_for

# period code -> the key of its label
PERIODS = {"30": "activities.period.last_30", "term": "activities.period.term",
           "year": "activities.period.year", "365": "activities.period.last_365",
           "custom": "activities.period.custom"}
# export code -> the key of its name
EXPORT_TITLES = {"activities": "activities.export.activities",
                 "attendance": "activities.export.attendance"}
# The reason is stored as written (Chinese, as it always was); each has a label to show.
ARCHIVE_REASONS = {"重复登记": "activities.archive.duplicate",
                   "登记有误": "activities.archive.wrong",
                   "活动取消": "activities.archive.cancelled",
                   "其他": "activities.archive.other"}


def _term_start(today: date) -> date:
    """春季 from February, 秋季 from September (DESIGN.md); August still counts as spring."""
    if today.month >= 9:
        return date(today.year, 9, 1)
    if today.month == 1:
        return date(today.year - 1, 9, 1)
    return date(today.year, 2, 1)


def period_picker(key: str, today: date) -> tuple[date, date]:
    """A period as two dates: the usual ones a summary covers, or any range."""
    cols = st.columns([2, 3])
    choice = cols[0].selectbox(t("activities.period.label", lang()), list(PERIODS),
                               key=f"{key}_period",
                               format_func=lambda p: t(PERIODS[p], lang()), index=1,
                 placeholder=t("common.choose", lang()))
    starts = {"30": today - timedelta(days=30), "term": _term_start(today),
              "year": date(today.year, 1, 1), "365": today - timedelta(days=365)}
    if choice != "custom":
        cols[1].caption(t("activities.period.range", lang(), start=f"{starts[choice]:%Y-%m-%d}",
                          end=f"{today:%Y-%m-%d}"))
        return starts[choice], today
    picked = cols[1].date_input(t("activities.period.dates", lang()),
                                value=(_term_start(today), today), max_value=today,
                                key=f"{key}_range", format="YYYY-MM-DD")
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return (picked[0] if isinstance(picked, tuple) and picked else _term_start(today)), today


def render_activities(actor: Actor, today: date) -> None:
    cols = st.columns([5, 2, 1], vertical_alignment="bottom")
    with cols[0]:
        date_from, date_to = period_picker("activities", today)
    with db_transaction() as session:
        kinds = {k.code: kind_label(k, lang()) for k in activity_kinds.list_activity_kinds(
            session, include_archived=True)}
    kind = cols[1].selectbox(t("activities.list.kind", lang()), [None, *kinds],
                             key="activities_kind", placeholder=t("common.all", lang()),
                             format_func=lambda k: t("common.all", lang()) if k is None
                             else kinds[k])
    archived = cols[2].checkbox(t("activities.list.with_archived", lang()),
                                key="activities_archived")
    with db_transaction() as session:
        rows = activity_queries.list_activities(session, actor, date_from=date_from,
                                                date_to=date_to, kind=kind,
                                                include_archived=archived)
    totals = activity_queries.activity_totals(rows)
    metrics = st.columns(4)
    metrics[0].metric(t("activities.metric.activities", lang()),
                      t("activities.metric.activities_n", lang(), n=f"{totals.activities:,}"))
    metrics[1].metric(t("activities.metric.sessions", lang()),
                      t("activities.metric.sessions_n", lang(), n=f"{totals.sessions:,}"))
    metrics[2].metric(t("activities.metric.person_times", lang()), f"{totals.person_times:,}")
    metrics[3].metric(t("activities.metric.attending", lang()),
                      t("activities.metric.attending_n", lang(), n=f"{totals.attending:,}"))
    if not rows:
        st.info(t("activities.list.empty", lang()))
        return
    picked = _table(rows, kinds)
    st.caption(t("activities.list.count", lang(), n=f"{len(rows):,}"))
    if picked:
        _details(actor, rows[picked[0]], today, kinds)


def _table(rows: list[ActivityRow], kinds: dict[str, str]) -> list[int]:
    language = lang()
    frame = pd.DataFrame([{
        t("activities.col.date", language): r.held_on.isoformat(),
        t("activities.col.title", language): r.title + (
            t("activities.list.archived_mark", language) if r.archived else ""),
        t("activities.col.kind", language): kinds.get(r.kind, r.kind_label),
        t("activities.col.sessions", language): r.sessions,
        t("activities.col.person_times", language): r.person_times,
        t("activities.col.attending", language): r.attending,
        t("activities.col.extra", language): r.extra,
        t("activities.col.unit", language): r.org_unit,
        t("activities.col.place", language): r.place or "",
        t("activities.col.photos", language):
            t("activities.col.photos_n", language, n=r.photos) if r.photos else "",
    } for r in rows])
    listed = zlib.crc32(",".join(str(r.id) for r in rows).encode())
    event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"activities_table_{listed}",
                         height=min(38 + 35 * len(frame), 460))
    return list(event.selection.rows)


def _details(actor: Actor, row: ActivityRow, today: date, kinds: dict[str, str]) -> None:
    try:
        with db_transaction() as session:
            detail = activity_queries.activity_detail(session, actor, row.id)
    except DomainError as exc:
        show_problem(exc)
        return
    a = detail.activity
    st.subheader(t("activities.detail.heading", lang(), title=md(a.title),
                   kind=md(kinds.get(a.kind, detail.kind_label))))
    if a.is_archived:
        st.warning(t("activities.detail.archived", lang(), reason=md(a.archive_reason)))
    tabs = st.tabs([t("activities.detail.tab_summary", lang()),
                    t("activities.detail.tab_photos", lang()),
                    t("activities.detail.tab_edit", lang()),
                    t("activities.detail.tab_restore" if a.is_archived
                      else "activities.detail.tab_archive", lang())])
    with tabs[0]:
        _summary(detail)
    with tabs[1]:
        _photos(actor, detail)
    with tabs[2]:
        if a.is_archived:
            st.caption(t("activities.detail.archived_no_edit", lang()))
        else:
            _edit(actor, detail, today)
    with tabs[3]:
        _archive(actor, detail)


def _summary(detail: ActivityDetail) -> None:
    a = detail.activity
    language = lang()
    sep = t("activities.sep", language)
    st.markdown(f"**{a.held_on:%Y-%m-%d}** · {md(detail.org_unit)} · "
                f"{md(a.place or t('activities.detail.no_place', language))}")
    st.markdown(t("activities.detail.person_times", language, sessions=a.sessions,
                  children=len(detail.attendees), extra=a.extra_person_times,
                  total=detail.person_times))
    if detail.attendees:
        st.markdown(t("activities.detail.attendees", language,
                      names=sep.join(md(c.name) for c in detail.attendees)))
    if detail.helpers:
        st.markdown(t("activities.detail.helpers", language,
                      names=sep.join(md(name) for _, name in detail.helpers)))
    if detail.providers:
        st.markdown(t("activities.detail.providers", language,
                      names=sep.join(md(p) for p in detail.providers)))
    for gift in detail.donations:
        parts = [t("activities.detail.money", language, yuan=f"{gift.money_yuan:,.2f}")
                 if gift.money_yuan else "", md(gift.goods)]
        to = t("activities.detail.recipients", language,
               names=sep.join(md(r) for r in gift.recipients)) if gift.recipients else ""
        by = t("activities.detail.gift_by", language, provider=md(gift.provider)) \
            if gift.provider else t("activities.detail.gift", language)
        st.markdown(t("activities.detail.gift_line", language, by=by,
                      what=" ".join(p for p in parts if p), to=to))
    if a.volunteers or a.cost_yuan is not None:
        st.caption(t("activities.detail.volunteers", language, n=a.volunteers)
                   + (t("activities.detail.cost", language, yuan=f"{a.cost_yuan:,.2f}")
                      if a.cost_yuan is not None else ""))
    if a.notes:
        st.caption(md_block(a.notes))


def _photos(actor: Actor, detail: ActivityDetail) -> None:
    a = detail.activity
    if detail.photos:
        cols = st.columns(3)
        for index, photo in enumerate(detail.photos):
            with cols[index % 3]:
                path = photos.photo_path(photo)
                if path.is_file():
                    st.image(str(path), caption=md(photo.caption or photo.filename),
                             width="stretch")
                else:
                    st.warning(t("activities.photos.missing", lang(), name=md(photo.filename)))
                if not a.is_archived and st.button(t("activities.photos.delete", lang()),
                                                   key=f"photo_del_{photo.id}",
                                                   icon=":material/delete:"):
                    apply_change("activity_photo", partial(
                        photos.remove_photo, actor=actor, photo_id=photo.id), photo.id,
                        t("activities.photos.deleted", lang()))
    else:
        st.caption(t("activities.photos.none", lang()))
    room = photos.MAX_PHOTOS - len(detail.photos)
    if a.is_archived or room <= 0:
        return
    uploads = file_uploader(t("activities.photos.add", lang(), n=room),
                            types=["jpg", "jpeg", "png"], multiple=True,
                            key=f"photo_add_{a.id}", max_mb=photos.MAX_BYTES // 2**20,
                            lang=lang()) or []
    if uploads and st.button(t("activities.photos.upload", lang()), key=f"photo_up_{a.id}",
                             type="primary"):
        files = [(u.name, u.getvalue()) for u in uploads]
        apply_change("activity_photo", lambda s: photos.save_photos(
            s, actor=actor, activity_id=a.id, files=files), a.id,
            t("activities.photos.added", lang(), n=len(files)))


def _edit(actor: Actor, detail: ActivityDetail, today: date) -> None:
    a = detail.activity
    opened = remembered_version("activity", a.id, a.version)
    with db_transaction() as session:
        gifts = activities.activity_donations(session, a.id)
    current = ActivityInput(
        kind=a.kind, title=a.title, held_on=a.held_on, org_unit_id=a.org_unit_id,
        place=a.place, sessions=a.sessions, extra_person_times=a.extra_person_times,
        child_ids=tuple(c.id for c in detail.attendees),
        helper_ids=tuple(i for i, _ in detail.helpers), provider_names=detail.providers,
        donations=tuple(gifts[:1]), volunteers=a.volunteers, cost_yuan=a.cost_yuan,
        notes=a.notes)
    if len(gifts) > 1:
        st.caption(t("activities.edit.more_gifts", lang(), n=len(gifts)))
    choices = load_choices(actor)
    if a.kind not in choices.kinds:  # a kind stopped since: the activity keeps it
        choices = replace(choices, kinds={**choices.kinds, a.kind: t(
            "activities.edit.kind_stopped", lang(), kind=detail.kind_label)})
    prefix = f"act_edit_{a.id}_{opened}"
    data = activity_fields(actor, today, prefix, choices, current,
                           {c.id: c.label for c in detail.attendees}, dict(detail.helpers))
    if len(gifts) > 1:
        data = replace(data, donations=data.donations + tuple(gifts[1:]))
    if st.button(t("activities.edit.save", lang()), key=f"{prefix}_save", type="primary"):
        apply_change("activity", lambda s: activities.update_activity(
            s, actor=actor, activity_id=a.id, expected_version=opened, data=data, today=today),
            a.id, t("activities.edit.saved", lang(), sessions=data.sessions,
                    person_times=data.person_times))


def _archive(actor: Actor, detail: ActivityDetail) -> None:
    a = detail.activity
    opened = remembered_version("activity", a.id, a.version)
    if a.is_archived:
        if st.button(t("activities.archive.restore", lang()), key=f"activity_restore_{a.id}"):
            apply_change("activity", lambda s: activities.restore_activity(
                s, actor=actor, activity_id=a.id, expected_version=opened), a.id,
                t("activities.archive.restored", lang()))
        return
    with st.form(f"activity_archive_{a.id}"):
        reason = st.selectbox(t("activities.archive.reason", lang()), list(ARCHIVE_REASONS),
                              format_func=lambda r: t(ARCHIVE_REASONS[r], lang()),
                     placeholder=t("common.choose", lang()))
        note = st.text_input(t("activities.archive.note", lang()))
        st.caption(t("activities.archive.hint", lang()))
        if st.form_submit_button(t("activities.archive.submit", lang())):
            text = reason + (f"\uff1a{note.strip()}" if note.strip() else "")
            apply_change("activity", lambda s: activities.archive_activity(
                s, actor=actor, activity_id=a.id, expected_version=opened, reason=text),
                a.id, t("activities.archive.done", lang(), title=a.title))


def render_activity_exports(actor: Actor, today: date) -> None:
    """导出: the activity list or the attendance list of a period, CSV or Excel."""
    if not actor.can(Capability.EXPORT):
        st.info(t("activities.export.not_allowed", lang()))
        return
    kind = st.radio(t("activities.export.list", lang()), list(ACTIVITY_EXPORTS), horizontal=True,
                    key="activity_export_kind",
                    format_func=lambda k: t(EXPORT_TITLES[k], lang()))
    chosen = ACTIVITY_EXPORTS[kind]
    date_from, date_to = period_picker("activity_export", today)
    cols = st.columns(2)
    fmt = cols[0].radio(t("activities.export.format", lang()), EXPORT_FORMATS, horizontal=True,
                        key="activity_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key="activity_export_sensitive",
                                 label=t("activities.export.sensitive", lang()),
                                 help_text=t("activities.export.sensitive_help", lang()),
                                 lang=lang())
    st.caption(t("activities.export.columns", lang(),
                 columns=t("activities.sep", lang()).join(c.header for c in chosen.columns)))

    def build() -> bytes:
        try:
            with db_transaction() as session:
                return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                     page=current_page(),
                                     include_sensitive=sensitive.include,
                                     options=sensitive.options(), date_from=date_from,
                                     date_to=date_to)
        except DomainError as exc:
            show_problem(exc)
            return b""

    st.download_button(t("activities.export.download", lang()), build,
                       file_name=sensitive.filename(filename_for(chosen.title, fmt, today)),
                       key="activity_export_download", type="primary", on_click="ignore",
                       icon=":material/download:",
                       disabled=not sensitive.ready)
