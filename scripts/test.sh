#!/usr/bin/env bash
# Run the whole test suite (ruff, mypy, then pytest). Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
.venv/bin/ruff check .
.venv/bin/mypy  # the packages and settings are in pyproject.toml
exec .venv/bin/python -m pytest "$@"
