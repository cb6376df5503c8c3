"""联系卡: who is on a card, whose cards an actor gets, their order, the limit, HTML and PDF."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.errors import DomainError, PermissionDenied
from core.vocab import (
    Gender,
    HelperKind,
    OrgKind,
    PairingEndReason,
    Relation,
    RiskLevel,
    Role,
)
from db.base import utcnow
from db.models import Child, Helper, OrgUnit, Relative
from services.access.permissions import Actor
from services.access.users import actor_for
from services.care import contact_cards
from services.care.contact_cards import (
    FONT_STACK,
    ContactCard,
    ContactLine,
    cards_for_children,
    cards_html,
    cards_pdf,
)
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import filtered_child_ids
from tests.conftest import require
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user

TODAY = date(2026, 11, 30)
ADMIN = Actor.system()
LIN_LINES = (
    ContactLine("监护人(祖母)", "林奶奶", "13812345678", "石门镇李家村3组"),
    ContactLine("父亲", "林大山", "13800000001", "务工地:广东东莞"),
    ContactLine("母亲", "陈秀英", "13800000002", "务工地:浙江义乌"),
    ContactLine("帮扶人(班主任)", "王老师", "13912345678", "石门镇中心小学"),
    ContactLine("帮扶人(志愿者)", "陈志愿", "13700000000", ""),
)


@dataclass
class World:
    orgs: dict[str, OrgUnit]
    children: dict[str, Child]
    helpers: dict[str, Helper]

    def actor(self, role: Role, scope: str | None = None, helper: str | None = None) -> Actor:
        return Actor(user_id=None, username=str(role), role=role,
                     org_unit_id=self.orgs[scope].id if scope else None,
                     helper_id=self.helpers[helper].id if helper else None)

    def ids(self) -> list[int]:
        return [c.id for c in self.children.values()]


@pytest.fixture
def world(session: Session) -> World:
    """Two towns; 林小雨 with a full family, open, ended and archived links; classmates."""
    county = make_org(session, "平安县", OrgKind.county)
    shimen = make_org(session, "石门镇", OrgKind.town, parent=county)
    lijia = make_org(session, "李家村", OrgKind.village, parent=shimen)
    school = make_org(session, "石门镇中心小学", OrgKind.school, parent=shimen)
    qingshan = make_org(session, "青山乡", OrgKind.town, parent=county)
    wangjia = make_org(session, "王家村", OrgKind.village, parent=qingshan)
    pupil = {"village": lijia, "school_id": school.id}
    children = {
        "林小雨": make_child(session, name="林小雨", **pupil, grade="三年级", class_name="2班",
                          gender=Gender.female, birth_date=date(2016, 5, 10),
                          address="石门镇李家村3组", key_concern=True, risk_level=RiskLevel.red),
        "安安": make_child(session, name="安安", **pupil, grade="三年级", class_name="2班"),
        "赵四": make_child(session, name="赵四", **pupil, grade="三年级", class_name="10班"),
        # 二 sorts after 三 by code point; the card order reads the numeral.
        "李明": make_child(session, name="李明", **pupil, grade="二年级", class_name="1班"),
        "王小红": make_child(session, name="王小红", village=wangjia),
    }
    lin = children["林小雨"]
    session.add_all([
        Relative(child=lin, relation=Relation.guardian, relation_detail="祖母", name="林奶奶",
                 phone="13812345678", address="石门镇李家村3组"),
        Relative(child=lin, relation=Relation.father, name="林大山", phone="13800000001",
                 work_place="广东东莞"),
        Relative(child=lin, relation=Relation.mother, name="陈秀英", phone="13800000002",
                 work_place="浙江义乌"),
        Relative(child=lin, relation=Relation.guardian, relation_detail="姑姑", name="旧监护人",
                 phone="13899999999", archived_at=utcnow(), archive_reason="不再监护"),
    ])
    helpers = {
        "wang": make_helper(session, org_unit=school, name="王老师", phone="13912345678",
                            kind=HelperKind.class_teacher, work_unit="石门镇中心小学"),
        "chen": make_helper(session, org_unit=shimen, name="陈志愿", phone="13700000000",
                            kind=HelperKind.volunteer),
        "former": make_helper(session, org_unit=school, name="孙老师", phone="13600000000"),
        "gone": make_helper(session, org_unit=school, name="离职老师", phone="13500000000",
                            archived_at=utcnow(), archive_reason="调离"),
    }
    make_pairing(session, lin, helpers["wang"], started_on=date(2026, 2, 1))
    make_pairing(session, lin, helpers["chen"], started_on=date(2026, 3, 1))
    make_pairing(session, lin, helpers["former"], started_on=date(2025, 9, 1),
                 ended_on=date(2026, 1, 10), end_reason=PairingEndReason.reassigned)
    make_pairing(session, lin, helpers["gone"])
    session.commit()
    orgs = {"county": county, "shimen": shimen, "lijia": lijia, "school": school,
            "qingshan": qingshan}
    return World(orgs, children, helpers)


def names(cards: list[ContactCard]) -> list[str]:
    return [c.name for c in cards]


def test_card_has_guardian_parents_and_open_helpers_with_phones(session, world):
    (card,) = cards_for_children(session, ADMIN, [world.children["林小雨"].id], today=TODAY)
    assert card.lines == LIN_LINES
    assert (card.name, card.gender, card.age, card.school_class, card.village, card.address) == (
        "林小雨", "女", 10, "石门镇中心小学 三年级2班", "石门镇 李家村", "石门镇李家村3组")
    assert (card.key_concern, card.risk) == (True, "红")


def test_ended_pairings_archived_helpers_and_archived_relatives_are_left_off(session, world):
    (card,) = cards_for_children(session, ADMIN, [world.children["林小雨"].id], today=TODAY)
    phones = {line.phone for line in card.lines}
    assert phones.isdisjoint({"13600000000", "13500000000", "13899999999"})


def test_child_without_family_or_school_gets_a_plain_card(session, world):
    (card,) = cards_for_children(session, ADMIN, [world.children["王小红"].id], today=TODAY)
    assert (card.lines, card.school_class, card.village, card.risk) == (
        (), "", "青山乡 王家村", "")


def test_cards_come_by_school_grade_class_then_pinyin(session, world):
    cards = cards_for_children(session, ADMIN, world.ids(), today=TODAY)
    assert names(cards) == ["李明", "安安", "林小雨", "赵四", "王小红"]


def test_a_filtered_list_is_accepted_as_a_query(session, world):
    ids = filtered_child_ids(ADMIN, RosterFilter(org_unit_id=world.orgs["lijia"].id),
                             today=TODAY)
    assert names(cards_for_children(session, ADMIN, ids, today=TODAY)) == [
        "李明", "安安", "林小雨", "赵四"]


@pytest.mark.parametrize(("role", "scope", "helper", "expected"), [
    (Role.admin, None, None, ["李明", "安安", "林小雨", "赵四", "王小红"]),
    (Role.coordinator, "county", None, ["李明", "安安", "林小雨", "赵四", "王小红"]),
    (Role.coordinator, "qingshan", None, ["王小红"]),
    (Role.coordinator, "school", None, ["李明", "安安", "林小雨", "赵四"]),
    (Role.helper, "school", "wang", ["林小雨"]),
    (Role.helper, "school", "former", []),
    (Role.helper, None, None, []),
])
def test_only_children_in_the_actors_scope_get_cards(session, world, role, scope, helper,
                                                     expected):
    actor = world.actor(role, scope, helper)
    assert names(cards_for_children(session, actor, world.ids(), today=TODAY)) == expected


def test_coordinator_of_another_town_gets_no_card_for_a_child_outside_scope(session, world):
    other = world.actor(Role.coordinator, "qingshan")
    assert cards_for_children(session, other, [world.children["林小雨"].id], today=TODAY) == []


def test_helper_account_gets_only_its_paired_children(session, world):
    user = make_user(session, "wanglaoshi", Role.helper, org_unit=world.orgs["school"])
    world.helpers["wang"].user_id = user.id
    session.commit()
    cards = cards_for_children(session, actor_for(session, user), world.ids(), today=TODAY)
    assert names(cards) == ["林小雨"]


def test_viewer_is_refused(session, world):
    with pytest.raises(PermissionDenied):
        cards_for_children(session, world.actor(Role.viewer, "county"), world.ids(), today=TODAY)


def test_at_most_2000_cards_at_once(session, world):
    village = world.orgs["lijia"]
    assert contact_cards.MAX_CARDS == 2000
    rows = [{"name": f"儿童{i}", "name_pinyin": f"ertong{i:04d}", "gender": Gender.male,
             "birth_date": date(2015, 1, 1), "town_id": village.parent_id,
             "village_id": village.id} for i in range(2000 - len(world.children))]
    session.execute(insert(Child), rows)
    session.commit()
    everyone = select(Child.id)
    assert len(cards_for_children(session, ADMIN, everyone, today=TODAY)) == 2000
    make_child(session, name="多一个", village=village)
    with pytest.raises(DomainError, match="缩小筛选范围"):
        cards_for_children(session, ADMIN, everyone, today=TODAY)
    with pytest.raises(DomainError, match="2000"):
        cards_for_children(session, ADMIN, list(session.scalars(everyone)), today=TODAY)


def test_a_list_of_more_than_2000_ids_is_refused_before_it_is_queried(session, world):
    with pytest.raises(DomainError, match="最多打印 2000 张"):
        cards_for_children(session, ADMIN, [*world.ids(), *range(10**6, 10**6 + 1996)],
                           today=TODAY)
    assert len(cards_for_children(session, ADMIN, [*world.ids(), *range(10**6, 10**6 + 1995)],
                                  today=TODAY)) == 5


def _card(name: str, phones: tuple[str, ...] = ("13812345678",), **overrides) -> ContactCard:
    values = {"child_id": 1, "name": name, "gender": "女", "age": 9,
              "school_class": "石门镇中心小学 三年级2班", "village": "石门镇 李家村",
              "address": "石门镇李家村3组", "key_concern": False, "risk": "",
              "lines": tuple(ContactLine("父亲", "林大山", p, "务工地:广东东莞") for p in phones)}
    return ContactCard(**{**values, **overrides})


def test_html_escapes_every_value_and_has_no_script(session, world):
    hostile = _card("<script>alert(1)</script>", address='"><img src=x>',
                    lines=(ContactLine("父亲", "<b>林</b>", "138&1", "<i>东莞</i>"),))
    html = cards_html([hostile], title="<script>x</script>", printed_on=TODAY)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "<b>林" not in html and "<i>" not in html
    assert "138&amp;1" in html


def test_html_is_a_print_ready_a4_page(session, world):
    cards = cards_for_children(session, ADMIN, world.ids(), today=TODAY)
    html = cards_html(cards, title="石门镇 联系卡", printed_on=TODAY)
    assert FONT_STACK == "'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif"
    for rule in (FONT_STACK, "break-inside: avoid", "@media print", "size: A4",
                 "grid-template-columns: 1fr 1fr"):
        assert rule in html
    assert html.count('<section class="card') == 5
    for text in ("林小雨", "13812345678", "务工地:广东东莞", "帮扶人(班主任)", "2026-11-30"):
        assert text in html


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext reads it (pages end in a form feed): Chinese as text."""
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    path = tmp_path / "cards.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, text=True, check=True)
    require("language pack" not in done.stderr,
            "poppler-data is not installed (pdftotext cannot read Adobe-GB1 text)")
    return done.stdout


