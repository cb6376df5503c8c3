"""The command line: user add, demo-logins, and clear failures instead of tracebacks."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import cli
from core.vocab import OrgKind, Role
from db.models import User
from services.access.users import password_matches
from tests.factories import make_org


@pytest.fixture
def cli_db(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_user_add_reads_the_password_from_stdin(cli_db, engine, monkeypatch, capsys):
    with Session(engine) as session, session.begin():
        make_org(session, "石门镇", OrgKind.town)
    _stdin(monkeypatch, "mima-2026-ok\n")
    assert cli.main(["user", "add", "liuzr", "--role", "负责人", "--org", "石门镇",
                     "--display-name", "刘主任"]) == 0
    assert "已创建用户 liuzr" in capsys.readouterr().out
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == "liuzr"))
        assert user.role is Role.coordinator
        assert user.display_name == "刘主任"
        assert password_matches("mima-2026-ok", user.password_hash)


@pytest.mark.parametrize(("args", "password", "message"), [
    (["--role", "admin"], "short\n", "密码至少8位"),
    (["--role", "boss"], "mima-2026-ok\n", "可填写:管理员、负责人、帮扶人、查看者"),
    (["--role", "coordinator", "--org", "不存在的镇"], "mima-2026-ok\n", "找不到唯一名为"),
])
def test_user_add_refuses_bad_input_with_exit_1(cli_db, monkeypatch, capsys, args, password,
                                                message):
    _stdin(monkeypatch, password)
    assert cli.main(["user", "add", "someone", *args]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_commands_on_an_uninitialised_database_say_run_init(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    _stdin(monkeypatch, "mima-2026-ok\n")
    assert cli.main(["user", "add", "someone", "--role", "admin"]) == 1
    assert "cli.py init" in capsys.readouterr().err


def test_unreachable_postgres_exits_1_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x:y@127.0.0.1:1/none")
    assert cli.main(["init"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "无法连接数据库服务器" in err[0]


def test_demo_logins_lists_only_accounts_that_exist(cli_db, capsys):
    assert cli.main(["demo-logins"]) == 0
    assert "没有演示账户" in capsys.readouterr().out


def test_an_oversized_import_file_is_refused_before_it_is_read(cli_db, tmp_path, monkeypatch,
                                                              capsys):
    huge = tmp_path / "roster.csv"
    with huge.open("wb") as fh:
        fh.truncate(3 * 1024 ** 3)  # 3 GB, sparse: reading it would take the server's memory
    monkeypatch.setattr("pathlib.Path.read_bytes", lambda _self: pytest.fail("file was read"))
    assert cli.main(["import", "roster", str(huge)]) == 1
    err = capsys.readouterr().err
    assert "文件过大" in err and "Traceback" not in err
