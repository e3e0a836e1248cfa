#!/usr/bin/env python3
"""Leak verdicts against a corpus whose truth is known (issue #15).

Usage: verdicts.py HEAPDIFF [SOURCE_ROOT]

testdata/captures/RUN/ holds series of heap profiles of one leakserve
process each (testdata/gen/leakserve), taken over HTTP;
testdata/captures/truth.json says, per behaviour, which function is the
culprit and what a report must conclude about it.  For every run this runs
`heapdiff trend --format json --top 0 RUN/*`, the files in shell glob
order (byte order, as under LC_ALL=C), which is NOT time order in most
runs: heapdiff has to put them in time order itself.  --top 0 only gives
every function its row; the suspects are listed whatever --top is.

Per run, with the default sample type (inuse_space):
- the JSON's "order" is {"used": "time", ...}, the profiles come out in
  the order of their time_nanos (read here from the files themselves) and
  ascending;
- per behaviour: a leak's culprit is in "suspects" and its row's
  trend.class is "growing"; any other culprit is not in "suspects", its
  trend.class is truth's "class" when truth has one and its
  retention.label is truth's "retention" when truth has one;
- every suspect is the culprit of a leak (precision and recall 100%);
- --sample-index alloc_space: "analysis" is "increments" and the churn
  culprit is not a suspect (allocating at a steady rate is not a leak);
- --fail-on leak exits 1; with --focus on the culprits of the behaviours
  that do not leak (and so on nothing else), it exits 0.
And of the corpus: at least four runs, and at least two whose glob order
is not their time order.

Prints one PASS or FAIL line per run and check, saying what was seen, and
`verdicts: N passed, M failed`; exits 1 on any failure.  Nothing is
skipped: a missing capture or truth.json is a broken checkout.
"""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402

HEAPDIFF = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                       os.path.join(os.path.dirname(__file__), ".."))
CAPTURES = os.path.join(ROOT, "testdata", "captures")
ENV = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")

passed = failed = 0


def report(ok, what, seen):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print("%s %s: %s" % ("PASS" if ok else "FAIL", what, seen))
    return ok


