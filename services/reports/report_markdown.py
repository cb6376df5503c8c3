"""The 活动总结's Markdown as blocks and spans: the little of Markdown the draft uses ("# " title,
"## "/"### " headings, "- " bullets, **bold**, plain paragraphs and the 落款), read once for
both the DOCX and the PDF, and the Markdown file itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

BOLD = re.compile(r"\*\*(.+?)\*\*")
DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
SIGN_MAX = 30  # a longer line before the date is a paragraph, not the unit's name


class Block(NamedTuple):
    """One line of the Markdown: kind is title, h1, h2, bullet, text or sign (落款)."""

    kind: str
    text: str


def blocks(text: str) -> Iterator[Block]:
    """The Markdown's non-empty lines, each classified; the unit and date lines are the 落款."""
    prefixes = (("# ", "title"), ("## ", "h1"), ("### ", "h2"), ("- ", "bullet"),
                ("* ", "bullet"))
    found: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        kind = next((k for prefix, k in prefixes if line.startswith(prefix)), "text")
        found.append(Block(kind, line if kind == "text" else line.split(" ", 1)[1].strip()))
    for index, block in enumerate(found):
        if block.kind == "text" and DATE_LINE.fullmatch(block.text):
            found[index] = Block("sign", block.text)
            before = found[index - 1] if index else None
            if (before and before.kind == "text" and len(before.text) <= SIGN_MAX
                    and not re.search("[。，；：！？.,;:!?]", before.text)):
                found[index - 1] = Block("sign", before.text)
    yield from found


def spans(text: str) -> Iterator[tuple[str, bool]]:
    """(piece, bold) for the line's **bold** and plain stretches."""
    at = 0
    for match in BOLD.finditer(text):
        if match.start() > at:
            yield text[at:match.start()], False
        yield match.group(1), True
        at = match.end()
    if at < len(text):
        yield text[at:], False


def markdown_bytes(text: str) -> bytes:
    return text.encode("utf-8")


# ---- DOCX -----------------------------------------------------------------------------------
