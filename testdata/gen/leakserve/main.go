// Command leakserve is a small HTTP service with one memory behaviour per
// endpoint, so that a series of heap profiles taken from it over real HTTP
// (net/http/pprof's /debug/pprof/heap) has a known truth: which functions
// leak and which only look busy.  testdata/captures/ holds such series,
// made by capture.sh (next to this file) with the driver in driver/; the
// truth table is testdata/captures/README.md and truth.json.
//
// It listens on 127.0.0.1, on -port (0, the default, picks a free port),
// and prints its base URL ("http://127.0.0.1:PORT") as the first line of
// standard output once it accepts connections.
//
// Each behaviour is one function of package main, and that function is the
// nearest main.* frame on every stack that allocates for it (the "culprit"
// a report should name).  They are marked //go:noinline so that the stacks
// stay so.  Query strings are "k=NUMBER" (parsed without allocating); every
// handler answers 200 with an empty body, except /pool (see poolMisuse).
//
//	/steady     main.steadyLeak      keeps 16 KiB per request in a map
//	                                 that is never pruned: a steady leak
//	/slow       main.slowLeak        appends 4 KiB per request to an audit
//	                                 log: a slow leak, about 1% of the heap
//	                                 over a series (the driver's rate)
//	/halfway    main.halfwayLeak     keeps 16 KiB per request; the driver
//	                                 calls it only in the second half
//	/pool       main.poolMisuse      takes 8 bytes.Buffers from a sync.Pool,
//	                                 writes 1-4 KiB into each and puts them
//	                                 back without Reset: the pooled buffers
//	                                 grow for ever (the bytes are allocated
//	                                 in bytes.growSlice under it)
//	/churn      main.churn           allocates 1 MiB (64 x 16 KiB) per
//	                                 request and keeps none of it
//	/cache      main.warmupCache     caches 24 KiB per new key; the driver
//	                                 asks for a fixed set of keys, so it
//	                                 fills and then only hits
//	/lru        main.lruCache        a 256-entry LRU of 16 KiB values:
//	                                 fills, then evicts one per miss
//	/goroutine  main.stuckGoroutine  a goroutine per request that allocates
//	                                 64 KiB and blocks for ever on a channel
//	                                 nobody sends on
//	/stack      main.deepStack       a goroutine per request that recurses
//	                                 stackDepth frames of 1 KiB of locals
//	                                 (a 128 KiB stack) and blocks for ever
//	                                 at the bottom, allocating nothing: its
//	                                 memory is goroutine stack, which no
//	                                 heap profile samples (the driver's
//	                                 -workload stacks, for MemStats)
//	/quit                            exit 0
//
// And the steady heap, allocated once at start-up: main.loadBaseline,
// 32 MiB in 512 blocks of 64 KiB.  It is what makes the slow leak's 1% a
// real amount (several hundred KiB).
//
// runtime.MemProfileRate is 1 (set in init): every allocation is sampled,
// the profile's values are exact bytes and a 1% change is not lost in
// sampling noise.  The profile stays small all the same, since Go keeps
// one record per distinct stack, not per allocation.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

func init() {
	runtime.MemProfileRate = 1
}

// Sizes.  Variables, not constants: a make() of a constant size up to
// 64 KiB that does not escape may be put on the stack, and then it is
// not in the heap profile at all.
var (
	baselineBlock  = 64 << 10
	baselineBlocks = 512
	steadySize     = 16 << 10
	slowSize       = 4 << 10
	halfwaySize    = 16 << 10
	churnSize      = 16 << 10
	churnPieces    = 64
	cacheSize      = 24 << 10
	lruSize        = 16 << 10
	lruCapacity    = 256
	stuckSize      = 64 << 10
	stackDepth     = 96
)

// poolParts is the number of buffers a /pool request holds at once.
const poolParts = 8

var (
	baseline  [][]byte
	sessions  = map[int][]byte{}
	auditLog  [][]byte
	retries   = map[int][]byte{}
	bufPool   sync.Pool
	record    [4 << 10]byte // what poolMisuse writes; not on the heap
	churnSink []byte
	cache     = map[int][]byte{}
	lru       = newLRU()
	stuck     = make(chan struct{}) // never sent on, never closed
)

// loadBaseline is the steady heap: reference data loaded at start-up and
// kept for the life of the process.
//
//go:noinline
func loadBaseline() {
	baseline = make([][]byte, 0, baselineBlocks)
	for i := 0; i < baselineBlocks; i++ {
		baseline = append(baseline, make([]byte, baselineBlock))
	}
}

// steadyLeak stores every request's session under its id, and nothing ever
// removes a session.  The map's buckets are allocated here too (the
// runtime frames above them are dropped from heap profiles).
//
//go:noinline
func steadyLeak(id int) {
	sessions[id] = make([]byte, steadySize)
}

// slowLeak appends a small record per request to an audit log that is
// never trimmed.
//
//go:noinline
func slowLeak() {
	auditLog = append(auditLog, make([]byte, slowSize))
}

// halfwayLeak keeps a copy of each request "for a retry" and never drops
// it: the same bug as steadyLeak, on a path that is only taken from the
// middle of the series on.
//
//go:noinline
func halfwayLeak(id int) {
	retries[id] = make([]byte, halfwaySize)
}

