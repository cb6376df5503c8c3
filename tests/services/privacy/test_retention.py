"""保存期限: anonymised for good when the period ends, with every past figure unchanged."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from cli import main
from core.errors import PermissionDenied
from core.vocab import Category, NeedKind, Relation, Role
from db.engine import checkpoint
from db.models import (
    Activity,
    AuditEvent,
    Child,
    Donation,
    EmergencyGrant,
    Helper,
    Need,
    Relative,
    SavedFilter,
    User,
    Wish,
)
from sample_data import seed_database
from services.access.permissions import Actor
from services.exports.export_kinds import export_list, hub_lists
from services.exports.roster_export import export_roster
from services.privacy.retention import (
    PLACEHOLDER,
    RetentionPolicy,
    anonymise_due,
    retention_schedule,
)
from services.roster.roster_filter import RecordStatus, RosterFilter
from tests.factories import make_child, make_town_with_village
from tests.services.privacy.stored import forms_of, stored_bytes

TODAY = date(2026, 11, 28)
LATER = TODAY + timedelta(days=6 * 366)   # every child archived by TODAY is past 5 years
ADMIN = Actor(user_id=None, username="admin", role=Role.admin)
POLICY = RetentionPolicy()
PERIODS = [("2025-09-01", "2026-01-20"), ("2026-02-20", "2026-07-10"), ("2025-09-01", "2026-11-28")]


def _archived(session: Session, village, name: str, archived_on: date,
              categories: tuple[Category, ...] = (Category.left_behind,)) -> Child:
    child = make_child(session, village=village, name=name, categories=categories)
    child.archived_at = datetime.combine(archived_on, datetime.min.time()) + timedelta(hours=4)
    session.flush()
    return child


def test_the_period_runs_from_archiving_and_is_longer_in_difficulty(session: Session) -> None:
    _, village = make_town_with_village(session)
    _archived(session, village, "留守甲", TODAY - timedelta(days=3 * 365 + 1))
    _archived(session, village, "留守乙", TODAY - timedelta(days=2 * 365))
    _archived(session, village, "困境甲", TODAY - timedelta(days=3 * 365 + 30),
              (Category.left_behind, Category.in_difficulty))
    _archived(session, village, "困境乙", TODAY - timedelta(days=5 * 365 + 2),
              (Category.disabled,))
    make_child(session, village=village, name="在册")
    session.commit()

    due = retention_schedule(session, ADMIN, today=TODAY, policy=POLICY)
    names = {session.get(Child, d.child_id).name: d for d in due}  # type: ignore[union-attr]
    assert set(names) == {"留守甲", "困境乙"}
    assert names["困境乙"].in_difficulty and not names["留守甲"].in_difficulty
    soon = retention_schedule(session, ADMIN, today=TODAY, policy=POLICY, horizon_days=366)
    assert len(soon) == 3  # 留守乙 falls due within the year; 困境甲 does not
    assert len(retention_schedule(session, ADMIN, today=TODAY,
                                  policy=RetentionPolicy(years=1, years_in_difficulty=1))) == 4


@pytest.mark.parametrize("role", [Role.coordinator, Role.viewer])
def test_only_an_administrator_sees_or_applies_it(session: Session, role: Role) -> None:
    actor = Actor(user_id=None, username="x", role=role, org_unit_id=1)
    with pytest.raises(PermissionDenied):
        retention_schedule(session, actor, today=TODAY, policy=POLICY)
    with pytest.raises(PermissionDenied):
        anonymise_due(session, actor, today=TODAY, policy=POLICY)


@pytest.fixture
def seeded(engine: Engine, monkeypatch) -> Engine:
    """The school seed, with some children who have relatives and wishes archived in 2026."""
    seed_database(engine, scale="school", today=TODAY)
    with Session(engine) as session, session.begin():
        with_wishes = select(Wish.child_id).distinct().limit(3)
        with_family = select(Relative.child_id).distinct().order_by(Relative.child_id).limit(6)
        chosen = set(session.scalars(with_wishes)) | set(session.scalars(with_family))
        session.execute(update(Child).where(Child.id.in_(chosen), Child.archived_at.is_(None))
                        .values(archived_at=datetime(2026, 11, 20, 2)))
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def _stats(capsys, start: str, end: str, org: str | None = None) -> str:
    assert main(["stats", "--json", "--from", start, "--to", end,
                 *(["--org", org] if org else [])]) == 0
    return capsys.readouterr().out


def _draft(tmp_path: Path, capsys, start: str, end: str) -> str:
    out = tmp_path / f"draft-{start}.md"
    assert main(["report", "--from", start, "--to", end, "--format", "md",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    return out.read_text(encoding="utf-8")


def _exports(session: Session) -> str:
    return "\n".join(export_list(session, actor=ADMIN, kind=kind, fmt="csv", today=LATER,
                                 include_sensitive=True).data.decode("utf-8-sig")
                     for kind in hub_lists())


def test_anonymising_keeps_every_past_figure_and_leaves_no_name(
        seeded: Engine, capsys, tmp_path: Path) -> None:
    with Session(seeded) as session:
        due = retention_schedule(session, ADMIN, today=LATER, policy=POLICY)
        ids = [d.child_id for d in due]
        assert len(ids) >= 3   # the school seed archives children: the test is not vacuous
        gone = set(session.scalars(select(Child.name).where(Child.id.in_(ids))))
        gone |= set(session.scalars(select(Relative.name).where(Relative.child_id.in_(ids))))
        kept = set(session.scalars(select(Child.name).where(Child.id.not_in(ids))))
        kept |= set(session.scalars(select(Relative.name).where(Relative.child_id.not_in(ids))))
        kept |= set(session.scalars(select(Helper.name))) | set(
            session.scalars(select(User.display_name)))
        # A name that is part of a kept one (刘芳 in 刘芳一) would be found in what stays.
        unique = sorted(n for n in gone - kept
                        if len(n) >= 2 and not any(n in other for other in kept))
        assert unique
        # A wish photo of theirs, to see it go.
        wish = session.scalars(select(Wish).where(Wish.child_id.in_(ids))).first()
        photo = None
        if wish is not None:
            photo = tmp_path / "data" / "wish_photos" / "x.jpg"
            photo.parent.mkdir(parents=True)
            photo.write_bytes(b"\xff\xd8photo")
            session.execute(update(Wish).where(Wish.id == wish.id).values(
                photo_path="wish_photos/x.jpg"))
            session.commit()
        _name_everywhere(session, unique[0], ids[0])
    figures = {p: _stats(capsys, *p) for p in PERIODS}
    by_town = _stats(capsys, *PERIODS[0], org="石门镇")
    seeded.dispose()
    before = stored_bytes(seeded)
    assert all(any(form in before for form in forms_of(name)) for name in unique)

    with Session(seeded) as session, session.begin():
        result = anonymise_due(session, ADMIN, today=LATER, policy=POLICY,
                               data_dir=tmp_path / "data")

    assert result.children == len(ids)
    assert {p: _stats(capsys, *p) for p in PERIODS} == figures
    assert _stats(capsys, *PERIODS[0], org="石门镇") == by_town
    if photo is not None:
        assert not photo.exists()
    with Session(seeded) as session:
        assert set(session.scalars(select(Child.name).where(Child.id.in_(ids)))) == {PLACEHOLDER}
        assert session.scalar(select(Child.anonymised_at).where(Child.id == ids[0])) is not None
        exported = _exports(session)
        logged = session.scalars(select(AuditEvent).where(AuditEvent.action == "anonymise")).one()
        assert logged.after is not None and logged.after["children"] == len(ids)
    texts = exported + "".join(_draft(tmp_path, capsys, *p) for p in PERIODS)
    checkpoint(seeded)  # as `retention --apply` does: the replaced pages leave the file
    stored = stored_bytes(seeded)
    left = [name for name in unique if name in texts
            or any(form in stored for form in forms_of(name))]
    assert left == []


def _name_everywhere(session: Session, name: str, child_id: int) -> None:
    """Copies of a name outside the child's own records: a 紧急查看 reason, an activity's title
    and notes, a donation's notes, a saved search and an export filtered by the name."""
    admin = session.scalars(select(User).where(User.role == Role.admin)).first()
    assert admin is not None
    session.add(EmergencyGrant(user_id=admin.id, username=admin.username, child_id=child_id,
                               reason=f"{name}转学到本镇，需要核对档案",
                               expires_at=datetime(2026, 11, 29)))
    session.execute(update(Activity).where(Activity.id == session.scalar(
        select(func.min(Activity.id)))).values(title=f"为{name}过生日",
                                               notes=f"{name}的同学都来了"))
    session.execute(update(Donation).where(Donation.id == session.scalar(
        select(func.min(Donation.id)))).values(notes=f"给{name}的书包"))
    session.add(SavedFilter(user_id=admin.id, page="roster", name="找人", params={"q": name}))
    export_roster(session, actor=ADMIN, fmt="csv", today=TODAY,
                  roster_filter=RosterFilter(text=name, status=RecordStatus.archived))
    session.commit()


