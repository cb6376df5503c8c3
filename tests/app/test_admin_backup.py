"""管理 › 备份: an admin makes a backup and gets a download; anyone else is refused."""

from __future__ import annotations

import os
import shutil
import tarfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import AuditEvent


def _section(role: str) -> None:
    from components.access.admin_backup import render_backup
    from core.vocab import Role
    from services.access.permissions import Actor

    render_backup(Actor(user_id=None, username=f"{role}-user", role=Role(role)))


def test_an_admin_makes_a_backup_and_it_is_offered_for_download(world, engine, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(tmp_path / "data"))
    app = AppTest.from_function(_section, args=("admin",), default_timeout=120)
    app.run()
    assert "备份文件包含全部儿童档案" in app.caption[0].value
    app.button(key="admin_backup_make").click().run()

    assert not app.exception
    assert "备份已生成" in app.success[0].value
    downloads = app.get("download_button")
    assert len(downloads) == 1
    with Session(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "backup")).one()
    assert event.username == "admin-user"
    path = event.after["file"]
    assert not path.startswith(str(tmp_path / "data"))  # a temp folder, not the data folder
    with tarfile.open(path) as tar:
        assert tar.getnames()[0] == "manifest.json"
    shutil.rmtree(Path(path).parent)


def test_a_backup_never_downloaded_is_swept_after_an_hour(world, tmp_path, monkeypatch):
    from components.access import admin_backup

    monkeypatch.setattr(admin_backup.tempfile, "tempdir", str(tmp_path))
    stale, fresh = tmp_path / "shouwang-download-old", tmp_path / "shouwang-download-new"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "守望备份.tar.gz").write_bytes(b"x")
    hour_ago = time.time() - 3601
    os.utime(stale, (hour_ago, hour_ago))
    admin_backup._new_target()
    assert not stale.exists()
    assert fresh.exists()


def test_a_coordinator_cannot_make_a_backup(world, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(tmp_path / "data"))
    app = AppTest.from_function(_section, args=("coordinator",), default_timeout=120)
    app.run()
    assert "只有管理员可以备份数据" in app.error[0].value
    assert not app.button


def _section_with_download_click() -> None:
    import streamlit as st

    from components.access import admin_backup
    from core.vocab import Role
    from services.access.permissions import Actor

    actor = Actor(user_id=None, username="admin-user", role=Role.admin)
    admin_backup.render_backup(actor)
    # The download button's on_click, as the browser's click would call it.
    if st.button("模拟下载", key="simulate_download"):
        admin_backup._downloaded(actor, st.session_state[admin_backup.HELD_KEY])


def test_downloading_is_audited_and_the_temp_copy_deleted(world, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(tmp_path / "data"))
    app = AppTest.from_function(_section_with_download_click, default_timeout=120)
    app.run()
    app.button(key="admin_backup_make").click().run()
    with Session(engine) as session:
        made = session.scalars(select(AuditEvent).where(AuditEvent.action == "backup")).one()
    app.button(key="simulate_download").click().run()

    assert not app.exception
    with Session(engine) as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "backup_download")).one()
    assert event.username == "admin-user"
    assert event.after["bytes"] == made.after["bytes"]
    assert not Path(made.after["file"]).exists()
    app.run()  # the next run (the callback ran before it in the browser's case)
    assert not app.get("download_button")


def test_the_admin_page_offers_the_backup_tab(world):
    from tests.app.conftest import logged_in

    at = logged_in("admin", "管理员")
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    assert "备份" in [tab.label for tab in at.tabs]


def test_the_backup_leaves_only_inside_a_password_protected_zip(world, engine, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(tmp_path / "data"))
    app = AppTest.from_function(_section, args=("admin",), default_timeout=120)
    app.run()
    app.button(key="admin_backup_make").click().run()
    [download] = app.get("download_button")
    assert download.proto.disabled  # no password yet
    app.text_input(key="admin_backup_password").input("short").run()
    assert app.get("download_button")[0].proto.disabled
    assert "至少 8 位" in " ".join(c.value for c in app.caption)
    app.text_input(key="admin_backup_password").input("beifen-2026-mima").run()
    [download] = app.get("download_button")
    assert not download.proto.disabled
    assert download.proto.url.endswith(".zip")
    with Session(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "backup")).one()
    shutil.rmtree(Path(event.after["file"]).parent)
