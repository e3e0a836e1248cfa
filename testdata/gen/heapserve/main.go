// Command heapserve is a small "service" that serves net/http/pprof, so
// that a test can fetch the same heap profile twice, as Go's legacy text
// (/debug/pprof/heap?debug=1) and as profile.proto (/debug/pprof/heap),
// and check that heapdiff reads both to the same numbers (tests/gotext.py).
// With -capture DIR it writes the two forms into DIR instead (what
// testdata/gotext/ holds) and exits.
//
// It listens on 127.0.0.1 on a free port and prints the base URL
// ("http://127.0.0.1:PORT") as the first line of standard output once it
// is ready.  Endpoints besides net/http/pprof's:
//
//	/gc    runtime.GC() twice, then "ok": makes the heap profile current
//	/quit  "bye", then exit 0
//
// expvar is imported too (/debug/vars), for the wrong-file tests' samples.
//
// The garbage collector is off (SetGCPercent(-1)) after the work is
// done, so nothing but /gc publishes a new heap profile: the allocations
// of serving one request stay invisible to the next, and two fetches in a
// row return the same records.
//
// The sampling rate is HEAPSERVE_RATE (runtime.MemProfileRate, read in
// init, before any allocation that matters), 4096 by default: small
// enough that every allocation site below is sampled, large enough that
// the values are unsampled (scaled up) by pprof's formula.
//
// Allocation sites (everything kept is held in package-level sinks):
//
//	main.loadConfig        64 x 4 KiB, kept
//	main.(*Store).Put      a method; 240 objects of 240 distinct sizes
//	                       (16 .. 3840 B), kept: 240 records, so the
//	                       unsampling is checked on many values
//	main.newBuffer         inlined into main.fillBuffers: 32 x 8 KiB, kept
//	main.worker            4 goroutines (main.startWorkers.func1), each
//	                       keeps 16 x 2 KiB
//	main.buildTree         recursive, depth 6 (127 nodes of 48 + 512 B), kept
//	main.churn             1000 x 1 KiB, dropped at once: alloc > inuse
//	main.keepOnPanic       64 KiB, kept, allocated by a deferred call while
//	                       main.unwind panics: runtime.gopanic lies between
//	                       two of main's frames (go tool pprof cuts the
//	                       stack there when it reads the text)
package main

import (
	_ "expvar"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync"
)

func init() {
	rate := 4096
	if s := os.Getenv("HEAPSERVE_RATE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fmt.Fprintln(os.Stderr, "heapserve: HEAPSERVE_RATE must be a number >= 0")
			os.Exit(2)
		}
		rate = n
	}
	runtime.MemProfileRate = rate
	resample()
}

// resample makes the new rate count from the first allocation on.  Each
// P's cache holds the bytes left until its next sample, drawn at the rate
// in force when the cache was made (512 KiB, the default, before any init
// runs), so a few hundred KiB on each P would still be sampled at that
// rate, and a site could be missing from the profile.  With one P left,
// the other Ps' caches are freed (and made again, at the new rate, when
// the Ps come back); P0 keeps its cache, so one allocation under rate 1
// makes it draw again at once.  What that costs: one 64-byte sample of
// main.resample in alloc_*, and P0's first allocation after it sampled
// for certain.
//
//go:noinline
func resample() {
	procs := runtime.GOMAXPROCS(1)
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	churnSink = make([]byte, 64)
	runtime.MemProfileRate = rate
	churnSink = nil
	runtime.GOMAXPROCS(procs)
}

var (
	configSink [][]byte
	storeSink  *Store
	bufferSink [][]byte
	workerSink [4][][]byte
	treeSink   *node
	churnSink  []byte
	panicSink  []byte
)

//go:noinline
func loadConfig() {
	for i := 0; i < 64; i++ {
		configSink = append(configSink, make([]byte, 4096))
	}
}

// Store is a slice-backed key-value store (a map would allocate
// buckets depending on the hash seed).
type Store struct {
	vals [][]byte
}

// Put stores a copy of a value of n bytes.
//
//go:noinline
func (s *Store) Put(n int) {
	s.vals = append(s.vals, make([]byte, n))
}

// newBuffer is small enough to be inlined into fillBuffers.
func newBuffer(n int) []byte {
	return make([]byte, n)
}

//go:noinline
func fillBuffers() {
	for i := 0; i < 32; i++ {
		bufferSink = append(bufferSink, newBuffer(8192))
	}
}

//go:noinline
func worker(id int) {
	for i := 0; i < 16; i++ {
		workerSink[id] = append(workerSink[id], make([]byte, 2048))
	}
}

//go:noinline
func startWorkers() {
	var wg sync.WaitGroup
	for i := range workerSink {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			worker(id)
		}(i)
	}
	wg.Wait()
}

type node struct {
	left, right *node
	payload     []byte
}

func buildTree(depth int) *node {
	n := &node{payload: make([]byte, 512)}
	if depth > 0 {
		n.left = buildTree(depth - 1)
		n.right = buildTree(depth - 1)
	}
	return n
}

//go:noinline
func churn() {
	for i := 0; i < 1000; i++ {
		churnSink = make([]byte, 1024)
	}
	churnSink = nil
}

//go:noinline
func keepOnPanic() {
	panicSink = make([]byte, 64<<10)
}

//go:noinline
func unwind() {
	defer func() {
		recover()
	}()
	defer keepOnPanic()
	panic("unwinding")
}

//go:noinline
func work() {
	configSink = make([][]byte, 0, 64)
	bufferSink = make([][]byte, 0, 32)
	for i := range workerSink {
		workerSink[i] = make([][]byte, 0, 16)
	}
	loadConfig()
	storeSink = &Store{vals: make([][]byte, 0, 240)}
	for i := 1; i <= 240; i++ {
		storeSink.Put(16 * i)
	}
	fillBuffers()
	startWorkers()
	treeSink = buildTree(6)
	churn()
	unwind()
}

// capture writes dir/heap.txt and dir/heap.pb.gz, the two forms of one
// heap profile, without a server (testdata/gotext/ is made so).
func capture(dir string) error {
	for _, c := range []struct {
		name  string
		debug int
	}{{"heap.txt", 1}, {"heap.pb.gz", 0}} {
		f, err := os.Create(filepath.Join(dir, c.name))
		if err != nil {
			return err
		}
		if err := pprof.Lookup("heap").WriteTo(f, c.debug); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	dir := flag.String("capture", "", "write DIR/heap.txt and DIR/heap.pb.gz and exit, instead of serving")
	flag.Parse()
	work()
	runtime.GC()
	runtime.GC()
	debug.SetGCPercent(-1)
	if *dir != "" {
		if err := capture(*dir); err != nil {
			fmt.Fprintln(os.Stderr, "heapserve:", err)
			os.Exit(1)
		}
		return
	}

	http.HandleFunc("/gc", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		runtime.GC()
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		os.Exit(0)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "heapserve:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	os.Stdout.Sync()
	err = http.Serve(ln, nil)
	fmt.Fprintln(os.Stderr, "heapserve:", err)
	os.Exit(1)
}
