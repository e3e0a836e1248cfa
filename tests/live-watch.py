#!/usr/bin/env python3
"""heapdiff watch on a real Go service over real HTTP (issue #19).

Usage: live-watch.py HEAPDIFF SOURCE_ROOT SCRATCH_DIR   (SKIP, 77, without go)

Builds testdata/gen/leakserve (GOCACHE and GOPATH under SCRATCH_DIR,
offline) and starts it on 127.0.0.1 (a free port), with net/http/pprof.
heapdiff watch reaches its /debug/pprof/heap through a recording proxy
in this script: before passing on each snapshot request the proxy puts
the next ticks of the driver's workload on the service (the table of
testdata/gen/leakserve/driver/main.go, 48 ticks over the run as in every
committed capture, so snapshot k follows tick (k+1) x 48 / N), then
fetches the profile from the service itself, keeps the bytes and hands
them on unchanged.  So the proxy is the second client: it holds exactly
what the service served at each moment heapdiff asked, and the load
keeps step with the snapshots whatever the machine's speed, which makes
the truth of testdata/captures/truth.json hold for the run.

Checked:
- `heapdiff top URL?gc=1` and `diff URL URL` read the service as files;
- watch --count 8 --gc --save DIR: 8 files, byte for byte the proxy's
  bytes in the same order, names in time order; exit 1 with --fail-on leak;
- watch's own report: the suspects are the leaks of truth.json, no more;
- the saved series passes every check tests/verdicts.py makes of a
  committed capture (classes, retention, churn under alloc_space,
  --fail-on leak with and without the non-leaks).

Prints `live-watch: N passed, M failed`; exits 1 on any failure.
"""
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from testlib import Checks  # noqa: E402

HEAPDIFF = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
SCRATCH = os.path.abspath(sys.argv[3])
GO = shutil.which("go")
if not GO:
    print("SKIP: go is not installed")
    sys.exit(77)
sys.argv = [sys.argv[0], HEAPDIFF, ROOT]
import verdicts  # noqa: E402  (reads sys.argv: the truth checks of the captures)

ENV = dict(os.environ, NO_COLOR="1", LC_ALL="C.UTF-8", TZ="UTC")
N, TICKS = 8, 48
t = Checks()


