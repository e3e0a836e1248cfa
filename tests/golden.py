#!/usr/bin/env python3
"""Golden CLI tests: each line of tests/golden/cases is `NAME: ARGS...`.

The command runs from the source root (so paths in reports are stable) as
`heapdiff ARGS`; $T stands for a scratch directory holding fixtures made
here (broken inputs), $C for testdata/public.  The expected exit status,
stdout and stderr live in tests/golden/NAME.expected.  A missing expected
file is written from the actual output and the case fails, so adding a
case is: add the line, run, review the new file, commit it.

Usage: golden.py HEAPDIFF [--update]   (--update rewrites every file;
review `git diff tests/golden` before committing)
"""
import gzip
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOLDEN = os.path.join(HERE, "golden")


def fixtures(tmp):
    """Broken and odd inputs, made fresh for every run."""
    good = open(os.path.join(ROOT, "testdata", "cache-v1.pb.gz"), "rb").read()
    raw = gzip.decompress(good)

    def put(name, data):
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)

    put("empty", b"")
    put("text.txt", b"this is not a profile\n")
    put("truncated.pb.gz", good[: len(good) // 2])
    bad = bytearray(good)
    bad[-6] ^= 0xFF  # inside the CRC-32 of the trailer
    put("badcrc.pb.gz", bytes(bad))
    put("raw.pb", raw)
    put("truncated.pb", raw[: len(raw) - 7])
    # A gzip bomb: 64 MiB of zeros in about 64 KiB.
    put("bomb.pb.gz", gzip.compress(b"\0" * (64 << 20), 9))
    os.mkdir(os.path.join(tmp, "adir"))


def render(code, out, err):
    return "exit: %d\n--- stdout\n%s--- stderr\n%s" % (code, out, err)


def main():
    heapdiff = os.path.abspath(sys.argv[1])
    update = "--update" in sys.argv[2:]
    cases = []
    with open(os.path.join(GOLDEN, "cases")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, args = line.partition(":")
                cases.append((name.strip(), args.strip()))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        fixtures(tmp)
        env = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")
        for name, args in cases:
            argv = [a.replace("$T", tmp).replace("$C", os.path.join("testdata", "public"))
                    for a in shlex.split(args)]
            stdin = None
            if "<" in argv:
                i = argv.index("<")
                stdin = open(os.path.join(ROOT, argv[i + 1]), "rb")
                argv = argv[:i] + argv[i + 2:]
            p = subprocess.run([heapdiff] + argv, cwd=ROOT, env=env, stdin=stdin,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = p.stdout.decode("utf-8", "replace").replace(tmp, "$T")
            err = p.stderr.decode("utf-8", "replace").replace(tmp, "$T")
            got = render(p.returncode, out, err)
            path = os.path.join(GOLDEN, name + ".expected")
            if update or not os.path.exists(path):
                with open(path, "w") as f:
                    f.write(got)
                if not update:
                    print("NEW  %s: wrote %s; review it" % (name, path))
                    failed += 1
                    continue
            want = open(path).read()
            if got == want:
                passed += 1
            else:
                failed += 1
                print("FAIL %s: heapdiff %s" % (name, args))
                import difflib
                for l in list(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                                   "expected", "actual", lineterm=""))[:40]:
                    print("    " + l)
            # Bad input must never leave output behind.
            if p.returncode == 2 and p.stdout:
                print("FAIL %s: exit 2 with output on stdout" % name)
                failed += 1
    print("golden: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
