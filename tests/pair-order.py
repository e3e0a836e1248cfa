#!/usr/bin/env python3
"""A diff is the same however its profiles are read.

Usage: python3 tests/pair-order.py HEAPDIFF SRCDIR SYNTHDIR

heapdiff diff reads BASE, puts it into the model and frees it before it
reads NEW (so that the two are never in memory together), prunes BASE
with BASE's own drop_frames meanwhile, and reads BASE a second time when
NEW's turn out different (pprof prunes both with NEW's).  BASE from a
pipe (a FIFO here, under the same file name) cannot be read twice, so
both are read first, as they are for a --fail-on rule on another sample
type (which reads them again).  For every pair below, in text, JSON and
with --normalize, these must print the same report, the paths aside.  The pairs: a Go
leak and its reverse, two builds, synth-drop-base (no drop_frames)
against synth-drop and back (BASE read again), synth-drop against
itself, the Go text format, jemalloc dumps, Java heap dumps.

Only the Python 3 standard library is used.  The last line is
"pair-order: N passed, M failed".
"""

import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402


def run(hd, args):
    try:
        p = subprocess.run([hd] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return -1, b"", b"hung for a minute"
    return p.returncode, p.stdout, p.stderr


def through_fifo(path, tmp):
    """A FIFO named as path is, fed path's bytes by a thread."""
    d = tempfile.mkdtemp(dir=tmp)
    fifo = os.path.join(d, os.path.basename(path))
    os.mkfifo(fifo)

    def feed():
        with open(path, "rb") as src, open(fifo, "wb") as dst:
            try:
                dst.write(src.read())
            except BrokenPipeError:
                pass
    t = threading.Thread(target=feed, daemon=True)
    t.start()
    return fifo, t


def same_paths(out, paths):
    """out with each of paths (longest first) replaced by its base name."""
    for p in sorted(paths, key=len, reverse=True):
        out = out.replace(p.encode(), os.path.basename(p).encode())
    return out


def main():
    hd, src, synth = sys.argv[1], sys.argv[2], sys.argv[3]
    td = os.path.join(src, "testdata")
    pairs = [
        ("leak-00.pb.gz", "leak-05.pb.gz"), ("leak-05.pb.gz", "leak-00.pb.gz"),
        ("cache-v1.pb.gz", "cache-v2.pb.gz"),
        ("gotext/heap.txt", "gotext/heap.pb.gz"),
        ("native/je.0.heap", "native/je.2.heap"),
        ("java/heapgen-0.hprof.gz", "java/heapgen-2.hprof.gz"),
    ]
    pairs = [(os.path.join(td, a), os.path.join(td, b)) for a, b in pairs]
    drop, drop_base = (os.path.join(synth, "synth-drop.pb.gz"),
                       os.path.join(synth, "synth-drop-base.pb.gz"))
    pairs += [(drop_base, drop), (drop, drop_base), (drop, drop)]
    c = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        for base, new in pairs:
            # Go's heap profiles have inuse_objects beside inuse_space.
            others = base.endswith(".pb.gz") or base.endswith(".txt")
            name = "%s -> %s" % (os.path.basename(base), os.path.basename(new))
            if not (os.path.exists(base) and os.path.exists(new)):
                c.check(False, "%s: missing" % name)
                continue
            for opts in ([], ["--format", "json"], ["--normalize"]):
                what = "%s %s" % (name, " ".join(opts) or "(text)")
                rc, want, err = run(hd, ["diff"] + opts + [base, new])
                if not c.check(rc == 0 and want, "%s: from files" % what, err):
                    continue
                fifo, t = through_fifo(base, tmp)
                rc, got, err = run(hd, ["diff"] + opts + [fifo, new])
                t.join(10)
                c.check(rc == 0 and same_paths(got, [fifo, new]) == same_paths(want, [base, new]),
                        "%s: BASE from a pipe differs" % what, err or got[:200])
                # A rule on another sample type: the report keeps both
                # profiles for it, read first; the text gains its verdict.
                if not others or "json" in opts:
                    continue
                rc, got, err = run(hd, ["diff", "--fail-on", "inuse_objects/total:+1000000000000"] +
                                   opts + [base, new])
                rest = got[len(want):]
                c.check(rc == 0 and got.startswith(want) and rest.startswith(b"\nVerdict") and
                        b"\n  pass  inuse_objects/" in rest,
                        "%s: with a rule on inuse_objects" % what, err or got[len(want):])
    print("pair-order: %d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
