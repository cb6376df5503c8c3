"""活动 form, 捐助: the recipients start as every attending child and follow the attendees until
someone is taken off; what is saved is what the form showed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from config import local_today
from db.models import Child, Donation, donation_recipients
from services.access.permissions import Actor
from services.care import activities
from services.care.activity_checks import ActivityInput, DonationInput
from tests.app.conftest import logged_in

NEW = "act_new_0"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(folder))
    return folder


def _ids(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {name: i for name, i in session.execute(select(Child.name, Child.id))}


def _recipients(engine) -> set[str]:
    """The names the one active donation was given to."""
    with Session(engine) as session:
        return set(session.scalars(
            select(Child.name).join(donation_recipients,
                                    donation_recipients.c.child_id == Child.id)
            .join(Donation, Donation.id == donation_recipients.c.donation_id)
            .where(Donation.archived_at.is_(None))))


def _new_form_with_money(engine) -> AppTest:
    ids = _ids(engine)
    at = logged_in("coordinator").switch_page("pages/activities.py").run()
    at.text_input(key=f"{NEW}_search").input("小").run()
    at.multiselect(key=f"{NEW}_children").set_value([ids["张小明"], ids["王小红"]]).run()
    at.text_input(key=f"{NEW}_title").input("中秋送温暖").run()
    return at.number_input(key=f"{NEW}_money").set_value(600.0).run()


def test_the_recipients_start_as_every_attendee_and_are_saved_so(world, engine):
    at = _new_form_with_money(engine)
    ids = _ids(engine)
    assert not at.exception
    assert set(at.multiselect(key=f"{NEW}_recipients").value) == {ids["张小明"], ids["王小红"]}
    assert any("现为全部2名参加儿童" in c.value for c in at.caption)

    at.button(key=f"{NEW}_save").click().run()

    assert not at.error
    assert _recipients(engine) == {"张小明", "王小红"}


def test_a_recipient_taken_off_is_not_given_to(world, engine):
    at = _new_form_with_money(engine)
    at.multiselect(key=f"{NEW}_recipients").unselect(_ids(engine)["王小红"]).run()
    assert not any("现为全部" in c.value for c in at.caption)

    at.button(key=f"{NEW}_save").click().run()

    assert _recipients(engine) == {"张小明"}


def test_an_edit_that_adds_an_attendee_gives_to_them_too(world, engine):
    ids = _ids(engine)
    with Session(engine) as session, session.begin():
        activity_id = activities.create_activity(
            session, actor=Actor.system(), today=local_today(), data=ActivityInput(
                kind="festival_visit", title="中秋送温暖", org_unit_id=world.town_id,
                held_on=local_today() - timedelta(days=3), child_ids=(ids["张小明"],),
                donations=(DonationInput(money_yuan=Decimal(600)),))).id
    at = logged_in("coordinator").switch_page("pages/activities.py").run()
    table = next(df for df in at.dataframe if (df.key or "").startswith("activities_table_"))
    at.session_state[table.key] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    prefix = f"act_edit_{activity_id}_1"
    assert at.multiselect(key=f"{prefix}_recipients").value == [ids["张小明"]]

    at.text_input(key=f"{prefix}_search").input("王").run()
    at.multiselect(key=f"{prefix}_children").set_value([ids["张小明"], ids["王小红"]]).run()
    assert set(at.multiselect(key=f"{prefix}_recipients").value) == {
        ids["张小明"], ids["王小红"]}
    at.button(key=f"{prefix}_save").click().run()

    assert not at.error
    assert _recipients(engine) == {"张小明", "王小红"}
