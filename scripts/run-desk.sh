#!/usr/bin/env bash
# `make run`: the HTTP API, one desk worker (SLA warnings, routing, night paging, notifications) and
# Streamlit side by side; when any of them stops, or this script is stopped, all stop.
# Usage: scripts/run-desk.sh BIN_DIR [APP_PORT] [API_PORT]
set -euo pipefail

bin=${1:?usage: run-desk.sh BIN_DIR [APP_PORT] [API_PORT]}
app_port=${2:-8501}
api_port=${3:-8000}

"$bin/shiftdesk" api --port "$api_port" &
api_pid=$!
app_pid=
worker_pid=
# Background jobs of a script ignore Ctrl-C, so they are stopped explicitly however this script ends.
stop_all() {
    kill $app_pid $worker_pid "$api_pid" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Wait until our API answers (not merely something on the port); if it died, say so instead of running without it.
healthy() {
    "$bin/python" -c "import json, sys, urllib.request as u
sys.exit(0 if json.load(u.urlopen('http://127.0.0.1:$api_port/api/v1/health', timeout=1)) == {'ok': True} else 1)" 2>/dev/null
}
until healthy; do
    if ! kill -0 "$api_pid" 2>/dev/null; then
        echo "run-desk: the API did not start (see above); is port $api_port taken? (make run API_PORT=...)" >&2
        exit 1
    fi
    sleep 0.2
done
echo "API on http://127.0.0.1:$api_port (docs: /docs); app on http://localhost:$app_port"

"$bin/shiftdesk" worker &
worker_pid=$!

"$bin/streamlit" run app.py --server.port "$app_port" --server.headless true --browser.gatherUsageStats false &
app_pid=$!
wait -n "$app_pid" "$worker_pid" "$api_pid"
