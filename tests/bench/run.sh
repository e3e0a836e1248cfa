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
# Prints a Markdown table: the median CPU time (user + sys: the steadier
# measure on a shared 2-core machine) of at least RUNS runs and at least
# MIN_SECONDS of CPU (default 9 and 2), its quartiles, its ratio to the
# reference run beside it (the median of the ratios of each run to the
# reference run just before it), peak RSS and its ratio to the
# decompressed bytes.  With valgrind, the call paths' share is also
# given in instructions (callgrind), which do not move between runs.  tests/bench/measure.c (compiled here with cc) times each run
# with wait4()'s rusage in microseconds and alternates each command with
# its reference (gzip -dc of the same files; the text report for the
# formats; five 200k diffs for the 1M one), so that a slower minute of the
# machine falls on both sides of a ratio.
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
RUNS=${2:-9}
MIN_SECONDS=${MIN_SECONDS:-2}
DIR=${HEAPDIFF_BENCH_DIR:-${TMPDIR:-/tmp}/heapdiff-bench}
TREND_N=${TREND_N:-50}
LARGE=$root/testdata/public/pprof/large.cpu.pb.gz
[ -f "$LARGE" ] || { echo "FAIL: $LARGE is missing (it is in the repository)"; exit 1; }
command -v go >/dev/null || { echo "SKIP: go not found (needed to generate profiles)"; exit 77; }
command -v cc >/dev/null || { echo "SKIP: no C compiler for tests/bench/measure.c"; exit 77; }
mkdir -p "$DIR"
MEASURE=$DIR/measure
if [ ! -x "$MEASURE" ] || [ "$here/measure.c" -nt "$MEASURE" ]; then
	cc -O2 -o "$MEASURE.tmp" "$here/measure.c" && mv "$MEASURE.tmp" "$MEASURE"
fi

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

# measure BASE CMD...: sets M (CMD's median), P25, P75, RSS and BM,
# BP25, BP75, BRSS (BASE's), and R, the median of the ratios of each CMD
# run to the BASE run beside it, CMD run alternately with the shell
# command BASE ("-": none).
measure() {
	local base=$1 n; shift
	read -r M P25 P75 RSS BM BP25 BP75 BRSS n R _ < <("$MEASURE" "$RUNS" "$MIN_SECONDS" "$base" -- "$@")
}

# icount CMD...: the instructions CMD executes, counted by callgrind
# (empty without valgrind): a share of a few percent is below what the
# times on this machine can resolve, the instruction count is exact.
icount() {
	command -v valgrind >/dev/null || return 0
	valgrind --tool=callgrind --callgrind-out-file="$DIR/callgrind.out" "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : //p'
	rm -f "$DIR/callgrind.out"
}

# share A B: (A - B) / A in percent, one decimal
share() { printf '%.1f' "$(echo "($1 - $2) * 100 / $1" | bc -l)"; }

# x A B: A / B, two decimals
x() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# row NAME CPU P25 P75 RSS_KB RATIO RAW_BYTES [NOTE]
row() {
	printf '| %s | %.3f s | %.3f–%.3f | %.2fx | %d MB | %.1fx |%s\n' "$1" "$2" "$3" "$4" \
		"$6" "$(($5 / 1024))" "$(echo "$5 * 1024 / $7" | bc -l)" "${8:+ $8}"
}

