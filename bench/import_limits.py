"""Reading the largest sheet the import limits allow: time of the XLSX check and peak memory.

    .venv/bin/python bench/import_limits.py [--rows 99999] [--columns 30]

Builds an XLSX at the edge of the limits (a header and 99,999 rows × 30 columns: the
3,000,000 cells of MAX_CELLS), then reads it with read_table in a fresh process and prints the
time of the extent check, the whole read, and the process's peak resident memory.
Measured here: check 2.6 s, read 8.1 s, peak 276 MB (at 5,000,000 cells it was 426 MB).
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.imports.xlsx_guard import column_letters  # noqa: E402
from tests.services import hostile_corpus as hc  # noqa: E402

READ = """
import resource, sys, time
sys.path.insert(0, sys.argv[2])
from services.imports.reader import read_table
from services.imports.xlsx_guard import check_xlsx
data = open(sys.argv[1], "rb").read()
start = time.perf_counter(); check_xlsx(data, "big.xlsx"); checked = time.perf_counter() - start
start = time.perf_counter()
table = read_table(data, "big.xlsx")
read = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(table.rows):,} rows read; extent check {checked:.1f} s, "
      f"read_table {read:.1f} s (check included), peak RSS {peak:.0f} MB")
"""


def build(rows: int, columns: int) -> bytes:
    """Numbers in every cell, the reference first, as Excel writes them."""
    letters = [column_letters(i + 1) for i in range(columns)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in (("[Content_Types].xml", hc.CONTENT_TYPES), ("_rels/.rels", hc.ROOT_RELS),
                           ("xl/workbook.xml", hc.WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", hc.WORKBOOK_RELS)):
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{hc.MAIN_NS}"><sheetData>'
                        .encode())
            for r in range(1, rows + 2):
                cells = "".join(f'<c r="{c}{r}"><v>{r % 997}</v></c>' for c in letters)
                sheet.write(f'<row r="{r}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=99_999)
    parser.add_argument("--columns", type=int, default=30)
    args = parser.parse_args()
    start = time.perf_counter()
    data = build(args.rows, args.columns)
    print(f"built {args.rows:,} × {args.columns} ({len(data) / 1024 / 1024:.1f} MB) "
          f"in {time.perf_counter() - start:.1f} s")
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
        file.write(data)
        file.flush()
        subprocess.run([sys.executable, "-c", READ, file.name, str(ROOT)], check=True)
    print(f"(this builder process peaked at "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
