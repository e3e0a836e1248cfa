#!/usr/bin/env python3
"""SVG flame graph and HTML trend page test (render-svg.c, render-html.c).

Usage: python3 tests/svg.py HEAPDIFF ROOT

ROOT is the source tree (for testdata/).  Checks, with Python's XML
parser as the judge of well-formedness:

  * diff, top and trend SVGs parse as XML; every frame carries exact
    numbers (data-base/data-new or data-cum, and the flat ones) and a
    <title> whose first line is the name and whose lines give base, new,
    delta and delta% of cum and flat;
  * the numbers agree with `--format json`: the root frame holds the
    profiles' totals, and each function's cum summed over its topmost
    frames (and flat over all its frames) equals the JSON row when no
    frame was left out for being narrower than data-minwidth;
  * each node's cum is its flat plus its callees' cum;
  * geometry: the root spans the plot, a frame is as wide as max(base,
    new) of its cum or, when they need more, as its callees together plus
    max(base, new) of its flat (recomputed here from the numbers), callees sit inside their caller
    side by side in name order, one row above it (below with --icicle);
  * colour: red where cum grew, blue where it shrank, grey where it did
    not, more saturated for a bigger change; new and gone frames marked;
  * labels fit their frame; hostile names (markup, "]]>", U+FFFF,
    control characters, invalid UTF-8, 5000-character names) stay text:
    the only elements are the graph's own, no attribute is an event
    handler, and there is exactly one script;
  * trend's graph is the diff of its first and last profile, its title
    says the order used, a backwards diff's subtitle says so; a
    100 000-frame stack is drawn whole; an empty profile draws the root;
  * the trend HTML page parses as XML (polyglot XHTML), its suspect table,
    charts and heat map hold the JSON's suspects and series, its order,
    class counts and leak-or-churn cells are the JSON's, it embeds the
    flame graph, and it refers to nothing outside itself.

Exit status: 0 all passed, 1 any failure.  Last line "svg: N passed, M
failed".  Standard library only.
"""

import json
import math
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pprofgen  # noqa: E402
from testlib import Checks, heapdiff  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPS = 0.002  # coordinates are written with 3 decimals
SVG_TAGS = {"svg", "style", "script", "rect", "text", "g", "title"}
DEPTH_MAX = 1024     # flame.c: levels above the root drawn
FRAMES_MAX = 50000   # flame.c: frames drawn, the root included


class Frame:
    pass


