#!/usr/bin/env python3
"""Every format shows the same verdicts.

Usage: python3 tests/agree.py HEAPDIFF SRCDIR

For trends of the bundled series (testdata/leak-*, the Parca heap
series with loose thresholds, and any capture series under
testdata/captures/*/ when they exist), the text, Markdown, JSON and HTML
outputs are parsed on their own terms (columns of the text table, raw
GFM list items and table cells, the XHTML page as XML), and what each
says is compared with the JSON's:

  * the suspects, in order, and each one's culprit when it is another
    frame (text "NAME  ← CULPRIT (98%)", Markdown "`NAME` ← `CULPRIT`",
    the HTML suspect table's culprit cell, JSON functions[].culprit);
  * the suspects' heading: "Leak suspects", or "Allocation-rate
    regressions" when JSON's suspects_kind is "allocation-rate";
  * the class of every function shown, and the class counts ("Classes:"
    in text, Markdown and HTML, JSON "classes");
  * the rule that classes a function growing, in the same words in text,
    Markdown and HTML;
  * for diffs, the top growers (JSON "growers") and each one's culprit
    in text, Markdown and JSON.

Only the Python 3 standard library is used.  The last line is
"agree: N passed, M failed".
"""

import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks, heapdiff  # noqa: E402

XHTML = "{http://www.w3.org/1999/xhtml}"
TITLES = {"leak": "Leak suspects", "allocation-rate": "Allocation-rate regressions"}
# "NAME  ← CULPRIT (98%)" after a name in text; the share is "n/a" or N%.
CULPRIT = re.compile(r"^(?P<name>.*?)(?:  (?:←|<-) (?P<culprit>.+?) \((?:\d+%|n/a)\))?$")


def parse_counts(s):
    """'27 stable, 8 growing' -> {"stable": 27, "growing": 8}"""
    out = {}
    if s.strip() == "no functions":
        return out
    for part in s.split(", "):
        n, _, cls = part.strip().partition(" ")
        out[cls] = int(n)
    return out


def json_facts(js):
    funcs = {f["name"]: f for f in js["functions"]}
    sus = []
    for name in js["suspects"]:
        f = funcs.get(name)
        c = f.get("culprit") if f else None
        sus.append((name, c if c != name else None))
    classes = {f["name"]: f["trend"]["class"] for f in js["functions"]}
    counts = {k: v for k, v in js["classes"].items() if v}
    return {"suspects": sus, "classes": classes, "counts": counts,
            "title": TITLES[js.get("suspects_kind", "leak")]}


def text_facts(out):
    lines = out.split("\n")
    facts = {"suspects": [], "classes": {}, "counts": None, "title": None}
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^Classes: (.*)$", line)
        if m:
            facts["counts"] = parse_counts(m.group(1))
        m = re.match(r"^Growing: (.*)$", line)
        if m:
            facts["rule"] = m.group(1)
        m = re.match(r"^(Leak suspects|Allocation-rate regressions)( \(\d+, by .*\):|: none)", line)
        if m:
            facts["title"] = m.group(1)
            i += 1
            while i < len(lines) and lines[i].startswith("  "):
                # "   1. NAME[  ← CULPRIT (S)]  +320.00 KiB (...), ..."
                s = re.match(r"^\s+\d+\. (.*?)  ([+-]?\d[^ ]*(?: \S+)? \(.*)$", lines[i])
                if s:
                    c = CULPRIT.match(s.group(1))
                    facts["suspects"].append((c.group("name"), c.group("culprit")))
                i += 1
            continue
        if line.startswith("Functions ("):
            head = lines[i + 1]
            at_class, at_name = head.index("  class  ") + 2, head.rindex("  name") + 2
            i += 2
            while i < len(lines) and lines[i]:
                row = lines[i]
                name = re.sub(r"  \(grew to .*, level since\)$", "", row[at_name:])
                facts["classes"][name] = row[at_class:].split()[0]
                i += 1
            continue
        i += 1
    return facts


def md_cells(row):
    """The cells of a GFM table row, '\\|' kept as a pipe."""
    cells = re.split(r"(?<!\\)\|", row.strip())[1:-1]
    return [c.strip().replace("\\|", "|") for c in cells]


