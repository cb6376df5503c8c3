#!/usr/bin/env bash
# Run the whole test suite (ruff, mypy, then pytest). Extra arguments go to pytest.
# pytest runs on two pytest-xdist workers, each test file whole on one worker (module fixtures
# are built once); `-n 0` runs it serially, and so does `-p no:xdist`.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
.venv/bin/ruff check .
.venv/bin/mypy  # the packages and settings are in pyproject.toml
parallel=(-n 2 --dist loadfile)
previous=""
for arg in "$@"; do
  case "$previous $arg" in
    "-p no:xdist" | *" -pno:xdist") parallel=() ;;
  esac
  previous="$arg"
done
exec .venv/bin/python -m pytest "${parallel[@]}" "$@"
