#!/usr/bin/env bash
# The memory budget, measured: peak RSS (/usr/bin/time -v) and the verdict of searches that
# grow without bound, at each budget. The pairs reach the search (not the solver-free probe):
# `keyaki diff OLD NEW` runs both directions with the search.
#
#   benches/memory.sh [BUDGETS...]      (default: 64 128 256 512)
#
# Run from the crate root after `cargo build --release --bin keyaki --example keyaki-corpus`.
# Environment: CORPUS (../shared/corpus), TIMEOUT (60 s: the budget, not the time, must end
# each run). Prints one row per (pair, budget): peak RSS MB, user+sys CPU s, exit code, reason.
# The bound holds when peak RSS <= the process's start (~40 MB with one z3 context) + budget.
set -euo pipefail
corpus=${CORPUS:-../shared/corpus}
timeout=${TIMEOUT:-60}
budgets=${*:-64 128 256 512}
policies="$corpus/aws-managed-policies/policies"
if [ ! -d "$policies" ]; then
    echo "SKIPPED: $policies not found" >&2
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The worst pairs found: generated baselines of seed 1 against managed policies whose
# template-heavy conditions make the search refine round after round.
target/release/examples/keyaki-corpus --seed 1 --print-generated 3 > "$work/g1-3.json"
pairs=(
    "$work/g1-3.json $policies/SageMakerStudioBedrockChatAgentUserRolePolicy.json"
)
printf '%-60s %7s %9s %7s %4s %s\n' pair budget peak_MB cpu_s exit reason
for pair in "${pairs[@]}"; do
    read -r old new <<<"$pair"
    for budget in $budgets; do
        /usr/bin/time -v target/release/keyaki diff "$old" "$new" --memory-budget "$budget" \
            --timeout "$timeout" --format json >"$work/out.json" 2>"$work/time.txt" && code=0 || code=$?
        peak=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$work/time.txt")
        cpu=$(awk '/User time/ {u=$4} /System time/ {s=$4} END {printf "%.2f", u+s}' "$work/time.txt")
        reason=$(grep -o '"reason": "[^"]*"' "$work/out.json" | head -1 | cut -d'"' -f4)
        printf '%-60s %7s %9s %7s %4s %s\n' "$(basename "$old") x $(basename "$new")" \
            "$budget" "$peak" "$cpu" "$code" "${reason:-}"
    done
done
