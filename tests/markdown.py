#!/usr/bin/env python3
"""Markdown output test: heapdiff's GFM, rendered by cmark-gfm.

Usage: python3 tests/markdown.py HEAPDIFF DIR...

Each DIR is searched for the Parca heap series (heap-00.pb.gz ...), either
in DIR itself or in DIR/parca-heap-series.  The Markdown of `diff` and
`top` is rendered with `cmark-gfm -e table -e strikethrough -e autolink
--unsafe` (--unsafe: raw HTML would pass through and be caught here), and
the HTML is checked:

  * only tags Markdown itself produces appear, plus the report's own
    <details>/<summary>; never <script, <img or a tag from a function name;
  * the tables are <table>s with the row counts and the function names
    (cell text, HTML entities decoded) that `--format json --top 0` implies;
  * the allocation call paths render as a list inside <details>;
  * a trend's suspects heading, functions table (classes as the JSON's,
    leak-or-churn columns exactly with a pair of types) and class counts;
  * synthetic profiles (tests/pprofgen.py) whose frame names are Markdown,
    HTML, pipes, backticks, control characters and invalid UTF-8 come out
    as exactly that text (control and bidi characters as visible escapes,
    invalid bytes as U+FFFD), in tables, lists and the title.

Exit status: 0 all passed, 1 any failure, 77 (meson SKIP) without
cmark-gfm.  The last line is "markdown: N passed, M failed".
Only the Python 3 standard library is used.
"""

import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pprofgen  # noqa: E402
from testlib import Checks, find_series, heapdiff  # noqa: E402

CMARK = ["cmark-gfm", "-e", "table", "-e", "strikethrough", "-e", "autolink",
         "--unsafe"]
# Tags cmark-gfm writes for Markdown, and the report's own raw HTML.
ALLOWED_TAGS = {
    "table", "thead", "tbody", "tr", "th", "td", "p", "h1", "h2", "h3",
    "strong", "em", "code", "ul", "ol", "li", "br", "a", "hr",
    "details", "summary",
}
TEXT_TAGS = ("td", "th", "li", "h1", "h2", "h3", "p", "summary")
DIFF_HEADER = ["Δflat", "Δflat%", "base flat", "new flat", "Δcum", "Δcum%",
               "status", "function"]
TOP_HEADER = ["flat", "flat%", "sum%", "cum", "cum%", "function"]


