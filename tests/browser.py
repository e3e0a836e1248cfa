#!/usr/bin/env python3
"""The pictures in a real browser: headless Chromium loads heapdiff's SVG
flame graphs and the trend HTML page from file:// URLs.

Usage: python3 tests/browser.py HEAPDIFF ROOT

Checks:

  * the embedded script runs (it marks the <svg> data-ready) and the
    frames are drawn: a screenshot has red (grew) and blue (shrank)
    pixels where the differential graph has such frames, and warm ones
    for a plain graph;
  * #zoom=nID (what a click stores in the URL) zooms: the frame spans the
    plot, its callers stay full width and faded, frames beside it are
    hidden, its callees are widened by the same factor; the picture
    changes;
  * #search=RE highlights exactly the frames whose name matches and
    says what share they hold;
  * a real click, sent through the DevTools protocol
    (--remote-debugging-pipe), zooms the same way and writes the
    fragment, a click on the root resets, and the Search button's
    prompt, answered through the protocol, highlights;
  * the trend page shows the same graph and behaves the same inline.

Chromium runs with a fresh profile directory and no network services.
Without chromium the test is skipped (exit 77), never passed.  Exit 1 on
any failure; last line "browser: N passed, M failed".  Standard library
only.
"""

import html.parser
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]
PLOT, PAD = 1180.0, 10.0


