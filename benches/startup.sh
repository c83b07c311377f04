#!/usr/bin/env bash
# Start-up cost of a `keyaki diff` process against `keyaki --version` (issue #11: the diff p50
# within 3x of --version; a small check at most 40 MB RSS).
#
#   benches/startup.sh                  # wall time, CPU time and peak RSS, 5 rounds over the 100 pairs
#   benches/startup.sh --rounds 10      # more rounds
#   benches/startup.sh --callgrind      # instruction counts instead (repeatable on a loaded machine)
#   KEYAKI=path/to/keyaki benches/startup.sh
#
# Every process is started with posix_spawn and reaped with wait4, so wall (spawn to exit) and
# user+sys CPU are the process's own. Each round runs `--version` and then every pair's
# `diff OLD NEW` once, so both see the same load. Peak RSS comes from a separate pass under
# /usr/bin/time (wait4's ru_maxrss would include the spawning Python's pages), for `--version`,
# every diff, and the small check `check NEW --baseline OLD` of every pair.
# Wall time is only meaningful on an idle machine; instructions are meaningful anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
KEYAKI="${KEYAKI:-target/release/keyaki}"
CORPUS="${CORPUS:-../shared/corpus}"
if [ ! -x "$KEYAKI" ]; then
    echo "build first: cargo build --release (or set KEYAKI)" >&2
    exit 2
fi
if [ ! -d "$CORPUS/managed-policy-versions" ]; then
    echo "SKIPPED: $CORPUS/managed-policy-versions not found" >&2
    exit 0
fi
exec python3 - "$KEYAKI" "$CORPUS" "$@" <<'PY'
import os, statistics, subprocess, sys, time

keyaki, corpus, args = sys.argv[1], sys.argv[2], sys.argv[3:]
rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 5
callgrind = "--callgrind" in args
root = os.path.join(corpus, "managed-policy-versions")
pairs = sorted(
    os.path.join(root, d) for d in os.listdir(root)
    if os.path.isfile(os.path.join(root, d, "old.json"))
)
devnull = os.open(os.devnull, os.O_WRONLY)

def run(argv):
    """(wall ms, user+sys ms) of one process."""
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e6
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # diff: 0 unchanged or narrowed, 1 widened
        sys.exit(f"{' '.join(argv)} exited {code}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1e3

def rss(argv):
    """Peak RSS in MB of one process, from /usr/bin/time."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "RSS %M"] + argv,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ).stderr
    return int([l for l in out.splitlines() if l.startswith("RSS ")][-1].split()[1]) / 1024

def instructions(argv):
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ).stderr
    refs = [l for l in out.splitlines() if "refs:" in l]
    return int(refs[-1].split()[-1].replace(",", "")) / 1e6

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]

version = [keyaki, "--version"]
diffs = [[keyaki, "diff", f"{p}/old.json", f"{p}/new.json"] for p in pairs]
print(f"{keyaki}: {len(pairs)} version pairs")
if callgrind:
    v = instructions(version)
    d = [instructions(a) for a in diffs]
    print(f"--version      {v:8.1f} M instructions")
    print(f"diff p50       {statistics.median(d):8.1f} M   p90 {pct(d, 90):.1f} M   max {max(d):.1f} M")
    print(f"ratio (p50)    {statistics.median(d) / v:8.2f}x")
    sys.exit(0)
v, d = [], []
for _ in range(rounds):
    v.append(run(version))
    d.extend(run(a) for a in diffs)
col = lambda rows, i: [r[i] for r in rows]
print(f"{'':14} {'wall p50':>9} {'wall p90':>9} {'cpu p50':>9}")
for name, rows in (("--version", v), ("diff", d)):
    print(f"{name:14} {statistics.median(col(rows, 0)):7.2f}ms {pct(col(rows, 0), 90):7.2f}ms "
          f"{statistics.median(col(rows, 1)):7.2f}ms")
print(f"ratio (wall p50) {statistics.median(col(d, 0)) / statistics.median(col(v, 0)):.2f}x, "
      f"(cpu p50) {statistics.median(col(d, 1)) / statistics.median(col(v, 1)):.2f}x over {rounds} rounds")
checks = [[keyaki, "check", f"{p}/new.json", "--baseline", f"{p}/old.json"] for p in pairs]
print(f"peak RSS: --version {rss(version):.1f} MB")
for name, runs in (("diff", diffs), ("small check", checks)):
    r = [rss(a) for a in runs]
    print(f"peak RSS: {name} p50 {statistics.median(r):.1f} MB, max {max(r):.1f} MB")
PY
