#!/usr/bin/env python3
"""runtime.MemStats beside the profile (issue #17): heapdiff's numbers
against the files' own lines, the cross-check's kind, the rules.

    memstats.py HEAPDIFF SOURCE_ROOT

- testdata/captures/memstats/{leak,stacks}: Go's text heap profiles of one
  leakserve process (4 snapshots).  Every field of the JSON "memstats" of
  diff (first against last) and trend (the series) equals the
  "# Name = N" lines of the files, parsed here (LiveObjects is Mallocs -
  Frees; "Stack = INUSE / SYS" is StackInuse and StackSys); the interval
  is the counters' difference and the pause the sum of the last file's
  PauseNs ring over the collections between the two; the cross-check is
  "heap" for the leak and "outside" (goroutine stacks) for the stacks-only
  run.  Text, Markdown (through cmark-gfm when it is there) and the trend's
  HTML page (an XML parser reads it) show the same line.
- --fail-on memstats.HeapInuse:+1% exits 1 on the leak, 0 with a huge
  limit; on protobuf profiles, or when one profile is protobuf, exit 2
  with the message.
- Synthetic text profiles (one record, a chosen in-use total and
  MemStats) for each rule of the cross-check, the exact pause, its n/a
  cases, and the trend classes of memstats.c.

Exit 0 when every check passed, 1 otherwise.  Standard library only.
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402

HD = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                       os.path.join(os.path.dirname(__file__), ".."))
CAPTURES = os.path.join(ROOT, "testdata", "captures", "memstats")
ENV = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")
FIELDS = ["HeapAlloc", "HeapInuse", "HeapIdle", "HeapReleased", "HeapSys", "Sys",
          "LiveObjects", "HeapObjects", "StackInuse", "GCSys", "NextGC", "MaxRSS"]
PAIRS = {"Stack": ("StackInuse", "StackSys"), "MSpan": ("MSpanInuse", "MSpanSys"),
         "MCache": ("MCacheInuse", "MCacheSys")}
MIB = 1 << 20
t = Checks()


def run(*args):
    p = subprocess.run([HD] + list(args), cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def js(*args):
    code, out, err = run(*args, "--format", "json")
    if code not in (0, 1):
        raise RuntimeError("heapdiff %s: exit %d: %s" % (" ".join(args), code, err))
    return json.loads(out)


def read(path):
    data = open(path, "rb").read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def memstats_of(path):
    """{field: int} and the PauseNs list of a text profile's tail, as Go
    printed it; LiveObjects computed."""
    ms, pause, on = {}, None, False
    for line in read(path).decode("utf-8").splitlines():
        if line == "# runtime.MemStats":
            on = True
            continue
        if not on:
            continue
        m = re.match(r"^# (\w+) = (\d+)$", line)
        if m:
            ms[m.group(1)] = int(m.group(2))
        m = re.match(r"^# (\w+) = (\d+) / (\d+)$", line)
        if m:
            a, b = PAIRS[m.group(1)]
            ms[a], ms[b] = int(m.group(2)), int(m.group(3))
        m = re.match(r"^# PauseNs = \[([\d ]+)\]$", line)
        if m:
            pause = [int(x) for x in m.group(1).split()]
    ms["LiveObjects"] = ms["Mallocs"] - ms["Frees"]
    return ms, pause


def check_numbers(what, doc, raws, pause_last, trend):
    m = doc.get("memstats")
    if not t.check(m is not None, what + ": a memstats object"):
        return None
    names = [f["name"] for f in m["fields"]]
    want = [f for f in FIELDS if f != "MaxRSS" or any(r.get("MaxRSS") for r in raws)]
    t.check(names == want, what + ": the fields, in order", names)
    for f in m["fields"]:
        first, last = raws[0][f["name"]], raws[-1][f["name"]]
        t.check((f["first"], f["last"], f["delta"]) == (first, last, last - first),
                "%s: %s first, last, delta = the files' %d, %d" % (what, f["name"], first, last),
                (f["first"], f["last"], f["delta"]))
        pct = None if first == 0 else round((last - first) * 100 / first, 4)
        t.check(f["pct"] is None if pct is None else abs(f["pct"] - pct) < 1e-3,
                "%s: %s pct" % (what, f["name"]), (f["pct"], pct))
        if trend:
            t.check(f["series"] == [r[f["name"]] for r in raws],
                    "%s: %s series = the files'" % (what, f["name"]), f["series"])
    iv = m["interval"]
    for k, name in (("num_gc", "NumGC"), ("num_forced_gc", "NumForcedGC"),
                    ("mallocs", "Mallocs"), ("frees", "Frees"), ("total_alloc", "TotalAlloc")):
        t.check(iv[k] == raws[-1][name] - raws[0][name], "%s: interval %s" % (what, k),
                (iv[k], raws[-1][name] - raws[0][name]))
    g0, g1 = raws[0]["NumGC"], raws[-1]["NumGC"]
    want_pause = sum(pause_last[k % len(pause_last)] for k in range(g0, g1))
    t.check(iv["pause_ns"] == want_pause and iv["pause_ring"] == len(pause_last),
            "%s: the pause of collections %d..%d from the last PauseNs ring = %d ns" %
            (what, g0 + 1, g1, want_pause), (iv["pause_ns"], iv["pause_ring"]))
    cc = m["cross_check"]
    d = lambda k: raws[-1][k] - raws[0][k]  # noqa: E731
    t.check(cc["heap_inuse"] == d("HeapInuse") and cc["heap_alloc"] == d("HeapAlloc") and
            cc["outside"] == d("Sys") - d("HeapSys") and cc["stacks"] == d("StackSys") and
            cc["gc"] == d("GCSys") and
            cc["idle"] == d("HeapIdle") - d("HeapReleased"),
            what + ": the cross-check's growth figures are the files'", cc)
    t.check(cc["floor"] == max(MIB, int(raws[0]["Sys"] / 100)), what + ": floor", cc["floor"])
    return m


def captures():
    for run_name, kind, part in (("leak", "heap", None), ("stacks", "outside", "goroutine stacks")):
        d = os.path.join(CAPTURES, run_name)
        txt = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".txt.gz"))
        pbs = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".pb.gz"))
        if not t.check(len(txt) >= 2 and len(txt) == len(pbs), run_name + ": text and protobuf"):
            continue
        parsed = [memstats_of(p) for p in txt]
        raws = [p[0] for p in parsed]
        pause = parsed[-1][1]
        t.check(pause is not None and len(pause) == 256, run_name + ": the last file has PauseNs")
        what = "%s diff" % run_name
        doc = js("diff", "--top", "1", txt[0], txt[-1])
        m = check_numbers(what, doc, [raws[0], raws[-1]], pause, False)
        if m:
            cc = m["cross_check"]
            t.check(cc["kind"] == kind, "%s: cross-check %s" % (what, kind), cc)
            t.check(cc["profile_inuse"] == doc["totals"]["delta"],
                    what + ": profile_inuse = the in-use total's delta",
                    (cc["profile_inuse"], doc["totals"]["delta"]))
            t.check(part is None or part in cc["message"], "%s: names %s" % (what, part),
                    cc["message"])
            for fmt_args, line in (([], "  Cross-check (%s): %s\n" % (kind, cc["message"])),
                                   (["--format", "markdown"], "**Cross-check (%s):** " % kind)):
                code, out, _ = run("diff", "--top", "1", *fmt_args, txt[0], txt[-1])
                t.check(code == 0 and line in out, "%s %s: the cross-check line" %
                        (what, fmt_args or "text"), line)
        what = "%s trend" % run_name
        doc = js("trend", "--top", "1", *txt)
        m = check_numbers(what, doc, raws, pause, True)
        if m:
            t.check(m["cross_check"]["kind"] == kind, "%s: cross-check %s" % (what, kind))
            classes = {f["name"]: f["class"] for f in m["fields"]}
            grow = "StackInuse" if run_name == "stacks" else "HeapInuse"
            t.check(classes[grow] == "growing", "%s: %s growing" % (what, grow), classes)
            html = run("trend", "--format", "html", "--top", "3", *txt)[1]
            try:
                root = ET.fromstring(html)
                ns = {"h": "http://www.w3.org/1999/xhtml"}
                rows = root.findall(".//h:table[@class='memstats']/h:tbody/h:tr", ns)
                t.check([r.find("h:td/h:code", ns).text for r in rows] == [f["name"] for f in m["fields"]],
                        what + " html: the MemStats table's fields")
                t.check(m["cross_check"]["message"] in html.replace("&#39;", "'"),
                        what + " html: the cross-check line")
            except ET.ParseError as e:
                t.check(False, what + " html: parses as XML", e)
        # The protobuf twins carry no MemStats: no section, and a rule is an error.
        t.check("memstats" not in js("diff", "--top", "1", pbs[0], pbs[-1]),
                run_name + ": no memstats for protobuf profiles")


def leak_files():
    d = os.path.join(CAPTURES, "leak")
    return ([os.path.join(d, "heap-%d.txt.gz" % i) for i in (1, 4)],
            [os.path.join(d, "heap-%d.pb.gz" % i) for i in (1, 4)])


def rules(txt, pbs):
    for cmd in ("diff", "trend"):
        for rule, want in (("memstats.HeapInuse:+1%", 1), ("memstats.HeapInuse:+10000%", 0),
                           ("memstats.Sys:+1GiB", 0), ("memstats.LiveObjects:+10", 1)):
            code, out, err = run(cmd, "--fail-on", rule, *txt)
            t.check(code == want, "%s --fail-on %s: exit %d" % (cmd, rule, want), (code, err))
        doc = js(cmd, "--fail-on", "memstats.HeapInuse:+1%", *txt)
        r = doc["verdict"]["rules"][0]
        d = doc["memstats"]["fields"][1]
        t.check(d["name"] == "HeapInuse" and r["measured"] == d["delta"] and not r["pass"] and
                r["unit"] == "bytes" and r["limit_kind"] == "percent",
                cmd + ": the rule measures HeapInuse's delta", r)
    msg = ("heapdiff: --fail-on memstats.HeapInuse:+1%: memstats.HeapInuse needs Go's text "
           "heap profile (?debug=1), which carries runtime.MemStats\n")
    for cmd in ("diff", "trend"):
        code, out, err = run(cmd, "--fail-on", "memstats.HeapInuse:+1%", *pbs)
        t.check(code == 2 and err == msg and out == "", cmd + " of protobuf with a memstats rule: exit 2",
                (code, err))
    code, out, err = run("diff", "--fail-on", "memstats.HeapInuse:+1%", pbs[0], txt[1])
    t.check(code == 2 and "needs runtime.MemStats in every profile, and %s has none" % pbs[0] in err,
            "a protobuf BASE and a text NEW: exit 2 naming BASE", (code, err))
    code, out, err = run("diff", "--fail-on", "memstats.HeapInUse:+1%", *txt)
    t.check(code == 2 and "no MemStats field 'HeapInUse'" in err and "HeapInuse, " in err,
            "a misspelt field: exit 2 listing the valid ones", err)


# ---- synthetic profiles ----

BASE = {
    "Alloc": 40 * MIB, "TotalAlloc": 400 * MIB, "Lookups": 0, "Mallocs": 100000, "Frees": 90000,
    "HeapAlloc": 40 * MIB, "HeapInuse": 41 * MIB, "HeapIdle": 10 * MIB, "HeapReleased": 5 * MIB,
    "HeapObjects": 10000, "StackInuse": MIB, "StackSys": MIB, "MSpanInuse": 100000,
    "MSpanSys": 120000, "MCacheInuse": 2400, "MCacheSys": 15600, "BuckHashSys": 1500000,
    "GCSys": 5 * MIB, "OtherSys": MIB, "NextGC": 80 * MIB, "LastGC": 1700000000000000000,
    "NumGC": 10, "NumForcedGC": 2, "MaxRSS": 30 * MIB,
}
ORDER = ["Alloc", "TotalAlloc", "Sys", "Lookups", "Mallocs", "Frees", "HeapAlloc", "HeapSys",
         "HeapIdle", "HeapInuse", "HeapReleased", "HeapObjects", "Stack", "MSpan", "MCache",
         "BuckHashSys", "GCSys", "OtherSys", "NextGC", "LastGC", "PauseNs", "NumGC",
         "NumForcedGC", "MaxRSS"]


def stats(**kw):
    """BASE changed by kw (values in bytes or counts), HeapSys and Sys
    made consistent unless given."""
    m = dict(BASE)
    m.update({k: v for k, v in kw.items() if k not in ("Sys", "HeapSys")})
    m["HeapSys"] = kw.get("HeapSys", m["HeapInuse"] + m["HeapIdle"])
    m["Sys"] = kw.get("Sys", m["HeapSys"] + m["StackSys"] + m["MSpanSys"] + m["MCacheSys"] +
                      m["BuckHashSys"] + m["GCSys"] + m["OtherSys"])
    return m


def write(path, inuse, m, pause=None):
    lines = ["heap profile: 1: %d [1: %d] @ heap/2" % (inuse, inuse),
             "1: %d [1: %d] @ 0x401000" % (inuse, inuse),
             "#\t0x400fff\tmain.hold+0x1\t/src/main.go:10", "", "", "# runtime.MemStats"]
    for k in ORDER:
        if k in PAIRS:
            a, b = PAIRS[k]
            lines.append("# %s = %d / %d" % (k, m[a], m[b]))
        elif k == "PauseNs":
            if pause is not None:
                lines.append("# PauseNs = [%s]" % " ".join(str(x) for x in pause))
        elif k in m:
            lines.append("# %s = %d" % (k, m[k]))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def synthetic(tmp):
    n = [0]

    def pair(a, b, *extra):
        """Write the profiles (inuse, memstats[, pause]) and return the diff's memstats."""
        paths = []
        for spec in (a, b) + extra:
            n[0] += 1
            paths.append(os.path.join(tmp, "s%d.txt" % n[0]))
            write(paths[-1], *spec)
        return js("trend" if extra else "diff", *paths)["memstats"]

    base = (40 * MIB, stats())
    cases = [
        ("heap", (50 * MIB, stats(HeapInuse=51 * MIB, HeapAlloc=50 * MIB)), None),
        ("garbage", (41 * MIB, stats(HeapInuse=51 * MIB, HeapAlloc=50 * MIB)), "HeapAlloc +10"),
        ("fragmented", (41 * MIB, stats(HeapInuse=51 * MIB, HeapAlloc=41 * MIB)), "fragmentation"),
        ("idle", (40 * MIB, stats(HeapIdle=18 * MIB)), "debug.FreeOSMemory"),
        ("outside", (40 * MIB, stats(GCSys=9 * MIB)), "GC metadata (GCSys) +4.00 MiB"),
        ("outside", (40 * MIB, stats(StackInuse=9 * MIB, StackSys=9 * MIB)), "/debug/pprof/goroutine"),
        ("outside", (40 * MIB, stats(MaxRSS=120 * MIB)), "cgo or other native memory"),
        ("restart", (40 * MIB, stats(Mallocs=5000, Frees=4000, NumGC=3)), "at profile 2"),
        ("noise", (40 * MIB + 4096, stats(HeapInuse=41 * MIB + 8192)), "1.00 MiB"),
        ("noise", (30 * MIB, stats(HeapInuse=31 * MIB, HeapAlloc=30 * MIB)), None),
    ]
    for kind, new, needle in cases:
        m = pair(base, new)
        cc = m["cross_check"]
        t.check(cc["kind"] == kind and (needle is None or needle in cc["message"]),
                "synthetic %s (%s)" % (kind, needle), cc)
    # Garbage without growth: HeapAlloc far above the profile's in-use at both ends.
    g = (30 * MIB, stats(HeapAlloc=40 * MIB))
    cc = pair(g, g)["cross_check"]
    t.check(cc["kind"] == "garbage" and "in profile 1" in cc["message"] and "?gc=1" in cc["message"],
            "synthetic garbage without growth", cc)
    # Just under: HeapAlloc 25% above the in-use, not more.
    g = (32 * MIB, stats(HeapAlloc=40 * MIB))
    t.check(pair(g, g)["cross_check"]["kind"] == "noise", "synthetic: 25% above is not garbage")
    # The pause over the interval: collections 11..14 sit at ring indexes 10..13.
    ring = [0] * 256
    ring[9], ring[10:14], ring[14] = 7, [100, 200, 300, 400], 9
    iv = pair((40 * MIB, stats(), ring), (40 * MIB, stats(NumGC=14), ring))["interval"]
    t.check(iv["pause_ns"] == 1000 and iv["num_gc"] == 4, "pause of 4 collections", iv)
    iv = pair((40 * MIB, stats(), ring), (40 * MIB, stats(NumGC=10 + 256), ring))["interval"]
    t.check(iv["pause_ns"] == sum(ring) and iv["num_gc"] == 256, "pause of 256 collections", iv)
    iv = pair((40 * MIB, stats(), ring), (40 * MIB, stats(NumGC=10 + 257), ring))["interval"]
    t.check(iv["pause_ns"] is None and iv["pause_ring"] == 256, "more than 256: no pause", iv)
    iv = pair((40 * MIB, stats()), (40 * MIB, stats(NumGC=12)))["interval"]
    t.check(iv["pause_ns"] is None and iv["pause_ring"] == 0, "no PauseNs: no pause", iv)
    code, out, _ = run("diff", os.path.join(tmp, "s%d.txt" % (n[0] - 1)), os.path.join(tmp, "s%d.txt" % n[0]))
    t.check("pause n/a (no PauseNs)" in out, "text: pause n/a", out)
    # Trend classes (memstats.c's rule).
    series = {
        "HeapInuse": [41, 43, 42, 46],      # growing: +5 MiB, 2 of 3 steps not falling
        "HeapIdle": [10, 14, 10, 14],       # growing too: net +4, 2 of 3 not falling
        "GCSys": [5, 5, 5, 5],              # stable
        "StackSys": [8, 6, 4, 2],           # shrinking
        "OtherSys": [4, 1, 5, 4],           # fluctuating: net 0, range 4 MiB
    }
    specs = []
    for c in range(4):
        kw = {k: v[c] * MIB for k, v in series.items()}
        kw["StackInuse"] = kw["StackSys"]
        specs.append((40 * MIB, stats(**kw)))
    m = pair(*specs)
    cls = {f["name"]: f["class"] for f in m["fields"]}
    t.check(cls["HeapInuse"] == "growing" and cls["HeapIdle"] == "growing" and
            cls["GCSys"] == "stable" and cls["StackInuse"] == "shrinking",
            "trend classes: growing, stable, shrinking", cls)
    specs = [(40 * MIB, stats(OtherSys=v * MIB)) for v in series["OtherSys"]]
    cls = {f["name"]: f["class"] for f in pair(*specs)["fields"]}
    t.check(cls["Sys"] == "fluctuating" and cls["HeapInuse"] == "stable",
            "trend classes: fluctuating", cls)
    # A profile without MemStats in a trend: no section, and a rule names it.
    plain = os.path.join(tmp, "plain.txt")
    with open(plain, "w") as f:
        f.write("heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x401000\n"
                "#\t0x400fff\tmain.hold+0x1\t/src/main.go:10\n")
    s1 = os.path.join(tmp, "s1.txt")
    t.check("memstats" not in js("trend", s1, plain, s1), "trend with one profile without MemStats")
    code, _, err = run("trend", "--fail-on", "memstats.Sys:+1", s1, plain, s1)
    t.check(code == 2 and "and %s has none" % plain in err, "trend rule names the profile without", err)


