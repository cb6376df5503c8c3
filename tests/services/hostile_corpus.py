"""Hostile import files built as bytes: encodings, sizes, far cells, bombs, disguises, payloads.

The XLSX files are written as their own zip XML so a far cell costs a few KB, exactly as an
attacker would make them; nothing here needs a spreadsheet library.
"""

from __future__ import annotations

import csv
import io
import zipfile
from xml.sax.saxutils import escape

from services.imports.xlsx_guard import column_letters

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_NS}">'
             f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" '
             'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>')
WORKBOOK_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_NS}">'
                 f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" '
                 'Target="worksheets/sheet1.xml"/></Relationships>')
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    """Rows written as Excel writes CSV (quoted where needed, CRLF)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def sheet_xml(rows: list[list[str]], *, extra: list[tuple[str, str]] = (),
              dimension: str | None = None) -> str:
    """A worksheet holding `rows` from A1, plus single cells at the references in `extra`."""
    body = []
    for number, values in enumerate(rows, start=1):
        cells = "".join(_cell(f"{column_letters(i + 1)}{number}", v)
                        for i, v in enumerate(values) if v != "")
        body.append(f'<row r="{number}">{cells}</row>')
    for ref, text in extra:
        row = int("".join(ch for ch in ref if ch.isdigit()))
        body.append(f'<row r="{row}">{_cell(ref, text)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">{dim}'
            f'<sheetData>{"".join(body)}</sheetData></worksheet>')


def xlsx_bytes(rows: list[list[str]], *, extra: list[tuple[str, str]] = (),
               dimension: str | None = None, sheet: str | None = None) -> bytes:
    """A minimal workbook whose first sheet is `rows` (or the given sheet XML)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml",
                      sheet or sheet_xml(rows, extra=extra, dimension=dimension))
    return buffer.getvalue()


def far_cell_xlsx(header: list[str], ref: str) -> bytes:
    """The header and one cell far away (XFD1048576, A1000000): a few KB on disk."""
    return xlsx_bytes([header], extra=[(ref, "x")])


def lying_dimension_xlsx(header: list[str]) -> bytes:
    """A sheet that declares A1:B2 and holds a cell at XFD5."""
    return xlsx_bytes([header], extra=[("XFD5", "x")], dimension="A1:B2")


def entity_reference_xlsx(header: list[str]) -> bytes:
    """A far cell whose reference is written with a character entity (r="&#88;FD9")."""
    xml = sheet_xml([header]).replace(
        "</sheetData>", '<row r="9"><c r="&#88;FD9" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData>")
    return xlsx_bytes([], sheet=xml)


def zip_bomb_xlsx(header: list[str], megabytes: int = 300) -> bytes:
    """A workbook whose sheet inflates to `megabytes` of blank XML from well under 1 MB."""
    buffer = io.BytesIO()
    padding = " " * (1024 * 1024)
    head = sheet_xml([header]).replace("</sheetData></worksheet>", "")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head.encode())
            for _ in range(megabytes):
                sheet.write(padding.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def broken_zip() -> bytes:
    """Starts like a zip, then nothing a zip reader can use."""
    return b"PK\x03\x04" + b"\x14\x00\x00\x00\x08\x00" + b"garbage" * 100


def truncated_xlsx(header: list[str]) -> bytes:
    """A real workbook cut in half, as an interrupted download leaves it."""
    data = xlsx_bytes([header, ["x"] * len(header)])
    return data[: len(data) // 2]


def oversized_csv(header: list[str], megabytes: int = 21) -> bytes:
    """A CSV over the 20 MB limit."""
    line = ",".join(["填充"] * len(header)) + "\r\n"
    count = megabytes * 1024 * 1024 // len(line.encode()) + 1
    return (",".join(header) + "\r\n" + line * count).encode()


def huge_cell_csv(header: list[str], megabytes: int = 10) -> bytes:
    """One quoted cell of `megabytes` MB in the second row."""
    return (",".join(header) + '\r\n"' + "长" * (megabytes * 1024 * 1024 // 3) + '"\r\n').encode()


def many_rows_csv(header: list[str], rows: int = 100_001) -> bytes:
    """One row more than the limit, every row tiny."""
    return (",".join(header) + "\r\n" + "x\r\n" * rows).encode()


def wide_csv(header: list[str], columns: int = 201) -> bytes:
    """A data row with more columns than the 200 allowed."""
    return (",".join(header) + "\r\n" + ",".join(["x"] * columns) + "\r\n").encode()