def parse_svg(t, data, what):
    """The document's root element and its frames in document order."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        t.check(False, what + ": well-formed XML", e)
        return None, []
    t.check(root.tag == SVG + "svg", what + ": the root element is <svg>", root.tag)
    frames = []
    for g in root.iter(SVG + "g"):
        if "f" not in g.get("class", "").split():
            continue
        f = Frame()
        f.id, f.p, f.cls = g.get("id"), g.get("data-p"), g.get("class").split()
        f.a = dict(g.attrib)
        r, tx, ti = g.find(SVG + "rect"), g.find(SVG + "text"), g.find(SVG + "title")
        f.x, f.y, f.w = float(r.get("x")), float(r.get("y")), float(r.get("width"))
        f.fill = r.get("fill")
        f.label = tx.text or ""
        f.title = ti.text or ""
        f.name = f.title.split("\n")[0]
        f.kids = []
        frames.append(f)
    return root, frames


def link(frames):
    by = {f.id: f for f in frames}
    for f in frames:
        f.parent = by.get(f.p)
        if f.parent:
            f.parent.kids.append(f)
    return by


def rgb(fill):
    m = re.match(r"rgb\((\d+),(\d+),(\d+)\)$", fill or "")
    return tuple(int(x) for x in m.groups()) if m else None


def name_order(shown):
    """Siblings are in the order of their names as the profile has them:
    a shown name with its visible escapes ("\\u0009") read back."""
    raw = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16))
                 if int(m.group(1), 16) in pprofgen.HIDDEN else m.group(0), shown)
    return raw.encode("utf-8", "surrogatepass")


def check_tree(t, root, frames, what, diff=True):
    """Numbers, geometry, colour and labels of one graph."""
    by = link(frames)
    plot, pad = float(root.get("data-plot")), float(root.get("data-pad"))
    charw = float(root.get("data-charw"))
    omitted = int(root.get("data-omitted"))
    icicle = root.get("data-layout") == "icicle"
    top = frames[0]
    t.check(top.id == "n0" and top.parent is None, what + ": the root frame comes first")
    t.check(all(f.parent is not None for f in frames[1:]),
            what + ": every other frame names a drawn caller")
    order = {f.id: i for i, f in enumerate(frames)}
    t.check(all(order[f.p] < order[f.id] for f in frames[1:]),
            what + ": callers come before callees")
    t.check(abs(top.x - pad) < EPS and abs(top.w - plot) < EPS, what + ": the root spans the plot")

    keys = ("data-base", "data-new", "data-base-flat", "data-new-flat") if diff else \
        ("data-cum", "data-flat")
    for f in frames:
        f.v = [int(f.a[k]) for k in keys]
    cols = [(0, 2), (1, 3)] if diff else [(0, 1)]
    # cum = flat + callees' cum (exact when nothing is left out).
    if omitted == 0:
        bad = [f.name for f in frames for c, s in cols
               if f.v[c] != f.v[s] + sum(k.v[c] for k in f.kids)]
        t.check(not bad, what + ": every cum is its flat plus its callees' cum", bad[:3])

    # Widths: max(base, new) cum, or the callees' total when larger.
    room = {}
    for f in reversed(frames):
        own = max([0] + [f.v[c] for c, _ in cols])
        inner = sum(room[k.id] for k in f.kids)
        if inner > 0:
            inner += max([0] + [f.v[s] for _, s in cols])
        room[f.id] = max(own, inner)
    scale = plot / room["n0"] if room["n0"] else 0
    bad_w, bad_in, bad_y, bad_order = [], [], [], []
    for f in frames[1:]:
        own = max([0] + [f.v[c] for c, _ in cols]) * scale
        if omitted == 0:
            if abs(f.w - room[f.id] * scale) > EPS * 2:
                bad_w.append((f.name, f.w, room[f.id] * scale))
        # Left-out callees still widen their callers (and so the root, and
        # the scale) a little: allow for that.
        elif f.w < own * (1 - 1e-3) - EPS or f.w < sum(k.w for k in f.kids) - EPS * len(f.kids):
            bad_w.append((f.name, f.w, own))
        p = f.parent
        if f.x < p.x - EPS or f.x + f.w > p.x + p.w + EPS * 4:
            bad_in.append(f.name)
        if f.y != p.y + (16 if icicle else -16):
            bad_y.append(f.name)
    for f in frames:
        x = f.x
        kids = sorted(f.kids, key=lambda k: k.x)
        for k in kids:
            if k.x < x - EPS * 4:
                bad_order.append(k.name)
            x = k.x + k.w
        names = [k.name for k in kids]
        if names != sorted(names, key=name_order):
            bad_order.append(f.name)
    t.check(not bad_w, what + ": widths are max(base, new) cum or the callees' sum", bad_w[:3])
    t.check(not bad_in, what + ": callees lie within their caller", bad_in[:3])
    t.check(not bad_y, what + ": callees one row %s their caller" %
            ("below" if icicle else "above"), bad_y[:3])
    t.check(not bad_order, what + ": callees side by side in name order", bad_order[:3])
    t.check(all(f.w >= float(root.get("data-minwidth")) - EPS for f in frames),
            what + ": no frame narrower than data-minwidth")

    bad_label = [f.name for f in frames if f.label and
                 (not (f.label == f.name or (f.label.endswith("..") and
                                             f.name.startswith(f.label[:-2]))) or
                  len(f.label) * charw > f.w - 6 + EPS)]
    # A frame wide enough for a few characters is labelled.
    bad_label += [f.name for f in frames if not f.label and f.w - 6 >= 3 * charw + EPS]
    t.check(not bad_label, what + ": labels are the name, or cut to fit, and fit", bad_label[:3])
    if not diff:
        return by
    bad_c, bad_mark = [], []
    for f in frames:
        c = rgb(f.fill)
        d = f.v[1] - f.v[0]
        if c is None or (d > 0 and not c[0] > c[2]) or (d < 0 and not c[2] > c[0]) or \
                (d == 0 and not c[0] == c[1] == c[2]):
            bad_c.append((f.name, f.fill, d))
        new, gone = f.v[0] == 0 and f.v[1] > 0, f.v[1] == 0 and f.v[0] > 0
        if f.id != "n0" and (("new" in f.cls) != new or ("gone" in f.cls) != gone):
            bad_mark.append(f.name)
    t.check(not bad_c, what + ": red for growth, blue for shrinkage, grey for none", bad_c[:3])
    t.check(not bad_mark, what + ": new and gone frames are marked", bad_mark[:3])
    # Saturation rises with |delta|.
    grow = sorted((f.v[1] - f.v[0], rgb(f.fill)[1]) for f in frames if f.v[1] > f.v[0])
    t.check(all(a[1] >= b[1] for a, b in zip(grow, grow[1:])),
            what + ": a bigger growth is a deeper red", grow[:5])
    tip = re.compile(r"^cum: base (.+) \u2192 new (.+), \u0394 (.+) \((.+)\)\n"
                     r"flat: base (.+) \u2192 new (.+), \u0394 (.+) \((.+)\)$")
    bad_t = [f.title for f in frames if not tip.match(f.title.split("\n", 1)[1])]
    t.check(not bad_t, what + ": tooltips give base, new, delta, delta% of cum and flat", bad_t[:2])
    return by


def json_rows(hd, *args):
    js = json.loads(heapdiff(hd, *args, "--format", "json", "--top", "0"))
    return js, {pprofgen.expected_text(r["name"]): r for r in js["functions"]}


def check_json(t, frames, js, rows, omitted, what, diff=True):
    cols = (0, -1) if diff else (0,)
    keys = ("data-base", "data-new") if diff else ("data-cum",)
    root = frames[0]
    t.check([int(root.a[k]) for k in keys] == [js["profiles"][c]["total"] for c in cols],
            what + ": the root holds the profiles' totals")
    # A function's cum counts each sample once: sum its topmost frames.
    cum, flat, count = {}, {}, {}
    for f in frames[1:]:
        count[f.name] = count.get(f.name, 0) + 1
        a = f.parent
        while a is not None and a.name != f.name:
            a = a.parent
        if a is None:
            cum[f.name] = [c + int(f.a[k]) for c, k in zip(cum.get(f.name, [0] * len(keys)), keys)]
        fk = [k + "-flat" if diff else "data-flat" for k in keys]
        flat[f.name] = [c + int(f.a[k]) for c, k in zip(flat.get(f.name, [0] * len(keys)), fk)]
    if omitted == 0:
        bad = [(n, v, [rows[n]["cum"][c] for c in cols]) for n, v in cum.items()
               if n not in rows or v != [rows[n]["cum"][c] for c in cols]]
        bad += [(n, v) for n, v in flat.items()
                if n not in rows or v != [rows[n]["flat"][c] for c in cols]]
        t.check(not bad, what + ": every function's cum and flat equal the JSON's", bad[:3])
    else:
        # Frames were left out; the callers of the root still hold all of theirs.
        kids = [f for f in frames[1:] if f.p == "n0" and count[f.name] == 1]
        bad = [f.name for f in kids
               if [int(f.a[k]) for k in keys] != [rows[f.name]["cum"][c] for c in cols]]
        t.check(kids and not bad, what + ": single-frame roots hold the JSON's cum", bad[:3])


def test_diff(t, hd, root_dir, tmp):
    td = os.path.join(root_dir, "testdata")
    for a, b in (("cache-v1", "cache-v2"), ("leak-00", "leak-05")):
        pa, pb = os.path.join(td, a + ".pb.gz"), os.path.join(td, b + ".pb.gz")
        what = "diff %s %s" % (a, b)
        svg, frames = parse_svg(t, heapdiff(hd, "diff", "--format", "svg", pa, pb), what)
        if not frames:
            continue
        check_tree(t, svg, frames, what)
        js, rows = json_rows(hd, "diff", pa, pb)
        check_json(t, frames, js, rows, int(svg.get("data-omitted")), what)
        out = os.path.join(tmp, "d.svg")
        heapdiff(hd, "diff", "--format", "svg", "--icicle", "-o", out, pa, pb)
        with open(out, "rb") as f:
            isvg, iframes = parse_svg(t, f.read(), what + " --icicle -o")
        if iframes:
            check_tree(t, isvg, iframes, what + " --icicle")
            t.check([(f.id, f.x, f.w) for f in iframes] == [(f.id, f.x, f.w) for f in frames],
                    what + " --icicle: the same frames, flipped")
    # --normalize: the numbers are the normalized ones.
    pa, pb = os.path.join(td, "cache-v1.pb.gz"), os.path.join(td, "cache-v2.pb.gz")
    svg, frames = parse_svg(t, heapdiff(hd, "diff", "--normalize", "--format", "svg", pa, pb),
                            "diff --normalize")
    link(frames)
    js, rows = json_rows(hd, "diff", "--normalize", pa, pb)
    check_json(t, frames, js, rows, int(svg.get("data-omitted")), "diff --normalize")


def test_widening(t, hd, tmp):
    """Callees that moved both ways need more room than max(base, new)."""
    types = [("inuse_space", "bytes")]
    a, b = os.path.join(tmp, "wa.pb.gz"), os.path.join(tmp, "wb.pb.gz")
    pprofgen.write_profile(a, types, [(["shrinks", "main"], [100]), (["same", "main"], [50]),
                                      (["main"], [10])])
    pprofgen.write_profile(b, types, [(["grows", "main"], [100]), (["same", "main"], [60]),
                                      (["main"], [10])])
    what = "opposite changes"
    svg, frames = parse_svg(t, heapdiff(hd, "diff", "--format", "svg", a, b), what)
    by = check_tree(t, svg, frames, what)
    names = {f.name: f for f in frames}
    scale = 1180 / 270.0  # shrinks 100 + grows 100 + same 60 + main's own 10
    t.check(abs(names["main"].w - 1180) < EPS and
            abs(names["shrinks"].w - 100 * scale) < EPS and
            abs(names["grows"].w - 100 * scale) < EPS and
            abs(names["same"].w - 60 * scale) < EPS,
            what + ": main is widened to hold its callees; each keeps max(base, new)",
            [(f.name, f.w) for f in frames])
    t.check("gone" in names["shrinks"].cls and "new" in names["grows"].cls,
            what + ": the vanished frame is drawn, marked gone; the new one marked new")
    t.check(by is not None and [k.name for k in sorted(names["main"].kids, key=lambda k: k.x)] ==
            ["grows", "same", "shrinks"],
            what + ": callees in name order")


def test_saturated(t, hd, tmp):
    """Values whose sums overflow int64 (flame.c then sums every node
    itself instead of taking differences of prefix sums): they saturate."""
    big = (1 << 63) - 1
    types = [("inuse_space", "bytes")]
    a, b = os.path.join(tmp, "sa.pb.gz"), os.path.join(tmp, "sb.pb.gz")
    pprofgen.write_profile(a, types, [(["x", "main"], [big]), (["y", "main"], [big]),
                                      (["main"], [3])])
    pprofgen.write_profile(b, types, [(["x", "main"], [5]), (["main"], [3])])
    what = "saturating sums"
    svg, frames = parse_svg(t, heapdiff(hd, "diff", "--format", "svg", a, b), what)
    names = {f.name: f for f in frames}
    t.check(set(names) == {"all", "main", "x", "y"}, what + ": every frame drawn", sorted(names))
    if set(names) == {"all", "main", "x", "y"}:
        t.check(names["all"].a["data-base"] == names["main"].a["data-base"] == str(big) and
                names["main"].a["data-base-flat"] == "3" and names["main"].a["data-new"] == "8" and
                names["x"].a["data-base"] == str(big) and names["y"].a["data-new"] == "0",
                what + ": cum saturates at INT64_MAX, the rest exact",
                [(f.name, f.a["data-base"], f.a["data-new"]) for f in frames])


def test_top(t, hd, root_dir, tmp):
    p = os.path.join(root_dir, "testdata", "cache-v2.pb.gz")
    what = "top cache-v2"
    svg, frames = parse_svg(t, heapdiff(hd, "top", "--format", "svg", p), what)
    check_tree(t, svg, frames, what, diff=False)
    js, rows = json_rows(hd, "top", p)
    check_json(t, frames, js, rows, int(svg.get("data-omitted")), what, diff=False)
    t.check(svg.get("class") == "plain" and all("data-new" not in f.a for f in frames),
            what + ": a plain graph")
    _, iframes = parse_svg(t, heapdiff(hd, "top", "--format", "svg", "--icicle", p), what)
    ys = {f.id: f.y for f in frames}
    t.check(iframes and iframes[0].y == min(f.y for f in iframes) and
            frames[0].y == max(ys.values()),
            what + ": the root at the bottom, and at the top with --icicle")

    # An empty profile draws the root alone.
    empty = os.path.join(tmp, "empty.pb.gz")
    pprofgen.write_profile(empty, [("inuse_space", "bytes")], [])
    svg, frames = parse_svg(t, heapdiff(hd, "top", "--format", "svg", empty), "top empty")
    t.check(len(frames) == 1 and frames[0].a["data-cum"] == "0", "top empty: the root alone")

    # A 100 000-frame stack (the walk is iterative), drawn DEPTH_MAX
    # levels high: the picture's height is bounded, and the subtitle says
    # how many levels were cut.
    depth = 100000
    deep = os.path.join(tmp, "deep.pb.gz")
    stack = ["f%d" % i for i in range(depth)]
    pprofgen.write_profile(deep, [("inuse_space", "bytes")], [(stack, [1]), (stack[1:], [2])])
    svg, frames = parse_svg(t, heapdiff(hd, "top", "--format", "svg", deep), "deep")
    cut = depth - DEPTH_MAX
    t.check(len(frames) == DEPTH_MAX + 1 and frames[-1].name == "f%d" % cut and
            frames[-1].y == float(frames[0].y) - 16 * DEPTH_MAX,
            "deep: a %d-frame stack is drawn %d levels high" % (depth, DEPTH_MAX), len(frames))
    if svg is not None:
        sub = " ".join(e.text or "" for e in svg.iter(SVG + "text") if e.get("class") == "sub")
        t.check(int(svg.get("data-omitted")) == cut and
                "%d levels deeper than %d not drawn (%d frames)" % (cut, DEPTH_MAX, cut) in sub and
                float(svg.get("height")) <= 86 + 16 * (DEPTH_MAX + 1) + 30,
                "deep: the subtitle says %d levels were cut, the height is bounded" % cut,
                (svg.get("data-omitted"), svg.get("height"), sub[:200]))


def test_crowded(t, hd, tmp):
    """More frames wide enough to draw than FRAMES_MAX: the widest are
    drawn, ties going to callers first, and the subtitle says so."""
    chains, depth, base = 6000, 10, 10000  # every frame at least 0.15 px wide
    stacks = [(["c%d_%d" % (i, k) for k in range(depth)] + ["main"], [base + i])
              for i in range(chains)]
    path = os.path.join(tmp, "crowded.pb.gz")
    pprofgen.write_profile(path, [("inuse_space", "bytes")], stacks)
    what = "crowded"
    svg, frames = parse_svg(t, heapdiff(hd, "top", "--format", "svg", path), what)
    if svg is None:
        return
    check_tree(t, svg, frames, what, diff=False)
    # Chain i's frames are all base + i wide: main, then the widest
    # chains whole, then the top frames of the next (tied, callers first).
    keep = FRAMES_MAX - 2
    full, part = keep // depth, keep % depth
    top = base + chains - 1
    cums = sorted((int(f.a["data-cum"]) for f in frames[1:] if f.name != "main"), reverse=True)
    want = [v for v in range(top, top - full, -1) for _ in range(depth)] + [top - full] * part
    kept = [f for f in frames if f.name.startswith("c%d_" % (chains - 1 - full))]
    t.check(len(frames) == FRAMES_MAX and cums == want,
            what + ": the %d widest frames are drawn" % FRAMES_MAX, (len(frames), cums[-3:], want[-3:]))
    t.check(sorted(f.name for f in kept) == ["c%d_%d" % (chains - 1 - full, k)
                                              for k in range(depth - part, depth)],
            what + ": of tied frames the callers are drawn", [f.name for f in kept])
    sub = " ".join(e.text or "" for e in svg.iter(SVG + "text") if e.get("class") == "sub")
    t.check("narrower frames not drawn: at most %d are" % FRAMES_MAX in sub,
            what + ": the subtitle says frames were left out for the frame cap", sub[:300])


def test_trend(t, hd, root_dir, tmp):
    td = os.path.join(root_dir, "testdata")
    series = [os.path.join(td, "leak-%02d.pb.gz" % i) for i in range(6)]
    what = "trend leak-00..05"
    svg, frames = parse_svg(t, heapdiff(hd, "trend", "--format", "svg", *series), what)
    check_tree(t, svg, frames, what)
    _, dframes = parse_svg(t, heapdiff(hd, "diff", "--format", "svg", series[0], series[-1]),
                           "diff leak-00 leak-05")

    def paths(fr):
        link(fr)
        out = {}
        for f in fr:
            names, a = [], f
            while a is not None:
                names.append(a.name)
                a = a.parent
            out[";".join(reversed(names))] = (f.a["data-base"], f.a["data-new"],
                                             f.a["data-base-flat"], f.a["data-new-flat"])
        return out
    for f in frames + dframes:
        f.kids = []
    t.check(paths(frames) == paths(dframes), what + ": the graph is the diff of first and last")
    # The title says the order of the profiles, as the JSON does.
    js = json.loads(heapdiff(hd, "trend", "--format", "json", "--top", "1", *series))
    texts = ["".join(e.itertext()) for e in svg.iter(SVG + "text")]
    order = {"time": "by time stamp", "given": "as given"}[js["order"]["used"]]
    t.check(any(x.endswith("(first and last of 6 profiles, %s)" % order) for x in texts),
            what + ": the title says the order used", texts[:1])
    # A backwards diff says so under the title.
    bsvg, _ = parse_svg(t, heapdiff(hd, "diff", "--format", "svg", series[-1], series[0]),
                        "diff leak-05 leak-00")
    texts = ["".join(e.itertext()) for e in bsvg.iter(SVG + "text")]
    t.check(any("; NEW is older than BASE by " in x for x in texts),
            "backwards diff svg: the subtitle says NEW is older", texts[:2])


def elements(root):
    return [e.tag.split("}")[-1] for e in root.iter()]


def test_hostile(t, hd, tmp):
    base, new, _ = pprofgen.write_nasty_pair(tmp)
    extra = ["]]><script>alert(1)</script>", "\uffff\ufffe end", "ctl\x01\x1b[31m",
             "x" * 5000, "</svg>", "&lt;", "'quote\"", "\u202eevil"]
    types = [("inuse_space", "bytes")]
    a, b = os.path.join(tmp, "ha.pb.gz"), os.path.join(tmp, "hb.pb.gz")
    pprofgen.write_profile(a, types, [([n, "main"], [10 * (i + 1)]) for i, n in enumerate(extra)])
    pprofgen.write_profile(b, types, [([n, "main"], [15 * (i + 1)]) for i, n in enumerate(extra)])
    for pa, pb, names in ((base, new, pprofgen.NASTY_NAMES), (a, b, extra)):
        what = "hostile names"
        data = heapdiff(hd, "diff", "--format", "svg", pa, pb)
        svg, frames = parse_svg(t, data, what)
        if svg is None:
            continue
        try:
            data.decode("utf-8")
            t.check(True, what + ": valid UTF-8")
        except UnicodeDecodeError as e:
            t.check(False, what + ": valid UTF-8", e)
        check_tree(t, svg, frames, what)
        tags = set(elements(svg))
        t.check(tags <= SVG_TAGS and elements(svg).count("script") == 1,
                what + ": only the graph's own elements, one script", tags - SVG_TAGS)
        handlers = [k for e in svg.iter() for k in e.attrib if k.lower().startswith("on")]
        t.check(not handlers, what + ": no event-handler attributes", handlers[:3])
        got = {f.name for f in frames}
        for n in names:
            want = pprofgen.expected_text(n, pprofgen.NAME_DISPLAY_MAX)
            t.check(want in got, "%s: %r reads back as text" % (what, n[:40]))
        html = heapdiff(hd, "trend", "--format", "html", pa, pb)
        try:
            page = ET.fromstring(html)
            t.check(True, what + ": the trend page is well-formed")
            t.check(elements(page).count("script") == 1, what + ": the page has one script")
        except ET.ParseError as e:
            t.check(False, what + ": the trend page is well-formed", e)


def test_html(t, hd, root_dir):
    td = os.path.join(root_dir, "testdata")
    series = [os.path.join(td, "leak-%02d.pb.gz" % i) for i in range(6)]
    what = "trend html"
    data = heapdiff(hd, "trend", "--format", "html", *series)
    text = data.decode("utf-8")
    t.check(text.startswith("<!DOCTYPE html>"), what + ": an HTML5 document")
    try:
        page = ET.fromstring(data)
    except ET.ParseError as e:
        t.check(False, what + ": well-formed (polyglot XHTML)", e)
        return
    js = json.loads(heapdiff(hd, "trend", "--format", "json", *series))
    funcs = {f["name"]: f for f in js["functions"]}
    # Suspects, in rank order, each with a chart of its flat series.
    rows = [tr for tr in page.iter(XHTML + "tr") if tr.get("class") == "suspect"]
    names = ["".join(tr.findall(XHTML + "td")[1].find(XHTML + "code").itertext()) for tr in rows]
    t.check(names == js["suspects"] and names, what + ": the suspect table lists the suspects",
            (names, js["suspects"]))
    for tr, n in zip(rows, names):
        chart = tr.find(".//" + SVG + "svg")
        vals = [int(v) for v in chart.get("data-values").split()] if chart is not None else None
        pts = chart.find(SVG + "polyline").get("points").split() if chart is not None else []
        t.check(vals == funcs[n]["series"] and len(pts) == len(vals),
                what + ": %s's chart draws the series its class reads" % n,
                (vals, funcs[n]["series"]))
    # Heat map: the shown rows x the profiles, values from the JSON.
    heat = [tb for tb in page.iter(XHTML + "table") if tb.get("class") == "heat"]
    ok = len(heat) == 1
    if ok:
        body = heat[0].find(XHTML + "tbody").findall(XHTML + "tr")
        got = {}
        for tr in body:
            n = "".join(tr.find(XHTML + "td").itertext())
            got[n] = [int(td_.get("data-v")) for td_ in tr.findall(XHTML + "td")
                      if td_.get("class") == "h"]
        want = {f["name"]: f["series"] for f in js["functions"]}
        ok = len(body) == len(js["functions"]) and got == want
        t.check(ok, what + ": the heat map holds each shown frame's series per profile",
                (len(body), len(js["functions"])))
    else:
        t.check(False, what + ": one heat map")
    # The page's own notes and columns: order, class counts, the pair.
    paras = {p_.get("id"): "".join(p_.itertext()) for p_ in page.iter(XHTML + "p")
             if p_.get("id")}
    order = {"time": "Order: by time stamp", "given": "Order: as given"}[js["order"]["used"]]
    t.check(paras.get("order", "").startswith(order), what + ": the order the JSON used",
            paras.get("order"))
    want = ", ".join("%d %s" % (n, c) for c, n in js["classes"].items() if n)
    t.check(paras.get("classes") == "Classes: %s." % want, what + ": the JSON's class counts",
            (paras.get("classes"), want))
    if js.get("pair_type"):
        t.check(paras.get("pair", "").startswith("Leak or churn: %s beside %s" %
                                                  (js["pair_type"], js["sample_type"]["type"])),
                what + ": the pair of types", paras.get("pair"))
        heads = ["".join(th.itertext()) for th in heat[0].iter(XHTML + "th")] if heat else []
        t.check("retention" in heads and "allocated" in heads,
                what + ": the heat map's leak-or-churn columns", heads[:6])
        cells = [tr.find(XHTML + "td[@class='retention']") for tr in rows]
        got = [c.text if c is not None else None for c in cells]
        exp = [funcs[n]["retention"]["label"] or "-" for n in names]
        t.check(got == exp, what + ": each suspect's retention label", (got, exp))
    heads = [th.text for th in page.iter(XHTML + "th")]
    t.check("culprit" in heads, what + ": the suspect table has a culprit column")
    shades = {td_.get("style") for td_ in page.iter(XHTML + "td") if td_.get("class") == "h"}
    t.check(len(shades) > 4, what + ": heat cells are shaded by value", len(shades))
    fg = [s for s in page.iter(SVG + "svg") if s.get("id") == "hdfg"]
    t.check(len(fg) == 1 and len([g for g in fg[0].iter(SVG + "g")
                                  if "f" in g.get("class", "").split()]) > 5,
            what + ": the differential flame graph is inlined")
    ext = [(e.tag, k, v) for e in page.iter() for k, v in e.attrib.items()
           if k in ("src", "href", "{http://www.w3.org/1999/xlink}href") or
           (k == "style" and "url(" in v)]
    t.check(not ext and "<link" not in text and "@import" not in text and "url(" not in text,
            what + ": nothing external (no src, href, link, import, url())", ext[:3])
    t.check(not re.search(r"https?://(?!www\.w3\.org/)", text),
            what + ": no URL but XML namespaces")


def main():
    if len(sys.argv) != 3:
        print("usage: svg.py HEAPDIFF ROOT", file=sys.stderr)
        return 2
    hd, root_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    t = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        test_diff(t, hd, root_dir, tmp)
        test_widening(t, hd, tmp)
        test_saturated(t, hd, tmp)
        test_top(t, hd, root_dir, tmp)
        test_crowded(t, hd, tmp)
        test_trend(t, hd, root_dir, tmp)
        test_hostile(t, hd, tmp)
        test_html(t, hd, root_dir)
    print("svg: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