def run(*args):
    p = subprocess.run([HEAPDIFF] + list(args), cwd=ROOT, env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def trend_json(files, *args):
    """The JSON of `heapdiff trend`, or None and a reason."""
    code, out, err = run("trend", "--format", "json", "--top", "0", *args, *files)
    if code != 0:
        return None, "exit %d: %s" % (code, err.strip())
    try:
        return json.loads(out), None
    except ValueError as e:
        return None, "not JSON: %s" % e


def time_nanos(path):
    """Profile.time_nanos of the file at path, None when it has none."""
    with open(path, "rb") as f:
        return testlib.time_nanos(f.read()) or None


def ere_escape(s):
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", s)


def short(xs, n=6):
    xs = list(xs)
    return "[%s%s]" % (", ".join(str(x) for x in xs[:n]), ", ..." if len(xs) > n else "")


def row_seen(row):
    """What a function's row says, in a few words."""
    if row is None:
        return "no row in functions"
    t = row.get("trend") or {}
    r = row.get("retention")
    flat = row.get("flat") or []
    s = "class %s, flat %s -> %s" % (t.get("class"), flat[0] if flat else "?",
                                     flat[-1] if flat else "?")
    if isinstance(r, dict):
        s += ", retention %s" % r.get("label")
    else:
        s += ", no retention"
    return s


def check_run(name, files, truth):
    label = name
    times = [time_nanos(p) for p in files]
    if not report(all(t for t in times), "%s time_nanos" % label,
                  "every profile has one" if all(t for t in times) else
                  "missing in %s" % [os.path.basename(p) for p, t in zip(files, times) if not t]):
        return
    in_time = [p for _, p in sorted(zip(times, files))]

    doc, why = trend_json(files)
    if not report(doc is not None, "%s trend" % label, why or "JSON of %d profiles" % len(files)):
        return
    st = (doc.get("sample_type") or {}).get("type")
    report(st == "inuse_space", "%s sample type" % label, st)

    order = doc.get("order")
    used = order.get("used") if isinstance(order, dict) else None
    report(used == "time", "%s order" % label,
           "order.used=%r" % used if isinstance(order, dict) else "no \"order\" in the JSON")
    profs = doc.get("profiles") or []
    got_times = [p.get("time_nanos") for p in profs]
    got_paths = [os.path.normpath(os.path.join(ROOT, p.get("path", ""))) for p in profs]
    report(got_times == sorted(got_times) and len(set(got_times)) == len(files),
           "%s time_nanos ascending" % label, short(got_times, 3))
    report(got_paths == [os.path.normpath(p) for p in in_time], "%s profiles in time order" % label,
           "%s (time order: %s)" % (short(os.path.basename(p) for p in got_paths),
                                    short(os.path.basename(p) for p in in_time)))

    suspects = doc.get("suspects") or []
    rows = {f.get("name"): f for f in doc.get("functions") or []}
    for b in truth:
        c = b["culprit"]
        row = rows.get(c)
        cls = ((row or {}).get("trend") or {}).get("class")
        ret = (row or {}).get("retention")
        ret = ret.get("label") if isinstance(ret, dict) else None
        rank = suspects.index(c) + 1 if c in suspects else None
        seen = "%s %s; %s" % (c, "suspect #%d" % rank if rank else "not a suspect", row_seen(row))
        if b["leak"]:
            ok = rank is not None and cls == "growing"
        else:
            ok = rank is None and row is not None
            if "class" in b:
                ok = ok and cls == b["class"]
            if "retention" in b:
                ok = ok and ret == b["retention"]
        want = "leak" if b["leak"] else "no leak"
        if "class" in b:
            want += ", " + b["class"]
        if "retention" in b:
            want += ", retention " + b["retention"]
        report(ok, "%s %s (want %s)" % (label, b["name"], want), seen)

    leaks = {b["culprit"] for b in truth if b["leak"]}
    extra = [s for s in suspects if s not in leaks]
    report(not extra, "%s no other suspect" % label,
           "suspects %s%s" % (short(suspects, 10), "; not leaks: %s" % short(extra) if extra else ""))

    churn = [b["culprit"] for b in truth if b.get("retention") == "churn"]
    doc, why = trend_json(files, "--sample-index", "alloc_space")
    if report(doc is not None, "%s alloc_space trend" % label, why or "JSON"):
        analysis = doc.get("analysis")
        report(analysis == "increments", "%s alloc_space analysis" % label,
               "analysis=%r" % analysis if "analysis" in doc else "no \"analysis\" in the JSON")
        sus = doc.get("suspects") or []
        bad = [c for c in churn if c in sus]
        report(not bad, "%s alloc_space churn not a suspect" % label,
               "%s in suspects %s" % (short(bad), short(sus, 10)) if bad else
               "%s not in suspects %s" % (short(churn), short(sus, 10)))

    def fail_on(*args):
        code, out, err = run("trend", "--fail-on", "leak", *args, *files)
        last = (err if code > 1 else out).strip().splitlines()
        return code, "exit %d%s" % (code, " (%s)" % last[-1] if last and code else "")

    code, seen = fail_on()
    report(code == 1, "%s --fail-on leak" % label, seen)
    # Only the samples under a culprit that does not leak: an honest
    # restriction to what truth says is no leak.
    calm = [b["culprit"] for b in truth if not b["leak"]]
    code, seen = fail_on("--focus", "^(%s)$" % "|".join(ere_escape(c) for c in calm))
    report(code == 0, "%s --fail-on leak --focus the non-leaks" % label, seen)


def main():
    truth_path = os.path.join(CAPTURES, "truth.json")
    try:
        with open(truth_path) as f:
            truth = json.load(f)["behaviours"]
    except (OSError, ValueError, KeyError) as e:
        report(False, "truth.json", "%s: %s" % (truth_path, e))
        truth = None
    if truth is not None:
        bad = [b.get("name") for b in truth
               if not isinstance(b.get("culprit"), str) or not isinstance(b.get("leak"), bool)
               or (not b["leak"] and "class" not in b and "retention" not in b)]
        report(not bad and any(b["leak"] for b in truth) and any(not b["leak"] for b in truth),
               "truth.json", "%d behaviours%s" % (len(truth), "; malformed: %s" % bad if bad else ""))
    runs = sorted((d for d in glob.glob(os.path.join(CAPTURES, "*"))
                   if os.path.isdir(d) and glob.glob(os.path.join(d, "*.pb.gz"))),
                  key=lambda d: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", d)])
    report(len(runs) >= 4, "corpus runs", short(os.path.basename(r) for r in runs))
    shuffled = []
    for r in runs if truth else []:
        files = sorted(glob.glob(os.path.join(r, "*")))   # the shell's order under LC_ALL=C
        times = [time_nanos(p) for p in files]
        if None not in times and times != sorted(times):
            shuffled.append(os.path.basename(r))
        check_run(os.path.basename(r), files, truth)
    report(len(shuffled) >= 2, "corpus runs whose glob order is not time order", short(shuffled))
    print("verdicts: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
