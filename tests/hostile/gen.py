#!/usr/bin/env python3
"""Hostile inputs for issue #20, "Hostile profiles cost what their size
justifies": one generator per row of the issue's table (run.py names the
row beside each case).  Python 3 standard library only.

    gen.py OUTDIR [GENERATOR[:SIZE]...]    write inputs, print their sizes
    gen.py --list

As a module: generate(name, size, outdir) -> Inputs, cached by (name,
size) for the life of the process.  An Inputs holds the files written
(gzip unless said), what to feed on standard input (None, bytes or a
function returning an iterator of bytes), and raw, the decompressed size
of everything heapdiff is given (run.py scales its memory ceilings by it).

The wire helpers come from tests/pprofgen.py; pprofgen writes one
Function and Location per name and nothing else, so the messages it
cannot write (chosen ids, start_line, line numbers, mappings, labels,
drop_frames, keep_frames, comment) are encoded here.  Field numbers are
proto/profile.proto's.

Colliding keys: heapdiff's hash tables were linear-probing tables indexed
by hd_hash64(key) & (cap - 1) (lib/base/base.h: murmur3's fmix64), cap a
power of two.  fmix64 is a bijection, so unfmix64(k << 20) for k = 1..n
gives n distinct keys that all land in slot 0 of any such table of up to
2^20 slots.  A future hash will scatter them again, which is the point:
the inputs record what used to be quadratic, not what will be.
"""

import gzip
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pprofgen  # noqa: E402
from pprofgen import Strings  # noqa: E402

# pprofgen's wire helpers, memoized for the small numbers that are most of
# what is written here (a series of 500 profiles is a million messages):
# the same bytes, several times faster.
_VC = [pprofgen.varint(i) for i in range(1 << 14)]


def varint(n):
    return _VC[n] if 0 <= n < 16384 else pprofgen.varint(n)


def key(field, wire):
    return _VC[field << 3 | wire]


def f_varint(field, n):
    return _VC[field << 3] + varint(n) if n else b""


def f_bytes(field, data):
    return _VC[field << 3 | 2] + varint(len(data)) + data


def f_packed(field, nums):
    if not nums:
        return b""
    return f_bytes(field, b"".join([varint(n) for n in nums]))

MiB = 1 << 20
U64 = (1 << 64) - 1

# ---- murmur3 fmix64 and its inverse --------------------------------------

_C1 = 0xFF51AFD7ED558CCD
_C2 = 0xC4CEB9FE1A85EC53
_C1_INV = pow(_C1, -1, 1 << 64)
_C2_INV = pow(_C2, -1, 1 << 64)


def fmix64(x):
    """hd_hash64() of lib/base/base.h (as it was when these were written)."""
    x ^= x >> 33
    x = (x * _C1) & U64
    x ^= x >> 33
    x = (x * _C2) & U64
    x ^= x >> 33
    return x


def unfmix64(h):
    """The x with fmix64(x) == h.  x ^= x >> 33 undoes itself (33 > 32)."""
    h ^= h >> 33
    h = (h * _C2_INV) & U64
    h ^= h >> 33
    h = (h * _C1_INV) & U64
    h ^= h >> 33
    return h


def colliding_keys(n, shift=20):
    """n distinct non-zero 64-bit keys whose fmix64 is 0 mod 2^shift."""
    return [unfmix64(k << shift) for k in range(1, n + 1)]


# ---- messages pprofgen lacks ----------------------------------------------

def value_type(st, t, u):
    return f_varint(1, st(t)) + f_varint(2, st(u))


def function(fid, name=0, system_name=None, filename=0, start_line=0):
    """Function: name, system_name, filename are string indexes."""
    if system_name is None:
        system_name = name
    return (f_varint(1, fid) + f_varint(2, name) + f_varint(3, system_name) +
            f_varint(4, filename) + f_varint(5, start_line & U64))


def line(function_id, lineno=0):
    return f_varint(1, function_id) + f_varint(2, lineno)


def location(lid, lines, mapping_id=0, address=0):
    """lines: [(function_id, line number)], innermost first."""
    return (f_varint(1, lid) + f_varint(2, mapping_id) + f_varint(3, address) +
            b"".join(f_bytes(4, line(f, n)) for f, n in lines))


