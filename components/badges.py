"""Small inline markers that look the same everywhere: risk colour, 重点关注, archived."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from services.vocab import RiskLevel

# Streamlit's markdown palette has no yellow; orange reads as 黄 next to the label.
RISK_COLOURS = {RiskLevel.red: "red", RiskLevel.yellow: "orange", RiskLevel.blue: "blue",
                RiskLevel.green: "green"}
# Cell colours for tables, where markdown does not render (and emoji fonts may be missing).
RISK_CELL_STYLES = {
    RiskLevel.red.zh: "background-color: #fecaca; color: #7f1d1d",
    RiskLevel.yellow.zh: "background-color: #fef08a; color: #713f12",
    RiskLevel.blue.zh: "background-color: #bfdbfe; color: #1e3a8a",
    RiskLevel.green.zh: "background-color: #bbf7d0; color: #14532d",
}


def risk_badge(level: RiskLevel | None) -> str:
    """Markdown for a risk colour, e.g. ":red-background[红 高风险]"."""
    if level is None:
        return ":gray-background[未评估]"
    return f":{RISK_COLOURS[level]}-background[{level.zh}色]"


def risk_cell(level: RiskLevel | None) -> str:
    """The text a table shows for a risk colour; `style_risk` colours it."""
    return level.zh if level else "未评估"


def style_risk(frame: pd.DataFrame, column: str) -> Styler:
    """The frame with its risk column coloured red, yellow, blue or green."""
    return frame.style.map(lambda value: RISK_CELL_STYLES.get(value, ""), subset=[column])


KEY_CONCERN_BADGE = ":red-background[:material/priority_high: 重点关注]"
ARCHIVED_BADGE = ":gray-background[已归档]"
