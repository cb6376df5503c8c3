"""常用筛选: filters a person names and keeps, per page, as that page's URL parameters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import SavedFilter
from services.errors import ValidationFailed
from services.permissions import Actor

MAX_PER_PAGE = 20


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
        raise ValidationFailed({"名称": "请填写1–50个字的名称"})
    if actor.user_id is None:
        raise ValidationFailed({"名称": "命令行账户不能保存常用筛选"})
    existing = {f.name: f for f in saved_filters(session, actor, page)}
    if name in existing:
        existing[name].params = params
        session.flush()
        return existing[name]
    if len(existing) >= MAX_PER_PAGE:
        raise ValidationFailed({"名称": f"最多保存{MAX_PER_PAGE}个常用筛选，请先删除不用的"})
    saved = SavedFilter(user_id=actor.user_id, page=page, name=name, params=params)
    session.add(saved)
    session.flush()
    return saved


def forget_filter(session: Session, *, actor: Actor, saved_id: int) -> None:
    """Remove one of the actor's own saved filters (a preference, not a record about anyone)."""
    session.execute(delete(SavedFilter).where(SavedFilter.id == saved_id,
                                              SavedFilter.user_id == actor.user_id))
