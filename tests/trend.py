#!/usr/bin/env python3
"""Tests of `heapdiff trend` (Python 3 standard library only).

Usage: trend.py HEAPDIFF SOURCE_ROOT

What is checked, through --format json unless said otherwise:
- testdata/leak-00..05 (one process over time, see testdata/README.md):
  main.leakyHandler is growing and the first leak suspect, with reference
  chains through main.handleLogin and main.handleUpload; main.bufferPoolGet
  is fluctuating; main.loadConfig is stable.
- testdata/public/parca-heap-series (ten real profiles 3 s apart): runs;
  the big allocation that appears in heap-08
  (github.com/dgraph-io/badger/v3/skl.newArena, 87244800 B in heap-08 and
  heap-09 and absent before, as `go tool pprof -top` shows) is "new", not a
  leak, under the default thresholds and even with --max-p 0.5 (a late
  step: most pairs tie, so its Theil-Sen slope is 0); sroar.init holds
  32 MiB throughout and is stable.
- The oracle chain: every flat and cum value of every column equals what
  `heapdiff top --format json --top 0` gives for that profile alone (top is
  checked against go tool pprof by oracle.py), and every frame top lists is
  in the trend.
- NAME=PATH labels and --order time, auto and given (files given
  shuffled); two profiles;
  standard input; text, markdown (through cmark-gfm when installed), ASCII
  under --ascii and under a non-UTF-8 locale; --fail-on leak exits 1.
- Refusals: one profile, a CPU profile among heap profiles: exit 2, one line
  on stderr, nothing on stdout.
- Scale: 120 profiles (20 symbolic links to each leak snapshot, in order);
  prints the time and the peak RSS of the run.

Prints `trend: N passed, M failed`; exits 1 on any failure.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HEAPDIFF = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
LEAK = [os.path.join(ROOT, "testdata", "leak-%02d.pb.gz" % i) for i in range(6)]
PARCA_DIR = os.path.join(ROOT, "testdata", "public", "parca-heap-series")
PARCA = [os.path.join(PARCA_DIR, "heap-%02d.pb.gz" % i) for i in range(10)]
CPU = os.path.join(ROOT, "testdata", "public", "pprof", "sample.cpu.pb.gz")
ENV = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s%s" % (name, (": " + str(detail)) if detail else ""))


def run(*args, env=ENV, stdin=None):
    p = subprocess.run([HEAPDIFF] + list(args), cwd=ROOT, env=env, stdin=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def trend_json(*args):
    code, out, err = run("trend", "--format", "json", *args)
    if code != 0:
        raise RuntimeError("heapdiff trend %s: exit %d: %s" % (" ".join(args), code, err))
    return json.loads(out)


def by_name(doc):
    return {f["name"]: f for f in doc["functions"]}


def leak_series():
    d = trend_json("--top", "0", *LEAK)
    f = by_name(d)
    check("leak: command and columns", d["command"] == "trend" and len(d["profiles"]) == 6)
    lh = f.get("main.leakyHandler")
    check("leak: leakyHandler present", lh is not None)
    if lh:
        check("leak: leakyHandler flat", lh["flat"] == [65536 * (k + 1) for k in range(6)], lh["flat"])
        check("leak: leakyHandler growing", lh["trend"]["class"] == "growing", lh["trend"])
        check("leak: leakyHandler suspect 1", lh["trend"]["suspect_rank"] == 1)
        check("leak: slope 64 KiB/version",
              abs(lh["trend"]["slope_per_version"] - 65536) < 0.01, lh["trend"])
        check("leak: r2 1", abs(lh["trend"]["r2"] - 1) < 1e-4)
        check("leak: slope per hour from the time stamps", lh["trend"]["slope_per_hour"] is not None
              and lh["trend"]["slope_per_hour"] > 0)
        check("leak: 5 steps up", lh["trend"]["steps_up"] == 5 and lh["trend"]["steps_down"] == 0)
        check("leak: delta vs first/prev",
              lh["delta_vs_first"]["flat"] == [65536 * k for k in range(6)] and
              lh["delta_vs_prev"]["flat"] == [0] + [65536] * 5)
        callers = sorted(c["path"][0] for c in lh.get("call_paths", []))
        check("leak: chains through both callers",
              callers == ["main.handleLogin", "main.handleUpload"], lh.get("call_paths"))
        check("leak: chains carry half each",
              all(c["delta"] == 163840 for c in lh.get("call_paths", [])))
    check("leak: suspects list", d["suspects"][:1] == ["main.leakyHandler"], d["suspects"])
    check("leak: first function is the first suspect",
          d["functions"][0]["name"] == "main.leakyHandler")
    growing = [x["name"] for x in d["functions"] if x["trend"]["class"] == "growing"]
    check("leak: only main.leakyHandler grows", growing == ["main.leakyHandler"], growing)
    bp = f.get("main.bufferPoolGet")
    check("leak: bufferPoolGet fluctuating", bp and bp["trend"]["class"] == "fluctuating",
          bp and bp["trend"])
    check("leak: bufferPoolGet has no chains", bp and "call_paths" not in bp)
    lc = f.get("main.loadConfig")
    check("leak: loadConfig stable", lc and lc["trend"]["class"] == "stable" and
          lc["flat"] == [262144] * 6, lc and (lc["flat"], lc["trend"]))
    crc = f.get("hash/crc32.slicingMakeTable")
    # Built once, between the first snapshot and the second: warm-up.
    check("leak: crc32 table levelled", crc and crc["trend"]["class"] == "levelled",
          crc and (crc["flat"], crc["trend"]["class"]))
    counts = d["classes"]
    check("leak: class counts add up", sum(counts.values()) == d["frames_total"], counts)
    return d


def parca_series():
    d = trend_json("--top", "0", *PARCA)
    f = by_name(d)
    check("parca: ten columns", len(d["profiles"]) == 10)
    times = [p["time_nanos"] for p in d["profiles"]]
    check("parca: 3 s apart, in order",
          all(2.5e9 < b - a < 3.5e9 for a, b in zip(times, times[1:])), times)
    na = f.get("github.com/dgraph-io/badger/v3/skl.newArena")
    check("parca: newArena appears in heap-08",
          na and na["flat"] == [0] * 8 + [87244800] * 2, na and na["flat"])
    check("parca: a one-off step is new, not a leak", na and na["trend"]["class"] == "new",
          na and na["trend"])
    check("parca: no suspects by default", d["suspects"] == [], d["suspects"])
    sr = f.get("github.com/dgraph-io/sroar.init")
    check("parca: sroar.init stable at 32 MiB", sr and sr["flat"] == [33554432] * 10 and
          sr["trend"]["class"] == "stable")
    d2 = trend_json("--top", "3", "--max-p", "0.5", *PARCA)
    na = by_name(d2).get("github.com/dgraph-io/badger/v3/skl.newArena")
    check("parca: --max-p 0.5 leaves the late step new", na and na["trend"]["class"] == "new" and
          d2["suspects"] == [], (na and na["trend"]["class"], d2["suspects"][:3]))
    return d


def oracle(doc, paths, what):
    """Every column of the trend equals heapdiff top of that profile."""
    bad = []
    for i, path in enumerate(paths):
        code, out, err = run("top", "--format", "json", "--top", "0", path)
        if code != 0:
            bad.append("top %s: %s" % (path, err))
            continue
        top = json.loads(out)
        if top["profiles"][0]["total"] != doc["profiles"][i]["total"]:
            bad.append("%s: total %s != %s" % (path, top["profiles"][0]["total"],
                                               doc["profiles"][i]["total"]))
        tf = {x["name"]: (x["flat"][0], x["cum"][0]) for x in top["functions"]}
        for fn in doc["functions"]:
            want = tf.get(fn["name"], (0, 0))
            got = (fn["flat"][i], fn["cum"][i])
            if want != got:
                bad.append("%s col %d: %s top %s trend %s" % (fn["name"], i, path, want, got))
        names = {fn["name"] for fn in doc["functions"]}
        missing = [n for n in tf if n not in names]
        if missing:
            bad.append("%s: top has %s not in the trend" % (path, missing[:3]))
    check("oracle %s: every column equals heapdiff top" % what, not bad, bad[:5])


def labels_and_order():
    order = [3, 5, 0, 2, 4, 1]
    args = []
    for k in order:
        args.append(("v%d=%s" % (k, LEAK[k])) if k % 2 else LEAK[k])
    d = trend_json("--order", "time", "--top", "0", *args)
    paths = [p["path"] for p in d["profiles"]]
    labels = [p["label"] for p in d["profiles"]]
    times = [p["time_nanos"] for p in d["profiles"]]
    check("order time: sorted by time_nanos", times == sorted(times) and len(set(times)) == 6, times)
    check("order time: files in time order", paths == LEAK, paths)
    check("labels: NAME=PATH and base names",
          labels == ["leak-00.pb.gz", "v1", "leak-02.pb.gz", "v3", "leak-04.pb.gz", "v5"], labels)
    lh = by_name(d).get("main.leakyHandler")
    check("order time: leak found again", lh and lh["trend"]["class"] == "growing")
    # By default (auto) the shuffled series is put back in time order,
    # labels and all: the same report as --order time.
    a = trend_json("--top", "0", *args)
    check("order auto: by time stamp", [p["path"] for p in a["profiles"]] == LEAK,
          [p["path"] for p in a["profiles"]])
    check("order auto: the same as time", a["profiles"] == d["profiles"])
    lh = by_name(a).get("main.leakyHandler")
    check("order auto: leak found again", lh and lh["trend"]["class"] == "growing")
    # Given order: the shuffled series is no longer a steady leak.
    g = trend_json("--top", "0", "--order", "given", *[LEAK[k] for k in order])
    check("order given: kept as given", [p["path"] for p in g["profiles"]] == [LEAK[k] for k in order])
    lh = by_name(g).get("main.leakyHandler")
    check("order given: shuffled leak is not steady", lh and lh["trend"]["class"] != "growing",
          lh and lh["trend"])
    # A file whose name contains '=' is a path, not a label.
    with tempfile.TemporaryDirectory() as tmp:
        odd = os.path.join(tmp, "a=b.pb.gz")
        shutil.copy(LEAK[0], odd)
        d = trend_json(odd, LEAK[1])
        check("labels: an existing file with '=' is a path",
              d["profiles"][0]["path"] == odd and d["profiles"][0]["label"] == "a=b.pb.gz",
              d["profiles"][0])


def small_cases():
    d = trend_json(LEAK[0], LEAK[5])
    f = by_name(d)
    check("two profiles: work", len(d["profiles"]) == 2)
    check("two profiles: leakyHandler grows",
          f.get("main.leakyHandler", {}).get("trend", {}).get("class") == "growing")
    with open(LEAK[0], "rb") as fin:
        code, out, err = run("trend", "--format", "json", "base=-", LEAK[3], LEAK[5], stdin=fin)
    check("stdin: accepted once", code == 0, err)
    if code == 0:
        d = json.loads(out)
        check("stdin: label", d["profiles"][0]["label"] == "base", d["profiles"][0])

    code, out, err = run("trend", *LEAK)
    check("text: exit 0", code == 0, err)
    check("text: suspects first",
          "Leak suspects (1" in out and out.index("main.leakyHandler") < out.index("Functions ("), out[:600])
    check("text: sparkline", "▂▃▅▆▇█" in out)
    code, out, err = run("trend", "--ascii", *LEAK)
    check("text --ascii: ASCII only", code == 0 and all(ord(c) < 128 for c in out),
          [c for c in out if ord(c) >= 128][:5])
    code, out2, err = run("trend", *LEAK, env=dict(ENV, LC_ALL="C"))
    check("text, C locale: ASCII fallback", code == 0 and out2 == out)
    many = [LEAK[k % 6] for k in range(9)]
    code, out, err = run("trend", "--top", "3", *many)
    lines = out.splitlines()
    check("text, 9 profiles: first and last columns only",
          code == 0 and any(l.startswith("leak-00.pb.gz") and l.count(".pb.gz") == 2 for l in lines),
          lines[:25])

    code, md, err = run("trend", "--format", "markdown", *LEAK)
    check("markdown: exit 0", code == 0, err)
    check("markdown: suspects on top", md.find("### Leak suspects") < md.find("### Functions"))
    check("markdown: heat map", "🟥" in md and "🟩" in md)
    cmark = shutil.which("cmark-gfm")
    if cmark:
        html = subprocess.run([cmark, "-e", "table"], input=md.encode(),
                              stdout=subprocess.PIPE).stdout.decode()
        check("markdown: renders as a table", "<table>" in html and
              html.count("<tr>") == 1 + 20 and "<code>main.leakyHandler</code>" in html,
              html[:300])
    else:
        print("SKIP markdown through cmark-gfm: not installed")

    code, out, err = run("trend", "--fail-on", "leak", "--top", "1", *LEAK)
    check("--fail-on leak: exit 1", code == 1 and "FAIL" in out, (code, err))
    code, out, err = run("trend", "--fail-on", "leak", "--top", "1", LEAK[2], LEAK[2], LEAK[2])
    check("--fail-on leak: exit 0 when nothing grows", code == 0, (code, err))
    code, out, err = run("trend", "--format", "folded", *LEAK)
    check("folded: first vs last", code == 0 and "main.leakyHandler" in out, err)


def refusals():
    for name, args, needle in [
        ("one profile", [LEAK[0]], "two or more profiles"),
        ("no profile", [], "two or more profiles"),
        ("CPU among heap", [LEAK[0], LEAK[1], CPU, LEAK[2]], "sample.cpu.pb.gz: "),
        ("missing file", [LEAK[0], os.path.join(ROOT, "no-such.pb.gz")], "no-such.pb.gz: "),
        ("stdin twice", ["-", "-"], "only once"),
        ("bad --order", ["--order", "size", LEAK[0], LEAK[1]], "--order"),
        ("bad --min-r2", ["--min-r2", "1.5", LEAK[0], LEAK[1]], "--min-r2"),
        ("gone --min-r2", ["--min-r2", "0.5", LEAK[0], LEAK[1]], "use --max-p"),
        ("gone --min-rising", ["--min-rising", "0.5", LEAK[0], LEAK[1]], "use --max-p"),
        ("bad --max-p", ["--max-p", "2", LEAK[0], LEAK[1]], "--max-p"),
        ("bad --min-growth", ["--min-growth", "lots", LEAK[0], LEAK[1]], "--min-growth"),
    ]:
        code, out, err = run("trend", *args, stdin=subprocess.DEVNULL)
        check("refuse %s: exit 2, one line, no stdout" % name,
              code == 2 and out == "" and err.count("\n") == 1 and
              err.startswith("heapdiff: ") and needle in err, (code, out[:80], err))


def hostile():
    """Names that break naive renderers, and values at the edge of int64."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    try:
        import pprofgen
    except ImportError:
        print("SKIP hostile names: tests/pprofgen.py is missing")
        return
    types = [("inuse_objects", "count"), ("inuse_space", "bytes")]
    names = pprofgen.NASTY_NAMES
    big = (1 << 63) - 1
    with tempfile.TemporaryDirectory() as tmp:
        # Edge values in a series of their own (they saturate the total,
        # and with it the 1% noise floor).
        paths = []
        for k in range(4):
            samples = [(["huge"], [1, 1 << 62])] * 3   # 3 x 2^62 > INT64_MAX
            samples += [(["negative"], [1, -(1 << 40) * (k + 1)])]
            samples += [(["edge"], [1, big - k])]
            p = os.path.join(tmp, "e-%d.pb.gz" % k)
            pprofgen.write_profile(p, types, samples, time_nanos=(1700000000 + 60 * k) * 10**9)
            paths.append(p)
        code, out, err = run("trend", "--format", "json", "--top", "0", "--min-growth", "1MiB", *paths)
        check("edge values: exit 0, nothing on stderr", code == 0 and err == "", err[:300])
        if code == 0:
            f = by_name(json.loads(out))
            h = f.get("huge")
            check("edge values: saturated sums stay at INT64_MAX",
                  h and h["flat"] == [big] * 4 and h["trend"]["class"] == "stable", h and h["flat"])
            e = f.get("edge")
            check("edge values: falling by one near INT64_MAX",
                  e and e["flat"] == [big - k for k in range(4)] and e["trend"]["steps_down"] == 3
                  and e["trend"]["class"] == "stable", e and (e["flat"], e["trend"]))
            n = f.get("negative")
            check("edge values: negative values", n and n["flat"][3] == -(1 << 42) and
                  n["trend"]["class"] == "shrinking", n and (n["flat"], n["trend"]["class"]))
        code, out, err = run("trend", "--format", "markdown", *paths)
        check("edge values: markdown exit 0", code == 0 and err == "", err[:300])

        paths = []
        for k in range(4):
            samples = [([n, "main"], [1, 4096 * (i + 1) * (k + 1)]) for i, n in enumerate(names)]
            p = os.path.join(tmp, "n-%d.pb.gz" % k)
            pprofgen.write_profile(p, types, samples, time_nanos=(1700000000 + 60 * k) * 10**9)
            paths.append(p)
        code, out, err = run("trend", "--format", "json", "--top", "0", "--min-growth", "0", *paths)
        check("hostile: json exit 0, nothing on stderr", code == 0 and err == "", err[:300])
        rows = -1
        if code == 0:
            d = json.loads(out)
            rows = d["frames_total"]
            f = by_name(d)
            raw = [(n.encode() if isinstance(n, str) else n).decode("utf-8", "replace") for n in names]
            check("hostile: every name round-trips in JSON", all(w in f for w in raw),
                  [w for w in raw if w not in f][:5])
            grow = [w for w in raw if f.get(w, {}).get("trend", {}).get("class") != "growing"]
            check("hostile: every nasty name grows steadily", not grow, grow[:5])
        want = [pprofgen.expected_text(n) for n in names]
        code, out, err = run("trend", "--top", "0", *paths)
        check("hostile: text has no control characters",
              code == 0 and err == "" and not any(ord(c) < 0x20 and c != "\n" for c in out),
              (code, err[:200]))
        code, md, err = run("trend", "--format", "markdown", "--top", "0", *paths)
        check("hostile: markdown exit 0", code == 0 and err == "", err[:200])
        cmark = shutil.which("cmark-gfm")
        if cmark and code == 0:
            html = subprocess.run([cmark, "-e", "table"], input=md.encode(),
                                  stdout=subprocess.PIPE).stdout.decode()
            check("hostile: one table, one row per frame",
                  html.count("<table>") == 1 and html.count("<tr>") == 1 + rows,
                  (html.count("<table>"), html.count("<tr>"), rows))
            check("hostile: no markup escapes", "<script" not in html and "<img" not in html and
                  "<em>" not in html and "<del>" not in html and "<a " not in html)
            import html as H
            shown = [w for w in want if "<code>%s</code>" % H.escape(w, quote=False) in html or
                     "<code>%s</code>" % H.escape(w.strip(), quote=False) in html]
            check("hostile: every name shown verbatim in a code span",
                  len(shown) == len(want), [w for w in want if w not in shown][:5])
        elif not cmark:
            print("SKIP hostile markdown through cmark-gfm: not installed")


