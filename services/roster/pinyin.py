"""Pinyin keys for Chinese name search: "zhangxiaoming" and "zxm" both find 张晓明."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """Return (full pinyin, initials) in lower case without tones or spaces."""
    full = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    return "".join(full).lower(), "".join(p[0] for p in full if p).lower()
