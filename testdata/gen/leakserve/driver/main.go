// Command driver puts a fixed workload on a running leakserve (../main.go)
// and saves N snapshots of its heap profile, fetched over HTTP from
// /debug/pprof/heap?gc=1, byte for byte as served.  capture.sh runs it.
//
// The workload is -ticks ticks (48 by default) whatever N is, so that every
// series covers the same life of the service, only sampled more or less
// often: snapshot k (0-based) is taken after tick (k+1)*ticks/N, and the
// driver then sleeps -interval before the next tick.  One tick is, in
// this order (the counts are per tick):
//
//	/pool       1 request                  8 buffers, 1-4 KiB more each
//	/steady     4 requests, new ids        4 x 16 KiB kept
//	/slow       4 requests                 4 x 4 KiB kept
//	/halfway    4 requests, new ids        only from tick ticks/2 on
//	/churn      8 requests                 8 x 1 MiB allocated, none kept
//	/cache     16 requests                 keys cycle over 16*ticks/3 keys,
//	                                       so the cache is full after the
//	                                       first third of the ticks
//	/lru       16 requests                 12 new keys and 4 repeats of the
//	                                       key just asked for (hits); the
//	                                       256-entry LRU is full after 22
//	                                       of the 48 ticks
//	/goroutine  1 request                  one more stuck goroutine
//	/pool       1 request                  as above
//
// /pool is first and last because a sync.Pool frees what was not taken
// again across two garbage collections: so, at most one collection (the
// churn's, or the snapshot's gc=1) falls between two uses, as under the
// steady load of a real service.  With both /pool requests in the middle
// of the tick, a collection during /churn followed by the snapshot's made
// two in a row and emptied the pool (its series fell to 0 at the third of
// twelve snapshots).
//
// Requests are sequential, on one kept-alive connection, so the workload is
// the same on every run; only the timing (and what the garbage collector
// and the scheduler do with it) differs.
//
// -naming says how snapshot k is named in -out:
//
//	padded    heap-01.pb.gz .. heap-12.pb.gz (sorts in time order)
//	unpadded  heap-1.pb.gz .. heap-12.pb.gz (a shell glob puts heap-10,
//	          heap-11, heap-12 before heap-2)
//	random    8 random hex digits, e.g. 3fa9c2d1.pb.gz (crypto/rand)
//
// -workload stacks puts a different tick on the service instead, for a
// series whose growth is outside the heap:
//
//	/stack      4 requests                 4 more goroutines blocked for
//	                                       ever at the bottom of a 128 KiB
//	                                       stack, nothing on the heap
//
// -text also saves Go's text heap profile, /debug/pprof/heap?debug=1
// (with its runtime.MemStats), fetched right after each snapshot without
// gc=1: the same garbage collection's profile (a second forced
// collection would empty the sync.Pool, see above), next to it as
// heap-01.txt for heap-01.pb.gz.
//
// It prints one line per snapshot: the file name, its size and its index.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type driver struct {
	base   string
	client *http.Client
}

func (d *driver) get(path string) ([]byte, error) {
	resp, err := d.client.Get(d.base + path)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", path, resp.Status)
	}
	return body, nil
}

type counters struct {
	steady, halfway, pool, cacheKey, lruKey int
}

// hits sends n requests to path, the key of each from key (nil: none).
func (d *driver) hits(path string, n int, key func(j int) int) error {
	for j := 0; j < n; j++ {
		k := 0
		if key != nil {
			k = key(j)
		}
		if _, err := d.get(fmt.Sprintf("%s?k=%d", path, k)); err != nil {
			return err
		}
	}
	return nil
}

// stacksTick is a tick of -workload stacks: four goroutines with deep
// stacks, nothing kept on the heap.
func (d *driver) stacksTick() error {
	return d.hits("/stack", 4, nil)
}

