#!/usr/bin/env python3
"""--format pprof round-trips through go tool pprof (issue #17; Python 3
standard library only).

Usage:
    pprof-out.py HEAPDIFF SOURCE_ROOT [-j N] [-v]

Profiles: testdata/leak-*.pb.gz, testdata/captures/run-6/*.pb.gz,
testdata/public/*/*.pb.gz and (top) Go's text testdata/gotext/heap.txt.  Sample types inuse_space, alloc_space and
inuse_objects where a profile has them (--sample-index NAME), its default
type where it has none of them (the public CPU profiles); granularities
functions and lines (and filefunctions, files on the leak pair, addresses
on the small profiles).  Cases:

  top    every profile (of parca-heap-series the first and the last)
  diff   consecutive pairs of leak-*, of run-6 (in time order) and of
         parca-heap-series
  trend  each of the three series whole

and on the leak pair: top and diff with each of --focus, --ignore, --hide,
--show; diff --normalize.

For each, heapdiff CMD --format pprof -o OUT, and then:
  1. go tool pprof -top -nodecount=0 -sample_index=0 -GRANULARITY OUT
     (-unit= the sample's own unit where pprof knows it, so every value
     prints as an exact integer: tests/oracle.py's way) equals, per name,
     flat and cum, heapdiff's own JSON of the same command (top: flat and
     cum; diff: NEW - BASE; trend: last - first);
  2. diff: it equals go tool pprof -top -diff_base BASE NEW of the inputs
     (with the same filters; not with --normalize, whose rounding is the
     engine's and tests/oracle.py's business); trend: -diff_base FIRST
     LAST, the ends in the order heapdiff used;
  3. OUT (read here by hand) has one sample type, the one chosen, the
     period type, period, time and duration of the newest profile, no
     mapping, drop_frames or keep_frames, and one non-zero value per
     sample;
  4. a second run writes the same bytes, and the gzip header's mtime is 0.
At functions granularity a frame's file is in the profile too: for the Go
programs' profiles (one file per function), viewed with -filefunctions it
gives the same numbers as heapdiff at filefunctions.

Then, once: --max-output holds for the compressed bytes; go tool pprof -http=127.0.0.1:PORT -no_browser OUT serves
/ui/top with a function of the profile in it (stopped: kill, wait), and
--format pprof to a terminal (a pty) is refused with one line and exit 2,
while -o FILE from the same terminal works.

pprof runs with PPROF_BINARY_PATH an empty directory and HOME a scratch
one, so it reads nothing outside the repository.  Without go, only the
checks that need no pprof run (4 and the terminal), then SKIP (77).
"""

import argparse
import concurrent.futures
import glob
import gzip
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import Pprof, parse_pprof_top, pprof_knows_unit, fold  # noqa: E402

TYPES = ("inuse_space", "alloc_space", "inuse_objects")
SMALL = 32 * 1024          # also addresses
LARGE = 512 * 1024         # functions only, and fewer checks
REFUSAL = ("heapdiff: refusing to write a binary pprof profile to a terminal; "
           "use -o FILE or a pipe\n")


