#!/usr/bin/env bash
# The memory budget, measured: peak RSS (/usr/bin/time -v) and the verdict of a search that
# grows without bound (two without a counterexample, one with, and two that used to), at each budget, and a long process (one scan, ~1,500 searches; `scan` has
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
# Inputs for the rows. owner-team-prefix (session 8's guard-rail #11) is a PASS by AWS's
# semantics: no counterexample can end its search, which enumerates case variants of `team-`
# and grew to 1.5 GB in 9 s CPU with the cap and the watchdog off (session 9; decided since);
# owner-team-account (session 8's guard-rail case 06, a fail still ignored) reaches 128 MB in
# 1.5 s CPU on session 10's engine: the growing row of tests/memory_growth.rs. It replaces
# dept-prefix (session 8's lemma-shape finding), proved a pass at once since session 10.
# granted-iam-user (session 8, from session 7's guard-rail 1k run,
# old7/guard1k.txt) grows without bound on today's main: with the cap and the watchdog off it
# reached 4 GB in 60 s (38 s CPU). s-c13ace1b (a template in the account segment of a
# NotResource) grew until session 7 and generated-s1-3 x SageMaker until session 6; both are
# decided in well under a second since (kept as regression rows: exit 0/1, not a budget).
cat > "$work/granted-iam-user.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/ops/deployer","arn:aws:iam::444455556666:user/bob"]},"Action":["s3:Get*","s3:GetObject"],"NotResource":["arn:aws:s3:::b/${aws:principaltag/TEAM}/*","arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}*"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/owner":["${aws:username}"]},"ForAllValues:StringEqualsIgnoreCaseIfExists":{"custom:labels":["${aws:PrincipalTag/team, 'none'}-*"]}}},{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/${AWS:UserName}*","arn:aws:iam::*:user/*/${aws:PrincipalTag/team,'eng'}"],"Condition":{"StringLikeIfExists":{"aws:PrincipalTag/team":"${aws:PrincipalAccount}"},"StringEqualsIgnoreCase":{"aws:ResourceAccount":"${aws:PrincipalAccount}"},"ForAnyValue:StringLike":{"aws:TagKeys":["${aws:principaltag/TEAM}"]}}},{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/*","Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":"ENG"},"StringLike":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}","${AWS:UserName}"]}}}]}
JSON
cat > "$work/owner-p.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"s3:Get*","Resource":["arn:aws:iam::${AWS:UserName}:user/*"],"Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":["team-${aws:PrincipalTag/team, 'none'}"]},"StringLikeIfExists":{"aws:ResourceTag/owner":["${AWS:UserName}:*"]}}}]}
JSON
cat > "$work/owner-b.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"s3:*","NotResource":["arn:aws:iam::111122223333:user/*"]}]}
JSON
cat > "$work/owner-account-p.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"],"Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:ResourceTag/owner":["team-${aws:PrincipalAccount}"]}}}]}
JSON
cat > "$work/owner-account-b.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"]},{"Effect":"Deny","Action":"s3:GetObject","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":["team-${aws:PrincipalTag/team,'eng'}"]}}}]}
JSON
cat > "$work/s-c13ace1b-p.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:Get*"],"NotResource":["arn:aws:iam::${aws:principaltag/TEAM}:user*"]}]}
JSON
cat > "$work/s-c13ace1b-b.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:Get*"],"NotResource":["arn:aws:iam::${aws:principaltag/TEAM}:user/*"]}]}
JSON
target/release/examples/keyaki-corpus --seed 1 --print-generated 3 > "$work/g1-3.json"
# One row per (label|keyaki arguments) and budget. `diff` searches both directions
# (--counterexamples 20 is more than the solver-free probe offers).
rows=(
    "owner-team-prefix|check $work/owner-p.json --baseline $work/owner-b.json --policy-type resource"
    "owner-team-account|check $work/owner-account-p.json --baseline $work/owner-account-b.json --policy-type identity"
    "granted-iam-user|check-access-not-granted $work/granted-iam-user.json --actions s3:Get* --resources arn:aws:iam::111122223333:user/*"
    "s-c13ace1b|diff $work/s-c13ace1b-b.json $work/s-c13ace1b-p.json --counterexamples 20"
    "g1-3 x SageMakerStudioBedrockChatAgentUserRolePolicy|diff $work/g1-3.json $policies/SageMakerStudioBedrockChatAgentUserRolePolicy.json --counterexamples 20"
)
echo "hogs: $hogs, solver cap: ${KEYAKI_SOLVER_MEMORY_CAP:-on}"
printf '%-60s %7s %9s %7s %7s %4s %s\n' input budget peak_MB bound cpu_s exit reason
for row in "${rows[@]}"; do
    label=${row%%|*}
    read -r -a args <<<"${row#*|}"
    # The process's level when the search starts (its context included): a 1 MB budget ends
    # the search at once, so its peak is that level. The bound of each row is it + the budget.
    /usr/bin/time -v target/release/keyaki "${args[@]}" --memory-budget 1 \
        --format json >/dev/null 2>"$work/time.txt" || true
    start=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$work/time.txt")
    for budget in $budgets; do
        /usr/bin/time -v target/release/keyaki "${args[@]}" --memory-budget "$budget" \
            --timeout "$timeout" --format json >"$work/out.json" 2>"$work/time.txt" && code=0 || code=$?
        peak=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$work/time.txt")
        cpu=$(awk '/User time/ {u=$4} /System time/ {s=$4} END {printf "%.2f", u+s}' "$work/time.txt")
        reason=$( (grep -o '"reason": "[^"]*"' "$work/out.json" || true) | head -1 | cut -d'"' -f4)
        printf '%-60s %7s %9s %7s %7s %4s %s\n' "$label" \
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
