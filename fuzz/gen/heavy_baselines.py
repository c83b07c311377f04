#!/usr/bin/env python3
"""Seeded random organization baselines heavy in policy variables and ignore-case comparisons.

    fuzz/gen/heavy_baselines.py OUT_DIR [--seed 1] [--count 24]

Writes OUT_DIR/heavy-s<seed>-<i>.json: a base grant, then two to six guardrails drawn from the
shapes real ABAC baselines use, each with templates (plain, recased key names, defaults, text
around the variable, the account segment) and ignore-case or set operators. The realistic
generator (`keyaki-corpus --generated`) draws such shapes rarely; these draw nothing else.
Scan the estate against them with

    target/release/examples/keyaki-corpus --workload baselines --baselines-dir OUT_DIR \\
        --generated 0 --jsonl OUT.jsonl

A fixed SplitMix64 (not Python's `random`), so a seed names the same baselines everywhere.
"""
import argparse
import json
import os

MASK = (1 << 64) - 1


class Rng:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % max(n, 1)

    def pick(self, items):
        return items[self.below(len(items))]

    def some(self, items, least, spread):
        count = min(least + (self.below(spread) if spread else 0), len(items))
        chosen = set()
        while len(chosen) < count:
            chosen.add(self.below(len(items)))
        return [items[i] for i in sorted(chosen)]

    def chance(self, percent):
        return self.next() % 100 < percent


TAGS = ["team", "project", "cost-center", "owner"]


def variable(rng, allow_default=True):
    tag = rng.pick(TAGS)
    forms = [
        "${aws:PrincipalTag/%s}" % tag,
        "${aws:principaltag/%s}" % tag.upper(),
        "${aws:username}",
        "${AWS:UserName}",
    ]
    if allow_default:
        forms.append("${aws:PrincipalTag/%s, 'shared'}" % tag)
    return rng.pick(forms)


def if_exists(rng, op):
    return op + "IfExists" if rng.chance(50) else op


def base_grant(rng):
    return rng.pick([
        {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "ApprovedServices", "Effect": "Allow",
         "Action": ["s3:*", "dynamodb:*", "sqs:*", "secretsmanager:*", "logs:*", "ec2:*", "lambda:*"],
         "Resource": "*"},
        {"Sid": "ReadMostly", "Effect": "Allow",
         "Action": ["*:Get*", "*:List*", "*:Describe*", "sts:*"], "Resource": "*"},
    ])


