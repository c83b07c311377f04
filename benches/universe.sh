#!/bin/sh
# The resource universe on the 100 managed-policy version pairs (both directions): verdicts and
# timing in the open and catalog universes (encodings/resource-universe.md). Run from the crate root
# on an idle machine; the verdict counts do not depend on load, the times do.
set -e
cargo build --release --example keyaki-corpus
for universe in open catalog; do
  echo "== --resource-universe $universe"
  ./target/release/examples/keyaki-corpus --workload versions --shared-context \
    --resource-universe "$universe" --jsonl "/tmp/keyaki-universe-$universe.jsonl" | grep -E '^\| (workload|versions)'
done
# The pairs whose verdict differs (expected: open fail -> catalog pass, never the reverse).
python3 - <<'PY'
import json
seen = {}
for universe in ("open", "catalog"):
    for line in open(f"/tmp/keyaki-universe-{universe}.jsonl"):
        row = json.loads(line)
        seen.setdefault(row["label"], {})[universe] = row["verdict"]
for label, verdicts in sorted(seen.items()):
    if verdicts["open"] != verdicts["catalog"]:
        print(f"{label}: open {verdicts['open']}, catalog {verdicts['catalog']}")
PY
