"""User text is data, never markup: the one escaping helper for everything shown through markdown.

`st.markdown`, `st.title`, `st.caption`, `st.info`/`st.error`, widget labels, tab names and
`st.page_link` labels all render Markdown (with Streamlit's own `:color[...]`, `:material/...:`
and `$...$` extensions). A name like `[点我](http://x)` or `![](http://x/p.png)` would become a
link or make every viewer's browser fetch a remote image. `md()` makes any text print literally.
`html()` does the same for the few places that build HTML for layout (meeting mode).
"""

from __future__ import annotations

import html as _html
import re

# CommonMark lets any ASCII punctuation be escaped with a backslash; escaping all of it also
# covers Streamlit's extensions (`:red[…]`, `:material/x:`, `$…$`) and GFM tables and autolinks.
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
# GFM turns bare URLs and e-mail addresses into links after escapes are resolved, so a
# backslash does not stop "http://x" from becoming one. An invisible word joiner (U+2060)
# inside the scheme, before "www." and before "@" does.
_AUTOLINK_START = re.compile(r"(?i)(https?|ftp|mailto|xmpp|www)(?=\\[:.])")
_WORD_JOINER = "\u2060"


def _literal(line: str) -> str:
    """One line with every Markdown character escaped and no autolink left in it."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
    escaped = _AUTOLINK_START.sub(lambda found: found.group(1) + _WORD_JOINER, escaped)
    return escaped.replace("\\@", _WORD_JOINER + "\\@")


def md(text: object) -> str:
    """Return `text` as Markdown that renders literally, on one line."""
    if text is None:
        return ""
    return _literal(_LINE_BREAKS.sub(" ", str(text)))


def md_block(text: object) -> str:
    """Return multi-line `text` as literal Markdown, keeping its line breaks."""
    if text is None:
        return ""
    lines = _LINE_BREAKS.split(str(text))
    return "  \n".join(_literal(line) for line in lines)


def html(text: object) -> str:
    """Return `text` escaped for HTML element content and quoted attributes."""
    return "" if text is None else _html.escape(str(text), quote=True)


def html_text(text: object) -> str:
    """Return `text` for HTML that `st.markdown(..., unsafe_allow_html=True)` renders.

    Every ASCII punctuation mark becomes a character reference, so the value is escaped for
    HTML and holds no Markdown syntax either, whichever of the two reads it; on one line, so
    it cannot end the HTML block it sits in.
    """
    if text is None:
        return ""
    flat = _LINE_BREAKS.sub(" ", str(text))
    return _MARKDOWN_SPECIAL.sub(lambda found: f"&#{ord(found.group(1))};", flat)


# What Markdown or Streamlit could read as syntax anywhere in a line; list and heading markers
# at its start; a colon before a letter (`:material/icon:`, `:red[`). Ordinary punctuation in
# messages ("名称:必填", "2场,31人次") stays as written.
_SYNTAX = re.compile(r"([\\`*_{}\[\]<>#$|~!&])|:(?=[A-Za-z])")
_LIST_MARK = re.compile(r"^(\s*)([-+=]|\d+[.)])")
_AUTOLINK_PLAIN = re.compile(r"(?i)(https?|ftp|mailto|xmpp|www)(?=\\?[:.])")


def md_message(text: object) -> str:
    """Return a message that may quote user text as literal Markdown, keeping its line breaks
    and its ordinary punctuation unescaped."""
    if text is None:
        return ""
    lines = []
    for line in _LINE_BREAKS.split(str(text)):
        escaped = _SYNTAX.sub(lambda found: "\\" + found.group(0), line)
        # "- x", "1. x" or "=" start a list or a heading: escape their last character.
        escaped = _LIST_MARK.sub(lambda f: f.group(1) + f.group(2)[:-1] + "\\" + f.group(2)[-1],
                                 escaped)
        escaped = _AUTOLINK_PLAIN.sub(lambda found: found.group(1) + _WORD_JOINER, escaped)
        lines.append(re.sub(r"(?<=\w)@", _WORD_JOINER + "@", escaped))
    return "  \n".join(lines)
