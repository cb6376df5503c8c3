#!/usr/bin/env bash
# Set up everything and start 守望 on the embedded SQLite database with demo data.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
export SHOUWANG_DEMO="${SHOUWANG_DEMO:-1}"
.venv/bin/python cli.py init
.venv/bin/python cli.py seed --scale demo --if-empty
.venv/bin/python cli.py demo-logins
exec .venv/bin/python -m streamlit run app.py --server.address 127.0.0.1 --server.port "${PORT:-8501}"
