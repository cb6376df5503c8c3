"""Render safety in AppTest: with markup in every free-text field, every page of every role
shows it as text. The checker walks the element tree generically: every proto field that
Streamlit renders as Markdown (bodies, labels, help, captions, radio options, tab and expander
labels, metric values…) must hold no payload in an unescaped form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from google.protobuf.message import Message
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.common.markup import html_text, md, md_message
from components.common.navigation import pages_for
from core.vocab import Role
from db.models import Activity, Child, Helper, OrgUnit
from services.access.permissions import Actor
from tests.app.conftest import logged_in
from tests.hostile_world import ALL, EVIL_HOST, PAYLOADS, HostileWorld, build_hostile_world

ROLES = ("admin", "coordinator", "helper", "viewer")
# The start of each payload: found with an even number of backslashes before it, it is live.
TRIGGERS = ("<img", "<script", "<iframe", "<a href", "](http", "![", "**粗体", ":red[红", "$x^2",
            "`code", "# 标题", "javascript:")
# A scheme, www. or e-mail address GFM would still turn into a link (md() breaks them).
AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|www)\\?[:.]|\w\\?@\w")
# Proto fields Streamlit renders as Markdown; options only where the widget renders them so.
MARKDOWN_FIELDS = frozenset({"body", "label", "help", "caption", "captions", "title", "delta",
                             "text", "content", "selected_content"})
MARKDOWN_OPTIONS = frozenset({"radio"})
# Elements whose text is shown literally (or drawn as data): plain text, code, tables, charts.
LITERAL_TYPES = frozenset({"text", "code", "json", "exception", "arrow_data_frame", "dataframe",
                           "table", "arrow_table", "vega_lite_chart", "arrow_vega_lite_chart",
                           "html"})
TABBED_PAGES = {
    "pages/contacts.py": ("contacts_tabs",
                          ("记录帮扶", "最近记录", "待办", "专项行动", "导入", "导出")),
    "pages/resources.py": ("resources_tabs", ("需求", "心愿", "资源方", "捐助台账", "问卷")),
}


@dataclass(frozen=True)
class Source:
    where: str  # element type and field, for the failure message
    text: str


def _strings(message: Message, kind: str, path: str) -> Iterator[Source]:
    """Every Markdown-rendered string field of a proto message, nested messages included."""
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from _strings(item, kind, f"{path}.{field.name}")
            elif isinstance(item, str) and (field.name in MARKDOWN_FIELDS or (
                    field.name == "options" and kind in MARKDOWN_OPTIONS)):
                yield Source(f"{path}.{field.name}", item)


def _proto_of(node: object) -> tuple[str, Message | None]:
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", "") or ""
    if isinstance(proto, Message) and "type" in proto.DESCRIPTOR.oneofs_by_name:
        inner = proto.WhichOneof("type")  # a block: its expander, tab, dialog or popover
        if inner:
            return inner, getattr(proto, inner)
    return kind, proto if isinstance(proto, Message) else None


def _nodes(node: object) -> Iterator[object]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def markdown_sources(at: AppTest) -> list[Source]:
    """Every string the page renders as Markdown, the sidebar's included."""
    found = []
    for node in _nodes(at._tree):
        kind, proto = _proto_of(node)
        if proto is not None and kind not in LITERAL_TYPES:
            found += _strings(proto, kind, kind)
    return found


def html_sources(at: AppTest) -> list[str]:
    """Raw HTML elements (st.html): only constants may be there."""
    return [node.proto.body for node in _nodes(at._tree)
            if getattr(node, "type", "") == "html" and hasattr(node.proto, "body")]


def _live(text: str, trigger: str) -> bool:
    """Whether `trigger` occurs in `text` without a backslash escaping its first character."""
    start = text.find(trigger)
    while start != -1:
        slashes = len(text[:start]) - len(text[:start].rstrip("\\"))
        if slashes % 2 == 0:
            return True
        start = text.find(trigger, start + 1)
    return False


def problems(at: AppTest) -> list[str]:
    """Unescaped payloads, double escaping, payloads in raw HTML, and exceptions."""
    found = [f"{s.where}: {s.text[:120]!r}" for s in markdown_sources(at)
             for trigger in TRIGGERS if _live(s.text, trigger)]
    # GFM links a bare URL or address even when its punctuation is escaped.
    found += [f"autolink {s.where}: {s.text[:120]!r}" for s in markdown_sources(at)
              if AUTOLINK.search(s.text)]
    # Payloads hold no backslash: two in a row mean a value was escaped twice (shows "\<").
    found += [f"double escaped {s.where}: {s.text[:120]!r}" for s in markdown_sources(at)
              if "\\\\" in s.text]
    found += [f"raw HTML holds data: {body[:120]!r}" for body in html_sources(at)
              if EVIL_HOST in body or "alert(1)" in body]
    found += [f"exception: {e.value}" for e in at.exception]
    return found


def assert_safe(at: AppTest, view: str) -> None:
    found = problems(at)
    assert not found, f"{view}:\n" + "\n".join(found)


# ---- the world and the views ---------------------------------------------------------------

@pytest.fixture
def hostile(db_url: str, engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
            ) -> HostileWorld:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(data_dir))
    with Session(engine) as session, session.begin():
        return build_hostile_world(session, data_dir)


def _paths(role: str) -> list[str]:
    actor = Actor(user_id=None, username=role, role=Role(role))
    return [spec.path for spec in pages_for(actor)]


CASES = [(role, path) for role in ROLES for path in _paths(role)
         if path not in ("pages/meeting.py", "pages/roster.py")]