def test_a_second_run_finds_nothing_left(seeded: Engine) -> None:
    with Session(seeded) as session, session.begin():
        first = anonymise_due(session, ADMIN, today=LATER, policy=POLICY)
    with Session(seeded) as session, session.begin():
        again = anonymise_due(session, ADMIN, today=LATER, policy=POLICY)
    assert first.children > 0 and again.children == 0


def test_the_command_lists_then_applies(seeded: Engine, capsys, monkeypatch) -> None:
    monkeypatch.setattr("cli_commands.privacy.local_today", lambda: LATER)
    assert main(["retention", "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert "保存期限已到" in listed and "--apply" in listed
    with Session(seeded) as session:
        assert session.scalar(select(Child.id).where(Child.anonymised_at.is_not(None))) is None

    assert main(["retention", "--apply"]) == 0
    assert "已匿名化" in capsys.readouterr().out
    with Session(seeded) as session:
        assert session.scalar(select(Child.id).where(Child.anonymised_at.is_not(None)))


def test_the_command_needs_a_choice(capsys) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["retention"])
    assert refused.value.code == 2
    assert "--dry-run" in capsys.readouterr().err


def test_restoring_a_backup_older_than_a_run_says_who_is_due_again(
        session: Session, db_url: str, tmp_path: Path, capsys, monkeypatch) -> None:
    _, village = make_town_with_village(session)
    _archived(session, village, "早已归档", TODAY - timedelta(days=4 * 366))
    session.commit()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("cli_commands.privacy.local_today", lambda: TODAY)
    monkeypatch.setattr("cli_commands.backup.local_today", lambda: TODAY)
    archive = tmp_path / "before.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    assert main(["retention", "--apply"]) == 0
    capsys.readouterr()

    assert main(["restore", str(archive), "--force"]) == 0
    said = capsys.readouterr().out
    assert "1 名儿童的保存期限已到" in said and "retention --dry-run" in said
    # Anonymised again, a backup made now comes back with nobody due.
    assert main(["retention", "--apply"]) == 0
    assert main(["backup", "--out", str(tmp_path / "after.tar.gz")]) == 0
    assert main(["restore", str(tmp_path / "after.tar.gz"), "--force"]) == 0
    assert "保存期限已到" not in capsys.readouterr().out


def test_a_relative_known_only_as_grandmother_leaves_that_word_alone(
        session: Session, tmp_path: Path) -> None:
    _, village = make_town_with_village(session)
    child = _archived(session, village, "林小雨", TODAY - timedelta(days=4 * 366))
    session.add(Relative(child_id=child.id, relation=Relation.guardian, name="奶奶"))
    other = make_child(session, village=village, name="王小明")
    session.add(Need(child_id=other.id, kind=NeedKind.medical, found_on=TODAY,
                     description="王小明的奶奶腿脚不便，林小雨曾来帮忙"))
    session.commit()
    anonymise_due(session, ADMIN, today=TODAY, policy=POLICY, data_dir=tmp_path)
    session.commit()
    # Another child's record keeps its words, only the anonymised child's name goes.
    assert session.scalar(select(Need.description).where(Need.child_id == other.id)) == (
        f"王小明的奶奶腿脚不便，{PLACEHOLDER}曾来帮忙")
    assert session.scalar(select(Relative.name).where(Relative.child_id == child.id)) == (
        PLACEHOLDER)
