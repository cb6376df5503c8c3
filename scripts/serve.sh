#!/usr/bin/env bash
# Serve 守望 from several Streamlit processes behind HAProxy, on the database in DATABASE_URL
# (PostgreSQL for a province; SQLite works for a county on one machine).
#
#   bash scripts/serve.sh --workers 4 [--port 8501] [--address 0.0.0.0]
#
# Each worker listens on 127.0.0.1 (port+1, port+2, …); HAProxy listens on --address:--port,
# keeps each browser on one worker with a cookie (Streamlit's websocket, uploads and media
# must reach the process that holds the session), checks every worker's /_stcore/health, and
# answers /_proxy/health itself (200 while at least one worker is healthy). The schema is
# upgraded once, before any worker starts. Ctrl-C or SIGTERM stops everything; if a worker or
# HAProxy dies, the rest are stopped and the script exits non-zero, for systemd to restart.
# docs/deploy.md describes a production set-up with one systemd unit per worker instead.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"

workers=2 port="${PORT:-8501}" address=127.0.0.1
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --address) address="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "未知参数：$1（可用：--workers N --port P --address A）" >&2; exit 2 ;;
  esac
done
if ! [[ "$workers" =~ ^[0-9]+$ ]] || [ "$workers" -lt 1 ] || [ "$workers" -gt 32 ]; then
  echo "--workers 须为 1 到 32 之间的整数（收到：$workers）" >&2; exit 2
fi
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ $((port + workers)) -gt 65535 ]; then
  echo "--port 须为 1024 到 $((65535 - workers)) 之间的端口（收到：$port）" >&2; exit 2
fi
haproxy_bin="$(command -v haproxy || true)"
if [ -z "$haproxy_bin" ]; then
  echo "未找到 HAProxy：请先安装（Debian/Ubuntu：apt-get install haproxy）。" >&2; exit 2
fi

if [ "${SHOUWANG_DEMO:-}" = "1" ] && [ -z "${SHOUWANG_COOKIE_KEY:-}" ]; then
  # Every worker must sign and check the login cookie with the same key.
  SHOUWANG_COOKIE_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')"
  export SHOUWANG_COOKIE_KEY
fi
# Streamlit signs its own XSRF cookie (uploads) with this; the workers must agree on it too.
export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$(
  .venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"

.venv/bin/python cli.py init

# The generated HAProxy configuration and its stats socket (a socket path must stay short).
run_dir="${SHOUWANG_RUN_DIR:-${SHOUWANG_DATA_DIR:-data}/run}"
mkdir -p "$run_dir"
run_dir="$(cd "$run_dir" && pwd)"
config="$run_dir/haproxy-$port.cfg"
{
  cat <<CFG
# Written by scripts/serve.sh; docs/deploy.md explains each line.
global
    maxconn 4096
    log stderr format short local0 notice
    # "show stat" on this socket lists each worker UP or DOWN (docs/deploy.md).
    stats socket $run_dir/haproxy-$port.sock mode 600 level user

defaults
    mode http
    log global
    option httplog
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 30s
    # Streamlit keeps one websocket open per browser tab.
    timeout tunnel 8h

frontend shouwang
    bind $address:$port
    monitor-uri /_proxy/health
    monitor fail if { nbsrv(workers) lt 1 }
    default_backend workers

backend workers
    balance leastconn
    # One browser, one worker: the session, its uploads and media live in that process.
    cookie SHOUWANG_WORKER insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server check inter 2s fall 3 rise 2
CFG
  for n in $(seq 1 "$workers"); do
    echo "    server w$n 127.0.0.1:$((port + n)) cookie w$n"
  done
} > "$config"
"$haproxy_bin" -c -q -f "$config" || { echo "HAProxy 配置有误：$config" >&2; exit 1; }

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 0' INT TERM

for n in $(seq 1 "$workers"); do
  .venv/bin/python -m streamlit run app.py --server.headless=true \
    --server.address=127.0.0.1 --server.port=$((port + n)) --browser.gatherUsageStats=false &
  pids+=("$!")
done
for n in $(seq 1 "$workers"); do
  until curl -fs "http://127.0.0.1:$((port + n))/_stcore/health" >/dev/null; do
    kill -0 "${pids[$((n - 1))]}" 2>/dev/null || { echo "第 $n 个进程未能启动。" >&2; exit 1; }
    sleep 0.5
  done
done
"$haproxy_bin" -db -f "$config" &
pids+=("$!")
echo "守望已启动：http://$address:$port （$workers 个进程，HAProxy 负载均衡）" >&2
wait -n
echo "有一个进程已退出，正在停止其余进程。" >&2
exit 1
