"""导出: the helper list, the pairing list (with history) and the children still waiting."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.common.session import current_page, db_transaction, lang
from components.exports.exports_hub import list_title
from components.exports.sensitive_choice import sensitive_choice
from core.i18n import t
from services.access.permissions import Actor, Capability
from services.exports.pairing_export import PAIRING_EXPORTS
from services.exports.tables import EXPORT_FORMATS, filename_for

# The one option each list has beyond format and sensitivity.
EXTRA_OPTION = {"helpers": ("include_inactive", "pairing.export.include_inactive"),
                "pairings": ("include_ended", "pairing.export.include_ended")}


def render_pairing_exports(actor: Actor, today: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    current = lang()
    kind = st.radio(t("pairing.export.list", current), list(PAIRING_EXPORTS), horizontal=True,
                    key="pairing_export_kind",
                    format_func=lambda k: list_title(k, PAIRING_EXPORTS[k].title, current))
    chosen = PAIRING_EXPORTS[kind]
    cols = st.columns(3)
    fmt = cols[0].radio(t("pairing.export.format", current), EXPORT_FORMATS, horizontal=True,
                        key="pairing_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key="pairing_export_sensitive",
                                 label=t("pairing.export.sensitive", current),
                                 help_text=t("pairing.export.sensitive_help", current),
                                 lang=current)
    options = {}
    if kind in EXTRA_OPTION:
        name, label = EXTRA_OPTION[kind]
        options[name] = cols[2].checkbox(t(label, current), key=f"pairing_export_{name}")
    # The column headers stay Chinese: they are the file's, shared with the import templates.
    st.caption(t("pairing.export.columns", current,
                 columns=t("export_lists.separator", current).join(
                     c.header for c in chosen.columns)))

    def build() -> bytes:
        # Runs only when the button is clicked, so opening the tab never pays for a file.
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today, page=current_page(),
                                 include_sensitive=sensitive.include,
                                 options=sensitive.options(), **options)

    st.download_button(t("pairing.export.download", current), build,
                       file_name=sensitive.filename(filename_for(chosen.title, fmt, today)),
                       key="pairing_export_download", type="primary", on_click="ignore",
                       icon=":material/download:",
                       disabled=not sensitive.ready)
