"""Lists as CSV or XLSX files: Chinese headers, masked personal data, no runnable formulas."""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from itertools import chain, islice
from typing import Any, TypeVar, cast

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from core.errors import DomainError
from core.i18n import Msg
from core.vocab import ViewKind
from services.access import audit
from services.exports.name_masking import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)
from services.privacy import views
from services.privacy.protection import password_problem, protect

EXPORT_FORMATS = ("csv", "xlsx")
FONT = "Microsoft YaHei"  # Excel and WPS substitute a CJK font where it is missing
DEFAULT_SHEET = "名单"
PROGRESS_EVERY = 2000  # rows between progress reports
XLSX_MAX_ROWS = 1_048_576
WIDTH_SAMPLE_ROWS = 200
MAX_WIDTH = 40
# Cells a spreadsheet may treat as a formula (OWASP CSV injection, plus full-width forms).
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")


class Sensitivity(StrEnum):
    """Which mask hides a column when sensitive data is not included."""

    NAME = "name"  # a person's name, or several joined by 、 (each masked)
    PHONE = "phone"
    ID_NUMBER = "id_number"
    ADDRESS = "address"
    # Free text, or a name that may be an organisation's: the row's PEOPLE are masked inside
    # it, and so are phone and ID numbers (services.exports.name_masking.mask_text).
    TEXT = "text"


# The row key holding the names of a row's people, for its TEXT columns; never a column.
PEOPLE = "_people"


@dataclass(frozen=True)
class ExportColumn:
    """A row dict's `key` shown under a Chinese `header`; `as_text` keeps leading zeros in XLSX."""

    key: str
    header: str
    sensitivity: Sensitivity | None = None
    as_text: bool = False


Cell = str | int | float | Decimal
Rows = Iterable[Mapping[str, object]]
Columns = Sequence[ExportColumn]
V = TypeVar("V")


MASKS: dict[Sensitivity, Callable[[str], str]] = {
    Sensitivity.NAME: mask_name, Sensitivity.PHONE: mask_phone,
    Sensitivity.ID_NUMBER: mask_id_number, Sensitivity.ADDRESS: mask_address,
    Sensitivity.TEXT: mask_text}  # without the row's people: prepare_rows passes them


def neutralise(value: V) -> V:
    """Prefix an apostrophe to a string a spreadsheet could run as a formula; else unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return cast(V, "'" + value)
    return value


def _value(value: object) -> Cell:
    """A stored value as a cell, not yet neutralised: dates ISO, yes/no in Chinese, None blank."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return _value(value.value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else ""
    if isinstance(value, Decimal):
        return value if value.is_finite() else ""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # str subclasses too


def _plain(value: object) -> Cell:
    """A cell for an ordinary column; plain str and int skip the checks (the common case)."""
    kind = value.__class__
    if kind is str:
        text = cast(str, value)
        return "'" + text if text[:1] in FORMULA_TRIGGERS else text
    if kind is int:
        return cast(int, value)
    return neutralise(_value(value))


def _cell_function(column: ExportColumn, include_sensitive: bool) -> Callable[[object], Cell]:
    """How one column turns a stored value into a cell."""
    mask = None if include_sensitive or column.sensitivity is None else MASKS[column.sensitivity]
    if mask is None and not column.as_text:
        return _plain

    def text_cell(value: object) -> str:
        text = value if isinstance(value, str) else str(_value(value))
        if mask is not None and text:
            text = mask(text)
        return neutralise(text)

    return text_cell


def _text_cell(value: object, people: Iterable[str]) -> Cell:
    """A masked TEXT cell: the row's people, ID numbers and phones masked, then neutralised."""
    text = value if isinstance(value, str) else str(_value(value))
    return neutralise(mask_text(text, people)) if text else ""


def prepare_rows(rows: Rows, columns: Columns, *, include_sensitive: bool) -> Iterator[list[Cell]]:
    """Yield each row's cells in column order; a missing key or None becomes ""."""
    cells = [(column.key, _cell_function(column, include_sensitive)) for column in columns]
    texts = not include_sensitive and any(c.sensitivity is Sensitivity.TEXT for c in columns)
    if not texts:  # the common case, kept lean: a county's roster is 50,000 rows
        for row in rows:
            get = row.get
            yield [cell(get(key)) for key, cell in cells]
        return
    free = [column.sensitivity is Sensitivity.TEXT for column in columns]
    for row in rows:
        get = row.get
        people = cast("Iterable[str]", get(PEOPLE) or ())
        yield [_text_cell(get(key), people) if is_text else cell(get(key))
               for (key, cell), is_text in zip(cells, free, strict=True)]


