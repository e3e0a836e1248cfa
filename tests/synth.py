#!/usr/bin/env python3
"""Synthetic profiles for the oracle: shapes real producers rarely write
but pprof defines, so that heapdiff is checked against go tool pprof on
them too.

    python3 tests/synth.py DIR    writes DIR/synth-*.pb.gz

- synth-drop:     drop_frames/keep_frames (pprof prunes the frames below a
                  matching frame, keeping those matching keep_frames);
- synth-drop-base: its stacks with none, smaller: diffed against
                  synth-drop, pprof prunes BASE with NEW's drop_frames;
- synth-inline:   locations with several lines (inlined calls), recursion
                  through an inlined frame, one function in two files;
- synth-unsym:    locations without lines, with and without a mapping
                  (pprof names them [binary] or <unknown>), an empty
                  function name, /proc/self/cwd/ and ./.. in file names;
- synth-negative: negative values, as in delta profiles.
All write two sample types (objects, space); values chosen by hand.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pprofgen import Strings, f_bytes, f_packed, f_varint  # noqa: E402
import gzip  # noqa: E402

TYPES = [("inuse_objects", "count"), ("inuse_space", "bytes")]


def encode(functions, locations, samples, mappings=(), drop="", keep=""):
    """functions: {id: (name, file)}; locations: {id: (mapping, address,
    [(function id, line)] innermost first)}; samples: [([location ids leaf
    first], [values])]; mappings: {id: file}."""
    st = Strings()
    body = bytearray()
    for t, u in TYPES:
        body += f_bytes(1, f_varint(1, st(t)) + f_varint(2, st(u)))
    for locs, vals in samples:
        body += f_bytes(2, f_packed(1, locs) + f_packed(2, vals))
    for mid, mfile in dict(mappings).items():
        body += f_bytes(3, f_varint(1, mid) + f_varint(2, 0x400000) +
                        f_varint(3, 0x800000) + f_varint(5, st(mfile)))
    for lid, (mid, addr, lines) in locations.items():
        msg = f_varint(1, lid) + f_varint(2, mid) + f_varint(3, addr)
        for fid, line in lines:
            msg += f_bytes(4, f_varint(1, fid) + f_varint(2, line))
        body += f_bytes(4, msg)
    for fid, (name, fname) in functions.items():
        body += f_bytes(5, f_varint(1, fid) + f_varint(2, st(name)) +
                        f_varint(3, st(name)) + f_varint(4, st(fname)) +
                        f_varint(5, 0))
    drop_i, keep_i = st(drop), st(keep)
    for s in st.table:
        body += f_bytes(6, s)
    body += f_varint(7, drop_i) + f_varint(8, keep_i)
    body += f_varint(9, 1700000000000000000)
    return bytes(body)


def drop_profile(spec=True, more=0):
    f = {1: ("main.main", "main.go"), 2: ("main.work", "main.go"),
         3: ("runtime.mallocgc", "malloc.go"), 4: ("runtime.newobject", "malloc.go"),
         5: ("main.keepme", "main.go"), 6: ("runtime.keepalive", "rt.go"),
         7: ("pkg.(*T).drop(int)", "t.go"), 8: ("main.leaf", "main.go")}
    loc = {i: (0, 0x1000 + i, [(i, 10 * i)]) for i in f}
    # location 9: runtime.newobject inlined into main.work
    loc[9] = (0, 0x2000, [(4, 7), (2, 20)])
    s = [([3, 4, 2, 1], [1, 100]),        # runtime below main.work: pruned
         ([3, 9, 1], [2, 200]),           # prune inside an inlined location
         ([6, 3, 2, 1], [3, 300]),        # keep_frames survives
         ([8, 7, 5, 1], [4, 400]),        # drop by simplified name
         ([3, 4], [5, 500]),              # nothing but dropped frames
         ([8, 5, 1], [6, 600])]
    s = [(locs, [v[0] + more, v[1] + 10 * more]) for locs, v in s]
    if not spec:
        return encode(f, loc, s)
    return encode(f, loc, s, drop="runtime\\..*|pkg\\.\\(\\*T\\)\\.drop",
                  keep="runtime\\.keep.*")


def drop_base_profile():
    """synth-drop's stacks, smaller, without drop_frames: as BASE of a
    diff, pprof prunes it with NEW's."""
    return drop_profile(spec=False, more=-1)


def inline_profile():
    f = {1: ("main.main", "/src/app/main.go"), 2: ("main.outer", "/src/app/main.go"),
         3: ("main.inner", "/src/app/inner.go"), 4: ("main.rec", "/src/app/rec.go"),
         5: ("util.Dup", "/src/a/util.go"), 6: ("util.Dup", "/src/b/util.go")}
    loc = {1: (0, 0x10, [(1, 5)]),
           2: (0, 0x20, [(3, 30), (2, 20)]),          # inner inlined into outer
           3: (0, 0x30, [(4, 40)]),
           4: (0, 0x40, [(4, 41), (4, 42)]),          # rec inlined into rec
           5: (0, 0x50, [(5, 50)]),
           6: (0, 0x60, [(6, 60)])}
    s = [([2, 1], [1, 1024]),
         ([3, 4, 3, 1], [2, 2048]),
         ([4, 4, 1], [3, 4096]),
         ([5, 2, 1], [1, 512]),
         ([6, 1], [1, 256])]
    return encode(f, loc, s)


def unsym_profile():
    f = {1: ("main.main", "/proc/self/cwd/./cmd/main.go"),
         2: ("", "/build/./lib/../lib/x.c"),
         3: ("main.handler", "/proc/self/cwd/internal//h.go")}
    m = {1: "/usr/lib/x86_64-linux-gnu/libfoo.so.1", 2: "/opt/app/bin/server"}
    loc = {1: (2, 0x401000, [(1, 12)]),
           2: (1, 0x7f0001, []),          # no lines, in libfoo
           3: (0, 0x7f0002, []),          # no lines, no mapping: <unknown>
           4: (2, 0x401100, [(2, 7)]),    # a function without a name
           5: (2, 0x401200, [(3, 33)]),
           6: (1, 0x7f0003, [])}
    s = [([2, 5, 1], [1, 64]), ([3, 1], [2, 128]), ([4, 5, 1], [3, 256]),
         ([6, 2, 1], [4, 512]), ([2, 6, 1], [5, 1024])]
    return encode(f, loc, s, mappings=m)


def negative_profile():
    f = {1: ("main.main", "m.go"), 2: ("main.a", "m.go"), 3: ("main.b", "m.go")}
    loc = {i: (0, 0x100 * i, [(i, i)]) for i in f}
    s = [([2, 1], [5, 5000]), ([3, 1], [-3, -7000]), ([3, 2, 1], [-1, -100])]
    return encode(f, loc, s)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in [("drop", drop_profile), ("drop-base", drop_base_profile),
                     ("inline", inline_profile),
                     ("unsym", unsym_profile), ("negative", negative_profile)]:
        with open(os.path.join(out, "synth-%s.pb.gz" % name), "wb") as fh:
            fh.write(gzip.compress(fn(), mtime=0))


if __name__ == "__main__":
    main()
