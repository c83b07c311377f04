#!/usr/bin/env bash
# Runs each fuzz target for SECONDS seconds (default 300), one after another, with the seed corpus.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   Logs: fuzz/logs/<target>.log
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_policy validate eval check)
# cargo-fuzz wants nightly; with only the stable toolchain RUSTC_BOOTSTRAP=1 lets it pass its
# unstable flags. `-s none`: no sanitizer (safe Rust; panics, hangs and OOMs are what is sought).
if rustup toolchain list 2>/dev/null | grep -q nightly; then cargo_fuzz=(cargo +nightly fuzz); else
  export RUSTC_BOOTSTRAP=1; cargo_fuzz=(cargo fuzz); fi
cd "$here"
"$here/seed.sh"
mkdir -p logs
# Build every target first, so each run's time limit covers fuzzing only.
for t in "${targets[@]}"; do
  nice -n 19 "${cargo_fuzz[@]}" build -s none "$t" >>logs/build.log 2>&1 || {
    echo "build of $t failed: fuzz/logs/build.log"; exit 2; }
done
for t in "${targets[@]}"; do
  echo "== $t for ${seconds}s"
  # -rss_limit_mb bounds memory; -timeout turns a slow input (a hang) into a reported crash.
  nice -n 19 timeout $((seconds + 900)) "${cargo_fuzz[@]}" run -s none "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 \
    >"logs/$t.log" 2>&1
  echo "exit $? ; $(grep -E 'stat::number_of_executed_units' "logs/$t.log")"
done
