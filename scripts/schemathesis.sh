#!/usr/bin/env bash
# Schemathesis (from PyPI) against a demo server of this tree, on SQLite: every operation of the
# OpenAPI document is called with generated input, and the run fails on any server error (5xx)
# or any status the document does not declare. Bounded: a fixed number of examples per operation
# and a time limit. Called by .ci/run; by hand: scripts/schemathesis.sh [MAX_EXAMPLES].
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-20}"
target="${CARGO_TARGET_DIR:-target}"
venv="$target/schemathesis-venv"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi
cargo build --locked --quiet -p xyjt
dir="$(mktemp -d)"
port="${XYJT_SCHEMATHESIS_PORT:-18181}"
"$target/debug/xyjt" serve --demo --db "sqlite://$dir/schemathesis.db" --addr "127.0.0.1:$port" \
  >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done
timeout 900 "$venv/bin/st" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --checks not_a_server_error,status_code_conformance \
  --max-examples "$examples" --seed 20261130 --request-timeout 10 \
  --generation-allow-x00 true \
  --header "Authorization: Bearer ${XYJT_SCHEMATHESIS_TOKEN:-xyjt_demo_token_not_for_production}"
