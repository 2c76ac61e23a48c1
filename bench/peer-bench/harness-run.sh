#!/usr/bin/env bash
# Peer benchmark of dunder: see perf/README.md.
#
# usage: perf/run.sh PROJECT_CHECKOUT [STEP...]
#   STEP: build check cg wall compile report (default: all of them, in order)
# env:   CARGO_TARGET_DIR (default /tmp/ceo-target-perf)
#        PERF_PG_URL      (default postgres://postgres@127.0.0.1:5432/test; the
#                          bench creates and drops its own database dunder_perf)
#        PERF_RESULTS     (default perf/results)
#        PERF_CG_JOBS     (parallel valgrind runs, default 2)
#        PERF_WALL_RUNS (default 3), PERF_WALL_ROUNDS (default 40),
#        PERF_WALL_BATCH_MS (default 10)
#        PERF_COMPILE_REPS (default 3)
set -euo pipefail

if [ $# -lt 1 ]; then
  sed -n '2,15p' "$0"
  exit 2
fi
PERF=$(cd "$(dirname "$0")" && pwd)
PROJECT=$(cd "$1" && pwd)
shift
STEPS=${*:-build check cg wall compile report}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/ceo-target-perf}
RESULTS=${PERF_RESULTS:-$PERF/results}
mkdir -p "$RESULTS"
[ -f "$PROJECT/runtime/Cargo.toml" ] || { echo "no runtime/Cargo.toml in $PROJECT" >&2; exit 2; }
# The harness crates reach dunder through this link (no machine paths in them).
ln -sfn "$PROJECT" "$PERF/.checkout"

COMMIT="$(git -C "$PROJECT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$PROJECT" status --porcelain 2>/dev/null | grep -c . >/dev/null && echo '+modified' || true)"
# results/meta.txt: one line per step (when, on which dunder commit) and the tools
stamp() {
  local f="$RESULTS/meta.txt"
  touch "$f"
  grep -v -e "^$1 " -e '^rustc ' -e '^valgrind ' -e '^cpus ' "$f" > "$f.tmp" || true
  {
    cat "$f.tmp"
    echo "$1 $(date -u +%Y-%m-%dT%H:%MZ) dunder=$COMMIT"
    echo "rustc $(rustc -V | cut -d' ' -f2)"
    echo "valgrind $(valgrind --version)"
    echo "cpus $(nproc)"
  } > "$f"
  rm -f "$f.tmp"
}

BINS="peers sea sqlx08"
bin() { echo "$CARGO_TARGET_DIR/release/perf-$1"; }
has() { case " $STEPS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
log() { echo "== $(date +%H:%M:%S) $*" >&2; }

pg_ok=0
pg_up() {
  if "$(bin peers)" pg-setup; then pg_ok=1; else
    echo "!! PostgreSQL unreachable at ${PERF_PG_URL:-postgres://postgres@127.0.0.1:5432/test}: PostgreSQL skipped" >&2
    pg_ok=0
  fi
}
pg_down() { if [ "$pg_ok" = 1 ]; then "$(bin peers)" pg-teardown || true; fi; }

if has build; then
  for b in $BINS; do
    log "build $b (release)"
    (cd "$PERF/$b" && cargo build --release --locked)
  done
fi

if has check || has cg || has wall; then
  pg_up
  trap pg_down EXIT
fi

if has check; then
  stamp check
  : > "$RESULTS/check.txt"
  for b in $BINS; do
    for backend in sqlite pg; do
      [ "$backend" = pg ] && [ "$pg_ok" = 0 ] && continue
      if "$(bin "$b")" list | grep -c "^$backend " > /dev/null; then
        log "check $b $backend"
        "$(bin "$b")" check "$backend" | sed "s/^/$b: /" | tee -a "$RESULTS/check.txt"
      fi
    done
  done
fi

# Repetitions per case under callgrind (the reps = 0 run is subtracted).
reps_for() {
  case "$1 $2" in
    "all 1") echo 2000 ;; "all 100") echo 200 ;; "all 10000") echo 4 ;;
    "by_name 10000") echo 2000 ;; "null 10000") echo 10 ;;
    "insert 1") echo 1000 ;; "insert 10") echo 300 ;; "insert 100") echo 50 ;;
    "update 1") echo 2000 ;; "delete 1") echo 2000 ;;
  esac
}
CASES=${PERF_CASES:-"all:1 all:100 all:10000 by_name:10000 null:10000 insert:1 insert:10 insert:100 update:1 delete:1"}

