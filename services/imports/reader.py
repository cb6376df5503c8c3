"""Read an uploaded CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX into rows of text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from services.errors import DomainError

ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Table:
    header: list[str]
    # (spreadsheet row number, {column: text}); row 1 is the header.
    rows: list[tuple[int, dict[str, str]]]
    # Rows with text in cells right of the last header: an unquoted comma split a cell.
    overflowing: tuple[int, ...] = ()


def read_table(data: bytes, filename: str) -> Table:
    """Parse the file's first sheet; blank rows are skipped, every cell becomes stripped text."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        grid = _csv_grid(data)
    elif suffix in {".xlsx", ".xls"}:
        grid = _xlsx_grid(data)
    else:
        raise DomainError(f"不支持的文件类型“{suffix or filename}”,请上传 .csv 或 .xlsx 文件。")
    if not grid:
        raise DomainError("文件是空的:第一行应为表头。")
    header = [h.strip() for h in grid[0]]
    while header and not header[-1]:
        header.pop()
    rows, overflowing = [], []
    for number, cells in enumerate(grid[1:], start=2):
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        if any(values.values()):
            rows.append((number, values))
        if any(cell.strip() for cell in cells[len(header):]):
            overflowing.append(number)
    return Table(header, rows, tuple(overflowing))


def _csv_grid(data: bytes) -> list[list[str]]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise DomainError("无法识别文件编码:请另存为 UTF-8 或 GB18030(GBK)编码的 CSV。")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _xlsx_grid(data: bytes) -> list[list[str]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        return [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises its own untyped errors for broken files
        raise DomainError(f"无法读取 Excel 文件:{exc}") from exc
