"""Check an XLSX before calamine opens it: a real workbook, no zip bomb, a bounded sheet.

calamine holds a sheet as one dense grid from A1 to its farthest cell, about 32 bytes a cell,
and aborts the whole process when that grid cannot be allocated. So the sheet's extent is read
first from the file's own XML, streamed in small chunks, and anything too large is refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from core.errors import DomainError
from core.i18n import Msg

MAX_ROWS = 100_000  # data rows below the header
MAX_COLUMNS = 200
# The used area (rows × columns). calamine first collects the cells (about 40 bytes each) and
# then lays them out densely (32 bytes each): 3,000,000 cells peak near 220 MB. A county's
# roster (50,000 children × 37 columns) fits; 100,000 rows × 200 columns would not.
MAX_CELLS = 3_000_000
# No column takes more (备注 of a child: 5000); shorter limits are each column's row errors.
MAX_CELL_CHARS = 5000
MAX_UNZIPPED = 200 * 1024 * 1024  # the sum of every member's uncompressed size
MAX_SHARED_STRINGS = 100 * 1024 * 1024
MAX_SMALL_PART = 2 * 1024 * 1024  # workbook.xml and the relationship parts
MAX_MEMBERS = 5000
MAX_RATIO = 100  # deflate reaches about 1000:1 on a bomb; real sheets stay far below 100:1
RATIO_FROM = 1024 * 1024  # small parts may compress better than that; they cannot hurt
CHUNK = 64 * 1024

REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"((?:[A-Z]{1,3}\d{1,7}:)?([A-Z]{1,3})(\d{1,7}))\"")
CELL_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
# What a file that is not a workbook usually starts with.
MAGIC = tuple((magic, Msg(f"errors.file.kind.{kind}")) for magic, kind in (
    (b"\x89PNG", "png"), (b"%PDF", "pdf"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"),
    (b"\xd0\xcf\x11\xe0", "xls"), (b"Rar!", "rar"), (b"\x1f\x8b", "gzip"), (b"7z\xbc\xaf", "7z")))
# Chinese counts cells in 万 (300万), English in digits (3,000,000).
REFUSED_LIMIT = Msg("errors.file.over_limit", rows=MAX_ROWS, columns=MAX_COLUMNS,
                    cells=Msg.keeping(f"{MAX_CELLS // 10_000}万", "errors.file.count",
                                      n=f"{MAX_CELLS:,}"))


class SheetTooLarge(DomainError):
    """The sheet reaches beyond the rows, columns or cells an import may hold."""


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sniff(data: bytes) -> Msg | None:
    """What a file is when its first bytes say so (PNG, PDF …), or None."""
    return next((what for magic, what in MAGIC if data.startswith(magic)), None)


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def check_xlsx(data: bytes, filename: str) -> None:
    """Refuse anything calamine should not open: not a workbook, a bomb, or a sheet too large."""
    if not is_zip(data):
        what = sniff(data) or Msg("errors.file.kind.other")
        raise DomainError.of("errors.file.not_xlsx", filename=filename, what=what)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            _check_members(book)
            sheet = _first_sheet(book)
            _check_dimension(book, sheet)
            _scan_sheet(book, sheet)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, ElementTree.ParseError, KeyError) as exc:
        raise DomainError.of("errors.file.broken_xlsx", filename=filename) from exc


def _check_members(book: zipfile.ZipFile) -> None:
    """Declared sizes first: a bomb is refused before one byte of it is inflated."""
    members = book.infolist()
    if len(members) > MAX_MEMBERS:
        raise DomainError.of("errors.file.too_many_parts", count=len(members))
    if sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise DomainError.of("errors.file.unzipped_too_large", mb=MAX_UNZIPPED // 1024 // 1024)
    for member in members:
        if member.flag_bits & 0x1:
            raise DomainError.of("errors.file.encrypted")
        if member.file_size > RATIO_FROM and member.file_size > MAX_RATIO * max(
                member.compress_size, 1):
            raise DomainError.of("errors.file.ratio", part=member.filename, ratio=MAX_RATIO)
        if member.filename.endswith("sharedStrings.xml") and (
                member.file_size > MAX_SHARED_STRINGS):
            raise DomainError.of("errors.file.text_too_large")


def _small_xml(book: zipfile.ZipFile, name: str) -> ElementTree.Element:
    """Parse a small part (workbook, relationships) after checking its size and doctype."""
    info = book.getinfo(name)
    if info.file_size > MAX_SMALL_PART:
        raise ValueError(name)
    text = book.read(info)
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:  # OOXML never declares entities
        raise ValueError(name)
    # Safe once entities are refused: expat itself never fetches anything external.
    return ElementTree.fromstring(text)  # noqa: S314


def _targets(book: zipfile.ZipFile, rels_name: str, base_dir: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, member path) from one .rels part."""
    found = {}
    for rel in _small_xml(book, rels_name):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(base_dir, target))
        found[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return found


def _first_sheet(book: zipfile.ZipFile) -> str:
    """The member holding the workbook's first sheet, the one calamine reads as index 0."""
    names = set(book.namelist())
    workbook = next((path for kind, path in _targets(book, "_rels/.rels", "").values()
                     if kind.endswith("/officeDocument")), "xl/workbook.xml")
    if workbook not in names:
        raise KeyError(workbook)
    base = posixpath.dirname(workbook)
    rels = _targets(book, posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels"),
                    base)
    sheets = [el for el in _small_xml(book, workbook).iter() if el.tag.endswith("}sheet")]
    if not sheets:
        raise KeyError("sheet")
    _, path = rels[sheets[0].get(REL_NS, "")]
    if path not in names:
        raise KeyError(path)
    return path


def _check_dimension(book: zipfile.ZipFile, sheet: str) -> None:
    """The sheet's own <dimension ref="A1:XFD1048576">, read from its first few KB."""
    with book.open(sheet) as stream:
        head = stream.read(CHUNK)
    match = DIMENSION.search(head)
    if match is None:
        return  # optional in the format: the scan below finds the extent anyway
    _refuse_extent(int(match[3]), column_number(match[2].decode()),
                   Msg("errors.file.declared_range", range=match[1].decode()))


def _refuse_extent(rows: int, columns: int, what: Msg) -> None:
    """Refuse an extent beyond the limits; `rows` counts the header row too."""
    if rows - 1 > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        raise SheetTooLarge.of("errors.file.extent", what=what, rows=rows, columns=columns,
                               limit=REFUSED_LIMIT)


# A row or cell start tag and everything up to the next "<" (a literal "<" cannot occur in an
# attribute value, so its attributes all lie there), and every r="…" reference in that span.
TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^<]*)")
REF = re.compile(rb"\sr\s*=\s*[\"']([A-Z]{0,3})(\d{1,9})[\"']")
ANY_REF = re.compile(rb"\sr\s*=")
# How Excel, WPS and the Python writers put it: <c r="B7" …>, the reference first.
PLAIN_REF = re.compile(rb' r="([A-Z]{0,3})(\d{1,9})"')
MAX_TEXT_BYTES = 64 * 1024  # text between two tags; a longer cell is refused by the reader


