#!/usr/bin/env python3
"""Oracle test of the native (C, C++) heap profiles: heapdiff against jeprof
for jemalloc dumps and against `go tool pprof` for tcmalloc dumps.

Usage: native-oracle.py --heapdiff PATH [--fresh] DIR...

Each DIR holds a binary `leak` and its dumps (testdata/gen/native/make.sh
writes them): je.N.heap (jemalloc, every allocation sampled), jes.N.heap
(jemalloc at rate 2^12), tc.000N.heap (tcmalloc); and the C++ binary
`leakxx` with jexx.N.heap and tcxx.000N.heap.  With --fresh, the first
DIR is made anew by make.sh before the comparison.

For every dump and sample type, and for the first -> last pair of each kind:
  jemalloc: jeprof --text --show_bytes --SAMPLETYPE [--base=BASE] leak DUMP
  tcmalloc: go tool pprof -top -nodecount=0 -nodefraction=0 -edgefraction=0
            -unit=B -sample_index=T
            [-diff_base=BASE] leak DUMP
against heapdiff top|diff --format json --top 0 --binary leak, flat and cum
of every function of leak.c, to the byte.  Two differences are allowed and
checked as such:
  * jeprof adds the unsampled values as floats and truncates the sum;
    heapdiff truncates each stack's value (as pprof does), so on the sampled
    jes.* dumps heapdiff may be below jeprof by less than one byte per stack
    of the dump, and never above (in a diff, either way).  On je.* (rate 1) they must be equal.
  * new_block is inlined into leak_one.  jeprof shows it as
    "new_block (inline)", heapdiff as new_block (both from the DWARF); Go
    1.19's pprof does not expand it, so its leak_one holds new_block's flat:
    heapdiff runs with --hide '^new_block$' against pprof.
Each tcmalloc case runs twice: on the dump, and on the pprof profile of
addresses only that `go tool pprof -symbolize=none -proto DUMP` writes of it
(mappings with has_functions false), which heapdiff names the same way.
C++ (leakxx): the frames are compared by their demangled names, so a name
heapdiff spells otherwise than the oracle fails.  The oracle is jeprof for
both allocators (jeprof reads gperftools' profiles too):
  * go tool pprof 1.19 names no C++ frame of leakxx on Debian bookworm (its
    -top shows their bytes under "[leakxx]", file and line without a
    function), so it cannot judge them.
  * jeprof tells the two overloads store::churn(int) and churn(double) apart
    as "store::churn@ADDR"; pprof's simplified names, and heapdiff's, make
    them one function: the oracle's flat is their sum, its cum the larger
    (churn(double) calls churn(int)).
  * jemalloc (jexx): the stripped libjemalloc has no symbol for its
    operator new's slow path (newImpl, below _Znwm), which jeprof calls
    "malloc_usable_size", the nearest export it finds, and does not prune,
    so every byte is that frame's flat in jeprof; heapdiff prunes the
    allocator's frames, as pprof would.  Only cum is compared on jexx.
Exit status 0, 1 on a mismatch, 77 (SKIP) when jeprof, go and the dumps are
all missing.  Last line: "native-oracle: N passed, M failed".
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

OWN = {"leak_one", "new_block", "leak", "churn", "fill_cache", "main"}
OWNXX = {"store::Pool::grow", "store::churn", "fill_cache", "main", "std::vector::push_back",
         "std::vector::emplace_back", "std::vector::_M_realloc_insert",
         "std::__cxx11::basic_string::_M_construct", "std::__cxx11::basic_string::basic_string",
         "std::__new_allocator::allocate", "std::allocator_traits::allocate",
         "std::_Vector_base::_M_allocate"}
# kind -> (binary, functions compared, compare flat)
KINDS = {"je": ("leak", OWN, True), "jes": ("leak", OWN, True), "tc": ("leak", OWN, True),
         "jexx": ("leakxx", OWNXX, False), "tcxx": ("leakxx", OWNXX, True)}
JE_TYPES = ["inuse_space", "inuse_objects", "alloc_space", "alloc_objects"]


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr[-500:]))
    return p.stdout


def heapdiff(hd, d, t, dumps, hide=None, binary="leak"):
    cmd = [hd, "diff" if len(dumps) == 2 else "top", "--format", "json", "--top", "0",
           "--sample-index", t, "--binary", binary]
    if hide:
        cmd += ["--hide", hide]
    out = json.loads(run(cmd + dumps, d))
    res = {}
    for f in out["functions"]:
        fl, cu = f["flat"], f["cum"]
        if len(fl) == 2:
            res[f["name"]] = (fl[1] - fl[0], cu[1] - cu[0])
        else:
            res[f["name"]] = (fl[0], cu[0])
    return res


ROW = re.compile(r"^\s*(-?[\d.]+)B?\s+\S+%\s+\S+%\s+(-?[\d.]+)B?\s+\S+%\s+(.*)$")


def parse_rows(text):
    res = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            name = m.group(3).strip()
            name = re.sub(r" \(inline\)$", "", name)
            # jeprof's "f@ADDR": one of several functions of one short name
            name = re.sub(r"@[0-9a-f]+$", "", name)
            fl, cu = int(float(m.group(1))), int(float(m.group(2)))
            if name in res:
                ofl, ocu = res[name]
                fl, cu = ofl + fl, max(ocu, cu, key=abs)
            res[name] = (fl, cu)
    return res


def jeprof(d, t, dumps, binary="leak"):
    cmd = ["jeprof", "--text", "--show_bytes", "--" + t]
    if len(dumps) == 2:
        cmd.append("--base=" + dumps[0])
    return parse_rows(run(cmd + [binary, dumps[-1]], d))


def pprof(go, d, t, dumps):
    cmd = [go, "tool", "pprof", "-top", "-nodecount=0", "-nodefraction=0", "-edgefraction=0",
           "-unit=B", "-sample_index=" + t]
    if len(dumps) == 2:
        cmd.append("-diff_base=" + dumps[0])
    env_out = run(cmd + ["leak", dumps[-1]], d)
    return parse_rows(env_out)


def addresses_proto(go, d, dump):
    """dump as go tool pprof writes it without symbols: a pprof profile whose
    mappings have has_functions false, its locations addresses only."""
    out = dump[:-len(".heap")] + ".addr.pb.gz"
    if not os.path.exists(os.path.join(d, out)):
        data = subprocess.run([go, "tool", "pprof", "-symbolize=none", "-proto", dump], cwd=d,
                              capture_output=True, check=True).stdout
        with open(os.path.join(d, out), "wb") as f:
            f.write(data)
    return out


def records(d, dump):
    with open(os.path.join(d, dump)) as f:
        return sum(1 for line in f if line.startswith("@"))


def relocate(d, tmp):
    """A copy of d whose dumps' memory maps name the copy's leak: jeprof
    finds a PIE only at the path its map names (heapdiff's --binary needs
    no such help, and the committed dumps were written elsewhere)."""
    if not os.path.isdir(d):
        return d
    out = os.path.join(tmp, os.path.basename(os.path.normpath(d)))
    os.makedirs(out)
    for f in os.listdir(d):
        src = os.path.join(d, f)
        if f in ("leak", "leakxx"):
            shutil.copy2(src, os.path.join(out, f))
        elif f.endswith(".heap"):
            with open(src) as i, open(os.path.join(out, f), "w") as o:
                for line in i:
                    o.write(re.sub(r"(\s)/\S*/(leak|leakxx)$",
                                   lambda m: m.group(1) + os.path.join(out, m.group(2)), line))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heapdiff", required=True)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--go", default="go")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    hd = os.path.abspath(a.heapdiff)
    if a.fresh:
        make = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "gen",
                            "native", "make.sh")
        rc = subprocess.run(["sh", make, a.dirs[0]]).returncode
        if rc == 77:
            print("native-oracle: no compiler or allocator to make fresh dumps; SKIP")
            return 77
        if rc:
            print("make.sh failed: exit %d" % rc)
            return 1
    have_je, have_go = shutil.which("jeprof"), shutil.which(a.go)
    passed = failed = 0

    def check(label, mine, theirs, slack=0, diff=False, own=OWN, flat=True):
        nonlocal passed, failed
        bad = []
        for name in sorted(own & (set(theirs) | set(mine))):
            m, t = mine.get(name, (0, 0)), theirs.get(name, (0, 0))
            for what, x, y in (("flat", m[0], t[0]), ("cum", m[1], t[1])):
                if what == "flat" and not flat:
                    continue
                # a top truncates each stack: never above jeprof; a diff
                # subtracts two truncated sums: either side
                ok = x == y if slack == 0 else (abs(y - x) < slack and (diff or abs(x) <= abs(y)))
                if not ok:
                    bad.append("%s %s: heapdiff %d, oracle %d" % (name, what, x, y))
        if not (own & set(theirs)):
            bad.append("the oracle printed none of the program's functions")
        if bad:
            failed += 1
            print("FAIL %s: %s" % (label, "; ".join(bad)))
        else:
            passed += 1
            print("PASS %s" % label)

    tmp = tempfile.mkdtemp(prefix="native-oracle.")
    for d in a.dirs:
        d = relocate(d, tmp)
        files = sorted(os.listdir(d)) if os.path.isdir(d) else []
        for kind in ("je", "jes", "tc", "jexx", "tcxx"):
            binary, own, flat = KINDS[kind]
            dumps = [f for f in files if re.match(r"^%s\.\d+\.heap$" % kind, f)]
            if not dumps or not os.path.exists(os.path.join(d, binary)):
                continue
            cases = [[x] for x in dumps] + ([[dumps[0], dumps[-1]]] if len(dumps) > 1 else [])
            for c in cases:
                for t in JE_TYPES:
                    label = "%s %s %s" % (os.path.basename(os.path.normpath(d)), " -> ".join(c), t)
                    try:
                        if kind in ("jexx", "tcxx"):
                            if not have_je:
                                continue
                            check(label, heapdiff(hd, d, t, c, binary=binary),
                                  jeprof(d, t, c, binary), 0, len(c) == 2, own, flat)
                        elif kind == "tc":
                            if not have_go:
                                continue
                            theirs = pprof(a.go, d, t, c)
                            check(label, heapdiff(hd, d, t, c, hide="^new_block$"), theirs)
                            # the same dumps as pprof of addresses only
                            # (has_functions false), named by heapdiff
                            check(label + " (pprof -symbolize=none -proto)",
                                  heapdiff(hd, d, t, [addresses_proto(a.go, d, x) for x in c],
                                           hide="^new_block$"), theirs)
                        else:
                            if not have_je:
                                continue
                            slack = 0 if kind == "je" else sum(records(d, x) for x in c) + 1
                            check(label, heapdiff(hd, d, t, c), jeprof(d, t, c), slack, len(c) == 2)
                    except RuntimeError as e:
                        failed += 1
                        print("FAIL %s: %s" % (label, e))
    shutil.rmtree(tmp, ignore_errors=True)
    if passed + failed == 0:
        print("native-oracle: neither jeprof nor go, or no dumps; SKIP")
        return 77
    print("native-oracle: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