def md_code(s):
    m = re.match(r"^(`+) ?(.*?) ?\1$", s)
    return m.group(2) if m else s


def md_facts(out):
    facts = {"suspects": [], "classes": {}, "counts": None, "title": None}
    m = re.search(r"Classes: (.*?)\.\n", out)
    if m:
        facts["counts"] = parse_counts(m.group(1))
    m = re.search(r"\. Growing: (.*?)\. Classes: ", out)
    if m:
        facts["rule"] = m.group(1)
    lines = out.split("\n")
    section = None
    for line in lines:
        if line.startswith("### "):
            section = line[4:]
            if section in TITLES.values():
                facts["title"] = section
            continue
        if section in TITLES.values():
            s = re.match(r"^\d+\. (`+)(.+?)\1(?: ← (`+)(.+?)\3 \((?:\d+%|n/a)\))?: ", line)
            if s:
                facts["suspects"].append((s.group(2), s.group(4)))
        elif section and section.startswith("Functions (") and line.startswith("| `"):
            cells = md_cells(line)
            cls = re.sub(r"^\*\*(.*)\*\*$", r"\1", cells[1].split(" (")[0])
            facts["classes"][md_code(cells[0])] = cls
    if facts["title"] is None and re.search(r"\*\*No (leak suspects|allocation-rate "
                                            r"regressions)\*\*", out):
        facts["title"] = TITLES["allocation-rate" if "No allocation-rate" in out else "leak"]
    return facts


def text_of(e):
    return "".join(e.itertext())


def html_facts(out):
    page = ET.fromstring(out)
    facts = {"suspects": [], "classes": {}, "counts": None, "title": None}
    for h2 in page.iter(XHTML + "h2"):
        if h2.text in TITLES.values():
            facts["title"] = h2.text
    for p in page.iter(XHTML + "p"):
        if p.get("id") == "classes":
            facts["counts"] = parse_counts(text_of(p)[len("Classes: "):].rstrip("."))
        if p.get("id") == "rule":
            facts["rule"] = text_of(p)[len("Growing: "):][:-1]
    for tr in page.iter(XHTML + "tr"):
        if tr.get("class") == "suspect":
            tds = tr.findall(XHTML + "td")
            name = text_of(tds[1].find(XHTML + "code"))
            cc = [td for td in tds if td.get("class") == "culprit"]
            code = cc[0].find(XHTML + "code") if cc else None
            facts["suspects"].append((name, text_of(code) if code is not None else None))
    for table in page.iter(XHTML + "table"):
        if table.get("class") != "heat":
            continue
        for tr in table.find(XHTML + "tbody").findall(XHTML + "tr"):
            tds = tr.findall(XHTML + "td")
            facts["classes"][text_of(tds[0])] = tds[1].get("class")
    return facts


def uncut(name, names):
    """A name the page cut ("…") as the JSON's whole name it begins."""
    if name.endswith("…"):
        full = [n for n in names if n.startswith(name[:-1])]
        if len(full) == 1:
            return full[0]
    return name


def compare(t, what, want, got, fmt):
    names = list(want["classes"])
    got["classes"] = {uncut(n, names): c for n, c in got["classes"].items()}
    got["suspects"] = [(uncut(n, names), c if c is None else uncut(c, names))
                       for n, c in got["suspects"]]
    t.check(got["suspects"] == want["suspects"],
            "%s: %s lists the JSON's suspects and culprits" % (what, fmt),
            (got["suspects"][:4], want["suspects"][:4]))
    t.check(got["title"] == want["title"],
            "%s: %s heads the suspects %r" % (what, fmt, want["title"]), got["title"])
    t.check(got["counts"] == want["counts"],
            "%s: %s counts the JSON's classes" % (what, fmt), (got["counts"], want["counts"]))
    bad = [(n, c, want["classes"].get(n)) for n, c in got["classes"].items()
           if want["classes"].get(n) != c]
    t.check(len(got["classes"]) == len(want["classes"]) and not bad,
            "%s: %s shows each function's class as the JSON does" % (what, fmt),
            (len(got["classes"]), len(want["classes"]), bad[:3]))


