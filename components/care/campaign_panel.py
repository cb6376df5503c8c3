"""专项行动: each campaign's progress, who is and is not reached yet, the gaps list to download."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.common.feedback import apply_change, remembered_version, show_flash, show_problem
from components.common.markup import md, md_block
from components.common.pickers import org_select
from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import sensitive_choice
from core.errors import DomainError
from core.i18n import t
from core.vocab import ActivityKind, Category, ContactKind, Gender, RiskLevel, UnknownLabel
from services.access.orgs import OrgNode, org_tree
from services.access.permissions import Actor, Capability
from services.care.campaign_queries import (
    ENDED,
    RUNNING,
    UPCOMING,
    CampaignSummary,
    ReachRow,
    activity_kind_options,
    campaign_progress,
    list_campaigns,
)
from services.care.campaigns import (
    CampaignInput,
    archive_campaign,
    create_campaign,
    update_campaign,
)
from services.exports.campaign_export import CAMPAIGN_EXPORTS
from services.exports.tables import EXPORT_FORMATS, filename_for

STATUS_KEYS = {UPCOMING: "campaigns.status.upcoming", RUNNING: "campaigns.status.running",
               ENDED: "campaigns.status.ended"}
STATUS_BADGES = {RUNNING: ":green-background[{status}]", ENDED: ":gray-background[{status}]"}
UPCOMING_BADGE = ":blue-background[{status}]"
Reach = tuple[str, str]  # ("activity", kind code) or ("contact", ContactKind code)


def render_campaigns(actor: Actor, today: date) -> None:
    """The campaigns tab: create, watch progress, look into one, export what is left to do."""
    show_flash()
    with db_transaction() as session:
        summaries = list_campaigns(session, actor, today=today)
        kinds = activity_kind_options(session)
        units = org_tree(session, actor)
    if actor.can(Capability.MANAGE_PAIRINGS):
        with st.expander(t("campaigns.new", lang()), expanded=not summaries,
                         icon=":material/add:"):
            data = campaign_form(key="campaign_new", kinds=kinds, units=units, today=today,
                                 submit_label=t("campaigns.create", lang()))
            if data is not None:
                apply_change("campaign", lambda s: create_campaign(s, actor=actor, data=data), 0,
                             t("campaigns.created", lang(), name=data.name.strip()))
    if not summaries:
        st.info(t("campaigns.empty", lang()), icon=":material/campaign:")
        return
    for summary in summaries:
        _progress_card(summary, today)
    _gaps_download(actor, today, key="campaign_gaps_running", campaign_id=None,
                   title=t("campaigns.gaps_all_file", lang()),
                   label=t("campaigns.download_all_gaps", lang()))
    st.divider()
    by_id = {s.id: s for s in summaries}
    chosen = st.selectbox(t("campaigns.pick", lang()), list(by_id), key="campaign_pick",
                          format_func=lambda i: t("campaigns.pick_label", lang(),
                                                  name=by_id[i].name,
                                                  status=_status(by_id[i])),
                          placeholder=t("common.choose", lang()))
    if chosen is not None:
        _detail(actor, today, by_id[chosen], kinds, units)


def _status(summary: CampaignSummary) -> str:
    key = STATUS_KEYS.get(summary.status)
    return t(key, lang()) if key else summary.status


def _badge(summary: CampaignSummary) -> str:
    return STATUS_BADGES.get(summary.status, UPCOMING_BADGE).format(status=_status(summary))


def _days_left(summary: CampaignSummary, today: date) -> str:
    if summary.status != RUNNING:
        return ""
    left = (summary.ends_on - today).days
    return (t("campaigns.ends_today", lang()) if left == 0
            else t("campaigns.days_left", lang(), n=left))


def _reach_label(summary: CampaignSummary) -> str:
    """活动：节日慰问 / 帮扶：家访, as the service writes it, in the page's language."""
    if summary.contact_kind:
        return t("campaigns.reach.contact", lang(), kind=summary.contact_kind.label(lang()))
    code = summary.activity_kind or ""
    return t("campaigns.reach.activity", lang(),
             kind=_kind_label(code, summary.reach_label.partition("\uff1a")[2] or code))


def _target_label(summary: CampaignSummary) -> str:
    """石门镇 · 困境儿童 · 红色风险, or 全部儿童."""
    parts = [summary.org_name or "", summary.category.label(lang()) if summary.category else "",
             t("campaigns.target.risk", lang(), level=summary.risk_level.label(lang()))
             if summary.risk_level else ""]
    return " · ".join(p for p in parts if p) or t("campaigns.target.everyone", lang())


def _progress_label(summary: CampaignSummary) -> str:
    """已覆盖 12/40 (30.0%)."""
    share = f" ({summary.share:.1%})" if summary.share is not None else ""
    return t("campaigns.progress", lang(), reached=summary.reached, target=summary.target,
             share=share)


