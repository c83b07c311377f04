#!/usr/bin/env bash
# Runs each fuzz target for SECONDS seconds (default 300), one after another, with the seed corpus.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   Logs: fuzz/logs/<target>.log
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_policy eval check)
cd "$here"
"$here/seed.sh"
mkdir -p logs
for t in "${targets[@]}"; do
  echo "== $t for ${seconds}s"
  # -rss_limit_mb bounds memory; -timeout turns a slow input (a hang) into a reported crash.
  cargo +nightly fuzz run -s none "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 \
    >"logs/$t.log" 2>&1
  echo "exit $? ; $(grep -E 'stat::number_of_executed_units' "logs/$t.log")"
done
