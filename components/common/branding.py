"""The app's own icon (no request leaves for a font CDN) and the styles every page shares."""

import json
from pathlib import Path

import streamlit as st

from core.i18n import t

ICON = Path(__file__).resolve().parents[2] / "assets" / "icon.png"

# Streamlit's keyboard hints under a focused field ("Press Enter to submit form", "Press
# Ctrl+Enter to apply") are fixed English; in Chinese they are hidden (the form's button says
# what to do). A style-only st.html takes no room on the page.
CHINESE_PAGE_CSS = """<style>
[data-testid="InputInstructions"] { display: none !important; }
</style>"""
# More fixed English texts, which CSS cannot reach: the keyboard users' "Skip to main content"
# link, and a date field's segments ("yyyy", "mm", "dd" shown; "year, 出生日期" and "Empty" read
# out by a screen reader). Rewritten in the page's language as they appear; a text node's value
# is changed in place, so React still owns (and later replaces) the node. A language switch
# re-sends this script with the other words.
PAGE_WORDS_JS = """<script>
(() => {
  window.__shouwangWords = %s;
  if (window.__shouwangWordsWatch) { return; }
  window.__shouwangWordsWatch = true;
  const PARTS = ["year", "month", "day"];
  const fixSegment = (segment, words) => {
    const part = PARTS.indexOf(segment.dataset.type);
    if (part < 0) { return; }
    const label = segment.getAttribute("aria-label") || "";
    const named = label.match(/^(year|month|day|年|月|日)(, |\uff0c)(.*)$/);
    const wanted = named && words.parts[part] + words.comma + named[3];
    if (named && label !== wanted) { segment.setAttribute("aria-label", wanted); }
    const empty = segment.getAttribute("aria-valuetext");
    if ((empty === "Empty" || empty === "\u672a\u586b") && empty !== words.empty) {
      segment.setAttribute("aria-valuetext", words.empty);
    }
    const text = segment.firstChild;
    if (segment.dataset.placeholder === "true" && text && text.nodeType === 3
        && /^([ymd]+|[\u5e74\u6708\u65e5])$/i.test(text.nodeValue)
        && text.nodeValue !== words.hints[part]) {
      text.nodeValue = words.hints[part];
    }
  };
  const fix = () => {
    const words = window.__shouwangWords;
    document.querySelectorAll('[data-testid="stSkipToContent"]').forEach((link) => {
      if (link.textContent !== words.skip) { link.textContent = words.skip; }
    });
    document.querySelectorAll('[data-testid="stDateInputField"] [role="spinbutton"]')
      .forEach((segment) => fixSegment(segment, words));
  };
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true,
    characterData: true, attributes: true, attributeFilter: ["aria-label", "aria-valuetext"]});
  fix();
})();
</script>"""


def apply_page_style(lang: str) -> None:
    words = {"skip": t("page.skip_to_content", lang), "comma": t("page.date_comma", lang),
             "parts": [t(f"page.date_{part}", lang) for part in ("year", "month", "day")],
             "hints": [t(f"page.date_{part}_hint", lang) for part in ("year", "month", "day")],
             "empty": t("page.date_empty", lang)}
    style = CHINESE_PAGE_CSS if lang == "zh" else ""
    st.html(style + PAGE_WORDS_JS % json.dumps(words, ensure_ascii=False),
            unsafe_allow_javascript=True)
