"""English mode speaks English on every page: no Chinese character but the data's own.

The world is written in Latin letters (places, children, helpers, accounts), so a Chinese
character left on a page in English mode is one of ours, except texts stored in the database
that the product seeds in Chinese (care rules, activity kinds): every stored text is taken off
the page before it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import timedelta

import pytest
from google.protobuf.message import Message
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Session

from components.imports.importer import TEMPLATES
from config import local_today
from core.i18n import catalogue
from core.vocab import Category, OrgKind, Role
from db.base import Base
from db.models import User
from tests.app.conftest import logged_in
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user
from tests.pairing_factories import make_contact, make_relative

HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")

PAGES = {
    "admin": ["pages/home.py", "pages/meeting.py", "pages/roster.py", "pages/pairing.py",
              "pages/contacts.py", "pages/activities.py", "pages/resources.py",
              "pages/reports.py", "pages/exports.py", "pages/admin.py", "pages/account.py"],
    "coordinator": ["pages/home.py", "pages/roster.py", "pages/pairing.py"],
    "helper": ["pages/my_pairings.py", "pages/home.py", "pages/contacts.py"],
    "viewer": ["pages/home.py", "pages/meeting.py"],
}


@pytest.fixture
def latin_world(db_url: str, engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    with Session(engine) as session, session.begin():
        county = make_org(session, "Qingshan County", OrgKind.county)
        town = make_org(session, "Shimen Town", OrgKind.town, parent=county)
        village = make_org(session, "Lijia Village", OrgKind.village, parent=town)
        school = make_org(session, "Hope Primary", OrgKind.school, parent=town)
        paired = make_child(session, village=village, name="Zhang Xiaoming", school_id=school.id)
        make_child(session, village=village, name="Wang Xiaohong",
                   categories=(Category.left_behind, Category.disabled))
        for n in range(6):
            make_child(session, village=village, name=f"Child Number{n}")
        make_relative(session, paired, name="Grandma Zhang")
        make_user(session, "admin", Role.admin, display_name="Admin")
        make_user(session, "coordinator", Role.coordinator, org_unit=town,
                  display_name="Director Liu")
        account = make_user(session, "helper", Role.helper, display_name="Teacher Li")
        helper = make_helper(session, org_unit=town, user_id=account.id, name="Teacher Li")
        make_pairing(session, paired, helper, started_on=local_today() - timedelta(days=60))
        make_contact(session, paired, helper, local_today() - timedelta(days=40))
        make_user(session, "viewer", Role.viewer, display_name="Supervisor")
        for user in session.scalars(select(User)):
            user.language = "en"
        return {"child": paired.id}


def _stored_texts(engine) -> list[str]:
    """Every text the database holds, longest first (a rule's name before a word in it)."""
    found: set[str] = set()
    with Session(engine) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for column in columns:
                found.update(v for v in session.scalars(select(column)) if v and HAN.search(v))
    return sorted(found, key=len, reverse=True)


def _strings(message: Message) -> Iterator[str]:
    for field, value in message.ListFields():
        if field.name in ("id", "form_id", "key", "data", "arrow_data", "spec", "css"):
            continue
        values = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        for item in values:
            if isinstance(item, Message):
                yield from _strings(item)
            elif isinstance(item, str):
                yield item


def _page_texts(at) -> Iterator[str]:
    def walk(node) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    for node in walk(at._tree):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            yield from _strings(proto)
    for frame in at.dataframe:
        yield " ".join(map(str, frame.value.columns))
        yield " ".join(str(v) for v in frame.value.to_numpy().ravel())


# Not UI text: scripts and styles, the language switch (each language named in itself), and
# Chinese quoted in an English sentence (“五、下一步打算”, a heading of the Chinese draft).
NOT_TEXT = re.compile(r"<script>.*?</script>|<style>.*?</style>|中文|“[^”]*”", re.S)


def _file_format_words() -> list[str]:
    """Chinese that English mode shows on purpose: the files' own column names (an import
    template's, an export's), and the import help that names the columns a file must have."""
    import gc
    import importlib
    import pkgutil

    from services import exports
    from services.exports.tables import ExportColumn

    for module in pkgutil.iter_modules(exports.__path__):
        importlib.import_module(f"services.exports.{module.name}")  # every export's columns

    headers = {o.header for o in gc.get_objects() if isinstance(o, ExportColumn)}
    for template in TEMPLATES.glob("*.csv"):
        headers.update(template.read_text(encoding="utf-8-sig").splitlines()[0].split(","))
    helps = [text for key, text in catalogue("en").items() if key.startswith("import.help.")]
    return [*helps, *sorted(headers, key=len, reverse=True)]


FILE_FORMAT_WORDS = _file_format_words()


def _chinese_left(at, stored: list[str]) -> list[str]:
    drafts = {area.value for area in at.text_area if area.key == "report_draft"}
    known = [*stored, *FILE_FORMAT_WORDS]
    left = []
    for text in _page_texts(at):
        if text in drafts:
            continue  # the 活动总结 draft is Chinese in both modes: an official document
        text = NOT_TEXT.sub("", text)
        for value in known:
            text = text.replace(value, "")
        left += HAN.findall(text)
    return sorted(set(left))


@pytest.mark.parametrize(("role", "page"), [(r, p) for r, pages in PAGES.items() for p in pages])
def test_every_page_is_english_in_english_mode(latin_world, engine, role, page):
    at = logged_in(role)
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception
    assert _chinese_left(at, _stored_texts(engine)) == []


def test_a_childs_record_is_english_in_english_mode(latin_world, engine):
    at = logged_in("coordinator")
    at.switch_page("pages/roster.py")
    at.query_params["child"] = str(latin_world["child"])
    at.run()
    assert not at.exception
    assert _chinese_left(at, _stored_texts(engine)) == []


def test_the_check_finds_the_chinese_of_a_chinese_page(latin_world, engine):
    """The scan itself: the same page in Chinese mode is found out."""
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "admin")).language = "zh"
    at = logged_in("admin")
    assert any(text.startswith("您好") for text in _chinese_left(at, _stored_texts(engine)))
