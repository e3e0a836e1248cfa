// Command cache simulates a small "cache service" and writes one heap
// profile of it. It is built once and run twice (-version 1 and -version 2)
// to produce testdata/cache-v1.pb.gz and testdata/cache-v2.pb.gz.
//
// Every allocation is sampled (runtime.MemProfileRate = 1) and every
// allocated object is kept alive in a package-level sink, so the inuse
// values in the profile are exact and the same on every run.
//
// Allocation sites and what version 2 changes relative to version 1:
//
//	main.(*Cache).Put            pointer-receiver method          identical
//	main.NewMap[...]             generic function                 identical
//	main.(*Map[...]).Set         method of a generic type         identical
//	main.run.func1               closure (func literal), inlined  identical
//	main.worker                  runs in 4 goroutines, called     identical
//	                             from the closure main.run.func2
//	main.buildTree               recursive, depth 8 (511 nodes)   identical
//	main.newBlock                inlined into main.fillBlocks     identical
//	main.loadSessions            64 KiB -> 1 MiB                  GROWS (regression)
//	main.buildIndex              512 KiB -> 128 KiB               SHRINKS
//	main.warmLegacyCache         256 KiB -> absent                DISAPPEARS (v1 only)
//	main.prefetchHot             absent -> 192 KiB                APPEARS (v2 only)
//
// Sizes are chosen to be exact Go size classes (or multiples of the 8 KiB
// page for large objects) so that the profile values are round numbers.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
)

func init() {
	// Must come before any allocation we care about: sample every allocation.
	runtime.MemProfileRate = 1
}

// ---- sinks: keep everything reachable so it is "in use" -----------------

var (
	cacheSink    *Cache
	mapSink      *Map[string, Blob]
	closureSink  [][]byte
	workerSink   [4][][]byte
	treeSink     *node
	blockSink    [][]byte
	sessionSink  [][]byte
	indexSink    [][]byte
	legacySink   [][]byte
	prefetchSink [][]byte
)

// ---- pointer-receiver method ---------------------------------------------

type entry struct {
	key string
	val []byte
}

// Cache is a fixed-capacity cache (slice-backed on purpose: a Go map would
// allocate overflow buckets depending on the random hash seed, which would
// make the profile differ from run to run).
type Cache struct {
	entries []*entry
}

func NewCache(capacity int) *Cache {
	return &Cache{entries: make([]*entry, 0, capacity)}
}

// Put stores a copy of a value of the given size.
//
//go:noinline
func (c *Cache) Put(key string, size int) {
	e := &entry{key: key, val: make([]byte, size)}
	c.entries = append(c.entries, e)
}

// ---- generics --------------------------------------------------------------

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Blob is a value type sized so that Pair[string, Blob] is exactly 1 KiB.
type Blob [1008]byte

type Map[K comparable, V any] struct {
	pairs []*Pair[K, V]
}

// NewMap is a generic function that allocates the backing slice.
//
//go:noinline
func NewMap[K comparable, V any](capacity int) *Map[K, V] {
	return &Map[K, V]{pairs: make([]*Pair[K, V], 0, capacity)}
}

// Set is a method of a generic type that allocates one pair per call.
//
//go:noinline
func (m *Map[K, V]) Set(k K, v V) {
	m.pairs = append(m.pairs, &Pair[K, V]{Key: k, Val: v})
}

// ---- recursion ---------------------------------------------------------------

type node struct {
	left, right *node
	payload     []byte
}

// buildTree builds a complete binary tree of the given depth
// (depth 8 -> 2^9-1 = 511 nodes), each with a 256-byte payload.
func buildTree(depth int) *node {
	n := &node{payload: make([]byte, 256)}
	if depth > 0 {
		n.left = buildTree(depth - 1)
		n.right = buildTree(depth - 1)
	}
	return n
}

// ---- inlining ----------------------------------------------------------------

// newBlock is small enough to be inlined (check with
// `go build -gcflags=-m ./cache`: "can inline newBlock" and
// "inlining call to newBlock"). The allocation site therefore lives in
// main.fillBlocks' machine code, but the runtime expands the inlined frame,
// so pprof still attributes the bytes to main.newBlock.
func newBlock(n int) []byte {
	return make([]byte, n)
}

//go:noinline
func fillBlocks(count, size int) {
	for i := 0; i < count; i++ {
		blockSink = append(blockSink, newBlock(size))
	}
}