def to_csv(rows: Rows, columns: Columns, *, include_sensitive: bool) -> bytes:
    """UTF-8 with BOM and CRLF line ends, so Excel and WPS open it in Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(column.header) for column in columns])
    writer.writerows(prepare_rows(rows, columns, include_sensitive=include_sensitive))
    return buffer.getvalue().encode("utf-8-sig")


def display_width(text: str) -> int:
    """Columns a string takes in a spreadsheet: CJK and full-width characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(headers: list[str], sample: list[list[Cell]]) -> list[int]:
    widths = [display_width(header) for header in headers]
    for row in sample:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], display_width(str(cell)))
    return [min(max(width + 2, 6), MAX_WIDTH) for width in widths]


def to_xlsx(rows: Rows, columns: Columns, *, include_sensitive: bool,
            sheet_name: str = DEFAULT_SHEET) -> bytes:
    """One sheet: bold frozen header with a filter, text as text cells, numbers as numbers."""
    buffer = io.BytesIO()
    headers = [neutralise(column.header) for column in columns]
    data = prepare_rows(rows, columns, include_sensitive=include_sensitive)
    sample = list(islice(data, WIDTH_SAMPLE_ROWS))
    with xlsxwriter.Workbook(buffer, {  # closed on errors too: that frees its temp file
        "constant_memory": True,  # rows go to disk as written: flat memory at county scale
        # Without font_scheme "none" Excel shows the theme font instead of FONT.
        "default_format_properties": {"font_name": FONT, "font_size": 10, "font_scheme": "none"},
    }) as workbook:
        title = sheet_title(sheet_name)
        sheet = workbook.add_worksheet(title)
        header_format = workbook.add_format({"bold": True, "bg_color": "#EEF2F7"})
        text_format = workbook.add_format({"num_format": "@"})
        # constant_memory needs every column setting before the first row is written.
        widths = _column_widths(headers, sample)
        for index, (column, width) in enumerate(zip(columns, widths, strict=True)):
            sheet.set_column(index, index, width, text_format if column.as_text else None)
        for index, header in enumerate(headers):
            sheet.write_string(0, index, header, header_format)
        last_row = _write_cells(sheet, chain(sample, data))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, last_row, max(len(columns) - 1, 0))
    return buffer.getvalue()


def _write_cells(sheet: Worksheet, data: Iterable[list[Cell]]) -> int:
    """Write rows from row 2 on, strings as strings; return the last row's index."""
    write_string, write_number = sheet.write_string, sheet.write_number
    row_index = 0
    for row_index, cells in enumerate(data, start=1):
        if row_index >= XLSX_MAX_ROWS:
            raise DomainError(Msg.keeping(
                f"超过 Excel 单表上限({XLSX_MAX_ROWS - 1:,} 行),请缩小筛选范围或导出为 CSV。",
                "errors.export.too_many_rows", max=f"{XLSX_MAX_ROWS - 1:,}"))
        for col_index, cell in enumerate(cells):
            if cell.__class__ is str:
                if cell:
                    write_string(row_index, col_index, cell)  # cut at Excel's 32,767 chars
            else:
                write_number(row_index, col_index, cell)
    return row_index


def _check_format(fmt: str) -> str:
    normalised = fmt.strip().lower().lstrip(".")
    if normalised not in EXPORT_FORMATS:
        raise DomainError(Msg.keeping(
            f"不支持的导出格式“{fmt}”,可选:{'、'.join(EXPORT_FORMATS)}。",
            "errors.export.format", fmt=fmt, formats="、".join(EXPORT_FORMATS)))
    return normalised


