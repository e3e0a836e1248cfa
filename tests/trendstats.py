#!/usr/bin/env python3
"""The robust trend statistics and classes of heapdiff trend (issue #15).

Usage: trendstats.py HEAPDIFF TREND_UNIT

1. An independent oracle: 400 pseudo-random series of 2 to 60 points and
   8 of 257 to 456 (where Theil-Sen bisects instead of listing the pairs),
   with ties, runs of zeros and negative values, none all zeros, go through
   the library's hd_trend_series() (TREND_UNIT --stats); Mann-Kendall's S
   must be equal,
   z and p (ties corrected, continuity corrected, two-sided) and the
   Theil-Sen slope (the median of every pair's slope) equal to 1e-9, as
   computed here from their definitions, by brute force over the pairs.
2. Synthetic Go heap profiles (tests/pprofgen.py) of a 20 MiB service at
   4, 6, 8 and 12 snapshots, through the CLI's JSON: the class of each
   behaviour, which frames are suspects (the user's code, or a frame no
   frame of the user's code calls: a sawtooth inside bytes.growSlice makes
   its caller main.poolMisuse the suspect), a caller whose own series is
   all zeros is stable (never new), and the noise floor is 0.25% of the
   median total.
3. alloc_space: totals that never decrease are analysed as increments,
   per second when the times are uneven (a steady rate is stable, a
   rising one is growing); totals that decrease are levels.

Prints `trendstats: N passed, M failed`; exits 1 on any failure.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pprofgen  # noqa: E402
from testlib import Checks  # noqa: E402

HEAPDIFF = os.path.abspath(sys.argv[1])
TREND_UNIT = os.path.abspath(sys.argv[2])
ENV = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")
MiB = 1 << 20
KiB = 1 << 10
t = Checks()


# ---- 1. Mann-Kendall and Theil-Sen from their definitions ----

def mann_kendall(y):
    n = len(y)
    s = sum((y[j] > y[i]) - (y[j] < y[i]) for i in range(n) for j in range(i + 1, n))
    groups = {}
    for v in y:
        groups[v] = groups.get(v, 0) + 1
    var = (n * (n - 1) * (2 * n + 5) - sum(g * (g - 1) * (2 * g + 5) for g in groups.values())) / 18
    if var <= 0:
        return s, math.nan, math.nan
    z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var) if s < 0 else 0.0
    return s, z, math.erfc(abs(z) / math.sqrt(2))


def theil_sen(y):
    slopes = sorted((y[j] - y[i]) / (j - i) for i in range(len(y)) for j in range(i + 1, len(y)))
    n = len(slopes)
    return slopes[n // 2] if n % 2 else (slopes[n // 2 - 1] + slopes[n // 2]) / 2


def close(a, b, tol=1e-9):
    if math.isnan(b):
        return math.isnan(a)
    return abs(a - b) <= tol * max(1.0, abs(b))


def oracle():
    seed = 12345
    series = []
    for k in range(408):
        seed = (seed * 1103515245 + 12345) % (1 << 31)
        # The last 8 are longer than 256 points: Theil-Sen bisects.
        n = 2 + seed % 59 if k < 400 else 257 + seed % 200
        vals = []
        for i in range(n):
            seed = (seed * 1103515245 + 12345) % (1 << 31)
            kind = k % 4
            if kind == 0:      # few distinct values: many ties
                v = seed % 4
            elif kind == 1:    # sparse: zeros between entries
                v = 0 if seed % 3 else (seed >> 8) % 5000
            elif kind == 2:    # a trend under noise, negative too
                v = i * 40 - 300 + (seed >> 4) % 400
            else:              # big values (bytes), exact in a double
                v = (seed >> 3) * 4096
            vals.append(v)
        if any(vals):  # an all-zero series is stable before any statistic
            series.append(vals)
    text = "".join("-1 " + " ".join(str(v) for v in s) + "\n" for s in series)
    p = subprocess.run([TREND_UNIT, "--stats"], input=text, capture_output=True, text=True)
    t.check(p.returncode == 0, "trend-unit --stats runs", p.stderr)
    lines = p.stdout.splitlines()
    t.check(len(lines) == len(series), "one answer per series", (len(lines), len(series)))
    bad = []
    for y, line in zip(series, lines):
        f = line.split()
        s, z, pv, sen = float(f[0]), float(f[1]), float(f[2]), float(f[3])
        ws, wz, wp = mann_kendall(y)
        wsen = theil_sen(y)
        if s != ws or not close(z, wz) or not close(pv, wp) or not close(sen, wsen):
            bad.append((y[:8], len(y), (s, z, pv, sen), (ws, wz, wp, wsen)))
    t.check(not bad, "S, z, p and Theil-Sen equal their definitions on %d series" % len(series),
            bad[:3])
    kinds = {}
    for y in series:
        ws, _, _ = mann_kendall(y)
        kinds["ties"] = kinds.get("ties", 0) + (len(set(y)) < len(y))
        kinds["significant"] = kinds.get("significant", 0) + (mann_kendall(y)[2] <= 0.05)
    t.check(kinds["ties"] > 150 and kinds["significant"] > 50,
            "the series have ties and significant trends", kinds)


# ---- 2. synthetic heap series through the CLI ----

TYPES = [("inuse_objects", "count"), ("inuse_space", "bytes")]


def behaviours(n):
    """{behaviour: (stack leaf first, [value per snapshot])} of one run."""
    half = n // 2
    b = {}
    b["baseline"] = (["main.loadBaseline", "main.main"], [20 * MiB] * n)
    b["steady"] = (["main.steadyLeak", "main.serve"], [(i + 1) * 256 * KiB for i in range(n)])
    # 1% of the heap (about 22 MiB) over the series, in 1 KiB of jitter.
    slow = 0.01 * 22 * MiB
    b["slow"] = (["main.slowLeak", "main.serve"],
                 [int(64 * KiB + slow * i / (n - 1) + ((i * 7) % 3 - 1) * 512) for i in range(n)])
    b["warmup"] = (["main.warmupCache", "main.serve"],
                   [int(1 * MiB + 5 * MiB * min(i, half) / half) for i in range(n)])
    b["step"] = (["main.oneStep", "main.serve"],
                 [1 * MiB if i < half else 2 * MiB for i in range(n)])
    b["seesaw"] = (["main.seeSaw", "main.serve"], [1 * MiB if i % 2 else 3 * MiB for i in range(n)])
    # A sawtooth whose floor and peaks rise, allocated in bytes.growSlice.
    b["pool"] = (["bytes.growSlice", "bytes.(*Buffer).grow", "main.poolMisuse", "main.serve"],
                 [int((1 + (i % 2) * 2.5 + i * 0.25) * MiB) for i in range(n)])
    b["noise"] = (["runtime.malg", "runtime.newproc1"],
                  [64 * KiB + ((i * 5) % 4) * 1024 for i in range(n)])
    # Growth with no frame of the user's code on the stack: its own suspect.
    b["runtime"] = (["runtime.allocm", "runtime.newm"], [(i + 1) * 192 * KiB for i in range(n)])
    # main.outer only calls main.inner: its own series is all zeros.
    b["inner"] = (["main.inner", "main.outer", "main.serve"],
                  [0] + [8 * KiB] * (n - 1))
    return b


def write_series(d, n, b, uneven=False):
    paths = []
    when = 1700000000
    for i in range(n):
        samples = [(stack, [1, vals[i]]) for stack, vals in b.values() if vals[i]]
        p = os.path.join(d, "heap-%02d.pb.gz" % i)
        pprofgen.write_profile(p, TYPES, samples, time_nanos=when * 10**9)
        when += 60 + (i * 37 % 50 if uneven else 0)
        paths.append(p)
    return paths


def trend(*args):
    p = subprocess.run([HEAPDIFF, "trend", "--format", "json", "--top", "0"] + list(args),
                       capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        t.check(False, "heapdiff trend %s" % " ".join(args[:2]), p.stderr)
        return None
    return json.loads(p.stdout)


WANT = {
    "steady": ("main.steadyLeak", "growing", True),
    "slow": ("main.slowLeak", "growing", True),
    "warmup": ("main.warmupCache", "levelled", False),
    "step": ("main.oneStep", "levelled", False),
    "seesaw": ("main.seeSaw", "fluctuating", False),
    "pool": ("main.poolMisuse", "growing", True),
    "pool-leaf": ("bytes.growSlice", "growing", False),
    "noise": ("runtime.malg", "stable", False),
    "runtime": ("runtime.allocm", "growing", True),
    "outer": ("main.outer", "stable", False),
    "baseline": ("main.loadBaseline", "stable", False),
}


def heap_runs():
    for n in (4, 6, 8, 12):
        with tempfile.TemporaryDirectory() as d:
            b = behaviours(n)
            d_ = trend(*write_series(d, n, b))
            if d_ is None:
                continue
            f = {x["name"]: x for x in d_["functions"]}
            for what, (name, cls, sus) in sorted(WANT.items()):
                row = f.get(name)
                got = row and (row["trend"]["class"], name in d_["suspects"])
                t.check(got == (cls, sus), "n %d: %s (%s) is %s%s" %
                        (n, what, name, cls, ", a suspect" if sus else ""),
                        row and (got, row["flat"]))
            want = sorted(name for name, _, sus in WANT.values() if sus)
            t.check(sorted(d_["suspects"]) == want, "n %d: exactly the leaks are suspects" % n,
                    d_["suspects"])
            totals = sorted(p["total"] for p in d_["profiles"])
            med = totals[n // 2] if n % 2 else (totals[n // 2 - 1] + totals[n // 2]) / 2
            thr = d_["classification"]["threshold"]
            t.check(thr == int(med * 0.0025), "n %d: the floor is 0.25%% of the median total" % n,
                    (thr, med))
            inner = f.get("main.inner")
            t.check(inner and inner["trend"]["class"] in ("new", "levelled") and
                    f["main.outer"]["cum"][0] == 0 and f["main.outer"]["cum"][-1] > 0,
                    "n %d: main.outer's cum appears, but only main.inner holds it" % n,
                    inner and inner["trend"]["class"])


# ---- 3. alloc_space: increments ----

ATYPES = [("alloc_space", "bytes"), ("inuse_space", "bytes")]


def alloc_runs():
    for n in (4, 6, 8, 12):
        with tempfile.TemporaryDirectory() as d:
            # Uneven intervals at a steady 1 MiB/s: the increments differ,
            # the rate does not.
            times = [0]
            for i in range(1, n):
                times.append(times[-1] + 20 + (i * 37) % 40)
            rate = [sum(2 * MiB * (k + 1) for k in range(i)) for i in range(n)]
            paths = []
            for i in range(n):
                samples = [(["main.churn", "main.serve"], [times[i] * MiB + 1, 0]),
                           (["main.rising", "main.serve"], [rate[i] + 1, 4096]),
                           (["main.keep", "main.main"], [4 * MiB, 4 * MiB])]
                p = os.path.join(d, "a-%02d.pb.gz" % i)
                pprofgen.write_profile(p, ATYPES, samples,
                                       time_nanos=(1700000000 + times[i]) * 10**9)
                paths.append(p)
            d_ = trend("--sample-index", "alloc_space", *paths)
            if d_ is None:
                continue
            f = {x["name"]: x for x in d_["functions"]}
            cls = {k: f[k]["trend"]["class"] for k in ("main.churn", "main.rising", "main.keep")}
            want = {"main.churn": "stable", "main.rising": "growing" if n > 3 else "stable",
                    "main.keep": "stable"}
            t.check(cls == want, "alloc_space, n %d: steady churn is stable, a rising rate grows"
                    % n, cls)
            t.check(d_["suspects"] == ["main.rising"], "alloc_space, n %d: the rising rate is the "
                    "one regression" % n, d_["suspects"])
            # The same churn, but the totals fall once (another process):
            # levels, and the churn's levels rise.
            paths2 = []
            for i in range(n):
                samples = [(["main.churn", "main.serve"], [times[i] * MiB + 1, 0]),
                           (["main.other", "main.serve"], [(200 * MiB if i == 1 else 0) + 1, 0])]
                p = os.path.join(d, "b-%02d.pb.gz" % i)
                pprofgen.write_profile(p, ATYPES, samples,
                                       time_nanos=(1700000000 + times[i]) * 10**9)
                paths2.append(p)
            d2 = trend("--sample-index", "alloc_space", *paths2)
            if d2 is None:
                continue
            f2 = {x["name"]: x for x in d2["functions"]}
            t.check(f2["main.churn"]["trend"]["class"] == "growing",
                    "alloc_space, n %d: totals that fall are levels" % n,
                    f2["main.churn"]["trend"]["class"])


def main():
    oracle()
    heap_runs()
    alloc_runs()
    print("trendstats: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
