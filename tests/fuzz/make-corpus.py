#!/usr/bin/env python3
"""make-corpus.py - write the fuzz targets' seed corpus.

    tests/fuzz/make-corpus.py [OUTDIR]     (default: tests/fuzz/corpus)

Writes OUTDIR/load/ (inputs of fuzz_load: one profile file each) and
OUTDIR/diff/ (inputs of fuzz_diff: the 8-byte header described in
fuzz_diff.c, then BASE and NEW) and OUTDIR/trend/ (inputs of fuzz_trend:
the 4-byte header described in fuzz_trend.c, then length-prefixed
profiles).  Sources:

  - small real profiles: testdata/*.pb.gz and testdata/public (files
    under 100 KB; never pprof/large.cpu), some also decompressed (raw);
  - hand-made profiles, encoded here without a protobuf library, for what
    real profiles rarely hold: gzip edge cases, inlined frames, recursion,
    deep stacks, drop_frames/keep_frames, extreme values, hostile names
    (control characters, invalid UTF-8, markup), legacy sample types, and
    one input per validation error;
  - Go text heap profiles with runtime.MemStats, as diff and trend seeds
    (gotext-memstats*), so every format's MemStats section is fuzzed.
    (The load corpus's gotext-* and wrong-* seeds were added by hand and
    are not written here: regenerating clears them; copy new seeds in.)

The output is deterministic (gzip mtime 0), so rerunning it reproduces the
committed files.  The directories are cleared first: never point this at
a directory that holds anything else.
"""
import gzip
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESTDATA = os.path.join(ROOT, "testdata")
PUBLIC = os.path.join(TESTDATA, "public")

# ---- the protobuf encoder is tests/pprofgen.py's ----------------------------

sys.path.insert(0, os.path.join(ROOT, "tests"))
from pprofgen import f_bytes, f_varint, key, varint  # noqa: E402,F401

VARINT, LEN = 0, 2


def f_packed(field, vals):
    return f_bytes(field, b"".join(varint(v) for v in vals)) if vals else b""


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


class Profile:
    """profile.proto, field numbers as in proto/profile.proto."""

    def __init__(self, types=(("inuse_objects", "count"), ("inuse_space", "bytes"))):
        self.strings = [b""]
        self.sample_types = [(self.s(t), self.s(u)) for t, u in types]
        self.samples, self.mappings, self.locations, self.functions = [], [], [], []
        self.scalars = {}  # field -> int64
        self.period_type = None
        self.comments = []
        self.raw_tail = b""  # appended as is (unknown fields, junk)

    def s(self, text):
        if isinstance(text, str):
            text = text.encode("utf-8", "surrogateescape")
        if text in self.strings:
            return self.strings.index(text)
        self.strings.append(text)
        return len(self.strings) - 1

    def func(self, name, filename="main.go", start=0, system=None, fid=None):
        fid = fid or len(self.functions) + 1
        self.functions.append(
            f_varint(1, fid) + f_varint(2, self.s(name)) +
            f_varint(3, self.s(system if system is not None else name)) +
            f_varint(4, self.s(filename)) + f_varint(5, start))
        return fid

    def mapping(self, filename, build_id="", mid=None, start=0x400000, limit=0x800000):
        mid = mid or len(self.mappings) + 1
        self.mappings.append(
            f_varint(1, mid) + f_varint(2, start) + f_varint(3, limit) +
            f_varint(5, self.s(filename)) + f_varint(6, self.s(build_id)) +
            f_varint(7, 1) + f_varint(8, 1) + f_varint(9, 1) + f_varint(10, 1))
        return mid

    def loc(self, lines, address=0, mapping=0, lid=None):
        """lines: [(function_id, line)], innermost first."""
        lid = lid or len(self.locations) + 1
        body = f_varint(1, lid) + f_varint(2, mapping) + f_varint(3, address)
        for fid, line in lines:
            body += f_bytes(4, f_varint(1, fid) + f_varint(2, line))
        self.locations.append(body)
        return lid

    def sample(self, locs, values, labels=()):
        body = f_packed(1, locs) + f_packed(2, values)
        for k, sv, num, unit in labels:
            body += f_bytes(3, f_varint(1, self.s(k)) + f_varint(2, self.s(sv) if sv else 0) +
                            f_varint(3, num) + f_varint(4, self.s(unit) if unit else 0))
        self.samples.append(body)

    def encode(self):
        # Intern every string before the table is written.
        pt = self.period_type and (self.s(self.period_type[0]), self.s(self.period_type[1]))
        comments = [self.s(c) for c in self.comments]
        out = b""
        for t, u in self.sample_types:
            out += f_bytes(1, f_varint(1, t) + f_varint(2, u))
        out += b"".join(f_bytes(2, x) for x in self.samples)
        out += b"".join(f_bytes(3, x) for x in self.mappings)
        out += b"".join(f_bytes(4, x) for x in self.locations)
        out += b"".join(f_bytes(5, x) for x in self.functions)
        out += b"".join(f_bytes(6, x) for x in self.strings)
        for field in sorted(self.scalars):
            out += f_varint(field, self.scalars[field])
        if pt:
            out += f_bytes(11, f_varint(1, pt[0]) + f_varint(2, pt[1]))
        out += f_packed(13, comments)
        return out + self.raw_tail


