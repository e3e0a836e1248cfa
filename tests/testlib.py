"""Shared by the Python tests: a counter of checks that prints failures,
running heapdiff for its output, finding the Parca heap series
(testdata/public/parca-heap-series), and a pprof profile's time stamp."""

import gzip
import os
import subprocess


def varint(buf, i):
    """The protobuf varint at buf[i]: (value, index after it)."""
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, i


def time_nanos(data):
    """Profile.time_nanos (field 9) of a pprof profile's bytes, gzip'd or
    not, read from its top-level fields; 0 when it has none."""
    buf = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    i = 0
    while i < len(buf):
        k, i = varint(buf, i)
        field, wire = k >> 3, k & 7
        if wire == 0:
            v, i = varint(buf, i)
            if field == 9:
                return v
        elif wire == 1:
            i += 8
        elif wire == 2:
            n, i = varint(buf, i)
            i += n
        elif wire == 5:
            i += 4
        else:
            raise ValueError("wire type %d at byte %d" % (wire, i))
    return 0


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=None):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s" % what)
            if detail is not None:
                print("      %s" % (detail,))
        return ok


def heapdiff(hd, *args):
    """heapdiff's stdout; any exit but 0 or 1 (a --fail-on rule crossed)
    raises, with its stderr."""
    p = subprocess.run([hd] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        raise RuntimeError("heapdiff %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                         p.stderr.decode("utf-8", "replace")))
    return p.stdout


def find_series(dirs):
    """The first of dirs (or its parca-heap-series/) holding heap-00.pb.gz."""
    for d in dirs:
        for c in (d, os.path.join(d, "parca-heap-series")):
            if os.path.exists(os.path.join(c, "heap-00.pb.gz")):
                return c
    return None