def mapping(mid, start, limit, filename=0, build_id=0, offset=0):
    return (f_varint(1, mid) + f_varint(2, start) + f_varint(3, limit) +
            f_varint(4, offset) + f_varint(5, filename) + f_varint(6, build_id) +
            f_varint(7, 1) + f_varint(8, 1) + f_varint(9, 1))


def label(k, s=0, num=0, num_unit=0):
    return f_varint(1, k) + f_varint(2, s) + f_varint(3, num) + f_varint(4, num_unit)


def sample(locs, values, labels=()):
    return (f_packed(1, locs) + f_packed(2, values) +
            b"".join(f_bytes(3, lb) for lb in labels))


class Profile:
    """Fields in the order pprof writes them; the string table last, so
    every index is known by then.  Repeated messages are appended as
    encoded field bytes (field_bytes) so big ones can be multiplied."""

    def __init__(self, types=(("inuse_space", "bytes"),)):
        self.st = Strings()
        self.types = [value_type(self.st, t, u) for t, u in types]
        self.samples = []
        self.mappings = []
        self.locations = []
        self.functions = []
        self.drop_frames = self.keep_frames = 0
        self.comments = []
        self.time_nanos = self.duration_nanos = 0
        self.default_type = 0
        self.tail = []  # extra encoded fields, written after the rest

    def s(self, x):
        """A string's index; an int is taken as one already (interning a
        1 MiB string thousands of times would hash it thousands of times)."""
        return x if isinstance(x, int) else self.st(x)

    def add_sample(self, locs, values, labels=()):
        self.samples.append(f_bytes(2, sample(locs, values, labels)))

    def add_location(self, lid, lines, mapping_id=0, address=0):
        self.locations.append(f_bytes(4, location(lid, lines, mapping_id, address)))

    def add_function(self, fid, name="", filename="", start_line=0):
        n = self.s(name)
        self.functions.append(f_bytes(5, function(fid, n, n, self.s(filename), start_line)))

    def encode(self):
        out = [f_bytes(1, t) for t in self.types]
        out += self.samples + self.mappings + self.locations + self.functions
        out += [f_bytes(6, s) for s in self.st.table]
        out.append(f_varint(7, self.drop_frames) + f_varint(8, self.keep_frames) +
                   f_varint(9, self.time_nanos & U64) + f_varint(10, self.duration_nanos))
        if self.comments:
            out.append(f_packed(13, self.comments))
        out.append(f_varint(14, self.default_type))
        out += self.tail
        return b"".join(out)


def simple_profile(stacks, names=None, types=(("inuse_space", "bytes"),), **fields):
    """Stacks [(leaf-first names, [values])] with one Function and Location
    per name, as pprofgen writes them, plus any Profile attribute."""
    p = Profile(types)
    ids = {}
    for stack, values in stacks:
        locs = []
        for n in stack:
            if n not in ids:
                ids[n] = len(ids) + 1
            locs.append(ids[n])
        p.add_sample(locs, values)
    for n, i in ids.items():
        p.add_location(i, [(i, 10 + i)], address=0x1000 + i)
        p.add_function(i, n, "main.go")
    for k, v in fields.items():
        if k in ("drop_frames", "keep_frames"):
            v = p.s(v)
        setattr(p, k, v)
    return p.encode()


# ---- writing ---------------------------------------------------------------

class Inputs:
    def __init__(self, files=(), stdin=None, raw=0, note=""):
        self.files = list(files)
        self.stdin = stdin    # None, bytes, or a function returning an iterator
        self.raw = raw        # decompressed bytes of all input
        self.note = note

    def __repr__(self):
        return "Inputs(%r, raw=%d)" % (self.files, self.raw)


def write(path, data, gz=True):
    with open(path, "wb") as f:
        f.write(gzip.compress(data, 6, mtime=0) if gz else data)
    return path


def one(outdir, name, data, gz=True, note=""):
    return Inputs([write(os.path.join(outdir, name), data, gz)], raw=len(data), note=note)


