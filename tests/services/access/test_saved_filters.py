"""常用筛选: each person's own, per page, replaced by name, never someone else's."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.vocab import Role
from services.access.permissions import Actor
from services.access.saved_filters import MAX_PER_PAGE, forget_filter, save_filter, saved_filters
from services.access.users import actor_for
from tests.factories import make_user


@pytest.fixture
def two_people(session):
    return (actor_for(session, make_user(session, "liu", Role.coordinator)),
            actor_for(session, make_user(session, "wang", Role.coordinator)))


def test_saved_filters_are_personal_and_per_page(session, two_people):
    liu, wang = two_people
    save_filter(session, actor=liu, page="roster", name="红黄色", params={"risk": ["red"]})
    save_filter(session, actor=liu, page="contacts", name="本月", params={})
    assert [f.name for f in saved_filters(session, liu, "roster")] == ["红黄色"]
    assert saved_filters(session, wang, "roster") == []


def test_saving_an_existing_name_replaces_it(session, two_people):
    liu, _ = two_people
    save_filter(session, actor=liu, page="roster", name="红黄色", params={"risk": ["red"]})
    save_filter(session, actor=liu, page="roster", name="红黄色",
                params={"risk": ["red", "yellow"]})
    (kept,) = saved_filters(session, liu, "roster")
    assert kept.params == {"risk": ["red", "yellow"]}


@pytest.mark.parametrize("name", ["", "   ", "名" * 51])
def test_a_name_is_required(session, two_people, name):
    with pytest.raises(ValidationFailed, match="名称"):
        save_filter(session, actor=two_people[0], page="roster", name=name, params={})


def test_there_is_a_limit_per_page(session, two_people):
    liu, _ = two_people
    for i in range(MAX_PER_PAGE):
        save_filter(session, actor=liu, page="roster", name=f"筛选{i}", params={})
    with pytest.raises(ValidationFailed, match="最多"):
        save_filter(session, actor=liu, page="roster", name="再一个", params={})


def test_nobody_can_remove_someone_elses_filter(session, two_people):
    liu, wang = two_people
    saved = save_filter(session, actor=liu, page="roster", name="红黄色", params={})
    forget_filter(session, actor=wang, saved_id=saved.id)
    assert len(saved_filters(session, liu, "roster")) == 1
    forget_filter(session, actor=liu, saved_id=saved.id)
    assert saved_filters(session, liu, "roster") == []


def test_the_command_line_account_keeps_none(session):
    assert saved_filters(session, Actor.system(), "roster") == []
