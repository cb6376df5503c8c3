"""The label catalogue: every label in both languages, formatting, and the fallbacks."""

from __future__ import annotations

import re

import pytest

from services.i18n import LABELS, t, t_or_code


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_label_has_chinese_and_english_with_the_same_fields(key):
    zh, en = LABELS[key]
    assert zh.strip()
    assert en.strip()
    assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en))


def test_chinese_is_the_default_and_english_is_chosen_by_code():
    assert t("nav.home") == "总览"
    assert t("nav.home", "en") == "Overview"
    assert t("home.heading", "zh", name="刘主任") == "您好，刘主任"


def test_unknown_key_shows_the_key_rather_than_failing():
    assert t("no.such.key") == "no.such.key"


def test_stored_codes_get_labels_or_stay_readable():
    assert t_or_code("audit.action", "login") == "登录"
    assert t_or_code("audit.action", "something_new") == "something_new"
