"""年度合规审计: the yearly audit of minors' personal data (未成年人网络保护条例 Art. 37), drafted
from the data for the data-protection officer to edit.

Every figure is a count over the tables themselves (children, consents, accounts, the audit
log, the view log, 紧急查看): nothing is typed in, so next year's pack is built the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from config import Settings, display_zone, load_settings, local_time
from core.validators import PASSWORD_MIN
from core.vocab import Category, ConsentBasis, ConsentPurpose, Role, ViewKind
from db.field_crypto import DEMO_FIELD_KEY, FIELD_KEY_VARIABLE
from db.models import (
    ActivityPhoto,
    AuditEvent,
    CareContact,
    Child,
    ChildCategory,
    Consent,
    EmergencyGrant,
    OrgUnit,
    Relative,
    User,
    ViewEvent,
    Wish,
)
from services.access.permissions import Actor, Capability
from services.privacy import views
from services.privacy.retention import RetentionPolicy, retention_schedule


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: Role
    scope: str
    active: bool
    last_login: datetime | None


@dataclass
class AuditPack:
    """The figures of one year's audit, in the order the report gives them."""

    year: int
    made_at: datetime
    database: str
    data_dir: str
    children: dict[str, int]
    categories: dict[Category, int]               # children on the roster in each category
    records: dict[str, int]
    consent: dict[ConsentPurpose, dict[str, int]]
    accounts: list[Account]
    viewed: dict[ViewKind, tuple[int, int]]       # kind -> (events, rows)
    exports: dict[str, int]
    flagged: list[views.UnusualViews]
    retention: dict[str, int]
    incidents: dict[str, int]
    protections: dict[str, str] = field(default_factory=dict)


def audit_pack(session: Session, actor: Actor, year: int, *, today: date,
               settings: Settings | None = None) -> AuditPack:
    """Count everything the yearly audit reports, for the whole installation (administrators)."""
    actor.require(Capability.MANAGE_USERS)
    cfg = settings or load_settings()
    zone = display_zone()
    start, end = views.utc_bounds(date(year, 1, 1), date(year, 12, 31), zone)
    in_year = [AuditEvent.at >= start, AuditEvent.at < end]
    return AuditPack(
        year=year, made_at=datetime.now(zone).replace(tzinfo=None),
        database=_where_stored(cfg.database_url), data_dir=str(cfg.data_dir),
        children=_children(session), categories=_categories(session),
        records=_records(session),
        consent=_consent(session), accounts=_accounts(session),
        viewed=_viewed(session, start, end), exports=_exports(session, in_year),
        flagged=views.unusual_views(session, actor, date(year, 1, 1), date(year, 12, 31), zone),
        retention=_retention(session, actor, in_year, today),
        incidents=_incidents(session, in_year, start, end),
        protections=_protections(session, cfg, in_year))


