"""Shared by the Python tests: a counter of checks that prints failures,
running heapdiff for its output, and finding the Parca heap series
(testdata/public/parca-heap-series)."""

import os
import subprocess


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
