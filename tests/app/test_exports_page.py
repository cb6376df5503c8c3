"""导出 through AppTest: who may open it, a list becoming a file to download, and its
list titles and filter labels in the user's language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEvent, User
from services.exports.export_kinds import FILTERS, hub_lists
from tests.app.conftest import logged_in

PAGE = "pages/exports.py"


def open_hub(username: str):
    return logged_in(username).switch_page(PAGE).run()


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_hub_renders_for_those_who_export(world, role):
    at = open_hub(role)
    assert not at.exception
    assert at.title[0].value == "导出"
    assert at.selectbox(key="exports_kind").value == "roster"
    assert at.checkbox(key="exports_sensitive").label == "含敏感信息"
    assert at.button(key="exports_build").label == "生成文件"


@pytest.mark.parametrize("role", ["viewer", "helper"])
def test_a_viewer_or_a_helper_cannot_open_the_hub(world, role):
    with pytest.raises(ValueError):  # noqa: PT011 - AppTest's refusal of a hidden page
        logged_in(role).switch_page(PAGE)


def test_building_the_roster_offers_a_download_with_the_row_count(world):
    at = open_hub("coordinator")
    at.button(key="exports_build").click().run()
    assert not at.exception
    assert "共 2 行" in at.success[0].value  # 石门镇's two children
    assert [d.label for d in at.get("download_button")] == ["下载文件"]


def test_choosing_a_list_with_a_period_and_columns_builds_it(world):
    at = open_hub("admin")
    at.selectbox(key="exports_kind").set_value("pairings").run()
    at.multiselect(key="exports_pairings_columns").set_value(["child_name", "helper_name"]).run()
    at.radio(key="exports_fmt").set_value("csv").run()
    at.button(key="exports_build").click().run()
    assert not at.exception
    assert "结对名单" in at.success[0].value and "共 1 行" in at.success[0].value
    assert len(at.get("download_button")) == 1


def test_an_empty_list_says_what_to_do_instead_of_a_download(world):
    at = open_hub("admin")
    at.selectbox(key="exports_kind").set_value("contacts").run()
    at.button(key="exports_build").click().run()
    assert "放宽筛选条件" in at.info[0].value
    assert at.get("download_button") == []


def test_changing_a_choice_asks_to_build_again(world):
    at = open_hub("admin")
    at.button(key="exports_build").click().run()
    at.radio(key="exports_fmt").set_value("csv").run()
    assert at.get("download_button") == []
    assert any("重新点" in c.value for c in at.main.caption)


def test_a_sensitive_export_needs_a_password_and_is_audited_once(world, engine):
    at = open_hub("coordinator")
    at.checkbox(key="exports_sensitive").check().run()
    assert at.button(key="exports_build").disabled          # no password yet
    assert any("至少 8 位" in c.value for c in at.main.caption)
    at.text_input(key="exports_sensitive_password").input("short").run()
    assert at.button(key="exports_build").disabled
    at.text_input(key="exports_sensitive_password").input("石门镇-2026-名单").run()
    at.button(key="exports_build").click().run()
    assert not at.exception
    assert len(at.get("download_button")) == 1
    at.text_input(key="exports_sensitive_password").input("另一个密码-2026").run()
    assert at.get("download_button") == []                  # made with the old password
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "export_sensitive")) == 1
        exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert exported.after is not None and exported.after["密码保护"] == "是"
        logged = " ".join(str((e.before, e.after, e.summary))
                          for e in session.scalars(select(AuditEvent)))
        assert "石门镇-2026-名单" not in logged


CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _set_language(engine, username: str, language: str) -> None:
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == username)).language = language


def _filter_texts(at) -> list[str]:
    """Each list's filter labels and the name of a choice filter's default (its first option;
    the other options are user data such as org unit names), with the column chooser's label
    and help and the date range's help."""
    texts: list[str] = []
    for box in at.main.selectbox:
        if box.key and box.key != "exports_kind" and box.key.startswith("exports_"):
            texts += [box.label, box.options[0]]
    for widget in [*at.main.checkbox, *at.main.multiselect, *at.main.date_input]:
        if widget.key and widget.key.startswith("exports_"):
            texts += [widget.label, widget.help or ""]
    return texts


def _every_list(at) -> tuple[list[str], list[str]]:
    """The list chooser's titles, and the filter texts of every list once chosen."""
    titles = list(at.selectbox(key="exports_kind").options)
    texts: list[str] = []
    for kind in hub_lists():
        at.selectbox(key="exports_kind").set_value(kind).run()
        assert not at.exception, kind
        texts += _filter_texts(at)
    return titles, texts


def test_in_english_list_titles_and_filter_labels_have_no_chinese(world, engine):
    _set_language(engine, "admin", "en")
    at = open_hub("admin")
    assert not at.exception
    titles, texts = _every_list(at)
    assert len(titles) == len(hub_lists())
    assert "Children" in titles and "Pairings" in titles
    assert "Unit" in texts and "All (my scope)" in texts
    chinese = [text for text in titles + texts if CHINESE.search(text)]
    assert chinese == []


def test_in_chinese_list_titles_and_filter_labels_are_unchanged(world):
    at = open_hub("admin")
    titles, texts = _every_list(at)
    assert titles == [h.title for h in hub_lists().values()]
    for spec in FILTERS.values():
        assert spec.label in texts, spec.name
        assert not spec.none_label or spec.none_label in texts, spec.name
    assert "全部（我的管辖范围）" in texts
