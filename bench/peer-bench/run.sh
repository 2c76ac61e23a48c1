#!/usr/bin/env bash
# The shared peer benchmark (../shared/peer-bench) with this project's
# overlay: the `dunder_*bulk_insert` peers (`User::bulk_insert`), the report
# columns and notes for them, and a Cargo.lock that lists the runtime's
# current dependencies (the shared one predates serde_json/rust_decimal, so
# its `cargo build --locked` fails).
#
# usage (from the project root): bench/peer-bench/run.sh [STEP...]
#   STEP: build check cg wall compile report (default: all)
# env: SHARED_PEER_BENCH (default ../shared/peer-bench), PEER_BENCH_DIR
#      (default /tmp/dunder-peer-bench), CARGO_TARGET_DIR (default
#      /tmp/dunder-peer-bench-target), and the PERF_* knobs of the harness.
set -euo pipefail
overlay=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$overlay/../.." && pwd)
shared=${SHARED_PEER_BENCH:-$project/../shared/peer-bench}
work=${PEER_BENCH_DIR:-/tmp/dunder-peer-bench}
mkdir -p "$work"
tar -C "$shared/harness" --exclude=results -cf - . | tar -C "$work" -xf -
cp "$overlay/peers/src/dunder_peer.rs" "$overlay/peers/src/main.rs" "$work/peers/src/"
cp "$overlay/peers/Cargo.lock" "$work/peers/Cargo.lock"
cp "$overlay/report.py" "$work/report.py"
chmod -R u+w "$work"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/dunder-peer-bench-target}
exec bash "$work/run.sh" "$project" "$@"
