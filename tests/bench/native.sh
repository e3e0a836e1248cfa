#!/usr/bin/env bash
# Benchmark of the native (C, C++) heap profiles (issue #18): heapdiff top
# against go tool pprof -top on one dump of STACKS distinct stacks of a
# program with about 50 MB of DWARF, each reading the same binary.
#
#   tests/bench/native.sh [HEAPDIFF [RUNS]]     (STACKS=100000, FILES=40)
#
# The program is written by native-gen.py (FILES translation units of 240
# functions, each inlining a chain of twelve helpers), built with -g -O1,
# and run under Debian's libjemalloc with every allocation sampled, which
# writes a heap_v2 dump of STACKS stacks.  go tool pprof 1.19 does not read
# heap_v2, and tcmalloc cannot write such a dump (HeapProfilerDump stops at
# 1 MiB, about 2 800 of these stacks), so the same records and memory map
# are rewritten in gperftools' text format ("heap profile: ... @
# heapprofile", the grammar is the same), which both tools read: one file,
# the real process's addresses.  heapdiff also runs on the heap_v2 dump.
# Cached under $HEAPDIFF_BENCH_DIR/native-FILES-STACKS (default under
# /tmp/heapdiff-bench): the build takes minutes of CPU once.  Prints a
# Markdown table of the median CPU time (user + sys) of RUNS runs of
# heapdiff, one run of pprof (it is slow), their peak RSS and the ratio;
# the target is heapdiff at most a fifth of pprof's time (exit 1 when
# not met).  Exit 77 (SKIP) without a compiler, jemalloc, go or
# /usr/bin/time.
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
je=$lib/libjemalloc.so.2
[ -x "$TIME" ] || { echo "SKIP: /usr/bin/time not found"; exit 77; }
command -v cc >/dev/null || { echo "SKIP: no C compiler"; exit 77; }
command -v go >/dev/null || { echo "SKIP: go not found (the oracle of speed)"; exit 77; }
[ -e "$je" ] || { echo "SKIP: $je not found (libjemalloc2)"; exit 77; }

if [ ! -s "$DIR/bench.tc.heap" ]; then
	echo "building the program ($FILES units) and its dump in $DIR ..." >&2
	mkdir -p "$DIR/src"
	python3 "$here/native-gen.py" "$DIR/src" "$FILES" 240
	# the units are the slow part: kept when they are there
	(cd "$DIR/src" && for c in ./*.c; do [ -s "${c%.c}.o" ] || echo "$c"; done |
		xargs -r -P 2 -n 1 nice -n 10 cc -g -O1 -c)
	cc -g -O1 -c -o "$DIR/src/main.o" "$DIR/src/main.c"
	cc -g -o "$DIR/bench" "$DIR"/src/*.o -ldl
	(cd "$DIR" && rm -f bench.heap &&
		MALLOC_CONF=prof:true,lg_prof_sample:0 LD_PRELOAD=$je ./bench "$STACKS")
	[ -s "$DIR/bench.heap" ] || { echo "FAIL: no dump written"; exit 1; }
	# heap_v2 -> gperftools: each "@" line after its "t*:" counts, the
	# header's totals from the first "t*:", thread lines dropped
	awk 'NR == 1 { next }
	     /^MAPPED_LIBRARIES:/ { maps = 1 }
	     maps { print; next }
	     /^ *t\*:/ { split($0, v, /[^0-9]+/)
	              rec = sprintf("%d: %d [%d: %d]", v[2], v[3], v[4], v[5])
	              if (!head) { print "heap profile: " rec " @ heapprofile"; head = 1 }
	              else print rec " @" stk
	              next }
	     /^@/ { stk = substr($0, 2) }' "$DIR/bench.heap" > "$DIR/bench.tc.heap"
fi
bin=$DIR/bench
dump=$DIR/bench.tc.heap
dwarf=$(size -A "$bin" | awk '/^\.debug/ {s += $2} END {printf "%.0f", s / 1e6}')
nstacks=$(grep -c ' @ 0x' "$dump" || true)

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
je_run=$(cpu_rss "$HEAPDIFF" top --top 20 --binary "$bin" "$DIR/bench.heap")
pp=$(cpu_rss go tool pprof -top -nodecount=20 "$bin" "$dump")
set -- $hd $pp $je_run
echo "| command ($nstacks stacks, $dwarf MB of DWARF) | CPU | peak RSS |"
echo "| --- | ---: | ---: |"
echo "| heapdiff top --binary (median of $RUNS) | $1 s | $2 MB |"
echo "| go tool pprof -top | $3 s | $4 MB |"
echo "| heapdiff top --binary, the heap_v2 dump itself (one run) | $5 s | $6 MB |"
awk -v h="$1" -v p="$3" 'BEGIN {
	r = h > 0 ? p / h : 0
	printf "| (heapdiff %.1fx faster; the target is 5x) | | |\n", r
	exit !(r >= 5)
}'