def build(out):
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod", GO111MODULE="on", GOWORK="off",
               GOCACHE=os.path.join(SCRATCH, "gocache"), GOPATH=os.path.join(SCRATCH, "gopath"))
    p = subprocess.run([GO, "build", "-trimpath", "-o", out, "./leakserve"],
                       cwd=os.path.join(ROOT, "testdata", "gen"), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("go build: " + p.stdout.decode("utf-8", "replace"))


class Load:
    """The driver's tick (driver/main.go), on one kept-alive connection."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.pool = self.steady = self.halfway = self.cache = self.lru = 0
        self.t = 0

    def get(self, path):
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError("%s: HTTP %d" % (path, r.status))
        return body

    def hits(self, path, n, key=None):
        for j in range(n):
            self.get("%s?k=%d" % (path, key(j) if key else 0))

    def tick(self):
        t, keys = self.t, 16 * TICKS // 3

        def nxt(attr):
            def f(j):
                setattr(self, attr, getattr(self, attr) + 1)
                return getattr(self, attr)
            return f

        def cache(j):
            self.cache += 1
            return (self.cache - 1) % keys

        def lru(j):
            if j % 4 != 3:
                self.lru += 1
            return self.lru

        self.hits("/pool", 1, nxt("pool"))
        self.hits("/steady", 4, nxt("steady"))
        self.hits("/slow", 4)
        self.hits("/halfway", 4 if t >= TICKS // 2 else 0, nxt("halfway"))
        self.hits("/churn", 8)
        self.hits("/cache", 16, cache)
        self.hits("/lru", 16, lru)
        self.hits("/goroutine", 1)
        self.hits("/pool", 1, nxt("pool"))
        self.t += 1


class Proxy(http.server.BaseHTTPRequestHandler):
    load = None
    served = []
    snapshots = 0
    error = None

    def log_message(self, *a):
        pass

    def do_GET(self):
        path, _, query = self.path.partition("?")
        try:
            if path != "/debug/pprof/heap":
                raise RuntimeError("unexpected request %s" % self.path)
            k = Proxy.snapshots
            Proxy.snapshots += 1
            while Proxy.load.t < min(TICKS, (k + 1) * TICKS // N):
                Proxy.load.tick()
            body = Proxy.load.get(self.path)
            Proxy.served.append((query, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except Exception as e:  # noqa: BLE001  (said at the end, as a failure)
            Proxy.error = str(e)
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()


def run(*args):
    p = subprocess.run([HEAPDIFF] + list(args), env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    os.makedirs(SCRATCH, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="live-watch-", dir=SCRATCH)
    svc = None
    proxy = None
    try:
        exe = os.path.join(SCRATCH, "leakserve")
        build(exe)
        # One P: a sync.Pool keeps a buffer per P, and with two the pool's
        # buffers were now and then left on a P that took no /pool request
        # for two collections and dropped (the pool-misuse series then
        # levelled, in one run of three: the service's truth, not the
        # report's, had changed).  With one P every Get finds what the last
        # Put left.
        env = dict(os.environ, GOMAXPROCS="1")
        env.pop("GOGC", None)
        env.pop("GODEBUG", None)
        svc = subprocess.Popen([exe, "-port", "0"], stdout=subprocess.PIPE, env=env)
        url = svc.stdout.readline().decode().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError("leakserve printed %r" % url)
        port = int(url.rsplit(":", 1)[1])

        # URLs where files go, straight from the service.
        code, out, err = run("top", url + "/debug/pprof/heap?gc=1")
        t.check(code == 0 and "main.loadBaseline" in out, "top URL?gc=1 of the service",
                (code, err.strip()))
        heap = url + "/debug/pprof/heap?gc=1"
        code, out, err = run("diff", "--format", "json", heap, heap)
        doc = json.loads(out) if code == 0 else {}
        t.check(code == 0 and [p.get("path") for p in doc.get("profiles", [])] == [heap, heap],
                "diff URL URL of the service names the URLs", (code, err.strip()))

        Proxy.load = Load(port)
        proxy = http.server.HTTPServer(("127.0.0.1", 0), Proxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        purl = "http://127.0.0.1:%d/debug/pprof/heap" % proxy.server_address[1]
        save = os.path.join(tmp, "save")
        code, out, err = run("watch", "--every", "1s", "--count", str(N), "--gc", "--save", save,
                             "--format", "json", "--top", "0", "--fail-on", "leak", purl)
        t.check(Proxy.error is None, "the proxy served every snapshot", Proxy.error)
        t.check(code == 1, "watch --fail-on leak on leakserve: exit 1",
                (code, err.strip()[-400:]))
        files = sorted(os.listdir(save)) if os.path.isdir(save) else []
        saved = []
        for n in files:
            with open(os.path.join(save, n), "rb") as f:
                saved.append(f.read())
        t.check(len(files) == N, "watch --save wrote %d files" % N, files)
        t.check(saved == [b for _, b in Proxy.served] and all(q == "gc=1" for q, _ in Proxy.served),
                "the saved files are the bytes the service served, in name order, ?gc=1",
                "%d saved, %d served" % (len(saved), len(Proxy.served)))
        times = [verdicts.time_nanos(os.path.join(save, n)) for n in files]
        t.check(times == sorted(times) and len(set(times)) == len(times),
                "the names sort in time order", times)

        with open(os.path.join(ROOT, "testdata", "captures", "truth.json")) as f:
            truth = json.load(f)["behaviours"]
        leaks = {b["culprit"] for b in truth if b["leak"]}
        try:
            doc = json.loads(out)
        except ValueError:
            doc = {}
        got = set(doc.get("suspects") or [])
        t.check(got == leaks, "watch's suspects are truth.json's leaks",
                "suspects %s, leaks %s" % (sorted(got), sorted(leaks)))
        t.check(len(doc.get("profiles") or []) == N, "watch's report has %d columns" % N)

        # The saved series, checked as the committed captures are.
        if len(files) == N:
            verdicts.check_run("watch", [os.path.join(save, n) for n in files], truth)
            t.check(verdicts.failed == 0, "tests/verdicts.py's checks of the saved series",
                    "%d passed, %d failed (lines above)" % (verdicts.passed, verdicts.failed))
    finally:
        if proxy:
            proxy.shutdown()
        if svc:
            svc.kill()
            svc.wait()
        if not os.environ.get("LIVE_WATCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    print("live-watch: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