def pair(outdir, stem, base, new):
    return Inputs([write(os.path.join(outdir, stem + "-base.pb.gz"), base),
                   write(os.path.join(outdir, stem + "-new.pb.gz"), new)],
                  raw=len(base) + len(new))


# ---- the table's rows -------------------------------------------------------

# Row 1: a counted repetition with no lower bound, which the old cost
# check did not count; glibc's regcomp() copies the operand 32767 times.
def g_drop_counted(outdir, size):
    pat = {0: "a{,32767}", 1: "(a{,181}){,181}"}[size]
    data = simple_profile([(["a", "main"], [4096])], drop_frames=pat)
    return one(outdir, "drop-counted-%d.pb" % size, data, gz=False,
               note="%d bytes, drop_frames %s" % (len(data), pat))


BACKREF = r"(a*)(a*)(a*)\2\3\4b"


# Row 2: drop_frames (size 0) or keep_frames (size 1, with a drop_frames
# that matches everything) with backreferences: glibc matches them by
# backtracking, per function.  size = number of functions, all named
# 'a' * 30 (one string), in distinct files.
def _backref(outdir, nfuncs, keep):
    p = Profile()
    name = "a" * 30
    for i in range(1, nfuncs + 1):
        p.add_function(i, name, "f%d.go" % i)
        p.add_location(i, [(i, 1)])
        p.add_sample([i], [i])
    if keep:
        p.drop_frames, p.keep_frames = p.s("a+"), p.s(BACKREF)
    else:
        p.drop_frames = p.s(BACKREF)
    data = p.encode()
    return one(outdir, "backref-%s-%d.pb" % ("keep" if keep else "drop", nfuncs), data,
               gz=False, note="%d bytes" % len(data))


def g_drop_backref(outdir, size):
    return _backref(outdir, size, False)


def g_keep_backref(outdir, size):
    return _backref(outdir, size, True)


# Row 3: n locations and n functions whose ids all collide in slot 0 of
# the id maps (ids far above 4n, so pprof.c indexes them with a map, not
# its dense array).  One sample per location.
def g_loc_ids(outdir, n):
    p = Profile()
    lids = colliding_keys(n)
    fids = colliding_keys(2 * n)[n:]
    for i in range(n):
        p.add_function(fids[i], "f%d" % i, "main.go")
        p.add_location(lids[i], [(fids[i], 7)])
        p.add_sample([lids[i]], [1 + i % 7])
    return one(outdir, "loc-ids-%d.pb.gz" % n, p.encode())


# Row 4: n nameless functions (name "") whose start_line values collide
# in the model's frame table: for a nameless function without a mapping
# at the default granularity, frame_hash() reduces to
# hd_hash64(start_line).  One location and sample each.
def g_nameless(outdir, n):
    p = Profile()
    starts = colliding_keys(n)
    for i in range(1, n + 1):
        p.add_function(i, "", "", starts[i - 1])
        p.add_location(i, [(i, 0)])
        p.add_sample([i], [1])
    return one(outdir, "nameless-%d.pb.gz" % n, p.encode())


# Row 5: n functions sharing one 1 MiB string: as their file name (size
# positive), or as their name with a drop_frames pattern that has to read
# all of it (shared_name).
def g_shared_file(outdir, n):
    p = Profile()
    fname = p.s("src/" + "x" * MiB + ".go")
    for i in range(1, n + 1):
        p.add_function(i, "f%d" % i, fname)
        p.add_location(i, [(i, 3)])
        p.add_sample([i], [1])
    return one(outdir, "shared-file-%d.pb.gz" % n, p.encode())


def g_shared_name(outdir, n):
    p = Profile()
    name = p.s("a" * MiB)
    for i in range(1, n + 1):
        p.add_function(i, name, "f%d.go" % i)
        p.add_location(i, [(i, 3)])
        p.add_sample([i], [1])
    p.drop_frames = p.s("a*b")
    return one(outdir, "shared-name-%d.pb.gz" % n, p.encode())


