"""The UI's text catalogue: Simplified Chinese first, English as the second language.

One catalogue per language, `core/locales/<language>/`, split into files by area of the
product (core.toml, roster.toml, …); each file of one language has the same keys as the file
of the same name in the other (tests/core/test_i18n.py). A key is `area.thing`; format
fields in braces are filled by `t(key, lang, **values)`.
"""

from __future__ import annotations

import tomllib
from enum import Enum
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


class Msg(str):
    """A catalogue text that is still the Chinese string it always was, and knows its key.

    `Msg("errors.pairing.over_capacity", capacity=2)` compares, prints, joins and is stored as
    its Chinese rendering, so code and tests that read messages as Chinese keep working; the
    UI renders it in the reader's language with `render(msg, lang)`. A field may itself be a
    Msg (a noun such as 儿童档案, a validator's reason) or a vocabulary member: it is rendered
    in the same language. Concatenating a Msg gives a plain str, which stays Chinese.
    """

    key: str
    fields: dict[str, object]
    chinese: str | None

    def __new__(cls, key: str, /, **fields: object) -> Msg:
        self = super().__new__(cls, _render_key(key, DEFAULT_LANGUAGE, fields))
        self.key, self.fields, self.chinese = key, fields, None
        return self

    @classmethod
    def keeping(cls, chinese: str, key: str, /, **fields: object) -> Msg:
        """A Msg whose Chinese is `chinese` as written (an import file's column name, kept as
        the templates spell it) and whose other languages come from `key`."""
        self = str.__new__(cls, chinese)
        self.key, self.fields, self.chinese = key, fields, chinese
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_msg, (self.key, self.fields, self.chinese))

    def render(self, lang: str) -> str:
        if self.chinese is not None and lang not in LANGUAGES.keys() - {DEFAULT_LANGUAGE}:
            return self.chinese
        return _render_key(self.key, lang, self.fields)


def _rebuild_msg(key: str, fields: dict[str, object], chinese: str | None = None) -> Msg:
    return Msg(key, **fields) if chinese is None else Msg.keeping(chinese, key, **fields)


def _render_key(key: str, lang: str, fields: dict[str, object]) -> str:
    return t(key, lang, **{name: render(value, lang) for name, value in fields.items()})


def render(text: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A message in `lang`: a Msg from the catalogue, a vocabulary member by its label, a
    tuple as a list (张三、李四 / 张三, 李四), anything else as it is."""
    if isinstance(text, Msg):
        return text.render(lang)
    if isinstance(text, tuple):
        return t("errors.list_separator", lang).join(render(item, lang) for item in text)
    if isinstance(text, Enum) and callable(label := getattr(text, "label", None)):
        return str(label(lang))
    return "" if text is None else str(text)
