#!/usr/bin/env bash
# The catalog resource universe on the estate: `keyaki scan --resource-universe catalog` of the
# 1,523 managed policies against each baseline of benches/baselines/ (wall, user+sys CPU, peak RSS,
# verdict counts), optionally against a second build to compare (verdicts must be identical,
# unknowns aside; encodings/resource-universe.md).
#
#   benches/catalog_scan.sh [OUT_DIR] [OTHER_KEYAKI_BINARY]
#
# Run from the crate root after `cargo build --release --bin keyaki`. CPU times hold on a loaded
# machine, wall times only on an idle one. CORPUS (../shared/corpus), JOBS (2).
# The other families this change was measured with (nice -n 19, bounded):
#   KEYAKI_DIFF_CASES=2000 KEYAKI_DIFF_SHOW_UNKNOWN=1 timeout 2400 nice -n 19 \
#     target/release/deps/differential_combined-<hash> pairs_replay --nocapture --test-threads 1
set -euo pipefail
out=${1:-target/catalog-scan}
other=${2:-}
corpus=${CORPUS:-../shared/corpus}
jobs=${JOBS:-2}
policies="$corpus/aws-managed-policies/policies"
if [ ! -d "$policies" ]; then
    echo "SKIPPED: $policies not found" >&2
    exit 0
fi
mkdir -p "$out"
builds=(target/release/keyaki)
[ -n "$other" ] && builds+=("$other")
echo "| baseline | build | pass | fail | unknown | wall s | user+sys s | peak RSS MB |" > "$out/scan.md"
echo "|---|---|---:|---:|---:|---:|---:|---:|" >> "$out/scan.md"
for b in benches/baselines/*.json; do
    name=$(basename "$b" .json)
    for i in "${!builds[@]}"; do
        log="$out/$name.$i"
        /usr/bin/time -v -o "$log.time" "${builds[$i]}" scan "$policies" --baseline "$b" --jobs "$jobs" \
            --resource-universe catalog --format jsonl > "$log.jsonl" || true
        count() { grep -c "\"result\":\"$1\"" "$log.jsonl" || true; }
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log.time")
        cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$log.time")
        rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log.time")
        echo "| $name | $i | $(count pass) | $(count fail) | $(count unknown) | $wall | $cpu | $rss |" >> "$out/scan.md"
    done
    if [ -n "$other" ]; then
        # Files whose verdict differs between the two builds.
        python3 - "$out/$name.0.jsonl" "$out/$name.1.jsonl" <<'EOF'
import json, sys
a, b = ({json.loads(l)["file"]: json.loads(l)["result"] for l in open(p)} for p in sys.argv[1:3])
for f in sorted(k for k in a if a[k] != b.get(k)):
    print(f"differs: {f}: {a[f]} (this build) vs {b.get(f)}")
EOF
    fi
done
cat "$out/scan.md"