def trend_case(t, hd, what, args):
    js = json.loads(heapdiff(hd, "trend", "--format", "json", "--top", "0", *args))
    want = json_facts(js)
    t.check(want["classes"], what + ": the JSON has functions")
    parsers = (("text", text_facts), ("markdown", md_facts), ("html", html_facts))
    rules = {}
    for fmt, parse in parsers:
        out = heapdiff(hd, "trend", "--format", fmt, "--top", "0", *args).decode("utf-8")
        try:
            got = parse(out)
        except (ET.ParseError, ValueError, IndexError) as e:
            t.check(False, "%s: %s parses" % (what, fmt), e)
            continue
        compare(t, what, want, got, fmt)
        rules[fmt] = got.get("rule")
    t.check(rules.get("text") and len(set(rules.values())) == 1,
            what + ": text, Markdown and HTML state one growing rule", rules)


def diff_growers(t, hd, what, base, new):
    """Each top grower's culprit (when another frame) in text and
    Markdown as in the JSON."""
    top = "10"
    js = json.loads(heapdiff(hd, "diff", "--format", "json", "--top", "0", base, new))
    funcs = {f["name"]: f for f in js["functions"]}
    g = [funcs[n] for n in js["growers"][:int(top)]]
    t.check(g, what + ": the JSON lists growers")
    want = [(f["name"], f.get("culprit") if f.get("culprit") != f["name"] else None) for f in g]
    out = heapdiff(hd, "diff", "--top", top, base, new).decode("utf-8").split("\n")
    got, on = [], False
    for line in out:
        if line == "Top growers:":
            on = True
            head = None
            continue
        if on and head is None:
            head = line
            continue
        if on and not line:
            break
        if on:
            c = CULPRIT.match(line[head.rindex("  name") + 2:])
            got.append((c.group("name"), c.group("culprit")))
    t.check(got == want, what + ": text's growers and culprits are the JSON's", (got[:3], want[:3]))
    md = heapdiff(hd, "diff", "--format", "markdown", "--top", top, base, new).decode("utf-8")
    got, head = [], None
    section = None
    for line in md.split("\n"):
        if line.startswith("### "):
            section = line[4:]
            head = None
            continue
        if section == "Top growers" and line.startswith("|") and not line.startswith("|-"):
            cells = md_cells(line)
            if head is None:
                head = cells
                continue
            if cells and cells[0].startswith("---"):
                continue
            name = md_code(cells[head.index("function")])
            cul = None
            if "culprit" in head and cells[head.index("culprit")]:
                cul = md_code(cells[head.index("culprit")].rsplit(" (", 1)[0])
            got.append((name, cul))
    t.check(got == want, what + ": Markdown's growers and culprits are the JSON's",
            (got[:3], want[:3]))


def main():
    if len(sys.argv) != 3:
        print("usage: agree.py HEAPDIFF SRCDIR", file=sys.stderr)
        return 2
    hd, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    td = os.path.join(root, "testdata")
    t = Checks()
    leak = sorted(glob.glob(os.path.join(td, "leak-0*.pb.gz")))
    trend_case(t, hd, "leak series", leak)
    trend_case(t, hd, "leak series, loose", ["--min-growth", "0", "--min-r2", "0.1",
                                             "--min-rising", "0.1"] + leak)
    trend_case(t, hd, "leak series, alloc_space", ["--sample-index", "alloc_space"] + leak)
    trend_case(t, hd, "leak series, by cum", ["--sort", "cum"] + leak)
    parca = sorted(glob.glob(os.path.join(td, "public", "parca-heap-series", "heap-*.pb.gz")))
    if t.check(len(parca) >= 2, "the Parca heap series"):
        trend_case(t, hd, "parca, loose", ["--min-growth", "0", "--min-r2", "0.5"] + parca)
    for d in sorted(glob.glob(os.path.join(td, "captures", "*", ""))):
        snaps = sorted(glob.glob(os.path.join(d, "*.pb.gz")))
        if len(snaps) >= 2:
            trend_case(t, hd, "capture " + os.path.basename(d.rstrip("/")), snaps)
    diff_growers(t, hd, "diff leak-00..05", leak[0], leak[-1])
    diff_growers(t, hd, "diff cache", os.path.join(td, "cache-v1.pb.gz"),
                 os.path.join(td, "cache-v2.pb.gz"))
    print("agree: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
