#!/usr/bin/env bash
# Benchmark: heapdiff against gzip -dc and go tool pprof on large Go heap
# profiles written by testdata/gen/bigprof (generated on demand, cached).
#
#   tests/bench/run.sh [HEAPDIFF [STACKS [RUNS]]]
#
# Prints a Markdown table: median wall time of RUNS runs, the median CPU
# time (user + sys; on a shared machine the steadier of the two), the
# ratio to gzip -dc of the same files, and peak RSS (from /usr/bin/time).
# Rows: the diff of two profiles (issue #8's targets: <= 2x gzip -dc,
# >= 50x faster than pprof, RSS <= 3x the decompressed size), trend over
# 2 and over TREND_N (default 20) profiles (20 <= 12x the time of 2;
# memory with the union of stacks), and top of pprof's large.cpu
# (testdata/public/pprof; < 100 ms).  go tool pprof runs once (it is slow), when go is
# installed and BENCH_PPROF is not 0.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HEAPDIFF=${1:-$root/build/cmd/heapdiff}
STACKS=${2:-200000}
RUNS=${3:-5}
TREND_N=${TREND_N:-20}
OUT=${HEAPDIFF_BENCH_DIR:-${TMPDIR:-/tmp}/heapdiff-bench-$STACKS}
LARGE=$root/testdata/public/pprof/large.cpu.pb.gz
[ -f "$LARGE" ] || { echo "FAIL: $LARGE is missing (it is in the repository)"; exit 1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "SKIP: /usr/bin/time not found (apt-get install time)"; exit 77; }
command -v go >/dev/null || { echo "SKIP: go not found (needed to generate profiles)"; exit 77; }

last=$(printf '%s/big-%02d.pb.gz' "$OUT" $((TREND_N - 1)))
if [ ! -f "$last" ]; then
	echo "generating $TREND_N profiles of $STACKS stacks in $OUT ..." >&2
	"$root/testdata/gen/bigprof/run.sh" "$STACKS" "$TREND_N" "$OUT" >&2
fi
A=$OUT/big-00.pb.gz
B=$OUT/big-01.pb.gz
SERIES=$(for i in $(seq 0 $((TREND_N - 1))); do printf '%s/big-%02d.pb.gz ' "$OUT" "$i"; done)
raw=$( (gzip -dc "$A"; gzip -dc "$B") | wc -c)

# measure N CMD...: prints "wall cpu maxrss_kb" (medians of N runs, max RSS)
measure() {
	local n=$1; shift
	local walls=() cpus=() rss=0 i w u s r
	for i in $(seq "$n"); do
		read -r w u s r < <("$TIME" -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1)
		walls+=("$w")
		cpus+=("$(echo "$u + $s" | bc -l)")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
	echo "$(med "${walls[@]}") $(med "${cpus[@]}") $rss"
}

row() { # NAME WALL CPU RSS_KB NOTE
	printf '| %s | %.2f s | %.2f s | %.1fx | %d MB%s |\n' "$1" "$2" "$3" \
		"$(echo "$2 / $tg" | bc -l)" "$(($4 / 1024))" "$5"
}

read -r tg cg rg < <(measure "$RUNS" sh -c "gzip -dc '$A' '$B'")
read -r td cd rd < <(measure "$RUNS" "$HEAPDIFF" diff "$A" "$B" --top 20)
read -r t2 c2 r2 < <(measure "$RUNS" "$HEAPDIFF" trend "$A" "$B" --top 20)
# shellcheck disable=SC2086
read -r tn cn rn < <(measure "$RUNS" "$HEAPDIFF" trend $SERIES --top 20)

echo "| command | wall (median of $RUNS) | CPU | vs gzip -dc | peak RSS |"
echo "| --- | ---: | ---: | ---: | ---: |"
row "gzip -dc (both, $((raw / 1000000)) MB decompressed)" "$tg" "$cg" "$rg" ""
row "heapdiff diff" "$td" "$cd" "$rd" " ($(printf '%.1f' "$(echo "$rd * 1024 / $raw" | bc -l)")x the decompressed size)"
row "heapdiff trend, 2 profiles" "$t2" "$c2" "$r2" ""
row "heapdiff trend, $TREND_N profiles" "$tn" "$cn" "$rn" \
	" ($(printf '%.1f' "$(echo "$tn / $t2" | bc -l)")x the time of 2)"
read -r tl cl rl < <(measure "$RUNS" "$HEAPDIFF" top "$LARGE")
row "heapdiff top large.cpu.pb.gz" "$tl" "$cl" "$rl" ""
if [ "${BENCH_PPROF:-1}" != 0 ]; then
	read -r tp cp rp < <(measure 1 go tool pprof -top -diff_base "$A" "$B")
	row "go tool pprof -top -diff_base" "$tp" "$cp" "$rp" \
		" (heapdiff diff $(printf '%.0f' "$(echo "$tp / $td" | bc -l)")x faster)"
fi
