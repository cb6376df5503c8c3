"""docs/ describes what the code does: a command, option, import column or stats key that is
added without a line in docs/ fails here, and so does a link to a file that is not there."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

import pytest

from cli import build_parser
from services.imports import activities, contacts, helpers, orgs, pairings, roster
from services.stats.figures import Statistics

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _commands() -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for name, sub in _subparsers(build_parser()).items():
        found.append((name, sub))
        if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
            found += [(f"{name} {inner}", p) for inner, p in _subparsers(sub).items()]
    return found


@pytest.mark.parametrize(("command", "parser"), _commands(), ids=lambda v: str(v)[:20])
def test_every_command_and_option_is_in_the_command_line_reference(command, parser):
    text = _read("command-line.md")
    assert f"## `{command}" in text, command
    for action in parser._actions:
        for option in action.option_strings:
            assert f"`{option}" in text, (command, option)
        if action.choices and not isinstance(action, argparse._SubParsersAction):
            for choice in action.choices:
                assert str(choice) in text, (command, choice)


@pytest.mark.parametrize("module", [orgs, roster, helpers, pairings, contacts, activities],
                         ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_every_import_column_is_in_the_template_reference(module):
    text = _read("import-templates.md")
    for column in module.COLUMNS:
        assert column in text, (module.__name__, column)
    for column in module.REQUIRED:
        assert re.search(rf"\| {re.escape(column)} \| required \|", text), column


def _keys(value: object, prefix: str = "") -> list[str]:
    if not isinstance(value, dict):
        return [prefix]
    return [key for k, v in value.items() for key in _keys(v, f"{prefix}.{k}" if prefix else k)]


def test_every_stats_json_key_is_in_the_statistics_reference(engine):
    from db.engine import transaction
    from services.access.permissions import Actor
    from services.stats.figures import StatsScope, compute

    with transaction(engine, write=False) as session:
        figures: Statistics = compute(session, Actor.system(), StatsScope(
            date(2026, 9, 1), date(2026, 12, 31)), today=date(2026, 10, 1))
    text = _read("statistics.md")
    for top, value in figures.as_json().items():
        assert f"## `{top}`" in text, top
        if top in ("children", "pairing", "scope"):
            for key in value:
                assert f"`{key}`" in text or f"`{top}.{key}`" in text, (top, key)
    assert "`scope.as_of`" in text


@pytest.mark.parametrize("name", ["README.md", *(f"docs/{p.name}" for p in DOCS.glob("*.md"))])
def test_links_in_the_readme_and_docs_point_at_files_that_exist(name):
    path = ROOT / name
    text = path.read_text(encoding="utf-8")
    assert "CONTRACTS.md" not in text
    for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)|src=\"([^\"]+)\"", text):
        link = next(t for t in target if t)
        if re.match(r"[a-z]+://", link):
            continue
        assert (path.parent / link).exists(), (name, link)
