#!/usr/bin/env bash
# Start-up cost of a `keyaki diff` process against `keyaki --version` (issue #11: the diff p50
# within 3x of --version; a small check at most 40 MB RSS).
#
#   benches/startup.sh                  # wall time, CPU time and peak RSS, 5 rounds over the 100 pairs
#   benches/startup.sh --rounds 10      # more rounds
#   benches/startup.sh --callgrind      # instruction counts instead (repeatable on a loaded machine)
#   benches/startup.sh --callgrind --every 4   # every 4th pair only (25 pairs: a quicker estimate)
#   benches/startup.sh --z3-floor       # what one z3 context costs by itself (see below)
#   KEYAKI=path/to/keyaki benches/startup.sh
#
# Every process is started with posix_spawn and reaped with wait4, so wall (spawn to exit) and
# user+sys CPU are the process's own. Each round runs `--version` and then every pair's
# `diff OLD NEW` once, so both see the same load. Peak RSS comes from a separate pass under
# /usr/bin/time (wait4's ru_maxrss would include the spawning Python's pages), for `--version`,
# every diff, and the small check `check NEW --baseline OLD` of every pair.
# Wall time is only meaningful on an idle machine; instructions are meaningful anywhere.
#
# The floor (session 5, measured on the 2-core Firecracker VM): every diff or check that asks
# z3 anything creates one z3 context, and a z3 4.8.12 context costs ~4.8 M instructions and
# ~4,200 minor page faults by itself: each of its two ast_managers (the second formats terms)
# starts with an 8.5 MB hash table written in full. Page faults are expensive on this VM
# (~2 us each from the lead's idle figures), so one context is ~8 ms of CPU on a loaded machine
# and about as much as three `keyaki --version` processes (--version: 5.0 M instructions, ~460
# faults). `--z3-floor` measures that cost here (libz3 through ctypes, glibc malloc). With
# transparent huge pages the faults drop ~10x (`MALLOC_CONF=thp:always`: a diff's CPU -35%)
# but peak RSS grows by ~14 MB (jemalloc then backs every arena with 2 MB pages).
#
# Session 6: a diff direction the probe answers as the search would (encodings/without-solver.md)
# or that pruning proves creates no context; 74 of the 100 pairs now start no z3 context at
# all, and such a diff costs ~1.3x the instructions of `--version` (most of both is the
# dynamic linker relocating libz3: ~3.5 M instructions before main). Peak RSS of a process
# that creates a context is ~17 MB of z3 tables + ~6 MB of libz3 text + ~5.5 MB of our own
# text (fault-around maps most of it) + the policies; without one, ~14-19 MB.
# Tried and not adopted (session 6, loaded machine; MALLOC_CONF overrides .cargo/config.toml's):
# - oversize_threshold:0 (z3's 8.5 MB tables in the thread's arena, not the huge one): small
#   check max RSS -0.7 to -2.7 MB, scan -25 MB, but a process with two contexts faults the
#   second one in again (+4,100 faults, +35% CPU on the two-context diffs);
# - narenas:1,oversize_threshold:0: -0.1 to -0.7 MB, CPU equal; too little to matter;
# - fat LTO + codegen-units=1: small check RSS -1.3 to -1.7 MB (text 7.4 -> 7.0 MB), -2 to -4%
#   instructions, but every `cargo test --release` binary would then link with fat LTO.
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
if "--z3-floor" in args:
    # One fresh process per sample: the first context of a process faults its memory in
    # (a later one may reuse what malloc kept, and costs only its instructions).
    probe = r"""
import ctypes, resource, time
z3 = ctypes.CDLL("libz3.so.4")
z3.Z3_mk_config.restype = ctypes.c_void_p
z3.Z3_mk_context_rc.restype = ctypes.c_void_p
z3.Z3_mk_context_rc.argtypes = [ctypes.c_void_p]
z3.Z3_del_context.argtypes = [ctypes.c_void_p]
for _ in range(2):
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    context = z3.Z3_mk_context_rc(z3.Z3_mk_config())
    wall = (time.perf_counter() - start) * 1e3
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1e3
    print(wall, cpu, after.ru_minflt - before.ru_minflt)
    z3.Z3_del_context(context)
"""
    first, again = [], []
    for _ in range(rounds * 4):
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.split("\n")
        first.append([float(x) for x in out[0].split()])
        again.append([float(x) for x in out[1].split()])
    for label, rows in (("first context", first), ("second context", again)):
        print(f"{label:15} wall p50 {statistics.median(r[0] for r in rows):6.2f} ms, "
              f"cpu p50 {statistics.median(r[1] for r in rows):6.2f} ms, "
              f"faults p50 {statistics.median(r[2] for r in rows):6.0f}")
    sys.exit(0)
root = os.path.join(corpus, "managed-policy-versions")
pairs = sorted(
    os.path.join(root, d) for d in os.listdir(root)
    if os.path.isfile(os.path.join(root, d, "old.json"))
)
every = int(args[args.index("--every") + 1]) if "--every" in args else 1
pairs = pairs[::every]
devnull = os.open(os.devnull, os.O_WRONLY)

def run(argv):
    """(wall ms, user+sys ms, minor page faults) of one process."""
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e6
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # diff: 0 unchanged or narrowed, 1 widened
        sys.exit(f"{' '.join(argv)} exited {code}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1e3, usage.ru_minflt

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
print(f"{'':14} {'wall p50':>9} {'wall p90':>9} {'cpu p50':>9} {'faults p50':>10}")
for name, rows in (("--version", v), ("diff", d)):
    print(f"{name:14} {statistics.median(col(rows, 0)):7.2f}ms {pct(col(rows, 0), 90):7.2f}ms "
          f"{statistics.median(col(rows, 1)):7.2f}ms {statistics.median(col(rows, 2)):10.0f}")
print(f"ratio (wall p50) {statistics.median(col(d, 0)) / statistics.median(col(v, 0)):.2f}x, "
      f"(cpu p50) {statistics.median(col(d, 1)) / statistics.median(col(v, 1)):.2f}x over {rounds} rounds")
checks = [[keyaki, "check", f"{p}/new.json", "--baseline", f"{p}/old.json"] for p in pairs]
print(f"peak RSS: --version {rss(version):.1f} MB")
for name, runs in (("diff", diffs), ("small check", checks)):
    r = [rss(a) for a in runs]
    print(f"peak RSS: {name} p50 {statistics.median(r):.1f} MB, max {max(r):.1f} MB")
PY