@dataclass
class _Extent:
    """Where calamine would put each cell: its reference, or the next row and column.

    Every cell counts, even an empty styled one, and the largest of several references wins:
    the scan may overestimate a sheet's extent, never underestimate it.
    """

    row: int = 0
    column: int = 0
    max_row: int = 0
    max_column: int = 0

    def feed(self, chunk: bytes) -> None:
        """Every cell of this chunk; the common case (each cell has its reference) in C."""
        refs = PLAIN_REF.findall(chunk) if _plain(chunk) else None
        if refs is None or len(refs) != chunk.count(b' r="'):
            self._feed_tags(chunk)
            return
        if not refs:
            return
        # Every reference anywhere in the chunk: a superset of the cells' own references.
        self.row = max(self.row, *map(int, [n for _, n in refs]))
        self.column = max(self.column, *(column_number(letters.decode())
                                         for letters in {ref[0] for ref in refs}))
        self._reached(self.row, self.column)

    def _feed_tags(self, chunk: bytes) -> None:
        """Cells without references sit one right of the previous cell, rows one below."""
        for match in TAG.finditer(chunk):
            refs = REF.findall(match[2])
            if not refs and ANY_REF.search(match[2]):
                raise ValueError("unreadable cell reference")  # e.g. r="&#88;FD1"
            if match[1] == b"row":
                self.row = max(int(n) for _, n in refs) if refs else self.row + 1
                self.column = 0
                continue
            if refs:
                self.column = max(column_number(letters.decode()) for letters, _ in refs)
                self.row = max(int(n) for _, n in refs)
            else:
                self.column += 1
            self._reached(self.row, self.column)

    def _reached(self, row: int, column: int) -> None:
        if row > self.max_row or column > self.max_column:
            self.max_row, self.max_column = max(self.max_row, row), max(self.max_column, column)
            _refuse_extent(self.max_row, self.max_column,
                           Msg("errors.file.used_range", cell=f"{column_letters(column)}{row}"))


def _plain(chunk: bytes) -> bool:
    """Every cell tag starts with its reference and every r= is one: counted at C speed."""
    cells = chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b"<c/")
    return (b":c " not in chunk and b":c>" not in chunk and b":row" not in chunk
            and cells == chunk.count(b'<c r="') and chunk.count(b"r=") == chunk.count(b' r="'))


def _scan_sheet(book: zipfile.ZipFile, sheet: str) -> None:
    """Stream the sheet's XML once; refuse at the first cell beyond the limits."""
    seen, tail, read = _Extent(), b"", 0
    with book.open(sheet) as stream:
        while chunk := stream.read(CHUNK):
            read += len(chunk)
            if read > MAX_UNZIPPED:
                raise SheetTooLarge.of("errors.file.sheet_unzipped")
            chunk = tail + chunk
            cut = chunk.rfind(b"<")
            if cut < 0 or len(chunk) - cut > MAX_TEXT_BYTES:
                raise SheetTooLarge.of("errors.file.sheet_cell_long", max=MAX_CELL_CHARS)
            seen.feed(chunk[:cut])
            tail = chunk[cut:]
    seen.feed(tail)