def run(cmd, env=None, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, env=env, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


class Case:
    def __init__(self, kind, files, stype, gran, opts=()):
        self.kind, self.files, self.stype, self.gran = kind, list(files), stype, gran
        self.opts = list(opts)   # [(option, value or None)], the same in both tools

    def label(self):
        names = [os.path.relpath(f) for f in self.files]
        if len(names) > 2:
            names = [names[0], "...", names[-1]]
        opts = ["--%s%s" % (k, " " + v if v else "") for k, v in self.opts]
        return "%s %s [%s]" % (self.kind, " ".join(names),
                               ", ".join([self.stype or "default", self.gran] + opts))

    def hd_args(self):
        a = [self.kind, "--granularity", self.gran]
        if self.stype:
            a += ["--sample-index", self.stype]
        for k, v in self.opts:
            a += ["--" + k] + ([v] if v else [])
        return a + self.files

    def pprof_opts(self):
        return ["-%s%s" % (k, "=" + v if v else "") for k, v in self.opts]


class Suite:
    def __init__(self, hd, pprof, env, scratch):
        self.hd, self.pprof, self.env, self.scratch = hd, pprof, env, scratch
        self.lock = threading.Lock()
        self.passed = self.failed = 0
        self.serial = 0
        self.notes = []

    def check(self, ok, what, detail=None):
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1
                print("FAIL: %s" % what)
                for d in ([detail] if isinstance(detail, str) else detail or []):
                    print("      %s" % d)
                sys.stdout.flush()
        return ok

    def out_path(self):
        with self.lock:
            self.serial += 1
            return os.path.join(self.scratch, "out-%d.pb.gz" % self.serial)

    # ---- pprof

    def pprof_top(self, files, gran, unit, index=None, diff_base=None, opts=()):
        cmd = self.pprof.cmd + ["-top", "-nodecount=0", "-nodefraction=0",
                                "-edgefraction=0", "-symbolize=none", "-" + gran] + list(opts)
        if index is not None:
            cmd.append("-sample_index=%s" % index)
        if unit and pprof_knows_unit(unit):
            cmd.append("-unit=" + unit)
        if diff_base:
            cmd.append("-diff_base=" + diff_base)
        rc, out, err = run(cmd + files, env=self.env)
        if rc != 0:
            raise RuntimeError("pprof %s: %s" % (" ".join(cmd + files), err.strip()[:300]))
        return parse_pprof_top(out.decode("utf-8", "replace"))[0]

    def text_header(self, path):
        """Go's text heap profile as pprof reads it: period type and period
        (pprof's legacy parser sets them from the header line)."""
        rc, out, err = run(self.pprof.cmd + ["-raw", "-symbolize=none", path], env=self.env)
        if rc != 0:
            raise RuntimeError("pprof -raw %s: %s" % (path, err.strip()[:300]))
        head = {"time": 0, "duration": 0}
        for line in out.decode("utf-8", "replace").splitlines():
            k, _, v = line.partition(": ")
            if k == "PeriodType":
                head["period_type"] = tuple(v.split(" ", 1))
            elif k == "Period":
                head["period"] = int(v)
            elif k == "Samples:" or line == "Samples:":
                break
        return head

    # ---- comparisons

    def same_rows(self, what, mine, theirs, names=("heapdiff", "pprof")):
        """Per name, flat and cum; a name listed twice: flat summed only."""
        af, ac, ad = fold(mine)
        bf, bc, bd = fold(theirs)
        bad = []
        for n in list(dict.fromkeys([r[0] for r in theirs] + [r[0] for r in mine])):
            if af.get(n, 0) != bf.get(n, 0):
                bad.append("%r flat: %s %s, %s %s" % (n, names[0], af.get(n, 0), names[1],
                                                       bf.get(n, 0)))
            if n not in ad and n not in bd and ac.get(n, 0) != bc.get(n, 0):
                bad.append("%r cum: %s %s, %s %s" % (n, names[0], ac.get(n, 0), names[1],
                                                      bc.get(n, 0)))
        return self.check(not bad, "%s: %d mismatches" % (what, len(bad)), bad[:10])


# ---- profile.proto, read by hand (top-level fields, and the samples)

def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << shift
        if c < 0x80:
            return v, i
        shift += 7


def fields(b):
    """(field, wire type, value: int or bytes) of one message."""
    i, n = 0, len(b)
    while i < n:
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            ln, i = varint(b, i)
            v, i = b[i:i + ln], i + ln
        elif w == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif w == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        else:
            raise ValueError("wire type %d" % w)
        yield f, w, v


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def packed(v, w):
    if w == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append(x)
    return out


def read_profile(path, samples=True):
    """What the checks need of a profile: its sample types (type, unit),
    period type, period, time, duration, the top-level fields it has, and
    (samples) each sample's values."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    strs, types, vals, seen = [], [], [], set()
    ptype, head = (0, 0), {"period": 0, "time": 0, "duration": 0}
    for f, w, v in fields(data):
        seen.add(f)
        if f == 6:
            strs.append(v.decode("utf-8", "surrogateescape"))
        elif f in (1, 11):
            d = {k: x for k, _, x in fields(v)}
            t = (d.get(1, 0), d.get(2, 0))
            if f == 1:
                types.append(t)
            else:
                ptype = t
        elif f == 2 and samples:
            vs = []
            for k, kw, x in fields(v):
                if k == 2:
                    vs += [signed(y) for y in packed(x, kw)]
            vals.append(vs)
        elif f in (9, 10, 12):
            head[{9: "time", 10: "duration", 12: "period"}[f]] = signed(v)
    name = lambda t: (strs[t[0]], strs[t[1]])  # noqa: E731
    head["period_type"] = name(ptype)
    return {"types": [name(t) for t in types], "head": head, "fields": seen,
            "values": vals}


def json_rows(doc, kind):
    rows = []
    for fn in doc["functions"]:
        fl, cu = fn["flat"], fn["cum"]
        if kind == "top":
            rows.append((fn["name"], fl[0], cu[0]))
        else:
            rows.append((fn["name"], fl[-1] - fl[0], cu[-1] - cu[0]))
    return rows


def run_case(s, c, rows_of):
    """One case, every check; rows_of caches JSON of a command."""
    out = s.out_path()
    rc, _, err = run([s.hd] + c.hd_args() + ["--format", "pprof", "-o", out])
    if not s.check(rc == 0, "%s: heapdiff --format pprof exit %d" % (c.label(), rc), err):
        return
    data = open(out, "rb").read()
    again = s.out_path()
    rc2, _, _ = run([s.hd] + c.hd_args() + ["--format", "pprof", "-o", again])
    s.check(rc2 == 0 and open(again, "rb").read() == data,
            "%s: a second run writes the same bytes" % c.label())
    os.unlink(again)
    s.check(data[:4] == b"\x1f\x8b\x08\x00" and data[4:8] == b"\0\0\0\0",
            "%s: gzip without a name, mtime 0" % c.label(), repr(data[:10]))
    if s.pprof is None:
        return
    doc = rows_of(c.hd_args())
    st = doc["sample_type"]
    unit = st["unit"] if isinstance(st, dict) else None
    stype = st["type"] if isinstance(st, dict) else st
    what = c.label()
    try:
        mine = s.pprof_top([out], c.gran, unit, index=0)
        s.same_rows(what + ": pprof of the output vs heapdiff json", json_rows(doc, c.kind), mine)
        # --normalize: heapdiff's rounding is the engine's (oracle.py checks it
        # against pprof); here the output must carry what heapdiff computed.
        if c.kind != "top" and ("normalize", None) not in c.opts:
            paths = [p["path"] for p in doc["profiles"]]
            idx = c.stype if c.stype else None
            theirs = s.pprof_top([paths[-1]], c.gran, unit, index=idx, diff_base=paths[0],
                                 opts=c.pprof_opts())
            s.same_rows(what + ": pprof of the output vs pprof -diff_base", mine, theirs,
                        ("output", "-diff_base"))
        newest = doc["profiles"][-1]
        big = os.path.getsize(newest["path"]) > LARGE
        got = read_profile(out, samples=not big)
        if newest["path"].endswith(".txt"):   # Go's text: pprof reads its header
            want = {"head": s.text_header(newest["path"])}
        else:
            want = read_profile(newest["path"], samples=False)
        s.check(got["types"] == [(stype, unit)], what + ": one sample type, %s/%s"
                % (stype, unit), got["types"])
        s.check(got["head"] == want["head"],
                what + ": period type, period, time and duration of the newest profile",
                ["output: %r" % got["head"], "newest: %r" % want["head"]])
        s.check(not got["fields"] & {3, 7, 8}, what + ": no mapping, drop_frames or "
                "keep_frames", sorted(got["fields"]))
        s.check(big or all(len(v) == 1 and v[0] != 0 for v in got["values"]),
                what + ": one non-zero value per sample")
        # Where each function has one file, the output has it.
        doc2 = None
        if c.gran == "functions" and c.kind == "top" and "public" not in c.files[0]:
            doc2 = rows_of([a if a != "functions" else "filefunctions" for a in c.hd_args()])
        if doc2 and len(doc2["functions"]) == len(doc["functions"]):
            ff = s.pprof_top([out], "filefunctions", unit, index=0)
            s.same_rows(what + ": -filefunctions of the output vs heapdiff filefunctions",
                        json_rows(doc2, c.kind), ff)
    except (RuntimeError, ValueError) as e:
        s.check(False, what, str(e))
    finally:
        os.unlink(out)


def heap_types(path):
    """The TYPES a profile has, or [None] (its default) when none."""
    names = [t for t, _ in read_profile(path, samples=False)["types"]]
    return [t for t in TYPES if t in names] or [None]


def time_order(s, files):
    docs = json.loads(run([s.hd, "trend", "--format", "json", "--top", "1"] + files)[1])
    return [p["path"] for p in docs["profiles"]]


def build_cases(s, root):
    td = os.path.join(root, "testdata")
    leak = sorted(glob.glob(os.path.join(td, "leak-*.pb.gz")))
    run6 = sorted(glob.glob(os.path.join(td, "captures", "run-6", "*.pb.gz")))
    parca = sorted(glob.glob(os.path.join(td, "public", "parca-heap-series", "*.pb.gz")))
    public = sorted(glob.glob(os.path.join(td, "public", "*", "*.pb.gz")))
    run6 = time_order(s, run6)
    cases = []
    types = {p: heap_types(p) for p in leak + run6 + public}
    # Go's text heap profile: its period is the header's sampling rate.
    text = os.path.join(td, "gotext", "heap.txt")
    if os.path.exists(text):
        for t in TYPES:
            cases.append(Case("top", [text], t, "functions"))
    # The Parca series' profiles are alike: its ends for top, all in diff.
    tops = leak + run6 + [p for p in public if p not in parca[1:-1]]
    for p in tops:
        grans = ["functions", "lines"]
        if os.path.getsize(p) <= SMALL:
            grans.append("addresses")
        if os.path.getsize(p) > LARGE:
            grans = ["functions"]
        for t in types[p]:
            for g in grans:
                cases.append(Case("top", [p], t, g))
    for series in (leak, run6, parca):
        for a, b in zip(series, series[1:]):
            for t in types[b]:
                for g in ("functions", "lines"):
                    cases.append(Case("diff", [a, b], t, g))
        for t in types[series[-1]]:
            for g in ("functions", "lines"):
                cases.append(Case("trend", series, t, g))
    # The filters apply before the output is written; pprof filters the
    # inputs of -diff_base alike, and scales NEW as --normalize does.
    for g in ("functions", "lines"):
        for k in ("focus", "ignore", "hide", "show"):
            cases.append(Case("top", [leak[-1]], "inuse_space", g, [(k, "Handler")]))
            cases.append(Case("diff", [leak[0], leak[-1]], "inuse_space", g, [(k, "Handler")]))
        for t in TYPES:
            cases.append(Case("diff", [leak[0], leak[-1]], t, g, [("normalize", None)]))
    for g in ("filefunctions", "files"):
        for t in TYPES:
            cases.append(Case("top", [leak[-1]], t, g))
            cases.append(Case("diff", [leak[0], leak[-1]], t, g))
    return cases


# ---- once

def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def check_http(s, root):
    """pprof -http serves the output's top page."""
    out = s.out_path()
    leak = sorted(glob.glob(os.path.join(root, "testdata", "leak-*.pb.gz")))
    rc, _, err = run([s.hd, "diff", "--format", "pprof", "-o", out, leak[0], leak[-1]])
    if not s.check(rc == 0, "diff for -http: exit %d" % rc, err):
        return
    port = free_port()
    errf = tempfile.TemporaryFile()
    proc = subprocess.Popen(s.pprof.cmd + ["-http=127.0.0.1:%d" % port, "-no_browser", out],
                            stdout=errf, stderr=errf, stdin=subprocess.DEVNULL, env=s.env,
                            start_new_session=True)
    page, why = None, ""
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/ui/top" % port,
                                            timeout=10) as r:
                    page = r.read().decode("utf-8", "replace")
                break
            except OSError as e:
                why = str(e)
                time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait()
        errf.seek(0)
        log = errf.read().decode("utf-8", "replace")
        errf.close()
        os.unlink(out)
    s.check(page is not None, "pprof -http serves /ui/top", [why, log.strip()[:300]])
    if page is not None:
        s.check("main.leakyHandler" in page, "/ui/top lists main.leakyHandler",
                page[:200])


