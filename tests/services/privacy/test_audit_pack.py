"""年度合规审计: every figure equals a count over the audit, view and records tables."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cli import main
from config import display_zone
from core.errors import PermissionDenied
from core.vocab import ConsentPurpose, Role, ViewKind
from db.models import (
    AuditEvent,
    Child,
    Consent,
    EmergencyGrant,
    User,
    ViewEvent,
)
from sample_data import seed_database
from services.access import audit, users
from services.access.permissions import Actor
from services.access.users import LoginPolicy
from services.care.contact_cards import cards_for_children
from services.exports.export_kinds import export_list
from services.privacy.audit_pack import FILES_OUT, audit_pack
from services.privacy.audit_pack_text import audit_pack_docx, audit_pack_markdown
from services.privacy.retention import RetentionPolicy, retention_schedule
from services.privacy.views import utc_bounds

TODAY = date(2026, 11, 28)
ADMIN = Actor(user_id=None, username="admin", role=Role.admin)


@pytest.fixture
def seeded(engine: Engine, monkeypatch) -> Engine:
    """The school seed (a week of views, logins) plus a year's incidents and exports."""
    seed_database(engine, scale="school", today=TODAY)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with Session(engine) as session, session.begin():
        for at, action in [(datetime(2026, 3, 1, 2), "login_failed"),
                           (datetime(2026, 3, 1, 2, 5), "login_failed"),
                           (datetime(2026, 3, 1, 2, 9), "lock"),
                           (datetime(2025, 12, 31, 3), "login_failed")]:  # 2025 in Beijing too
            event = audit.record(session, None, action, "user", 1, username="coordinator")
            event.at = at
        child = session.scalar(select(Child.id).limit(1))
        session.add(EmergencyGrant(user_id=None, username="coordinator", child_id=child,
                                   reason="该儿童已迁入本镇需核对记录",
                                   granted_at=datetime(2026, 5, 1),
                                   expires_at=datetime(2026, 5, 2)))
        export_list(session, actor=ADMIN, kind="roster", fmt="xlsx", today=TODAY,
                    include_sensitive=True, password="石门镇-名单-2026")
        export_list(session, actor=ADMIN, kind="helpers", fmt="csv", today=TODAY)
        cards_for_children(session, ADMIN, select(Child.id).limit(3), today=TODAY, fmt="pdf",
                           protected=True)
        users.record_failed_login(session, "nobody-here", LoginPolicy(5, timedelta(minutes=15)))
        audit.record(session, None, "emergency_not_found", "child", None, username="coordinator")
    return engine


def _in_2026(column):
    start, end = utc_bounds(date(2026, 1, 1), date(2026, 12, 31), display_zone())
    return [column >= start, column < end]


def test_the_figures_are_the_tables_counts(seeded: Engine) -> None:
    with Session(seeded) as session:
        pack = audit_pack(session, ADMIN, 2026, today=TODAY)

        for kind in ViewKind:
            events, rows = session.execute(
                select(func.count(), func.coalesce(func.sum(ViewEvent.rows), 0))
                .where(ViewEvent.kind == kind, *_in_2026(ViewEvent.at))).one()
            assert pack.viewed[kind] == (events, rows), kind
        assert pack.viewed[ViewKind.child_page][0] > 0   # the seed's week of views counts

        def actions(name: str) -> int:
            return session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == name, *_in_2026(AuditEvent.at))) or 0

        assert pack.incidents["failed_logins"] == actions("login_failed") == 2
        assert pack.incidents["lockouts"] == actions("lock") == 1
        assert (pack.incidents["emergency"], pack.incidents["emergency_pending"]) == (1, 1)
        assert pack.incidents["unknown_logins"] == actions("login_unknown") == 1
        assert pack.incidents["emergency_not_found"] == actions("emergency_not_found") == 1
        out = {action: actions(action) for action in FILES_OUT}
        assert out["contact_cards"] == 1 and out["export"] >= 2
        # Sensitive: the roster with names and the 联系卡; protected: the roster (the cards'
        # PDF went into a ZIP, which the disclosure records as protected too).
        assert pack.exports == {"files": sum(out.values()), "sensitive": 2, "protected": 2,
                                **out}
        # Counted here child by child, in Python, not by the pack's own SQL.
        by_category = Counter(category for child in session.scalars(
            select(Child).where(Child.archived_at.is_(None)))
            for category in {c.category for c in child.categories})
        assert {c: n for c, n in pack.categories.items() if n} == dict(by_category)
        assert sum(pack.categories.values()) > pack.children["active"] / 2
        assert pack.retention["runs"] == actions("anonymise")
        assert pack.retention["due_now"] == len(retention_schedule(
            session, ADMIN, today=TODAY, policy=RetentionPolicy.configured()))
        active = session.scalar(select(func.count()).select_from(Child).where(
            Child.archived_at.is_(None)))
        assert pack.children["active"] == active
        with_records = session.scalar(select(func.count(func.distinct(Consent.child_id))).join(
            Child, Child.id == Consent.child_id).where(
            Child.archived_at.is_(None), Consent.purpose == ConsentPurpose.records,
            Consent.withdrawn_on.is_(None)))
        assert pack.consent[ConsentPurpose.records]["missing"] == active - with_records > 0
        assert len(pack.accounts) == session.scalar(select(func.count()).select_from(User))


def test_the_draft_says_it_in_chinese_and_opens_in_word(seeded: Engine) -> None:
    with Session(seeded) as session:
        pack = audit_pack(session, ADMIN, 2026, today=TODAY)
    text = audit_pack_markdown(pack)
    for heading in ("个人信息清单", "处理依据与知情同意", "账户、角色与数据范围", "访问与导出",
                    "保存期限与匿名化", "安全事件", "保护措施"):
        assert heading in text
    assert f"密码错误登录 {pack.incidents['failed_logins']} 次" in text
    assert (f"带出系统的文件 {pack.exports['files']} 个（名单 {pack.exports['export']} 个、"
            "联系卡 1 次") in text
    assert "其中含姓名等敏感信息 2 个，加密保护 2 个" in text
    assert "- 身份证号：存于数据库；加密（Fernet）" in text
    assert "以不存在的登录名尝试登录 1 次" in text
    document = Document(io.BytesIO(audit_pack_docx(pack)))
    assert any("个人信息清单" in p.text for p in document.paragraphs)


def test_only_an_administrator_gets_it(session: Session) -> None:
    with pytest.raises(PermissionDenied):
        audit_pack(session, Actor(user_id=None, username="c", role=Role.coordinator,
                                  org_unit_id=1), 2026, today=TODAY)


def test_the_command_writes_the_draft_and_refuses_bad_requests(seeded: Engine, tmp_path: Path,
                                                                capsys) -> None:
    out = tmp_path / "2026年度合规审计.docx"
    assert main(["compliance-report", "--year", "2026", "--out", str(out)]) == 0
    assert "个人信息清单" in " ".join(p.text for p in Document(str(out)).paragraphs)
    assert main(["compliance-report", "--year", "2026", "--out", str(tmp_path / "x.pdf")]) == 1
    assert main(["compliance-report", "--year", "1999", "--out", str(out)]) == 1
    errors = capsys.readouterr().err
    assert ".docx" in errors and "年度应在" in errors
    with Session(seeded) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "compliance_report")) == 1