def _count(session: Session, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _where_stored(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite 数据库文件 {parsed.database}"
    return f"PostgreSQL 数据库 {parsed.database}（{parsed.host or '本机'}）"


def _children(session: Session) -> dict[str, int]:
    return {
        "active": _count(session, select(Child.id).where(Child.archived_at.is_(None))),
        "archived": _count(session, select(Child.id).where(Child.archived_at.is_not(None),
                                                           Child.anonymised_at.is_(None))),
        "anonymised": _count(session, select(Child.id).where(Child.anonymised_at.is_not(None))),
        "id_numbers": _count(session, select(Child.id).where(Child.id_number_cipher.is_not(None))),
    }


def _categories(session: Session) -> dict[Category, int]:
    rows = dict(session.execute(
        select(ChildCategory.category, func.count(func.distinct(ChildCategory.child_id)))
        .join(Child, Child.id == ChildCategory.child_id)
        .where(Child.archived_at.is_(None)).group_by(ChildCategory.category)).all())
    return {category: rows.get(category, 0) for category in Category}


def _records(session: Session) -> dict[str, int]:
    return {
        "relatives": _count(session, select(Relative.id).where(Relative.archived_at.is_(None))),
        "relative_phones": _count(session, select(Relative.id).where(
            Relative.archived_at.is_(None), Relative.phone.is_not(None))),
        "contacts": _count(session, select(CareContact.id)),
        "photos": _count(session, select(ActivityPhoto.id)),
        "wish_photos": _count(session, select(Wish.id).where(Wish.photo_path.is_not(None))),
        "consent_forms": _count(session, select(Consent.id).where(Consent.form_path.is_not(None))),
        "audit_events": _count(session, select(AuditEvent.id)),
        "view_events": _count(session, select(ViewEvent.id)),
    }


def _consent(session: Session) -> dict[ConsentPurpose, dict[str, int]]:
    """Per purpose, the children on the roster by basis, and those without any."""
    active = _count(session, select(Child.id).where(Child.archived_at.is_(None)))
    rows = session.execute(
        select(Consent.purpose, Consent.basis, func.count(func.distinct(Consent.child_id)))
        .join(Child, Child.id == Consent.child_id)
        .where(Child.archived_at.is_(None), Consent.withdrawn_on.is_(None))
        .group_by(Consent.purpose, Consent.basis))
    found: dict[ConsentPurpose, dict[str, int]] = {
        p: {b.value: 0 for b in ConsentBasis} for p in ConsentPurpose}
    for purpose, basis, children in rows:
        found[purpose][basis.value] = children
    for counts in found.values():
        counts["missing"] = active - sum(counts.values())
    return found


def _accounts(session: Session) -> list[Account]:
    scope = {u.id: u.name for u in session.scalars(select(OrgUnit))}
    return [Account(u.username, u.display_name, u.role,
                    scope.get(u.org_unit_id, "全部") if u.org_unit_id else "全部",
                    u.is_active, u.last_login_at)
            for u in session.scalars(select(User).order_by(User.role, User.username))]


def _viewed(session: Session, start: Any, end: Any) -> dict[ViewKind, tuple[int, int]]:
    rows = session.execute(select(ViewEvent.kind, func.count(), func.sum(ViewEvent.rows))
                           .where(ViewEvent.at >= start, ViewEvent.at < end)
                           .group_by(ViewEvent.kind))
    found = {kind: (0, 0) for kind in ViewKind}
    for kind, events, rows_seen in rows:
        found[kind] = (events, rows_seen or 0)
    return found


# Every file with people's data that left the system: lists, 联系卡, reports, backups.
FILES_OUT = ("export", "contact_cards", "report", "backup_download")


def _exports(session: Session, in_year: list[Any]) -> dict[str, int]:
    details = session.execute(select(AuditEvent.action, AuditEvent.after).where(
        AuditEvent.action.in_(FILES_OUT), *in_year))
    facts: Counter[str] = Counter()
    for action, after in details:
        after = after or {}
        facts["files"] += 1
        facts[action] += 1
        facts["sensitive"] += (after.get("含敏感信息") == "是"
                               or action in ("contact_cards", "backup_download")
                               or (action == "report" and after.get("脱敏") == "否"))
        facts["protected"] += after.get("密码保护") == "是"
    return {"files": facts["files"], "sensitive": facts["sensitive"],
            "protected": facts["protected"], **{action: facts[action] for action in FILES_OUT}}


def _retention(session: Session, actor: Actor, in_year: list[Any], today: date) -> dict[str, int]:
    done = list(session.scalars(select(AuditEvent.after).where(
        AuditEvent.action == "anonymise", *in_year)))
    due = retention_schedule(session, actor, today=today, policy=RetentionPolicy.configured())
    return {"runs": len(done), "children": sum(int((a or {}).get("children", 0)) for a in done),
            "due_now": len(due)}


def _incidents(session: Session, in_year: list[Any], start: Any, end: Any) -> dict[str, int]:
    def actions(name: str) -> int:
        return _count(session, select(AuditEvent.id).where(AuditEvent.action == name, *in_year))

    grants = [EmergencyGrant.granted_at >= start, EmergencyGrant.granted_at < end]
    return {
        "failed_logins": actions("login_failed"), "lockouts": actions("lock"),
        "unknown_logins": sum(int((after or {}).get("attempts", 1)) for after in session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "login_unknown", *in_year))),
        "emergency_not_found": actions("emergency_not_found"),
        "emergency": _count(session, select(EmergencyGrant.id).where(*grants)),
        "emergency_pending": _count(session, select(EmergencyGrant.id).where(
            *grants, EmergencyGrant.acknowledged_at.is_(None))),
    }


def _protections(session: Session, cfg: Settings, in_year: list[Any]) -> dict[str, str]:
    backups = list(session.scalars(select(AuditEvent.at).where(
        AuditEvent.action == "backup", *in_year).order_by(AuditEvent.at)))
    key = cfg.field_key.strip()
    demo_key = not key or key == DEMO_FIELD_KEY.decode()
    return {
        "encryption": ("身份证号以 Fernet（AES-128-CBC 加 HMAC-SHA256）加密存储，精确查找用带密钥的"
                       f"散列；密钥来自 {FIELD_KEY_VARIABLE}"
                       + ("。注意：当前为演示密钥，不得用于真实数据。" if demo_key
                          else "，已配置。")),
        "backups": (f"本年度备份 {len(backups)} 次，最近一次 {local_time(backups[-1])}；"
                    "备份内为密文，恢复须原密钥。" if backups else "本年度没有备份记录。"),
        "passwords": (f"密码至少 {PASSWORD_MIN} 位，须含字母和数字，以 bcrypt 散列保存；"
                      f"连续 {cfg.max_login_attempts} 次错误锁定 {cfg.lockout_minutes} 分钟；"
                      f"登录 {cfg.cookie_expiry_days * 24:g} 小时后失效。"),
        "exports": ("含敏感信息的导出一律加密（Excel 文件密码，或 AES-256 加密的 ZIP），"
                    "密码不保存。"),
        "retention": (f"儿童档案归档后保存 {cfg.retention_years} 年（困境儿童 "
                      f"{cfg.retention_years_in_difficulty} 年），到期匿名化。"),
    }
