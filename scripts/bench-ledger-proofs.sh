#!/usr/bin/env bash
# Benchmark of the ledger's Merkle tree, proofs and credit reports (docs/BENCHMARKS.md,
# "Merkle tree, proofs and credit reports"): append throughput with and without the tree,
# proof sizes and times at N events, verify --checkpoint, a credit report's issue and check.
# The reference beside it: the same N events appended without the tree.
# Usage: scripts/bench-ledger-proofs.sh [N] [BATCH]   (default 1000000 1000)
set -euo pipefail
N=${1:-1000000}
B=${2:-1000}
DIR=${BENCH_DIR:-/tmp/xyjt-bench-proofs}
cd "$(dirname "$0")/.."
cargo build --release -p xyjt-app --example bench_ledger_proofs
rm -rf "$DIR" && mkdir -p "$DIR"
T=${CARGO_TARGET_DIR:-target}
/usr/bin/time -f "  %e s wall, %M KB peak RSS" "$T/release/examples/bench_ledger_proofs" \
  "sqlite://$DIR/with.db" "sqlite://$DIR/without.db" "$N" "$B" "sqlite://$DIR/demo.db"
ls -la "$DIR"
sqlite3 "$DIR/with.db" "SELECT count(*) FROM ledger_tree;"