# ---- hand-made profiles --------------------------------------------------

def chain(p, names, filename="main.go"):
    """One function and one single-line location per name; location ids."""
    return [p.loc([(p.func(n, filename), 10 + i)]) for i, n in enumerate(names)]


def basic(grow=0):
    """Three stacks; grow > 0 moves value around and adds a new frame."""
    p = Profile()
    leaf, mid, top, other = chain(p, ["main.leaf", "main.mid", "main.main", "main.other"])
    p.sample([leaf, mid, top], [3, 300 + grow * 100])
    p.sample([mid, top], [1, 100])
    p.sample([other, top], [2, 0 if grow else 50])
    if grow:
        (fresh,) = chain(p, ["main.fresh"])
        p.sample([fresh, top], [grow, grow * 1000])
    p.scalars[9] = 1_700_000_000_000_000_000 + grow * 3_600_000_000_000
    p.scalars[10] = 10_000_000_000
    p.period_type = ("space", "bytes")
    p.scalars[12] = 524288
    return p


def inline():
    """Inlined lines, a mapping, an address-only and an unsymbolized frame."""
    p = Profile()
    m = p.mapping("/usr/lib/libfoo.so.1", build_id="abc123")
    f1 = p.func("std::vector<int>::push_back(int const&)", "/usr/include/c++/vector", 100)
    f2 = p.func("(anonymous namespace)::grow(unsigned long)", "src/./grow.cc", 20)
    f3 = p.func("operator()", "src/lambda.cc")
    f4 = p.func("", "", 77)  # no name: shown by its mapping
    l1 = p.loc([(f1, 120), (f2, 25), (f3, 3)], address=0x401000, mapping=m)
    l2 = p.loc([], address=0x402abc, mapping=m)
    l3 = p.loc([(f4, 0)], address=0x403000, mapping=m)
    l4 = p.loc([], address=0xFFFFFFFFFFFFFFFF)
    p.sample([l1, l2, l3], [1, 4096])
    p.sample([l2, l4], [2, 8192])
    p.sample([l4], [1, 1])
    p.sample([], [5, 5])  # empty stack: the root's own value
    return p


def recursion(depth=64):
    p = Profile()
    a, b, c = chain(p, ["main.a", "main.b", "main.c"])
    p.sample([a, b] * depth + [c], [1, 1000])
    p.sample([a, a, a, c], [1, 10])
    p.sample([b, a, b, c], [1, 20])
    return p