# Row 6: for --granularity lines: one function with a 96 KiB name in a
# 96 KiB file, n locations on distinct lines of it, a sample each.
def g_lines(outdir, n):
    p = Profile()
    p.add_function(1, "pkg." + "N" * (96 << 10), "src/" + "F" * (96 << 10) + ".go")
    for i in range(1, n + 1):
        p.add_location(i, [(1, i)])
        p.add_sample([i], [i])
    return one(outdir, "lines-%d.pb.gz" % n, p.encode())


# Row 7: n identical samples, each a stack through the same 10 functions,
# every one of them growing from BASE to NEW (so every one gets
# reference chains).  n = 1.6M: 16M frames, just under --max-frames.
def _ten(n, value):
    p = Profile()
    for i in range(1, 11):
        p.add_function(i, "pkg.func%02d" % i, "pkg.go")
        p.add_location(i, [(i, i)])
    p.samples.append(f_bytes(2, sample(list(range(1, 11)), [value])) * n)
    return p.encode()


def g_ten(outdir, n):
    return pair(outdir, "ten-%d" % n, _ten(n, 1), _ten(n, 3))


# Row 8: n distinct leaves under one chain of 1000 callers whose names
# are 1000 bytes long: folded output writes the chain on every line,
# n MB in all.
def g_folded(outdir, n, depth=1000):
    p = Profile()
    chain = list(range(1, depth + 1))
    for i in chain:
        p.add_function(i, "c%04d_" % i + "x" * 994, "chain.go")
        p.add_location(i, [(i, 1)])
    tail = b"".join(varint(i) for i in chain)
    for j in range(n):
        lid = depth + 1 + j
        p.add_function(lid, "leaf%d" % j, "leaf.go")
        p.add_location(lid, [(lid, 1)])
        body = varint(lid) + tail
        p.samples.append(f_bytes(2, f_bytes(1, body) + f_packed(2, [1 + j % 5])))
    return one(outdir, "folded-%d.pb.gz" % n, p.encode(),
               note="%d stacks of %d frames" % (n, depth + 1))


# Row 9: one function whose name is 1000 '&' (5000 bytes once escaped for
# XML) recursing depth times: the call tree has a full-width node per
# level, each with its name in a <title> and a label.
def g_svg(outdir, depth):
    p = Profile()
    p.add_function(1, "&" * 1000, "r.go")
    p.add_location(1, [(1, 1)])
    p.add_function(2, "main", "r.go")
    p.add_location(2, [(2, 1)])
    p.samples.append(f_bytes(2, f_bytes(1, b"\x01" * depth + b"\x02") + f_packed(2, [1 << 20])))
    return one(outdir, "svg-%d.pb.gz" % depth, p.encode())


# Row 10: a 10 MiB caller name: 50 leaves called through it three times
# (recursion), all growing, so every reference chain repeats it thrice.
def _caller(value, name):
    p = Profile()
    p.add_function(1, name, "c.go")
    p.add_location(1, [(1, 1)])
    p.add_function(2, "main", "main.go")
    p.add_location(2, [(2, 1)])
    for i in range(50):
        fid = 10 + i
        p.add_function(fid, "leaf%02d" % i, "l.go")
        p.add_location(fid, [(fid, 1)])
        p.add_sample([fid, 1, 1, 1, 2], [value * (i + 1)])
    return p.encode()


def g_caller(outdir, size):
    name = "pkg." + "C" * (10 * MiB)
    return pair(outdir, "caller", _caller(1000, name), _caller(5000, name))


# Row 11a: size bytes of packed comment string indexes (index 0, one
# byte each), streamed through zlib: the profile is never whole in memory
# here.
def g_comments(outdir, size):
    st = Strings()
    head = f_bytes(1, value_type(st, "inuse_space", "bytes"))
    head += b"".join(f_bytes(6, s) for s in st.table)
    head += key(13, 2) + varint(size)
    path = os.path.join(outdir, "comments-%d.pb.gz" % size)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(MiB)
    with open(path, "wb") as f:
        f.write(c.compress(head))
        left = size
        while left:
            k = min(left, MiB)
            f.write(c.compress(chunk[:k]))
            left -= k
        f.write(c.flush())
    return Inputs([path], raw=len(head) + size, note="%d comment indexes" % size)


