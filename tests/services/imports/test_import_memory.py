"""The worst files through `cli.py import` in a process of their own: refused, under 500 MB.

Each import runs in a fresh child of a small Python wrapper, so ru_maxrss of RUSAGE_CHILDREN is
that import's own peak resident memory and nothing else's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.imports.xlsx_guard import MAX_ROWS
from tests.services import hostile_corpus as hc

ROOT = Path(__file__).resolve().parents[3]
LIMIT_MB = 500
CONTACTS = ["儿童姓名", "儿童出生日期", "帮扶人姓名", "方式", "日期", "时长(分钟)", "记录"]
ORGS = ["名称", "类型", "上级", "是否山区", "在籍学生数"]
# Runs the CLI as a child and prints that child's peak RSS in KB (Linux reports KB).
WRAPPER = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
sys.stdout.buffer.write(done.stderr)
print("\\nEXIT", done.returncode, "RSS_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _contacts_19mb() -> bytes:
    """Just under 20 MB and 100,000 rows: every row well-formed, every child unknown."""
    line = "张小明,2015-03-01,李老师,谈心,2026-11-02,30," + "记录内容" * 35 + "\r\n"
    rows = min(MAX_ROWS, 19 * 1024 * 1024 // len(line.encode()))
    return (",".join(CONTACTS) + "\r\n" + line * rows).encode()


WORST = {
    "far-XFD1048576.xlsx": ("orgs", lambda: hc.far_cell_xlsx(ORGS, "XFD1048576"), "超过上限"),
    "far-A1000000.xlsx": ("orgs", lambda: hc.far_cell_xlsx(ORGS, "A1000000"), "超过上限"),
    "bomb.xlsx": ("orgs", lambda: hc.zip_bomb_xlsx(ORGS, 250), "压缩炸弹"),
    "bomb-ratio.xlsx": ("orgs", lambda: hc.zip_bomb_xlsx(ORGS, 150), "压缩炸弹"),
    "cell-10mb.csv": ("orgs", lambda: hc.huge_cell_csv(ORGS), "无法按 CSV 读取"),
    "contacts-19mb.csv": ("contacts", _contacts_19mb, "找不到儿童"),
    "oversized-21mb.csv": ("contacts", lambda: hc.oversized_csv(CONTACTS), "文件过大"),
}


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file made by `cli.py init`, as an operator would make it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('memory') / 'shouwang.db'}"
    done = subprocess.run([sys.executable, "cli.py", "init"], cwd=ROOT, env=_env(url),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return url


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "SHOUWANG_DEMO": "1"}


@pytest.mark.parametrize("name", list(WORST))
def test_the_worst_files_are_refused_in_under_500_mb(empty_database, tmp_path, name):
    kind, build, words = WORST[name]
    path = tmp_path / name
    path.write_bytes(build())

    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, sys.executable, "cli.py", "import", kind, str(path)],
        cwd=ROOT, env=_env(empty_database), capture_output=True, check=False)
    output = done.stdout.decode()
    report, _, tail = output.rpartition("\nEXIT ")
    exit_code, _, rss = tail.split()
    rss_kb = int(rss)

    print(f"{name}: {path.stat().st_size / 1024:,.0f} KB on disk, peak RSS {rss_kb / 1024:.0f} MB")
    assert exit_code == "1"
    assert words in report
    assert "Traceback" not in report
    assert rss_kb / 1024 < LIMIT_MB
