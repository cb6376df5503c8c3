"""The UI's text catalogue: Simplified Chinese first, English as the second language.

One catalogue per language, `services/locales/<language>/`, split into files by area of the
product (core.toml, roster.toml, …); each file of one language has the same keys as the file
of the same name in the other (tests/services/test_i18n.py). A key is `area.thing`; format
fields in braces are filled by `t(key, lang, **values)`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
LOCALES = Path(__file__).with_name("locales")


class CatalogueError(ValueError):
    """A catalogue file that cannot be used: unreadable, a non-text entry, a key twice."""


def catalogue_files(lang: str) -> list[Path]:
    return sorted((LOCALES / lang).glob("*.toml"))


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of one language, by key, from all of its files."""
    merged: dict[str, str] = {}
    for path in catalogue_files(lang):
        try:
            entries = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path}: {exc}") from exc
        for key, text in entries.items():
            if not isinstance(text, str):
                raise CatalogueError(f"{path}: {key} is not a text (quote dotted keys)")
            if key in merged:
                raise CatalogueError(f"{path}: {key} is already defined in another file")
            merged[key] = text
    return merged


def has_text(key: str) -> bool:
    return key in catalogue(DEFAULT_LANGUAGE)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for `key` in `lang`, falling back to Chinese, then to the key itself."""
    text = catalogue(lang).get(key) if lang in LANGUAGES else None
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        return key
    return text.format(**values) if values else text


def t_or_code(prefix: str, code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of a stored code such as an audit action, or the code itself when unlabelled."""
    key = f"{prefix}.{code}"
    return t(key, lang) if has_text(key) else code
