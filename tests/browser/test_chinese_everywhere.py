"""In Chinese mode every page reads Chinese in a real browser, Streamlit's own widget texts too,
with Chinese punctuation in the text as composed on the page.

AppTest sees only what our code sets; the browser also shows what Streamlit writes itself: the
uploader's "Drag and drop", a select's "Choose an option", a date field's "yyyy/mm/dd", "Press
Enter to submit form". The scan reads each page's visible text and its fields' placeholders and
reports any Latin word that is not a name Chinese users also write in Latin (CSV, Excel …).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import OrgKind, Role
from tests.browser.conftest import ARTIFACTS, log_in, settle
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user
from tests.pairing_factories import make_contact

pytestmark = pytest.mark.browser

# Latin words a Chinese user writes in Latin too: file formats, products, units, the date pattern.
# The language switch names English in English; pinyin initials are what a user types to search
# (the search box's example "lxy", the demo child's "zxm"); "guanli" is the test's login name.
ALLOWED = {"CSV", "XLSX", "XLS", "PDF", "DOCX", "PPTX", "PPT", "PNG", "JPG", "JPEG", "ZIP",
           "UTF", "Excel", "WPS", "Word", "PowerPoint", "Markdown", "MB", "KB", "ID", "QQ",
           "English", "lxy", "zxm", "guanli"}
WORD = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*")
PAGES = ("", "meeting", "roster", "pairing", "contacts", "activities", "resources", "reports",
         "exports", "admin", "account")

# Visible text without icon ligatures (a Material icon is drawn from a word such as "edit_note"
# and marked aria-hidden, translate=no), plus every shown field's placeholder.
READ_PAGE = """() => {
  const root = document.querySelector('[data-testid="stApp"]');
  const clone = root.cloneNode(true);
  clone.querySelectorAll('[aria-hidden="true"][translate="no"], script, style, noscript, '
    + '[data-testid="stHeaderActionElements"], [data-testid="stToolbar"]')
    .forEach((e) => e.remove());
  document.body.appendChild(clone);
  clone.style.position = 'absolute'; clone.style.left = '-99999px';
  const text = clone.innerText;
  clone.remove();
  const hints = [...root.querySelectorAll('input[placeholder], textarea[placeholder]')]
    .filter((e) => e.offsetParent !== null).map((e) => e.getAttribute('placeholder'));
  return [text, ...hints].join('\\n');
}"""


@pytest.fixture
def county(engine) -> None:
    with Session(engine) as session, session.begin():
        county = make_org(session, "青山县", OrgKind.county)
        town = make_org(session, "石门镇", OrgKind.town, parent=county)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        child = make_child(session, village=village, name="王小红")
        make_child(session, village=village, name="张小明")
        account = make_user(session, "lilaoshi", Role.helper, display_name="李老师")
        helper = make_helper(session, org_unit=town, user_id=account.id)
        make_pairing(session, child, helper, started_on=local_today() - timedelta(days=30))
        make_contact(session, child, helper, local_today() - timedelta(days=3))
        make_user(session, "guanli", Role.admin, display_name="管理员")


def _ascii_punctuation(text: str) -> set[str]:
    """ASCII `,:;()?!` beside Chinese as shown: composed text, not only literals, is checked."""
    from tests.test_punctuation import fixer

    return set(fixer.ascii_beside_chinese(text))


def _latin_words(text: str) -> set[str]:
    return {w for w in WORD.findall(text) if w not in ALLOWED}


def test_the_scan_finds_streamlits_own_english():
    assert _latin_words("拖放文件 Drag and drop file here · 200MB per file • CSV") == {
        "Drag", "and", "drop", "file", "here", "per"}
    assert _latin_words("Press Ctrl+Enter to apply") == {"Press", "Ctrl", "Enter", "to", "apply"}
    assert _latin_words("导出 CSV（UTF-8）或 Excel") == set()


def test_every_page_reads_chinese_in_chinese_mode(browser, app_server, county):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    found: dict[str, set[str]] = {}
    try:
        log_in(page, app_server, "guanli", "管理员")
        for path in PAGES:
            page.goto(f"{app_server}/{path}")
            page.get_by_test_id("stMain").wait_for()
            settle(page)
            text = page.evaluate(READ_PAGE)
            words = _latin_words(text) | _ascii_punctuation(text)
            if words:
                found[path or "home"] = words
            if path == "roster":
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "chinese_everywhere_roster.png"))
    finally:
        context.close()
    assert found == {}, "\n".join(f"{k}: {sorted(v)}" for k, v in found.items())