class Doc(html.parser.HTMLParser):
    """The parts of cmark-gfm's HTML the checks look at."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags = []        # every tag, end tags as "/name"
        self.tables = []      # {"heading", "head": [[cell]], "body": [[cell]]}
        self.headings = []    # (tag, text)
        self.paragraphs = []
        self.items = []       # (text of the item itself, inside <details>, depth)
        self.errors = []
        self._heading = None
        self._section = "body"
        self._row = None
        self._bufs = []
        self._details = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "details":
            self._details += 1
        elif tag == "table":
            self.tables.append({"heading": self._heading, "head": [], "body": []})
        elif tag in ("thead", "tbody"):
            self._section = "head" if tag == "thead" else "body"
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1][self._section].append(self._row)
        if tag in TEXT_TAGS:
            self._bufs.append((tag, []))

    def handle_endtag(self, tag):
        self.tags.append("/" + tag)
        if tag == "details":
            self._details -= 1
        if tag not in TEXT_TAGS:
            return
        if not self._bufs or self._bufs[-1][0] != tag:
            self.errors.append("unbalanced </%s>" % tag)
            return
        text = "".join(self._bufs.pop()[1])
        if tag in ("td", "th"):
            if self._row is None:
                self.errors.append("<%s> outside a row" % tag)
            else:
                self._row.append(text)
        elif tag == "li":
            depth = 1 + sum(1 for b in self._bufs if b[0] == "li")
            self.items.append((text.strip("\n"), self._details > 0, depth))
        elif tag == "p":
            self.paragraphs.append(text)
        elif tag.startswith("h"):
            self.headings.append((tag, text))
            self._heading = text

    def handle_data(self, data):
        if self._bufs:
            self._bufs[-1][1].append(data)

    def table(self, heading):
        found = [t for t in self.tables if t["heading"] == heading]
        return found[0] if found else None




def shown(s):
    """A name as reports show it (pprofgen.expected_text): control and
    bidi characters as visible escapes."""
    return pprofgen.expected_text(s)


def render(t, md_bytes, what):
    """Markdown bytes -> (HTML text, Doc), with the checks every document
    must pass."""
    try:
        md = md_bytes.decode("utf-8")
        t.check(True, what + ": output is UTF-8")
    except UnicodeDecodeError as e:
        t.check(False, what + ": output is UTF-8", e)
        md = md_bytes.decode("utf-8", "replace")
    out = subprocess.run(CMARK, input=md.encode("utf-8"), stdout=subprocess.PIPE,
                         check=True).stdout.decode("utf-8")
    doc = Doc(out)
    t.check(not doc.errors, what + ": well-formed HTML", doc.errors[:3])
    bad = sorted({x.lstrip("/") for x in doc.tags} - ALLOWED_TAGS)
    t.check(not bad, what + ": only Markdown's own tags and <details>", bad)
    t.check(not re.search(r"<\s*/?\s*(script|img|iframe|style)", out, re.I),
            what + ": no <script>, <img>, <iframe> or <style>")
    t.check(not re.search(r"<del\b", out), what + ": no strikethrough")
    return out, doc


def growers_shrinkers(js, top):
    """The rows the growers and shrinkers tables must show, from the
    JSON of the same diff with --top 0 (the default sort)."""
    g, s = [], []
    for f in js["functions"]:
        df = f["delta_flat"]
        # By flat, a caller whose flat did not move is in neither table.
        if df > 0:
            g.append(f)
        elif df < 0:
            s.append(f)
    if top:
        g, s = g[:top], s[:top]
    return g, s


def check_table(t, doc, heading, header, rows, what):
    """rows: the expected function names, in order ([] = no table)."""
    tab = doc.table(heading)
    if not rows:
        t.check(tab is None, "%s: no %r table when it would be empty" % (what, heading))
        return
    if not t.check(tab is not None, "%s: a %r <table>" % (what, heading)):
        return
    head = tab["head"][0] if tab["head"] else []
    # The leak-or-churn columns before the function (with the pair of
    # types), a culprit column after it (when a row names one).
    extra = [c for c in head if c not in header]
    t.check(head[:len(header) - 1] == header[:-1] and "function" in head and
            all(c in ("in-use Δ", "allocated", "retention", "culprit") for c in extra),
            "%s: %r header" % (what, heading), tab["head"])
    t.check(len(tab["body"]) == len(rows),
            "%s: %r has %d body rows" % (what, heading, len(rows)), len(tab["body"]))
    t.check(all(len(r) == len(head) for r in tab["body"]),
            "%s: %r rows have %d cells" % (what, heading, len(head)))
    fn = head.index("function") if "function" in head else -1
    got = [r[fn] if r else None for r in tab["body"]]
    want = [shown(n) for n in rows]
    t.check(got == want, "%s: %r function names equal the JSON names" % (what, heading),
            [(a, b) for a, b in zip(got, want) if a != b][:3])


def check_chains(t, doc, js0, jsn, what):
    """The allocation call paths show inside <details> as a list: an item per
    frame, 'NAME (Δcum X)', holding an item per chain, 'DELTA NAME ←
    CALLER ← ...'.  Which frames get chains depends on --top, so: every
    frame of the JSON with the same --top (jsn) that has chains is there,
    and every frame there has exactly its chains from the JSON with
    --top 0 (js0), in order."""
    def chain_text(f, c):
        return " ← ".join(shown(n) for n in [f["name"]] + c["path"])

    full = {shown(f["name"]): f for f in js0["functions"]}
    want = [shown(f["name"]) for f in jsn["functions"] if f.get("call_paths")]
    if not want:
        t.check("details" not in doc.tags, what + ": no <details> without chains")
        return
    if not t.check("details" in doc.tags and "summary" in doc.tags,
                   what + ": chains in <details><summary>"):
        return
    i, j = doc.tags.index("details"), doc.tags.index("/details")
    t.check("ul" in doc.tags[i:j], what + ": the chains render as a list inside <details>")
    # Items come out innermost first: a frame's chains precede the frame.
    groups, pending = [], []
    for text, inside, depth in doc.items:
        if not inside:
            continue
        if depth == 2:
            pending.append(text)
        else:
            groups.append((text.rsplit(" (Δcum ", 1)[0], pending))
            pending = []
    names = [g[0] for g in groups]
    t.check(all(w in names for w in want),
            what + ": every frame with chains in the JSON has them here",
            [w for w in want if w not in names][:3])
    bad = []
    for name, items in groups:
        f = full.get(name)
        exp = [chain_text(f, c) for c in f.get("call_paths", [])] if f else None
        # "+X other paths" last, exactly when the JSON says they carry X.
        other = f.get("call_paths_other", 0) if f else 0
        if items and items[-1].endswith(" other paths"):
            if not other:
                bad.append((name, items, "no other paths in the JSON"))
            items = items[:-1]
        elif other:
            bad.append((name, items, "other paths %d missing" % other))
        if exp is None or len(exp) != len(items) or \
                not all(x.endswith(" " + e) for x, e in zip(items, exp)):
            bad.append((name, items, exp))
    t.check(not bad, what + ": each frame's chains, names in order", bad[:2])


def test_diff(t, hd, base, new, top, what):
    js = json.loads(heapdiff(hd, "diff", "--format", "json", "--top", "0", base, new))
    jsn = json.loads(heapdiff(hd, "diff", "--format", "json", "--top", str(top), base, new))
    md = heapdiff(hd, "diff", "--format", "markdown", "--top", str(top), base, new)
    _, doc = render(t, md, what)
    g, s = growers_shrinkers(js, top)
    st = js["sample_type"]["type"]
    h2 = [x for tag, x in doc.headings if tag == "h2"]
    t.check(len(h2) == 1 and os.path.basename(base) in h2[0] and
            os.path.basename(new) in h2[0] and st in h2[0],
            what + ": one title naming both profiles and the sample type", h2)
    t.check(bool(doc.paragraphs) and doc.paragraphs[0].startswith("Total %s: " % st),
            what + ": the verdict comes first", doc.paragraphs[:1])
    summary = doc.tables[0] if doc.tables else None
    nsum = 2 if "count_totals" in js else 1
    if t.check(summary is not None and summary["head"] == [["", "base", "new", "Δ", "Δ%"]],
               what + ": a summary table first"):
        t.check(len(summary["body"]) == nsum and summary["body"][0][0] == st,
                what + ": summary rows for the type and its object count",
                summary["body"])
        if nsum == 2:
            t.check(summary["body"][1][0] == js["count_totals"]["type"],
                    what + ": the count row names the count type")
    check_table(t, doc, "Top growers", DIFF_HEADER, [f["name"] for f in g], what)
    check_table(t, doc, "Top shrinkers", DIFF_HEADER, [f["name"] for f in s], what)
    t.check(("No change." in doc.paragraphs) == (not g and not s),
            what + ": 'No change.' exactly when nothing changed")
    ng = [f for f in g + s if f["status"] in ("new", "gone")]
    items = [x for x, d, _ in doc.items if not d]
    for f in ng:
        name = shown(f["name"])
        t.check(any(x.startswith("%s %s (Δcum " % (f["status"], name)) for x in items),
                "%s: %s frame %r listed" % (what, f["status"], name))
    t.check(len(items) == len(ng), what + ": one list item per new or gone frame shown",
            (len(items), len(ng)))
    check_chains(t, doc, js, jsn, what)
    return doc


def test_top(t, hd, path, top, what):
    js = json.loads(heapdiff(hd, "top", "--format", "json", "--top", str(top), path))
    md = heapdiff(hd, "top", "--format", "markdown", "--top", str(top), path)
    _, doc = render(t, md, what)
    st = js["sample_type"]["type"]
    h2 = [x for tag, x in doc.headings if tag == "h2"]
    t.check(len(h2) == 1 and os.path.basename(path) in h2[0],
            what + ": a title naming the profile", h2)
    t.check(any(p.startswith("Total %s: " % st) for p in doc.paragraphs),
            what + ": the total")
    t.check(len(doc.tables) == 1, what + ": one table", len(doc.tables))
    check_table(t, doc, None if not doc.tables else doc.tables[0]["heading"],
                TOP_HEADER, [f["name"] for f in js["functions"]], what)
    return doc


def test_trend(t, hd, paths, what, *opts):
    """A trend's Markdown under cmark-gfm: the suspects heading and list,
    the functions table (one row per function the JSON shows, each with
    the header's cells, the JSON's class first), the class counts."""
    js = json.loads(heapdiff(hd, "trend", "--format", "json", "--top", "10", *(list(opts) + paths)))
    md = heapdiff(hd, "trend", "--format", "markdown", "--top", "10", *(list(opts) + paths))
    _, doc = render(t, md, what)
    title = {"leak": "Leak suspects",
             "allocation-rate": "Allocation-rate regressions"}[js["suspects_kind"]]
    h3 = [x for tag, x in doc.headings if tag == "h3"]
    t.check((title in h3) == bool(js["suspects"]),
            what + ": the suspects headed %r when there are any" % title, h3)
    tab = next((tb for tb in doc.tables if tb["heading"].startswith("Functions (")), None)
    if not t.check(tab is not None, what + ": a functions table"):
        return
    head = tab["head"][0]
    t.check(head[:2] == ["function", "class"] and head[-2:] == ["heat", "trend"],
            what + ": the functions table's header", head)
    t.check(("retention" in head) == bool(js.get("pair_type")),
            what + ": leak-or-churn columns exactly with a pair of types", head)
    t.check(all(len(r) == len(head) for r in tab["body"]),
            what + ": every row has the header's cells")
    got = [(r[0], r[1].split(" (")[0]) for r in tab["body"]]
    want = [(shown(f["name"]), f["trend"]["class"]) for f in js["functions"]]
    t.check(got == want, what + ": each function's class as the JSON's", (got[:3], want[:3]))
    counts = ", ".join("%d %s" % (n, c) for c, n in js["classes"].items() if n)
    t.check(any(("Classes: %s." % counts) in p for p in doc.paragraphs),
            what + ": the JSON's class counts", counts)


def test_nasty(t, hd, tmp):
    names = [pprofgen.expected_text(n) for n in pprofgen.NASTY_NAMES]
    # The file names become the title's labels: make them nasty too.
    base, new, _ = pprofgen.write_nasty_pair(tmp, "b|a`se` *x*.pb.gz",
                                             "<i>new&amp;_y_.pb.gz")
    doc = test_diff(t, hd, base, new, 0, "nasty diff")
    h2 = [x for tag, x in doc.headings if tag == "h2"]
    t.check(h2 and "b|a`se` *x*.pb.gz → <i>new&amp;_y_.pb.gz" in h2[0],
            "nasty diff: labels in the title read as the file names", h2)
    shown = set()
    for heading in ("Top growers", "Top shrinkers"):
        tab = doc.table(heading)
        if tab:
            fn = tab["head"][0].index("function")
            shown.update(r[fn] for r in tab["body"] if r)
    for n in names:
        t.check(n in shown, "nasty diff: table cell reads exactly %r" % n)
    items = [x for x, d, _ in doc.items if not d]
    t.check(any(x.startswith("new %s (" % names[0]) for x in items),
            "nasty diff: the new frame is listed as new", items)
    t.check(any(x.startswith("gone %s (" % names[-1]) for x in items),
            "nasty diff: the gone frame is listed as gone", items)

    doc = test_top(t, hd, base, 0, "nasty top")
    cells = {r[-1] for r in doc.tables[0]["body"]} if doc.tables else set()
    for n in names[1:]:  # the first name is only in NEW
        t.check(n in cells, "nasty top: table cell reads exactly %r" % n)


def test_nasty_type(t, hd, tmp):
    """Sample type and unit names read as themselves (code spans, like
    every string of a profile)."""
    st, unit = "<b>in</b>_*use*|`x`~~y~~ & $z$ #1", "<i>u</i>&amp;"
    paths = []
    for i, v in enumerate((100, 250)):
        paths.append(os.path.join(tmp, "type%d.pb.gz" % i))
        pprofgen.write_profile(paths[-1], [(st, unit)],
                               [(["f", "main"], [v]), (["g|h", "main"], [v // 2])])
    _, doc = render(t, heapdiff(hd, "diff", "--format", "markdown", *paths), "nasty type diff")
    h2 = [x for tag, x in doc.headings if tag == "h2"]
    t.check(h2 and h2[0].endswith("(%s)" % st), "nasty type diff: type in the title", h2)
    t.check(doc.paragraphs and doc.paragraphs[0].startswith("Total %s: " % st),
            "nasty type diff: type in the verdict", doc.paragraphs[:1])
    t.check(any(p.startswith("Sample type %s (%s)" % (st, unit)) for p in doc.paragraphs),
            "nasty type diff: type and unit as text", doc.paragraphs)
    t.check(doc.tables and doc.tables[0]["body"] and doc.tables[0]["body"][0][0] == st,
            "nasty type diff: type in the summary table")
    _, doc = render(t, heapdiff(hd, "top", "--format", "markdown", paths[0]), "nasty type top")
    t.check(any(p.startswith("Total %s: " % st) for p in doc.paragraphs),
            "nasty type top: type in the total", doc.paragraphs)


# Strings GitHub would turn into links, mentions, emoji, images or HTML
# (issue #20, row 14), for every string a profile carries: sample type
# and unit, function and file names.
LINKY = ["https://evil.example/x", "www.evil.example", "@org/team", "mail@evil.example",
         "<img src=x onerror=alert(1)>", "<b>bold</b>", ":smile:", "http://a.example",
         "<https://auto.example>", "![i](http://img.example/i.png)", "[l](http://l.example)"]
# cmark-gfm with every extension it has: what GitHub runs, and more.
CMARK_ALL = ["cmark-gfm", "--extension", "autolink", "--extension", "table", "--extension",
             "strikethrough", "--extension", "tagfilter", "--extension", "tasklist",
             "--to", "html"]
MENTION = re.compile(r"(?<![\w@/.+-])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9][\w.-]*)?")


def outside_code(html_text):
    """The text of the HTML outside <code>, tags removed: where GitHub
    links @mentions and renders :emoji:."""
    text = re.sub(r"<code>.*?</code>", "", html_text, flags=re.S)
    return re.sub(r"<[^>]*>", "", text)


def check_linky(t, md, what):
    html_out = subprocess.run(CMARK_ALL, input=md, stdout=subprocess.PIPE,
                              check=True).stdout.decode("utf-8")
    for pat, name in ((r"<a\s", "a link"), (r"<img", "an image"),
                      (r"<(b|i|script|iframe)[\s>/]", "a tag from the profile")):
        m = re.search(pat, html_out, re.I)
        t.check(not m, "%s: no %s" % (what, name), m and html_out[m.start():m.start() + 80])
    text = outside_code(html_out)
    m = MENTION.search(text)
    t.check(not m, what + ": no @mention outside code", m and text[max(0, m.start() - 30):m.end()])
    # Every string of the profile is code, so none is text (":smile:"
    # would be an emoji, "www." a link even without the extension).
    loose = [x for x in LINKY if html.escape(x, quote=False) in text or x in text]
    t.check(not loose, what + ": no string of the profile outside code", loose)
    for s in LINKY:
        t.check(s in html.unescape(re.sub(r"<[^>]*>", "", html_out)),
                "%s: %r reads as itself" % (what, s))


def test_linky(t, hd, tmp):
    """Row 14: no string of a profile makes a link, mention, emoji, image
    or HTML anywhere in a report: heading, totals, summary table, tables,
    new and gone frames, chains, verdicts, the trend's suspects."""
    st, unit = "inuse " + " ".join(LINKY), "@org/unit https://unit.example/ <i>u</i>"
    paths = []
    for k in range(3):
        # The functions all grow, the first is new in the last profile.
        stacks = [([n, LINKY[(i + 1) % len(LINKY)], "main"], [1000 * (k + 1) * (i + 1)])
                  for i, n in enumerate(LINKY) if k or i]
        paths.append(os.path.join(tmp, "linky-%d.pb.gz" % k))
        pprofgen.write_profile(paths[-1], [(st, unit)], stacks,
                               time_nanos=(1700000000 + 60 * k) * 10**9,
                               filename="www.file.example/@org/f.go")
    rules = ["--fail-on", "func:+1", "--fail-on", "new:+1", "--fail-on", "total:+1%"]
    runs = [("top", ["top", paths[0]]),
            ("top filefunctions", ["top", "--granularity", "filefunctions", paths[0]]),
            ("diff", ["diff", paths[0], paths[2]] + rules),
            ("trend", ["trend"] + paths + ["--fail-on", "leak"])]
    for what, args in runs:
        md = heapdiff(hd, args[0], "--format", "markdown", "--top", "0", *args[1:])
        check_linky(t, md, "linky " + what)


