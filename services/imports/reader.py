"""Read an uploaded CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM or GB18030) or XLSX into text.

Hostile files are refused before they are parsed: the size first, then what the bytes really
are, then (XLSX) the sheet's extent from its own XML (xlsx_guard). Rows are read lazily and
stop at the limit; a cell holding a control character or more than 5000 characters is refused
with its row and column. The same rules serve the upload panel and `cli.py import`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from python_calamine import CalamineWorkbook

from core.errors import DomainError
from core.i18n import Msg
from services.imports.xlsx_guard import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    REFUSED_LIMIT,
    check_xlsx,
    column_letters,
    is_zip,
    sniff,
)

MAX_BYTES = 20 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "gb18030")
# Tab and line breaks are kept (notes span lines); every other control character (Unicode
# category Cc: U+0000–U+001F, U+007F–U+009F) is refused.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SEPARATOR = "\x1f"  # the unit separator, a control character: never inside an accepted cell
# Invisible characters that only get into a header by accident (a second BOM, a copied ZWSP).
HEADER_INVISIBLES = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))


Row = tuple[int, dict[str, str]]


class Rows(Sequence[Row]):
    """(sheet row number, {column: text}) per non-blank row.

    Each row is kept as one string, its cells joined by U+001F: a control character the
    reader refuses in cells, so it cannot occur inside one. 5,000,000 short cells then cost
    tens of MB instead of a string object each (about 250 MB).
    """

    def __init__(self, header: Sequence[str]) -> None:
        self._header = tuple(header)
        self._numbers: list[int] = []
        self._lines: list[str] = []

    def append(self, number: int, cells: tuple[str, ...]) -> None:
        self._numbers.append(number)
        self._lines.append(SEPARATOR.join(cells))

    def _values(self, line: str) -> dict[str, str]:
        return dict(zip(self._header, line.split(SEPARATOR), strict=True))

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._numbers[index], self._values(self._lines[index])

    def __iter__(self) -> Iterator[Row]:
        for number, line in zip(self._numbers, self._lines, strict=True):
            yield number, self._values(line)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({len(self)} rows)"


@dataclass(frozen=True)
class Table:
    header: list[str]
    # (spreadsheet row number, {column: text}); row 1 is the header.
    rows: Sequence[Row]
    # Rows with text in cells right of the last header: an unquoted comma split a cell.
    overflowing: tuple[int, ...] = ()


def refuse_oversize(size: int) -> None:
    """Refuse a file over MAX_BYTES; callers holding a path check before reading it."""
    if size > MAX_BYTES:
        raise DomainError.of("errors.file.too_large", size=f"{size / 1024 / 1024:.1f}",
                             max=MAX_BYTES // 1024 // 1024)


def read_table(data: bytes, filename: str) -> Table:
    """Parse the file's first sheet; blank rows are skipped, every cell becomes stripped text."""
    suffix = Path(filename).suffix.lower()
    if suffix not in {".csv", ".xlsx", ".xls"}:
        raise DomainError.of("errors.file.type", suffix=suffix or filename)
    refuse_oversize(len(data))
    if suffix == ".xls" and not is_zip(data):
        raise DomainError.of("errors.file.old_xls")
    grid = _xlsx_grid(data, filename) if suffix in {".xlsx", ".xls"} else _csv_grid(data,
                                                                                     filename)
    return _table(grid)


def _table(grid: Iterable[tuple[int, list[str]]]) -> Table:
    """The header, then each non-blank row cut to the header's width."""
    lines = iter(grid)
    first = next(lines, None)
    if first is None:
        raise DomainError.of("errors.file.empty")
    header = [_header_cell(h) for h in first[1]]
    while header and not header[-1]:
        header.pop()
    rows, overflowing = Rows(header), []
    width = len(header)
    for number, cells in lines:
        if number - 1 > MAX_ROWS:
            raise DomainError.of("errors.file.too_many_rows", max=MAX_ROWS, limit=REFUSED_LIMIT)
        values = tuple(cells[i].strip() if i < len(cells) else "" for i in range(width))
        if any(values):
            _refuse_bad_cells(number, header, values)
            rows.append(number, values)
        if any(cell.strip() for cell in cells[width:]):
            overflowing.append(number)
    return Table(header, rows, tuple(overflowing))


def _header_cell(text: str) -> str:
    """Full-width brackets and spaces read like ASCII; stray BOMs and zero-width marks dropped."""
    return unicodedata.normalize("NFKC", text.translate(HEADER_INVISIBLES)).strip()


def _refuse_bad_cells(number: int, header: list[str], values: tuple[str, ...]) -> None:
    for column, value in zip(header, values, strict=True):
        if len(value) > MAX_CELL_CHARS:
            raise DomainError.of("errors.file.cell_too_long", row=number, column=column,
                                 length=len(value), max=MAX_CELL_CHARS)
        if bad := CONTROL.search(value):
            raise DomainError.of("errors.file.control_char", row=number, column=column,
                                 code=f"U+{ord(bad[0]):04X}")


def _width_problem(number: int, cells: list[str]) -> None:
    if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
        raise DomainError.of("errors.file.too_many_columns", row=number, count=len(cells),
                             max=MAX_COLUMNS)


# --- CSV ---------------------------------------------------------------------------------------

def _decode(data: bytes, filename: str) -> str:
    """UTF-16 by its BOM, else UTF-8 (with or without BOM), else GB18030."""
    if is_zip(data):
        raise DomainError.of("errors.file.xlsx_named_csv", filename=filename)
    if what := sniff(data):
        raise DomainError.of("errors.file.not_csv", filename=filename, what=what)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DomainError.of("errors.file.bad_utf16") from exc
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError.of("errors.file.encoding")


def _csv_grid(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """Rows as lists of text; a cell beyond csv's own limit is refused, not a traceback."""
    text = _decode(data, filename)
    first_line = text[:4096].split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DomainError.of("errors.file.bad_csv", row=reader.line_num,
                                 why=_csv_reason(exc)) from exc
        number += 1
        _width_problem(number, cells)
        yield number, [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells]


def _csv_reason(exc: csv.Error) -> Msg:
    if "field larger than field limit" in str(exc):
        return Msg("errors.file.csv_cell_limit", max=csv.field_size_limit())
    if "NUL" in str(exc):
        return Msg("errors.file.csv_nul")
    return Msg("errors.file.csv_format")


# --- XLSX --------------------------------------------------------------------------------------

def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _xlsx_grid(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows, each converted only when it is reached."""
    try:
        check_xlsx(data, filename)
    except DomainError as exc:
        raise DomainError.of("errors.file.unreadable_xlsx", why=exc.message) from exc
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own untyped errors for broken files
        raise DomainError.of("errors.file.unreadable_xlsx", why=str(exc)) from exc
    for number, row in enumerate(rows, start=1):
        cells = [_cell_text(v) for v in row]
        _width_problem(number, cells)
        for index, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                raise DomainError.of("errors.file.xlsx_cell_too_long", row=number,
                                     column=index + 1,
                                     cell=f"{column_letters(index + 1)}{number}",
                                     max=MAX_CELL_CHARS)
        yield number, cells