def _open(role: str, path: str, state: dict | None = None,
          params: dict[str, str] | None = None) -> AppTest:
    at = logged_in(role)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.switch_page(path)
    at.query_params.update(params or {})
    return at.run()


def _select_rows(at: AppTest) -> AppTest:
    """Pick the first row of every selectable table (details open below them) and the first
    item of every empty picker, as a person looking around would."""
    tables = [df for df in at.dataframe if df.key and df.proto.selection_mode
              and not df.key.startswith("roster_table_")]
    for table in tables:
        at.session_state[table.key] = {"selection": {"rows": [0], "columns": []}}
    pickers = [box for box in at.selectbox if box.key and box.value is None and box.options
               and box.key != "roster_saved"]
    for box in pickers:
        box.select_index(0)
    return at.run() if tables or pickers else at


@pytest.mark.parametrize(("role", "path"), CASES)
def test_every_page_shows_hostile_text_as_text(hostile, role, path):
    key, tabs = TABBED_PAGES.get(path, (None, (None,)))
    for tab in tabs:
        view = f"{role} {path}" + (f" › {tab}" if tab else "")
        at = _open(role, path, {key: tab} if key else None)
        assert_safe(at, view)
        for depth in range(2):  # details, then the tables inside the details
            at = _select_rows(at)
            assert_safe(at, f"{view} (opened, {depth + 1})")


# ---- the pages the issue names, opened where the payloads are ------------------------------

def _names(engine, model, row_id: int) -> str:
    with Session(engine) as session:
        return session.get(model, row_id).name


@pytest.mark.parametrize("role", ["admin", "coordinator", "helper"])
def test_a_hostile_childs_page_titles_the_name_as_text(hostile, engine, role):
    name = _names(engine, Child, hostile.child_id)
    at = _open(role, "pages/roster.py", params={"child": str(hostile.child_id)})
    assert_safe(at, f"{role} child page")
    assert at.title[0].value == md(name)  # shown, escaped once
    assert "<img" in name


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_an_unpaired_childs_suggestions_name_helpers_as_text(hostile, engine, role):
    at = _open(role, "pages/roster.py", params={"child": str(hostile.unpaired_child_id)})
    assert_safe(at, f"{role} unpaired child page")
    helper = _names(engine, Helper, hostile.helper_id)
    assert any(md(helper) in b.label for b in at.button)  # "与…结对", one click away


@pytest.mark.parametrize("role", ["admin", "coordinator", "helper"])
def test_the_roster_and_a_saved_filter_show_names_as_text(hostile, role):
    at = _open(role, "pages/roster.py")
    assert_safe(at, f"{role} roster")
    if role != "helper":  # a helper saved no filter
        at.selectbox(key="roster_saved").select_index(1).run()
        assert_safe(at, f"{role} roster with a saved filter")


def test_my_pairings_cards_name_children_and_rules_as_text(hostile, engine):
    at = _open("helper", "pages/my_pairings.py")
    assert_safe(at, "helper 我的结对")
    name = _names(engine, Child, hostile.child_id)
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert any(md(name) in h for h in headings), headings
    assert any("要求" in m.value and "\\<iframe" in m.value for m in at.markdown)  # the rule


@pytest.mark.parametrize("role", ROLES)
def test_every_meeting_slide_is_built_from_escaped_values(hostile, engine, role):
    at = _open(role, "pages/meeting.py")
    slides = []
    while True:
        assert_safe(at, f"{role} meeting slide {len(slides) + 1}")
        slides.append(" ".join(m.value for m in at.markdown))
        if at.button(key="meeting_next").disabled:
            break
        at.button(key="meeting_next").click().run()
    # every section, a long one split over screens: （1/2）（2/2）
    assert len(slides) >= 10
    assert f"1 / {len(slides)}" in slides[0]
    if role == "coordinator":  # their scope is the hostile town, named on every slide
        town = _names(engine, OrgUnit, hostile.town_id)
        assert all(html_text(town) in slide for slide in slides)


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_the_activity_detail_shows_title_place_and_photo_caption_as_text(hostile, engine, role):
    at = _open(role, "pages/activities.py")
    at = _select_rows(at)
    assert_safe(at, f"{role} activity detail")
    with Session(engine) as session:
        title = session.get(Activity, hostile.activity_id).title
    assert any(md(title) in s.value for s in at.subheader)


# ---- the escaping rules themselves -----------------------------------------------------------

def _refusals() -> None:
    import streamlit as st

    from components.common.feedback import FLASH_KEY, show_flash, show_problem
    from core.errors import DomainError, ValidationFailed

    st.session_state[FLASH_KEY] = "已保存“![x](http://evil.example/p.png)”。"
    show_flash()
    show_problem(DomainError("找不到“<img src=x onerror=alert(1)>”"))
    show_problem(ValidationFailed({"[点我](http://evil.example/)": "**粗体**", "姓名": "`code`"}))


def test_flash_and_refusal_messages_are_escaped_once():
    at = AppTest.from_function(_refusals).run()
    assert_safe(at, "feedback")
    assert at.success[0].value == md_message("已保存“![x](http://evil.example/p.png)”。")
    assert at.error[0].value == md_message("找不到“<img src=x onerror=alert(1)>”")
    assert "- **\\[点我\\](http\u2060://" in at.error[1].value


@pytest.mark.parametrize("text", [*PAYLOADS, ALL, "a\n\nb", "&lt;", None])
def test_html_text_leaves_neither_markup_nor_markdown(text):
    out = html_text(text)
    # Character references aside, no ASCII punctuation and no line break is left.
    assert re.fullmatch(r"(?:&#\d+;|[^!-/:-@\[-`{-~\n])*", out)
    assert unescape(out) == ("" if text is None else " ".join(str(text).splitlines()))
