"""The layer rule of docs/architecture.md: imports run pages → components → services → db → core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("core", "db", "services", "components", "pages", "config", "cli", "cli_commands", "app")
# What each layer may import of ours (besides itself).
ALLOWED = {
    "core": set(),
    "db": {"core", "config"},
    "services": {"core", "db", "config"},
    "components": {"core", "db", "config", "services"},
    "cli_commands": {"core", "db", "config", "services"},
}


def _imports(path: Path) -> set[str]:
    """The top-level names of every module `path` imports, lazily or not."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    return [p for p in sorted((ROOT / layer).rglob("*.py")) if "migrations" not in p.parts]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str):
    wrong = []
    for path in _modules(layer):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in OURS and top != layer and top not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("layer", ["core", "db", "services"])
def test_nothing_below_components_imports_streamlit(layer: str):
    wrong = [str(p.relative_to(ROOT)) for p in _modules(layer)
             if any(n.split(".")[0] == "streamlit" for n in _imports(p))]
    assert not wrong, wrong


def test_the_rule_is_checked_against_real_imports():
    # The check above must see lazy imports too, or it could pass on an empty walk.
    assert "core.vocab" in _imports(ROOT / "db" / "models" / "children.py")
    assert any(n.startswith("services.") for n in _imports(ROOT / "components" / "care"
                                                           / "contact_form.py"))


def test_every_package_says_what_it_owns():
    packages = [p for layer in ("core", "services", "components")
                for p in [ROOT / layer, *sorted((ROOT / layer).glob("*/"))]
                if (p / "__init__.py").exists()]
    assert len(packages) >= 20
    silent = [str(p.relative_to(ROOT)) for p in packages
              if not ast.get_docstring(ast.parse((p / "__init__.py").read_text("utf-8")))]
    assert not silent, silent
