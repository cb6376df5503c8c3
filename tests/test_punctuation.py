"""Chinese text uses full-width punctuation: the catalogue, the generated text and the sources.

`scripts/fix_punctuation.py` fixes a file; files not yet swept are listed in
`tests/punctuation_pending.txt`, and a listed file that is already clean fails here too, so
the list only shrinks.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.i18n import catalogue
from db.models import OrgUnit
from sample_data.generator import seed_database
from services.reports.report_draft import draft_markdown
from services.stats.figures import StatsScope, compute
from services.stats.stats_text import sections
from tests.pairing_factories import ADMIN

ROOT = Path(__file__).resolve().parent.parent
PENDING_FILE = ROOT / "tests" / "punctuation_pending.txt"
SWEPT = ["core", "components", "pages", "services", "cli.py"]
TODAY = date(2026, 11, 28)
TERM = StatsScope(date(2026, 9, 1), date(2027, 1, 31))


def _load_fixer():
    spec = importlib.util.spec_from_file_location("fix_punctuation",
                                                  ROOT / "scripts" / "fix_punctuation.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fix_punctuation"] = module
    spec.loader.exec_module(module)
    return module


fixer = _load_fixer()


def pending() -> set[str]:
    lines = PENDING_FILE.read_text(encoding="utf-8").splitlines()
    return {line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()}


def sources() -> list[str]:
    found = []
    for name in SWEPT:
        path = ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        found += [str(f.relative_to(ROOT)) for f in files]
    return found


# ---- the checker and the fixer --------------------------------------------------------------

@pytest.mark.parametrize(("before", "after"), [
    ('"您好,管理员"', '"您好，管理员"'),
    ('"角色: {role}"', '"角色：{role}"'),
    ('f"数据更新于 {when}(每 10 秒自动刷新)"', 'f"数据更新于 {when}（每 10 秒自动刷新）"'),
    ('"已逾期 (已0/1次,12-06前)"', '"已逾期（已0/1次，12-06前）"'),
    ('"是否继续?"', '"是否继续？"'),
    ('"已保存!"', '"已保存！"'),
    ('"分号;之后"', '"分号；之后"'),
    ("'请在\"我的账户\"中设置'", "'请在“我的账户”中设置'"),
    ('"在「管理」页"', '"在“管理”页"'),
    # left alone: format specs, placeholders, numbers, URLs, raw strings, text without Chinese
    ('f"{value:,}人"', 'f"{value:,}人"'),
    ('"8,300元"', '"8,300元"'),
    ('"%(name)s"', '"%(name)s"'),
    ('"见 https://example.org/a?b=1"', '"见 https://example.org/a?b=1"'),
    ('r"(\\d+)岁"', 'r"(\\d+)岁"'),
    ('"SELECT a, b FROM t WHERE x = ?"', '"SELECT a, b FROM t WHERE x = ?"'),
    ('"占比:Q"', '"占比:Q"'),
    ('"Hello, {name}"', '"Hello, {name}"'),
])
def test_the_fixer_turns_ascii_beside_chinese_full_width_and_leaves_the_rest(before, after):
    assert fixer.fix_literal(before) == after


def test_the_fixer_can_write_escapes_that_survive_an_editor():
    assert fixer.fix_literal('"您好,管理员"', escapes=True) == '"您好\\uff0c管理员"'
    assert fixer.fix_literal('"您好\\uff0c管理员"') == '"您好\\uff0c管理员"'


def test_the_fixer_touches_string_literals_only_and_lists_the_lines():
    source = ('"""Doc: 中文,逗号"""\n'
              'x = ("a,中"  # 注释,不动\n'
              '     "b:中")\n'
              'y = "好,的"  # keep-ascii\n')
    fixed, changes = fixer.fix_source(source)
    assert fixed == ('"""Doc: 中文,逗号"""\n'
                     'x = ("a，中"  # 注释,不动\n'
                     '     "b：中")\n'
                     'y = "好,的"  # keep-ascii\n')
    assert [c.line for c in changes] == [2, 3]


def test_the_fixer_dry_run_changes_nothing(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_text('x = "您好,管理员"\n', encoding="utf-8")
    fixer.main([str(path)])
    assert path.read_text(encoding="utf-8") == 'x = "您好,管理员"\n'
    assert f"{path}:1:" in capsys.readouterr().out
    fixer.main(["--write", str(path)])
    assert path.read_text(encoding="utf-8") == 'x = "您好，管理员"\n'


@pytest.mark.parametrize(("text", "found"), [
    ("您好,管理员", True), ("角色:管理员", True), ("(帮扶:家访)", True), ("请在\"这里\"填写", True),
    ("您好，管理员", False), ("8,300.00元", False), ("Hello, world", False), ("CSV, XLSX", False),
])
def test_the_checker_finds_ascii_punctuation_beside_chinese(text, found):
    assert bool(fixer.ascii_beside_chinese(text)) is found


# ---- (a) the catalogue ----------------------------------------------------------------------

# The English catalogue is not checked: its sentences quote Chinese column names ("Columns: 姓名,
# 性别").
@pytest.mark.parametrize("key", sorted(catalogue("zh")))
def test_every_chinese_text_uses_full_width_punctuation(key):
    assert fixer.ascii_beside_chinese(catalogue("zh")[key]) == []


# ---- (b) generated text ---------------------------------------------------------------------

@pytest.fixture
def demo(engine: Engine) -> Engine:
    """The demo county, as `cli.py seed --scale demo` writes it, dated on a fixed day."""
    seed_database(engine, scale="demo", seed=42, today=TODAY)
    return engine


def _generated(engine: Engine, *, draft: bool) -> list[tuple[str, str]]:
    written: list[tuple[str, str]] = []
    with Session(engine) as session:
        county = session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).first()
        assert county is not None
        for masked in (False, True):
            scope = StatsScope(TERM.date_from, TERM.date_to, county.id)
            stats = compute(session, ADMIN, scope, today=TODAY)
            for s in sections(stats, suppress=masked):
                written += [(s.key, s.title), (s.key, s.text), (s.key, s.empty_hint or "")]
                written += [(s.key, v) for v in s.extras.values()]
            if draft:
                written.append(("活动总结", draft_markdown(session, ADMIN, scope, today=TODAY,
                                                       stats=stats, masked=masked)))
    return written


def test_the_statistics_sentences_use_full_width_punctuation(demo):
    bad = [(key, fixer.ascii_beside_chinese(text)) for key, text in _generated(demo, draft=False)]
    bad = [f"{key}: {found}" for key, found in bad if found]
    assert not bad, "\n".join(bad)


def test_the_written_draft_uses_full_width_punctuation(demo):
    if "services/reports/report_draft.py" in pending():
        pytest.skip("services/reports/report_draft.py is not swept yet "
                    "(tests/punctuation_pending.txt)")
    bad = [(key, fixer.ascii_beside_chinese(text)) for key, text in _generated(demo, draft=True)]
    bad = [f"{key}: {found}" for key, found in bad if found]
    assert not bad, "\n".join(bad)


# ---- (c) the sources ------------------------------------------------------------------------

def test_the_pending_list_names_existing_files():
    assert sorted(pending() - set(sources())) == []


@pytest.mark.parametrize("name", sources())
def test_string_literals_use_full_width_punctuation(name):
    source = (ROOT / name).read_text(encoding="utf-8")
    changes = fixer.fix_source(source)[1]
    if name in pending():
        assert changes, f"{name} is clean now: remove it from tests/punctuation_pending.txt"
    else:
        listed = [f"{name}:{c.line}: {c.before}" for c in changes]
        assert listed == [], "run: python scripts/fix_punctuation.py --write " + name
