"""Password-protected exports: they open with the password and not without; it is kept nowhere."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import msoffcrypto
import openpyxl
import pytest
import pyzipper
from msoffcrypto.exceptions import InvalidKeyError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cli import main
from core.errors import DomainError
from core.vocab import OrgKind, Relation
from db.models import AuditEvent, Child, Relative, ViewEvent
from services.access.permissions import Actor
from services.care.contact_cards import cards_for_children
from services.exports.export_kinds import export_list
from services.privacy.protection import password_problem, protect, protected_name
from tests.factories import make_child, make_org

TODAY = date(2026, 11, 28)
ADMIN = Actor.system()
ID_NUMBER = "11010120150301001X"
PASSWORD = "石门镇-名单-2026"


@pytest.fixture
def roster(session: Session) -> Session:
    town = make_org(session, "石门镇", OrgKind.town)
    village = make_org(session, "李家村", OrgKind.village, parent=town)
    child = make_child(session, village=village, name="张小明", id_number=ID_NUMBER)
    session.add(Relative(child=child, relation=Relation.guardian, name="张奶奶",
                         phone="13812345678"))
    session.flush()
    return session


def _decrypted_xlsx(data: bytes, password: str) -> bytes:
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    return plain.getvalue()


def test_an_xlsx_opens_with_the_password_and_not_without(roster: Session) -> None:
    built = export_list(roster, actor=ADMIN, kind="roster", fmt="xlsx", today=TODAY,
                        include_sensitive=True, columns=["name", "id_number"], password=PASSWORD)

    assert built.filename == "儿童名单_2026-11-28.xlsx"
    assert msoffcrypto.OfficeFile(io.BytesIO(built.data)).is_encrypted()
    with pytest.raises(zipfile.BadZipFile):      # what Excel sees without the password
        openpyxl.load_workbook(io.BytesIO(built.data))
    with pytest.raises(InvalidKeyError):
        _decrypted_xlsx(built.data, "另一个密码-2026")
    sheet = openpyxl.load_workbook(io.BytesIO(_decrypted_xlsx(built.data, PASSWORD))).active
    assert sheet is not None
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["姓名", "身份证号"], ["张小明", ID_NUMBER]]


def test_a_csv_comes_in_an_aes_zip_that_needs_the_password(roster: Session) -> None:
    built = export_list(roster, actor=ADMIN, kind="roster", fmt="csv", today=TODAY,
                        include_sensitive=True, columns=["name", "id_number"], password=PASSWORD)

    assert built.filename == "儿童名单_2026-11-28.zip"
    assert ID_NUMBER.encode() not in built.data and "张小明".encode() not in built.data
    with pyzipper.AESZipFile(io.BytesIO(built.data)) as archive:
        assert archive.namelist() == ["儿童名单_2026-11-28.csv"]
        with pytest.raises(RuntimeError):
            archive.read("儿童名单_2026-11-28.csv")      # no password
        with pytest.raises(RuntimeError):
            archive.read("儿童名单_2026-11-28.csv", pwd="另一个密码-2026".encode())
        text = archive.read("儿童名单_2026-11-28.csv", pwd=PASSWORD.encode()).decode("utf-8-sig")
    assert text.splitlines() == ["姓名,身份证号", f"张小明,{ID_NUMBER}"]


def test_a_pdf_is_zipped_too() -> None:
    pdf = b"%PDF-1.7\n...\n%%EOF\n"
    assert protected_name("工作总结.pdf") == "工作总结.zip"
    with pyzipper.AESZipFile(io.BytesIO(protect(pdf, "工作总结.pdf", PASSWORD))) as archive:
        assert archive.read("工作总结.pdf", pwd=PASSWORD.encode()) == pdf


def test_the_audit_says_protected_and_keeps_no_password(roster: Session) -> None:
    export_list(roster, actor=ADMIN, kind="roster", fmt="xlsx", today=TODAY,
                include_sensitive=True, password=PASSWORD)
    export_list(roster, actor=ADMIN, kind="roster", fmt="xlsx", today=TODAY)

    exports = roster.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                             .order_by(AuditEvent.id)).all()
    assert [e.after["密码保护"] for e in exports if e.after] == ["是", "否"]
    stored = " ".join(str((e.before, e.after, e.summary))
                      for e in roster.scalars(select(AuditEvent)))
    stored += " ".join(str(v.subject) for v in roster.scalars(select(ViewEvent)))
    assert PASSWORD not in stored


@pytest.mark.parametrize(("password", "why"), [
    ("short", "至少 8 位"), ("x" * 65, "最多 64 位"), (" 前后有空格的密码 ", "空格"), ("", "至少")])
def test_an_unusable_password_is_refused_before_any_work(roster: Session, password: str,
                                                         why: str) -> None:
    assert why in (password_problem(password) or "")
    with pytest.raises(DomainError, match=why):
        export_list(roster, actor=ADMIN, kind="roster", fmt="xlsx", today=TODAY,
                    include_sensitive=True, password=password)
    assert roster.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("export%"))) == 0
    assert roster.scalar(select(func.count()).select_from(ViewEvent)) == 0


def test_contact_cards_say_they_left_protected(roster: Session) -> None:
    child_id = roster.scalar(select(Child.id))
    assert child_id is not None
    cards_for_children(roster, ADMIN, [child_id], today=TODAY, fmt="pdf", protected=True)
    after = roster.scalars(select(AuditEvent.after).where(
        AuditEvent.action == "contact_cards")).one()
    assert after is not None and after["密码保护"] == "是"


def test_the_command_line_encrypts_with_a_password_file_and_keeps_plain_files_private(
        roster: Session, tmp_path, monkeypatch, capsys) -> None:
    roster.commit()
    monkeypatch.setenv("DATABASE_URL", roster.get_bind().url.render_as_string(
        hide_password=False))
    secret = tmp_path / "pw.txt"
    secret.write_text(f"{PASSWORD}\n", "utf-8")
    sensitive = ["export", "roster", "--include-sensitive", "--password-file", str(secret)]

    assert main([*sensitive, "--out", str(tmp_path / "名单.xlsx")]) == 0
    sheet = openpyxl.load_workbook(io.BytesIO(_decrypted_xlsx(
        (tmp_path / "名单.xlsx").read_bytes(), PASSWORD))).active
    assert sheet is not None and "张小明" in [c.value for c in sheet[2]]
    assert main([*sensitive, "--out", str(tmp_path / "名单.zip")]) == 0
    with pyzipper.AESZipFile(tmp_path / "名单.zip") as archive:
        [inner] = archive.namelist()
        assert ID_NUMBER in archive.read(inner, pwd=PASSWORD.encode()).decode("utf-8-sig")
    assert main([*sensitive, "--out", str(tmp_path / "名单.csv")]) == 1
    assert "扩展名写成 .zip" in capsys.readouterr().err
    assert not (tmp_path / "名单.csv").exists()
    secret.write_text("short\n", "utf-8")
    assert main([*sensitive, "--out", str(tmp_path / "又一份.xlsx")]) == 1
    assert "至少 8 位" in capsys.readouterr().err

    plain = tmp_path / "明文.csv"
    assert main(["export", "roster", "--include-sensitive", "--out", str(plain)]) == 0
    assert oct(plain.stat().st_mode & 0o777) == "0o600"
    logged = [str(e.after) + str(e.summary) for e in roster.scalars(
        select(AuditEvent).where(AuditEvent.action == "export"))]
    assert [("'密码保护': '是'" in text) for text in logged] == [True, True, False]
    assert not any(PASSWORD in text for text in logged)