def test_pdf_carries_chinese_names_and_phones_as_text(session, world, tmp_path):
    cards = cards_for_children(session, ADMIN, world.ids(), today=TODAY)
    data = cards_pdf(cards, title="石门镇 联系卡", printed_on=TODAY)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    for expected in ("石门镇 联系卡", "2026-11-30", "林小雨", "13812345678", "林奶奶",
                     "务工地:广东东莞", "王老师", "13912345678"):
        assert expected in text
    assert "第1页" in text.replace(" ", "")


def test_pdf_never_splits_a_card_across_pages(tmp_path):
    cards = [_card(f"儿童{i:02d}", phones=tuple(f"139{i:02d}{j:06d}" for j in range(5)),
                   address="石门镇李家村3组" * (1 + i % 4)) for i in range(24)]
    data = cards_pdf(cards, title="分页", printed_on=TODAY)
    pages = _pdf_text(data, tmp_path).split("\f")[:-1]
    assert len(pages) >= 3
    assert all(f"第{n}页" in text.replace(" ", "") for n, text in enumerate(pages, start=1))
    for i in range(24):
        (page,) = [n for n, text in enumerate(pages) if f"儿童{i:02d}" in text]
        assert all(f"139{i:02d}{j:06d}" in pages[page] for j in range(5)), i


def test_empty_selection_still_gives_a_page(tmp_path):
    assert "没有可打印的联系卡" in cards_html([], title="空", printed_on=TODAY)
    assert "没有可打印的联系卡" in _pdf_text(cards_pdf([], title="空", printed_on=TODAY), tmp_path)
