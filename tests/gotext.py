#!/usr/bin/env python3
"""Go's text heap profile (/debug/pprof/heap?debug=1) against Go's protobuf
of the same heap, and against go tool pprof (Python 3 standard library only).

Usage:
    gotext.py HEAPDIFF SOURCE_ROOT            suite cli: no go needed
    gotext.py --oracle HEAPDIFF SOURCE_ROOT   suite oracle: SKIP (77) without go

Without --oracle, on testdata/gotext/heap.txt and heap.pb.gz (one heap in
both forms, written by testdata/gen/heapserve -capture): heapdiff top gives
the same flat and cum for every name, at functions, filefunctions, files
and lines granularity, for each of the four sample types; so does the text
gzip'd, and through standard input; heapdiff diff of the two finds no
change.

With --oracle: builds testdata/gen/heapserve (offline, as regen.sh does)
and runs it at sampling rates 4096, 512 and 1 (GOMAXPROCS=2).  For each: a
GC through its /gc endpoint, then /debug/pprof/heap?debug=1, the protobuf
/debug/pprof/heap and ?debug=1 again (the GC is off and the program idle,
so nothing new is published: both texts must read the same), and:
  1. heapdiff on the text equals heapdiff on the protobuf, every function
     (and every line, at lines granularity), flat and cum, every type;
  2. it equals go tool pprof -top on the protobuf (Go's own inlining);
  3. it equals go tool pprof -top BINARY TEXT, which symbolizes the text's
     addresses with the binary, for every function but two legitimate
     differences:
       - runtime.goexit, at the root of every goroutine's stack: Go's
         writers leave it out (printStackRecord hides it from the "#"
         lines, the protobuf writer drops it), pprof symbolizes it;
       - inlining: cmd/pprof names an address by the pclntab
         (debug/gosym's PCToLine, cmd/pprof/pprof.go: SourceLine), which
         gives the physical function only, so an inlined function's
         values go to the function it was inlined into; the text's "#"
         lines (runtime.CallersFrames) and the protobuf name the inlined
         function.  The functions concerned are read off the text: frames
         whose PC minus offset (their physical function's entry) is the
         entry of frames of another name.
       - pruning: pprof gives a legacy heap profile the drop_frames of C++
         allocators (legacy_profile.go's allocRxStr, runtime\..* among
         them) and cuts a stack at a runtime frame below a frame of the
         program: heapserve's main.keepOnPanic, a deferred call run by
         runtime.gopanic, shows under main.unwind; heapdiff reads the text
         as Go's protobuf (no drop_frames).  The samples with such a frame,
         read off the text, are left out of this comparison (--ignore).
     That these are all is checked too: pprof BINARY TEXT without
     runtime.goexit equals pprof -noinlines on the protobuf, every function,
     those samples left out;
   A third difference is Go's own, between its two writers, and all four
   comparisons leave out the samples it touches (--ignore/-ignore, said
   on the output when it happens, at rate 1 about every run): where a
   stack's first frame after the hidden runtime ones is an inlined
   function named outside the runtime but living in it (time.resetTimer
   in runtime.(*scavengerState).sleep), printStackRecord stops hiding at
   it, while the protobuf writer, asking runtime.FuncForPC of return
   addresses, may see only runtime names and then hide nothing; the text
   lacks the frames the protobuf has (runtime.doaddtimer, ...), and no
   reader can know them without the binary;
  4. the text without its "#" lines (addresses only) equals go tool pprof
     -symbolize=none at addresses granularity, every address.
The server is stopped through /quit (killed if that fails).

Prints "gotext: N passed, M failed" (N counts checks: a function's flat
and cum of one sample type in one comparison); exits 1 on any failure.
"""
import gzip
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import oracle  # noqa: E402  (its pprof runner and parsers)

TYPES = [("alloc_objects", "count"), ("alloc_space", "bytes"),
         ("inuse_objects", "count"), ("inuse_space", "bytes")]
RATES = [4096, 512, 1]
GOEXIT = "runtime.goexit"

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)
    return ok


def heapdiff_top(heapdiff, path, stype, gran="functions", stdin=None, extra=()):
    cmd = [heapdiff, "top", "--format", "json", "--top", "0",
           "--sample-index", stype, "--granularity", gran] + list(extra) + \
          ["-" if stdin else path]
    p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd),
                                       p.stderr.decode("utf-8", "replace")))
    doc = json.loads(p.stdout)
    rows = [(f["name"], f["flat"][0], f["cum"][0]) for f in doc["functions"]]
    return rows, doc["profiles"][0]["total"]


