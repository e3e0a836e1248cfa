#!/usr/bin/env python3
"""A tiny profile.proto encoder for tests: hand-rolled protobuf, stdlib only.

    from pprofgen import encode_profile
    data = encode_profile(
        [("inuse_objects", "count"), ("inuse_space", "bytes")],
        [(["leaf", "caller", "main"], [1, 4096]), ...])

Stacks are lists of function names, LEAF FIRST (as profile.proto stores
location ids).  A name may be str (encoded as UTF-8) or bytes (written as
is, so tests can feed invalid UTF-8).  Every distinct name gets one
Function and one Location with one Line; no Mapping is written (mapping_id
0 is allowed).  The result is the raw message; gzip it if you like.

Field numbers (profile.proto):
  Profile   sample_type=1 sample=2 mapping=3 location=4 function=5
            string_table=6 time_nanos=9 duration_nanos=10 period_type=11
            period=12 default_sample_type=14
  ValueType type=1 unit=2                      (string table indexes)
  Sample    location_id=1 (packed uint64) value=2 (packed int64)
  Location  id=1 mapping_id=2 address=3 line=4 (Line)
  Line      function_id=1 line=2
  Function  id=1 name=2 system_name=3 filename=4 (string indexes)
"""

import gzip
import os


_SMALL = [bytes((i,)) for i in range(0x80)]


def varint(n):
    """Unsigned LEB128; negative int64 values use their two's complement."""
    if 0 <= n < 0x80:
        return _SMALL[n]
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, n):
    """A varint field; zero (the proto3 default) is left out."""
    return key(field, 0) + varint(n) if n else b""


def f_bytes(field, data):
    return key(field, 2) + varint(len(data)) + data


def f_packed(field, nums):
    if not nums:
        return b""
    return f_bytes(field, b"".join(varint(n) for n in nums))


class Strings:
    """The string table: index 0 is always ""."""

    def __init__(self):
        self.table = [b""]
        self.index = {b"": 0}

    def __call__(self, s):
        b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
        if b not in self.index:
            self.index[b] = len(self.table)
            self.table.append(b)
        return self.index[b]


def encode_profile(sample_types, samples, time_nanos=0, duration_nanos=0,
                   period_type=None, period=0, default_sample_type=None,
                   filename="main.go"):
    """Encode a profile.  sample_types: [(type, unit)]; samples:
    [(stack leaf first, [value per sample type])]."""
    st = Strings()
    funcs = {}  # name (bytes) -> id; location id == function id
    body = bytearray()
    for t, u in sample_types:
        body += f_bytes(1, f_varint(1, st(t)) + f_varint(2, st(u)))
    for stack, values in samples:
        if len(values) != len(sample_types):
            raise ValueError("one value per sample type")
        ids = []
        for name in stack:
            b = name.encode("utf-8") if isinstance(name, str) else bytes(name)
            if b not in funcs:
                funcs[b] = len(funcs) + 1
            ids.append(funcs[b])
        body += f_bytes(2, f_packed(1, ids) + f_packed(2, values))
    fname = st(filename)
    for name, fid in funcs.items():
        line = f_varint(1, fid) + f_varint(2, 10 + fid)
        body += f_bytes(4, f_varint(1, fid) + f_varint(3, 0x1000 + fid) +
                        f_bytes(4, line))
    for name, fid in funcs.items():
        n = st(name)
        body += f_bytes(5, f_varint(1, fid) + f_varint(2, n) +
                        f_varint(3, n) + f_varint(4, fname))
    if period_type:
        pt = f_varint(1, st(period_type[0])) + f_varint(2, st(period_type[1]))
    dst = st(default_sample_type) if default_sample_type else 0
    for s in st.table:
        body += f_bytes(6, s)
    body += f_varint(9, time_nanos) + f_varint(10, duration_nanos)
    if period_type:
        body += f_bytes(11, pt)
    body += f_varint(12, period) + f_varint(14, dst)
    return bytes(body)