def scale():
    n = 120
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n):
            p = os.path.join(tmp, "p-%03d.pb.gz" % i)
            os.symlink(LEAK[i * 6 // n], p)
            paths.append(p)
        # wait4() gives this one child's peak RSS, not the largest so far.
        with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
            t0 = time.monotonic()
            p = subprocess.Popen([HEAPDIFF, "trend", "--format", "json", "--top", "0"] + paths,
                                 cwd=ROOT, env=ENV, stdout=fout, stderr=ferr)
            _, status, ru = os.wait4(p.pid, 0)
            secs = time.monotonic() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            fout.seek(0)
            ferr.seek(0)
            code, out, err = p.returncode, fout.read().decode(), ferr.read().decode()
        rss = ru.ru_maxrss
        check("scale: %d profiles complete" % n, code == 0, err)
        if code != 0:
            return
        d = json.loads(out)
        f = by_name(d)
        check("scale: %d columns" % n, len(d["profiles"]) == n)
        lh = f.get("main.leakyHandler")
        check("scale: staircase leak still growing", lh and lh["trend"]["class"] == "growing",
              lh and lh["trend"])
        bp = f.get("main.bufferPoolGet")
        check("scale: see-saw still fluctuating", bp and bp["trend"]["class"] == "fluctuating",
              bp and bp["trend"])
        print("scale: %d profiles in %.2f s, peak RSS %d KiB" % (n, secs, rss))


def main():
    # All of these are in the repository: a missing one is a broken
    # checkout, not a reason to skip.
    missing = [p for p in LEAK + PARCA + [CPU] if not os.path.exists(p)]
    if missing:
        print("FAIL: missing from the source tree: %s" % " ".join(missing))
        print("trend: 0 passed, 1 failed")
        return 1
    leak = leak_series()
    oracle(leak, LEAK, "leak")
    parca = parca_series()
    oracle(parca, PARCA, "parca")
    labels_and_order()
    small_cases()
    refusals()
    hostile()
    scale()
    print("trend: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
