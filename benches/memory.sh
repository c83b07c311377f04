#!/usr/bin/env bash
# The memory budget, measured: peak RSS (/usr/bin/time -v) and the verdict of searches that
# grow without bound, at each budget, and a long process (one scan, ~1,500 searches; `scan` has
# no --memory-budget flag yet, so at the default 512 MB), which must end no check `unknown:
# memory budget` that it can decide.
#
#   benches/memory.sh [BUDGETS...]      (default: 32 64 128 256 512)
#   HOGS=2 SCAN= benches/memory.sh 64 512   (the same under 2 busy loops: the RSS watchdog wakes
#                                        late, z3's own cap still holds)
#
# Run from the crate root after `cargo build --release --bin keyaki --example keyaki-corpus`.
# Environment: CORPUS (../shared/corpus), TIMEOUT (60 s: the budget, not the time, must end
# each run), HOGS (0), SCAN (1; empty: no scan row), KEYAKI_SOLVER_MEMORY_CAP
# (on by default; `off` measures the RSS watchdog alone).
# Prints one row per (pair, budget): peak RSS MB, the bound (the level at the search's start,
# measured with a 1 MB budget, + the budget), user+sys
# CPU s, exit code, reason; then the scan row: peak RSS, pass/fail/unknown and how many
# unknowns were the memory budget.
set -euo pipefail
corpus=${CORPUS:-../shared/corpus}
timeout=${TIMEOUT:-60}
hogs=${HOGS:-0}
scan=${SCAN-1}
budgets=${*:-32 64 128 256 512}
policies="$corpus/aws-managed-policies/policies"
if [ ! -d "$policies" ]; then
    echo "SKIPPED: $policies not found" >&2
    exit 0
fi
work=$(mktemp -d)
hog_pids=()
cleanup() {
    for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 "$hogs"); do
    sh -c 'while :; do :; done' &
    hog_pids+=($!)
done
# Pairs whose search grows without bound. s-c13ace1b (hunt, session 7: a template in the account
# segment of a NotResource; a pass by AWS's semantics) grows on today's main; generated-s1-3 x
# SageMaker grew until session 6 and is decided in ~0.3 s since (kept as a regression row).
cat > "$work/s-c13ace1b-p.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:Get*"],"NotResource":["arn:aws:iam::${aws:principaltag/TEAM}:user*"]}]}
JSON
cat > "$work/s-c13ace1b-b.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:Get*"],"NotResource":["arn:aws:iam::${aws:principaltag/TEAM}:user/*"]}]}
JSON
target/release/examples/keyaki-corpus --seed 1 --print-generated 3 > "$work/g1-3.json"
# "old new": `keyaki diff old new` (both directions search: --counterexamples 20 is more than
# the solver-free probe offers).
pairs=(
    "$work/s-c13ace1b-b.json $work/s-c13ace1b-p.json"
    "$work/g1-3.json $policies/SageMakerStudioBedrockChatAgentUserRolePolicy.json"
)
echo "hogs: $hogs, solver cap: ${KEYAKI_SOLVER_MEMORY_CAP:-on}"
printf '%-60s %7s %9s %7s %7s %4s %s\n' pair budget peak_MB bound cpu_s exit reason
for pair in "${pairs[@]}"; do
    read -r old new <<<"$pair"
    # The process's level when the search starts (its context included): a 1 MB budget ends
    # the search at once, so its peak is that level. The bound of each row is it + the budget.
    /usr/bin/time -v target/release/keyaki diff "$old" "$new" --memory-budget 1 --counterexamples 20 \
        --format json >/dev/null 2>"$work/time.txt" || true
    start=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$work/time.txt")
    for budget in $budgets; do
        /usr/bin/time -v target/release/keyaki diff "$old" "$new" --memory-budget "$budget" \
            --timeout "$timeout" --counterexamples 20 --format json >"$work/out.json" 2>"$work/time.txt" && code=0 || code=$?
        peak=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$work/time.txt")
        cpu=$(awk '/User time/ {u=$4} /System time/ {s=$4} END {printf "%.2f", u+s}' "$work/time.txt")
        reason=$( (grep -o '"reason": "[^"]*"' "$work/out.json" || true) | head -1 | cut -d'"' -f4)
        printf '%-60s %7s %9s %7s %7s %4s %s\n' "$(basename "$old") x $(basename "$new")" \
            "$budget" "$peak" "$((start + budget))" "$cpu" "$code" "${reason:-}"
    done
done
if [ -n "$scan" ]; then
    # number-conditions: most files pass, and a pass is a solver proof, so nearly every file
    # is a search on a query thread of its own (the drift of z3's count is per thread).
    /usr/bin/time -v target/release/keyaki scan "$policies" --baseline benches/baselines/number-conditions.json \
        --jobs 2 --format jsonl --timeout "$timeout" \
        >"$work/scan.jsonl" 2>"$work/time.txt" || true
    peak=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$work/time.txt")
    cpu=$(awk '/User time/ {u=$4} /System time/ {s=$4} END {printf "%.2f", u+s}' "$work/time.txt")
    count() { grep -c "\"result\":\"$1\"" "$work/scan.jsonl" || true; }
    memory=$(grep -c 'memory budget' "$work/scan.jsonl" || true)
    echo "scan number-conditions, --jobs 2, default budget: peak ${peak} MB, cpu ${cpu} s," \
        "pass $(count pass), fail $(count fail), unknown $(count unknown) (memory budget: $memory)"
fi
