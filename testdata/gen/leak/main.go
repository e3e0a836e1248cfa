// Command leak simulates a long-running service and writes a series of heap
// profiles of ONE process: leak-00.pb.gz .. leak-05.pb.gz (six snapshots,
// taken in order, with a short sleep between them so that the profiles'
// time_nanos increase).
//
// Every allocation is sampled (runtime.MemProfileRate = 1) and everything
// that should be "in use" is kept alive in package-level variables.
//
// What happens before snapshot k (k = 0..5):
//
//	main.loadConfig     allocates 256 KiB once, before snapshot 0, and
//	                    keeps it: STABLE (256 KiB in use in every snapshot).
//	main.leakyHandler   every step appends two 32 KiB chunks to a global
//	                    slice and never removes them: LEAK, (k+1)*64 KiB
//	                    in use at snapshot k. It is reached through two
//	                    callers, main.handleLogin and main.handleUpload
//	                    (32 KiB per step each), so the leak has two paths:
//	                      main.leakyHandler <- main.handleLogin  <- main.serveRequests <- main.main
//	                      main.leakyHandler <- main.handleUpload <- main.serveRequests <- main.main
//	main.bufferPoolGet  the pool holds ONE buffer, replaced every step:
//	                    1 MiB at odd snapshots (1, 3, 5), 4 KiB at even
//	                    snapshots (0, 2, 4): FLUCTUATING.
//
// The profile writer itself (runtime/pprof, compress/flate, ...) also
// allocates while writing snapshot k; those allocations are garbage by the
// next snapshot, so they show up in alloc_* of later snapshots but (almost)
// not in inuse_*.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

func init() {
	// Sample every allocation.
	runtime.MemProfileRate = 1
}

const (
	snapshots   = 6
	leakChunk   = 32 << 10 // per caller per step; 32 KiB is a size class
	configSize  = 256 << 10
	bigBuffer   = 1 << 20
	smallBuffer = 4 << 10
)

var (
	config []byte // stable

	// The leak: a global slice that only ever grows. Its backing array is a
	// package-level array, so appending never reallocates and the only
	// allocations charged to main.leakyHandler are the 32 KiB chunks.
	leakStore [2 * snapshots][]byte
	leaked    = leakStore[:0]

	pooled []byte // the fluctuating buffer
)

// loadConfig runs once at start-up and keeps its result forever.
//
//go:noinline
func loadConfig() {
	config = make([]byte, configSize)
}

// leakyHandler caches every request body "for later" and never evicts it.
//
//go:noinline
func leakyHandler(n int) {
	body := make([]byte, n)
	leaked = append(leaked, body)
}

//go:noinline
func handleLogin() {
	leakyHandler(leakChunk)
}

//go:noinline
func handleUpload() {
	leakyHandler(leakChunk)
}

// bufferPoolGet replaces the pool's single buffer; the previous one becomes
// garbage.
//
//go:noinline
func bufferPoolGet(n int) []byte {
	pooled = make([]byte, n)
	return pooled
}

//go:noinline
func serveRequests(step int) {
	handleLogin()
	handleUpload()
	if step%2 == 1 {
		bufferPoolGet(bigBuffer)
	} else {
		bufferPoolGet(smallBuffer)
	}
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
	outDir := flag.String("out", ".", "directory for leak-00.pb.gz .. leak-05.pb.gz")
	interval := flag.Duration("interval", 75*time.Millisecond, "sleep between snapshots")
	flag.Parse()

	loadConfig()
	for step := 0; step < snapshots; step++ {
		if step > 0 {
			time.Sleep(*interval)
		}
		serveRequests(step)
		path := filepath.Join(*outDir, fmt.Sprintf("leak-%02d.pb.gz", step))
		if err := writeHeapProfile(path); err != nil {
			fmt.Fprintln(os.Stderr, "leak:", err)
			os.Exit(1)
		}
	}
	runtime.KeepAlive(config)
	runtime.KeepAlive(pooled)
}
