# Sourced by start.sh and test.sh: make .venv and install the pinned dependencies when they change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv …" >&2
  "$PYTHON" -m venv .venv
fi
wanted="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
stamp=.venv/.shouwang-installed
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  echo "安装依赖（requirements.lock 中的固定版本）…" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
  echo "$wanted" > "$stamp"
fi
