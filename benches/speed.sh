#!/usr/bin/env bash
# Issue #10's speed goals, per baseline of the family: `keyaki scan --jobs 2` of the 1,523 AWS managed policies
# under /usr/bin/time (wall, user+sys CPU, peak RSS, verdict counts), then the in-process per-comparison latency
# percentiles from `keyaki-corpus --workload baselines` (p50/p95/p99/max, one thread).
#
#   benches/speed.sh [OUT_DIR] [--no-corpus-runner]
#
# Run from the crate root on an idle machine after `cargo build --release --bin keyaki --example keyaki-corpus`.
# Writes OUT_DIR/scan.md (one row per baseline), OUT_DIR/<baseline>.jsonl (the scan's verdicts, to compare runs
# with `diff`) and OUT_DIR/corpus.md. Default OUT_DIR: target/speed.
set -euo pipefail
out=${1:-target/speed}
corpus=${CORPUS:-../shared/corpus}
jobs=${JOBS:-2}
mkdir -p "$out"
policies="$corpus/aws-managed-policies/policies"
if [ ! -d "$policies" ]; then
    echo "SKIPPED: $policies not found" >&2
    exit 0
fi
keyaki=target/release/keyaki
runner=target/release/examples/keyaki-corpus
{
    echo "| baseline | pass | fail | unknown | wall s | user+sys s | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$out/scan.md"
for b in benches/baselines/*.json; do
    name=$(basename "$b" .json)
    /usr/bin/time -v -o "$out/$name.time" "$keyaki" scan "$policies" --baseline "$b" --jobs "$jobs" \
        --format jsonl > "$out/$name.jsonl" || true
    count() { grep -c "\"result\":\"$1\"" "$out/$name.jsonl" || true; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$out/$name.time")
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$out/$name.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$out/$name.time")
    echo "| $name | $(count pass) | $(count fail) | $(count unknown) | $wall | $cpu | $rss |" >> "$out/scan.md"
done
cat "$out/scan.md"
if [ "${2:-}" != "--no-corpus-runner" ]; then
    "$runner" --corpus "$corpus" --workload baselines --generated 4 --seed 1 --slowest 5 \
        --jsonl "$out/corpus.jsonl" | tee "$out/corpus.md" || true
fi