def _progress_card(summary: CampaignSummary, today: date) -> None:
    with st.container(border=True):
        st.markdown(f"**{md(summary.name)}** {_badge(summary)}")
        st.caption(t("campaigns.card", lang(), starts=f"{summary.starts_on:%Y-%m-%d}",
                     ends=f"{summary.ends_on:%Y-%m-%d}", left=_days_left(summary, today),
                     reach=md(_reach_label(summary)), target=md(_target_label(summary))))
        st.progress(summary.share or 0.0, text=_progress_label(summary))  # figures only


def _gender(label_zh: str) -> str:
    """The service writes 男/女; the page's language may want Male/Female."""
    try:
        return Gender.parse(label_zh).label(lang())
    except UnknownLabel:
        return label_zh


def _table(rows: list[ReachRow], *, with_date: bool) -> pd.DataFrame:
    def col(name: str) -> str:
        return t(f"campaigns.col.{name}", lang())

    return pd.DataFrame([{
        col("name"): r.name, col("gender"): _gender(r.gender), col("age"): r.age,
        col("town"): r.town, col("place"): r.place, col("class"): r.class_label,
        **({col("last_reached"): r.last_reached.isoformat() if r.last_reached else ""}
           if with_date else {}),
    } for r in rows])


def _detail(actor: Actor, today: date, summary: CampaignSummary, kinds: dict[str, str],
            units: list[OrgNode]) -> None:
    try:
        with db_transaction() as session:
            progress = campaign_progress(session, actor, summary.id, today=today)
    except DomainError as exc:
        show_problem(exc)
        return
    done = progress.campaign
    cols = st.columns(4)
    cols[0].metric(t("campaigns.metric.target", lang()), done.target)
    cols[1].metric(t("campaigns.metric.reached", lang()), done.reached)
    cols[2].metric(t("campaigns.metric.not_reached", lang()), done.target - done.reached)
    cols[3].metric(t("campaigns.metric.share", lang()),
                   f"{done.share:.1%}" if done.share is not None else "—")
    if done.notes:
        st.caption(md_block(done.notes))
    waiting, reached = st.tabs([t("campaigns.tab.not_reached", lang(),
                                  n=len(progress.not_reached)),
                                t("campaigns.tab.reached", lang(), n=len(progress.reached))])
    with waiting:
        if progress.not_reached:
            st.dataframe(_table(progress.not_reached, with_date=False), hide_index=True,
                         width="stretch", key=f"campaign_waiting_{done.id}")
        elif done.target:
            st.success(t("campaigns.all_reached", lang()))
        else:
            st.info(t("campaigns.no_targets", lang()))
    with reached:
        if progress.reached:
            st.dataframe(_table(progress.reached, with_date=True), hide_index=True,
                         width="stretch", key=f"campaign_reached_{done.id}")
        else:
            st.caption(t("campaigns.none_reached", lang()))
    _gaps_download(actor, today, key=f"campaign_gaps_{done.id}", campaign_id=done.id,
                   title=t("campaigns.gaps_file", lang(), name=done.name),
                   label=t("campaigns.download_gaps", lang()))
    if done.editable:
        _edit_and_archive(actor, today, done, kinds, units)
    elif actor.can(Capability.MANAGE_PAIRINGS):
        st.caption(t("campaigns.from_above", lang()))


def _gaps_download(actor: Actor, today: date, *, key: str, campaign_id: int | None, title: str,
                   label: str) -> None:
    if not actor.can(Capability.EXPORT):
        return
    cols = st.columns([1, 1, 2])
    fmt = cols[0].radio(t("campaigns.export_format", lang()), EXPORT_FORMATS, horizontal=True,
                        key=f"{key}_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key=f"{key}_sensitive",
                                 label=t("campaigns.export_sensitive", lang()),
                                 help_text=t("campaigns.export_sensitive_help", lang()),
                                 lang=lang())

    def build() -> bytes:
        # Runs only when the button is clicked, so opening the tab never pays for a file.
        with db_transaction() as session:
            gaps = CAMPAIGN_EXPORTS["campaign_gaps"]  # audited like every list export
            return gaps.export(session, actor=actor, fmt=fmt, today=today, page=current_page(),
                               include_sensitive=sensitive.include,
                               options=sensitive.options(), campaign_id=campaign_id)

    cols[2].download_button(label, build,
                            file_name=sensitive.filename(filename_for(title, fmt, today)),
                            key=key, on_click="ignore", icon=":material/download:",
                            disabled=not sensitive.ready)


