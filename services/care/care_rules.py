"""帮扶要求 as admins keep them: list, add, edit (versioned), deactivate, activate, archive."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import (
    Category,
    ContactKind,
    HelperKind,
    RiskLevel,
    RuleAudience,
    RulePeriod,
    Vocabulary,
)
from db.base import utcnow
from db.models import CareRule
from services.access import audit
from services.access.permissions import Actor, Capability

MIN_COUNT, MAX_COUNT = 1, 31
NAME_MAX = 100
CODE_MAX = 50
ENTITY = "care_rule"


@dataclass(frozen=True)
class RuleInput:
    """What the rule form edits; codes may be given as Enum members or their string codes."""

    name: str
    contact_kinds: tuple[str, ...]
    min_count: int
    period: str
    audience: str = RuleAudience.child.value
    risk_level: str | None = None
    category: str | None = None
    helper_kind: str | None = None
    pauses_in_holidays: bool = False
    notes: str | None = None
    is_active: bool = True


def rule_to_input(rule: CareRule) -> RuleInput:
    return RuleInput(rule.name, tuple(rule.contact_kinds or ()), rule.min_count,
                     rule.period.value, rule.audience.value,
                     rule.risk_level.value if rule.risk_level else None,
                     rule.category.value if rule.category else None,
                     rule.helper_kind.value if rule.helper_kind else None,
                     rule.pauses_in_holidays, rule.notes, rule.is_active)


def _optional(vocabulary: type[Vocabulary], value: str | None, label: str,
              problems: dict[str, str]) -> Vocabulary | None:
    if value in (None, ""):
        return None
    if value not in vocabulary.codes():
        problems[label] = Msg("errors.rule.unknown", value=value, accepted=tuple(vocabulary))
        return None
    return vocabulary(value)


NAME, KINDS = field_label("name_of", "名称"), field_label("rule_kinds", "帮扶方式")
COUNT = field_label("min_count", "最少次数")


def rule_problems(data: RuleInput) -> dict[str, str]:
    """Field label → what is wrong, in Chinese; empty when the rule can be saved."""
    problems: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        problems[NAME] = Msg("errors.rule.name_missing")
    elif len(name) > NAME_MAX:
        problems[NAME] = Msg("errors.rule.name_long", max=NAME_MAX, length=len(name))
    kinds = list(data.contact_kinds)
    if not kinds:
        problems[KINDS] = Msg("errors.rule.kinds_missing")
    elif unknown := [k for k in kinds if k not in ContactKind.codes()]:
        problems[KINDS] = Msg("errors.rule.unknown", value="、".join(map(str, unknown)),
                              accepted=tuple(ContactKind))
    if isinstance(data.min_count, bool) or not isinstance(data.min_count, int):
        problems[COUNT] = Msg("errors.rule.count_integer")
    elif not MIN_COUNT <= data.min_count <= MAX_COUNT:
        problems[COUNT] = Msg("errors.rule.count_range", min=MIN_COUNT, max=MAX_COUNT)
    if data.period not in RulePeriod.codes():
        problems[field_label("period_of", "周期")] = Msg("errors.rule.period",
                                                         accepted=tuple(RulePeriod))
    if data.audience not in RuleAudience.codes():
        problems[field_label("audience", "联系对象")] = Msg("errors.rule.audience",
                                                          accepted=tuple(RuleAudience))
    _optional(RiskLevel, data.risk_level, field_label("risk_level", "风险等级"), problems)
    _optional(Category, data.category, field_label("categories", "儿童类别"), problems)
    _optional(HelperKind, data.helper_kind, field_label("helper_kind", "帮扶人类型"),
              problems)
    if data.notes and len(data.notes) > 1000:
        problems[field_label("notes", "备注")] = Msg("errors.rule.notes_long")
    return problems


def _require_admin(actor: Actor) -> None:
    if not actor.can(Capability.MANAGE_RULES):
        raise PermissionDenied(Msg("errors.permission.care_rules"))


def list_rules(session: Session, *, include_archived: bool = False) -> list[CareRule]:
    """Every rule, active ones first, in the order they were made."""
    stmt = select(CareRule).order_by(CareRule.is_active.desc(), CareRule.id)
    if not include_archived:
        stmt = stmt.where(CareRule.archived_at.is_(None))
    return list(session.scalars(stmt))


def get_rule(session: Session, rule_id: int) -> CareRule:
    rule = session.get(CareRule, rule_id)
    if rule is None:
        raise NotFound(Msg("errors.what.care_rule"))
    return rule


def _same_as(session: Session, data: RuleInput, rule_id: int | None) -> CareRule | None:
    """A live rule with the same name, or asking exactly the same of the same pairings."""
    wanted = (frozenset(data.contact_kinds), data.min_count, data.period, data.audience,
              data.risk_level, data.category, data.helper_kind)
    for rule in list_rules(session):
        if rule.id == rule_id:
            continue
        values = rule_to_input(rule)
        if rule.name == data.name.strip() or wanted == (
                frozenset(values.contact_kinds), values.min_count, values.period,
                values.audience, values.risk_level, values.category, values.helper_kind):
            return rule
    return None


def _check(session: Session, actor: Actor, data: RuleInput, rule_id: int | None) -> None:
    _require_admin(actor)
    if problems := rule_problems(data):
        raise ValidationFailed(problems)
    if (twin := _same_as(session, data, rule_id)) is not None:
        raise DomainError.of("errors.rule.twin", name=twin.name)


def _apply(rule: CareRule, data: RuleInput) -> None:
    rule.name = data.name.strip()
    rule.contact_kinds = list(dict.fromkeys(str(k) for k in data.contact_kinds))
    rule.min_count = data.min_count
    rule.period = RulePeriod(data.period)
    rule.audience = RuleAudience(data.audience)
    rule.risk_level = RiskLevel(data.risk_level) if data.risk_level else None
    rule.category = Category(data.category) if data.category else None
    rule.helper_kind = HelperKind(data.helper_kind) if data.helper_kind else None
    rule.pauses_in_holidays = bool(data.pauses_in_holidays)
    rule.notes = (data.notes or "").strip() or None


def new_code(session: Session, data: RuleInput) -> str:
    """A readable, unique code for `stats --json`: month_home_visit_x2_yellow, …_2 if taken."""
    parts = [data.period, *sorted(str(k) for k in data.contact_kinds)[:2], f"x{data.min_count}",
             *(v for v in (data.risk_level, data.category, data.helper_kind) if v)]
    if data.audience != RuleAudience.child.value:
        parts.append(data.audience)
    base = re.sub(r"[^a-z0-9_]", "", "_".join(parts).lower())[:CODE_MAX - 4] or "rule"
    taken = set(session.scalars(select(CareRule.code).where(CareRule.code.startswith(base))))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def create_rule(session: Session, *, actor: Actor, data: RuleInput) -> CareRule:
    """Add a rule after every check; it counts from the current period at once."""
    _check(session, actor, data, None)
    rule = CareRule(code=new_code(session, data), is_active=data.is_active)
    _apply(rule, data)
    session.add(rule)
    session.flush()
    audit.record(session, actor, "create", ENTITY, rule.id, after=audit.snapshot(rule),
                 summary=f"新增帮扶要求 {rule.name}")
    return rule


def update_rule(session: Session, *, actor: Actor, rule_id: int, expected_version: int,
                data: RuleInput) -> CareRule:
    """Save changes to the version the admin opened; the code stays, so history still reads."""
    rule = get_rule(session, rule_id)
    audit.require_version(rule, expected_version, Msg("errors.what.care_rule"))
    _check(session, actor, data, rule.id)
    with audit.tracked(session, actor, rule, ENTITY, summary=f"修改帮扶要求 {data.name.strip()}"):
        _apply(rule, data)
    return rule


def set_rule_active(session: Session, *, actor: Actor, rule_id: int, expected_version: int,
                    active: bool) -> CareRule:
    """Stop checking a rule (it stays listed) or start again."""
    _require_admin(actor)
    rule = get_rule(session, rule_id)
    audit.require_version(rule, expected_version, Msg("errors.what.care_rule"))
    if rule.archived_at is not None:
        raise DomainError.of("errors.rule.archived", name=rule.name)
    if rule.is_active is active:
        raise DomainError.of("errors.rule.already_on" if active else "errors.rule.already_off",
                             name=rule.name)
    verb = "启用" if active else "停用"
    with audit.tracked(session, actor, rule, ENTITY, summary=f"{verb}帮扶要求 {rule.name}"):
        rule.is_active = active
    return rule


def archive_rule(session: Session, *, actor: Actor, rule_id: int, expected_version: int,
                 reason: str) -> CareRule:
    """Put a rule away for good (it is kept, hidden from the list, and never checked)."""
    _require_admin(actor)
    rule = get_rule(session, rule_id)
    audit.require_version(rule, expected_version, Msg("errors.what.care_rule"))
    if not reason.strip():
        raise ValidationFailed({field_label("archive_reason", "归档原因"):
                                Msg("errors.rule.archive_reason_missing")})
    with audit.tracked(session, actor, rule, ENTITY, action="archive",
                       summary=f"归档帮扶要求 {rule.name}({reason.strip()})"):
        rule.archived_at, rule.archive_reason = utcnow(), reason.strip()[:200]
        rule.is_active = False
    return rule