def deep(n=3000):
    p = Profile()
    locs = chain(p, ["f%05d" % i for i in range(n)], filename="deep.go")
    p.sample(locs, [1, 64])
    p.sample(locs[n // 2:], [1, 32])
    return p


def drop_frames(new=False):
    p = Profile()
    ids = chain(p, ["runtime.mallocgc", "runtime.newobject", "runtime.keepalive",
                    "main.alloc", "main.(*T).M(int)", "main.main"])
    malloc, newobj, keep, alloc, meth, main = ids
    p.sample([malloc, newobj, alloc, main], [1, 100])
    p.sample([keep, malloc, meth, main], [2, 200])
    p.sample([malloc, newobj], [1, 10])
    p.sample([alloc, malloc, main], [1, 5 if not new else 500])
    p.scalars[7] = p.s("runtime\\..*|main\\.\\(\\*T\\)\\.M")
    p.scalars[8] = p.s("runtime\\.keep.*")
    return p


def drop_regex(pattern, keep=""):
    """drop_frames/keep_frames are regular expressions from the file."""
    p = Profile()
    a, b, c = chain(p, ["runtime.mallocgc", "aaaaaaaaab", "main.main"])
    p.sample([a, b, c], [1, 10])
    p.sample([b, c], [1, 20])
    p.scalars[7] = p.s(pattern)
    if keep:
        p.scalars[8] = p.s(keep)
    return p


def long_names(namelen=1000, depth=100):
    """A long name repeated down a stack: folded output grows as both."""
    p = Profile()
    (a,) = chain(p, ["n" * namelen])
    p.sample([a] * depth, [1, 1])
    return p


def extremes(sign=1):
    I64_MAX, I64_MIN = (1 << 63) - 1, -(1 << 63)
    p = Profile()
    a, b, c = chain(p, ["x.a", "x.b", "x.c"])
    p.sample([a, b], [I64_MAX * sign, I64_MAX * sign])
    p.sample([a, b], [I64_MAX * sign, 1])
    p.sample([b], [I64_MIN if sign > 0 else I64_MAX, -1])
    p.sample([c, b], [-5 * sign, -(1 << 62)])
    p.loc([(1, -1), (2, I64_MAX)], address=1 << 63)
    p.sample([4], [0, 0])
    p.scalars[9] = I64_MAX if sign > 0 else I64_MIN
    p.scalars[10] = -1
    return p


def hostile_names(selected=("inuse_space", "bytes")):
    """Names a renderer must quote: controls, bad UTF-8, markup, folded
    separators, a long name; selected is the default sample type."""
    p = Profile(types=(("alloc_space\x1b[31m", "bytes"), selected))
    names = [
        "\x1b]0;pwned\x07evil\x1b[2J", "new\nline\tand\rcr", b"bad\xff\xfeutf8",
        b"overlong\xc0\xaf/\xed\xa0\x80surrogate", "semi;colon;stack", "worker 12",
        "v 1.5", "tick .5", "```code``` and `tick`", "pipe|in|name \\|", "<script>alert(1)</script>",
        "*bold* _it_ [link](http://x) @user #1 :smile: $x$", "\u00e9t\u00e9 \u2192 \U0001F600",
        "L" * 3000, " ", "\x7f",
    ]
    ids = [p.loc([(p.func(n, "dir/" + (n if isinstance(n, str) else "b.go")), 1)])
           for n in names]
    for i, lid in enumerate(ids):
        p.sample([lid, ids[(i + 1) % len(ids)]], [i + 1, (i + 1) * 100])
    p.comments = ["comment\x1b[0m"]
    return p


def legacy(inuse=False):
    """Old Go heap profiles call the types space/objects."""
    t = (("inuse_objects", "count"), ("inuse_space", "bytes")) if inuse else \
        (("objects", "count"), ("space", "bytes"))
    p = Profile(types=t)
    a, b = chain(p, ["main.a", "main.b"])
    p.sample([a, b], [1, 100])
    p.sample([b], [2, 300])
    p.scalars[14] = p.s(t[0][0])  # default_sample_type
    return p


def cpu():
    p = Profile(types=(("samples", "count"), ("cpu", "nanoseconds")))
    a, b = chain(p, ["main.spin", "main.main"])
    p.sample([a, b], [10, 10_000_000])
    p.sample([b], [1, 999])
    p.period_type = ("cpu", "nanoseconds")
    p.scalars[12] = 10_000_000
    return p


def labels():
    p = Profile()
    a, b = chain(p, ["main.a", "main.b"])
    p.sample([a, b], [1, 10], labels=[("bytes", None, 1024, "bytes"), ("span", "x", 0, None)])
    return p


def paths():
    p = Profile(types=(("alloc_space", "bytes"),))
    files = ["/proc/self/cwd/./a/../b.go", "./x//y/", "../../z.go", "", "/", "a/./../..", "//"]
    for i, f in enumerate(files):
        lid = p.loc([(p.func("f%d" % i, f), i)])
        p.sample([lid], [i + 1])
    return p


def same_type_twice():
    p = Profile(types=(("inuse_space", "bytes"), ("inuse_space", "bytes")))
    a, b = chain(p, ["main.a", "main.b"])
    p.sample([a, b], [1, 2])
    return p


def empty_samples():
    p = Profile()
    chain(p, ["main.unused"])
    return p


def zero_total():
    p = Profile()
    a, b = chain(p, ["main.a", "main.b"])
    p.sample([a, b], [0, 0])
    p.sample([a], [5, -5])
    p.sample([b], [-5, 5])
    return p


def units(unit):
    p = Profile(types=(("inuse_space", unit),))
    (a,) = chain(p, ["main.a"])
    p.sample([a], [1])
    return p


def invalid():
    """One profile per validation rule, each breaking exactly that rule."""
    out = {}

    p = basic(); p.strings[0] = b"x"; out["bad-string0"] = p.encode()
    p = Profile(); p.sample([], [1, 2]); p.sample_types = []; out["bad-no-types"] = p.encode()
    p = basic(); p.samples.append(f_packed(1, [1]) + f_packed(2, [1])); out["bad-nvalues"] = p.encode()
    p = basic(); p.func("dup", fid=1); out["bad-dup-function"] = p.encode()
    p = basic(); p.loc([(1, 1)], lid=1); out["bad-dup-location"] = p.encode()
    p = basic(); p.func("zero", fid=0)
    p.functions[-1] = f_varint(2, 1)  # id field absent: id 0
    out["bad-function-id0"] = p.encode()
    p = basic(); p.loc([(99, 1)]); out["bad-dangling-function"] = p.encode()
    p = basic(); p.loc([(1, 1)], mapping=7); out["bad-dangling-mapping"] = p.encode()
    p = basic(); p.sample([12345], [1, 1]); out["bad-dangling-location"] = p.encode()
    p = basic(); p.sample_types.append((9999, 1)); out["bad-string-index"] = p.encode()
    p = basic(); p.scalars[7] = -1; out["bad-negative-string-index"] = p.encode()
    p = basic(); p.locations.append(f_varint(1, 77) + f_bytes(4, f_varint(2, 5)))
    out["bad-line-function0"] = p.encode()
    out["bad-truncated-varint"] = basic().encode() + b"\x48\xff\xff"
    out["bad-wrong-wiretype"] = b"\x0d\x00\x00\x00\x00" + basic().encode()
    out["bad-huge-length"] = b"\x0a\xff\xff\xff\xff\x0f"
    return out


# ---- corpus ----------------------------------------------------------------

def gotext(inuse, ms, pause=None):
    """Go's text heap profile (lib/input/gotext.c) of one record holding
    inuse bytes, with a runtime.MemStats tail of the fields in ms (and
    PauseNs when given): diff and trend seeds that reach the MemStats
    section of every format."""
    lines = ["heap profile: 2: %d [3: %d] @ heap/1024" % (inuse, inuse * 2),
             "1: %d [2: %d] @ 0x401000 0x402000" % (inuse, inuse * 2),
             "#\t0x400fff\tmain.hold+0x1\t/src/main.go:10",
             "#\t0x401fff\tmain.main+0x1\t/src/main.go:20", "",
             "1: 64 [1: 64] @ 0x403000", "#\t0x402fff\truntime.malg+0x1\truntime/proc.go:1", "",
             "", "# runtime.MemStats"]
    for k, v in ms:
        lines.append("# %s = %s" % (k, v))
    if pause is not None:
        lines.append("# PauseNs = [%s]" % " ".join(str(x) for x in pause))
    return ("\n".join(lines) + "\n").encode()


def memstats(heap, sys_, stack, gc=10, mallocs=1000, frees=900, rss=0):
    m = [("Alloc", heap), ("TotalAlloc", heap * 4), ("Sys", sys_), ("Lookups", 0),
         ("Mallocs", mallocs), ("Frees", frees), ("HeapAlloc", heap), ("HeapSys", heap * 2),
         ("HeapIdle", heap), ("HeapInuse", heap + 4096), ("HeapReleased", heap // 2),
         ("HeapObjects", mallocs - frees), ("Stack", "%d / %d" % (stack, stack)),
         ("MSpan", "100 / 200"), ("MCache", "10 / 20"), ("BuckHashSys", 4096),
         ("GCSys", 1 << 20), ("OtherSys", 1 << 19), ("NextGC", heap * 2),
         ("LastGC", 1700000000000000000), ("NumGC", gc), ("NumForcedGC", 1)]
    return m + ([("MaxRSS", rss)] if rss else [])


def read_gz(path):
    with open(path, "rb") as f:
        return f.read()


def header(split, flags=0, gran_sort=0, chains=3, misc=0):
    return struct.pack("<IBBBB", split, flags, gran_sort, chains, misc)


def pair(a, b, *hdr):
    return header(len(a), *hdr) + a + b


# Seeds from testdata/public keep the "shared-" prefix of their file names
# from when these profiles lived outside the repository, so that the
# committed corpus stays as it is.
PUBLIC_LOAD = [
    "parca/query-two-stacks.pb.gz", "parca/query-single-stack.pb.gz",
    "parca/query-no-python.pb.gz", "parca/symbolizer-profile.pb.gz",
    "parca/normalizer-node-profile.pb.gz", "parca/normalizer-profile.pb.gz",
    "parca/query-fib.pb.gz", "parca/query-profile1.pb.gz", "parca/query-fgprof.pb.gz",
    "parca/query-profile-with-labels.pb.gz", "pprof/sample.cpu.pb.gz",
    "parca-heap-series/heap-00.pb.gz",
]
TESTDATA_LOAD = ["cache-v1.pb.gz", "leak-00.pb.gz", "leak-03.pb.gz"]
RAW = ["testdata/leak-00.pb.gz", "testdata/cache-v1.pb.gz",
       "public/parca/query-two-stacks.pb.gz", "public/pprof/sample.cpu.pb.gz",
       "public/parca/symbolizer-profile.pb.gz"]


def src(name):
    if name.startswith("public/"):
        return os.path.join(PUBLIC, name[len("public/"):])
    if name.startswith("testdata/"):
        return os.path.join(TESTDATA, name[len("testdata/"):])
    return name


def main():
    out = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    load, diff, trend = {}, {}, {}

    for name in TESTDATA_LOAD:
        load["testdata-" + name] = read_gz(os.path.join(TESTDATA, name))
    for name in PUBLIC_LOAD:
        data = read_gz(os.path.join(PUBLIC, name))
        assert len(data) < 100 * 1024, name
        load["shared-" + name.replace("/", "-")] = data
    for name in RAW:
        base = os.path.basename(name).replace(".pb.gz", "")
        load["raw-" + base + ".pb"] = gzip.decompress(read_gz(src(name)))

    mini = Profile(types=()).encode()
    b = basic().encode()
    half = len(b) // 2
    hand = {
        "empty": b"",
        "gzip-magic-only": b"\x1f\x8b",
        "gzip-header-only": gz(b)[:10],
        "gzip-truncated": gz(b)[:-6],
        "gzip-bad-crc": gz(b)[:-8] + b"\0\0\0\0" + gz(b)[-4:],
        "gzip-two-members": gz(b[:half]) + gz(b[half:]),
        "gzip-trailing-garbage": gz(b) + b"junk",
        "gzip-trailing-magic": gz(b) + b"\x1f\x8b",
        "gzip-empty": gz(b""),
        "gzip-isize-lies": gz(b)[:-4] + b"\xff\xff\xff\x7f",
        "gzip-in-gzip": gz(gz(b)),
        "minimal": mini,
        "minimal.gz": gz(mini),
        "types-no-samples": Profile().encode(),
        "basic": b,
        "basic.gz": gz(b),
        "inline": inline().encode(),
        "recursion": recursion().encode(),
        "deep-3000": gz(deep().encode()),
        "drop-frames": drop_frames().encode(),
        "drop-frames-classes": drop_regex("[[:alpha:]_]+\\.(malloc|new)[^x]*|a{1,9}b",
                                          "(x|y)*[]a-]{2}").encode(),
        "drop-frames-costly": drop_regex("(a|b|c|d){1,300}").encode(),
        "drop-frames-nested": drop_regex("(" * 70 + "a" + ")" * 70).encode(),
        "drop-frames-unbalanced": drop_regex("a)|(b", "((").encode(),
        "long-names": gz(long_names().encode()),
        "extremes": extremes().encode(),
        "extremes-negated": extremes(-1).encode(),
        "hostile-names": hostile_names().encode(),
        "hostile-type": hostile_names(("inuse_\x1b]0;x\x07space|*<b>", b"bytes\n\xff")).encode(),
        "legacy-space": legacy().encode(),
        "cpu-nanoseconds": cpu().encode(),
        "labels": labels().encode(),
        "paths": paths().encode(),
        "same-type-twice": same_type_twice().encode(),
        "zero-total": zero_total().encode(),
        "unknown-fields": b + f_varint(99, 7) + f_bytes(100, b"x" * 10) + b"\x7d\x00\x00\x00\x00",
    }
    hand.update(invalid())
    for name, data in hand.items():
        load["hand-" + name] = data

    def td(name):
        return read_gz(os.path.join(TESTDATA, name))

    def sh(name):
        return read_gz(os.path.join(PUBLIC, name))

    raw = gzip.decompress
    g = {"functions": 0, "filefunctions": 1, "files": 2, "lines": 3, "addresses": 4}
    sort = {"default": 0, "flat": 1, "cum": 2, "delta": 3, "delta-cum": 4, "pct": 5}

    def gs(gran, srt):
        return g[gran] + 5 * sort[srt]

    # flags: 1 normalize, 2 colour, 4 focus, 8 ignore, 16 hide, 32 show,
    # 64/128 folded base/new.  misc: 0-2 min-delta, 3-5 rule, 6-7 top.
    diff["cache"] = pair(td("cache-v1.pb.gz"), td("cache-v2.pb.gz"))
    diff["cache-normalize-color-lines"] = pair(td("cache-v1.pb.gz"), td("cache-v2.pb.gz"),
                                               1 | 2, gs("lines", "pct"), 17, 1 << 3 | 2 << 6)
    diff["leak-raw-gz-filters"] = pair(raw(td("leak-00.pb.gz")), td("leak-05.pb.gz"),
                                       4 | 8 | 64, gs("filefunctions", "cum"), 3 | 1 << 5, 2 << 3 | 3 << 6)
    diff["leak-hide-show"] = pair(td("leak-01.pb.gz"), td("leak-02.pb.gz"),
                                  16 | 32 | 128, gs("files", "delta-cum"), 16, 3 | 3 << 3)
    diff["parca-series"] = pair(sh("parca-heap-series/heap-00.pb.gz"),
                                sh("parca-heap-series/heap-01.pb.gz"),
                                1, gs("addresses", "delta"), 5 | 3 << 5, 2 | 4 << 3 | 1 << 6)
    diff["cpu-vs-heap"] = pair(sh("pprof/sample.cpu.pb.gz"), td("leak-00.pb.gz"))
    diff["cpu-vs-fib"] = pair(sh("pprof/sample.cpu.pb.gz"), sh("parca/query-fib.pb.gz"), 1)
    diff["basic-grow"] = pair(basic().encode(), basic(3).encode(), 2, gs("functions", "pct"),
                              16 | 1 << 7, 5 << 3)
    diff["basic-grow-gz-normalize"] = pair(gz(basic().encode()), gz(basic(7).encode()), 1 | 2)
    diff["basic-shrink"] = pair(basic(3).encode(), basic().encode(), 0, gs("lines", "delta"),
                                4, 7 | 7 << 3)
    diff["zero-base-normalize"] = pair(zero_total().encode(), basic().encode(), 1)
    diff["zero-new-normalize"] = pair(basic().encode(), zero_total().encode(), 1 | 2, 0, 3, 6 << 3)
    diff["unit-mismatch"] = pair(units("bytes").encode(), units("count").encode())
    diff["type-missing"] = pair(cpu().encode(), basic().encode())
    diff["legacy-vs-inuse"] = pair(legacy().encode(), legacy(True).encode(), 1)
    diff["extremes"] = pair(extremes().encode(), extremes(-1).encode(), 1, gs("addresses", "pct"),
                            17, 4 | 5 << 3)
    diff["extremes-min-delta-150"] = pair(extremes(-1).encode(), extremes().encode(), 0, 0, 3, 5)
    diff["drop-frames-new"] = pair(basic().encode(), drop_frames(True).encode(), 0,
                                   gs("functions", "delta"), 3, 1 << 3)
    diff["drop-frames-both"] = pair(drop_frames().encode(), drop_frames(True).encode(), 2 | 4)
    diff["hostile-names"] = pair(hostile_names().encode(), basic().encode(), 2)
    diff["hostile-names-both"] = pair(basic().encode(), hostile_names().encode(), 1 | 2,
                                      gs("lines", "cum"), 16, 3 << 3)
    diff["recursion"] = pair(recursion(8).encode(), recursion(64).encode(), 0, 0, 16)
    diff["deep"] = pair(gz(deep(500).encode()), gz(deep(600).encode()), 0, gs("lines", "default"), 16)
    diff["inline"] = pair(inline().encode(), basic().encode(), 0, gs("addresses", "flat"))
    diff["same-type-twice"] = pair(same_type_twice().encode(), same_type_twice().encode(), 1)
    diff["empty-samples"] = pair(empty_samples().encode(), empty_samples().encode())
    diff["invalid-new"] = pair(basic().encode(), invalid()["bad-dangling-location"])
    diff["gzip-two-members"] = pair(hand["gzip-two-members"], gz(basic(2).encode()))
    diff["short"] = b"\x00" * 8
    # Go's text heap profiles with runtime.MemStats: the section, its
    # cross-check (a heap leak, stacks, a restart) and the pause ring.
    ring = list(range(1, 257))
    diff["gotext-memstats-heap"] = pair(gotext(40 << 20, memstats(40 << 20, 90 << 20, 1 << 20), ring),
                                        gotext(60 << 20, memstats(60 << 20, 130 << 20, 1 << 20, 20),
                                               ring), 2, 0, 3, 1 << 6)
    diff["gotext-memstats-stacks"] = pair(gzip.compress(gotext(1 << 20, memstats(1 << 20, 9 << 20, 1 << 20,
                                                                                 rss=40 << 20)), mtime=0),
                                          gotext(1 << 20, memstats(1 << 20, 40 << 20, 32 << 20, 300,
                                                                   rss=90 << 20)))
    diff["gotext-memstats-restart"] = pair(gotext(8, memstats(8, 1 << 20, 8192, 5, 10, 9)),
                                           gotext(2 ** 61, memstats(2 ** 61, 2 ** 64 - 1, 0, 2,
                                                                    2 ** 64 - 1, 0)), 1)

    # trend: 4-byte header (fuzz_trend.c), then 3-byte length + profile.
    def series(profiles, flags=0, gran_sort=0, thresholds=0, chains=3):
        out = bytes([flags, gran_sort, thresholds, chains])
        for p in profiles:
            out += len(p).to_bytes(3, "little") + p
        return out

    leaks = [td("leak-%02d.pb.gz" % i) for i in range(6)]
    trend["leak-series"] = series(leaks)
    trend["leak-series-ascii-lines"] = series(leaks, 1 | 2 | 64, gs("lines", "cum"), 1 | 1 << 2 | 2 << 6, 17)
    trend["leak-raw-filters"] = series([raw(x) for x in leaks[:3]], 4 | 16 | 128, gs("files", "pct"),
                                       2 | 3 << 2 | 3 << 4 | 1 << 6)
    trend["parca-series"] = series([sh("parca-heap-series/heap-%02d.pb.gz" % i) for i in range(4)],
                                   0, gs("addresses", "delta"), 3 << 4)
    trend["basic-growing"] = series([basic(k).encode() for k in range(8)], 2, gs("functions", "delta-cum"))
    trend["extremes"] = series([extremes().encode(), extremes(-1).encode(), extremes().encode()], 1)
    trend["hostile-names"] = series([basic().encode(), hostile_names().encode(), basic(2).encode()], 2)
    trend["mixed-types"] = series([basic().encode(), cpu().encode()])
    trend["zero-totals"] = series([zero_total().encode(), zero_total().encode(), basic().encode()])
    trend["invalid-second"] = series([basic().encode(), invalid()["bad-dangling-location"]])
    trend["short"] = b"\x00" * 4
    trend["gotext-memstats"] = series([gotext((40 + 5 * k) << 20, memstats((40 + 5 * k) << 20,
                                                                        (90 + 9 * k) << 20, 1 << 20,
                                                                        10 + 3 * k), ring)
                                       for k in range(5)], 1 | 2)
    trend["gotext-memstats-mixed"] = series([gotext(1 << 20, memstats(1 << 20, 9 << 20, 1 << 20)),
                                             basic().encode(),
                                             gotext(2 << 20, memstats(2 << 20, 19 << 20, 9 << 20))])

    for sub, files in (("load", load), ("diff", diff), ("trend", trend)):
        d = os.path.join(out, sub)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for name, data in sorted(files.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    total = sum(len(x) for d in (load, diff, trend) for x in d.values())
    print("make-corpus: %d load, %d diff and %d trend inputs, %d bytes in %s" %
          (len(load), len(diff), len(trend), total, out))


if __name__ == "__main__":
    main()
