"""守望 on the command line: the same services as the app, for scripts and administrators."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cli_commands.backup import cmd_backup, cmd_restore
from cli_commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    open_engine,
    org_id,
    write_private,
)
from cli_commands.figures import cmd_report, cmd_stats
from cli_commands.importing import cmd_import
from cli_commands.privacy import cmd_compliance_report, cmd_retention, cmd_rotate_key
from cli_commands.rollups import cmd_rollups
from config import ConfigError, load_settings, local_today
from core.errors import DomainError
from core.validators import redact_long_digits
from core.vocab import Role, UnknownLabel
from db import schema
from db.engine import make_engine, transaction
from db.field_crypto import check_field_key
from services.access import cli_audit, users
from services.access.cli_audit import audited, cli_actor, record_command, watch
from services.exports.export_kinds import list_exports
from services.exports.roster_export import export_roster
from services.exports.tables import EXPORT_FORMATS, ExportOptions
from services.imports import IMPORT_KINDS
from services.privacy.protection import password_problem, protected_name
from services.roster.roster_filter import RosterFilter
from services.stats import rollups  # noqa: F401  (every write keeps the figures' rollups right)
from services.stats.rollups.refresh import analyze, rebuild_if_stale

# The entry point and the exit codes scripts compare against (docs/command-line.md).
__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the schema; running it again changes nothing."""
    engine = open_engine(ready=False)
    revision = schema.upgrade(engine)
    rebuilt = rebuild_if_stale(engine)
    with transaction(engine) as session:
        if rebuilt is None:  # a rebuild refreshed the planner's statistics itself
            analyze(session)  # the planner's view of the rollups, however they grew since
        record_command(session, args.actor, "init", "database", f"数据库结构升级到 {revision}",
                       revision=revision, rollups=rebuilt)
    print(f"数据库已是最新版本（{revision}）。")
    if rebuilt is not None:
        print("已从现有记录生成汇总统计表。")
    return EXIT_OK