def _edit_and_archive(actor: Actor, today: date, summary: CampaignSummary,
                      kinds: dict[str, str], units: list[OrgNode]) -> None:
    opened = remembered_version("campaign", summary.id, summary.version)
    with st.expander(t("campaigns.edit", lang()), icon=":material/edit:"):
        current = CampaignInput(summary.name, summary.starts_on, summary.ends_on,
                                summary.activity_kind, summary.contact_kind, summary.org_unit_id,
                                summary.category, summary.risk_level, summary.notes or "")
        data = campaign_form(key=f"campaign_edit_{summary.id}", kinds=kinds, units=units,
                             today=today, current=current,
                             submit_label=t("campaigns.save_changes", lang()))
        if data is not None:
            apply_change("campaign", lambda s: update_campaign(
                s, actor=actor, campaign_id=summary.id, expected_version=opened, data=data),
                summary.id, t("campaigns.saved", lang()))
    with st.expander(t("campaigns.archive", lang()), icon=":material/archive:"), \
            st.form(f"campaign_archive_{summary.id}"):
        reason = st.text_input(t("campaigns.archive_reason", lang()), max_chars=200,
                               placeholder=t("campaigns.archive_reason_placeholder", lang()))
        st.caption(t("campaigns.archive_note", lang()))
        if st.form_submit_button(t("campaigns.archive", lang())):
            apply_change("campaign", lambda s: archive_campaign(
                s, actor=actor, campaign_id=summary.id, expected_version=opened, reason=reason),
                summary.id, t("campaigns.archived", lang(), name=summary.name))


def _choice(label: str, options: list, current: object, key: str, labels: dict,
            none_label: str | None = None) -> object:
    choices = [None, *options]
    shown = none_label if none_label is not None else t("campaigns.any", lang())
    return st.selectbox(label, choices, key=key,
                        index=choices.index(current) if current in choices else 0,
                        format_func=lambda o: shown if o is None else labels[o],
                        placeholder=t("common.choose", lang()))


def _kind_label(code: str, label_zh: str) -> str:
    """An activity kind by its stored name; a built-in one in English in English."""
    if lang() != "zh" and code in ActivityKind.codes():
        return ActivityKind(code).label(lang())
    return label_zh


def campaign_form(*, key: str, kinds: dict[str, str], units: list[OrgNode], today: date,
                  current: CampaignInput | None = None,
                  submit_label: str | None = None) -> CampaignInput | None:
    """Return what was submitted, or None; checking it is the service's job."""
    data = current or CampaignInput("", today, today + timedelta(days=30))
    if data.activity_kind and data.activity_kind not in kinds:  # a kind archived since
        kinds = {**kinds, data.activity_kind: data.activity_kind}
    reaches: list[Reach] = ([("activity", code) for code in kinds]
                            + [("contact", kind.value) for kind in ContactKind])
    labels = {r: t("campaigns.form.reach_activity", lang(), kind=_kind_label(r[1], kinds[r[1]]))
              if r[0] == "activity" else
              t("campaigns.form.reach_contact", lang(), kind=ContactKind(r[1]).label(lang()))
              for r in reaches}
    mine: Reach | None = (("activity", data.activity_kind) if data.activity_kind else
                          ("contact", data.contact_kind.value) if data.contact_kind else None)
    with st.form(key):
        name = st.text_input(t("campaigns.form.name", lang()), value=data.name, max_chars=100,
                             key=f"{key}_name",
                             placeholder=t("campaigns.form.name_placeholder", lang()))
        cols = st.columns(2)
        starts_on = cols[0].date_input(t("campaigns.form.starts_on", lang()),
                                       value=data.starts_on, key=f"{key}_start",
                                       format="YYYY-MM-DD")
        ends_on = cols[1].date_input(t("campaigns.form.ends_on", lang()), value=data.ends_on,
                                     key=f"{key}_end", format="YYYY-MM-DD")
        reach = st.selectbox(
            t("campaigns.form.reach", lang()), reaches, key=f"{key}_reach",
            format_func=labels.__getitem__,
            index=reaches.index(mine) if mine in reaches else 0,
            help=t("campaigns.form.reach_help", lang()),
            placeholder=t("common.choose", lang()))
        unit_col, category_col, risk_col = st.columns(3)
        with unit_col:
            org_unit_id = org_select(t("campaigns.form.unit", lang()), units, key=f"{key}_unit",
                                     lang=lang(), none_label=t("campaigns.form.everyone", lang()),
                                     index_of=data.org_unit_id)
        with category_col:
            category = _choice(t("campaigns.form.category", lang()), list(Category),
                               data.category, f"{key}_category",
                               {c: c.label(lang()) for c in Category})
        with risk_col:
            risk = _choice(t("campaigns.form.risk", lang()), list(RiskLevel), data.risk_level,
                           f"{key}_risk",
                           {r: t("campaigns.form.risk_option", lang(), level=r.label(lang()))
                            for r in RiskLevel})
        notes = st.text_area(t("campaigns.form.notes", lang()), value=data.notes, max_chars=500,
                             key=f"{key}_notes",
                             placeholder=t("campaigns.form.notes_placeholder", lang()))
        if not st.form_submit_button(submit_label or t("common.save", lang()), type="primary"):
            return None
    how, code = reach
    return CampaignInput(
        name=name, starts_on=starts_on, ends_on=ends_on,
        activity_kind=code if how == "activity" else None,
        contact_kind=ContactKind(code) if how == "contact" else None,
        org_unit_id=org_unit_id, category=category,  # type: ignore[arg-type]
        risk_level=risk, notes=notes)  # type: ignore[arg-type]
