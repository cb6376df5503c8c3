"""Every service entry point × every login × in scope / out of scope, from one table."""

from __future__ import annotations

import pytest

from core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.permissions.matrix import (
    KNOWN_DEFECTS,
    Entry,
    Kind,
    all_entries,
    allowed,
    in_scope,
    run,
    shown_to,
    unit_names_out,
)
from tests.permissions.reveal import revealed
from tests.permissions.world import USERS, hidden_strings

REFUSED = (PermissionDenied, NotFound)
# A change naming an out-of-scope record may also be refused as a form problem
# ("不在您的管辖范围内"), as long as the message names nobody.
WRITE_REFUSED = (*REFUSED, ValidationFailed)
ENTRIES = all_entries()


def _cases(kinds: set[Kind]) -> list:
    cases = []
    for entry in ENTRIES:
        if entry.kind not in kinds:
            continue
        sides = entry.sides if entry.kind in (Kind.GET, Kind.WRITE) else ("",)
        for user in USERS:
            for side in sides:
                label = f"{entry.name}-{user}" + (f"-{side}" if side else "")
                defect = KNOWN_DEFECTS.get((entry.name, user, side))
                marks = [pytest.mark.xfail(reason=defect, strict=True)] if defect else []
                cases.append(pytest.param(entry, user, side, id=label, marks=marks))
    return cases


def _leaks(user: str, entry: Entry, text: str) -> list[str]:
    return sorted(s for s in hidden_strings(user) | unit_names_out(user, entry) if s in text)


def _refused_quietly(db, world, entry: Entry, user: str, side: str) -> None:
    """Refused with a message that names nobody the login may not see."""
    refusals = WRITE_REFUSED if entry.kind is Kind.WRITE and allowed(user, entry) else REFUSED
    with pytest.raises(refusals) as caught:
        run(entry, db, world, user, side)
    assert not _leaks(user, entry, caught.value.message), caught.value.message


@pytest.mark.parametrize(("entry", "user", "side"), _cases({Kind.LIST}))
def test_a_list_holds_only_people_in_the_callers_scope(db, world, entry, user, side):
    if not allowed(user, entry):
        _refused_quietly(db, world, entry, user, side)
        return
    text = revealed(run(entry, db, world, user, side))
    assert _leaks(user, entry, text) == []
    if (name := shown_to(user, entry)) is not None:
        assert name in text, f"{name} is in scope and should be listed"


@pytest.mark.parametrize(("entry", "user", "side"), _cases({Kind.GET, Kind.WRITE}))
def test_a_record_is_read_or_changed_only_in_scope(db, world, entry, user, side):
    if not allowed(user, entry) or not in_scope(user, entry, side):
        _refused_quietly(db, world, entry, user, side)
        return
    answer = run(entry, db, world, user, side)
    if entry.kind is Kind.GET:
        text = revealed(answer)
        assert _leaks(user, entry, text) == []
        if (name := shown_to(user, entry, side)) is not None:
            assert name in text


@pytest.mark.parametrize(("entry", "user", "side"), _cases({Kind.OPEN}))
def test_an_unscoped_change_is_made_only_by_the_roles_allowed(db, world, entry, user, side):
    if not allowed(user, entry):
        _refused_quietly(db, world, entry, user, side)
        return
    run(entry, db, world, user, side)