def pprof_top(pprof, args, stype, unit, paths):
    cmd = pprof.cmd + ["-top", "-nodecount=0", "-nodefraction=0",
                       "-edgefraction=0", "-sample_index=" + stype] + args
    if oracle.pprof_knows_unit(unit):
        cmd.append("-unit=" + unit)
    rc, out, err = oracle.run(cmd + paths)
    if rc != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd + paths), oracle.first_lines(err)))
    rows, _ = oracle.parse_pprof_top(out)
    return rows


def compare(label, a, b, skip=()):
    """Every name of rows a and b (missing: 0), flat and cum; skip: names
    left out.  Returns how many names were compared."""
    fa, ca, _ = oracle.fold(a)
    fb, cb, _ = oracle.fold(b)
    names = sorted((set(fa) | set(fb)) - set(skip))
    bad = []
    for n in names:
        x = (fa.get(n, 0), ca.get(n, 0))
        y = (fb.get(n, 0), cb.get(n, 0))
        same = oracle.equal(x[0], y[0]) and (x[1] is None or y[1] is None or
                                             oracle.equal(x[1], y[1]))
        if not same:
            bad.append("    %s: %s vs %s" % (n, x, y))
    if check(not bad, "%s: %d of %d names differ" % (label, len(bad), len(names))):
        return len(names)
    for line in bad[:20]:
        print(line)
    return len(names)


# ---------------------------------------------------------------- no go

