#!/usr/bin/env python3
"""Warnings and the order of a trend, through the CLI (Python 3 standard
library only).

Usage: cli-warnings.py HEAPDIFF SOURCE_ROOT

What a user must hear even when only the exit status is read (a NEW older
than its BASE, a given order that contradicts the time stamps) is printed
on stderr as `heapdiff: warning: MESSAGE`, one line each, after the report
was written (to stdout or -o FILE), and never changes the exit status:
- diff of testdata/leak-05 against leak-00 (NEW older than BASE): exactly
  one warning line, exit 0, the report on stdout (text and JSON, stdout
  free of the warning); with -o FILE the file holds the report and stderr
  the warning; the same files in time order: no warning.
- trend of the leak series shuffled: by default (--order auto) and with
  --order time the columns come out in time order, without a warning;
  --order given keeps the order given and warns once; a --fail-on rule
  crossed under --order given still exits 1, with the warning.
- A run that fails prints its one error line and no warning.
- --order time with a profile that has no time stamp (Go's text heap
  profile) is an error, exit 2, one line; --order auto takes such a series
  as given.

Until the engine fills hd_report_warnings (and sorts at hd_report_finish),
the checks that expect a warning or a sorted order fail: they are what the
engine must do, not what it did before.

Prints `cli-warnings: N passed, M failed`; exits 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402

HEAPDIFF = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
LEAK = [os.path.join("testdata", "leak-%02d.pb.gz" % i) for i in range(6)]
GOTEXT_PB = os.path.join("testdata", "gotext", "heap.pb.gz")
GOTEXT_TXT = os.path.join("testdata", "gotext", "heap.txt")
WARNING = "heapdiff: warning: "
t = Checks()


def run(*args):
    env = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")
    p = subprocess.run([HEAPDIFF] + list(args), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def lines(err):
    return err.splitlines()


def one_warning(what, code, out, err, want_code=0):
    """Exit want_code, a report on stdout, exactly one warning line on stderr."""
    ls = lines(err)
    t.check(code == want_code, "%s: exit %d" % (what, want_code), (code, err))
    t.check(len(ls) == 1 and ls[0].startswith(WARNING) and len(ls[0]) > len(WARNING) and
            err.endswith("\n"), "%s: exactly one warning line on stderr" % what, err)
    t.check(WARNING not in out, "%s: no warning on stdout" % what)


def quiet(what, code, out, err):
    t.check(code == 0 and out and err == "", "%s: exit 0, a report, nothing on stderr" % what,
            (code, err))


def diff_older():
    code, out, err = run("diff", "--top", "3", LEAK[5], LEAK[0])
    one_warning("diff NEW older than BASE", code, out, err)
    t.check("main.leakyHandler" in out, "diff NEW older than BASE: the report is written")
    code, out, err = run("diff", "--format", "json", "--top", "3", LEAK[5], LEAK[0])
    one_warning("diff --format json, NEW older", code, out, err)
    try:
        json.loads(out)
        ok = True
    except ValueError:
        ok = False
    t.check(ok, "diff --format json, NEW older: stdout is JSON alone")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report.md")
        code, out, err = run("diff", "--format", "markdown", "-o", path, LEAK[5], LEAK[0])
        one_warning("diff -o FILE, NEW older", code, "", err)
        t.check(out == "" and os.path.exists(path) and os.path.getsize(path) > 0,
                "diff -o FILE, NEW older: the file holds the report, stdout is empty")
    code, out, err = run("diff", "--top", "3", LEAK[0], LEAK[5])
    quiet("diff in time order", code, out, err)
    # A failing run says its one line and nothing else.
    code, out, err = run("diff", "--max-output", "1KiB", LEAK[5], LEAK[0])
    t.check(code == 2 and out == "" and len(lines(err)) == 1 and WARNING not in err,
            "diff that fails (--max-output): one error line, no warning", (code, err))


def trend_order():
    shuffled = [LEAK[k] for k in (3, 5, 0, 2, 4, 1)]

    def paths(out):
        return [p["path"] for p in json.loads(out)["profiles"]]

    for what, opts in (("auto (default)", []), ("--order auto", ["--order", "auto"]),
                       ("--order time", ["--order", "time"])):
        code, out, err = run("trend", "--format", "json", "--top", "1", *(opts + shuffled))
        quiet("trend %s, shuffled" % what, code, out, err)
        t.check(code == 0 and paths(out) == LEAK, "trend %s: the columns in time order" % what,
                code == 0 and paths(out))
    code, out, err = run("trend", "--format", "json", "--top", "1", "--order", "given", *shuffled)
    one_warning("trend --order given, shuffled", code, out, err)
    t.check(code == 0 and paths(out) == shuffled, "trend --order given: the columns as given",
            code == 0 and paths(out))
    code, out, err = run("trend", "--order", "given", LEAK[0], LEAK[1], LEAK[2])
    quiet("trend --order given, in time order", code, out, err)
    # 00, 05, 03, 01: contradicts the stamps, and the total rose first to last.
    code, out, err = run("trend", "--top", "1", "--order", "given", "--fail-on", "total:+1%",
                         LEAK[0], LEAK[5], LEAK[3], LEAK[1])
    one_warning("trend --order given, a rule crossed", code, out, err, want_code=1)
    code, out, err = run("trend", "--order", "given", "--max-output", "1KiB", *shuffled)
    t.check(code == 2 and out == "" and len(lines(err)) == 1 and WARNING not in err,
            "trend that fails (--max-output): one error line, no warning", (code, err))


def no_time_stamp():
    code, out, err = run("trend", "--order", "time", GOTEXT_PB, GOTEXT_TXT)
    t.check(code == 2 and out == "" and len(lines(err)) == 1 and err.startswith("heapdiff: "),
            "trend --order time, a profile without a time stamp: exit 2, one line", (code, err))
    code, out, err = run("trend", "--format", "json", "--top", "1", GOTEXT_TXT, GOTEXT_PB)
    t.check(code == 0 and [p["path"] for p in json.loads(out)["profiles"]] == [GOTEXT_TXT, GOTEXT_PB],
            "trend --order auto, a profile without a time stamp: as given", (code, err))


def main():
    diff_older()
    trend_order()
    no_time_stamp()
    print("cli-warnings: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
