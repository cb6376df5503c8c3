"""Small inline markers that look the same everywhere: risk colour, 重点关注, archived."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from core.i18n import t
from core.vocab import RiskLevel

# Streamlit's markdown palette has no yellow; orange reads as 黄 next to the label.
RISK_COLOURS = {RiskLevel.red: "red", RiskLevel.yellow: "orange", RiskLevel.blue: "blue",
                RiskLevel.green: "green"}
# Cell colours for tables, where markdown does not render (and emoji fonts may be missing),
# by the label a table shows in either language.
CELL_COLOURS = {
    RiskLevel.red: "background-color: #fecaca; color: #7f1d1d",
    RiskLevel.yellow: "background-color: #fef08a; color: #713f12",
    RiskLevel.blue: "background-color: #bfdbfe; color: #1e3a8a",
    RiskLevel.green: "background-color: #bbf7d0; color: #14532d",
}
RISK_CELL_STYLES = {label: style for level, style in CELL_COLOURS.items()
                    for label in (level.zh, level.en)}


def risk_badge(level: RiskLevel | None, lang: str = "zh") -> str:
    """Markdown for a risk colour, e.g. ":red-background[红色]"."""
    if level is None:
        return f":gray-background[{t('badge.unassessed', lang)}]"
    return f":{RISK_COLOURS[level]}-background[{t('badge.risk', lang, level=level.label(lang))}]"


def risk_cell(level: RiskLevel | None, lang: str = "zh") -> str:
    """The text a table shows for a risk colour; `style_risk` colours it."""
    return level.label(lang) if level else t("badge.unassessed", lang)


def style_risk(frame: pd.DataFrame, column: str) -> Styler:
    """The frame with its risk column coloured red, yellow, blue or green."""
    return frame.style.map(lambda value: RISK_CELL_STYLES.get(value, ""), subset=[column])


def key_concern_badge(lang: str = "zh") -> str:
    return f":red-background[:material/priority_high: {t('badge.key_concern', lang)}]"


def archived_badge(lang: str = "zh") -> str:
    return f":gray-background[{t('badge.archived', lang)}]"


# The Chinese badges, for callers that do not pass a language yet.
KEY_CONCERN_BADGE = key_concern_badge()
ARCHIVED_BADGE = archived_badge()