# Row 11b: "empty" samples that are valid: no locations, a value each.
def g_valueonly(outdir, size):
    one_sample = f_bytes(2, f_packed(2, [1]))  # 5 bytes
    n = size // len(one_sample)
    st = Strings()
    data = (f_bytes(1, value_type(st, "inuse_space", "bytes")) + one_sample * n +
            b"".join(f_bytes(6, s) for s in st.table))
    return one(outdir, "valueonly-%d.pb.gz" % size, data, note="%d samples" % n)


# Row 11c: empty Sample messages (2 bytes each) and no sample type: an
# invalid profile, to be refused without indexing every sample first.
def g_emptysamples(outdir, size):
    n = size // 2
    data = b"\x12\x00" * n + f_bytes(6, b"")
    return one(outdir, "empty-%d.pb.gz" % size, data, note="%d samples" % n)


# Row 12: gzip on standard input that inflates to size bytes of zeros:
# (a) deflate at its best (about 1:1030), (b) stored blocks, so the
# compressed stream is itself size bytes long (streamed, never stored).
_ZCRC = {}


def _zero_crc(size):
    """CRC-32 of size zero bytes (computed once per size and run)."""
    if size not in _ZCRC:
        crc, chunk, left = 0, bytes(MiB), size
        while left:
            k = min(left, MiB)
            crc = zlib.crc32(chunk[:k], crc)
            left -= k
        _ZCRC[size] = crc
    return _ZCRC[size]


def _gzip_trailer(size):
    return (_zero_crc(size)).to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"


