#!/usr/bin/env bash
# Issue #10's speed goals, measured the same way every time:
#  1. per baseline of the family: `keyaki scan --jobs 2` of the 1,523 AWS managed policies under
#     /usr/bin/time (wall, user+sys CPU, peak RSS, verdict counts);
#  2. the in-process per-comparison latency (`keyaki-corpus`, one thread, thread CPU time per
#     query, `--clock cpu`): the versions workload (100 pairs, both directions), the family and
#     generated baselines of several seeds (GENERATED per seed), with p50/p90/p95/p99/max and
#     the slowest pairs.
#
#   benches/speed.sh [OUT_DIR] [--no-corpus-runner]
#
# Run from the crate root after `cargo build --release --bin keyaki --example keyaki-corpus`
# (on an idle machine for the wall times; the CPU times hold on a loaded one). Environment:
# CORPUS (../shared/corpus), JOBS (2), SEEDS ("1 2 3"), GENERATED (8), CLOCK (cpu).
# Writes OUT_DIR/scan.md (one row per baseline), OUT_DIR/<baseline>.jsonl (the scan's verdicts,
# to compare runs with `diff`), OUT_DIR/versions.md, OUT_DIR/baselines-s<SEED>.md and .jsonl.
# Default OUT_DIR: target/speed. The worst rows: `grep -h worst OUT_DIR/*.md`.
set -euo pipefail
out=${1:-target/speed}
corpus=${CORPUS:-../shared/corpus}
jobs=${JOBS:-2}
seeds=${SEEDS:-1 2 3}
generated=${GENERATED:-8}
clock=${CLOCK:-cpu}
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
    "$runner" --corpus "$corpus" --workload versions --clock "$clock" --slowest 10 \
        --jsonl "$out/versions.jsonl" | tee "$out/versions.md" || true
    first=1
    for seed in $seeds; do
        # The family once (with the first seed), then only the generated baselines.
        only=()
        [ "$first" = 1 ] || only=(--only generated)
        first=0
        "$runner" --corpus "$corpus" --workload baselines --generated "$generated" --seed "$seed" \
            "${only[@]}" --clock "$clock" --slowest 5 --jsonl "$out/baselines-s$seed.jsonl" \
            | tee "$out/baselines-s$seed.md" || true
    done
    # The worst p99 row, the slowest pair and every unknown over all rows measured.
    python3 - "$out" "$corpus" <<'EOF' | tee "$out/summary.txt" || true
import collections, glob, json, os, sys
rows = collections.defaultdict(list)
for path in glob.glob(sys.argv[1] + "/versions.jsonl") + glob.glob(sys.argv[1] + "/baselines-s*.jsonl"):
    for line in open(path):
        r = json.loads(line)
        rows[r["workload"]].append(r)
def p99(rs):
    xs = sorted(r["ms"] for r in rs)
    return xs[max(0, -(-99 * len(xs) // 100) - 1)]
worst = max(rows, key=lambda w: p99(rows[w]))
slowest = max((r for rs in rows.values() for r in rs), key=lambda r: r["ms"])
unknown = [(r["workload"], r["label"]) for rs in rows.values() for r in rs if r["verdict"] == "unknown"]
print("rows:", len(rows), "| worst p99:", worst, "%.2f ms" % p99(rows[worst]),
      "| slowest pair:", slowest["workload"], slowest["label"], "%.1f ms" % slowest["ms"],
      "| unknowns:", len(unknown), unknown[:5])
# The issue's latency goal is for two policies under 10 KB: the proposal's size decides here
# (every baseline of the family and the generator is under 10 KB).
corpus = sys.argv[2]
def small(r):
    if r["workload"] == "versions":
        d = corpus + "/managed-policy-versions/" + r["label"].split(" (")[0]
        return all(os.path.getsize(d + f) < 10240 for f in ("/old.json", "/new.json"))
    return os.path.getsize(corpus + "/aws-managed-policies/policies/" + r["label"]) < 10240
smalls = [r for rs in rows.values() for r in rs if small(r)]
top = sorted(smalls, key=lambda r: -r["ms"])[:5]
print("slowest pairs under 10 KB:", "; ".join("%s %s %.1f ms" % (r["workload"], r["label"], r["ms"]) for r in top))
EOF
fi