def sheet_title(name: str) -> str:
    """Excel refuses []:*?/\\ in a sheet name, an apostrophe at either end, over 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31].strip("'") or DEFAULT_SHEET


Progress = Callable[[int, int | None], None]  # (rows done, rows in all or None while reading)


@dataclass
class ExportOptions:
    """Choices a caller makes around one export call, honoured by every list's export_bytes.

    `columns` keeps only these keys (in the list's own order; unknown keys are ignored),
    `sheet_name` names the XLSX sheet, `progress` is told how far writing has got; `rows`
    is filled in with the number of rows written. With `password` the file is encrypted
    (services.privacy.protection); it is kept out of repr, and so out of any log.
    """

    columns: Sequence[str] | None = None
    sheet_name: str | None = None
    progress: Progress | None = None
    password: str | None = field(default=None, repr=False)
    rows: int = field(default=0, init=False)


def select_columns(columns: Columns, keys: Sequence[str] | None) -> list[ExportColumn]:
    """The columns whose key is in `keys` (all when None), in the list's own order."""
    if keys is None:
        return list(columns)
    wanted = set(keys)
    return [column for column in columns if column.key in wanted]


def _tracked(rows: Rows, options: ExportOptions) -> Iterator[Mapping[str, object]]:
    """Count the rows into `options` and report progress every PROGRESS_EVERY rows."""
    report = options.progress
    total: int | None = None
    if report is not None:
        report(0, None)
        rows = list(rows)  # read everything first, so progress is a true fraction
        total = len(rows)
        report(0, total)
    done = 0
    for done, row in enumerate(rows, start=1):
        if report is not None and done % PROGRESS_EVERY == 0:
            report(done, total)
        yield row
    options.rows = done
    if report is not None:
        report(done, total)


def export_bytes(fmt: str, rows: Rows, columns: Columns, *, include_sensitive: bool,
                 sheet_name: str = DEFAULT_SHEET, keys: Sequence[str] | None = None,
                 options: ExportOptions | None = None) -> bytes:
    """The file's bytes in `fmt` ("csv" or "xlsx"), only the `keys` columns when given.

    With `options` those apply too: their columns narrow `keys` further, their sheet name
    wins, and the rows are counted (with progress if asked).
    """
    fmt = _check_format(fmt)
    chosen = select_columns(columns, keys)
    if options is not None:
        chosen = select_columns(chosen, options.columns)
        sheet_name = options.sheet_name or sheet_name
        rows = _tracked(rows, options)
    if not chosen:
        raise DomainError.of("errors.export.no_columns")
    if fmt == "csv":
        return to_csv(rows, chosen, include_sensitive=include_sensitive)
    return to_xlsx(rows, chosen, include_sensitive=include_sensitive, sheet_name=sheet_name)


def filename_for(base: str, fmt: str, today: date) -> str:
    """儿童名单 + xlsx + a date → 儿童名单_2026-11-28.xlsx (characters Windows refuses become _)."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", base).strip() or "导出"
    return f"{safe}_{today.isoformat()}.{_check_format(fmt)}"


def audited(entity: str, title: str) -> Callable[[Callable[..., bytes]], Callable[..., bytes]]:
    """Record every call of a list's export function: who, which list, how many rows, filters.

    Masked or not, a list of children leaving the database is a disclosure; a sensitive
    export is also marked by the list's own "export_sensitive" event. The rows are counted
    into the caller's `options` (fresh ones when none are given) passed down to the export.
    An export built on another calls the other's unaudited function, so each file is
    recorded once.
    """
    def wrap(export: Callable[..., bytes]) -> Callable[..., bytes]:
        @functools.wraps(export)
        def run(session: Any, *, actor: Any, fmt: str, today: date,
                include_sensitive: bool = False, options: ExportOptions | None = None,
                page: str = "exports", **filters: object) -> bytes:
            counted = options if options is not None else ExportOptions()
            if counted.password is not None and (problem := password_problem(counted.password)):
                raise DomainError(problem)  # before any work
            data = export(session, actor=actor, fmt=fmt, today=today,
                          include_sensitive=include_sensitive, options=counted, **filters)
            if counted.password is not None:
                data = protect(data, filename_for(title, fmt, today), counted.password)
            audit.record_disclosure(
                session, actor, "export", entity, what=f"导出{title}", rows=counted.rows,
                detail={"格式": fmt, "含敏感信息": "是" if include_sensitive else "否",
                        "密码保护": "是" if counted.password is not None else "否",
                        "列": list(counted.columns) if counted.columns else None, **filters})
            views.record_view(session, actor, ViewKind.export, page, subject=title,
                              rows=counted.rows)
            return data
        return run
    return wrap


@dataclass(frozen=True)
class ListExport:
    """One list the UI and the CLI offer: its file title, columns and export function.

    `export(session, *, actor, fmt, today, include_sensitive=False, **filters)` returns the
    file's bytes; with `options=ExportOptions(columns=...)` it keeps only the chosen columns. Every
    call is audited (`audited`) under `entity`, by default the function's name without
    "export_".
    """

    title: str
    columns: tuple[ExportColumn, ...]
    export: Callable[..., bytes]
    entity: str = ""

    def __post_init__(self) -> None:
        entity = self.entity or self.export.__name__.removeprefix("export_")
        object.__setattr__(self, "entity", entity)
        object.__setattr__(self, "export", audited(entity, self.title)(self.export))
