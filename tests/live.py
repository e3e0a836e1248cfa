#!/usr/bin/env python3
"""Profiles from URLs and `heapdiff watch`, against a local HTTP server
(Python 3 standard library only; issue #19).

Usage: live.py HEAPDIFF SOURCE_ROOT SCRATCH_DIR

A threaded http.server on 127.0.0.1 (a free port) serves the committed
captures of testdata/captures/run-8 and the failures a real endpoint
shows: 404, 500 then 200, 500 for ever after two profiles, an HTML page,
a body slower than --timeout, a body past --max-size, a redirect loop;
and a port that refuses.  Checked:
- top/diff/trend of URLs print what they print of the same files (the
  names aside), --seconds N asks for ?seconds=N, watch --gc for ?gc=1;
- each failure is exit 2, nothing on stdout, one line on stderr naming
  the URL and saying what happened; watch retries a 500 within the
  interval, skips what keeps failing and reports the rest;
- watch --save writes each snapshot byte for byte as the server sent it,
  under names that sort in time order, and nothing else: no temporary or
  half-written file is left in the directory by any case;
- https with a self-signed certificate is refused (TLS is verified);
- SIGINT during a watch prints the report of the snapshots so far, and
  --fail-on leak decides the exit status (run-8 leaks: 1);
- watch DIR takes the profiles that appear in a directory.

Prints `live: N passed, M failed`; exits 1 on any failure.
"""
import glob
import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import Checks, time_nanos  # noqa: E402

HEAPDIFF = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
SCRATCH = os.path.abspath(sys.argv[3])
RUN = os.path.join(ROOT, "testdata", "captures", "run-8")
ENV = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")
t = Checks()




# The captures in time order (their names do not sort so).
PROFILES = []
for p in glob.glob(os.path.join(RUN, "*.pb.gz")):
    with open(p, "rb") as f:
        PROFILES.append((p, f.read()))
PROFILES.sort(key=lambda pd: time_nanos(pd[1]))


