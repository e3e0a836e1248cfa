#!/usr/bin/env python3
"""Folded lines in bytewise order, whatever the names (Python 3 standard
library only).

Usage: folded-order.py HEAPDIFF

lib/render/folded.c writes the lines in the order of a bytewise sort of
whole stacks without sorting them: at each node it orders its callees'
own lines and the lines below them by the callee's name, ending or
followed by ';'.  The hard cases are names that are prefixes of others
and go on with a byte below ';' (' ', '!', digits) or above it; and two
frames with one name, whose lines must merge (then it sorts stacks as
before).  Each profile here is written byte by byte; `heapdiff top
--format folded` must print exactly the stacks the samples have, summed,
sorted as Python sorts bytes.

Prints `folded-order: N passed, M failed`; exits 1 on any failure.
"""
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402



def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def vfield(num, v):
    return varint(num << 3) + varint(v)


def profile(funcs, samples):
    """funcs: (name, file) per function id 1..; samples: (stack of
    function ids, root first, value)."""
    strs = [b"", b"inuse_space", b"bytes"]
    out = field(1, vfield(1, 1) + vfield(2, 2))
    body = b""
    for i, (name, file) in enumerate(funcs, 1):
        strs += [name.encode(), file.encode()]
        body += field(5, vfield(1, i) + vfield(2, len(strs) - 2) + vfield(4, len(strs) - 1))
        body += field(4, vfield(1, i) + field(4, vfield(1, i)))
    for stack, value in samples:
        locs = b"".join(varint(f) for f in reversed(stack))
        body += field(2, field(1, locs) + vfield(2, value))
    return out + b"".join(field(6, s) for s in strs) + body


def expected(funcs, samples):
    sums = {}
    for stack, value in samples:
        key = ";".join(funcs[f - 1][0].replace(";", ":") for f in stack).encode()
        sums[key] = sums.get(key, 0) + value
    return b"".join(b"%s %d\n" % (k, v) for k, v in sorted(sums.items()) if v)


def main():
    t = Checks()
    rnd = random.Random(16)
    names = ["a", "a!", "a b", "a1", "a0", "a<", "ab", "a:", "b", "ba", "b-", "a~"]
    cases = {"prefixes": [(n, "x.go") for n in names],
             # two frames that read the same once ';' is written ':'
             "same name": [(n, "x.go") for n in names] + [("d;e", "x.go"), ("d:e", "x.go")]}
    # Hundreds of stacks behind a few long common prefixes (the model's
    # radix sort goes a few frames a level: runs that share more take
    # further levels), some of them prefixes of others.
    heads = [[rnd.randint(1, len(names)) for _ in range(rnd.randint(8, 30))] for _ in range(3)]
    cases["long prefixes"] = cases["prefixes"]
    with tempfile.TemporaryDirectory() as d:
        for what, funcs in cases.items():
            samples = []
            for _ in range(400 if what != "long prefixes" else 1500):
                depth = rnd.randint(1, 5)
                stack = [rnd.randint(1, len(funcs)) for _ in range(depth)]
                if what == "long prefixes":
                    stack = rnd.choice(heads)[:rnd.randint(6, 30)] + stack[:rnd.randint(0, 4)]
                samples.append((stack, rnd.randint(1, 9)))
            path = os.path.join(d, "p.pb")
            with open(path, "wb") as f:
                f.write(profile(funcs, samples))
            p = subprocess.run([os.path.abspath(sys.argv[1]), "top", "--format", "folded", path],
                               capture_output=True)
            want = expected(funcs, samples)
            t.check(p.returncode == 0 and p.stdout == want, what,
                    "exit %d %r; first difference at line %d" % (
                        p.returncode, p.stderr[:200],
                        next((i for i, (x, y) in enumerate(zip(p.stdout.splitlines(),
                                                                  want.splitlines()))
                              if x != y), -1)))
    print("folded-order: %d passed, %d failed" % (t.passed, t.failed))
    sys.exit(1 if t.failed else 0)


if __name__ == "__main__":
    main()
