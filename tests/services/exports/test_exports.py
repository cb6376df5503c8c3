"""Exports: masks, formula neutralising, and the CSV and XLSX files as a spreadsheet reads them."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from core.errors import DomainError
from services.exports import tables as exports
from services.exports.tables import (
    ExportColumn,
    Sensitivity,
    display_width,
    export_bytes,
    filename_for,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    neutralise,
    prepare_rows,
    to_csv,
    to_xlsx,
)

ID_NUMBER = "110101201503010011"
COLUMNS = (
    ExportColumn("name", "姓名", Sensitivity.NAME),
    ExportColumn("id_number", "身份证号", Sensitivity.ID_NUMBER, as_text=True),
    ExportColumn("phone", "监护人电话", Sensitivity.PHONE, as_text=True),
    ExportColumn("address", "家庭住址", Sensitivity.ADDRESS),
    ExportColumn("note", "备注"),
    ExportColumn("donation", "受助金额(元)"),
    ExportColumn("contacts", "联系次数"),
)
HEADERS = ["姓名", "身份证号", "监护人电话", "家庭住址", "备注", "受助金额(元)", "联系次数"]
ROWS = (
    {"name": "张小明", "id_number": ID_NUMBER, "phone": "13812345678",
     "address": "石门镇李家湾村3组", "note": "=1+1", "donation": Decimal("12.50"), "contacts": 3},
    {"name": "欧阳娜娜", "id_number": "11010120150301001X", "phone": "0755-12345678",
     "address": "城关街道城东社区人民路12号", "note": "成绩进步", "donation": None, "contacts": 0},
)


# --- neutralise ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "=1+1", '=HYPERLINK("http://x","点我")', "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1",
    "＝1+1", "＋86", "－5", "＠cmd",
], ids=["equals", "hyperlink", "plus", "minus", "at", "tab", "cr",
        "fullwidth-equals", "fullwidth-plus", "fullwidth-minus", "fullwidth-at"])
def test_neutralise_prefixes_an_apostrophe_to_each_trigger(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [
    "张小明", "13812345678", "a=b", "", "'=already quoted", -5, 3.5, Decimal("-2"), None,
])
def test_neutralise_leaves_other_values_unchanged(value):
    result = neutralise(value)
    assert result == value
    assert type(result) is type(value)


# --- masks -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("张小明", "张*明"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("王", "*"), ("", ""),
    (" 张小明 ", "张*明"), ("阿依古丽·买买提", "阿******提"),
])
def test_mask_name(value, expected):
    assert mask_name(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("+86 13812345678", "+86 138****5678"),
    ("0755-12345678", "0755-****5678"),
    ("0731-1234567", "0731-***4567"),
    ("075512345678", "********5678"),
    ("13812345678、13987654321", "138****5678、139****4321"),
    ("12345", "*****"),
    ("联系不上已多次拨打请家访核实", "***********"),
    ("", ""),
])
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (ID_NUMBER, "110101********0011"),
    ("11010120150301001X", "110101********001X"),
    ("110101150301001", "110101*****1001"),
    ("1234", "****"),
    ("", ""),
])
def test_mask_id_number(value, expected):
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("石门镇李家湾村3组", "石门镇李家湾村…"),
    ("湖南省青溪县石门镇李家湾村3组", "湖南省青溪县石门镇李家湾村…"),
    ("城关街道城东社区人民路12号", "城关街道城东社区…"),
    ("城关街道人民路88号新村小区5栋", "城关街道…"),
    ("广东省深圳市南山区科技园路1号", "广东省深圳市…"),
    ("人民路12号", "人民路…"),
    ("石门镇李家湾村", "石门镇李家湾村"),
    ("", ""),
])
def test_mask_address_keeps_the_village_and_drops_what_follows(value, expected):
    assert mask_address(value) == expected


# --- prepare_rows ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "column", "include_sensitive", "expected"), [
    (None, ExportColumn("v", "值"), False, ""),
    (date(2026, 11, 28), ExportColumn("v", "值"), False, "2026-11-28"),
    (datetime(2026, 11, 28, 9, 30, 5, 123), ExportColumn("v", "值"), False, "2026-11-28 09:30:05"),
    (Decimal("12.50"), ExportColumn("v", "值"), False, Decimal("12.50")),
    (2.5, ExportColumn("v", "值"), False, 2.5),
    (float("nan"), ExportColumn("v", "值"), False, ""),
    (-5, ExportColumn("v", "值"), False, -5),
    (True, ExportColumn("v", "值"), False, "是"),
    (False, ExportColumn("v", "值"), False, "否"),
    (Sensitivity.NAME, ExportColumn("v", "值"), False, "name"),
    ("-已转介", ExportColumn("v", "值"), False, "'-已转介"),
    (7, ExportColumn("v", "值", as_text=True), False, "7"),
    (-5, ExportColumn("v", "值", as_text=True), False, "'-5"),
    ("张小明", ExportColumn("v", "值", Sensitivity.NAME), False, "张*明"),
    ("张小明", ExportColumn("v", "值", Sensitivity.NAME), True, "张小明"),
    (None, ExportColumn("v", "值", Sensitivity.NAME), False, ""),
    ("+86 13812345678", ExportColumn("v", "值", Sensitivity.PHONE), False, "'+86 138****5678"),
    ("+86 13812345678", ExportColumn("v", "值", Sensitivity.PHONE), True, "'+86 13812345678"),
], ids=lambda case: repr(case) if not isinstance(case, ExportColumn) else case.sensitivity)
def test_prepare_rows_turns_each_value_into_a_cell(value, column, include_sensitive, expected):
    [row] = prepare_rows([{"v": value}], [column], include_sensitive=include_sensitive)
    assert row == [expected]
    assert type(row[0]) is type(expected)


def test_prepare_rows_keeps_column_order_and_blanks_a_missing_key():
    columns = [ExportColumn("b", "乙"), ExportColumn("missing", "缺"), ExportColumn("a", "甲")]
    assert list(prepare_rows([{"a": 1, "b": "x"}], columns, include_sensitive=False)) == [
        ["x", "", 1]]


# --- CSV -------------------------------------------------------------------------------------

def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_a_bom_and_ends_lines_with_crlf():
    data = to_csv(ROWS, COLUMNS, include_sensitive=False)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 3
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_csv_masks_personal_data_unless_sensitive_is_included():
    masked = read_csv(to_csv(ROWS, COLUMNS, include_sensitive=False))
    assert masked[0] == HEADERS
    assert masked[1][:4] == ["张*明", "110101********0011", "138****5678", "石门镇李家湾村…"]
    assert masked[2][:4] == ["欧**娜", "110101********001X", "0755-****5678", "城关街道城东社区…"]
    full = read_csv(to_csv(ROWS, COLUMNS, include_sensitive=True))
    assert full[1][:4] == ["张小明", ID_NUMBER, "13812345678", "石门镇李家湾村3组"]
    assert full[2][2] == "0755-12345678"


def test_csv_neutralises_formulas_and_keeps_numbers_and_blanks():
    rows = read_csv(to_csv(ROWS, COLUMNS, include_sensitive=True))
    assert rows[1][4:] == ["'=1+1", "12.50", "3"]
    assert rows[2][4:] == ["成绩进步", "", "0"]


def test_csv_neutralises_a_formula_in_a_header():
    assert read_csv(to_csv([], [ExportColumn("x", "=cmd")], include_sensitive=False)) == [
        ["'=cmd"]]


# --- XLSX ------------------------------------------------------------------------------------

def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_has_a_bold_frozen_header_with_a_filter_over_the_data():
    sheet = read_xlsx(to_xlsx(ROWS, COLUMNS, include_sensitive=False))
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    assert sheet.title == "名单"


def test_xlsx_filter_covers_the_header_alone_when_there_are_no_rows():
    sheet = read_xlsx(to_xlsx([], COLUMNS, include_sensitive=False))
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:G1"


def test_xlsx_keeps_id_numbers_and_phones_as_exact_text():
    sheet = read_xlsx(to_xlsx(ROWS, COLUMNS, include_sensitive=True))
    for ref, expected in [("B2", ID_NUMBER), ("B3", "11010120150301001X"),
                          ("C2", "13812345678"), ("C3", "0755-12345678")]:
        assert sheet[ref].data_type == "s"
        assert sheet[ref].value == expected
    assert sheet["B2"].number_format == "@"


@pytest.mark.parametrize("value", ["01012345678", "007", "1234567890123456789012"])
def test_xlsx_writes_digit_strings_as_text_even_in_plain_columns(value):
    sheet = read_xlsx(to_xlsx([{"v": value}], [ExportColumn("v", "编号")], include_sensitive=False))
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == value


def test_xlsx_masks_personal_data_unless_sensitive_is_included():
    sheet = read_xlsx(to_xlsx(ROWS, COLUMNS, include_sensitive=False))
    assert [cell.value for cell in sheet[2]][:4] == [
        "张*明", "110101********0011", "138****5678", "石门镇李家湾村…"]


def test_xlsx_stores_formula_looking_text_as_neutralised_strings():
    rows = [{"v": text} for text in ("=1+1", "+1", "-1", "@SUM(A1)", "＝1")]
    sheet = read_xlsx(to_xlsx(rows, [ExportColumn("v", "备注")], include_sensitive=False))
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.data_type for cell in cells] == ["s"] * 5
    assert [cell.value for cell in cells] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'＝1"]


def test_xlsx_keeps_numbers_numeric_and_leaves_blanks_empty():
    sheet = read_xlsx(to_xlsx(ROWS, COLUMNS, include_sensitive=False))
    assert sheet["F2"].data_type == "n"
    assert sheet["F2"].value == 12.5
    assert sheet["G2"].value == 3
    assert sheet["F3"].value is None


def test_xlsx_sizes_columns_by_display_width_with_a_cap():
    rows = [{"short": "是", "cjk": "石门镇李家湾村", "long": "很长的备注" * 20}]
    columns = [ExportColumn("short", "是否"), ExportColumn("cjk", "村"),
               ExportColumn("long", "备注")]
    sheet = read_xlsx(to_xlsx(rows, columns, include_sensitive=False))
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] < widths[1] < widths[2]
    assert widths[1] == pytest.approx(16, abs=1)  # 7 CJK characters count 14, plus padding
    assert widths[2] == pytest.approx(exports.MAX_WIDTH, abs=1)


@pytest.mark.parametrize(("text", "width"), [("abc", 3), ("张三", 4), ("A张", 3), ("", 0)])
def test_display_width_counts_cjk_double(text, width):
    assert display_width(text) == width


def test_xlsx_uses_the_chinese_font_not_the_theme_font():
    sheet = read_xlsx(to_xlsx(ROWS, COLUMNS, include_sensitive=False))
    for ref in ("A1", "E3"):
        assert sheet[ref].font.name == exports.FONT
        assert sheet[ref].font.scheme is None  # a scheme would make Excel use the theme font


@pytest.mark.parametrize(("name", "title"), [
    ("石门镇/青山镇", "石门镇_青山镇"), ("[留守]:名单?", "_留守__名单_"), ("'引号'", "引号"),
    ("名" * 40, "名" * 31), ("", "名单"),
])
def test_xlsx_makes_a_sheet_name_excel_accepts(name, title):
    data = to_xlsx(ROWS, COLUMNS, include_sensitive=False, sheet_name=name)
    assert read_xlsx(data).title == title


def test_xlsx_refuses_more_rows_than_excel_holds(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    with pytest.raises(DomainError, match="CSV"):
        to_xlsx([{"v": n} for n in range(3)], [ExportColumn("v", "值")], include_sensitive=False)


# --- dispatch and file names -----------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "magic"), [
    ("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK\x03\x04"), ("XLSX", b"PK\x03\x04")])
def test_export_bytes_dispatches_on_format(fmt, magic):
    assert export_bytes(fmt, ROWS, COLUMNS, include_sensitive=False).startswith(magic)


@pytest.mark.parametrize("fmt", ["pdf", "", "xls"])
def test_export_bytes_refuses_an_unknown_format_in_chinese(fmt):
    with pytest.raises(DomainError) as raised:
        export_bytes(fmt, ROWS, COLUMNS, include_sensitive=False)
    assert "不支持的导出格式" in raised.value.message
    assert "csv、xlsx" in raised.value.message


@pytest.mark.parametrize(("base", "fmt", "expected"), [
    ("儿童名单", "xlsx", "儿童名单_2026-11-28.xlsx"),
    ("儿童名单", "csv", "儿童名单_2026-11-28.csv"),
    ("石门镇/青山镇:名单", "xlsx", "石门镇_青山镇_名单_2026-11-28.xlsx"),
    ("", "csv", "导出_2026-11-28.csv"),
])
def test_filename_for(base, fmt, expected):
    assert filename_for(base, fmt, date(2026, 11, 28)) == expected


def test_filename_for_refuses_an_unknown_format():
    with pytest.raises(DomainError):
        filename_for("儿童名单", "pdf", date(2026, 11, 28))
