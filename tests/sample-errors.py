#!/usr/bin/env python3
"""A malformed pprof sample is found when it is read (Python 3 standard
library only).

Usage: sample-errors.py HEAPDIFF

heapdiff decodes each pprof sample once, checking it as the model reads
it (lib/input/pprof.c), so a sample's error no longer comes from loading
the file but from the report reading it, after the other file loaded.
It must still be the same refusal: exit 2, nothing on stdout, one line
naming the file that holds the sample, in the words of the parse-time
check (tests/unit.c holds those for hd_profile_parse).  The profiles are
written here, byte by byte, in a temporary directory.

Prints `sample-errors: N passed, M failed`; exits 1 on any failure.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402

HEAPDIFF = os.path.abspath(sys.argv[1])


def field(num, payload):
    """A length-delimited field (every length here is under 128)."""
    return bytes([num << 3 | 2, len(payload)]) + payload


def profile(second_sample):
    """One sample type, one function in one location, and two samples:
    a good one, then second_sample (a Sample message's bytes)."""
    strs = b"".join(field(6, s) for s in (b"", b"inuse_space", b"bytes", b"main.f"))
    return (field(1, bytes([0x08, 1, 0x10, 2])) + strs +
            field(5, bytes([0x08, 1, 0x10, 3])) +
            field(4, bytes([0x08, 1]) + field(4, bytes([0x08, 1]))) +
            field(2, bytes([0x0a, 1, 1, 0x10, 5])) + field(2, second_sample))


def unnamed_profile(second_sample):
    """profile()'s, but its location is an address in a mapping without
    functions (a C program's, as pprof writes one it could not name), so
    that heapdiff names it from the file, counting the samples' frames
    before the model reads them."""
    strs = b"".join(field(6, s) for s in (b"", b"inuse_space", b"bytes", b"/nonexistent/app"))
    return (field(1, bytes([0x08, 1, 0x10, 2])) + strs +
            field(3, bytes([0x08, 1, 0x10, 0x80, 0x20, 0x18, 0x80, 0x40, 0x28, 3])) +
            field(4, bytes([0x08, 1, 0x10, 1, 0x18, 0x90, 0x20])) +
            field(2, bytes([0x0a, 1, 1, 0x10, 5])) + field(2, second_sample))


GOOD = profile(bytes([0x0a, 1, 1, 0x10, 7]))
BAD = {
    "bad-loc": (profile(bytes([0x0a, 1, 9, 0x10, 7])),
                "sample 1 refers to location id 9, which does not exist"),
    "no-value": (profile(bytes([0x0a, 1, 1])),
                 "sample 1 has 0 values but the profile has 1 sample type"),
    "truncated": (profile(bytes([0x0a, 1, 1, 0x10, 0x80])),
                  "not a pprof profile (malformed protobuf at byte 63: truncated varint)"),
    # Read before the model: the symbolizer's count of frames (it read
    # past the bad id and crashed, found by fuzz_diff).
    "unnamed-bad-loc": (unnamed_profile(bytes([0x0a, 1, 9, 0x10, 7])),
                        "sample 1 refers to location id 9, which does not exist"),
}


def main():
    t = Checks()
    with tempfile.TemporaryDirectory() as d:
        good = os.path.join(d, "good.pb")
        with open(good, "wb") as f:
            f.write(GOOD)
        p = subprocess.run([HEAPDIFF, "top", good], capture_output=True)
        t.check(p.returncode == 0 and b"main.f" in p.stdout, "the good profile reads",
                p.stderr)
        for name, (data, msg) in BAD.items():
            bad = os.path.join(d, name + ".pb")
            with open(bad, "wb") as f:
                f.write(data)
            want = "heapdiff: %s: %s\n" % (bad, msg)
            for argv in (["top", bad], ["diff", bad, good], ["diff", good, bad],
                         ["diff", "--format", "folded", good, bad],
                         ["diff", "--normalize", good, bad],
                         ["diff", "--fail-on", "total:+1%", good, bad],
                         ["trend", good, bad, good], ["trend", good, good, bad]):
                p = subprocess.run([HEAPDIFF] + argv, capture_output=True)
                what = "%s: heapdiff %s" % (name, " ".join(argv).replace(d + "/", ""))
                t.check(p.returncode == 2 and p.stdout == b"" and
                        p.stderr.decode() == want, what,
                        "exit %d, stdout %d bytes, stderr %r" %
                        (p.returncode, len(p.stdout), p.stderr.decode()))
    print("sample-errors: %d passed, %d failed" % (t.passed, t.failed))
    sys.exit(1 if t.failed else 0)


main()