def write_profile(path, *args, **kw):
    """encode_profile() into a gzip file at path."""
    with gzip.open(path, "wb") as f:
        f.write(encode_profile(*args, **kw))


# ---- a fixture shared by the renderer tests ------------------------------

# Frame names that break naive renderers: Markdown and HTML syntax, table
# pipes, code-span backticks, folded-format separators, a trailing number,
# control characters and invalid UTF-8.
NASTY_NAMES = [
    "main.(*Cache).Put",
    "pkg.Map[...]",
    "operator<<",
    "(anonymous)",
    "a|b",
    "x`y",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "*bold*",
    "_u_",
    "~~strike~~",
    "name\nnewline",
    "tab\there",
    "semi;colon",
    "trailing 123",
    "version 1.5",
    b"bad\xff\xfe",
    "back\\slash\\|pipe",
    "``double``",
    " spaced ",
    "&amp; entity",
    "[link](http://example.com)",
    "# hash",
    "$a$ and $b$",
    "@mention",
    "-- dash",
    "1. item",
]


# Code points a report never writes raw (lib/render/cells.c's hidden()):
# C0 controls, DEL, C1 controls and Unicode's Bidi_Control set.
HIDDEN = (set(range(0x20)) | set(range(0x7F, 0xA0)) | {0x61C, 0x200E, 0x200F} |
          set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)))
# The longest name a report shows whole, in bytes as shown (render.h's
# HD_NAME_DISPLAY_MAX); longer names are cut and end in "…".
NAME_DISPLAY_MAX = 512


def expected_text(name, cut=None):
    """How a renderer shows a name: invalid UTF-8 bytes as U+FFFD each,
    control and bidi characters as a visible escape ("\\u202e"), the
    noncharacters U+FFFE and U+FFFF (which XML forbids) as U+FFFD; with
    cut, a name longer than cut bytes as shown keeps its first whole
    characters within cut and ends in "…"."""
    b = name.encode("utf-8") if isinstance(name, str) else bytes(name)
    s = b.decode("utf-8", "replace")
    units = ["\\u%04x" % ord(c) if ord(c) in HIDDEN else
             "\ufffd" if c in "\ufffe\uffff" else c for c in s]
    if cut is not None and sum(len(u.encode("utf-8")) for u in units) > cut:
        out, n = [], 0
        for u in units:
            n += len(u.encode("utf-8"))
            if n > cut:
                break
            out.append(u)
        units = out + ["\u2026"]
    return "".join(units)


def write_nasty_pair(directory, base_name="base.pb.gz", new_name="new.pb.gz"):
    """Write BASE and NEW heap profiles whose frames are NASTY_NAMES.

    Every name is a leaf under "main", most of them through a nasty
    caller (the next name): even-numbered names grow, odd-numbered ones
    shrink, the first is new in NEW and the last is gone from NEW (those
    two are nobody's callers).  Returns the two paths
    and a dict of the exact per-column totals of inuse_space."""
    types = [("inuse_objects", "count"), ("inuse_space", "bytes")]
    base, new = [], []
    n = len(NASTY_NAMES)
    for i, name in enumerate(NASTY_NAMES):
        if 1 <= i <= n - 3:
            stack = [name, NASTY_NAMES[i + 1], "main"]
        else:
            stack = [name, "main"]
        b = 1000 * (i + 1)
        v = b * 3 if i % 2 == 0 else b // 2
        if i != 0:
            base.append((stack, [i + 1, b]))
        if i != n - 1:
            new.append((stack, [i + 2, v]))
    bpath = os.path.join(directory, base_name)
    npath = os.path.join(directory, new_name)
    write_profile(bpath, types, base, time_nanos=1700000000 * 10**9)
    write_profile(npath, types, new, time_nanos=1700000060 * 10**9)
    totals = (sum(s[1][1] for s in base), sum(s[1][1] for s in new))
    return bpath, npath, totals
