package benchmod

import (
	"os"
	"testing"
	"time"
)

var sink []byte

// BenchmarkEncode allocates exactly one Encode per iteration.
//
// BENCHMOD_OP_DELAY (a time.Duration, e.g. 1ms) sleeps that long after each
// op, allocating nothing: tests/ci-recipe.sh uses it to stand for a slower
// runner, to show that an adaptive b.N follows the speed of the machine.
func BenchmarkEncode(b *testing.B) {
	var delay time.Duration
	if s := os.Getenv("BENCHMOD_OP_DELAY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("BENCHMOD_OP_DELAY: %v", err)
		}
		delay = d
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sink = Encode(uint64(i))
		if delay > 0 {
			time.Sleep(delay)
		}
	}
}
