#!/usr/bin/env python3
"""Every long option the CLI accepts (cmd/cli.c's table) is in the man
page and in some subcommand's --help, and in the README's table unless it
is --help itself: the three must not drift from the code."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402


def main():
    hd, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    t = Checks()
    src = open(os.path.join(root, "cmd", "cli.c"), encoding="utf-8").read()
    opts = re.findall(r'\{\{"([a-z0-9-]+)", *(?:no|required|optional)_argument', src)
    t.check(len(opts) >= 25, "cli.c's option table was found", len(opts))
    man = open(os.path.join(root, "man", "heapdiff.1"), encoding="utf-8").read()
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    helps = "".join(subprocess.run([hd, "help", c], capture_output=True, text=True,
                                   check=True).stdout for c in ("top", "diff", "trend"))
    for o in opts:
        t.check("\\-\\-" + o.replace("-", "\\-") in man, "--%s is in man/heapdiff.1" % o)
        if o != "colour":  # the British alias, named in the man page only
            t.check(re.search(r"--%s\b" % re.escape(o), helps), "--%s is in some --help" % o)
        if o not in ("colour", "help"):
            t.check(re.search(r"--%s\b" % re.escape(o), readme), "--%s is in README.md" % o)
    print("docs: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
