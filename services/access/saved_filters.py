"""常用筛选: filters a person names and keeps, per page, as that page's URL parameters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed, field_label
from core.i18n import Msg
from core.validators import long_digits_in
from db.models import SavedFilter
from services.access.permissions import Actor

MAX_PER_PAGE = 20

NAME = field_label("name_of", "名称")


def saved_filters(session: Session, actor: Actor, page: str) -> list[SavedFilter]:
    """The actor's own saved filters for one page, by name."""
    if actor.user_id is None:
        return []
    return list(session.scalars(select(SavedFilter).where(
        SavedFilter.user_id == actor.user_id, SavedFilter.page == page).order_by(SavedFilter.name)))


def save_filter(session: Session, *, actor: Actor, page: str, name: str,
                params: dict[str, Any]) -> SavedFilter:
    """Keep the filter under `name`; saving an existing name replaces what it holds."""
    name = name.strip()
    if not name or len(name) > 50:
        raise ValidationFailed({NAME: Msg("errors.filter.name")})
    if actor.user_id is None:
        raise ValidationFailed({NAME: Msg("errors.filter.cli")})
    if any(isinstance(v, str) and long_digits_in(v) for v in params.values()):
        # A saved search stays in the database long after the search: never a whole number.
        raise ValidationFailed({NAME: Msg("errors.filter.id_number")})
    existing = {f.name: f for f in saved_filters(session, actor, page)}
    if name in existing:
        existing[name].params = params
        session.flush()
        return existing[name]
    if len(existing) >= MAX_PER_PAGE:
        raise ValidationFailed({NAME: Msg("errors.filter.too_many", max=MAX_PER_PAGE)})
    saved = SavedFilter(user_id=actor.user_id, page=page, name=name, params=params)
    session.add(saved)
    session.flush()
    return saved


def forget_filter(session: Session, *, actor: Actor, saved_id: int) -> None:
    """Remove one of the actor's own saved filters (a preference, not a record about anyone)."""
    session.execute(delete(SavedFilter).where(SavedFilter.id == saved_id,
                                              SavedFilter.user_id == actor.user_id))
