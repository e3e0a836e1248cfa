#!/usr/bin/env python3
"""Refusals say what is wrong once (Python 3 standard library only).

Usage: cli-messages.py HEAPDIFF SOURCE_ROOT

lib/ words its errors without naming options, and cmd/ names the option:
by a prefix ("--fail-on RULE: ..."), by inserting it ("invalid --focus
regular expression"), or by a "(see --max-size)".  Two of those on one
message said it twice ("--fail-on leak: --fail-on leak needs ...").  For
every refusal below: exit 2, nothing on stdout, one line on stderr that
begins "heapdiff: ", names each option at most once, and says what it
must (the golden suite holds the exact texts).

Prints `cli-messages: N passed, M failed`; exits 1 on any failure.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402

HEAPDIFF = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
L0, L1, L5 = ("testdata/leak-%02d.pb.gz" % i for i in (0, 1, 5))
C1, C2 = "testdata/cache-v1.pb.gz", "testdata/cache-v2.pb.gz"
GOTEXT_PB, GOTEXT_TXT = "testdata/gotext/heap.pb.gz", "testdata/gotext/heap.txt"

# (what, argv, what the line must contain)
CASES = [
    ("leak rule on a diff", ["diff", "--fail-on", "leak", C1, C2], "heapdiff trend"),
    ("leak rule with a limit", ["trend", "--fail-on", "leak:+1", L0, L1], "no limit"),
    ("malformed rule", ["diff", "--fail-on", "total:8pct", C1, C2], "--fail-on"),
    ("a fraction of a byte in a rule", ["diff", "--fail-on", "func:+0.5", C1, C2],
     "not a whole number of bytes"),
    ("a rule on a missing type", ["diff", "--fail-on", "cpu/total:+1%", C1, C2], "'cpu'"),
    ("a rule on a missing type, trend", ["trend", "--fail-on", "cpu/total:+1%", L0, L1], "'cpu'"),
    ("a fraction of a byte, --min-growth", ["trend", "--min-growth", "0.05", L0, L1],
     "not a whole number of bytes"),
    ("a fraction of a byte, --max-size", ["top", "--max-size", "0.5", L0],
     "not a whole number of bytes"),
    ("bad --focus", ["top", "--focus", "(", L0], "--focus"),
    ("bad --app", ["diff", "--app", "(", L0, L5], "--app"),
    ("bad --app, trend", ["trend", "--app", "a(", L0, L1], "--app"),
    ("past --max-size", ["top", "--max-size", "1kb", L0], "--max-size"),
    ("past --max-frames", ["top", "--max-frames", "145", L0], "--max-frames"),
    ("past --max-output", ["diff", "--max-output", "1KiB", L0, L5], "--max-output"),
    ("past --max-output, a rule on another type",
     ["diff", "--max-output", "1KiB", "--fail-on", "inuse_objects/total:+1%", L0, L5],
     "--max-output"),
    ("html for top", ["top", "--format", "html", L0], "--format html"),
    ("bad --order", ["trend", "--order", "size", L0, L1], "--order"),
    ("--order time without a time stamp", ["trend", "--order", "time", GOTEXT_PB, GOTEXT_TXT],
     "time stamp"),
    ("bad --sample-index", ["top", "--sample-index", "cpu", L0], "cpu"),
]


def named_twice(msg):
    """Options named twice, unless with two different values ("--format
    html is for trend only; use --format svg" names two values)."""
    seen = {}
    for opt, value in re.findall(r"(--[a-z][a-z0-9-]*)(?![a-z0-9-])(?: ([a-z0-9_:+%.]+))?", msg):
        seen.setdefault(opt, []).append(value.rstrip(":.") if value else "")
    return [o for o, vals in seen.items()
            if len(vals) > 1 and ("" in vals or len(set(vals)) < len(vals))]


def main():
    t = Checks()
    env = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8")
    for what, argv, needle in CASES:
        p = subprocess.run([HEAPDIFF] + argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.stdout.decode(), p.stderr.decode("utf-8", "replace")
        t.check(p.returncode == 2 and out == "" and err.count("\n") == 1 and
                err.startswith("heapdiff: ") and err.endswith("\n"),
                "%s: exit 2, nothing on stdout, one line on stderr" % what, (p.returncode, err))
        t.check(not named_twice(err), "%s: each option named once" % what,
                (named_twice(err), err))
        t.check(needle in err, "%s: says %r" % (what, needle), err)
        t.check(err.count("heapdiff trend") <= 1, "%s: says 'heapdiff trend' at most once" % what,
                err)
    print("cli-messages: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