def find_chromium():
    for name in ("chromium", "chromium-browser", "/usr/bin/chromium"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, exe, tmp):
        self.exe, self.tmp, self.n = exe, tmp, 0

    def profile(self):
        self.n += 1
        return "--user-data-dir=" + os.path.join(self.tmp, "profile-%d" % self.n)

    def run(self, args, timeout=60):
        p = subprocess.run([self.exe] + FLAGS + [self.profile()] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return p.stdout.decode("utf-8", "replace")

    def dom(self, url):
        return parse_dom(self.run(["--dump-dom", url]))

    def screenshot(self, url, size, name):
        path = os.path.join(self.tmp, name)
        self.run(["--screenshot=" + path, "--window-size=%d,%d" % size, url])
        return read_png(path) if os.path.exists(path) else None


# ---- the dumped DOM: a small element tree ----------------------------------

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.a, self.parent, self.kids, self.text = tag, dict(attrs), parent, [], ""

    def iter(self):
        yield self
        for k in self.kids:
            yield from k.iter()

    def find(self, tag):
        return next((k for k in self.kids if k.tag == tag), None)

    def classes(self):
        return self.a.get("class", "").split()

    def alltext(self):
        return self.text + "".join(k.alltext() for k in self.kids)


class DomParser(html.parser.HTMLParser):
    VOID = {"meta", "link", "br", "img", "input", "hr", "col", "base", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.kids.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text += data


def parse_dom(text):
    p = DomParser()
    p.feed(text)
    p.close()
    return p.root


def graph(doc):
    """The flame graph <svg> and its frames {id: node} in document order."""
    svg = next((n for n in doc.iter() if n.tag == "svg" and n.a.get("id") == "hdfg"), None)
    frames = {}
    if svg is not None:
        for n in svg.iter():
            if n.tag == "g" and "f" in n.classes():
                frames[n.a["id"]] = n
    return svg, frames


def geom(g):
    r = g.find("rect")
    return float(r.a["x"]), float(r.a["width"])


def name_of(g):
    t = g.find("title")
    return (t.alltext() if t is not None else "").split("\n")[0]


# ---- PNG (8-bit RGB/RGBA, not interlaced: what Chromium writes) --------------

def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                return None
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return rows


def count(img, pred):
    return sum(1 for row in img for px in row if pred(px))


def reddish(px):
    return px[0] > 190 and px[1] < 110 and px[2] < 110


def bluish(px):
    return px[2] > 170 and px[0] < 110


# ---- DevTools protocol over a pipe -----------------------------------------

class Cdp:
    """Chromium with --remote-debugging-pipe: it reads commands on fd 3 and
    writes replies and events on fd 4, one JSON message per NUL."""

    def __init__(self, browser, url):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        # Python's descriptors are close-on-exec; dup2 makes 3 and 4 the
        # only ones chromium inherits besides the standard three.
        def fds():
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.p = subprocess.Popen([browser.exe] + FLAGS + [browser.profile(),
                                  "--remote-debugging-pipe", "--window-size=1280,900", url],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=fds, close_fds=False)
        os.close(to_r)
        os.close(from_w)
        self.buf, self.next_id, self.events, self.replies = b"", 0, [], {}
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def pump(self, timeout):
        r, _, _ = select.select([self.from_r], [], [], timeout)
        if not r:
            return
        chunk = os.read(self.from_r, 1 << 16)
        if not chunk:
            raise RuntimeError("chromium closed the pipe")
        self.buf += chunk
        while b"\0" in self.buf:
            raw, self.buf = self.buf.split(b"\0", 1)
            m = json.loads(raw)
            if "id" in m:
                self.replies[m["id"]] = m
            else:
                self.events.append(m)

    def wait(self, mid, timeout=20):
        end = time.time() + timeout
        while mid not in self.replies:
            if time.time() > end:
                raise RuntimeError("no reply to DevTools command %d" % mid)
            self.pump(0.2)
        m = self.replies.pop(mid)
        if "error" in m:
            raise RuntimeError("DevTools: %s" % m["error"])
        return m.get("result", {})

    def call(self, method, params=None, session=True):
        return self.wait(self.send(method, params, session))

    def event(self, method, timeout=20):
        end = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            if time.time() > end:
                raise RuntimeError("no %s event" % method)
            self.pump(0.2)

    def attach(self):
        end = time.time() + 20
        while time.time() < end:
            pages = [t for t in self.call("Target.getTargets", session=False)["targetInfos"]
                     if t["type"] == "page"]
            if pages:
                self.session = self.call("Target.attachToTarget",
                                         {"targetId": pages[0]["targetId"], "flatten": True},
                                         session=False)["sessionId"]
                return
            time.sleep(0.2)
        raise RuntimeError("no page target")

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        return r.get("result", {}).get("value")

    def ready(self):
        end = time.time() + 20
        while time.time() < end:
            if self.js("(function(){var s=document.getElementById('hdfg');"
                       "return document.readyState==='complete'&&!!s&&"
                       "s.getAttribute('data-ready')==='1'})()"):
                return True
            time.sleep(0.2)
        return False

    def centre(self, elem_id):
        return self.js("(function(){var e=document.getElementById(%s);e.scrollIntoView({block:"
                       "'center'});var r=(e.querySelector('rect')||e).getBoundingClientRect();"
                       "return [r.x+Math.min(r.width/2,20),r.y+r.height/2]})()" % json.dumps(elem_id))

    def click(self, xy, wait=True):
        ids = []
        for kind in ("mousePressed", "mouseReleased"):
            ids.append(self.send("Input.dispatchMouseEvent", {"type": kind, "x": xy[0], "y": xy[1],
                                                              "button": "left", "clickCount": 1}))
        if wait:
            for i in ids:
                self.wait(i)
        return ids

    def close(self):
        try:
            self.send("Browser.close", session=False)
            self.p.wait(timeout=10)
        except Exception:
            self.p.kill()
            self.p.wait()
        os.close(self.to_w)
        os.close(self.from_r)


# ---- the checks ---------------------------------------------------------------

def pick_zoom(frames):
    """A frame with callees, a caller that is not the root, and room beside."""
    best = None
    for fid, g in frames.items():
        p = g.a.get("data-p")
        if not p or p == "n0":
            continue
        kids = [k for k in frames.values() if k.a.get("data-p") == fid]
        x, w = geom(g)
        if kids and w < PLOT * 0.6 and (best is None or w > best[1]):
            best = (fid, w)
    return best[0] if best else None


def check_plain(t, doc, what, diff=True):
    svg, frames = graph(doc)
    t.check(svg is not None and svg.a.get("data-ready") == "1",
            what + ": the embedded script ran", svg.a if svg is not None else None)
    t.check(len(frames) > 5 and all(geom(g)[1] > 0 for g in frames.values()),
            what + ": frames are drawn", len(frames))
    labels = [g.find("text").alltext() for g in frames.values()]
    t.check(sum(1 for s in labels if s) > 3, what + ": frames are labelled")
    return svg, frames


def check_zoom(t, doc, zid, plain, what):
    svg, frames = graph(doc)
    _, before = plain
    if zid not in frames:
        t.check(False, what + ": the zoomed frame exists", zid)
        return
    z = frames[zid]
    x, w = geom(z)
    t.check(abs(x - PAD) < 0.01 and abs(w - PLOT) < 0.01, what + ": the frame spans the plot",
            (x, w))
    anc, a = [], z.a.get("data-p")
    while a:
        anc.append(a)
        a = frames[a].a.get("data-p")
    t.check(anc and all("anc" in frames[a].classes() and abs(geom(frames[a])[1] - PLOT) < 0.01
                        for a in anc), what + ": its callers stay, full width and faded")
    inside = {zid}
    for fid, g in frames.items():  # callers come first
        if g.a.get("data-p") in inside:
            inside.add(fid)
    others = [fid for fid in frames if fid not in inside and fid not in anc]
    t.check(others and all("hide" in frames[f].classes() for f in others),
            what + ": frames beside it are hidden", len(others))
    factor = PLOT / geom(before[zid])[1]
    bad = [f for f in inside if abs(geom(frames[f])[1] - geom(before[f])[1] * factor) > 0.05 or
           "hide" in frames[f].classes()]
    t.check(len(inside) > 1 and not bad, what + ": its callees widen by the same factor", bad[:3])
    unz = next((n for n in doc.iter() if n.a.get("id") == "hdfg-unzoom"), None)
    t.check(unz is not None and "hide" not in unz.classes(), what + ": 'Reset zoom' shows")


def check_search(t, doc, pattern, what):
    svg, frames = graph(doc)
    rx = re.compile(pattern)
    want = {f for f, g in frames.items() if rx.search(name_of(g))}
    got = {f for f, g in frames.items() if "match" in g.classes()}
    t.check(want and got == want, what + ": exactly the matching frames are highlighted",
            (sorted(want)[:5], sorted(got)[:5]))
    m = next((n for n in doc.iter() if n.a.get("id") == "hdfg-matched"), None)
    t.check(m is not None and re.match(r"Matched %d frames?: " % len(want), m.alltext()),
            what + ": the share matched is shown", m.alltext() if m is not None else None)


def check_cdp(t, browser, url, what):
    try:
        c = Cdp(browser, url)
    except OSError as e:
        t.check(False, what + ": start chromium with a DevTools pipe", e)
        return
    try:
        c.attach()
        c.call("Page.enable")
        c.call("Runtime.enable")
        if not t.check(c.ready(), what + ": the page loads and the script runs"):
            return
        zid = c.js("(function(){var best=null,bw=0;document.querySelectorAll('#hdfg g.f')"
                   ".forEach(function(g){var p=g.getAttribute('data-p');if(!p||p==='n0')return;"
                   "var w=+g.querySelector('rect').getAttribute('width');"
                   "if(w<800&&w>bw&&document.querySelector('#hdfg g.f[data-p=\"'+g.id+'\"]'))"
                   "{best=g.id;bw=w}});return best})()")
        if not t.check(zid is not None, what + ": a frame to click"):
            return
        c.click(c.centre(zid))
        w = c.js("+document.getElementById(%s).querySelector('rect').getAttribute('width')"
                 % json.dumps(zid))
        h = c.js("location.hash")
        t.check(w is not None and abs(w - PLOT) < 0.01 and h == "#zoom=" + zid,
                what + ": a click zooms into the frame and records it in the URL", (w, h))
        hidden = c.js("document.querySelectorAll('#hdfg g.f.hide').length")
        t.check(hidden and hidden > 0, what + ": the click hides the frames beside it", hidden)
        c.click(c.centre("n0"))
        t.check(c.js("document.querySelectorAll('#hdfg g.f.hide').length") == 0 and
                c.js("location.hash") == "",
                what + ": a click on the root resets the zoom")
        # The Search button opens a prompt; answer it like a user would.
        c.click(c.centre("hdfg-search"), wait=False)
        c.event("Page.javascriptDialogOpening")
        c.call("Page.handleJavaScriptDialog", {"accept": True, "promptText": "main\\."})
        time.sleep(0.3)
        n = c.js("document.querySelectorAll('#hdfg g.f.match').length")
        want = c.js("Array.prototype.filter.call(document.querySelectorAll('#hdfg g.f'),"
                    "function(g){return /main\\./.test(g.querySelector('title').textContent"
                    ".split('\\n')[0])}).length")
        t.check(n and n == want and c.js("location.hash") == "#search=main%5C.",
                what + ": Search highlights the frames the prompt's answer matches", (n, want))
    except (RuntimeError, OSError, ValueError) as e:
        t.check(False, what + ": DevTools session", e)
    finally:
        c.close()


def main():
    if len(sys.argv) != 3:
        print("usage: browser.py HEAPDIFF ROOT", file=sys.stderr)
        return 2
    hd, root_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    exe = find_chromium()
    if not exe:
        print("SKIP: chromium not found (apt-get install chromium)")
        return 77
    td = os.path.join(root_dir, "testdata")
    t = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        b = Browser(exe, tmp)
        diff_svg, top_svg = os.path.join(tmp, "diff.svg"), os.path.join(tmp, "top.svg")
        page = os.path.join(tmp, "trend.html")
        subprocess.run([hd, "diff", "--format", "svg", "-o", diff_svg,
                        os.path.join(td, "cache-v1.pb.gz"), os.path.join(td, "cache-v2.pb.gz")],
                       check=True)
        subprocess.run([hd, "top", "--format", "svg", "-o", top_svg,
                        os.path.join(td, "cache-v2.pb.gz")], check=True)
        subprocess.run([hd, "trend", "--format", "html", "-o", page] +
                       [os.path.join(td, "leak-%02d.pb.gz" % i) for i in range(6)], check=True)

        for path, what, diff in ((diff_svg, "diff.svg", True), (top_svg, "top.svg", False),
                                 (page, "trend.html", True)):
            url = "file://" + path
            plain = check_plain(t, b.dom(url), what)
            zid = pick_zoom(plain[1])
            if not t.check(zid is not None, what + ": a frame to zoom into"):
                continue
            check_zoom(t, b.dom(url + "#zoom=" + zid), zid, plain, what + " #zoom=" + zid)
            pattern = r"main\.[a-z]"
            check_search(t, b.dom(url + "#search=" + "main%5C.%5Ba-z%5D"), pattern,
                         what + " #search")
            both = b.dom(url + "#zoom=%s&search=main%%5C.%%5Ba-z%%5D" % zid)
            check_zoom(t, both, zid, plain, what + " #zoom&search")
            check_search(t, both, pattern, what + " #zoom&search")
            check_cdp(t, b, url, what + " (DevTools)")

        # Pixels: what a user sees.
        height = int(float(graph(b.dom("file://" + diff_svg))[0].a["height"]))
        img = b.screenshot("file://" + diff_svg, (1200, height), "diff.png")
        if t.check(img is not None, "diff.svg: a screenshot"):
            red, blue = count(img, reddish), count(img, bluish)
            t.check(red > 5000 and blue > 500, "diff.svg: red and blue frames are drawn",
                    (red, blue))
            zoomed = b.screenshot("file://%s#zoom=%s" % (diff_svg, pick_zoom(graph(
                b.dom("file://" + diff_svg))[1])), (1200, height), "zoom.png")
            t.check(zoomed is not None and zoomed != img and count(zoomed, reddish) != red,
                    "diff.svg: zooming changes the picture")
        img = b.screenshot("file://" + top_svg, (1200, 400), "top.png")
        if t.check(img is not None, "top.svg: a screenshot"):
            warm = count(img, lambda px: px[0] > 200 and px[2] < 70 and px[1] > 80)
            t.check(warm > 3000, "top.svg: warm-coloured frames are drawn", warm)
        img = b.screenshot("file://" + page, (1280, 1600), "trend.png")
        if t.check(img is not None, "trend.html: a screenshot"):
            t.check(count(img, reddish) > 2000, "trend.html: heat map and flame graph are drawn")
    print("browser: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