cg_one() { # bin backend peer scenario n reps -> prints the line
  local b=$1 backend=$2 peer=$3 sc=$4 n=$5 reps=$6 r i0 i1 out
  for r in "$reps" 0; do
    out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$(bin "$b")" cg "$backend" "$peer" "$sc" "$n" "$r" 2>&1) \
      || { echo "!! callgrind run failed: $* (reps $r)" >&2; echo "$out" | tail -5 >&2; return 0; }
    i0=$(echo "$out" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    [ "$r" = "$reps" ] && i1=$i0
  done
  echo "CG $b $backend $sc $n $peer $(( (i1 - i0) / reps )) reps=$reps total=$i1 setup=$i0"
}
export -f cg_one bin
export CARGO_TARGET_DIR

if has cg; then
  stamp cg
  log "callgrind (${PERF_CG_JOBS:-2} at a time)"
  jobs_file=$(mktemp)
  for b in $BINS; do
    "$(bin "$b")" list | while read -r backend peer scs; do
      [ "$backend" = pg ] && [ "$pg_ok" = 0 ] && continue
      for c in $CASES; do
        sc=${c%%:*}; n=${c##*:}
        case ",$scs," in *",$sc,"*) ;; *) continue ;; esac
        echo "$b $backend $peer $sc $n $(reps_for "$sc" "$n")"
      done
    done
  done > "$jobs_file"
  # PERF_APPEND=1: add to the results of an earlier run (e.g. PERF_CASES="update:1 delete:1")
  if [ -n "${PERF_APPEND:-}" ]; then tee_args=(-a); else tee_args=(); fi
  xargs -P "${PERF_CG_JOBS:-2}" -L 1 bash -c 'cg_one "$@"' _ < "$jobs_file" | tee "${tee_args[@]}" "$RESULTS/cg.txt"
  rm -f "$jobs_file"
fi

if has wall; then
  stamp wall
  [ -n "${PERF_APPEND:-}" ] || : > "$RESULTS/wall.txt"
  for run in $(seq 1 "${PERF_WALL_RUNS:-3}"); do
    for b in $BINS; do
      for backend in sqlite pg; do
        [ "$backend" = pg ] && [ "$pg_ok" = 0 ] && continue
        if "$(bin "$b")" list | grep -c "^$backend " > /dev/null; then
          log "wall run $run: $b $backend"
          "$(bin "$b")" wall "$backend" "${PERF_WALL_ROUNDS:-40}" "${PERF_WALL_BATCH_MS:-10}" \
            | sed "s/^WALL \(.*\)$/WALL $b \1 run=$run/" | tee -a "$RESULTS/wall.txt"
        fi
      done
    done
  done
fi

if has check || has cg || has wall; then
  pg_down
  trap - EXIT
fi

if has compile; then
  stamp compile
  GEN="$PERF/compile/generated"
  log "compile: generate the 200-query crates"
  python3 "$PERF/compile/gen.py" "$GEN" "$PROJECT/runtime"
  DATABASE_URL="sqlite://$GEN/ct.sqlite3" SQLX_OFFLINE=false \
    python3 "$PERF/compile/measure.py" "$GEN" "${PERF_COMPILE_REPS:-3}" | tee "$RESULTS/compile.txt"
fi

if has report; then
  python3 "$PERF/report.py" "$RESULTS" "$PERF/README.md"
fi
