"""The app's own icon (no request leaves for a font CDN) and the styles every page shares."""

import json
from pathlib import Path

import streamlit as st

from services.i18n import t

ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.png"

# Streamlit's keyboard hints under a focused field ("Press Enter to submit form", "Press
# Ctrl+Enter to apply") are fixed English; in Chinese they are hidden (the form's button says
# what to do). A style-only st.html takes no room on the page.
CHINESE_PAGE_CSS = """<style>
[data-testid="InputInstructions"] { display: none !important; }
</style>"""
# Two more fixed English texts, which CSS cannot reach: the keyboard users' "Skip to main
# content" link and a date field's format placeholder ("yyyy/mm/dd"). Rewritten in the page's
# language; a language switch re-sends this script with the other words.
PAGE_WORDS_JS = """<script>
(() => {
  window.__shouwangWords = %s;
  if (window.__shouwangWordsWatch) { return; }
  window.__shouwangWordsWatch = true;
  const fix = () => {
    const words = window.__shouwangWords;
    document.querySelectorAll('[data-testid="stSkipToContent"]').forEach((link) => {
      if (link.textContent !== words.skip) { link.textContent = words.skip; }
    });
    document.querySelectorAll('[data-testid="stDateInput"] input').forEach((field) => {
      if (/^([ymd/.-]+|年-月-日)$/i.test(field.placeholder)) { field.placeholder = words.date; }
    });
  };
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
  fix();
})();
</script>"""


def apply_page_style(lang: str) -> None:
    words = {"skip": t("page.skip_to_content", lang), "date": t("page.date_placeholder", lang)}
    style = CHINESE_PAGE_CSS if lang == "zh" else ""
    st.html(style + PAGE_WORDS_JS % json.dumps(words, ensure_ascii=False),
            unsafe_allow_javascript=True)
