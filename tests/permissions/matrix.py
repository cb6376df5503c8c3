"""The permission matrix: every service entry point, who may call it, and what scope means.

Four kinds of entry point:
- LIST: answers with many records; an allowed caller gets no string of anyone outside their
  scope, and does get `shows` (a person of the world) when that person is in their scope.
- GET: reads one record named by a side (A, B, or U for the union child); in scope it is
  returned (with its person's name when `shows`), out of scope it is refused.
- WRITE: changes one record (or records something about one) on a side; in scope it
  succeeds, out of scope it is refused and nothing is returned.
- OPEN: a change with no org scope (admin's settings, providers): allowed roles succeed.
A role the entry does not allow is refused whatever the side (PermissionDenied or NotFound).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from core.vocab import Role
from services.access.permissions import Actor
from tests.permissions.world import CHILDREN, HELPERS, ROLE_OF, VISIBLE, World


class Kind(StrEnum):
    LIST = "list"
    GET = "get"
    WRITE = "write"
    OPEN = "open"


class Target(StrEnum):
    """What a side names: a child (or a record about that child), a helper, an org unit."""

    CHILD = "child"
    HELPER = "helper"
    ORG = "org"


A, C, H, V = Role.admin, Role.coordinator, Role.helper, Role.viewer
PEOPLE = frozenset({A, C, H})
STAFF = frozenset({A, C})
ADMIN = frozenset({A})
EVERYONE = frozenset(Role)

Call = Callable[[Session, World, Actor, str], object]


@dataclass(frozen=True)
class Entry:
    name: str
    kind: Kind
    roles: frozenset[Role]
    call: Call
    shows: str | None = None  # a person key (A1, HA1 …) the answer names when in scope
    target: Target = Target.CHILD
    sides: tuple[str, ...] = ("A", "B")
    hide_units: bool = False  # out-of-scope org unit names must not appear either
    # The record naming `shows` was held by town A (an activity, a ledger entry): a school's
    # coordinator, below the town, does not see it, and that is by design.
    town_held: bool = False


CHILD_OF_SIDE = {"A": "A1", "B": "B1", "U": "U1"}
HELPER_OF_SIDE = {"A": "HA1", "B": "HB"}
ORG_SIDES = {"admin": {"A", "B"}, "coord_town_a": {"A"}, "coord_school_a": {"A"}}
UNIT_NAMES = {"town_a": "石门镇", "village_a": "李家村", "school_a": "石门镇中心小学",
              "town_b": "青山乡", "village_b": "王家村", "school_b": "青山乡中心小学"}
UNITS_OUT = {"coord_town_a": ("town_b", "village_b", "school_b"),
             "coord_school_a": ("village_a", "town_b", "village_b", "school_b"),
             "viewer_a": ("town_b", "village_b", "school_b")}


# Rows that fail today, each a defect in a module this suite may not change (see the report
# in the commit): strict, so the row turns red once the defect is fixed and the mark can go.
KNOWN_DEFECTS: dict[tuple[str, str, str], str] = {}


def in_scope(user: str, entry: Entry, side: str) -> bool:
    """Whether the side's record lies within what this login may see."""
    children, helpers = VISIBLE[user]
    if entry.town_held and user == "coord_school_a":
        return False
    if entry.target is Target.HELPER:
        return HELPER_OF_SIDE[side] in helpers
    if entry.target is Target.ORG:
        return side in ORG_SIDES.get(user, set())
    return CHILD_OF_SIDE[side] in children


def allowed(user: str, entry: Entry) -> bool:
    return ROLE_OF[user] in entry.roles


def person_name(key: str) -> str:
    return {**CHILDREN, **HELPERS}[key].name


def shown_to(user: str, entry: Entry, side: str | None = None) -> str | None:
    """The name the answer must hold for this login, if any."""
    key = entry.shows
    if side is not None and entry.shows == "side":
        key = (HELPER_OF_SIDE if entry.target is Target.HELPER else CHILD_OF_SIDE)[side]
    if key is None or (entry.town_held and user == "coord_school_a"):
        return None
    children, helpers = VISIBLE[user]
    return person_name(key) if key in children | helpers else None


def unit_names_out(user: str, entry: Entry) -> set[str]:
    if not entry.hide_units:
        return set()
    return {UNIT_NAMES[key] for key in UNITS_OUT.get(user, ())}


def run(entry: Entry, session: Session, world: World, user: str, side: str) -> object:
    """Call the entry as this login; a lazy answer is read to the end (refusals come then)."""
    answer = entry.call(session, world, world.actors[user], side)
    return list(answer) if isinstance(answer, Iterator) else answer


def all_entries() -> list[Entry]:
    from tests.permissions.matrix_lists import LISTS
    from tests.permissions.matrix_targets import TARGETED
    return [*LISTS, *TARGETED]