def g_zero_bomb(outdir, size):
    """A raw deflate stream of size zeros, with a full flush every MiB: after
    the first flush each MiB compresses to the same bytes, so the stream is
    assembled by repetition (size is a whole number of MiB, >= 3 MiB)."""
    assert size % MiB == 0 and size >= 3 * MiB
    z = bytes(MiB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(z) + c.flush(zlib.Z_FULL_FLUSH)
    mid = c.compress(z) + c.flush(zlib.Z_FULL_FLUSH)
    assert mid == c.compress(z) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.compress(z) + c.flush()
    body = GZIP_HEADER + first + mid * (size // MiB - 2) + last + _gzip_trailer(size)
    # Check the assembly on a small instance rather than trust it.
    small = GZIP_HEADER + first + mid + last + _gzip_trailer(3 * MiB)
    assert gzip.decompress(small) == bytes(3 * MiB)
    return Inputs(stdin=body, raw=size, note="%d bytes of gzip for %d of zeros" % (len(body), size))


def g_zero_stored(outdir, size):
    block = 65535
    assert size % block == 0
    n = size // block
    stored = b"\x00" + block.to_bytes(2, "little") + (block ^ 0xFFFF).to_bytes(2, "little") + bytes(block)
    final = b"\x01" + stored[1:]
    trailer = _gzip_trailer(size)
    chunk = stored * 16  # 1 MiB per write

    def stream():
        yield GZIP_HEADER
        left = n - 1
        while left >= 16:
            yield chunk
            left -= 16
        yield stored * left
        yield final + trailer

    # Check the block format on a small instance.
    small = (GZIP_HEADER + stored + final + zlib.crc32(bytes(2 * block)).to_bytes(4, "little") +
             (2 * block).to_bytes(4, "little"))
    d = zlib.decompressobj(31)
    assert d.decompress(small) == bytes(2 * block)
    return Inputs(stdin=stream, raw=size, note="%d bytes of stored gzip" % (len(stored) * n))


# Row 13: a series of count profiles, 1000 functions each, 900 of them
# seen in that profile only (the series' frames grow with its length).
# Profile k is profile 0 with "p000." renamed "p%03d." (same length, so
# every length prefix holds), plus its own time and 100 shared samples.
def g_series(outdir, count):
    p = Profile()
    p.add_function(1, "main", "main.go")
    p.add_location(1, [(1, 1)])
    for j in range(100):
        fid = 2 + j
        p.add_function(fid, "shared.fn%03d" % j, "shared.go")
        p.add_location(fid, [(fid, 1)])
    for j in range(900):
        fid = 200 + j
        p.add_function(fid, "p000.only%03d" % j, "p000.go")
        p.add_location(fid, [(fid, 1)])
        p.add_sample([fid, 2 + j % 100, 1], [64 * (1 + j % 50)])
    template = p.encode()
    files, raw = [], 0
    for k in range(count):
        data = (template.replace(b"p000.", b"p%03d." % k) +
                f_varint(9, (1700000000 + 60 * k) * 10**9) +
                b"".join(f_bytes(2, sample([2 + j, 1], [4096 + 512 * k + j])) for j in range(100)))
        raw += len(data)
        files.append(write(os.path.join(outdir, "series-%d-%03d.pb.gz" % (count, k)), data))
    return Inputs(files, raw=raw, note="%d profiles" % count)


# Row 14: sample type and unit that GitHub would turn into links,
# mentions, images or HTML, and names that would if they were not code.
MD_TYPE = ("inuse_space https://evil.example/x www.evil.example @org/team "
           "security@evil.example <img src=x onerror=alert(1)> <b>bold</b>")
MD_UNIT = "@org/unit https://unit.example/ <i>u</i>"
MD_NAMES = ["https://evil.example/fn", "www.fn.example", "@org/fn", "<img src=y>",
            "mail@fn.example", "main"]


def _md(value, t_nanos):
    stacks = [([n, "main"], [value * (i + 1)]) for i, n in enumerate(MD_NAMES[:-1])]
    return simple_profile(stacks, types=[(MD_TYPE, MD_UNIT)], time_nanos=t_nanos)


def g_markdown(outdir, size):
    files, raw = [], 0
    for k in range(3):
        data = _md(1000 * (k + 1), (1700000000 + 60 * k) * 10**9)
        raw += len(data)
        files.append(write(os.path.join(outdir, "md-%d.pb.gz" % k), data))
    return Inputs(files, raw=raw)


# Row 15: C1 controls and bidi overrides in names, file names and the
# sample type.
BAD_CHARS = ["\u009b", "\u009d", "\u202e", "\u2066"]
BIDI_TYPE = "inuse\u202e_space\u009b31m"
BIDI_NAMES = ["evil\u202egnp.exe", "iso\u2066late\u2069d", "csi\u009b2J", "osc\u009d0;x\u0007",
              "mixed\u202e\u009b\u2066\u009d"]


def _bidi(value, t_nanos):
    p = Profile(types=[("objects\u2066", "count"), (BIDI_TYPE, "bytes\u202e")])
    p.add_function(1, "main", "main.go")
    p.add_location(1, [(1, 1)])
    for i, n in enumerate(BIDI_NAMES):
        fid = 2 + i
        p.add_function(fid, n, "dir\u202e/f%d\u009b.go" % i)
        p.add_location(fid, [(fid, 5)])
        p.add_sample([fid, 1], [i + 1, value * (i + 1)])
    p.time_nanos = t_nanos
    return p.encode()


def g_bidi(outdir, size):
    files, raw = [], 0
    for k in range(3):
        data = _bidi(1000 * (k + 1), (1700000000 + 60 * k) * 10**9)
        raw += len(data)
        files.append(write(os.path.join(outdir, "bidi-%d.pb.gz" % k), data))
    return Inputs(files, raw=raw)


# Row 16: invalid UTF-8 (a lone continuation byte, a truncated sequence,
# an overlong '/', a surrogate) in the sample type name.
BAD_UTF8_TYPE = b"inuse\x80_sp\xe2\x82ace\xc0\xaf\xed\xa0\x80"


def _badutf8(value, t_nanos):
    return simple_profile([(["leaf", "main"], [value]), (["other", "main"], [7])],
                          types=[(BAD_UTF8_TYPE, b"by\xfftes")], time_nanos=t_nanos)


def g_badutf8(outdir, size):
    files, raw = [], 0
    for k in range(3):
        data = _badutf8(1000 * (k + 1), (1700000000 + 60 * k) * 10**9)
        raw += len(data)
        files.append(write(os.path.join(outdir, "badutf8-%d.pb.gz" % k), data))
    return Inputs(files, raw=raw)


# Row 17: 2^62 bytes of growth (size 0) or shrinkage (size 1) in 1 ns.
def g_rate(outdir, size):
    t0 = 1700000000 * 10**9
    small, big = [(["leaf", "main"], [1])], [(["leaf", "main"], [1 << 62])]
    a, b = (small, big) if size == 0 else (big, small)
    return pair(outdir, "rate-%d" % size, simple_profile(a, time_nanos=t0),
                simple_profile(b, time_nanos=t0 + 1))


# Row 18: a legitimate profile whose text report is big (--top 0): n
# functions under main.
def g_many(outdir, n):
    p = Profile()
    p.add_function(1, "main", "main.go")
    p.add_location(1, [(1, 1)])
    for i in range(2, n + 2):
        p.add_function(i, "pkg%03d.(*Type).method%07d" % (i % 1000, i), "pkg/file%03d.go" % (i % 1000))
        p.add_location(i, [(i, 1)])
        p.add_sample([i, 1], [i])
    return one(outdir, "many-%d.pb.gz" % n, p.encode())


# ---- Java heap dumps (issue #21) ----------------------------------------------

def _hprof(records, subs, idsize=8):
    """An HPROF file: records (tag, body), then one HEAP DUMP SEGMENT of subs."""
    seg = b"".join(subs)
    out = [b"JAVA PROFILE 1.0.2\0", struct.pack(">IQ", idsize, 0)]
    out += [struct.pack(">BII", t, 0, len(b)) + b for t, b in records]
    out.append(struct.pack(">BII", 0x1C, 0, len(seg)) + seg)
    return b"".join(out)


def _hclass(cid, super_id, fields=(), loader=0):
    b = b"\x20" + struct.pack(">QIQQ", cid, 0, super_id, loader) + b"\0" * 32
    b += struct.pack(">IHH", 0, 0, 0) + struct.pack(">H", len(fields))
    return b + b"".join(struct.pack(">QB", n, t) for n, t in fields)


def _hnames(*pairs):
    recs = []
    for k, (cid, name) in enumerate(pairs):
        recs.append((0x01, struct.pack(">Q", 0x1000 + k) + name.encode()))
        recs.append((0x02, struct.pack(">IQIQ", k + 1, cid, 0, 0x1000 + k)))
    return recs


def _hinst(oid, cid, data):
    return b"\x21" + struct.pack(">QIQI", oid, 0, cid, len(data)) + data


def g_hprof(outdir, variant):
    """One malformed or awkward heap dump, by variant: 1 a segment cut
    short, 2 an instance of a class the dump lacks, 3 superclasses in a
    loop, 4 class loaders in a cycle (legal: read), 5 an array of 2^32 - 1
    elements."""
    names = _hnames((0x10, "java/lang/Object"), (0x20, "Loader"), (0x30, "App"))
    obj = _hclass(0x10, 0)
    root = b"\x05" + struct.pack(">Q", 0x10)
    if variant == 1:
        data = _hprof(names, [obj, root, _hinst(0x500, 0x10, b"")])[:-7]
    elif variant == 2:
        data = _hprof(names, [obj, root, _hinst(0x500, 0x77, b"")])
    elif variant == 3:
        data = _hprof(names, [_hclass(0x20, 0x30), _hclass(0x30, 0x20)])
    elif variant == 4:
        # Loader is loaded by loader 0x600, an instance of Loader whose
        # field refers to App, which loader 0x600 loaded: a cycle.
        data = _hprof(names, [obj, _hclass(0x20, 0x10, [(0x1000, 2)], loader=0x600),
                              _hclass(0x30, 0x10, loader=0x600), root,
                              _hinst(0x600, 0x20, struct.pack(">Q", 0x30))])
    else:
        data = _hprof(names, [obj, root, b"\x23" + struct.pack(">QIIB", 0x500, 0, 0xFFFFFFFF, 8)])
    return one(outdir, "hprof-%d.hprof" % variant, data, gz=False)


def g_hprof_list(outdir, n):
    """A chain of n objects, each its own class's only instance past the
    first 256, all under one static field: the reference chains' bound."""
    names = _hnames((0x10, "java/lang/Object"), *[(0x100 + k, "C%d" % k) for k in range(n)])
    subs = [_hclass(0x10, 0)]
    for k in range(n):
        subs.append(_hclass(0x100 + k, 0x10, [(0x1000, 2)]))
    subs.append(b"\x03" + struct.pack(">QII", 0x100000, 1, 0))
    for k in range(n):
        nxt = 0x100000 + 16 * (k + 1) if k + 1 < n else 0
        subs.append(_hinst(0x100000 + 16 * k, 0x100 + k, struct.pack(">Q", nxt)))
    return one(outdir, "hprof-list-%d.hprof" % n, _hprof(names, subs), gz=False)


GENERATORS = {
    "drop_counted": g_drop_counted, "drop_backref": g_drop_backref,
    "keep_backref": g_keep_backref, "loc_ids": g_loc_ids, "nameless": g_nameless,
    "shared_file": g_shared_file, "shared_name": g_shared_name, "lines": g_lines,
    "ten": g_ten, "folded": g_folded, "svg": g_svg, "caller": g_caller,
    "comments": g_comments, "valueonly": g_valueonly, "emptysamples": g_emptysamples,
    "zero_bomb": g_zero_bomb, "zero_stored": g_zero_stored, "series": g_series,
    "markdown": g_markdown, "bidi": g_bidi, "badutf8": g_badutf8, "rate": g_rate,
    "many": g_many, "hprof": g_hprof, "hprof_list": g_hprof_list,
}

_cache = {}


def generate(name, size, outdir):
    """GENERATORS[name](dir, size) once per (name, size) and process; each
    in a directory of its own under outdir."""
    k = (name, size)
    if k not in _cache:
        d = os.path.join(outdir, "%s-%s" % (name, size))
        os.makedirs(d, exist_ok=True)
        _cache[k] = GENERATORS[name](d, size)
    return _cache[k]


# Inputs fed on standard input are made by the caller itself (they are
# small in memory); every other input is written to files, by a process
# of its own if the caller cares about its own peak RSS (run.py does:
# Linux charges a child's ru_maxrss with its parent's peak at fork).
STREAMED = {"zero_bomb", "zero_stored"}


def manifest_path(outdir, name, size):
    return os.path.join(outdir, "%s-%s" % (name, size), "manifest.json")


def write_manifest(outdir, name, size):
    import json
    inp = generate(name, size, outdir)
    with open(manifest_path(outdir, name, size), "w") as f:
        json.dump({"files": inp.files, "raw": inp.raw, "note": inp.note}, f)
    return inp


def load_manifest(outdir, name, size):
    """The Inputs a write_manifest() (in any process) wrote, or None."""
    import json
    try:
        with open(manifest_path(outdir, name, size)) as f:
            m = json.load(f)
    except FileNotFoundError:
        return None
    return Inputs(m["files"], raw=m["raw"], note=m["note"])


def main(argv):
    if argv[1:2] == ["--list"]:
        print("\n".join(GENERATORS))
        return 0
    quiet = argv[1:2] == ["--manifest"]
    if quiet:
        argv = argv[:1] + argv[2:]
    if len(argv) < 2:
        print("usage: gen.py [--manifest] OUTDIR [GENERATOR[:SIZE]...] | --list", file=sys.stderr)
        return 2
    from run import CASES  # the sizes run.py uses
    outdir = argv[1]
    every = []
    for c in CASES:
        for size in [c.size] + list(c.scale or []):
            every.append((c.gen, size))
    jobs = []
    for w in argv[2:] or [g for g, _ in every]:
        g, _, s = w.partition(":")
        if g not in GENERATORS:
            print("no generator %s (see --list)" % g, file=sys.stderr)
            return 2
        jobs += [(g, int(s))] if s else [j for j in every if j[0] == g]
    for g, size in dict.fromkeys(jobs):
        if g in STREAMED:
            inp = generate(g, size, outdir)
        else:
            inp = write_manifest(outdir, g, size)
        if not quiet:
            disk = sum(os.path.getsize(f) for f in inp.files)
            print("%-14s %9d  %10d bytes on disk  %12d raw  %s" % (g, size, disk, inp.raw, inp.note))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv))
