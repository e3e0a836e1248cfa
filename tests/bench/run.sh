#!/usr/bin/env bash
# Benchmark: heapdiff against gzip -dc and go tool pprof, on real Go heap
# profiles of two shapes written by testdata/gen/bigprof (generated on
# demand, cached under $HEAPDIFF_BENCH_DIR, default /tmp/heapdiff-bench):
#
#   wide  2000 distinct functions, stacks 10..26 deep along random paths
#   deep  48 functions calling each other along random paths: recursion
#         everywhere, every stack through the same few functions (the
#         shape of interpreters, parsers, tree walks)
#
#   tests/bench/run.sh [HEAPDIFF [RUNS]]      (BENCH_QUICK=1: 200k rows only)
#
# Prints a Markdown table: median CPU time (user + sys: the steadier
# measure on a shared 2-core machine) of RUNS runs, its ratio to gzip -dc
# of the same files, peak RSS and its ratio to the decompressed bytes.
# The targets (issue #16): a diff of any 200 000-stack pair, with every
# --sort, <= 1.5x gzip -dc and RSS <= 3x the decompressed size; folded
# and svg <= 2x the text report; 1M stacks <= 5.5x the 200k time; trend
# over 50 profiles <= 1.5x gzip -dc of the 50; go tool pprof >= 100x
# slower.  go tool pprof runs once per shape (it is slow) when go is
# installed and BENCH_PPROF is not 0.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
HEAPDIFF=${1:-$root/build/cmd/heapdiff}
RUNS=${2:-5}
DIR=${HEAPDIFF_BENCH_DIR:-${TMPDIR:-/tmp}/heapdiff-bench}
TREND_N=${TREND_N:-50}
LARGE=$root/testdata/public/pprof/large.cpu.pb.gz
TIME=/usr/bin/time
[ -f "$LARGE" ] || { echo "FAIL: $LARGE is missing (it is in the repository)"; exit 1; }
[ -x "$TIME" ] || { echo "SKIP: /usr/bin/time not found (apt-get install time)"; exit 77; }
command -v go >/dev/null || { echo "SKIP: go not found (needed to generate profiles)"; exit 77; }

# profiles SHAPE STACKS VERSIONS: the directory, generated when missing.
profiles() {
	local funcs=2000 d=$DIR/$1-$2-$3
	[ "$1" = deep ] && funcs=48
	if [ ! -f "$(printf '%s/big-%02d.pb.gz' "$d" $(($3 - 1)))" ]; then
		echo "generating $3 $1 profiles of $2 stacks in $d ..." >&2
		FUNCS=$funcs BIGPROF_WORK=$DIR/work-$1 \
			"$root/testdata/gen/bigprof/run.sh" "$2" "$3" "$d" >/dev/null
	fi
	echo "$d"
}

# measure N CMD...: "cpu maxrss_kb", the median CPU of N runs, the max RSS
measure() {
	local n=$1; shift
	local cpus=() rss=0 i u s r
	for i in $(seq "$n"); do
		read -r u s r < <("$TIME" -f "%U %S %M" "$@" 2>&1 >/dev/null | tail -1)
		cpus+=("$(echo "$u + $s" | bc -l)")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	printf '%s\n' "${cpus[@]}" | sort -g | awk -v rss="$rss" '{a[NR]=$1} END {print a[int((NR+1)/2)], rss}'
}

# row NAME CPU RSS_KB BASE_CPU RAW_BYTES [NOTE]
row() {
	printf '| %s | %.2f s | %.2fx | %d MB | %.1fx |%s\n' "$1" "$2" \
		"$(echo "$2 / $4" | bc -l)" "$(($3 / 1024))" \
		"$(echo "$3 * 1024 / $5" | bc -l)" "${6:+ $6}"
}

echo "| command | CPU (median of $RUNS) | vs gzip -dc | peak RSS | vs decompressed |"
echo "| --- | ---: | ---: | ---: | ---: |"
sizes="20000 200000 1000000"
[ "${BENCH_QUICK:-0}" = 1 ] && sizes=200000
for shape in wide deep; do
	for stacks in $sizes; do
		d=$(profiles "$shape" "$stacks" 2)
		A=$d/big-00.pb.gz B=$d/big-01.pb.gz
		raw=$( (gzip -dc "$A"; gzip -dc "$B") | wc -c)
		read -r cg rg < <(measure "$RUNS" sh -c "gzip -dc '$A' '$B'")
		tag="$shape, $((stacks / 1000))k stacks"
		row "gzip -dc ($tag, $((raw / 1000000)) MB)" "$cg" "$rg" "$cg" "$raw"
		read -r cd rd < <(measure "$RUNS" "$HEAPDIFF" diff "$A" "$B")
		row "heapdiff diff ($tag)" "$cd" "$rd" "$cg" "$raw"
		if [ "$stacks" = 200000 ]; then
			t200=$cd
			for sort in delta-cum flat cum pct; do
				read -r c r < <(measure "$RUNS" "$HEAPDIFF" diff --sort "$sort" "$A" "$B")
				row "diff --sort $sort" "$c" "$r" "$cg" "$raw"
			done
			read -r c r < <(measure "$RUNS" "$HEAPDIFF" diff --ref-chain-depth 0 "$A" "$B")
			row "diff --ref-chain-depth 0" "$c" "$r" "$cg" "$raw" \
				"(call paths: $(printf '%.0f' "$(echo "($cd - $c) * 100 / $cd" | bc -l)")% of the diff)"
			read -r c r < <(measure "$RUNS" "$HEAPDIFF" diff --ref-chain-depth 16 "$A" "$B")
			row "diff --ref-chain-depth 16" "$c" "$r" "$cg" "$raw"
			for fmt in markdown json folded svg; do
				read -r c r < <(measure "$RUNS" "$HEAPDIFF" diff --format "$fmt" "$A" "$B")
				row "diff --format $fmt" "$c" "$r" "$cg" "$raw" \
					"($(printf '%.1f' "$(echo "$c / $cd" | bc -l)")x text)"
			done
			if [ "${BENCH_PPROF:-1}" != 0 ]; then
				read -r c r < <(measure 1 go tool pprof -top -diff_base "$A" "$B")
				row "go tool pprof -top -diff_base" "$c" "$r" "$cg" "$raw" \
					"(heapdiff diff $(printf '%.0f' "$(echo "$c / $cd" | bc -l)")x faster)"
			fi
		fi
		if [ "$stacks" = 1000000 ]; then
			echo "| (1M stacks: $(printf '%.1f' "$(echo "$cd / $t200" | bc -l)")x the 200k diff) | | | | |"
		fi
	done
	# Trend over 2, 10 and TREND_N profiles of 200 000 stacks.
	d=$(profiles "$shape" 200000 "$TREND_N")
	for n in 2 10 "$TREND_N"; do
		files=$(for i in $(seq 0 $((n - 1))); do printf '%s/big-%02d.pb.gz ' "$d" "$i"; done)
		# shellcheck disable=SC2086
		raw=$(gzip -dc $files | wc -c)
		read -r cg rg < <(measure "$RUNS" sh -c "gzip -dc $files")
		# shellcheck disable=SC2086
		read -r c r < <(measure "$RUNS" "$HEAPDIFF" trend $files)
		row "heapdiff trend, $n profiles ($shape, gzip -dc $(printf '%.2f' "$cg") s)" "$c" "$r" "$cg" "$raw"
	done
done
read -r c r < <(measure "$RUNS" "$HEAPDIFF" top "$LARGE")
row "heapdiff top large.cpu.pb.gz" "$c" "$r" "$c" "$(gzip -dc "$LARGE" | wc -c)"