def guardrail(rng, i):
    sid = lambda name: f"{name}{i}"
    kind = rng.below(10)
    v = variable(rng)
    if kind == 0:  # ABAC, ignore-case, resource tag against principal tag
        tag = rng.pick(TAGS)
        op = rng.pick(["StringEqualsIgnoreCase", "StringEquals", "StringLike"])
        return {"Sid": sid("AbacIgnoreCase"), "Effect": "Allow",
                "Action": rng.some(["ec2:*", "rds:*", "lambda:*", "ssm:*", "secretsmanager:*"], 2, 2),
                "Resource": "*",
                "Condition": {op: {f"aws:ResourceTag/{tag}": rng.pick([
                    "${aws:PrincipalTag/%s}" % tag, "${aws:principaltag/%s}" % tag.upper(),
                    "${aws:PrincipalTag/%s, 'shared'}" % tag])}}}
    if kind == 1:  # Deny outside the caller's own prefix: NotResource templates
        return {"Sid": sid("OwnPrefixOnly"), "Effect": "Deny",
                "Action": rng.some(["s3:*", "s3:PutObject", "s3:DeleteObject", "s3:GetObject"], 1, 2),
                "NotResource": rng.some([
                    f"arn:aws:s3:::corp-{v}-*", f"arn:aws:s3:::corp-data/{v}/*",
                    f"arn:aws:s3:::corp-data/home/{v}", "arn:aws:s3:::corp-shared/*",
                    f"arn:aws:s3:::{v}", f"arn:aws:s3:::{v}/*"], 1, 3)}
    if kind == 2:  # templates in the account segment and the role name
        return {"Sid": sid("PassOwnRoles"), "Effect": "Deny", "Action": "iam:PassRole",
                "NotResource": rng.some([
                    "arn:aws:iam::${aws:PrincipalAccount}:role/%s-*" % v,
                    "arn:aws:iam::${aws:PrincipalAccount}:role/app/*",
                    f"arn:aws:iam::*:role/{v}"], 1, 2)}
    if kind == 3:  # request tags must match the caller, ignoring case
        tag = rng.pick(TAGS)
        return {"Sid": sid("TagOnCreate"), "Effect": "Deny",
                "Action": rng.some(["ec2:RunInstances", "ec2:CreateVolume", "rds:CreateDBInstance",
                                    "lambda:CreateFunction", "s3:CreateBucket"], 1, 3),
                "Resource": "*",
                "Condition": {if_exists(rng, "StringNotEqualsIgnoreCase"): {
                    f"aws:RequestTag/{tag}": rng.some([v, "${aws:username}", "platform"], 1, 2)}}}
    if kind == 4:  # tag keys: set operators over templates and fixed keys
        op = rng.pick(["ForAllValues:StringEqualsIgnoreCase", "ForAllValues:StringLike",
                       "ForAnyValue:StringNotEqualsIgnoreCase", "ForAnyValue:StringEquals"])
        values = rng.some(["team", "project", "Env", v, f"{v}-*", "cost-*"], 1, 3)
        return {"Sid": sid("TagKeys"), "Effect": rng.pick(["Deny", "Allow"]),
                "Action": rng.some(["ec2:CreateTags", "s3:PutObjectTagging", "rds:AddTagsToResource"], 1, 2),
                "Resource": "*", "Condition": {if_exists(rng, op): {"aws:TagKeys": values}}}
    if kind == 5:  # home prefixes for listing
        return {"Sid": sid("HomePrefix"), "Effect": "Allow", "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::corp-data",
                "Condition": {rng.pick(["StringLike", "StringEqualsIgnoreCase"]): {
                    "s3:prefix": rng.some(["", "home/", f"home/{v}/*", f"home/{v}", f"{v}/*"], 1, 3)}}}
    if kind == 6:  # own resources only: resource account and resource tag
        return {"Sid": sid("OwnAccount"), "Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {if_exists(rng, "StringNotEquals"): {"aws:ResourceAccount": "${aws:PrincipalAccount}"},
                              if_exists(rng, "StringNotEqualsIgnoreCase"): {
                                  "aws:ResourceTag/owner": rng.some([v, "${aws:username}", "platform"], 1, 2)}}}
    if kind == 7:  # project tag derived from the team
        return {"Sid": sid("ProjectOfTeam"), "Effect": "Deny",
                "Action": rng.some(["s3:*", "dynamodb:*", "sqs:*"], 1, 2), "Resource": "*",
                "Condition": {"StringNotLike": {"aws:PrincipalTag/project": [
                    "${aws:PrincipalTag/team}-*", "${aws:PrincipalTag/team, 'shared'}"]}}}
    if kind == 8:  # per-user secrets and queues, text around the variable
        return {"Sid": sid("PerUser"), "Effect": "Allow",
                "Action": rng.some(["secretsmanager:GetSecretValue", "sqs:SendMessage",
                                    "dynamodb:GetItem", "logs:PutLogEvents"], 1, 3),
                "Resource": rng.some([
                    f"arn:aws:secretsmanager:*:${{aws:PrincipalAccount}}:secret:{v}/*",
                    f"arn:aws:sqs:*:*:{v}-queue", f"arn:aws:dynamodb:*:*:table/t-{v}-*",
                    f"arn:aws:logs:*:*:log-group:/app/{v}/*"], 1, 2)}
    # a case-folding guard: environment values in any case, the Kelvin sign among them
    return {"Sid": sid("EnvIgnoreCase"), "Effect": "Deny",
            "Action": rng.some(["ec2:TerminateInstances", "rds:DeleteDBInstance", "s3:DeleteBucket"], 1, 2),
            "Resource": "*",
            "Condition": {if_exists(rng, "StringEqualsIgnoreCase"): {
                "aws:ResourceTag/environment": rng.some(["prod", "PROD", "\u212aeep", "staging"], 1, 2)},
                "StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": rng.some(["platform", v], 1, 1)}}}


def baseline(seed, index):
    rng = Rng(seed * 1_000_003 + index)
    statements = [base_grant(rng)]
    for i in range(2 + rng.below(5)):
        statements.append(guardrail(rng, i))
    return {"Version": "2012-10-17", "Statement": statements}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=24)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.count):
        path = os.path.join(args.out, f"heavy-s{args.seed}-{i:02}.json")
        with open(path, "w") as f:
            json.dump(baseline(args.seed, i), f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
