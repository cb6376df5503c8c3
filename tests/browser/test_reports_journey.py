"""In a real browser: a coordinator opens 汇报, downloads the 活动总结 as Word, builds the meeting
deck from the page (the progress bar runs) and downloads it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document
from playwright.sync_api import expect
from pptx import Presentation
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import ContactKind, OrgKind, Role
from db.models import CareContact
from tests.browser.conftest import log_in, settle
from tests.factories import (
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_user,
)

pytestmark = pytest.mark.browser
NAMES = ("王小红", "张小明")


@pytest.fixture
def town(engine) -> None:
    """Two children of 石门镇, one paired and visited this month; a coordinator."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        visited = make_child(session, village=village, name=NAMES[0])
        make_child(session, village=village, name=NAMES[1])
        helper = make_helper(session, org_unit=town, name="李老师")
        make_pairing(session, visited, helper, started_on=local_today() - timedelta(days=60))
        session.add(CareContact(child_id=visited.id, helper_id=helper.id,
                                kind=ContactKind.home_visit, contact_date=local_today()))
        make_user(session, "liu", Role.coordinator, org_unit=town, display_name="刘主任")


def test_a_coordinator_downloads_the_summary_and_the_deck(page, app_server, town):
    log_in(page, app_server, "liu", "刘主任")

    page.get_by_role("link", name="汇报").click()
    page.get_by_role("heading", name="汇报").first.wait_for()
    settle(page)
    draft = page.get_by_role("textbox", name="活动总结草稿（Markdown，可直接修改）")
    expect(draft).to_contain_text("现有关爱对象2人")

    page.get_by_role("button", name="生成文件").click()
    with page.expect_download() as summary:
        page.get_by_role("button", name="下载").first.click()
    name = summary.value.suggested_filename
    assert name.startswith("石门镇_工作总结_") and name.endswith(".docx")
    words = "\n".join(p.text for p in Document(summary.value.path()).paragraphs)
    assert "二、主要工作措施" in words and "家访1人次" in words

    page.get_by_role("tab", name="会议汇报 PPT").click()
    page.get_by_role("button", name="生成会议汇报 PPT").click()
    deck_button = page.get_by_role("button", name="下载 石门镇_工作汇报")
    expect(deck_button).to_be_visible(timeout=90_000)
    with page.expect_download() as deck_file:
        deck_button.click()
    with open(deck_file.value.path(), "rb") as handle:
        deck = Presentation(io.BytesIO(handle.read()))
    assert len(deck.slides) >= 15  # a long section may go on to a （续） slide
    text = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                    if shape.has_text_frame)
    assert "石门镇" in text
    assert not any(child in text for child in NAMES)
