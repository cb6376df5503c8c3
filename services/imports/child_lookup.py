"""Find the children an import names: by name plus birth date or ID number, within scope.

Pairings, care contacts and activities name children the same way (CONTRACTS.md): a name alone
is enough where it is unique in the importing person's scope. Every child a file may mean is
loaded in one query per chunk of names, so a sheet of 10,000 rows costs a few queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.i18n import Msg
from core.validators import id_number_problem
from db.field_crypto import active_key
from db.models import Child
from services.access.permissions import Actor, children_visible

LOOKUP_CHUNK = 900  # below SQLite's limit on bound parameters per statement


@dataclass(frozen=True)
class ChildKey:
    """How one row names a child."""

    name: str
    birth_date: date | None = None
    id_number: str | None = None

    @property
    def number(self) -> str | None:
        return self.id_number.strip().upper() if self.id_number else None


class ChildNotFound(DomainError):
    """A row's child is unknown or ambiguous; `field` (name, birth_date, id_number) says why."""

    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.field = field


class ChildLookup:
    """The children a file may mean, indexed by name and by ID number."""

    def __init__(self, children: Iterable[Child]) -> None:
        self._by_name: dict[str, list[Child]] = {}
        self._by_number_hash: dict[str, Child] = {}  # ID numbers are compared by keyed hash
        for child in sorted(children, key=lambda c: c.id):
            self._by_name.setdefault(child.name, []).append(child)
            if child.id_number_hash:
                self._by_number_hash[child.id_number_hash] = child

    @classmethod
    def load(cls, session: Session, actor: Actor, keys: Iterable[ChildKey]) -> ChildLookup:
        """Every child in the actor's scope with a name or ID number that the keys use."""
        keys = list(keys)
        names = sorted({k.name for k in keys})
        field_key = active_key()
        numbers = sorted({field_key.lookup_hash(k.number) for k in keys if k.number})
        found: dict[int, Child] = {}
        for start in range(0, max(len(names), len(numbers)), LOOKUP_CHUNK):
            stmt = select(Child).where(children_visible(actor), or_(
                Child.name.in_(names[start:start + LOOKUP_CHUNK]),
                Child.id_number_hash.in_(numbers[start:start + LOOKUP_CHUNK])))
            found.update((c.id, c) for c in session.scalars(stmt))
        return cls(found.values())

    def find(self, key: ChildKey) -> Child:
        """The one child the key names; ChildNotFound says what is unknown or ambiguous."""
        if key.number:
            return self._by_id_number(key, key.number)
        candidates = self._by_name.get(key.name, [])
        if not candidates:
            raise ChildNotFound(Msg("errors.lookup.no_child", name=key.name))
        if key.birth_date is None:
            return _one(candidates, "errors.lookup.namesakes")
        same_day = [c for c in candidates if c.birth_date == key.birth_date]
        if not same_day:
            known = "、".join(sorted({f"{c.birth_date:%Y-%m-%d}" for c in candidates})[:3])
            raise ChildNotFound(Msg("errors.lookup.no_birth_date", name=key.name,
                                    born=key.birth_date.isoformat(), known=known), "birth_date")
        return _one(same_day, "errors.lookup.twins_need_id")

    def _by_id_number(self, key: ChildKey, number: str) -> Child:
        if why := id_number_problem(number, key.birth_date):
            raise ChildNotFound(why, "id_number")
        child = self._by_number_hash.get(active_key().lookup_hash(number))
        if child is None:
            # The record may not have the number yet: the number holds the birth date.
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            unnumbered = [c for c in self._by_name.get(key.name, [])
                          if c.id_number_hash is None and c.birth_date == born]
            if unnumbered:
                return _one(unnumbered, "errors.lookup.twins_check")
            raise ChildNotFound(Msg("errors.lookup.no_id_number", number=number), "id_number")
        if child.name != key.name:
            raise ChildNotFound(Msg("errors.lookup.id_other_name", number=number,
                                    name=child.name), "id_number")
        return child


def _one(candidates: list[Child], key: str) -> Child:
    """The only candidate, or the only active one among archived namesakes."""
    if len(candidates) == 1:
        return candidates[0]
    active = [c for c in candidates if c.archived_at is None]
    if len(active) == 1:
        return active[0]
    raise ChildNotFound(Msg(key, count=len(active) or len(candidates)))