def committed(heapdiff, root):
    d = os.path.join(root, "testdata", "gotext")
    text, proto = os.path.join(d, "heap.txt"), os.path.join(d, "heap.pb.gz")
    with tempfile.TemporaryDirectory() as tmp:
        gz = os.path.join(tmp, "heap.txt.gz")
        with open(text, "rb") as f, open(gz, "wb") as g:
            g.write(gzip.compress(f.read(), mtime=0))
        for stype, _ in TYPES:
            for gran in ("functions", "filefunctions", "files", "lines"):
                a, ta = heapdiff_top(heapdiff, text, stype, gran)
                b, tb = heapdiff_top(heapdiff, proto, stype, gran)
                check(ta == tb and ta > 0, "%s totals: %d vs %d" % (stype, ta, tb))
                n = compare("committed text vs protobuf, %s, %s" % (stype, gran), a, b)
                check(n >= 4, "%s, %s: only %d names" % (stype, gran, n))
            a, _ = heapdiff_top(heapdiff, text, stype)
            check(len(a) > 10, "%s: only %d functions" % (stype, len(a)))
            c, _ = heapdiff_top(heapdiff, gz, stype)
            with open(text, "rb") as f:
                s, _ = heapdiff_top(heapdiff, None, stype, stdin=f)
            check(c == a and s == a, "%s: gzip'd or through stdin, the text reads differently"
                  % stype)
    p = subprocess.run([heapdiff, "diff", "--format", "json", "--top", "0", proto, text],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    doc = json.loads(p.stdout) if p.returncode == 0 else {}
    changed = [f["name"] for f in doc.get("functions", [])
               if f["delta_flat"] or f["delta_cum"]]
    check(p.returncode == 0 and doc["totals"]["delta"] == 0 and not changed,
          "diff protobuf -> text: exit %d, changed %s" % (p.returncode, changed[:5]))


# ---------------------------------------------------------------- oracle

def build(go, root, tmp):
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod", GO111MODULE="on")
    base = os.environ.get("TMPDIR", "/tmp")
    env.setdefault("GOCACHE", os.path.join(base, "heapdiff-gocache"))
    env.setdefault("GOPATH", os.path.join(base, "heapdiff-gopath"))
    exe = os.path.join(tmp, "heapserve")
    p = subprocess.run([go, "build", "-trimpath", "-o", exe, "./heapserve"],
                       cwd=os.path.join(root, "testdata", "gen"), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("go build: " + p.stdout.decode("utf-8", "replace"))
    return exe


class Server:
    def __init__(self, exe, rate):
        env = dict(os.environ, GOMAXPROCS="2", HEAPSERVE_RATE=str(rate))
        env.pop("GODEBUG", None)
        env.pop("GOGC", None)
        self.proc = subprocess.Popen([exe], stdout=subprocess.PIPE, env=env)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError("heapserve printed no URL (%r)" % line)
        self.url = line

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=60) as r:
            return r.read()

    def stop(self):
        try:
            self.get("/quit")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()   # our own child, by its handle
            self.proc.wait()
        self.proc.stdout.close()


def inlined_names(text):
    """Names of frames that share a physical function with frames of
    another name (PC - offset: the entry of the physical function)."""
    by_entry = {}
    for line in text.decode("utf-8", "replace").splitlines():
        f = [x for x in line.split("\t") if x]
        if len(f) < 3 or f[0] != "#" or not f[1].startswith("0x") or "+0x" not in f[2]:
            continue
        name, _, off = f[2].rpartition("+")
        by_entry.setdefault(int(f[1], 16) - int(off, 16), set()).add(name)
    return set().union(*[s for s in by_entry.values() if len(s) > 1] or [set()])


RUNTIME_FILE = re.compile(r"(^|/src/)runtime/[^/]+\.go$")


def hidden_disagreements(text, inl):
    """Names that pick out the records where Go's two writers may hide
    different frames: the "#" lines begin, after hidden addresses, with an
    inlined function not named runtime.* that lives in the runtime (a
    go:linkname'd one such as time.resetTimer, inlined into
    runtime.(*scavengerState).sleep).  printStackRecord stops hiding at
    its name; the protobuf writer asks runtime.FuncForPC of the return
    address, which can fall past the inlined call and name the runtime
    function around it, and when it finds no other name it hides nothing.
    The names: that first frame's and its callers' while they are inlined
    ones (inl), up to the physical function, the one go tool pprof BINARY
    names the address by."""
    names = set()
    for rec in text.decode("utf-8", "replace").split("\n\n"):
        lines = rec.strip("\n").split("\n")
        if not lines or " @ " not in lines[0] or lines[0].startswith("heap profile:"):
            continue
        addrs = [int(a, 16) for a in lines[0].split(" @ ")[1].split()]
        frames = [[x for x in l.split("\t") if x] for l in lines[1:] if l.startswith("#\t0x")]
        frames = [(f[2].rpartition("+")[0], f[3].rpartition(":")[0], int(f[1], 16))
                  for f in frames if len(f) >= 4]
        if not frames or addrs[0] - 1 == frames[0][2]:
            continue
        if frames[0][0].startswith("runtime.") or not RUNTIME_FILE.search(frames[0][1]) or \
                frames[0][0] not in inl:
            continue
        for name, _, _ in frames:
            names.add(name)
            if name not in inl:
                break
    return names


KEEP = re.compile(r"^(runtime\.panic|runtime\.reflectcall|runtime\.call[0-9]*)$")


def pruned_by_pprof(text, inl):
    """Where go tool pprof cuts the text's stacks (pprof's Prune with the
    legacy drop_frames): from the root, at the first runtime.* frame (not
    in allocSkipRxStr) below a frame of the program.  Returns the names
    of the runtime frames, and of the frames just above them (their
    physical functions, up the inlined ones): pprof filters after it
    prunes, so only those name the cut samples in both tools."""
    cuts, above = set(), set()
    for rec in text.decode("utf-8", "replace").split("\n\n"):
        frames = [[x for x in l.split("\t") if x] for l in rec.split("\n") if l.startswith("#\t0x")]
        names = [f[2].rpartition("+")[0] for f in frames if len(f) >= 4]
        user = False
        for i in range(len(names) - 1, -1, -1):
            if not names[i].startswith("runtime.") or KEEP.match(names[i]):
                user = True
            elif user:
                cuts.add(names[i])
                j = i + 1
                while j + 1 < len(names) and names[j] in inl:
                    j += 1
                above.add(names[j])
                break
    return cuts, above


def strip_frames(text):
    return b"".join(l for l in text.splitlines(True) if not l.startswith(b"#"))


def one_rate(heapdiff, pprof, exe, rate, tmp):
    srv = Server(exe, rate)
    try:
        srv.get("/gc")
        text = srv.get("/debug/pprof/heap?debug=1")
        proto = srv.get("/debug/pprof/heap")
        text2 = srv.get("/debug/pprof/heap?debug=1")
    finally:
        srv.stop()
    paths = {}
    for name, data in (("heap.txt", text), ("heap.pb.gz", proto), ("heap2.txt", text2),
                       ("stripped.txt", strip_frames(text))):
        paths[name] = os.path.join(tmp, "%d-%s" % (rate, name))
        with open(paths[name], "wb") as f:
            f.write(data)
    t, pb = paths["heap.txt"], paths["heap.pb.gz"]
    check(text.startswith(b"heap profile: ") and (b"@ heap/%d\n" % (2 * rate)) in text,
          "rate %d: the text's header" % rate)
    inl = inlined_names(text)
    check("main.newBuffer" in inl and "main.fillBuffers" in inl,
          "rate %d: inlined functions found: %s" % (rate, sorted(inl)))
    roots = hidden_disagreements(text, inl)
    check("runtime.main" not in roots, "rate %d: cannot leave out %s" % (rate, sorted(roots)))
    rx = "^(%s)$" % "|".join(re.escape(r) for r in sorted(roots)) if roots else None
    hx, px = (["--ignore", rx], ["-ignore=" + rx]) if rx else ([], [])
    cut, above = pruned_by_pprof(text, inl)
    check("runtime.gopanic" in cut and "main.unwind" in above,
          "rate %d: pprof's cuts found: %s above %s" % (rate, sorted(cut), sorted(above)))
    ry = "^(%s)$" % "|".join(re.escape(r) for r in sorted(above | roots))
    hy, py = ["--ignore", ry], ["-ignore=" + ry]
    counts = {}

    def count(what, n):
        counts[what] = counts.get(what, 0) + n

    for stype, unit in TYPES:
        tag = "rate %d, %s" % (rate, stype)
        hd, _ = heapdiff_top(heapdiff, t, stype, extra=hx)
        again, _ = heapdiff_top(heapdiff, paths["heap2.txt"], stype, extra=hx)
        compare(tag + ": text fetched twice (quiescent)", hd, again)
        count("vs protobuf", compare(tag + ": heapdiff text vs heapdiff protobuf", hd,
                                     heapdiff_top(heapdiff, pb, stype, extra=hx)[0]))
        compare(tag + ": heapdiff text vs heapdiff protobuf, lines",
                heapdiff_top(heapdiff, t, stype, "lines", extra=hx)[0],
                heapdiff_top(heapdiff, pb, stype, "lines", extra=hx)[0])
        count("vs pprof protobuf", compare(
            tag + ": heapdiff text vs pprof protobuf", hd,
            pprof_top(pprof, ["-symbolize=none"] + px, stype, unit, [pb])))
        pp_text = pprof_top(pprof, px, stype, unit, [exe, t])
        check(any(n == GOEXIT for n, _, _ in pp_text), tag + ": pprof shows no runtime.goexit")
        if stype == "inuse_space":
            check(any(n == "main.keepOnPanic" and f > 0 for n, f, _ in hd) and
                  not any(n == "main.keepOnPanic" for n, _, _ in pp_text),
                  tag + ": main.keepOnPanic, which pprof prunes")
        pp_text = pprof_top(pprof, px + py, stype, unit, [exe, t])
        count("vs pprof BINARY text", compare(
            tag + ": heapdiff text vs pprof BINARY text", heapdiff_top(
                heapdiff, t, stype, extra=hx + hy)[0], pp_text, skip=inl | {GOEXIT}))
        compare(tag + ": pprof BINARY text vs pprof -noinlines protobuf",
                [r for r in pp_text if r[0] != GOEXIT],
                pprof_top(pprof, ["-symbolize=none", "-noinlines"] + px + py, stype, unit, [pb]))
        count("stripped, addresses", compare(
            tag + ": stripped text, addresses, vs pprof",
            heapdiff_top(heapdiff, paths["stripped.txt"], stype, "addresses")[0],
            pprof_top(pprof, ["-symbolize=none", "-addresses"], stype, unit,
                      [paths["stripped.txt"]])))
    if roots:
        print("rate %d: samples under %s left out (Go's writers hide different frames there)"
              % (rate, ", ".join(sorted(roots))))
    print("rate %d: samples under %s left out of pprof BINARY text (pprof prunes at %s)"
          % (rate, ", ".join(sorted(above)), ", ".join(sorted(cut))))
    print("rate %d: %s; left out of pprof BINARY text: %s and %s" % (
        rate, ", ".join("%s %d names" % kv for kv in counts.items()),
        GOEXIT, ", ".join(sorted(inl))))
    return counts


def live(heapdiff, root):
    go = shutil.which("go")
    pprof = oracle.Pprof(go) if go else None
    if not pprof or not pprof.cmd:
        print("SKIP: go (and go tool pprof) not found")
        return 77
    with tempfile.TemporaryDirectory(prefix="gotext-") as tmp:
        bindir = os.path.join(tmp, "pprof-binaries")
        os.mkdir(bindir)
        os.environ["PPROF_BINARY_PATH"] = bindir   # as oracle.py: nothing outside
        exe = build(go, root, tmp)
        total = {}
        for rate in RATES:
            for k, v in one_rate(heapdiff, pprof, exe, rate, tmp).items():
                total[k] = total.get(k, 0) + v
    print("names compared, all rates and sample types: " +
          ", ".join("%s %d" % kv for kv in total.items()))
    return None


def main():
    args = [a for a in sys.argv[1:] if a != "--oracle"]
    if len(args) != 2:
        print(__doc__)
        return 2
    heapdiff, root = os.path.abspath(args[0]), os.path.abspath(args[1])
    start = time.time()
    if "--oracle" in sys.argv[1:]:
        rc = live(heapdiff, root)
        if rc is not None:
            return rc
    else:
        committed(heapdiff, root)
    print("gotext: %d passed, %d failed (%.1f s)" % (passed, failed, time.time() - start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