echo "| command | CPU (median) | quartiles | vs gzip -dc | peak RSS | vs decompressed | |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
sizes="20000 200000 1000000"
[ "${BENCH_QUICK:-0}" = 1 ] && sizes=200000
for shape in wide deep; do
	for stacks in $sizes; do
		d=$(profiles "$shape" "$stacks" 2)
		A=$d/big-00.pb.gz B=$d/big-01.pb.gz
		G="gzip -dc '$A' '$B' >/dev/null"
		raw=$( (gzip -dc "$A"; gzip -dc "$B") | wc -c)
		tag="$shape, $((stacks / 1000))k stacks"
		measure "$G" "$HEAPDIFF" diff "$A" "$B"
		cd=$M cg=$BM
		row "gzip -dc ($tag, $((raw / 1000000)) MB)" "$BM" "$BP25" "$BP75" "$BRSS" 1 "$raw"
		row "heapdiff diff ($tag)" "$M" "$P25" "$P75" "$RSS" "$R" "$raw"
		if [ "$stacks" = 200000 ]; then
			A200=$A B200=$B
			for o in "--sort delta-cum" "--sort flat" "--sort cum" "--sort pct" \
				"--ref-chain-depth 16"; do
				# shellcheck disable=SC2086
				measure "$G" "$HEAPDIFF" diff $o "$A" "$B"
				row "diff $o" "$M" "$P25" "$P75" "$RSS" "$R" "$raw"
			done
			# The rows below are timed beside the default diff (the
			# ratio in the note); their gzip -dc ratio is to the
			# default row's gzip -dc.
			T="'$HEAPDIFF' diff '$A' '$B' >/dev/null"
			# Three times the runs: the share is a few percent, a
			# difference of two times that each move by a fifth.
			RUNS=$((RUNS * 3)) MIN_SECONDS=$((MIN_SECONDS * 3)) \
				measure "$T" "$HEAPDIFF" diff --ref-chain-depth 0 "$A" "$B"
			note="call paths: $(printf '%.0f' "$(echo "(1 - $R) * 100" | bc -l)")% of the diff"
			i3=$(icount "$HEAPDIFF" diff "$A" "$B")
			i16=$(icount "$HEAPDIFF" diff --ref-chain-depth 16 "$A" "$B")
			i0=$(icount "$HEAPDIFF" diff --ref-chain-depth 0 "$A" "$B")
			[ -n "$i0" ] && note="$note; of its instructions $(share "$i3" "$i0")% (depth 16: $(share "$i16" "$i0")%)"
			row "diff --ref-chain-depth 0" "$M" "$P25" "$P75" "$RSS" "$(x "$M" "$cg")" "$raw" "$note"
			for fmt in markdown json folded svg; do
				measure "$T" "$HEAPDIFF" diff --format "$fmt" "$A" "$B"
				row "diff --format $fmt" "$M" "$P25" "$P75" "$RSS" "$(x "$M" "$cg")" "$raw" \
					"$(printf '%.2f' "$R")x the text report"
			done
			if [ "${BENCH_PPROF:-1}" != 0 ]; then
				"$MEASURE" 1 0 - -- go tool pprof -top -diff_base "$A" "$B" >"$DIR/pprof.out"
				read -r M P25 P75 RSS _ < "$DIR/pprof.out"
				row "go tool pprof -top -diff_base" "$M" "$P25" "$P75" "$RSS" "$(x "$M" "$cg")" "$raw" \
					"heapdiff diff $(printf '%.0f' "$(echo "$M / $cd" | bc -l)")x faster"
			fi
		fi
		if [ "$stacks" = 1000000 ]; then
			# Beside five 200k diffs in a row: one run of 0.2 s moves
			# by a fifth, and alone it made the ratio's noise.
			measure "for i in 1 2 3 4 5; do '$HEAPDIFF' diff '$A200' '$B200' >/dev/null; done" \
				"$HEAPDIFF" diff "$A" "$B"
			echo "| (1M stacks: $(printf '%.2f' "$(echo "$R * 5" | bc -l)")x the 200k diff, timed beside five of them) | | | | | | |"
		fi
	done
	# Trend over 2, 10 and TREND_N profiles of 200 000 stacks.
	d=$(profiles "$shape" 200000 "$TREND_N")
	for n in $(printf '%s\n' 2 10 "$TREND_N" | sort -nu); do
		[ "$n" -le "$TREND_N" ] || continue
		files=$(for i in $(seq 0 $((n - 1))); do printf '%s/big-%02d.pb.gz ' "$d" "$i"; done)
		# shellcheck disable=SC2086
		raw=$(gzip -dc $files | wc -c)
		# shellcheck disable=SC2086
		measure "gzip -dc $files >/dev/null" "$HEAPDIFF" trend $files
		row "heapdiff trend, $n profiles ($shape, gzip -dc $(printf '%.2f' "$BM") s)" \
			"$M" "$P25" "$P75" "$RSS" "$R" "$raw"
	done
done
measure "gzip -dc '$LARGE' >/dev/null" "$HEAPDIFF" top "$LARGE"
row "heapdiff top large.cpu.pb.gz" "$M" "$P25" "$P75" "$RSS" "$R" "$(gzip -dc "$LARGE" | wc -c)"