// tick puts tick t (0-based) of the workload on the service: the table in
// the package comment, /pool first and last.
func (d *driver) tick(t, ticks int, c *counters) error {
	next := func(p *int) func(int) int {
		return func(int) int { *p++; return *p }
	}
	keys := 16 * ticks / 3
	halfway := 0
	if t >= ticks/2 {
		halfway = 4
	}
	for _, h := range []struct {
		path string
		n    int
		key  func(j int) int
	}{
		{"/pool", 1, next(&c.pool)},
		{"/steady", 4, next(&c.steady)},
		{"/slow", 4, nil},
		{"/halfway", halfway, next(&c.halfway)},
		{"/churn", 8, nil},
		{"/cache", 16, func(int) int { c.cacheKey++; return (c.cacheKey - 1) % keys }},
		{"/lru", 16, func(j int) int {
			if j%4 != 3 {
				c.lruKey++
			}
			return c.lruKey
		}},
		{"/goroutine", 1, nil},
		{"/pool", 1, next(&c.pool)},
	} {
		if err := d.hits(h.path, h.n, h.key); err != nil {
			return err
		}
	}
	return nil
}

func name(naming string, k, n int) (string, error) {
	switch naming {
	case "padded":
		return fmt.Sprintf("heap-%0*d.pb.gz", len(fmt.Sprint(n)), k+1), nil
	case "unpadded":
		return fmt.Sprintf("heap-%d.pb.gz", k+1), nil
	case "random":
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		return hex.EncodeToString(b[:]) + ".pb.gz", nil
	}
	return "", fmt.Errorf("-naming must be padded, unpadded or random, not %q", naming)
}

func run(base, out string, n, ticks int, interval time.Duration, naming, workload string,
	text bool) error {
	if n < 1 || ticks < n {
		return fmt.Errorf("need 1 <= -n <= -ticks")
	}
	if workload != "leak" && workload != "stacks" {
		return fmt.Errorf("-workload must be leak or stacks, not %q", workload)
	}
	if _, err := name(naming, 0, n); err != nil {
		return err
	}
	d := &driver{base: base, client: &http.Client{Timeout: time.Minute}}
	var c counters
	seen := map[string]bool{}
	t := 0
	for k := 0; k < n; k++ {
		if k > 0 {
			time.Sleep(interval)
		}
		for ; t < (k+1)*ticks/n; t++ {
			var err error
			if workload == "stacks" {
				err = d.stacksTick()
			} else {
				err = d.tick(t, ticks, &c)
			}
			if err != nil {
				return err
			}
		}
		prof, err := d.get("/debug/pprof/heap?gc=1")
		if err != nil {
			return err
		}
		var txt []byte
		if text {
			if txt, err = d.get("/debug/pprof/heap?debug=1"); err != nil {
				return err
			}
			if !bytes.HasPrefix(txt, []byte("heap profile: ")) {
				return fmt.Errorf("snapshot %d: ?debug=1 is not a text heap profile", k)
			}
		}
		if !bytes.HasPrefix(prof, []byte{0x1f, 0x8b}) {
			return fmt.Errorf("snapshot %d: not gzip", k)
		}
		file, err := name(naming, k, n)
		for err == nil && seen[file] {
			file, err = name(naming, k, n)
		}
		if err != nil {
			return err
		}
		seen[file] = true
		if err := os.WriteFile(filepath.Join(out, file), prof, 0o644); err != nil {
			return err
		}
		if text {
			tf := strings.TrimSuffix(file, ".pb.gz") + ".txt"
			if err := os.WriteFile(filepath.Join(out, tf), txt, 0o644); err != nil {
				return err
			}
		}
		fmt.Printf("%s %d bytes (snapshot %d, after tick %d)\n", file, len(prof), k, t)
	}
	return nil
}

func main() {
	base := flag.String("url", "", "leakserve's base URL, http://127.0.0.1:PORT")
	out := flag.String("out", ".", "directory for the snapshots")
	n := flag.Int("n", 6, "number of snapshots")
	ticks := flag.Int("ticks", 48, "ticks of workload over the whole series")
	interval := flag.Duration("interval", 200*time.Millisecond, "sleep between snapshots")
	naming := flag.String("naming", "padded", "file names: padded, unpadded or random")
	workload := flag.String("workload", "leak", "leak (the table above) or stacks")
	text := flag.Bool("text", false, "also save ?debug=1 (with runtime.MemStats) as NAME.txt")
	flag.Parse()
	if err := run(*base, *out, *n, *ticks, *interval, *naming, *workload, *text); err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
}
