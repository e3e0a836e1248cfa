#!/usr/bin/env bash
# Benchmark of the native (C, C++) heap profiles (issue #18): heapdiff top
# against go tool pprof -top on one tcmalloc dump of STACKS distinct stacks
# of a program with about 50 MB of DWARF, each reading the same binary.
#
#   tests/bench/native.sh [HEAPDIFF [RUNS]]     (STACKS=100000, FILES=40)
#
# The program is written by native-gen.py (FILES translation units of 240
# functions, each inlining a chain of twelve helpers), built with -g -O1,
# and run under Debian's libtcmalloc, whose HeapProfilerDump writes the
# dump (go tool pprof 1.19 reads tcmalloc's dumps, not jemalloc's).  Cached
# under $HEAPDIFF_BENCH_DIR/native (default /tmp/heapdiff-bench/native):
# the build takes minutes of CPU once.  Prints a Markdown table of the
# median CPU time (user + sys) of RUNS runs of heapdiff, one run of pprof
# (it is slow), their peak RSS and the ratio; the target is heapdiff at
# most a fifth of pprof's time.  Exit 77 (SKIP) without a compiler,
# tcmalloc, go or /usr/bin/time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HEAPDIFF=${1:-$root/build/cmd/heapdiff}
RUNS=${2:-3}
STACKS=${STACKS:-100000}
FILES=${FILES:-40}
DIR=${HEAPDIFF_BENCH_DIR:-${TMPDIR:-/tmp}/heapdiff-bench}/native-$FILES-$STACKS
TIME=/usr/bin/time
lib=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
tc=$lib/libtcmalloc.so.4
[ -x "$TIME" ] || { echo "SKIP: /usr/bin/time not found"; exit 77; }
command -v cc >/dev/null || { echo "SKIP: no C compiler"; exit 77; }
command -v go >/dev/null || { echo "SKIP: go not found (the oracle of speed)"; exit 77; }
[ -e "$tc" ] || { echo "SKIP: $tc not found (libgoogle-perftools4)"; exit 77; }

if [ ! -s "$DIR/bench.0001.heap" ]; then
	echo "building the program ($FILES units) and its dump in $DIR ..." >&2
	rm -rf "$DIR"
	mkdir -p "$DIR/src"
	python3 "$here/native-gen.py" "$DIR/src" "$FILES" 240
	(cd "$DIR/src" && ls ./*.c | xargs -P 2 -n 1 nice -n 10 cc -g -O1 -c)
	cc -g -o "$DIR/bench" "$DIR"/src/*.o -ldl
	(cd "$DIR" && HEAPPROFILE=$DIR/bench LD_PRELOAD=$tc ./bench "$STACKS" 2>/dev/null)
	[ -s "$DIR/bench.0001.heap" ] || { echo "FAIL: no dump written"; exit 1; }
fi
bin=$DIR/bench
dump=$DIR/bench.0001.heap
dwarf=$(size -A "$bin" | awk '/^\.debug/ {s += $2} END {printf "%.0f", s / 1e6}')
nstacks=$(grep -c '@' "$dump" || true)

# cpu_rss CMD...: "user+sys seconds, peak RSS MB" of one run.
cpu_rss() {
	"$TIME" -f '%U %S %M' -o "$DIR/time.out" "$@" >/dev/null 2>"$DIR/err.out" ||
		{ echo "FAIL: $*: $(tail -3 "$DIR/err.out")" >&2; exit 1; }
	awk '{printf "%.2f %d\n", $1 + $2, $3 / 1024}' "$DIR/time.out"
}

times=
for _ in $(seq "$RUNS"); do
	times="$times$(cpu_rss "$HEAPDIFF" top --top 20 --binary "$bin" "$dump")
"
done
hd=$(printf '%s' "$times" | sort -n | awk '{a[NR] = $0} END {print a[int((NR + 1) / 2)]}')
pp=$(cpu_rss go tool pprof -top -nodecount=20 "$bin" "$dump")
set -- $hd $pp
echo "| command ($nstacks stacks, $dwarf MB of DWARF) | CPU | peak RSS |"
echo "| --- | ---: | ---: |"
echo "| heapdiff top --binary (median of $RUNS) | $1 s | $2 MB |"
echo "| go tool pprof -top | $3 s | $4 MB |"
awk -v h="$1" -v p="$3" 'BEGIN {
	r = h > 0 ? p / h : 0
	printf "| (heapdiff %.1fx faster; the target is 5x) | | |\n", r
	exit !(r >= 5)
}'
