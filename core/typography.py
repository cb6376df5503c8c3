"""Chinese typography for text written from stored data: full-width punctuation beside Chinese.

Labels and names come from people and old records ("(外)祖父母监护", a survey question ending
in "?"); text the app writes around them is full-width, so they are too when shown.
"""

from __future__ import annotations

import re

# CJK ideographs, CJK punctuation, full-width forms and the curly quotes Chinese text uses.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u201c\u201d"
ASCII_BESIDE_CJK = re.compile(f"(?<=[{CJK}])[,:;()?!]|[,:;()?!](?=[{CJK}])")
FULL_WIDTH = dict(zip(",:;()?!", "\uff0c\uff1a\uff1b\uff08\uff09\uff1f\uff01", strict=True))
_PAIR = re.compile(r"\(([^()]*[\u3400-\u9fff][^()]*)\)")


def full_width(text: str) -> str:
    """ASCII , : ; ( ) ? ! beside a Chinese character written full-width, and a bracket pair
    around Chinese text; "1,500.00元", "10:30" and "(2/3)" stay as they are."""
    text = _PAIR.sub("\uff08\\1\uff09", text)
    for _ in range(2):  # a bracket made full-width may now stand beside an ASCII comma
        text = ASCII_BESIDE_CJK.sub(lambda m: FULL_WIDTH[m.group(0)], text)
    return text
