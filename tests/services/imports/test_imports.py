"""Imports: files in every encoding people save, every row checked first, nothing half-written."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import cli
from core.errors import DomainError
from core.vocab import OrgKind
from db import schema
from db.models import AuditEvent, OrgUnit
from services.access.permissions import Actor
from services.imports import ImportReport, run_import
from services.imports.reader import read_table
from services.imports.rows import RowError, RowReader
from tests.factories import audited_writes, import_probes

SYSTEM = Actor.system()
HEADER = "名称,类型,上级,是否山区,在籍学生数"
# Children before their parents: the importer must resolve them in later passes.
GOOD_ROWS = [
    "李家村,村,石门镇,是,",
    "石门中学,学校,石门镇,否,155",
    "石门镇,乡镇,平安县,是,",
    "平安县,县,,,",
]
GOOD_FILE = "\n".join([HEADER, *GOOD_ROWS]) + "\n"
ORG_COLUMNS = "名称、类型、上级、是否山区、在籍学生数"


def _count(session: Session, model: type = OrgUnit) -> int:
    return session.scalar(select(func.count()).select_from(model))



def _import(session: Session, text: str, *, dry_run: bool = False,
            filename: str = "orgs.csv") -> ImportReport:
    return run_import(session, actor=SYSTEM, kind="orgs", data=text.encode(), filename=filename,
                      dry_run=dry_run)


def _unit(session: Session, name: str) -> OrgUnit:
    return session.scalars(select(OrgUnit).where(OrgUnit.name == name)).one()


# --- reading files -------------------------------------------------------------------------

CHINESE_CSV = "名称,类型,上级\n䶮村,村,石门镇\n𠮷祥小学,学校,石门镇\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_every_encoding_people_save(encoding):
    table = read_table(CHINESE_CSV.encode(encoding), "机构.CSV")

    assert table.header == ["名称", "类型", "上级"]
    assert table.rows == [
        (2, {"名称": "䶮村", "类型": "村", "上级": "石门镇"}),
        (3, {"名称": "𠮷祥小学", "类型": "学校", "上级": "石门镇"}),
    ]


def test_gb18030_bytes_are_not_mistaken_for_utf8():
    data = CHINESE_CSV.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read_table(data, "orgs.csv").rows[1][1]["名称"] == "𠮷祥小学"


def test_blank_rows_are_skipped_and_row_numbers_follow_the_sheet():
    data = "名称 , 类型,,\n\n石门镇 ,乡镇,,\n , ,,\n李家村,村\n".encode()

    table = read_table(data, "orgs.csv")

    assert table.header == ["名称", "类型"]
    assert table.rows == [(3, {"名称": "石门镇", "类型": "乡镇"}),
                          (5, {"名称": "李家村", "类型": "村"})]


def test_xlsx_is_read_with_numbers_and_dates_as_text():
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "类型", "在籍学生数", "成立日期"])
    sheet.append(["石门中学", "学校", 155, datetime(2024, 3, 5)])
    sheet.append([None, None, None, None])
    sheet.append(["𠮷祥小学", "学校", 80.0, None])
    buffer = io.BytesIO()
    book.save(buffer)

    table = read_table(buffer.getvalue(), "orgs.xlsx")

    assert table.header == ["名称", "类型", "在籍学生数", "成立日期"]
    assert table.rows == [
        (2, {"名称": "石门中学", "类型": "学校", "在籍学生数": "155", "成立日期": "2024-03-05"}),
        (4, {"名称": "𠮷祥小学", "类型": "学校", "在籍学生数": "80", "成立日期": ""}),
    ]


@pytest.mark.parametrize(("data", "filename", "message"), [
    pytest.param(b"a,b\n", "orgs.txt", "不支持的文件类型“.txt”，请上传 .csv 或 .xlsx 文件。",
                 id="txt"),
    pytest.param(b"a,b\n", "orgs", "不支持的文件类型“orgs”，请上传 .csv 或 .xlsx 文件。",
                 id="no-extension"),
    pytest.param(b"", "orgs.csv", "文件是空的：第一行应为表头。", id="empty-csv"),
])
def test_unreadable_files_are_refused_with_a_reason(data, filename, message):
    with pytest.raises(DomainError) as refused:
        read_table(data, filename)
    assert refused.value.message == message


def test_a_broken_xlsx_is_refused_in_chinese():
    with pytest.raises(DomainError, match=r"^无法读取 Excel 文件"):
        read_table(b"not a zip file", "orgs.xlsx")


# --- dates in a row ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "20240305",
                                  " 2024-3-05 "])
def test_row_dates_accept_the_ways_people_write_them(text):
    row = RowReader(7, {"日期": text})
    assert row.day("日期") == date(2024, 3, 5)
    assert row.errors == []


@pytest.mark.parametrize(("text", "reason"), [
    ("2024-13-01", "不是有效日期"),
    ("2023-02-29", "不是有效日期"),
    ("20240230", "不是有效日期"),
    ("2024-03", "日期格式应为 2024-03-05"),
    ("3/5/2024", "日期格式应为 2024-03-05"),
    ("去年三月", "日期格式应为 2024-03-05"),
])
def test_row_dates_refuse_impossible_or_unreadable_days(text, reason):
    row = RowReader(7, {"日期": text})
    assert row.day("日期") is None
    assert row.errors == [RowError(7, "日期", reason)]


def test_a_required_blank_date_is_reported():
    row = RowReader(3, {"日期": " "})
    assert row.day("日期", required=True) is None
    assert row.errors == [RowError(3, "日期", "必填")]


# --- importing org units -------------------------------------------------------------------

def test_dry_run_reports_the_result_and_writes_nothing(session, engine):
    report = _import(session, GOOD_FILE, dry_run=True)
    session.commit()

    assert (report.ok, report.dry_run, report.written) == (True, True, False)
    assert (report.rows_read, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    assert report.summary() == "共读取4行：将新增4条，将更新0条，无变化0条。"
    with Session(engine) as other:
        assert (_count(other), audited_writes(other)) == (0, 0)
        assert import_probes(other) == ["import_dry_run"]


def test_a_good_file_creates_every_unit_in_one_go(session, engine):
    report = _import(session, GOOD_FILE)
    session.commit()

    assert (report.ok, report.written, report.created) == (True, True, 4)
    with Session(engine) as other:
        county, town = _unit(other, "平安县"), _unit(other, "石门镇")
        village, school = _unit(other, "李家村"), _unit(other, "石门中学")
        assert (county.kind, county.parent_id, county.path) == (OrgKind.county, None,
                                                               f"/{county.id}/")
        assert (town.kind, town.parent_id, town.is_mountain_area) == (OrgKind.town, county.id,
                                                                       True)
        assert village.path == f"/{county.id}/{town.id}/{village.id}/"
        assert (village.kind, village.is_mountain_area) == (OrgKind.village, True)
        assert (school.kind, school.enrolled_students, school.is_mountain_area) == (
            OrgKind.school, 155, False)
        actions = other.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["create"] * 4 + ["import"]
        summary = other.scalars(select(AuditEvent.summary).where(
            AuditEvent.action == "import")).one()
        assert summary == "orgs.csv:共读取4行：已新增4条，已更新0条，无变化0条。"


UNKNOWN_KIND = "无法识别“镇村”,可填写:县、乡镇、街道、村、社区、学校"
WITH_NOTE = [f"{row}," for row in GOOD_ROWS]
WITHOUT_KIND = [",".join(c for i, c in enumerate(row.split(",")) if i != 1) for row in GOOD_ROWS]


def bad(name: str, bad_row: str, *errors: RowError, header: str = HEADER,
        good: list[str] = GOOD_ROWS) -> object:
    return pytest.param(header, good, bad_row, list(errors), id=name)


@pytest.mark.parametrize(("header", "good", "bad_row", "errors"), [
    bad("unknown-kind", "王家村,镇村,石门镇,,", RowError(6, "类型", UNKNOWN_KIND)),
    bad("unknown-column", "王家村,村,石门镇,,,新建",
        RowError(1, "备注", f"未知列（可用列：{ORG_COLUMNS}）"),
        header=f"{HEADER},备注", good=WITH_NOTE),
    bad("missing-required-column", "王家村,石门镇,,", RowError(1, "类型", "缺少必填列"),
        header="名称,上级,是否山区,在籍学生数", good=WITHOUT_KIND),
    bad("duplicate-column", "王家村,村,石门镇,,,", RowError(1, "表头", "有重复的列名"),
        header=f"{HEADER},名称", good=WITH_NOTE),
    bad("unknown-parent", "王家村,村,青山乡,,", RowError(6, "上级", "上级单位“青山乡”不存在")),
    bad("missing-name", ",村,石门镇,,", RowError(6, "名称", "必填")),
    bad("mountain-not-yes-no", "王家村,村,石门镇,有时,",
        RowError(6, "是否山区", "请填写“是”或“否”")),
    bad("negative-enrolment", "王家村小学,学校,石门镇,否,-5",
        RowError(6, "在籍学生数", "不能小于0")),
    bad("enrolment-not-a-number", "王家村小学,学校,石门镇,否,很多",
        RowError(6, "在籍学生数", "应为整数")),
    bad("village-under-county", "王家村,村,平安县,,",
        RowError(6, "上级", "村不能设在县“平安县”之下")),
])
def test_one_bad_row_writes_nothing_and_names_row_column_and_reason(session, engine, header,
                                                                    good, bad_row, errors):
    text = "\n".join([header, *good, bad_row]) + "\n"

    report = _import(session, text)
    session.commit()  # as the CLI does: the outer transaction commits, the import must not

    assert report.errors == errors
    assert (report.ok, report.written) == (False, False)
    with Session(engine) as other:
        assert (_count(other), audited_writes(other)) == (0, 0)
        assert import_probes(other) == ["import_refused"]


def test_the_same_unit_twice_in_one_file_with_different_flags_is_a_row_error(session):
    # Row 2 says 李家村 is in a mountain area, row 6 says it is not: one of them is wrong.
    text = GOOD_FILE + "李家村,村,石门镇,否,\n"

    report = _import(session, text)

    assert [(e.row, e.column) for e in report.errors] == [(6, "名称")]
    assert _count(session) == 0


@pytest.mark.parametrize(("rows", "school_row"), [
    pytest.param(["新村小学,学校,新村,,", "石门镇,乡镇,,,", "青山乡,乡镇,,,", "新村,村,石门镇,,",
                  "新村,村,青山乡,,"], 2, id="school-first"),
    # The second 新村 comes after the school row: the file is just as ambiguous.
    pytest.param(["石门镇,乡镇,,,", "青山乡,乡镇,,,", "新村,村,石门镇,,", "新村小学,学校,新村,,",
                  "新村,村,青山乡,,"], 5, id="school-between-the-two-villages"),
])
def test_an_ambiguous_parent_is_a_row_error_whatever_the_row_order(session, engine, rows,
                                                                    school_row):
    report = _import(session, "\n".join([HEADER, *rows]) + "\n")
    session.commit()

    assert report.errors == [RowError(school_row, "上级", "有多个名为“新村”的单位，无法确定")]
    with Session(engine) as other:
        assert _count(other) == 0


def test_every_bad_row_is_reported_not_only_the_first(session):
    text = "\n".join([HEADER, "王家村,镇村,,,", *GOOD_ROWS, "赵家村,村,石门镇,也许,-1"]) + "\n"

    report = _import(session, text)

    assert report.errors == [
        RowError(2, "类型", UNKNOWN_KIND),
        RowError(7, "是否山区", "请填写“是”或“否”"),
        RowError(7, "在籍学生数", "不能小于0"),
    ]
    assert _count(session) == 0


def test_reimporting_the_same_file_changes_nothing(session):
    _import(session, GOOD_FILE)
    units = {u.name: u.version for u in session.scalars(select(OrgUnit))}
    updates_before = audited_writes(session)

    report = _import(session, GOOD_FILE)

    assert (report.ok, report.created, report.updated, report.unchanged) == (True, 0, 0, 4)
    assert {u.name: u.version for u in session.scalars(select(OrgUnit))} == units
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[updates_before:] == ["import"]


def test_changed_flags_count_as_updates_and_are_audited(session):
    _import(session, GOOD_FILE)
    changed = GOOD_FILE.replace("石门镇,乡镇,平安县,是,", "石门镇,乡镇,平安县,否,").replace(
        "石门中学,学校,石门镇,否,155", "石门中学,学校,石门镇,,160")

    report = _import(session, changed)

    assert (report.created, report.updated, report.unchanged) == (0, 2, 2)
    assert (_unit(session, "石门镇").is_mountain_area, _unit(session, "石门中学").enrolled_students,
            _unit(session, "石门中学").is_mountain_area) == (False, 160, False)
    updates = session.scalars(select(AuditEvent).where(AuditEvent.action == "update")
                              .order_by(AuditEvent.id)).all()
    assert [(e.entity, e.before["is_mountain_area"], e.after["is_mountain_area"])
            for e in updates if "is_mountain_area" in e.after] == [("org_unit", True, False)]
    assert [(e.before["enrolled_students"], e.after["enrolled_students"])
            for e in updates if "enrolled_students" in e.after] == [(155, 160)]


def test_an_unknown_import_kind_is_refused(session):
    with pytest.raises(DomainError, match="暂不支持导入“students”"):
        run_import(session, actor=SYSTEM, kind="students", data=b"a\n", filename="x.csv")


# --- the command line ----------------------------------------------------------------------

@pytest.fixture
def cli_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8-sig") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_cli_import_of_a_bad_file_exits_1_and_lists_row_errors(cli_database, engine, tmp_path,
                                                               capsys):
    path = _write(tmp_path, "机构.csv", GOOD_FILE + "王家村,镇村,石门镇,,\n")

    assert cli.main(["import", "orgs", path]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == ["机构.csv：发现1处问题，未写入任何数据。",
                                f"  第6行 [类型] {UNKNOWN_KIND}"]
    with Session(engine) as other:
        assert _count(other) == 0


def test_cli_import_of_a_good_file_exits_0_after_a_dry_run(cli_database, engine, tmp_path,
                                                           capsys):
    path = _write(tmp_path, "orgs.csv", GOOD_FILE, encoding="gb18030")

    assert cli.main(["import", "orgs", path, "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "试导入（未写入）：共读取4行：将新增4条，将更新0条，无变化0条。\n")
    with Session(engine) as other:
        assert _count(other) == 0

    assert cli.main(["import", "orgs", path]) == 0
    assert capsys.readouterr().out == "导入完成：共读取4行：已新增4条，已更新0条，无变化0条。\n"
    with Session(engine) as other:
        assert _count(other) == 4


def test_cli_import_of_a_missing_file_exits_1(cli_database, tmp_path, capsys):
    assert cli.main(["import", "orgs", str(tmp_path / "none.csv")]) == 1
    assert capsys.readouterr().err.startswith("错误：找不到文件：")


def test_cli_init_twice_succeeds(cli_database, engine: Engine, capsys):
    assert cli.main(["init"]) == 0
    assert cli.main(["init"]) == 0
    head = schema.head_revision()
    assert capsys.readouterr().out == f"数据库已是最新版本（{head}）。\n" * 2
    schema.check_ready(engine)


def test_a_row_with_more_cells_than_the_header_is_an_error_not_a_cut(session):
    data = "名称,类型,上级\n石门镇,乡镇,\n李家村,村,石门镇,多出的一格\n".encode()
    report = run_import(session, actor=Actor.system(), kind="orgs", data=data,
                        filename="orgs.csv")
    assert [(e.row, e.column) for e in report.errors] == [(3, "表头之外")]
    assert "英文逗号" in report.errors[0].reason
    assert not report.written