def on_tty(cmd):
    """Run cmd with a pty as stdout (stderr a pipe): (rc, tty bytes, stderr)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
    finally:
        os.close(slave)
    got = b""
    while True:
        try:
            r, _, _ = select.select([master], [], [], 30)
        except InterruptedError:
            continue
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        got += chunk
    os.close(master)
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    return p.wait(), got, err


def check_cap(s, root):
    """--max-output holds for the compressed bytes: past it, exit 2, one
    line, and no file."""
    leak = sorted(glob.glob(os.path.join(root, "testdata", "leak-*.pb.gz")))
    out = s.out_path()
    rc, _, _ = run([s.hd, "diff", "--format", "pprof", "-o", out, leak[0], leak[-1]])
    size = os.path.getsize(out)
    os.unlink(out)
    rc, _, err = run([s.hd, "diff", "--format", "pprof", "--max-output", str(size - 1),
                      "-o", out, leak[0], leak[-1]])
    s.check(rc == 2 and "output limit" in err and err.count("\n") == 1 and
            not os.path.exists(out), "--max-output %d refuses a %d-byte profile"
            % (size - 1, size), "exit %d: %s" % (rc, err))
    rc, _, err = run([s.hd, "diff", "--format", "pprof", "--max-output", str(size),
                      "-o", out, leak[0], leak[-1]])
    s.check(rc == 0 and os.path.getsize(out) == size,
            "--max-output %d takes the %d-byte profile" % (size, size), err)
    os.unlink(out)


def check_terminal(s, root):
    leak = os.path.join(root, "testdata", "leak-05.pb.gz")
    for args in (["top", leak], ["diff", leak, leak], ["top", "-o", "-", leak]):
        rc, got, err = on_tty([s.hd] + args[:1] + ["--format", "pprof"] + args[1:])
        s.check(rc == 2 and err == REFUSAL and got == b"",
                "%s --format pprof to a terminal is refused" % " ".join(args[:-1]),
                "exit %d, stderr %r, %d bytes on the terminal" % (rc, err, len(got)))
    out = s.out_path()
    rc, got, err = on_tty([s.hd, "top", "--format", "pprof", "-o", out, leak])
    s.check(rc == 0 and os.path.getsize(out) > 0 and got == b"",
            "-o FILE from a terminal works", err)
    os.unlink(out)
    rc, data, err = run([s.hd, "top", "--format", "pprof", leak])
    s.check(rc == 0 and data[:2] == b"\x1f\x8b", "to a pipe: gzip", err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("heapdiff")
    ap.add_argument("root")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    hd = os.path.abspath(args.heapdiff)
    root = os.path.abspath(args.root)
    os.chdir(root)
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="pprof-out-") as scratch:
        bindir, home = os.path.join(scratch, "bin"), os.path.join(scratch, "home")
        os.mkdir(bindir)
        os.mkdir(home)
        env = dict(os.environ, PPROF_BINARY_PATH=bindir, HOME=home)
        go = shutil.which("go")
        pprof = Pprof(go) if go else None
        if pprof is not None and pprof.cmd is None:
            pprof = None
        s = Suite(hd, pprof, env, scratch)
        cases = build_cases(s, root)
        cache, clock = {}, threading.Lock()

        def rows_of(a):
            key = tuple(a)
            with clock:
                if key in cache:
                    return cache[key]
            rc, out, err = run([hd] + list(a) + ["--format", "json", "--top", "0"])
            if rc != 0:
                raise RuntimeError("heapdiff json: exit %d: %s" % (rc, err))
            doc = json.loads(out)
            with clock:
                cache[key] = doc
            return doc

        def work(c):
            t = time.time()
            try:
                run_case(s, c, rows_of)
            except Exception as e:  # a bug here must not look like a pass
                s.check(False, "%s: %r" % (c.label(), e))
            if args.verbose:
                print("%.2f s %s" % (time.time() - t, c.label()))

        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as ex:
            list(ex.map(work, cases))
        check_terminal(s, root)
        check_cap(s, root)
        if pprof is not None:
            check_http(s, root)
    print("pprof-out: %d cases, %d passed, %d failed (%.1f s)"
          % (len(cases), s.passed, s.failed, time.time() - start))
    if s.failed:
        return 1
    if pprof is None:
        print("SKIP: go not found: the round trip through go tool pprof was not checked")
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
