"""The pairing board's waiting list: who comes first, and the search box."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from core.vocab import Category, RiskLevel
from services.access.permissions import Actor
from services.pairing import pairing_board
from tests.factories import make_child, make_town_with_village

TODAY = date(2026, 12, 3)
ADMIN = Actor.system()


@pytest.fixture
def waiting(session: Session) -> dict[str, int]:
    """Created oldest first; 新来的 is the newest and not yet assessed."""
    _, village = make_town_with_village(session, "石门镇", "李家村")
    specs = [
        ("绿绿", dict(risk_level=RiskLevel.green)),
        ("蓝蓝", dict(risk_level=RiskLevel.blue)),
        ("困难", dict(risk_level=RiskLevel.blue, categories=(Category.in_difficulty,))),
        ("黄黄", dict(risk_level=RiskLevel.yellow)),
        ("红红", dict(risk_level=RiskLevel.red)),
        ("林小雨", dict(risk_level=None, id_number="110101201503010015")),
    ]
    return {name: make_child(session, village=village, name=name, **spec).id
            for name, spec in specs}


def _names(session: Session, **kwargs: object) -> list[str]:
    return [c.name for c in pairing_board.unpaired_children(session, ADMIN, today=TODAY,
                                                            **kwargs)]


def test_an_unassessed_child_comes_after_red_and_yellow_not_below_green(session, waiting):
    # then a child in difficulty; the rest wait their turn, longest waiting first
    assert _names(session) == ["红红", "黄黄", "林小雨", "困难", "绿绿", "蓝蓝"]


@pytest.mark.parametrize(("text", "expected"), [
    ("林小", ["林小雨"]),          # part of the name
    ("linxiaoyu", ["林小雨"]),     # pinyin
    ("lxy", ["林小雨"]),           # initials
    (" LXY ", ["林小雨"]),         # as typed on a phone
    ("0015", ["林小雨"]),          # the end of the ID number
    ("红", ["红红"]),
    ("nobody", []),
    ("", ["红红", "黄黄", "林小雨", "困难", "绿绿", "蓝蓝"]),
    ("%", []),                     # a LIKE wildcard is a character, not "everything"
])
def test_the_search_box_narrows_the_waiting_list(session, waiting, text, expected):
    assert _names(session, text=text) == expected
    assert pairing_board.count_unpaired(session, ADMIN, text=text) == len(expected)