def main():
    if len(sys.argv) < 3:
        print("usage: markdown.py HEAPDIFF DIR...", file=sys.stderr)
        return 2
    if not shutil.which("cmark-gfm"):
        print("SKIP: cmark-gfm not found")
        return 77
    hd = os.path.abspath(sys.argv[1])
    t = Checks()
    series = find_series(sys.argv[2:])
    if t.check(series is not None, "the parca heap series in %s" % sys.argv[2:]):
        p = lambda i: os.path.join(series, "heap-%02d.pb.gz" % i)  # noqa: E731
        for top in (3, 0):
            test_diff(t, hd, p(0), p(9), top, "diff 00..09 --top %d" % top)
            test_diff(t, hd, p(3), p(4), top, "diff 03..04 --top %d" % top)
            test_top(t, hd, p(3), top, "top 03 --top %d" % top)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    leak = [os.path.join(root, "testdata", "leak-%02d.pb.gz" % i) for i in range(6)]
    test_trend(t, hd, leak, "trend leak")
    test_trend(t, hd, leak, "trend leak alloc_space", "--sample-index", "alloc_space")
    test_trend(t, hd, leak, "trend leak --sort cum --ascii", "--sort", "cum", "--ascii")
    if series is not None:
        test_trend(t, hd, [os.path.join(series, "heap-%02d.pb.gz" % i) for i in range(10)],
                   "trend parca")
    with tempfile.TemporaryDirectory() as tmp:
        test_nasty(t, hd, tmp)
        test_nasty_type(t, hd, tmp)
        test_linky(t, hd, tmp)
    print("markdown: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
