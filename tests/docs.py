#!/usr/bin/env python3
"""Every long option the CLI accepts (cmd/options.c's table) is in the man
page and in some subcommand's --help, and in the README's table unless it
is --help itself: the three must not drift from the code.

Per command, what the command accepts (asked of heapdiff itself: an
option it does not take is an "unknown option") is exactly what its
--help lists: each accepted option appears in the help, each option line
of the help is accepted, and `heapdiff CMD --help` is `heapdiff help CMD`."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402

COMMANDS = ("top", "diff", "trend", "watch")
# Named in the man page only: the British spelling of --color.
MAN_ONLY = ("colour",)


def named(opt, text):
    """--opt in text as a whole option name (--output is not --output-format)."""
    return re.search(r"--%s(?![a-z0-9-])" % re.escape(opt), text)


def run(hd, *args):
    return subprocess.run([hd] + list(args), capture_output=True, text=True)


def accepts(hd, cmd, opt):
    """Without a value or profiles every option fails or prints help, but
    only one the command does not take fails as unknown."""
    p = run(hd, cmd, "--" + opt)
    return "unknown option" not in p.stderr


def main():
    hd, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    t = Checks()
    src = open(os.path.join(root, "cmd", "options.c"), encoding="utf-8").read()
    opts = re.findall(r"\{\"([a-z0-9-]+)\", *(?:'.'|0), *(?:no|required|optional)_argument", src)
    t.check(len(opts) >= 25, "options.c's option table was found", len(opts))
    man = open(os.path.join(root, "man", "heapdiff.1"), encoding="utf-8").read()
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    helps = {}
    for c in COMMANDS:
        p = run(hd, "help", c)
        t.check(p.returncode == 0 and p.stdout, "heapdiff help %s prints its help" % c, p.stderr)
        helps[c] = p.stdout
        q = run(hd, c, "--help")
        t.check(q.returncode == 0 and q.stdout == p.stdout,
                "heapdiff %s --help is heapdiff help %s" % (c, c))
    for o in opts:
        t.check("\\-\\-" + o.replace("-", "\\-") in man, "--%s is in man/heapdiff.1" % o)
        if o not in MAN_ONLY:
            t.check(any(named(o, h) for h in helps.values()), "--%s is in some --help" % o)
        if o not in MAN_ONLY + ("help",):
            t.check(named(o, readme), "--%s is in README.md" % o)
        takers = [c for c in COMMANDS if accepts(hd, c, o)]
        t.check(takers, "--%s is accepted by some command" % o)
        for c in takers:
            if o not in MAN_ONLY:
                t.check(named(o, helps[c]), "%s accepts --%s and its --help says so" % (c, o))
    for c in COMMANDS:
        listed = re.findall(r"^  (?:-., |    )--([a-z0-9-]+)", helps[c], re.M)
        t.check(len(listed) >= 10, "%s --help lists its options" % c, len(listed))
        for o in listed:
            t.check(o in opts and accepts(hd, c, o),
                    "%s --help lists --%s and %s accepts it" % (c, o, c))
    print("docs: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
