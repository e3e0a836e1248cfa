#!/bin/sh
# Out of memory at every allocation: each command is run once to count
# its allocations, then again with the N-th and every later allocation
# failing (tests/oom/failmalloc.c), for N across the whole run.  Every
# run must succeed or exit 2 with one line saying "out of memory" and
# nothing on stdout -- never a signal, never exit 1 or a partial report.
# Usage: run.sh HEAPDIFF FAILMALLOC.so SRCROOT
set -u
hd=$1 shim=$2 root=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
td=$root/testdata
fail=0 runs=0

check() { # NAME ARGS...: every allocation point of heapdiff ARGS
	name=$1; shift
	rm -f "$tmp/count"
	HD_FAIL_COUNT=$tmp/count LD_PRELOAD=$shim "$hd" "$@" > /dev/null 2>&1
	total=$(cat "$tmp/count" 2>/dev/null || echo 0)
	if [ "$total" -eq 0 ]; then
		echo "FAIL $name: the shim counted no allocations"; fail=1; return
	fi
	# Every point for short runs; about 400 spread over longer ones,
	# the first 200 always (start-up, the loader, the decoder).
	step=$(( total > 600 ? (total - 200) / 400 : 1 ))
	bad=0 n=1
	while [ "$n" -le "$total" ]; do
		HD_FAIL_AT=$n LD_PRELOAD=$shim "$hd" "$@" > "$tmp/out" 2> "$tmp/err"
		rc=$? runs=$((runs + 1))
		if [ "$rc" -ne 0 ]; then
			lines=$(wc -l < "$tmp/err")
			if [ "$rc" -ne 2 ] || [ -s "$tmp/out" ] || [ "$lines" -ne 1 ] ||
			   ! grep -q 'out of memory' "$tmp/err"; then
				echo "FAIL $name at allocation $n of $total: exit $rc, stdout $(wc -c < "$tmp/out") bytes, stderr: $(head -c 200 "$tmp/err")"
				bad=$((bad + 1)); fail=1
				[ "$bad" -ge 5 ] && break
			fi
		fi
		if [ "$n" -lt 200 ]; then n=$((n + 1)); else n=$((n + step)); fi
	done
	[ "$bad" -eq 0 ] && echo "ok   $name ($total allocations)"
}

check top-text top "$td/cache-v2.pb.gz"
check top-json top --format json "$td/cache-v2.pb.gz"
check diff-text diff "$td/cache-v1.pb.gz" "$td/cache-v2.pb.gz"
check diff-markdown diff --format markdown "$td/cache-v1.pb.gz" "$td/cache-v2.pb.gz"
check diff-json diff --format json "$td/cache-v1.pb.gz" "$td/cache-v2.pb.gz"
check diff-folded diff --format folded "$td/cache-v1.pb.gz" "$td/cache-v2.pb.gz"
check diff-svg diff --format svg "$td/cache-v1.pb.gz" "$td/cache-v2.pb.gz"
check diff-pprof diff --format pprof "$td/cache-v1.pb.gz" "$td/cache-v2.pb.gz"
check diff-normalize-rules diff --normalize --fail-on total:+1% --fail-on inuse_objects/func:+5 \
	"$td/leak-00.pb.gz" "$td/leak-05.pb.gz"
check diff-filters diff --focus main --hide runtime "$td/leak-00.pb.gz" "$td/leak-05.pb.gz"
check trend-text trend "$td"/leak-0*.pb.gz
check trend-json trend --format json "$td"/leak-0*.pb.gz
check trend-markdown trend --format markdown --fail-on leak "$td"/leak-0*.pb.gz
check trend-html trend --format html "$td"/leak-0*.pb.gz
check trend-pprof trend --format pprof "$td"/leak-0*.pb.gz
echo "$runs runs"
exit $fail
