#!/usr/bin/env python3
"""Shapes at the edges of issue #7's matrix, through the real CLI.

    stress.py HEAPDIFF

- a stack 100 000 frames deep (distinct functions, and one function
  recursing 100 000 times): top, diff, folded, svg and json all work, and
  the numbers are exact (no recursion in heapdiff may depend on depth);
- a profile with a million distinct functions: top and diff work and the
  totals are exact;
- sample types but no samples: total 0, every percentage n/a, never
  "nan" or "inf";
- values near INT64_MAX whose sums overflow: the totals saturate at
  INT64_MAX and the text says nothing absurd.

Times are printed, not asserted: speed is the benchmark's business
(tests/bench/run.sh).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pprofgen import write_profile  # noqa: E402
from testlib import Checks  # noqa: E402

TYPES = [("inuse_space", "bytes")]
INT64_MAX = (1 << 63) - 1


def run(heapdiff, *args):
    t = time.monotonic()
    p = subprocess.run([heapdiff] + list(args), capture_output=True)
    return p, time.monotonic() - t


def rows_by_name(doc):
    return {r["name"]: r for r in doc["functions"]}


def main():
    heapdiff = os.path.abspath(sys.argv[1])
    c = Checks()
    with tempfile.TemporaryDirectory() as d:
        # 100 000 distinct frames in one stack, plus a small second sample.
        deep = ["f%06d" % i for i in range(100000)]
        write_profile(os.path.join(d, "deep-a.pb.gz"), TYPES,
                      [(deep, [1000]), (["leaf", "main"], [5])])
        write_profile(os.path.join(d, "deep-b.pb.gz"), TYPES,
                      [(deep, [3000]), (["leaf", "main"], [5])])
        # One function recursing 100 000 times: its cum counts once.
        write_profile(os.path.join(d, "recurse.pb.gz"), TYPES,
                      [(["rec"] * 100000 + ["main"], [7])])
        a, b = os.path.join(d, "deep-a.pb.gz"), os.path.join(d, "deep-b.pb.gz")

        p, t = run(heapdiff, "diff", a, b, "--format", "json", "--top", "0")
        print("deep diff json: %.2f s" % t)
        if c.check(p.returncode == 0, "deep diff exits 0", p.stderr[-300:]):
            doc = json.loads(p.stdout)
            rows = rows_by_name(doc)
            c.check(doc["totals"]["delta"] == 2000, "deep diff total delta 2000", doc["totals"])
            root = rows.get("f099999")
            c.check(root is not None and root["cum"] == [1000, 3000] and root["flat"] == [0, 0],
                    "outermost of 100 000 frames: cum 1000 -> 3000, flat 0", root)
            leaf = rows.get("f000000")
            c.check(leaf is not None and leaf["delta_flat"] == 2000, "innermost frame: flat +2000", leaf)
        for fmt in ("text", "markdown", "folded", "svg"):
            p, t = run(heapdiff, "diff", a, b, "--format", fmt)
            print("deep diff %s: %.2f s, %d bytes" % (fmt, t, len(p.stdout)))
            c.check(p.returncode == 0 and p.stdout, "deep diff --format %s works" % fmt, p.stderr[-300:])
        p, _ = run(heapdiff, "diff", a, b, "--format", "folded")
        if p.returncode == 0:
            lines = p.stdout.decode().splitlines()
            deepest = [ln for ln in lines if ln.count(";") == 99999]
            c.check(len(deepest) == 1 and deepest[0].endswith(" 1000 3000"),
                    "folded: the 100 000-frame stack is one line, values 1000 3000",
                    [ln[-40:] for ln in deepest])
        p, _ = run(heapdiff, "top", os.path.join(d, "recurse.pb.gz"), "--format", "json")
        if c.check(p.returncode == 0, "100 000-deep recursion: top exits 0", p.stderr[-300:]):
            rows = rows_by_name(json.loads(p.stdout))
            rec = rows.get("rec")
            c.check(rec is not None and rec["cum"] == [7] and rec["flat"] == [7],
                    "recursion counted once: rec flat 7, cum 7", rec)

        # A million distinct functions: 100 000 samples of 10 frames each.
        samples = [(["g%07d" % (i * 10 + k) for k in range(10)], [i + 1]) for i in range(100000)]
        million = os.path.join(d, "million.pb.gz")
        write_profile(million, TYPES, samples)
        total = sum(v[0] for _, v in samples)
        for args in (("top", million, "--format", "json"),
                     ("diff", million, million, "--format", "json")):
            p, t = run(heapdiff, *args)
            print("million functions %s: %.2f s" % (args[0], t))
            if c.check(p.returncode == 0, "a million functions: %s exits 0" % args[0], p.stderr[-300:]):
                doc = json.loads(p.stdout)
                want = {"top": total, "diff": 0}[args[0]]
                got = doc["profiles"][0]["total"] if args[0] == "top" else doc["totals"]["delta"]
                c.check(got == want, "a million functions: %s total %d" % (args[0], want), got)
                if args[0] == "top":
                    c.check(doc["frames_total"] == 1000000, "a million frames", doc["frames_total"])

        # Sample types, no samples: total 0 and no division by zero.
        empty = os.path.join(d, "empty.pb.gz")
        write_profile(empty, TYPES, [])
        for args in (("top", empty), ("diff", empty, empty), ("diff", empty, a),
                     ("trend", empty, empty, a)):
            for fmt in ("text", "markdown", "json", "svg"):
                p, _ = run(heapdiff, *args, "--format", fmt)
                out = p.stdout.decode("utf-8", "replace").lower()
                c.check(p.returncode == 0 and "nan" not in out.replace("nanos", "") and
                        "inf" not in out.replace("info", ""),
                        "no samples: %s %s exits 0 without nan/inf" % (args[0], fmt),
                        (p.returncode, p.stderr[-200:]))

        # Values whose sums overflow int64: saturate at INT64_MAX.
        big = os.path.join(d, "big.pb.gz")
        write_profile(big, TYPES, [(["x", "main"], [INT64_MAX]), (["y", "main"], [INT64_MAX])])
        p, _ = run(heapdiff, "top", big, "--format", "json")
        if c.check(p.returncode == 0, "INT64_MAX values: top exits 0", p.stderr[-300:]):
            doc = json.loads(p.stdout)
            c.check(doc["profiles"][0]["total"] == INT64_MAX, "sum of two INT64_MAX saturates",
                    doc["profiles"][0])
            rows = rows_by_name(doc)
            c.check(rows["main"]["cum"] == [INT64_MAX], "cum saturates", rows["main"]["cum"])
        p, _ = run(heapdiff, "diff", big, empty, "--normalize")
        c.check(p.returncode == 2 or p.returncode == 0, "normalizing against 0 does not crash",
                (p.returncode, p.stderr[-200:]))

    print("stress: %d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
