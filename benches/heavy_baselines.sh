#!/usr/bin/env bash
# The estate (the shared corpus's managed policies) against template- and ignore-case-heavy
# generated baselines (fuzz/gen/heavy_baselines.py), through both paths:
#   - the library: keyaki-corpus's `baselines` workload (scan::check_deterministic, one thread,
#     per-check CPU time), one row per baseline;
#   - the CLI users run: `keyaki scan DIR --baseline B` (all cores), wall, CPU and peak RSS.
# Prints one line per baseline and universe: unknowns by both paths, CLI wall/CPU/RSS, and the
# worst baseline at the end.
#
#   benches/heavy_baselines.sh [SEEDS (default "1 2 3")] [COUNT per seed (default 24)]
#
# Needs `cargo build --release --bin keyaki --example keyaki-corpus` and ../shared/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-"1 2 3"}
count=${2:-24}
corpus=../shared/corpus
if [ ! -d "$corpus/aws-managed-policies/policies" ]; then
    echo "SKIPPED: $corpus absent"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-22s %-8s %8s %8s %8s %8s %8s\n' baseline universe lib_unk cli_unk wall_s cpu_s rss_mb
for seed in $seeds; do
    python3 fuzz/gen/heavy_baselines.py "$work/s$seed" --seed "$seed" --count "$count"
    for universe in open catalog; do
        target/release/examples/keyaki-corpus --workload baselines --baselines-dir "$work/s$seed" \
            --generated 0 --resource-universe "$universe" --jsonl "$work/lib.jsonl" > /dev/null
        for baseline in "$work/s$seed"/*.json; do
            name=$(basename "$baseline" .json)
            lib_unknown=$(grep "\"baselines/$name\"" "$work/lib.jsonl" | grep -c '"verdict":"unknown"' || true)
            /usr/bin/time -f '%e %U %S %M' -o "$work/time" target/release/keyaki scan \
                "$corpus/aws-managed-policies/policies" --baseline "$baseline" --format jsonl \
                --resource-universe "$universe" > "$work/cli.jsonl" 2> /dev/null || true
            cli_unknown=$(grep -c '"result":"unknown"' "$work/cli.jsonl" || true)
            # time writes "Command exited with non-zero status N" first when scan fails.
            read -r wall user sys rss < <(tail -1 "$work/time")
            printf '%-22s %-8s %8s %8s %8s %8.2f %8d\n' "$name" "$universe" "$lib_unknown" \
                "$cli_unknown" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
        done
    done
done | tee "$work/rows"
echo "worst by unknowns, then wall:"
sort -k3,3nr -k4,4nr -k5,5nr "$work/rows" | grep -v '^baseline' | head -3
