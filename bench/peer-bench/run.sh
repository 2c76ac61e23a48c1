#!/usr/bin/env bash
# The shared peer benchmark (../shared/peer-bench) with this project's
# overlay:
# * update and delete scenarios (one row by primary key, of 10,000) for every
#   peer: rusqlite and postgres by hand (prepared once), dunder
#   (`query!(User.filter(id = k).update(…))`, `.delete()`), diesel
#   (`diesel::update(users.find(k)).set(…)`, `diesel::delete(…)`), sqlx
#   (`sqlx::query(…).bind(…).execute`), sea-query (`Query::update()` /
#   `Query::delete()` built per call);
# * the `dunder_*bulk_insert` peers (`User::bulk_insert`: no RETURNING);
# * PERF_CASES (e.g. "update:1 delete:1") to run some cases only, and
#   PERF_APPEND=1 to add their results to an earlier run's;
# * a Cargo.lock for `peers/` that lists the runtime's current dependencies
#   (the shared one predates serde_json/rust_decimal: `cargo build --locked`
#   fails with it).
#
# usage (from the project root): bench/peer-bench/run.sh [STEP...]
#   STEP: build check cg wall compile report (default: all, ~20 min to build)
# env: SHARED_PEER_BENCH (default ../shared/peer-bench), PEER_BENCH_DIR
#      (default /tmp/dunder-peer-bench), CARGO_TARGET_DIR (default
#      /tmp/dunder-peer-bench-target), and the PERF_* knobs of the harness.
#      Run the update/delete cases with PERF_CG_JOBS=1: the PostgreSQL peers
#      share their table.
set -euo pipefail
overlay=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$overlay/../.." && pwd)
shared=${SHARED_PEER_BENCH:-$project/../shared/peer-bench}
work=${PEER_BENCH_DIR:-/tmp/dunder-peer-bench}
mkdir -p "$work"
tar -C "$shared/harness" --exclude=results -cf - . | tar -C "$work" -xf -
cp "$overlay"/common/*.rs "$work/common/"
cp "$overlay"/peers/src/*.rs "$work/peers/src/"
cp "$overlay"/sea/src/*.rs "$work/sea/src/"
cp "$overlay/peers/Cargo.lock" "$work/peers/Cargo.lock"
cp "$overlay/report.py" "$work/report.py"
cp "$overlay/harness-run.sh" "$work/run.sh"
chmod -R u+w "$work"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/dunder-peer-bench-target}
exec bash "$work/run.sh" "$project" "$@"