def markdown():
    """The Markdown section through cmark-gfm, when it is installed."""
    if not shutil.which("cmark-gfm"):
        print("SKIP markdown: cmark-gfm not found")
        return
    import markdown as md  # tests/markdown.py
    d = os.path.join(CAPTURES, "leak")
    txt = [os.path.join(d, "heap-%d.txt.gz" % i) for i in range(1, 5)]
    for cmd, files in (("diff", [txt[0], txt[-1]]), ("trend", txt)):
        for ascii_ in ([], ["--ascii"]) if cmd == "trend" else ([],):
            what = "markdown %s %s" % (cmd, " ".join(ascii_))
            doc = js(cmd, "--top", "2", *ascii_, *files)["memstats"]
            out = subprocess.run([HD, cmd, "--format", "markdown", "--top", "2"] + ascii_ + files,
                                 cwd=ROOT, env=ENV, stdout=subprocess.PIPE, check=True).stdout
            _, page = md.render(t, out, what)
            table = page.table("MemStats")
            if not t.check(table is not None, what + ": a table under ### MemStats"):
                continue
            t.check(table["head"][0][0] == "runtime.MemStats" and
                    [r[0] for r in table["body"]] == [f["name"] for f in doc["fields"]],
                    what + ": a row per field", table["head"])
            cc = doc["cross_check"]
            t.check(any(p.startswith("Cross-check (%s): %s." % (cc["kind"], cc["message"]))
                        for p in page.paragraphs),
                    what + ": the cross-check reads as itself", page.paragraphs[:4])
            t.check(any(p.startswith("Over the interval: %d GCs" % doc["interval"]["num_gc"])
                        for p in page.paragraphs), what + ": the interval")


def main():
    if not os.path.isdir(CAPTURES):
        print("FAIL: no %s" % CAPTURES)
        return 1
    captures()
    rules(*leak_files())
    with tempfile.TemporaryDirectory() as tmp:
        synthetic(tmp)
    markdown()
    print("memstats: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
