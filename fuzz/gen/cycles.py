#!/usr/bin/env python3
"""A family of cycles among policy variables, run through the CLI (session 12, cycles).

Two or three keys (`aws:username`, the `team` and `project` principal tags) whose conditions
read each other (`team` like `${username}-*`, `username` equal to `${team}` ignoring case),
read themselves with text around the value (`username` like `${username}*${team}`), with
and without `*`, in every string operator (negated too), on a proposal that also puts a
template on the resource, against a baseline that does the same with another shape or
operator. Every verdict but `unknown` is what the CLI reports (counterexamples are replayed
by the engine); unknowns are printed with their reason, and a summary by reason at the end.

    fuzz/gen/cycles.py --keyaki target/release/keyaki --cases 300 --seed 1 [--timeout 5]
        [--out DIR]   (writes each unknown pair as DIR/N-{p,b}.json)
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter

KEYS = {
    "u": ("aws:username", ["${aws:username}", "${AWS:UserName}"]),
    "t": ("aws:PrincipalTag/team", ["${aws:PrincipalTag/team}", "${aws:principaltag/TEAM}",
                                     "${aws:PrincipalTag/team, 'none'}"]),
    "p": ("aws:PrincipalTag/project", ["${aws:PrincipalTag/project}"]),
}
# `X` is another key of the cycle, `S` the key itself, `Y` a third one.
SHAPES = ["X", "X", "X*", "*X", "X-*", "a-X", "S*X", "X*S", "S-X", "X/Y", "X*Y", "S*S", "X?", "?X",
          "home/X/*", "X-", "SX"]
OPERATORS = ["StringEquals", "StringLike", "StringEqualsIgnoreCase", "StringNotEquals",
             "StringNotLike", "StringNotEqualsIgnoreCase"]
RESOURCES = ["*", "arn:aws:s3:::b/T/*", "arn:aws:s3:::*T*", "arn:aws:s3:::b/U*", "arn:aws:s3:::U-T/*",
             "arn:aws:s3:::b/*", "arn:aws:s3:::bU"]


def var(r, k):
    return r.choice(KEYS[k][1])


def value(r, own, keys):
    others = [k for k in keys if k != own] or [own]
    x = r.choice(others)
    y = r.choice([k for k in keys if k != x] or [x])
    shape = r.choice(SHAPES)
    out = ""
    for c in shape:
        out += {"X": var(r, x), "S": var(r, own), "Y": var(r, y)}.get(c, c)
    return out


def conditions(r, keys):
    cond = {}
    for own in keys:
        if r.random() < 0.2:
            continue
        op = r.choice(OPERATORS)
        vals = [value(r, own, keys) for _ in range(r.choice([1, 1, 2]))]
        cond.setdefault(op, {})[KEYS[own][0]] = vals
    return cond


def resource(r, keys):
    text = r.choice(RESOURCES)
    return text.replace("T", var(r, "t")).replace("U", var(r, "u"))


def statement(r, keys, effect="Allow"):
    st = {"Effect": effect, "Action": r.choice(["s3:GetObject", ["s3:GetObject", "s3:PutObject"]])}
    st["Resource"] = resource(r, keys)
    cond = conditions(r, keys)
    if cond:
        st["Condition"] = cond
    return st


def pair(r):
    keys = r.choice([["u", "t"], ["u", "t"], ["u", "t", "p"], ["t", "p"]])
    proposed = [statement(r, keys)]
    if r.random() < 0.3:
        deny = statement(r, keys, "Deny")
        deny.pop("Action")
        deny["NotAction"] = "sqs:SendMessage"
        proposed.append(deny)
    if r.random() < 0.5:
        baseline = [statement(r, keys)]
    else:
        # The same statement with one part changed: where an inclusion decides.
        baseline = [json.loads(json.dumps(proposed[0]))]
        if r.random() < 0.5 or "Condition" not in baseline[0]:
            baseline[0]["Resource"] = resource(r, keys)
        else:
            baseline[0]["Condition"] = conditions(r, keys) or {"Null": {"aws:username": "false"}}
    if r.random() < 0.2:
        baseline.append({"Effect": "Deny", "NotAction": "sqs:SendMessage",
                         "Resource": "arn:" + var(r, "u") + ":iam::*:*"})
    return ({"Version": "2012-10-17", "Statement": proposed},
            {"Version": "2012-10-17", "Statement": baseline})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keyaki", default="target/release/keyaki")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=5)
    ap.add_argument("--out")
    args = ap.parse_args()
    verdicts = Counter()
    reasons = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.first, args.first + args.cases):
            r = random.Random(args.seed * 1_000_003 + n)
            p, b = pair(r)
            pp, bp = os.path.join(tmp, "p.json"), os.path.join(tmp, "b.json")
            json.dump(p, open(pp, "w"))
            json.dump(b, open(bp, "w"))
            run = subprocess.run([args.keyaki, "check", pp, "--baseline", bp, "--policy-type",
                                  "identity", "--timeout", str(args.timeout), "--counterexamples", "1"],
                                 capture_output=True, text=True)
            verdict = {0: "pass", 1: "fail", 3: "unknown"}.get(run.returncode, f"exit {run.returncode}")
            verdicts[verdict] += 1
            if verdict != "pass" and verdict != "fail":
                reason = (run.stdout + run.stderr).strip().splitlines()[-1:] or ["?"]
                reasons[reason[0][:120]] += 1
                print(f"case {n}: {verdict}: {reason[0][:200]}")
                print("  P", json.dumps(p))
                print("  B", json.dumps(b))
                if args.out:
                    os.makedirs(args.out, exist_ok=True)
                    json.dump(p, open(os.path.join(args.out, f"{n}-p.json"), "w"))
                    json.dump(b, open(os.path.join(args.out, f"{n}-b.json"), "w"))
    print(dict(verdicts))
    for reason, count in reasons.most_common():
        print(f"{count:5}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