// poolMisuse assembles a response from poolParts parts, each written into
// a bytes.Buffer taken from a sync.Pool, and puts the buffers back without
// Reset: the next request appends to what the last one left, so the pooled
// buffers only grow.  It writes out only the bytes it added, so the bug
// does not show in the response.  A buffer survives garbage collection as
// long as it is taken again before the second collection (the pool's
// victim cache), so under steady load the buffers live for ever.
//
//go:noinline
func poolMisuse(w http.ResponseWriter, k int) {
	var parts [poolParts]*bytes.Buffer
	for i := 0; i < poolParts; i++ {
		b, _ := bufPool.Get().(*bytes.Buffer)
		if b == nil {
			b = new(bytes.Buffer)
		}
		n := 1 + (k*poolParts+i)*2654435761%4 // 1 to 4 KiB
		start := b.Len()
		b.Write(record[:n<<10]) // BUG: no b.Reset() before or after
		w.Write(b.Bytes()[start:])
		parts[i] = b
	}
	for _, b := range parts {
		bufPool.Put(b)
	}
}

// churn builds a large temporary structure per request, uses it, and
// keeps none of it.
//
//go:noinline
func churn() int {
	sum := 0
	for i := 0; i < churnPieces; i++ {
		b := make([]byte, churnSize)
		b[i] = byte(i)
		churnSink = b // escapes: on the heap, garbage at the next piece
		sum += int(b[i])
	}
	churnSink = nil
	return sum
}

// warmupCache caches a value per key for ever.  The key set is bounded
// (the driver's), so the cache fills during warm-up and then only hits.
//
//go:noinline
func warmupCache(key int) {
	if _, ok := cache[key]; !ok {
		cache[key] = make([]byte, cacheSize)
	}
}

type lruEntry struct {
	key        int
	val        []byte
	prev, next *lruEntry
}

// lruList is a bounded least-recently-used cache: a map to the entries and
// a ring with a sentinel, most recent first.
type lruList struct {
	byKey map[int]*lruEntry
	root  lruEntry
}

func newLRU() *lruList {
	l := &lruList{byKey: map[int]*lruEntry{}}
	l.root.prev, l.root.next = &l.root, &l.root
	return l
}

// lruCache looks key up in the LRU; a miss allocates the value and, once
// the cache is full, evicts the least recently used entry.
//
//go:noinline
func lruCache(key int) {
	l := lru
	if e, ok := l.byKey[key]; ok {
		e.prev.next, e.next.prev = e.next, e.prev
		e.prev, e.next = &l.root, l.root.next
		l.root.next.prev = e
		l.root.next = e
		return
	}
	e := &lruEntry{key: key, val: make([]byte, lruSize)}
	l.byKey[key] = e
	e.prev, e.next = &l.root, l.root.next
	l.root.next.prev = e
	l.root.next = e
	if len(l.byKey) > lruCapacity {
		old := l.root.prev
		old.prev.next, l.root.prev = &l.root, old.prev
		old.prev, old.next = nil, nil
		delete(l.byKey, old.key)
	}
}

// stuckGoroutine is started once per request.  It allocates its working
// buffer and then waits for a signal that never comes, so the goroutine
// and its buffer are never freed.
//
//go:noinline
func stuckGoroutine() {
	buf := make([]byte, stuckSize)
	buf[0] = 1
	<-stuck
	runtime.KeepAlive(buf)
}

// deepStack recurses depth more frames, each with 1 KiB of locals on the
// stack (they do not escape), and blocks for ever at the bottom: the
// goroutine's stack grows to 128 KiB and stays, and nothing of it is in
// the heap.
//
//go:noinline
func deepStack(depth int) byte {
	var frame [1 << 10]byte
	frame[depth%len(frame)] = byte(depth)
	if depth == 0 {
		<-stuck
		return frame[0]
	}
	return deepStack(depth-1) + frame[depth%len(frame)]
}

// query returns the number in "k=NUMBER", or 0, without allocating.
func query(r *http.Request) int {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.RawQuery, "k="))
	if err != nil {
		return 0
	}
	return n
}

func serveSteady(w http.ResponseWriter, r *http.Request)  { steadyLeak(query(r)) }
func serveSlow(w http.ResponseWriter, r *http.Request)    { slowLeak() }
func serveHalfway(w http.ResponseWriter, r *http.Request) { halfwayLeak(query(r)) }
func servePool(w http.ResponseWriter, r *http.Request)    { poolMisuse(w, query(r)) }
func serveChurn(w http.ResponseWriter, r *http.Request)   { churn() }
func serveCache(w http.ResponseWriter, r *http.Request)   { warmupCache(query(r)) }
func serveLRU(w http.ResponseWriter, r *http.Request)     { lruCache(query(r)) }

func serveGoroutine(w http.ResponseWriter, r *http.Request) {
	go stuckGoroutine()
}

func serveStack(w http.ResponseWriter, r *http.Request) {
	go deepStack(stackDepth)
}

func serveQuit(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "bye")
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	os.Exit(0)
}

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (0: pick a free one)")
	flag.Parse()
	loadBaseline()

	http.HandleFunc("/steady", serveSteady)
	http.HandleFunc("/slow", serveSlow)
	http.HandleFunc("/halfway", serveHalfway)
	http.HandleFunc("/pool", servePool)
	http.HandleFunc("/churn", serveChurn)
	http.HandleFunc("/cache", serveCache)
	http.HandleFunc("/lru", serveLRU)
	http.HandleFunc("/goroutine", serveGoroutine)
	http.HandleFunc("/stack", serveStack)
	http.HandleFunc("/quit", serveQuit)

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "leakserve:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	os.Stdout.Sync()
	err = http.Serve(ln, nil)
	fmt.Fprintln(os.Stderr, "leakserve:", err)
	os.Exit(1)
}
