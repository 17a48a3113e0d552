#!/usr/bin/env bash
# Benchmark of credit evaluation and random draws (docs/BENCHMARKS.md, "Evaluation and draws"):
# an evaluation run over N road transport operators with N×(K+1) records, its review and
# publication, a quarterly draw over the graded subjects and its replay; each timed with
# /usr/bin/time (wall clock and peak memory). The reference: sqlite3 reading the same records
# (every body, every row) — the floor any evaluation must read through.
# Usage: scripts/bench-evaluation.sh [N] [K]   (default 100000 9: 1,000,000 records)
set -euo pipefail
N=${1:-100000}
K=${2:-9}
DB=${BENCH_DB:-/tmp/xyjt-bench-eval.db}
cd "$(dirname "$0")/.."
cargo build --release -p xyjt
cargo build --release -p xyjt-app --example bench_evaluation
X=target/release/xyjt
rm -f "$DB" "$DB-wal" "$DB-shm"
t() { /usr/bin/time -f "  %e s wall, %M KB peak RSS" "$@"; }
echo "== data: $N subjects, $((N * (K + 1))) records"
t target/release/examples/bench_evaluation "sqlite://$DB" "$N" "$K" 2>&1 | tail -2
echo "== reference: sqlite3 reads every record body"
t sqlite3 "$DB" "SELECT count(*), sum(length(body)) FROM records;"
echo "== eval run"
t $X eval run --db "sqlite://$DB" --model js-road-transport --period 2025 --as-of 2025-12-31 --by bench-maker --today 2026-01-05
RUN=$($X eval show --db "sqlite://$DB" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
echo "== review + publish $RUN"
t $X eval review --db "sqlite://$DB" "$RUN" --approve --by bench-checker --today 2026-01-06
t $X eval publish --db "sqlite://$DB" "$RUN" --by bench-checker --today 2026-01-06
echo "== draw over the graded subjects"
t $X inspect draw --db "sqlite://$DB" --quarter 2026-Q1 --unit SF-ZF --seed 00112233445566778899aabbccddeeff --by bench --today 2026-01-07 > /tmp/xyjt-bench-draw.txt
head -1 /tmp/xyjt-bench-draw.txt
DRAW=$(sqlite3 "$DB" "SELECT id FROM inspection_draws LIMIT 1;")
echo "== replay $DRAW"
t $X inspect replay --db "sqlite://$DB" "$DRAW"
ls -la "$DB"
