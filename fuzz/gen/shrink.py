#!/usr/bin/env python3
"""Greedy shrinking of a differential pair that ends `unknown` (or any exit code).

    fuzz/gen/shrink.py PAIR.json [--keyaki target/release/keyaki] [--timeout 10]
                       [--expect 3[,1]] [--reason TEXT] [--cpu-over SECONDS] [--slow]

PAIR.json: {"proposed": {...}, "baseline": {...}, "type": "identity"|"resource",
            "resource_universe": "open"|"catalog", "action_universe": "open"|"catalog"}
(the two policies as a family prints them; `--library` checks through the library as the
families do, since the CLI's probe fallback turns many library unknowns into a fail). Deletes statements, list elements, condition
operators, keys and values, principal entries, one at a time, keeping a deletion whenever
`keyaki check` still exits with --expect (and, with --reason, still prints TEXT). Prints the
shrunk pair as JSON. Runs the CLI under `nice -n 19`; one check at a time.
"""
import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def run(args, pair):
    with tempfile.TemporaryDirectory() as d:
        p, b = os.path.join(d, "p.json"), os.path.join(d, "b.json")
        json.dump(pair["proposed"], open(p, "w"))
        json.dump(pair["baseline"], open(b, "w"))
        cmd = ["nice", "-n", "19", args.keyaki, "check", p, "--baseline", b,
               "--policy-type", pair.get("type", "identity"),
               "--resource-universe", pair.get("resource_universe", "open"),
               "--action-universe", pair.get("action_universe", "open"),
               "--timeout", str(args.timeout), "--counterexamples", args.counterexamples]
        env = None
        if args.library:
            # The library check through tests/differential_findings.rs::check_pair_file.
            pf = os.path.join(d, "pair.json")
            json.dump(pair, open(pf, "w"))
            env = dict(os.environ, KEYAKI_PAIR=pf, KEYAKI_PAIR_TIMEOUT=str(args.timeout))
            cmd = ["nice", "-n", "19", args.library, "--ignored", "--exact",
                   "check_pair_file", "--nocapture", "--test-threads", "1"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.monotonic() - started
        if args.library:
            found = [l[l.index("verdict: "):] for l in out.stdout.splitlines() if "verdict: " in l]
            line = found[0] if found else ""
            code = {"pass": 0, "fail": 1, "unknown": 3}.get(line[9:].split(" ")[0], 101)
            out = subprocess.CompletedProcess(cmd, code, line, out.stderr[-2000:])
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        text = out.stdout + out.stderr
        ok = str(out.returncode) in args.expect.split(",") and (args.reason is None or args.reason in text)
        if args.cpu_over is not None:
            ok = ok and cpu > args.cpu_over
        if args.slow:
            # Ran to the timeout (the CLI may then still print a probe counterexample, exit 1).
            ok = ok and wall >= args.timeout * 0.95
        return ok, out.returncode, text


def paths(node, prefix=()):
    """Every deletable position: list elements and object members, deepest last."""
    if isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from paths(v, prefix + (i,))
    elif isinstance(node, dict):
        for k, v in node.items():
            if k in ("Version", "Effect"):
                continue
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))


def delete(pair, path):
    out = copy.deepcopy(pair)
    node = out
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    if isinstance(node, list):
        if len(node) <= 1:
            return None
        del node[last]
    else:
        # Keep the elements a statement must have.
        if last in ("Action", "NotAction", "Principal", "NotPrincipal", "Statement"):
            return None
        del node[last]
        if not node and len(path) >= 2 and path[-2] == "Condition":
            pass
    # A statement with an empty Condition: drop the Condition.
    for side in ("proposed", "baseline"):
        for s in out[side].get("Statement", []):
            if isinstance(s, dict) and s.get("Condition") == {}:
                del s["Condition"]
            if isinstance(s, dict) and isinstance(s.get("Condition"), dict):
                for op in [o for o, keys in s["Condition"].items() if keys == {}]:
                    del s["Condition"][op]
                if s["Condition"] == {}:
                    del s["Condition"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pair")
    ap.add_argument("--keyaki", default="target/release/keyaki")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--expect", default="3", help="exit codes that count, comma-separated")
    ap.add_argument("--slow", action="store_true",
                    help="also require the check to run to --timeout (wall clock)")
    ap.add_argument("--reason")
    ap.add_argument("--cpu-over", type=float,
                    help="also require the check to take more than this many CPU seconds (a slow pair)")
    ap.add_argument("--counterexamples", default="1")
    ap.add_argument("--library", metavar="TEST_BINARY",
                    help="check through target/release/deps/differential_findings-* (the library, "
                         "as the families do) instead of the CLI; exit codes 0/1/3 for pass/fail/unknown")
    args = ap.parse_args()
    pair = json.load(open(args.pair))
    ok, code, text = run(args, pair)
    if not ok:
        print(f"the pair does not reproduce (exit {code}):\n{text}", file=sys.stderr)
        sys.exit(1)
    # One pass over the positions, parents before children; after a deletion the same index
    # names the next position. Repeated until a pass deletes nothing.
    changed = True
    while changed:
        changed = False
        for side in ("proposed", "baseline"):
            i = 0
            while True:
                positions = list(paths(pair[side]))
                if i >= len(positions):
                    break
                cand = delete(pair, (side,) + positions[i])
                if cand is not None and run(args, cand)[0]:
                    print(f"deleted {side}{list(positions[i])}", file=sys.stderr)
                    pair = cand
                    changed = True
                else:
                    i += 1
    print(json.dumps(pair))


if __name__ == "__main__":
    main()
