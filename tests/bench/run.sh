#!/usr/bin/env bash
# Benchmark: heapdiff against gzip -dc and go tool pprof on large Go heap
# profiles written by testdata/gen/bigprof (generated on demand, cached).
#
#   tests/bench/run.sh [HEAPDIFF [STACKS [RUNS]]]
#
# Prints a Markdown table: median wall time of RUNS runs, ratio to
# gzip -dc of the same files, and peak RSS (from /usr/bin/time).
# go tool pprof runs once (it is slow), and only when go is installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HEAPDIFF=${1:-$root/build/cmd/heapdiff}
STACKS=${2:-200000}
RUNS=${3:-5}
OUT=${HEAPDIFF_BENCH_DIR:-${TMPDIR:-/tmp}/heapdiff-bench-$STACKS}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "SKIP: /usr/bin/time not found (apt-get install time)"; exit 77; }
command -v go >/dev/null || { echo "SKIP: go not found (needed to generate profiles)"; exit 77; }

if [ ! -f "$OUT/big-01.pb.gz" ]; then
	echo "generating two profiles of $STACKS stacks in $OUT ..." >&2
	"$root/testdata/gen/bigprof/run.sh" "$STACKS" 2 "$OUT" >&2
fi
A=$OUT/big-00.pb.gz
B=$OUT/big-01.pb.gz
raw=$( (gzip -dc "$A"; gzip -dc "$B") | wc -c)

# median_of CMD...: prints "seconds maxrss_kb" (median time, max RSS)
measure() {
	local n=$1; shift
	local times=() rss=0 i t r
	for i in $(seq "$n"); do
		read -r t r < <("$TIME" -f "%e %M" "$@" 2>&1 >/dev/null | tail -1)
		times+=("$t")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	t=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	echo "$t $rss"
}

read -r tg rg < <(measure "$RUNS" sh -c "gzip -dc '$A' '$B'")
read -r td rd < <(measure "$RUNS" "$HEAPDIFF" diff "$A" "$B" --top 20)

echo "| command | time (median of $RUNS) | vs gzip -dc | peak RSS |"
echo "| --- | ---: | ---: | ---: |"
printf '| gzip -dc (both, %s MB decompressed) | %.2f s | 1.0x | %d MB |\n' "$((raw / 1000000))" "$tg" "$((rg / 1024))"
printf '| heapdiff diff | %.2f s | %.1fx | %d MB (%.1fx the decompressed size) |\n' "$td" \
	"$(echo "$td / $tg" | bc -l)" "$((rd / 1024))" "$(echo "$rd * 1024 / $raw" | bc -l)"
if command -v go >/dev/null && [ "${BENCH_PPROF:-1}" = 1 ]; then
	read -r tp rp < <(measure 1 go tool pprof -top -diff_base "$A" "$B")
	printf '| go tool pprof -top -diff_base | %.2f s | %.1fx | %d MB |\n' "$tp" \
		"$(echo "$tp / $tg" | bc -l)" "$((rp / 1024))"
fi
