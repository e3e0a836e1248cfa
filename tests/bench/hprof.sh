#!/usr/bin/env bash
# Benchmark: heapdiff top on a Java heap dump of about 15 million objects
# and 1 GB (issue #21), written by tests/bench/hprof-gen.java on a JDK
# (generated on demand, cached in $HEAPDIFF_BENCH_HPROF_DIR, default
# /tmp/heapdiff-bench-hprof).
#
#   tests/bench/hprof.sh [HEAPDIFF [NODES]]     (NODES: 5000000, 3 objects each)
#
# Prints a Markdown table: wall and CPU time (user + sys) of one run of
# heapdiff top (reading, the dominator tree, the reference chains, the
# report), MB/s and objects/s of the dump per CPU second (the steadier
# measure on a shared 2-core machine), peak RSS and its ratio to the
# dump's size.  The targets: under 20 s, peak RSS at most the dump's size.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HEAPDIFF=${1:-$root/build/cmd/heapdiff}
NODES=${2:-5000000}
DIR=${HEAPDIFF_BENCH_HPROF_DIR:-${TMPDIR:-/tmp}/heapdiff-bench-hprof}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "SKIP: /usr/bin/time not found (apt-get install time)"; exit 77; }
dump=$DIR/bench-$NODES.hprof
if [ ! -f "$dump" ]; then
	command -v java >/dev/null || { echo "SKIP: no java (apt-get install openjdk-17-jdk-headless)"; exit 77; }
	mkdir -p "$DIR"
	echo "generating $dump ..." >&2
	rm -f "$DIR/partial.hprof"
	java -Xmx3g -XX:+UseSerialGC "$here/hprof-gen.java" "$DIR/partial.hprof" "$NODES" >&2
	mv "$DIR/partial.hprof" "$dump"
fi
bytes=$(stat -c %s "$dump")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$TIME" -f '%e %U %S %M' -o "$log" "$HEAPDIFF" top --sample-index inuse_objects --top 5 "$dump" > "$log.out" ||
	{ echo "FAIL: heapdiff top exited $?"; cat "$log.out"; exit 1; }
objects=$(sed -n 's/^Total: \([0-9]*\).*/\1/p' "$log.out")
rm -f "$log.out"
read -r wall user sys rss < "$log"
awk -v b="$bytes" -v o="$objects" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN {
	mb = b / 1e6; ratio = r * 1024 / b
	c = u + s
	printf "| dump | objects | wall | CPU (user + sys) | MB/s | objects/s | peak RSS | RSS / dump |\n"
	printf "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
	printf "| %.0f MB | %.1f M | %.1f s | %.1f s (%.1f + %.1f) | %.0f | %.2f M | %.0f MB | %.2fx |\n",
		mb, o / 1e6, w, c, u, s, mb / c, o / 1e6 / c, r / 1024, ratio
	printf "MB/s and objects/s of CPU time (wall time on a shared machine measures its load)\n"
	printf "targets: < 20 s (%s), RSS <= 1x the dump (%s)\n", c < 20 ? "met" : "missed",
		ratio <= 1 ? "met" : "missed"
}'
