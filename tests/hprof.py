#!/usr/bin/env python3
"""Java heap dumps (lib/input/hprof.c, issue #21) against independent oracles.

    hprof.py HEAPDIFF SRCDIR            the committed dumps (testdata/java/)
    hprof.py --regen HEAPDIFF SRCDIR    the same, and write the first and last
                                        dump to testdata/java/ (strip.py)
    hprof.py --jvm HEAPDIFF SRCDIR      a fresh run of testdata/gen/java/
                                        HeapGen, each dump against
                                        jmap -histo:live of the same JVM
                                        (SKIP, 77, without a JDK)

For every dump, this file's own HPROF reader and its own dominator
computation (Cooper, Harvey and Kennedy's iterative data-flow algorithm,
nothing shared with the C code) give each frame's flat and cum, objects
and bytes; heapdiff top -f json must print the same numbers for every
frame.  The graph and the sizes are restated here from the rules at the
top of hprof.c: an instance refers to its class and object fields, an
object array to its class and elements, a class to its superclass,
loader, signers, protection domain and static object fields; a virtual
root refers to every GC root, then to each object still unreached in id
order (but an unreferenced int[] no root reaches is a filler, left out);
sizes are HotSpot's with compressed oops.

Hostile dumps (made here): truncated, absurd lengths, dangling and
looping classes, duplicates are refused with one line and exit 2; a
dangling field reference is ignored; a 200 000-node list is one path.

Then the verdicts: diff of the first and last dump names LeakApp$Session
among the growers with the retained growth computed here, and each of
the three leaks (a static collection, a listener left on an event bus, a
ThreadLocal of a worker thread) held by the reference chain the program
built; trend of the series classes each leak growing and a suspect, its
own culprit, the warm-up cache levelled and churn no suspect, and
--fail-on leak exits 1 on it and 0 on the steady series (no leak).

With --jvm, also: dumps of a JVM without compressed oops, and without
compressed class pointers too, sized as jmap -histo:live sizes them for
the program's own classes, the layout read from the dump.  And per
class, instances and bytes equal jmap -histo:live
taken on the same quiescent JVM right after each dump, exactly, for the
program's own classes and their arrays; the JDK's classes are counted
(how many agree) but not asserted (see hprof.c for why they differ).
"""

import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

OWN = re.compile(r"^(HeapGen|LeakApp|Listeners|ThreadLocals|WarmCache|Churn)\b")
ROOT_KINDS = {  # sub-record tag: (priority, frame name, extra bytes past the id)
    0x05: (1, "<GC root: system class>", 0),
    0x08: (2, "<GC root: thread>", 8),
    0x03: (3, "<GC root: Java local>", 8),
    0x01: (4, "<GC root: JNI global>", None),  # extra = idsize
    0x02: (5, "<GC root: JNI local>", 8),
    0x04: (6, "<GC root: native stack>", 4),
    0x06: (7, "<GC root: thread block>", 4),
    0x07: (8, "<GC root: busy monitor>", 0),
    0xFF: (9, "<GC root: unknown>", 0),
}
SEVERAL = "<several GC roots>"
UNREACHABLE = "<unreachable>"
# HPROF basic type: (size in the dump without ids, HotSpot size, array name)
TYPES = {4: (1, 1, "boolean"), 5: (2, 2, "char"), 6: (4, 4, "float"), 7: (8, 8, "double"),
         8: (1, 1, "byte"), 9: (2, 2, "short"), 10: (4, 4, "int"), 11: (8, 8, "long")}
KW = {"Z": "boolean", "C": "char", "F": "float", "D": "double", "B": "byte", "S": "short",
      "I": "int", "J": "long"}


def align8(n):
    return (n + 7) // 8 * 8


def java_name(internal):
    dims = len(internal) - len(internal.lstrip("["))
    base = internal[dims:]
    if dims and base in KW:
        base = KW[base]
    elif dims and base.startswith("L") and base.endswith(";"):
        base = base[1:-1]
    return base.replace("/", ".") + "[]" * dims