def cmd_seed(args: argparse.Namespace) -> int:
    """Fill an empty database with deterministic synthetic data and the demo users."""
    from tqdm import tqdm

    from sample_data.generator import DatabaseNotEmpty, seed_database

    engine = open_engine()
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            for old in bars.values():
                old.close()
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="项", file=sys.stderr)
        bar.update(done - bar.n)

    try:
        summary = seed_database(engine, scale=args.scale, seed=args.seed, progress=progress)
    except DatabaseNotEmpty as exc:
        if args.if_empty:
            print("数据库中已有数据，跳过演示数据。")
            return EXIT_OK
        raise exc
    finally:
        for bar in bars.values():
            bar.close()
    with transaction(engine) as session:
        record_command(session, args.actor, "seed", "database",
                       f"生成 {args.scale} 规模的演示数据（种子 {args.seed}）",
                       scale=args.scale, seed=args.seed, rows=dict(summary.counts))
    counts = "，".join(f"{table} {n:,}" for table, n in summary.counts.items())
    print(f"已生成 {args.scale} 规模的数据：{counts}")
    return EXIT_OK


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create an account; the password is read from standard input."""
    role = Role.parse(args.role)
    with transaction(open_engine()) as session:
        org_unit_id = org_id(session, args.org)
        password = _read_password("密码：")
        user = users.create_user(session, actor=args.actor, username=args.name,
                                 display_name=args.display_name or args.name, role=role,
                                 password=password, org_unit_id=org_unit_id)
        print(f"已创建用户 {user.username}（{role.zh}）。")
    return EXIT_OK


def cmd_demo_logins(args: argparse.Namespace) -> int:
    """Print the demo accounts that exist in this database, one per role."""
    from sample_data import DEMO_USERS

    with transaction(open_engine()) as session:
        present = [u for u in DEMO_USERS if (found := users.find_user(session, u.username))
                   and found.is_active]
    if not present:
        print("此数据库中没有演示账户（运行 python cli.py seed --scale demo 生成）。")
        return EXIT_OK
    print("\n演示账户（仅用于演示数据，请勿用于真实档案）：")
    for user in present:
        print(f"  {user.role.zh:<4} 登录名 {user.username:<12} 密码 {user.password:<18} "
              f"范围 {user.scope_note}")
    print()
    return EXIT_OK


def _roster_filter(session: Session, pairs: list[str]) -> RosterFilter:
    """`--filter cat=留守儿童 --filter org=石门镇` as a RosterFilter (the URL's keys and labels)."""
    params: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not value.strip():
            raise DomainError(f"筛选条件应写成 字段=值（如 cat=留守儿童），收到“{pair}”。")
        if key == "org" and not value.isdigit():
            value = str(org_id(session, value))
        params.setdefault(key.strip(), []).append(value.strip())
    return RosterFilter.from_query_params(params)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the same list the UI exports; sensitive columns masked unless asked for."""
    lists = list_exports()
    if args.kind != "roster" and args.kind not in lists:
        known = "、".join(["roster", *lists])
        raise DomainError(f"暂不支持导出“{args.kind}”，目前可导出：{known}")
    if args.filter and args.kind != "roster":
        raise DomainError(f"--filter 只用于儿童名单（roster），导出“{args.kind}”时不能筛选。")
    suffix = Path(args.out).suffix.lstrip(".").lower()
    password = _file_password(args.password_file) if args.password_file else None
    fmt = args.format or ("csv" if suffix == "zip" and password else suffix) or "xlsx"
    encrypted_as = Path(protected_name(f"list.{fmt}")).suffix  # .xlsx, or .zip around a CSV
    if password is not None and f".{suffix}" != encrypted_as:
        raise DomainError(f"加密后的文件是 {encrypted_as} 文件：请把 --out 的扩展名写成 "
                          f"{encrypted_as}。")
    # Counts the rows written, for the audit and the message; encrypts with the password.
    options = ExportOptions(password=password)
    with transaction(open_engine()) as session, watch(session) as seen:
        if args.kind == "roster":
            data = export_roster(session, actor=args.actor, fmt=fmt, today=local_today(),
                                 roster_filter=_roster_filter(session, args.filter),
                                 include_sensitive=args.include_sensitive, options=options,
                                 page="cli")
        else:
            data = lists[args.kind].export(
                session, actor=args.actor, fmt=fmt, today=local_today(),
                include_sensitive=args.include_sensitive, options=options, page="cli")
        if not audited(session, seen, "export"):
            sensitive = "含敏感信息" if args.include_sensitive else "已遮盖敏感信息"
            typed = redact_long_digits("、".join(args.filter)) or "无"
            record_command(session, args.actor, "export", args.kind,
                           f"导出 {args.kind}（{fmt}，{options.rows}行，{sensitive}，"
                           f"筛选：{typed}）到 {args.out}",
                           format=fmt, rows=options.rows, filters=args.filter,
                           include_sensitive=args.include_sensitive, file=args.out)
    write_private(Path(args.out), data)
    print(f"已导出到 {args.out}（{options.rows}行，{len(data):,} 字节"
          f"{'，已加密' if password else ''}）。")
    return EXIT_OK


def _file_password(source: str) -> str:
    """The first line of the file (or standard input for -), never echoed or logged."""
    try:
        text = sys.stdin.readline() if source == "-" else Path(source).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError(f"读不到密码文件 {source}。") from exc
    password = (text.splitlines() or [""])[0]
    if problem := password_problem(password):
        raise DomainError(problem)
    return password



def _period_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--from", dest="date_from", required=required, metavar="DATE",
                        help="开始日期，如 2026-09-01（默认本学期开始）")
    parser.add_argument("--to", required=required, metavar="DATE", help="结束日期（默认今天）")


# Commands whose refusals are audited too: they read or write people's data.
REFUSALS_AUDITED = frozenset({"import", "export", "stats", "report", "user", "backup", "restore",
                              "rotate-key", "retention", "compliance-report"})


def _operator_parent() -> argparse.ArgumentParser:
    """`--operator` after the command too; SUPPRESS keeps a value given before it."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--operator", default=argparse.SUPPRESS, metavar="NAME",
                        help="操作人姓名，记入操作日志（默认为操作系统用户）")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli.py", description="守望：留守困境儿童关爱服务管理")
    parser.add_argument("--operator", metavar="NAME",
                        help="操作人姓名，记入操作日志（默认为操作系统用户）")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    operator = [_operator_parent()]

    def command(name: str, help_text: str, run: Callable[[argparse.Namespace], int] | None = None,
                parent: argparse._SubParsersAction = sub) -> argparse.ArgumentParser:
        made = parent.add_parser(name, help=help_text, parents=operator)
        if run is not None:
            made.set_defaults(run=run)
        return made

    command("init", "创建或升级数据库结构（可重复运行）", cmd_init)

    seed = command("seed", "向空数据库填入演示数据和演示账户", cmd_seed)
    seed.add_argument("--scale", choices=["demo", "school", "county", "province"], default="demo",
                      help="province：14 个县、约 100 万儿童、2000 万条帮扶记录，仅限 PostgreSQL")
    seed.add_argument("--seed", type=int, default=42, help="随机种子（相同种子生成相同数据）")
    seed.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过而不报错")

    command("demo-logins", "打印演示账户", cmd_demo_logins)

    imp = command("import", "从 CSV/XLSX 导入；任一行有误则不写入", cmd_import)
    imp.add_argument("kind", choices=IMPORT_KINDS, metavar="KIND")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    export = command("export", "导出名单（CSV 为带 BOM 的 UTF-8）", cmd_export)
    export.add_argument("kind", choices=["roster", *list_exports()], metavar="KIND",
                        help="、".join(["roster 儿童名单", *(
                            f"{kind} {spec.title}" for kind, spec in list_exports().items())]))
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--format", choices=list(EXPORT_FORMATS), help="默认按文件扩展名")
    export.add_argument("--filter", action="append", default=[], metavar="FIELD=VALUE",
                        help="仅用于 roster，如 cat=留守儿童、org=石门镇、risk=红、age=7-12、"
                             "pair=unpaired")
    export.add_argument("--include-sensitive", action="store_true",
                        help="导出姓名、电话、身份证号和住址原文（会记入操作日志）")
    export.add_argument("--password-file", metavar="FILE",
                        help="用此文件第一行作文件密码加密导出（XLSX 直接加密，CSV 装入 AES 加密的 "
                             "ZIP）；- 为标准输入")

    summaries = command("rollups", "重算或核对汇总统计表（总览的数字由其求和得出）", cmd_rollups)
    summaries.add_argument("--rebuild", action="store_true", help="从全部记录重算汇总统计表")
    summaries.add_argument("--check", action="store_true",
                           help="与从记录重算的结果逐行比较，列出不一致之处（有则退出码为 1）")
    summaries.add_argument("--limit", type=int, default=50, help="--check 最多列出几处（默认 50）")

    figures = command("stats", "打印总览的统计数字（某单位、某时段）", cmd_stats)
    figures.add_argument("--json", action="store_true",
                         help="输出 JSON（键名见 docs/statistics.md）")
    _period_arguments(figures, required=False)
    figures.add_argument("--org", help="单位名称（不填为全部）")

    report = command("report", "生成工作总结草稿或会议汇报 PPT", cmd_report)
    _period_arguments(report, required=True)
    report.add_argument("--format", required=True, choices=["md", "docx", "pdf", "pptx"])
    report.add_argument("--out", required=True, metavar="FILE")
    report.add_argument("--org", help="单位名称（不填为全部）")
    report.add_argument("--masked", action="store_true",
                        help="脱敏：人数少于5人的数字写作“<5”（PPT 总是如此）")

    user = command("user", "账户管理").add_subparsers(dest="user_command", required=True)
    add = command("add", "新建账户，密码从标准输入读取", cmd_user_add, parent=user)
    add.add_argument("name", help="登录名")
    add.add_argument("--role", required=True, help="admin|coordinator|helper|viewer")
    add.add_argument("--org", help="管辖单位名称（不填为全部）")
    add.add_argument("--display-name", help="显示的姓名（默认同登录名）")

    dump = command("backup", "在线备份数据库和照片到一个文件（含清单和校验值）", cmd_backup)
    dump.add_argument("--out", required=True, metavar="FILE", help="备份文件，如 守望备份.tar.gz")

    rotate = command("rotate-key", "用新密钥重新加密全部身份证号（先停止应用）", cmd_rotate_key)
    rotate.add_argument("--new-key-file", required=True, metavar="FILE",
                        help="新密钥所在的文件；文件不存在时生成新密钥写入（权限 0600）")
    keep = command("retention", "列出或匿名化保存期限已到的儿童档案", cmd_retention)
    what = keep.add_mutually_exclusive_group(required=True)
    what.add_argument("--dry-run", action="store_true", help="只列出到期的儿童，不做修改")
    what.add_argument("--apply", action="store_true", help="匿名化到期的儿童（不可恢复）")
    pack = command("compliance-report", "生成年度个人信息保护合规审计报告草稿（Word）",
                   cmd_compliance_report)
    pack.add_argument("--year", type=int, required=True, metavar="YEAR", help="审计年度，如 2026")
    pack.add_argument("--out", required=True, metavar="FILE", help="输出文件（.docx 或 .md）")
    load = command("restore", "从备份文件恢复；已有数据时须加 --force", cmd_restore)
    load.add_argument("file", metavar="FILE")
    load.add_argument("--force", action="store_true",
                      help="覆盖已有数据（会先把现有数据备份到备份文件所在的文件夹）")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        if args.command != "rotate-key":  # which makes the first key (cli_commands.privacy)
            check_field_key()
        args.actor = cli_actor(getattr(args, "operator", None))
        return run(args)
    except (DomainError, schema.DatabaseProblem, UnknownLabel) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        if args.command in REFUSALS_AUDITED and hasattr(args, "actor"):
            cli_audit.record_refusal(load_settings().database_url, args.actor, args.command,
                           getattr(args, "kind", None) or args.command, exc, arguments)
        return EXIT_FAILED
    except ConfigError as exc:  # no usable SHOUWANG_FIELD_KEY, cookie key or zone
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except OperationalError as exc:  # the database went away in the middle of a command
        problem = schema.explain(exc, make_engine(load_settings().database_url))
        print(f"错误：{problem}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a person gets one line, never a traceback
        # Only the kind of error: its text can quote the SQL parameters (names, ID numbers),
        # and this line lands in cron logs.
        print(f"错误：操作未完成（{type(exc).__name__}）。", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