// ---- goroutines ----------------------------------------------------------------

//go:noinline
func worker(id int) {
	for i := 0; i < 16; i++ {
		workerSink[id] = append(workerSink[id], make([]byte, 2048))
	}
}

// ---- the functions that change between versions ----------------------------

// loadSessions: the regression. v1 keeps 64 x 1 KiB, v2 keeps 64 x 16 KiB.
//
//go:noinline
func loadSessions(version int) {
	size := 1024
	if version == 2 {
		size = 16384
	}
	for i := 0; i < 64; i++ {
		sessionSink = append(sessionSink, make([]byte, size))
	}
}

// buildIndex: the improvement. v1 keeps 16 x 32 KiB, v2 keeps 4 x 32 KiB.
//
//go:noinline
func buildIndex(version int) {
	n := 16
	if version == 2 {
		n = 4
	}
	for i := 0; i < n; i++ {
		indexSink = append(indexSink, make([]byte, 32768))
	}
}

// warmLegacyCache exists only in version 1: 32 x 8 KiB.
//
//go:noinline
func warmLegacyCache() {
	for i := 0; i < 32; i++ {
		legacySink = append(legacySink, make([]byte, 8192))
	}
}

// prefetchHot exists only in version 2: 24 x 8 KiB.
//
//go:noinline
func prefetchHot() {
	for i := 0; i < 24; i++ {
		prefetchSink = append(prefetchSink, make([]byte, 8192))
	}
}

// ---- driver ------------------------------------------------------------------

// initSinks pre-sizes the sinks in one place so that append never
// reallocates them inside the functions above (keeps their numbers round).
//
//go:noinline
func initSinks() {
	closureSink = make([][]byte, 0, 64)
	blockSink = make([][]byte, 0, 128)
	sessionSink = make([][]byte, 0, 64)
	indexSink = make([][]byte, 0, 16)
	legacySink = make([][]byte, 0, 32)
	prefetchSink = make([][]byte, 0, 24)
	for i := range workerSink {
		workerSink[i] = make([][]byte, 0, 16)
	}
}

//go:noinline
func run(version int) {
	initSinks()

	// Pointer-receiver method: 200 entries with a 1 KiB value each.
	cacheSink = NewCache(200)
	for i := 0; i < 200; i++ {
		cacheSink.Put("k", 1024)
	}

	// Generics: one NewMap (room for 4096 pairs: 32 KiB of pointers),
	// 128 Set calls, each allocating one 1 KiB Pair[string, Blob].
	mapSink = NewMap[string, Blob](4096)
	var blob Blob
	for i := 0; i < 128; i++ {
		mapSink.Set("k", blob)
	}

	// Closure: a func literal capturing a local counter, 64 x 4 KiB.
	calls := 0
	encode := func(n int) []byte {
		calls++
		return make([]byte, n)
	}
	for i := 0; i < 64; i++ {
		closureSink = append(closureSink, encode(4096))
	}

	// Goroutines: 4 workers, each keeps 16 x 2 KiB. The goroutine body is
	// a func literal (main.run.func2), so the stacks are
	// main.worker <- main.run.func2 (and no main.run / main.main above).
	var wg sync.WaitGroup
	for i := 0; i < len(workerSink); i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			worker(id)
		}(i)
	}
	wg.Wait()

	// Recursion: depth-8 tree.
	treeSink = buildTree(8)

	// Inlined helper: 128 x 3 KiB (3072 is a size class).
	fillBlocks(128, 3072)

	// The functions that differ between versions.
	loadSessions(version)
	buildIndex(version)
	if version == 1 {
		warmLegacyCache()
	}
	if version == 2 {
		prefetchHot()
	}
	_ = calls
}

func writeHeapProfile(path string) error {
	runtime.GC()
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func main() {
	version := flag.Int("version", 1, "which version of the service to simulate (1 or 2)")
	out := flag.String("out", "", "output file (gzip-compressed pprof heap profile)")
	flag.Parse()
	if *version != 1 && *version != 2 {
		fmt.Fprintln(os.Stderr, "cache: -version must be 1 or 2")
		os.Exit(2)
	}
	if *out == "" {
		*out = fmt.Sprintf("cache-v%d.pb.gz", *version)
	}
	run(*version)
	if err := writeHeapProfile(*out); err != nil {
		fmt.Fprintln(os.Stderr, "cache:", err)
		os.Exit(1)
	}
	runtime.KeepAlive(cacheSink)
}
