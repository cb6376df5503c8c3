"""Create, upgrade and check the schema with Alembic; turn database trouble into clear messages."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from core.errors import DatabaseBusy

ROOT = Path(__file__).resolve().parent.parent


class DatabaseProblem(RuntimeError):
    """The database cannot be used as it is; the message is for the person in front of it."""


class DatabaseUnavailable(DatabaseProblem):
    pass


class SchemaTooNew(DatabaseProblem):
    pass


class SchemaOutdated(DatabaseProblem):
    pass


class DatabaseReadOnly(DatabaseProblem):
    pass


def alembic_config() -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    """Return the database's revision, or None for a database without our schema."""
    with _connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest revision; doing it twice changes nothing."""
    _refuse_newer(engine)
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            if sqlite:
                # SQLite rebuilds a table to alter it; with foreign keys on, dropping the old
                # copy fails while other rows point at it. Off for the migration, checked after.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()  # end the autobegun block; the pragma holds for the connection
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise DatabaseProblem("升级后发现无效的关联记录,已撤销本次升级。")
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()
    except OperationalError as exc:
        raise explain(exc, engine) from exc
    return head_revision()


def check_ready(engine: Engine) -> None:
    """Raise a DatabaseProblem unless the schema is exactly the newest revision."""
    _refuse_newer(engine)
    current = current_revision(engine)
    if current != head_revision():
        raise SchemaOutdated("数据库尚未初始化或版本较旧，请先运行：python cli.py init")
    if engine.dialect.name == "sqlite":
        _probe_writable(engine)


def _probe_writable(engine: Engine) -> None:
    """Try a write that changes nothing, so a read-only file is caught before any form is filled."""
    try:
        with engine.connect() as conn, conn.begin() as tx:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            tx.rollback()
    except OperationalError as exc:
        raise explain(exc, engine) from exc
    except DatabaseBusy as exc:  # another process holds the write lock past the busy timeout
        raise DatabaseUnavailable(exc.message) from exc


def _refuse_newer(engine: Engine) -> None:
    current = current_revision(engine)
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise SchemaTooNew(
            f"数据库版本({current})比本程序新,请升级守望程序后再打开;为保护数据,本次未做任何修改。")


def _connect(engine: Engine):  # noqa: ANN202 - a Connection context manager
    try:
        return engine.connect()
    except OperationalError as exc:
        raise explain(exc, engine) from exc


def explain(exc: OperationalError, engine: Engine) -> DatabaseProblem:
    """The one message a person sees for a database error of this engine."""
    text = str(exc.orig).lower()
    where = engine.url.render_as_string(hide_password=True)
    if "readonly" in text or "read-only" in text or "read only" in text:
        return DatabaseReadOnly(
            f"数据库文件只读,无法写入({where})。请检查文件和所在文件夹的写权限。")
    if engine.dialect.name == "sqlite":
        return DatabaseUnavailable(f"无法打开数据库文件({where}):{exc.orig}")
    return DatabaseUnavailable(
        f"无法连接数据库服务器({where})。请确认 PostgreSQL 已启动、地址和密码正确。")
