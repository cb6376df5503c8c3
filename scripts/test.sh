#!/usr/bin/env bash
# Run the whole test suite (ruff, then pytest). Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
