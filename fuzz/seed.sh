#!/usr/bin/env bash
# Seeds fuzz/corpus/<target> from ../shared/corpus at fuzz time (never committed: see .gitignore).
# parse_policy gets the corpus's JSON files as they are (policies, requests and everything else);
# eval and check are structured targets whose inputs are choice streams, so they start empty.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="$here/../../shared/corpus"
if [ ! -d "$shared" ]; then
  echo "SKIPPED: $shared not found; fuzzing starts from an empty corpus" >&2
  mkdir -p "$here/corpus/parse_policy" "$here/corpus/validate" "$here/corpus/eval" "$here/corpus/check" "$here/corpus/read_template"
  exit 0
fi
mkdir -p "$here/corpus/parse_policy" "$here/corpus/validate" "$here/corpus/eval" "$here/corpus/check"
n=0
# libFuzzer's default -max_len is derived from the corpus; files over 64 KiB are skipped so the
# fuzzer works on policy-sized inputs.
while IFS= read -r -d '' f; do
  size=$(stat -c %s "$f")
  [ "$size" -le 65536 ] || continue
  cp "$f" "$here/corpus/parse_policy/$(sha1sum "$f" | cut -c1-40)"
  n=$((n + 1))
done < <(find "$shared" -type f -name '*.json' -print0)
echo "seeded $n files into fuzz/corpus/parse_policy"
# validate gets the AWS managed policies (its first byte also picks the policy kind).
m=0
for f in "$shared"/aws-managed-policies/policies/*.json; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  [ "$size" -le 65536 ] || continue
  cp "$f" "$here/corpus/validate/$(sha1sum "$f" | cut -c1-40)"
  m=$((m + 1))
done
echo "seeded $m files into fuzz/corpus/validate"
# read_template gets the CloudFormation templates (JSON and YAML) and the Terraform plans.
mkdir -p "$here/corpus/read_template"
t=0
while IFS= read -r -d '' f; do
  size=$(stat -c %s "$f")
  [ "$size" -le 65536 ] || continue
  cp "$f" "$here/corpus/read_template/$(sha1sum "$f" | cut -c1-40)"
  t=$((t + 1))
done < <(find "$shared/formats/cloudformation" "$shared/formats/terraform-plan" -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.template' \) -print0)
echo "seeded $t files into fuzz/corpus/read_template"