class State:
    lock = threading.Lock()
    next_profile = 0
    served = []      # the bytes /heap sent, in order
    queries = []
    hits = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/octet-stream", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def heap(self):
        with State.lock:
            data = PROFILES[State.next_profile % len(PROFILES)][1]
            State.next_profile += 1
            State.served.append(data)
        self.send(200, data)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        with State.lock:
            State.queries.append((path, query))
            State.hits[path] = State.hits.get(path, 0) + 1
            hits = State.hits[path]
        name = path.lstrip("/")
        if path == "/heap":
            self.heap()
        elif path == "/flaky":           # 500, then 200: a retry succeeds
            if hits % 2 == 1:
                self.send(500, b"try again\n", "text/plain")
            else:
                self.heap()
        elif path == "/dies":            # two profiles, then 500 for ever
            if hits <= 2:
                self.heap()
            else:
                self.send(500, b"gone\n", "text/plain")
        elif path == "/html":
            self.send(200, b"<!DOCTYPE html>\n<html><head><title>Login</title></head>"
                      b"<body>Sign in</body></html>\n", "text/html")
        elif path == "/slow":            # headers at once, the body too slowly
            body = PROFILES[0][1]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(0, len(body), 64):
                    self.wfile.write(body[i:i + 64])
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
        elif path == "/big":             # 2 MiB of raw bytes
            try:
                self.send(200, b"\x0a" * (2 << 20))
            except OSError:
                pass
        elif path == "/loop":
            self.send(302, b"", extra={"Location": "/loop"})
        elif name and os.path.exists(os.path.join(RUN, name)):
            with open(os.path.join(RUN, name), "rb") as f:
                self.send(200, f.read())
        else:
            self.send(404, b"404 page not found\n", "text/plain")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # heapdiff hanging up on /slow and /big is the point


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(*args, timeout=60):
    p = subprocess.run([HEAPDIFF] + list(args), env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def dir_files(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def reset():
    with State.lock:
        State.next_profile = 0
        State.served = []
        State.queries = []
        State.hits = {}


srv = Server(("127.0.0.1", 0), Handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
BASE = "http://127.0.0.1:%d" % srv.server_address[1]
os.makedirs(SCRATCH, exist_ok=True)
tmp = tempfile.mkdtemp(prefix="live-", dir=SCRATCH)

try:
    # ---- URLs where files go -------------------------------------------
    f0, f1 = PROFILES[0][0], PROFILES[-1][0]
    u0, u1 = BASE + "/" + os.path.basename(f0), BASE + "/" + os.path.basename(f1)
    for what, fargs, uargs in [
        ("top", ["top", f1], ["top", u1]),
        ("diff", ["diff", f0, f1], ["diff", u0, u1]),
        ("diff json", ["diff", "--format", "json", f0, f1], ["diff", "--format", "json", u0, u1]),
        ("trend", ["trend", "--fail-on", "leak"] + [p for p, _ in PROFILES],
         ["trend", "--fail-on", "leak"] + [BASE + "/" + os.path.basename(p) for p, _ in PROFILES]),
    ]:
        fc, fo, fe = run(*fargs)
        uc, uo, ue = run(*uargs)
        for p, _ in PROFILES:
            uo = uo.replace(BASE + "/" + os.path.basename(p), p)
        t.check(fc == uc and fo == uo and fc in (0, 1),
                "%s of URLs prints what it prints of the files" % what,
                "exit %d vs %d, stderr %r" % (fc, uc, ue.strip()))
    reset()
    code, out, err = run("top", "--seconds", "2", BASE + "/heap")
    t.check(code == 0 and State.queries == [("/heap", "seconds=2")],
            "--seconds 2 asks for ?seconds=2", (code, State.queries, err.strip()))
    reset()
    code, out, err = run("top", "--seconds", "2", BASE + "/heap?debug=0")
    t.check(code == 0 and State.queries == [("/heap", "debug=0&seconds=2")],
            "--seconds on a URL with a query adds &seconds=", State.queries)

    # ---- failures: one line each, exit 2 ---------------------------------
    refused = free_port()
    cases = [
        ("404", BASE + "/nope", [], r"^heapdiff: %s/nope: HTTP 404 \(page not found\)$" % BASE),
        ("500", BASE + "/flaky", [], r": HTTP 500 \(internal server error\)$"),
        ("HTML page", BASE + "/html", [], r": an HTML page, not a profile"),
        ("slow body", BASE + "/slow", ["--timeout", "0.3s"],
         r"/slow: timed out after 0\.3 s \(see --timeout\)$"),
        ("past --max-size", BASE + "/big", ["--max-size", "1MiB"],
         r"/big: the response exceeds the size limit of 1 MiB \(see --max-size\)$"),
        ("redirect loop", BASE + "/loop", [], r"/loop: too many redirects \(more than 10\)$"),
        ("refused", "http://127.0.0.1:%d/debug/pprof/heap" % refused, [],
         r": connection refused \(127\.0\.0\.1 port %d\)$" % refused),
    ]
    for what, url, opts, pat in cases:
        reset()
        code, out, err = run("top", *opts, url)
        lines = err.splitlines()
        t.check(code == 2 and out == "" and len(lines) == 1 and re.search(pat, lines[0]),
                "top %s: exit 2, one line" % what, (code, err.strip()))
        # The same through watch --save: exit 2, nothing in the directory
        # (a 500 that passes is retried: see below).
        if what == "500":
            continue
        save = os.path.join(tmp, "fail-" + what.replace(" ", "-"))
        reset()
        code, out, err = run("watch", "--every", "0.2s", "--count", "2", "--save", save,
                             *opts, url)
        t.check(code == 2 and out == "" and dir_files(save) == [],
                "watch --save %s: exit 2, nothing saved" % what,
                (code, err.strip(), dir_files(save)))

    # ---- TLS is verified: a self-signed certificate is refused ----------
    openssl = shutil.which("openssl")
    if openssl:
        import ssl
        key, crt = os.path.join(tmp, "key.pem"), os.path.join(tmp, "crt.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", crt], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tls = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        threading.Thread(target=tls.serve_forever, daemon=True).start()
        turl = "https://127.0.0.1:%d/heap" % tls.server_address[1]
        code, out, err = run("top", turl)
        t.check(code == 2 and out == "" and len(err.splitlines()) == 1 and
                "TLS certificate is not trusted" in err,
                "https with a self-signed certificate: refused, one line", (code, err.strip()))
        tls.shutdown()
    else:
        print("SKIP: no openssl to make a certificate: the TLS check did not run")

    # ---- watch: bytes as served, names in time order -------------------
    reset()
    save = os.path.join(tmp, "save")
    code, out, err = run("watch", "--every", "0.25s", "--count", "5", "--save", save, "--gc",
                         "--format", "json", "--fail-on", "leak", BASE + "/heap")
    files = dir_files(save)
    saved = []
    for n in files:
        with open(os.path.join(save, n), "rb") as f:
            saved.append(f.read())
    t.check(code == 1, "watch --fail-on leak over run-8: exit 1", (code, err.strip()))
    t.check(len(files) == 5 and all(re.match(r"^heap-\d{8}T\d{6}\.\d{3}Z\.pb\.gz$", n) for n in files),
            "watch --save: 5 files named heap-YYYYMMDDTHHMMSS.mmmZ.pb.gz", files)
    t.check(saved == State.served, "saved files are the bytes served, in name order",
            "%d saved, %d served" % (len(saved), len(State.served)))
    t.check(all(q == "gc=1" for p, q in State.queries), "--gc asks for ?gc=1", State.queries[:2])
    progress = [ln for ln in err.splitlines() if ln.startswith("watch: snapshot")]
    t.check(len(progress) == 5 and progress[-1].startswith("watch: snapshot 5/5: inuse_space ")
            and "leak suspects: " in progress[-1],
            "progress: a plain line per snapshot, k/N, total, suspects", progress[-1:])
    try:
        doc = json.loads(out)
        cols = doc.get("profiles") or doc.get("columns") or []
        t.check(len(cols) == 5, "the report has the 5 snapshots", len(cols))
        t.check(bool(doc.get("suspects")), "the report names leak suspects")
    except ValueError as e:
        t.check(False, "watch --format json prints JSON", e)

    # ---- a rule on another sample type reads the saved files -----------
    reset()
    save = os.path.join(tmp, "other-type")
    code, out, err = run("watch", "--every", "0.1s", "--count", "3", "--save", save,
                         "--fail-on", "inuse_objects/total:+1%", BASE + "/heap")
    t.check(code == 1 and "inuse_objects" in out, "watch --save, a rule on inuse_objects: exit 1",
            (code, err.strip()[-300:]))
    reset()
    code, out, err = run("watch", "--every", "0.1s", "--count", "3",
                         "--fail-on", "inuse_objects/total:+1%", BASE + "/heap")
    t.check(code == 2 and out == "" and "needs --save DIR" in err,
            "watch without --save, a rule on inuse_objects: exit 2, says --save",
            (code, err.strip()[-300:]))

    # ---- trend: a rule on another sample type sees the same snapshots --
    reset()
    with State.lock:
        State.hits = {}
    code, out, err = run("trend", "--fail-on", "inuse_objects/total:+1%",
                         BASE + "/heap", BASE + "/heap", BASE + "/heap")
    t.check(code == 1 and State.hits.get("/heap") == 3,
            "trend of URLs, a rule on inuse_objects: each URL fetched once, exit 1",
            (code, State.hits, err.strip()[-300:]))

    # ---- a 500 is retried within the interval --------------------------
    reset()
    code, out, err = run("watch", "--every", "0.5s", "--count", "3", BASE + "/flaky")
    t.check(code == 0 and "skipped" not in err and State.hits.get("/flaky") == 6,
            "watch retries a 500 within the interval", (code, State.hits, err.strip()[-200:]))

    # ---- what keeps failing is skipped, the rest reported ---------------
    reset()
    save = os.path.join(tmp, "dies")
    code, out, err = run("watch", "--every", "0.3s", "--count", "4", "--save", save,
                         BASE + "/dies")
    skipped = [ln for ln in err.splitlines() if "snapshot skipped" in ln]
    t.check(code == 0 and len(skipped) == 2 and "HTTP 500 (internal server error)" in skipped[0]
            and len(dir_files(save)) == 2 and "Trend" in out or "trend" in out.lower(),
            "watch skips what keeps failing and reports the 2 it took",
            (code, skipped, dir_files(save)))

    # ---- SIGINT: the report so far -------------------------------------
    reset()
    save = os.path.join(tmp, "sigint")
    p = subprocess.Popen([HEAPDIFF, "watch", "--every", "0.2s", "--save", save, "--format",
                          "json", "--fail-on", "leak", BASE + "/heap"], env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 20
    while len(dir_files(save)) < 4 and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    try:
        doc = json.loads(out)
        cols = doc.get("profiles") or doc.get("columns") or []
    except ValueError:
        cols = None
    t.check(p.returncode == 1 and cols is not None and len(cols) == len(dir_files(save)) >= 4,
            "SIGINT: the report of the snapshots so far, --fail-on leak exit 1",
            (p.returncode, None if cols is None else len(cols), dir_files(save),
             err.decode()[-300:]))
    t.check(not [n for n in dir_files(save) if n.startswith(".")],
            "SIGINT: no temporary file left in --save DIR", dir_files(save))

    # ---- on a terminal: one line, redrawn ------------------------------
    import pty
    reset()
    master, slave = pty.openpty()
    p = subprocess.Popen([HEAPDIFF, "watch", "--every", "0.2s", "--count", "3", "--format",
                          "json", BASE + "/heap"], env=ENV, stdout=subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    out, _ = p.communicate(timeout=30)
    tty = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        tty += chunk
    os.close(master)
    draws = tty.count(b"\r\x1b[K")
    t.check(p.returncode == 0 and b"\n" not in tty and draws == 4 and
            b"watch: snapshot 3/3: inuse_space" in tty and tty.endswith(b"\r\x1b[K"),
            "on a terminal: one line redrawn per snapshot, cleared before the report",
            (p.returncode, tty[-200:]))

    # ---- fewer than two snapshots: exit 2 -------------------------------
    reset()
    code, out, err = run("watch", "--every", "1s", "--for", "0.5s", BASE + "/heap")
    t.check(code == 2 and out == "" and "1 snapshot taken; a trend needs two or more" in err,
            "watch with one snapshot: exit 2", (code, err.strip()))

    # ---- watch DIR: profiles as they appear -----------------------------
    d = os.path.join(tmp, "dumps")
    os.makedirs(d)
    p = subprocess.Popen([HEAPDIFF, "watch", "--every", "0.2s", "--for", "2.5s", "--format",
                          "json", d], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for i, (src, data) in enumerate(PROFILES[:4]):
        time.sleep(0.3)
        part = os.path.join(d, ".part")
        with open(part, "wb") as f:
            f.write(data)
        os.rename(part, os.path.join(d, "dump-%02d.pb.gz" % i))
    out, err = p.communicate(timeout=30)
    try:
        cols = json.loads(out).get("profiles") or json.loads(out).get("columns") or []
    except ValueError:
        cols = []
    t.check(p.returncode == 0 and len(cols) == 4, "watch DIR takes the 4 profiles that appear",
            (p.returncode, len(cols), err.decode()[-300:]))
    # --count N of a directory counts profiles; the old ones are taken too.
    code, out, err = run("watch", "--every", "0.1s", "--count", "3", "--format", "json", d)
    try:
        cols = json.loads(out).get("profiles") or []
    except ValueError:
        cols = []
    t.check(code == 0 and [os.path.basename(c.get("path", "")) for c in cols] ==
            ["dump-00.pb.gz", "dump-01.pb.gz", "dump-02.pb.gz"],
            "watch DIR --count 3: the first 3 profiles in name order",
            (code, [c.get("path") for c in cols], err.strip()[-200:]))

    # ---- usage ----------------------------------------------------------
    for what, args, pat in [
        ("no target", ["watch"], "watch takes one URL or directory"),
        ("bad --every", ["watch", "--every", "soon", BASE + "/heap"], "--every"),
        ("--count 1", ["watch", "--count", "1", BASE + "/heap"], "at least 2"),
        ("--save with DIR", ["watch", "--save", tmp, tmp], "--save is for a URL"),
        ("not a URL or DIR", ["watch", os.path.join(tmp, "nothing")], "no such file"),
    ]:
        code, out, err = run(*args)
        t.check(code == 2 and out == "" and len(err.splitlines()) == 1 and pat in err,
                "watch %s: exit 2, one line" % what, (code, err.strip()))
finally:
    srv.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)

print("live: %d passed, %d failed" % (t.passed, t.failed))
sys.exit(1 if t.failed else 0)
