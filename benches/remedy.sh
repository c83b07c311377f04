#!/bin/sh
# What remedies cost: CPU time (this thread's schedstat) of `check` with and without the
# remedy proofs on the 100 managed-policy version pairs, both directions, with 3 and 1
# counterexamples; then user+sys and max RSS of the CLI on the bundled failing example.
# Usage: benches/remedy.sh [CORPUS]   (default ../shared/corpus)
set -e
corpus=${1:-../shared/corpus}
cargo build --release --quiet --example remedy_cost --bin keyaki
for n in 3 1; do
  echo "== $n counterexample(s) per check"
  target/release/examples/remedy_cost "$corpus" "$n"
done
echo "== keyaki check specs/examples/s3-fail-public-bucket.json (with remedies)"
/usr/bin/time -f "user %U s, sys %S s, max RSS %M KB" \
  target/release/keyaki check specs/examples/s3-fail-public-bucket.json \
  --baseline specs/s3-baseline.policy.json > /dev/null || true
