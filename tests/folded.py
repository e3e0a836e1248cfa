#!/usr/bin/env python3
"""Folded output test: the stacks flamegraph.pl, inferno and speedscope read.

Usage: python3 tests/folded.py HEAPDIFF DIR...

Each DIR is searched for the Parca heap series (heap-00.pb.gz ...), either
in DIR itself or in DIR/parca-heap-series.  Checks:

  * every line is "STACK VALUE" (top, --folded-columns base/new) or
    "STACK BASE NEW" (diff), values non-negative integers, stacks unique
    and sorted bytewise, output valid UTF-8;
  * flamegraph.pl's own parsing rules (its two regular expressions,
    emulated here) find the same stack and values, so a one-column line is
    never mistaken for a differential one;
  * each column sums to the profile's total from `--format json`, with
    and without --normalize (the heap series has no negative and no
    empty-stack samples);
  * frame names from tests/pprofgen.py's nasty fixture: ';' reads ':',
    a trailing " NUMBER" is protected as "_NUMBER", control characters
    are spaces and invalid UTF-8 is U+FFFD;
  * negative values clamp to 0, empty stacks and all-zero lines are left
    out, stacks that read the same after rewriting are merged, and a
    100 000-frame stack comes out whole;
  * if flamegraph.pl is installed, it turns the diff into an SVG (that
    sub-check alone is skipped, saying SKIP, when it is not).

Exit status: 0 all passed, 1 any failure.  The last line is
"folded: N passed, M failed".  Only the Python 3 standard library is used.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pprofgen  # noqa: E402
from testlib import Checks, find_series, heapdiff  # noqa: E402

ONE = re.compile(r"^(.*)\s+(\d+)$", re.ASCII)
TWO = re.compile(r"^(.*)\s+(\d+)\s+(\d+)$", re.ASCII)
# flamegraph.pl (stackcollapse output reader), both steps.
FG = re.compile(r"^(.*)\s+?(\d+(?:\.\d*)?)$", re.ASCII)




def parse(t, out, ncols, what):
    """Lines -> [(stack, [values])], checking the format on the way."""
    try:
        text = out.decode("utf-8")
        t.check(True, what + ": valid UTF-8")
    except UnicodeDecodeError as e:
        t.check(False, what + ": valid UTF-8", e)
        text = out.decode("utf-8", "replace")
    t.check(text == "" or text.endswith("\n"), what + ": ends with a newline")
    pat = ONE if ncols == 1 else TWO
    rows, bad, fg_bad = [], [], []
    for line in text.splitlines():
        m = pat.match(line)
        if not m or not m.group(1):
            bad.append(line)
            continue
        stack, vals = m.group(1), [int(x) for x in m.groups()[1:]]
        rows.append((stack, vals))
        # What flamegraph.pl makes of the line.
        m1 = FG.match(line)
        fstack, fvals = (m1.group(1), [m1.group(2)]) if m1 else (None, [])
        m2 = FG.match(fstack) if fstack is not None else None
        if m2:
            fstack, fvals = m2.group(1), [m2.group(2)] + fvals
        if fstack != stack or [int(v) for v in fvals] != vals:
            fg_bad.append(line)
    t.check(not bad, what + ": every line is STACK" + " VALUE" * ncols, bad[:3])
    t.check(not fg_bad, what + ": flamegraph.pl's parse finds the same stack and values",
            fg_bad[:3])
    stacks = [s for s, _ in rows]
    t.check(stacks == sorted(stacks, key=lambda s: s.encode("utf-8")),
            what + ": lines sorted by stack")
    t.check(len(set(stacks)) == len(stacks), what + ": stacks unique")
    t.check(all(any(v) for _, v in rows), what + ": no all-zero line")
    return rows


def sums(rows, ncols):
    return [sum(v[i] for _, v in rows) for i in range(ncols)]


def frames(rows):
    return {f for s, _ in rows for f in s.split(";")}


def folded_name(name):
    """The rewriting render-folded.c documents, on the cleaned name."""
    s = pprofgen.expected_text(name).replace(";", ":")
    return re.sub(r" ((?=[0-9.]*[0-9])[0-9.]+)$", r"_\1", s)


def test_corpus(t, hd, series):
    p = lambda i: os.path.join(series, "heap-%02d.pb.gz" % i)  # noqa: E731
    js = json.loads(heapdiff(hd, "top", "--format", "json", "--top", "1", p(3)))
    rows = parse(t, heapdiff(hd, "top", "--format", "folded", p(3)), 1, "top 03")
    t.check(sums(rows, 1) == [js["profiles"][0]["total"]],
            "top 03: the column sums to the profile total",
            (sums(rows, 1), js["profiles"][0]["total"]))

    base, new = p(0), p(9)
    js = json.loads(heapdiff(hd, "diff", "--format", "json", "--top", "1", base, new))
    totals = [js["profiles"][0]["total"], js["profiles"][1]["total"]]
    raw = heapdiff(hd, "diff", "--format", "folded", base, new)
    both = parse(t, raw, 2, "diff 00..09")
    t.check(sums(both, 2) == totals, "diff 00..09: columns sum to the profile totals",
            (sums(both, 2), totals))
    for i, which in enumerate(("base", "new")):
        what = "diff 00..09 --folded-columns " + which
        one = parse(t, heapdiff(hd, "diff", "--format", "folded", "--folded-columns",
                                which, base, new), 1, what)
        t.check(sums(one, 1) == [totals[i]], what + ": sums to the %s total" % which)
        t.check(one == [(s, [v[i]]) for s, v in both if v[i]],
                what + ": the %s column of the two-column output" % which)

    # --normalize scales NEW's samples; the model's self values carry it.
    js = json.loads(heapdiff(hd, "diff", "--normalize", "--format", "json", "--top", "1",
                             base, new))
    totals = [js["profiles"][0]["total"], js["profiles"][1]["total"]]
    rows = parse(t, heapdiff(hd, "diff", "--normalize", "--format", "folded", base, new),
                 2, "diff 00..09 --normalize")
    t.check(sums(rows, 2) == totals,
            "diff 00..09 --normalize: columns sum to the normalized totals",
            (sums(rows, 2), totals))
    return raw


def test_nasty(t, hd, tmp):
    base, new, totals = pprofgen.write_nasty_pair(tmp)
    what = "nasty diff"
    rows = parse(t, heapdiff(hd, "diff", "--format", "folded", base, new), 2, what)
    t.check(sums(rows, 2) == list(totals), what + ": columns sum to the totals",
            (sums(rows, 2), totals))
    got = frames(rows)
    for name in pprofgen.NASTY_NAMES:
        want = folded_name(name)
        t.check(want in got, "%s: frame %r written as %r" % (what, name, want))
    t.check("semi:colon" in got and "semi" not in got and "colon" not in got,
            what + ": ';' in a name becomes ':'")
    t.check("trailing_123" in got and "trailing 123" not in got and
            "version_1.5" in got, what + ": a trailing ' NUMBER' is protected")
    t.check(all(s.split(";")[0] == "main" for s, _ in rows), what + ": stacks root first")
    leaf = {s.split(";")[-1]: v for s, v in rows}
    t.check(leaf.get(folded_name(pprofgen.NASTY_NAMES[0]), [None])[0] == 0 and
            leaf.get(folded_name(pprofgen.NASTY_NAMES[-1]), [0, None])[1] == 0,
            what + ": a new frame has base 0, a gone frame new 0")


def test_edges(t, hd, tmp):
    types = [("inuse_space", "bytes")]

    path = os.path.join(tmp, "edges.pb.gz")
    pprofgen.write_profile(path, types, [
        (["a", "main"], [100]),
        ([], [7]),                   # no frames: left out
        (["b", "main"], [-5]),       # negative: clamped to 0, so left out
        (["c", "main"], [0]),        # zero: left out
        (["x;y", "main"], [3]),      # reads "x:y" ...
        (["x:y", "main"], [4]),      # ... like this one: merged
        (["n 7", "main"], [1]),      # "n 7" -> "n_7"
        (["t\t8", "main"], [2]),     # a tab shows as "\u0009": nothing to protect
    ])
    out = heapdiff(hd, "top", "--format", "folded", path)
    t.check(out == b"main;a 100\nmain;n_7 1\nmain;t\\u00098 2\nmain;x:y 7\n",
            "edges: clamping, empty stacks, merging, protection", out)

    path2 = os.path.join(tmp, "edges2.pb.gz")
    pprofgen.write_profile(path2, types, [(["a", "main"], [40]), (["d", "main"], [9])])
    out = heapdiff(hd, "diff", "--format", "folded", path, path2)
    t.check(out == b"main;a 100 40\nmain;d 0 9\nmain;n_7 1 0\nmain;t\\u00098 2 0\nmain;x:y 7 0\n",
            "edges: diff columns, zero where a stack is absent", out)

    depth = 100000
    deep = os.path.join(tmp, "deep.pb.gz")
    stack = ["f%d" % i for i in range(depth)]  # leaf first
    pprofgen.write_profile(deep, types, [(stack, [1]), (stack[1:], [2])])
    out = heapdiff(hd, "top", "--format", "folded", deep).decode()
    lines = out.splitlines()
    # The caller's stack is a prefix of the leaf's, so it sorts first.
    ok = len(lines) == 2 and lines[0] == ";".join(reversed(stack[1:])) + " 2" and \
        lines[1] == ";".join(reversed(stack)) + " 1"
    t.check(ok, "deep: a %d-frame stack comes out whole, root first" % depth,
            [len(x) for x in lines])


def test_flamegraph(t, raw, tmp):
    tool = shutil.which("flamegraph.pl") or shutil.which("inferno-flamegraph")
    if not tool:
        print("SKIP: flamegraph.pl not found (the SVG sub-check only)")
        return
    path = os.path.join(tmp, "diff.folded")
    with open(path, "wb") as f:
        f.write(raw)
    p = subprocess.run([tool, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t.check(p.returncode == 0 and b"<svg" in p.stdout,
            "%s turns the diff into an SVG" % os.path.basename(tool), p.stderr[:300])


def main():
    if len(sys.argv) < 3:
        print("usage: folded.py HEAPDIFF DIR...", file=sys.stderr)
        return 2
    hd = os.path.abspath(sys.argv[1])
    t = Checks()
    series = find_series(sys.argv[2:])
    with tempfile.TemporaryDirectory() as tmp:
        if t.check(series is not None, "the parca heap series in %s" % sys.argv[2:]):
            test_flamegraph(t, test_corpus(t, hd, series), tmp)
        test_nasty(t, hd, tmp)
        test_edges(t, hd, tmp)
    print("folded: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