class Dump:
    """Everything the oracle needs of one .hprof: objects, their edges,
    their sizes and names, the roots."""

    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        nul = data.index(b"\0")
        assert data[:nul] in (b"JAVA PROFILE 1.0.2", b"JAVA PROFILE 1.0.1"), data[:nul]
        self.idsize = ids = struct.unpack_from(">I", data, nul + 1)[0]
        idfmt = ">I" if ids == 4 else ">Q"

        def rid(at):
            return struct.unpack_from(idfmt, data, at)[0]

        strings, names = {}, {}
        classes = {}   # id -> (super, [refs], [static types], [field types])
        objs = {}      # id -> [kind, class id or type, refs, length]
        roots = {}     # id -> (priority, name)
        pos = nul + 1 + 12
        while pos < len(data):
            tag = data[pos]
            n = struct.unpack_from(">I", data, pos + 5)[0]
            body, pos = pos + 9, pos + 9 + n
            if tag == 0x01:
                strings[rid(body)] = data[body + ids:pos].decode("utf-8", "replace")
            elif tag == 0x02:
                names[rid(body + 4)] = rid(body + 8 + ids)
            elif tag in (0x0C, 0x1C):
                at = body
                while at < pos:
                    sub = data[at]
                    at += 1
                    if sub in ROOT_KINDS:
                        prio, rname, extra = ROOT_KINDS[sub]
                        oid = rid(at)
                        if oid not in roots or prio < roots[oid][0]:
                            roots[oid] = (prio, rname)
                        at += ids + (ids if extra is None else extra)
                    elif sub == 0x20:
                        cid = rid(at)
                        refs = [rid(at + ids + 4 + k * ids) for k in range(4)]
                        sup = refs[0]
                        at += 7 * ids + 8
                        (ncp,) = struct.unpack_from(">H", data, at)
                        at += 2
                        for _ in range(ncp):
                            t = data[at + 2]
                            at += 3 + (ids if t == 2 else TYPES[t][0])
                        (nst,) = struct.unpack_from(">H", data, at)
                        at += 2
                        statics = []
                        for _ in range(nst):
                            t = data[at + ids]
                            if t == 2:
                                refs.append(rid(at + ids + 1))
                            statics.append(t)
                            at += ids + 1 + (ids if t == 2 else TYPES[t][0])
                        (nf,) = struct.unpack_from(">H", data, at)
                        at += 2
                        fields = [data[at + k * (ids + 1) + ids] for k in range(nf)]
                        at += nf * (ids + 1)
                        classes[cid] = (sup, statics, fields)
                        objs[cid] = ["class", cid, refs, 0]
                    elif sub == 0x21:
                        oid, cid = rid(at), rid(at + ids + 4)
                        (nb,) = struct.unpack_from(">I", data, at + 2 * ids + 4)
                        objs[oid] = ["inst", cid, (at + 2 * ids + 8, nb), 0]
                        at += 2 * ids + 8 + nb
                    elif sub == 0x22:
                        oid = rid(at)
                        (cnt,) = struct.unpack_from(">I", data, at + ids + 4)
                        cid = rid(at + ids + 8)
                        el = at + 2 * ids + 8
                        refs = [cid] + [rid(el + k * ids) for k in range(cnt)]
                        objs[oid] = ["oarr", cid, refs, cnt]
                        at = el + cnt * ids
                    elif sub == 0x23:
                        oid = rid(at)
                        (cnt,) = struct.unpack_from(">I", data, at + ids + 4)
                        t = data[at + ids + 8]
                        objs[oid] = ["parr", t, [], cnt]
                        at += ids + 9 + cnt * TYPES[t][0]
                    else:
                        raise ValueError("sub-record 0x%02x" % sub)

        def cname(cid):
            sid = names.get(cid)
            return java_name(strings[sid]) if sid in strings else "<class 0x%x>" % cid

        def chain(cid):
            while cid:
                yield cid
                cid = classes[cid][0]

        # instance fields: own first, then the superclass's (HPROF's order)
        def ref_offsets(cid):
            offs, off = [], 0
            for c in chain(cid):
                for t in classes[c][2]:
                    if t == 2:
                        offs.append(off)
                    off += ids if t == 2 else TYPES[t][0]
            return offs

        def hs_fields(cid):
            return sum(4 if t == 2 else TYPES[t][1] for c in chain(cid) for t in classes[c][2])

        class_size = 96
        for cid in classes:
            if names.get(cid) in strings and strings[names[cid]] == "java/lang/Class":
                class_size = 12 + hs_fields(cid)
        self.name, self.size, self.refs = {}, {}, {}
        offsets = {}
        for oid, (kind, c, refs, cnt) in objs.items():
            if kind == "class":
                self.name[oid] = "class " + cname(oid)
                st = sum(4 if t == 2 else TYPES[t][1] for t in classes[oid][1])
                self.size[oid] = align8(class_size + st)
            elif kind == "inst":
                if c not in offsets:
                    offsets[c] = ref_offsets(c)
                start, _ = refs
                refs = [c] + [rid(start + o) for o in offsets[c]]
                self.name[oid] = cname(c)
                self.size[oid] = align8(12 + hs_fields(c))
            elif kind == "oarr":
                self.name[oid] = cname(c)
                self.size[oid] = align8(16 + 4 * cnt)
            else:
                self.name[oid] = TYPES[c][2] + "[]"
                self.size[oid] = align8(16 + TYPES[c][1] * cnt)
            self.refs[oid] = [r for r in refs if r in objs]
        self.roots = roots
        self.kind = {oid: o[0] for oid, o in objs.items()}

    def dominators(self):
        """Per frame name: [flat objects, flat bytes, cum objects, cum bytes]."""
        refs, S = self.refs, 0
        referenced = set(r for rs in refs.values() for r in rs)
        # the super-root's successors: the roots in id order, then the unreached
        succ = {S: sorted(r for r in self.roots if r in refs)}
        label = {r: self.roots[r][1] for r in succ[S]}
        seen = set(succ[S])
        work = list(succ[S])
        while work:
            for r in refs[work.pop()]:
                if r not in seen:
                    seen.add(r)
                    work.append(r)
        for oid in sorted(refs):
            if oid in seen:
                continue
            if oid not in referenced and self.kind[oid] == "parr" and self.name[oid] == "int[]":
                continue  # a filler
            succ[S].append(oid)
            label[oid] = UNREACHABLE
            seen.add(oid)
            work = [oid]
            while work:
                for r in refs[work.pop()]:
                    if r not in seen:
                        seen.add(r)
                        work.append(r)
        for oid in seen:
            succ[oid] = refs[oid]
        # reverse postorder, iteratively
        order, state, stack = [], {S: 0}, [(S, iter(succ[S]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if w not in state:
                    state[w] = 0
                    stack.append((w, iter(succ[w])))
                    break
            else:
                stack.pop()
                order.append(v)
        po = {v: i for i, v in enumerate(order)}
        rpo = order[::-1]
        preds = {v: [] for v in rpo}
        for v in rpo:
            for w in succ[v]:
                preds[w].append(v)
        idom = {S: S}

        def intersect(a, b):
            while a != b:
                while po[a] < po[b]:
                    a = idom[a]
                while po[b] < po[a]:
                    b = idom[b]
            return a

        changed = True
        while changed:
            changed = False
            for v in rpo[1:]:
                new = None
                for p in preds[v]:
                    if p in idom:
                        new = p if new is None else intersect(p, new)
                if idom.get(v) != new:
                    idom[v] = new
                    changed = True
        kids = {v: [] for v in rpo}
        for v in rpo[1:]:
            kids[idom[v]].append(v)
        # retained sizes bottom up, then cum by name: each object's retained
        # set counted once per name, under the topmost object of that name
        ret = {}
        for v in order:  # postorder: children first
            c, b = (1, self.size[v]) if v != S else (0, 0)
            for k in kids[v]:
                c += ret[k][0]
                b += ret[k][1]
            ret[v] = (c, b)
        out, onpath = {}, {}

        def row(n):
            return out.setdefault(n, [0, 0, 0, 0])

        stack = []
        for top in kids[S]:
            rn = label.get(top, SEVERAL)
            r = row(rn)
            r[2] += ret[top][0]
            r[3] += ret[top][1]
            stack.append((top, False))
        while stack:
            v, leaving = stack.pop()
            n = self.name[v]
            if leaving:
                onpath[n] -= 1
                continue
            r = row(n)
            r[0] += 1
            r[1] += self.size[v]
            if not onpath.get(n):
                r[2] += ret[v][0]
                r[3] += ret[v][1]
            onpath[n] = onpath.get(n, 0) + 1
            stack.append((v, True))
            stack.extend((k, False) for k in kids[v])
        return out


def run(heapdiff, *args):
    p = subprocess.run([heapdiff, *args], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise AssertionError("heapdiff %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def heapdiff_frames(heapdiff, path):
    out = {}
    for k, t in ((0, "inuse_objects"), (1, "inuse_space")):
        d = json.loads(run(heapdiff, "top", "-f", "json", "--top", "0", "--sample-index", t, path))
        for f in d["functions"]:
            r = out.setdefault(f["name"], [0, 0, 0, 0])
            r[k] = f["flat"][0]
            r[2 + k] = f["cum"][0]
    return out


class Checker:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL", what)


def check_dump(ck, heapdiff, path):
    d = Dump(path)
    want = d.dominators()
    got = heapdiff_frames(heapdiff, path)
    bad = [n for n in set(want) | set(got) if want.get(n) != got.get(n)]
    for n in sorted(bad)[:10]:
        print("  %s: oracle %s, heapdiff %s" % (n, want.get(n), got.get(n)))
    ck.check(not bad, "%s: %d of %d frames differ from the oracle (flat and cum, objects and bytes)"
             % (os.path.basename(path), len(bad), len(want)))
    print("ok   %s: %d objects, %d frames, flat and cum equal the oracle's" %
          (os.path.basename(path), len(d.size), len(want)) if not bad else "")
    return want


# The leaks HeapGen builds, each with the reference chain it built, holder
# first, as diff, trend and top print it under the leaking class.
LEAKS = {
    "LeakApp$Session": ["LeakApp.sessions", "java.util.ArrayList.elementData", "java.lang.Object[]"],
    "Listeners$View": ["Listeners.bus", "Listeners$EventBus.listeners", "java.util.ArrayList.elementData",
                       "java.lang.Object[]", "Listeners$View$Handler.this$0"],
    "ThreadLocals$Context": ['thread "request-worker"', "java.lang.Thread.threadLocals",
                             "java.lang.ThreadLocal$ThreadLocalMap.table",
                             "java.lang.ThreadLocal$ThreadLocalMap$Entry[]",
                             "java.lang.ThreadLocal$ThreadLocalMap$Entry.value",
                             "java.util.ArrayList.elementData", "java.lang.Object[]"],
}
QUIET = ("Churn$Item", "WarmCache$Entry")


def check_series(ck, heapdiff, paths, oracle, steady=()):
    """diff of the first and last; trend of them all, given three or more;
    the verdicts: every leak a suspect named by itself (its culprit) and
    the chain that holds it, warm-up levelled, churn no suspect, and
    --fail-on leak 1 on this series and 0 on the steady one."""
    first, last = oracle[0], oracle[-1]
    leak = "LeakApp$Session"
    d = json.loads(run(heapdiff, "diff", "-f", "json", "--top", "0", "--ref-chain-depth", "16",
                       paths[0], paths[-1]))
    rows = {f["name"]: f for f in d["functions"]}
    r = rows.get(leak)
    ck.check(r is not None and r["delta_cum"] == last[leak][3] - first[leak][3] > 0 and
             r["status"] == "grew",
             "diff: %s grew by its retained size (%s)" % (leak, r and r["delta_cum"]))
    for name, chain in LEAKS.items():
        r = rows.get(name)
        ck.check(r is not None and r["status"] in ("grew", "new") and r.get("held_by") == chain,
                 "diff: %s grew, held by the chain the program built: %s" %
                 (name, r and r.get("held_by")))
    text = run(heapdiff, "diff", paths[0], paths[-1])
    growers = text.split("Top growers:")[-1].split("Top shrinkers:")[0]
    ck.check(leak in growers[:4000], "diff's text names %s among the growers" % leak)
    want = "\n        held by %s → %s\n" % (LEAKS[leak][0], " → ".join(LEAKS[leak][-2:]))
    ck.check(want in growers, "diff's text: %s held by its static field, cut to 3 steps: %r" %
             (leak, want))
    print("ok   diff: %s grows by %d retained bytes; %s held as built" %
          (leak, last[leak][3] - first[leak][3], ", ".join(LEAKS)))
    if len(paths) < 3:
        return
    t = json.loads(run(heapdiff, "trend", "-f", "json", "--top", "0", "--ref-chain-depth", "16", *paths))
    rows = {f["name"]: f for f in t["functions"]}
    for name, chain in LEAKS.items():
        r = rows[name]
        ck.check(r["trend"]["class"] == "growing" and name in t["suspects"] and
                 r["culprit"] == name and r.get("held_by") == chain,
                 "trend: %s growing (%s), a suspect, its own culprit (%s), held by %s" %
                 (name, r["trend"]["class"], r["culprit"], r.get("held_by")))
    ck.check(rows["WarmCache$Entry"]["trend"]["class"] == "levelled",
             "trend: the warm-up cache levelled (%s)" % rows["WarmCache$Entry"]["trend"]["class"])
    for quiet in QUIET:
        ck.check(quiet not in t["suspects"] and rows[quiet]["trend"]["class"] != "growing",
                 "trend: %s not a suspect (%s)" % (quiet, rows[quiet]["trend"]["class"]))
    p = subprocess.run([heapdiff, "trend", "--fail-on", "leak", *paths], capture_output=True, text=True)
    ck.check(p.returncode == 1 and "FAIL" in p.stdout, "trend --fail-on leak: exit 1 on the leaks (%d)"
             % p.returncode)
    print("ok   trend of %d dumps: %s growing, suspects, held as built; WarmCache$Entry levelled;"
          " Churn$Item no suspect; --fail-on leak exits 1" % (len(paths), ", ".join(LEAKS)))
    if len(steady) < 3:
        return
    t = json.loads(run(heapdiff, "trend", "-f", "json", "--top", "0", *steady))
    p = subprocess.run([heapdiff, "trend", "--fail-on", "leak", *steady], capture_output=True, text=True)
    ck.check(not t["suspects"] and p.returncode == 0 and "PASS" in p.stdout,
             "trend --fail-on leak: exit 0 and no suspect on the steady series (%d, %s)" %
             (p.returncode, t["suspects"]))
    print("ok   trend of %d steady dumps: no suspect, --fail-on leak exits 0" % len(steady))


def jmap_histo(pid):
    out = subprocess.run(["jmap", "-histo:live", str(pid)], capture_output=True, text=True,
                         check=True).stdout
    h = {}
    for line in out.splitlines():
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            n = m.group(3)
            n = java_name(n.replace(".", "/")) if n.startswith("[") else n
            r = h.setdefault(n, [0, 0])
            r[0] += int(m.group(1))
            r[1] += int(m.group(2))
    return h


def own_histo(heapdiff, path, *opts):
    h = {}
    for k, t in ((0, "inuse_objects"), (1, "inuse_space")):
        d = json.loads(run(heapdiff, "top", "-f", "json", "--top", "0", "--sample-index", t, *opts, path))
        for f in d["functions"]:
            if OWN.match(f["name"]):
                h.setdefault(f["name"], [0, 0])[k] = f["flat"][0]
    return h


def layouts(ck, heapdiff, gen, tmp):
    """Without compressed oops (and class pointers), one dump each: the
    layout heapdiff reads from the dump gives jmap -histo:live's numbers
    for the program's own classes, and so does --hprof-layout naming it."""
    for name, flags in (("wide-refs", ["-XX:-UseCompressedOops"]),
                        ("wide", ["-XX:-UseCompressedOops", "-XX:-UseCompressedClassPointers"])):
        out = os.path.join(tmp, name)
        os.makedirs(out)
        cmd = ["java"] + open(os.path.join(gen, "jvm-flags")).read().split() + flags + \
            ["-cp", tmp, "HeapGen", out, "1"]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        w = p.stdout.readline().split()
        h = {n: v for n, v in jmap_histo(w[3]).items() if OWN.match(n)}
        p.stdin.write("next\n")
        p.stdin.flush()
        p.wait()
        auto, named = own_histo(heapdiff, w[1]), own_histo(heapdiff, w[1], "--hprof-layout", name)
        ck.check(len(h) >= 9 and auto == h and named == h,
                 "%s: own classes against jmap -histo:live, layout read from the dump and named "
                 "(%s; auto %s; jmap %s)" % (" ".join(flags), len(h), sorted(auto.items())[:3],
                                              sorted(h.items())[:3]))
        print("ok   %s: %d own classes equal jmap -histo:live, layout %s read from the dump" %
              (" ".join(flags), len(h), name))


KEEP = (0, 2, 3)  # the dumps of each series testdata/java commits


def jvm(ck, heapdiff, src, keep=None):
    for tool in ("java", "javac", "jmap"):
        if not shutil.which(tool):
            print("SKIP: no %s (a JDK: apt-get install openjdk-17-jdk-headless)" % tool)
            sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="heapdiff-hprof.")
    try:
        gen = os.path.join(src, "testdata", "gen", "java")
        subprocess.run(["javac", "-d", tmp] + [os.path.join(gen, f) for f in sorted(os.listdir(gen))
                                               if f.endswith(".java")], check=True)
        series = {}
        for mode in ("leaks", "steady"):
            cmd = ["java"] + open(os.path.join(gen, "jvm-flags")).read().split() + \
                ["-cp", tmp, "HeapGen", tmp, "4", mode]
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            paths, histos = [], []
            for _ in range(4):
                w = p.stdout.readline().split()
                paths.append(w[1])
                histos.append(jmap_histo(w[3]))
                p.stdin.write("next\n")
                p.stdin.flush()
            p.wait()
            oracle = []
            for path, h in zip(paths, histos):
                o = check_dump(ck, heapdiff, path)
                oracle.append(o)
                own = [n for n in h if OWN.match(n)]
                bad = [n for n in own if o.get(n, [0, 0])[:2] != h[n]]
                for n in bad:
                    print("  %s: jmap %s, heapdiff %s" % (n, h[n], o.get(n)))
                ck.check(len(own) >= 4 and not bad, "%s: own classes against jmap -histo:live (%d)"
                         % (os.path.basename(path), len(own)))
                jdk = [n for n in h if not OWN.match(n)]
                same = [n for n in jdk if o.get(n, [0, 0])[:2] == h[n]]
                arrays = [n for n in jdk if n.endswith("[]") and n.split("[")[0] in KW.values()]
                print("ok   %s: %d own classes equal jmap -histo:live; JDK classes: %d of %d equal"
                      " (primitive arrays %s)" %
                      (os.path.basename(path), len(own), len(same), len(jdk),
                       ", ".join("%s %s" % (n, "=" if o.get(n, [0, 0])[:2] == h[n] else
                                            "%s vs jmap %s" % (o.get(n, [0, 0])[:2], h[n]))
                                 for n in sorted(arrays))))
            series[mode] = (paths, oracle)
        check_series(ck, heapdiff, series["leaks"][0], series["leaks"][1], series["steady"][0])
        layouts(ck, heapdiff, gen, tmp)
        if keep:  # three of each series, their symbol tables cut (strip.py)
            os.makedirs(keep, exist_ok=True)
            for f in os.listdir(keep):
                if f.endswith(".hprof.gz"):
                    os.unlink(os.path.join(keep, f))
            for paths, _ in series.values():
                for k in KEEP:
                    subprocess.run([sys.executable, os.path.join(gen, "strip.py"), paths[k],
                                    os.path.join(keep, os.path.basename(paths[k]) + ".gz")], check=True)
    finally:
        shutil.rmtree(tmp)


# ---- hostile dumps ----------------------------------------------------------

def synth(records, idsize=8, version=b"JAVA PROFILE 1.0.2"):
    """An HPROF file of (tag, body) records."""
    out = [version + b"\0", struct.pack(">IQ", idsize, 0)]
    for tag, body in records:
        out.append(struct.pack(">BII", tag, 0, len(body)) + body)
    return b"".join(out)


def hid(v):
    return struct.pack(">Q", v)


def class_dump(cid, super_id, fields):
    """A CLASS DUMP without statics; fields: [(name id, type)]."""
    b = b"\x20" + hid(cid) + struct.pack(">I", 0) + hid(super_id) + hid(0) * 5
    b += struct.pack(">IHH", 0, 0, 0) + struct.pack(">H", len(fields))
    return b + b"".join(hid(n) + bytes([t]) for n, t in fields)


def names(*pairs):
    """STRING and LOAD CLASS records naming classes: (class id, name)."""
    recs = []
    for k, (cid, name) in enumerate(pairs):
        recs.append((0x01, hid(0x1000 + k) + name.encode()))
        recs.append((0x02, struct.pack(">I", k + 1) + hid(cid) + struct.pack(">I", 0) + hid(0x1000 + k)))
    return recs


def instance(oid, cid, data):
    return b"\x21" + hid(oid) + struct.pack(">I", 0) + hid(cid) + struct.pack(">I", len(data)) + data


def linked_list(n):
    """A root and a chain of n Node instances (next: the following one)."""
    recs = names((0x10, "Node"), (0x20, "java/lang/Object"))
    body = [class_dump(0x20, 0, []), class_dump(0x10, 0x20, [(0x1000, 2)]),
            b"\x05" + hid(0x10), b"\x03" + hid(0x100000) + struct.pack(">II", 1, 0)]
    for k in range(n):
        body.append(instance(0x100000 + 16 * k, 0x10, hid(0x100000 + 16 * (k + 1) if k + 1 < n else 0)))
    return synth(recs + [(0x1C, b"".join(body))])


def fanned_chain(k, m):
    """A root's chain of k Nodes whose last refers to an Object[] of m
    Nodes, each of them a root too: each is dominated by no chain node, but
    semi-NCA's walk from the array up to the super-root takes k steps for
    each, k * m in all (hprof.c bounds it and falls back to
    Lengauer-Tarjan)."""
    recs = names((0x10, "Node"), (0x20, "java/lang/Object"))
    body = [class_dump(0x20, 0, []), class_dump(0x10, 0x20, [(0x1000, 2)]),
            b"\x05" + hid(0x10), b"\x03" + hid(0x100000) + struct.pack(">II", 1, 0)]
    arr, ends = 0x100000 + 16 * k, 0x100000 + 16 * k + 16 + 8 * m
    for j in range(k):
        body.append(instance(0x100000 + 16 * j, 0x10, hid(0x100000 + 16 * (j + 1) if j + 1 < k else arr)))
    body.append(b"\x22" + hid(arr) + struct.pack(">II", 0, m) + hid(0x20) +
                b"".join(hid(ends + 16 * j) for j in range(m)))
    for j in range(m):
        body.append(b"\x03" + hid(ends + 16 * j) + struct.pack(">II", 1, 0))
        body.append(instance(ends + 16 * j, 0x10, hid(0)))
    return synth(recs + [(0x1C, b"".join(body))])


def hostile_cases(real):
    base = names((0x10, "Node"), (0x20, "java/lang/Object"))
    obj = class_dump(0x20, 0, [])
    node = class_dump(0x10, 0x20, [(0x1000, 2)])
    root = b"\x03" + hid(0x500) + struct.pack(">II", 1, 0)
    seg = real[:len(real) // 2]
    # the first HEAP DUMP SEGMENT of the real dump, cut in the middle
    return [
        ("truncated dump", seg, 2, "runs past the end"),
        ("truncated header", b"JAVA PROFILE 1.0.2\0\0\0", 2, "header is cut short"),
        ("Android dump", synth([], version=b"JAVA PROFILE 1.0.3"), 2, "hprof-conv"),
        ("identifier size 3", synth([]).replace(struct.pack(">I", 8), struct.pack(">I", 3), 1), 2,
         "identifiers of 3 bytes"),
        ("record length past the end", synth(base)[:-1] + b"\xff" * 0, 2, "runs past the end"),
        ("absurd array length", synth(base + [(0x1C, obj + b"\x23" + hid(0x500) + struct.pack(">IIB", 0, 0xFFFFFFFF, 8))]),
         2, "a primitive array runs past"),
        ("absurd object array", synth(base + [(0x1C, obj + b"\x22" + hid(0x500) + struct.pack(">II", 0, 0x7FFFFFFF) + hid(0x20))]),
         2, "an object array runs past"),
        ("sub-record past its segment", synth(base + [(0x1C, obj + node + instance(0x500, 0x10, hid(0))[:-3]),
                                                      (0x2C, b"")]),
         2, "past the end of its segment"),
        ("instance of a dangling class", synth(base + [(0x1C, obj + root + instance(0x500, 0x77, b""))]),
         2, "class 0x77, which is not in the dump"),
        ("instance of the wrong size", synth(base + [(0x1C, obj + node + root + instance(0x500, 0x10, b"\0" * 3))]),
         2, "but its class's fields take 8"),
        ("own superclass", synth(base + [(0x1C, class_dump(0x10, 0x10, []))]), 2, "loop back to it"),
        ("superclass loop", synth(base + [(0x1C, class_dump(0x10, 0x20, []) + class_dump(0x20, 0x10, []))]),
         2, "loop back to it"),
        ("dangling superclass", synth(base + [(0x1C, class_dump(0x10, 0x99, []))]), 2, "superclass 0x99"),
        ("object dumped twice", synth(base + [(0x1C, obj + node + instance(0x500, 0x10, hid(0)) * 2)]),
         2, "dumped twice"),
        ("class dumped twice", synth(base + [(0x1C, obj + obj)]), 2, "dumped twice"),
        ("unknown sub-record", synth(base + [(0x1C, obj + b"\x89" + hid(1))]), 2, "unknown heap dump sub-record 0x89"),
        ("bad field type", synth(base + [(0x1C, class_dump(0x10, 0, [(0x1000, 13)]))]), 2, "type 13"),
        ("dangling field reference", synth(base + [(0x1C, obj + node + root + instance(0x500, 0x10, hid(0xdead)))]),
         0, None),
        ("a list of 200000 nodes", linked_list(200000), 0, None),
    ]


def mapped(ck, heapdiff, paths):
    """An uncompressed dump is read from a file mapping whose pages are
    given back as the reader goes (load.c, hprof.c): the report must be
    the gzipped dump's, byte for byte but the path."""
    tmp = tempfile.mkdtemp(prefix="heapdiff-hprof.")
    try:
        for gz in paths:
            raw = os.path.join(tmp, os.path.basename(gz)[:-3])
            with open(raw, "wb") as f:
                f.write(gzip.decompress(open(gz, "rb").read()))
            for t in ("inuse_space", "inuse_objects"):
                args = ["top", "-f", "json", "--top", "0", "--sample-index", t]
                a = run(heapdiff, *args, gz).replace(json.dumps(gz), '"X"')
                b = run(heapdiff, *args, raw).replace(json.dumps(raw), '"X"')
                ck.check(a == b, "mapped %s %s: the raw dump's report differs from the gzipped one's" %
                         (os.path.basename(raw), t))
        print("ok   mapped: %d raw dumps report as their gzipped copies" % len(paths))
    finally:
        shutil.rmtree(tmp)


def hostile(ck, heapdiff, src):
    d = os.path.join(src, "testdata", "java")
    first = sorted(f for f in os.listdir(d) if f.startswith("heapgen-"))[0]
    real = gzip.decompress(open(os.path.join(d, first), "rb").read())
    tmp = tempfile.mkdtemp(prefix="heapdiff-hprof.")
    try:
        for name, data, want, msg in hostile_cases(real):
            path = os.path.join(tmp, "case.hprof")
            with open(path, "wb") as f:
                f.write(data)
            p = subprocess.run([heapdiff, "top", "--top", "3", path], capture_output=True, text=True,
                               timeout=20)
            lines = p.stderr.splitlines()
            ok = p.returncode == want and (want == 0 and not lines or
                                           want == 2 and len(lines) == 1 and not p.stdout and
                                           lines[0].startswith("heapdiff: ") and msg in lines[0])
            ck.check(ok, "hostile %s: exit %d, %r" % (name, p.returncode, p.stderr[:300]))
            if ok:
                print("ok   hostile %s: %s" % (name, lines[0] if lines else "read"))
        # the list is one path: root, Node (a class at most once on a path)
        p = subprocess.run([heapdiff, "top", "-f", "folded", "--sample-index", "inuse_objects",
                            path], capture_output=True, text=True)
        ck.check(p.stdout.split("\n")[:1] == ["<GC root: Java local>;Node 200000"] or
                 "<GC root: Java local>;Node 200000" in p.stdout,
                 "a 200000-node list folds to one path: %r" % p.stdout[:200])
        # 10^10 steps of semi-NCA's walk if nothing bounded it
        with open(path, "wb") as f:
            f.write(fanned_chain(100000, 100000))
        p = subprocess.run([heapdiff, "top", "-f", "folded", "--sample-index", "inuse_objects",
                            path], capture_output=True, text=True, timeout=20)
        ck.check(p.returncode == 0 and "<GC root: Java local>;Node 200000" in p.stdout.split("\n"),
                 "a fanned chain: every Node under its own root: %r" % (p.stdout[:300] + p.stderr[:300]))
        print("ok   hostile fanned chain: 100000 x 100000 walk steps bounded")
    finally:
        shutil.rmtree(tmp)


def main():
    args = sys.argv[1:]
    mode = "committed"
    keep = None
    if args and args[0] == "--jvm":
        mode = "jvm"
        args = args[1:]
    if args and args[0] == "--regen":  # write the dumps to testdata/java/
        mode, keep = "jvm", True
        args = args[1:]
    heapdiff, src = args
    ck = Checker()
    if mode == "jvm":
        jvm(ck, heapdiff, src, os.path.join(src, "testdata", "java") if keep else None)
    else:
        d = os.path.join(src, "testdata", "java")
        paths = sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith("heapgen-"))
        steady = sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith("steady-"))
        oracle = [check_dump(ck, heapdiff, p) for p in paths + steady]
        check_series(ck, heapdiff, paths, oracle[:len(paths)], steady)
        mapped(ck, heapdiff, paths + steady)
        hostile(ck, heapdiff, src)
    print("%d passed, %d failed" % (ck.passed, ck.failed))
    sys.exit(1 if ck.failed else 0)


if __name__ == "__main__":
    main()
