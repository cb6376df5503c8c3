"""What the rollups' session hooks read from statements run in bulk: the keys they name, or,
when they name none, a full recompute that is slow but still right."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import insert, update

from core.vocab import Gender, HelperKind, OrgKind
from db.engine import transaction
from db.models import Child, Helper, RollupTreeMonth
from services.stats.rollups.reading import Rollups
from services.stats.rollups.refresh import differences
from tests.factories import make_org


def _village(engine) -> tuple[int, int]:
    with transaction(engine) as session:
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        return town.id, village.id


def test_children_and_helpers_inserted_in_bulk_are_counted_by_their_keys(engine, caplog):
    town, village = _village(engine)
    with caplog.at_level(logging.WARNING), transaction(engine) as session:
        session.execute(insert(Child), [
            {"name": f"儿童{i}", "name_pinyin": f"er{i}", "name_initials": "et",
             "gender": Gender.female if i % 2 else Gender.male,
             "birth_date": date(2014, 1, 1 + i), "town_id": town, "village_id": village}
            for i in range(6)])
        session.execute(insert(Helper), [{"name": f"帮扶人{i}", "kind": HelperKind.teacher,
                                          "org_unit_id": village} for i in range(3)])
    assert "recomputing all" not in caplog.text
    with transaction(engine, write=False) as session:
        assert differences(session) == []
        rollups = Rollups(session, town)
        assert rollups.counts("gender") == {"female": 3, "male": 3}
        assert rollups.counts("helper_kind") == {"teacher": 3}


def _boys(engine, count: int, **fields) -> None:
    """`count` boys in 李家村, inserted in one bulk statement."""
    town, village = _village(engine)
    with transaction(engine) as session:
        session.execute(insert(Child), [
            {"name": f"儿童{i}", "name_pinyin": f"er{i}", "name_initials": "et",
             "gender": Gender.male, "birth_date": date(2014, 1, 1 + i), "town_id": town,
             "village_id": village, **fields} for i in range(count)])


def test_an_update_naming_no_keys_recomputes_everything_and_stays_right(engine, caplog):
    _boys(engine, 4)
    with caplog.at_level(logging.WARNING), transaction(engine) as session:
        session.execute(update(Child).where(Child.name.like("儿童%")).values(boarding=True))
    assert "update statement on children without readable keys" in caplog.text
    with transaction(engine, write=False) as session:
        assert differences(session) == []
        assert Rollups(session, None).counts("flag")["boarding"] == 4


def test_an_update_of_written_text_only_recounts_nothing(engine, caplog):
    """Retention clears notes and addresses in bulk: no figure reads them, so no recount."""
    _boys(engine, 3, address="李家村3组")
    with caplog.at_level(logging.WARNING), transaction(engine) as session:
        session.execute(update(Child).where(Child.name.like("儿童%")).values(
            address=None, notes=None))
        session.execute(update(Helper.__table__).values(phone=None))
    assert "recomputing all" not in caplog.text
    with transaction(engine, write=False) as session:
        assert differences(session) == []


def test_a_child_moved_to_another_county_leaves_one_tree_for_the_other(engine):
    """The counties' trees are summed again for the days a save touched, under both tops."""
    with transaction(engine) as session:
        tops = [make_org(session, name, OrgKind.county) for name in ("平安县", "安宁县")]
        towns = [make_org(session, f"{n}镇", OrgKind.town, parent=top)
                 for n, top in zip("甲乙", tops, strict=True)]
        villages = [make_org(session, f"{n}村", OrgKind.village, parent=town)
                    for n, town in zip("甲乙", towns, strict=True)]
        child = Child(name="王小明", name_pinyin="wangxiaoming", name_initials="wxm",
                      gender=Gender.male, birth_date=date(2015, 3, 2), town_id=towns[0].id,
                      village_id=villages[0].id)
        session.add(child)
    born = {"": (1, 0)}
    with transaction(engine, write=False) as session:
        assert Rollups(session, tops[0].id).period("born", None, None) == born
        assert Rollups(session, tops[1].id).period("born", None, None) == {}
    with transaction(engine) as session:
        moved = session.get(Child, child.id)
        assert moved is not None
        moved.town_id, moved.village_id = towns[1].id, villages[1].id
    with transaction(engine, write=False) as session:
        assert differences(session) == []
        assert Rollups(session, tops[0].id).period("born", None, None) == {}
        assert Rollups(session, tops[1].id).period("born", None, None) == born
        assert Rollups(session, None).period("born", None, None) == born
    with transaction(engine) as session:  # a wrong tree row is caught by the check
        session.execute(update(RollupTreeMonth).values(n=RollupTreeMonth.n + 1))
    with transaction(engine, write=False) as session:
        found = differences(session)
        assert len(found) == 1 and found[0].startswith(f"rollup_tree_months born/{tops[1].id}/")
