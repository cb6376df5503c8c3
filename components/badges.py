"""Small inline markers that look the same everywhere: risk colour, 重点关注, archived."""

from __future__ import annotations

from services.vocab import RiskLevel

# Streamlit's markdown palette has no yellow; orange reads as 黄 next to the label.
RISK_COLOURS = {RiskLevel.red: "red", RiskLevel.yellow: "orange", RiskLevel.blue: "blue",
                RiskLevel.green: "green"}
RISK_DOTS = {RiskLevel.red: "🔴", RiskLevel.yellow: "🟡", RiskLevel.blue: "🔵",
             RiskLevel.green: "🟢"}


def risk_badge(level: RiskLevel | None) -> str:
    """Markdown for a risk colour, e.g. ":red-background[红 高风险]"."""
    if level is None:
        return ":gray-background[未评估]"
    return f":{RISK_COLOURS[level]}-background[{level.zh}色]"


def risk_dot(level: RiskLevel | None) -> str:
    """A coloured dot for tables, where markdown does not render."""
    return RISK_DOTS.get(level, "⚪") if level else "⚪"


KEY_CONCERN_BADGE = ":red-background[:material/priority_high: 重点关注]"
ARCHIVED_BADGE = ":gray-background[已归档]"
