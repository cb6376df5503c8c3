"""The text catalogue: one per language with the same keys, formatting, and the fallbacks."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from core import i18n
from core.i18n import LANGUAGES, CatalogueError, catalogue, catalogue_files, t, t_or_code

AREAS = sorted({path.name for lang in LANGUAGES for path in catalogue_files(lang)})


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("area", AREAS)
def test_every_area_has_a_file_in_each_language_with_the_same_keys(area):
    import tomllib

    keys = {}
    for lang in LANGUAGES:
        path = i18n.LOCALES / lang / area
        assert path.exists(), f"{lang}/{area} is missing"
        keys[lang] = set(tomllib.loads(path.read_text(encoding="utf-8")))
    assert keys["zh"] - keys["en"] == set(), "keys without an English text"
    assert keys["en"] - keys["zh"] == set(), "keys without a Chinese text"


@pytest.mark.parametrize("key", sorted(catalogue("zh")))
def test_every_text_is_filled_in_and_has_the_same_fields_in_both_languages(key):
    zh, en = catalogue("zh")[key], catalogue("en")[key]
    assert zh.strip() and en.strip()
    assert _fields(zh) == _fields(en)


def test_english_texts_hold_no_chinese_except_quoted_column_names_and_product_names():
    # Chinese in the English catalogue is meant only where the user must type or find it:
    # import column names, a stored rule's name. Each such text quotes it.
    han = re.compile(r"[\u4e00-\u9fff]")
    bare = [key for key, text in catalogue("en").items()
            if han.search(re.sub(r"[“\"'「(（][^”\"'」)）]*[”\"'」)）]", "", text))
            and not key.startswith(("import.", "template."))]
    assert bare == []


def test_chinese_is_the_default_and_english_is_chosen_by_code():
    assert t("nav.home") == "总览"
    assert t("nav.home", "en") == "Overview"
    assert t("home.heading", "zh", name="刘主任") == "您好，刘主任"


def test_an_unknown_language_or_key_falls_back_rather_than_failing():
    assert t("nav.home", "fr") == "总览"
    assert t("no.such.key") == "no.such.key"


def test_stored_codes_get_labels_or_stay_readable():
    assert t_or_code("audit.action", "login") == "登录"
    assert t_or_code("audit.action", "something_new") == "something_new"


def _load_from(tmp_path: Path, monkeypatch, files: dict[str, str]) -> dict[str, str]:
    for name, text in files.items():
        (tmp_path / "zh").mkdir(exist_ok=True)
        (tmp_path / "zh" / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    catalogue.cache_clear()
    try:
        return catalogue("zh")
    finally:
        monkeypatch.undo()
        catalogue.cache_clear()


def test_a_key_defined_in_two_files_is_refused(tmp_path, monkeypatch):
    with pytest.raises(CatalogueError, match="already defined"):
        _load_from(tmp_path, monkeypatch, {"a.toml": '"x.y" = "一"\n',
                                           "b.toml": '"x.y" = "二"\n'})


def test_an_unquoted_dotted_key_is_refused_not_nested(tmp_path, monkeypatch):
    with pytest.raises(CatalogueError, match="quote dotted keys"):
        _load_from(tmp_path, monkeypatch, {"a.toml": 'x.y = "一"\n'})


def test_a_broken_file_names_itself(tmp_path, monkeypatch):
    with pytest.raises(CatalogueError, match=r"a\.toml"):
        _load_from(tmp_path, monkeypatch, {"a.toml": '"x.y" = \n'})
