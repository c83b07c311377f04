#!/usr/bin/env bash
# Times `keyaki validate` over the 1,523 AWS managed policies (issue #13: <= 2 s on 2 cores).
# Run on an idle machine from the crate root: benches/validate.sh [RUNS]
# Prints wall, user+sys CPU and max RSS per run for: the CLI with proofs (one process, all
# files; JSONL), the CLI without proofs, and the library on 2 rayon threads (example
# validate_corpus --jobs 2, the 100 ms CLI proof timeout).
set -euo pipefail
runs="${1:-3}"
cd "$(dirname "$0")/.."
policies=../shared/corpus/aws-managed-policies/policies
[ -d "$policies" ] || { echo "SKIPPED: $policies not found"; exit 0; }
cargo build --release --quiet --bin keyaki --example validate_corpus
measure() {
  local label="$1"; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o /tmp/keyaki-validate-time "$@" >/dev/null 2>&1 || true
    read -r wall user sys rss < <(tail -n 1 /tmp/keyaki-validate-time)
    printf '%-34s wall %5.2f s  cpu %5.2f s  rss %4d MB\n' "$label" "$wall" \
      "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
  done
}
measure "cli, proofs" ./target/release/keyaki validate --format json "$policies"/*
measure "cli, --no-proofs" ./target/release/keyaki validate --no-proofs --format json "$policies"/*
measure "library, 2 threads, proofs" ./target/release/examples/validate_corpus --jobs 2 --timeout-ms 100 "$policies"
