#!/usr/bin/env bash
# Memcheck on a representative subset: every command and format on the
# bundled profiles, plus two refusals.  Any error or leak fails the test;
# without valgrind it is a SKIP (77).
set -u
HEAPDIFF=$(realpath "$1")
[ -x "$HEAPDIFF" ] || { echo "FAIL: no heapdiff at $1"; exit 1; }
ROOT=$2
command -v valgrind >/dev/null || { echo "SKIP: valgrind not found"; exit 77; }
cd "$ROOT"
T=testdata
CPU=$T/public/pprof/sample.cpu.pb.gz
# In the repository: without it the last refusal would test a missing file.
[ -f "$CPU" ] || { echo "FAIL: $CPU is missing"; exit 1; }
pass=0 fail=0
run() {
	local out
	if out=$(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$HEAPDIFF" "$@" 2>&1 >/dev/null); [ $? -ne 99 ] && ! grep -q '==[0-9]*==' <<<"$out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: heapdiff $*"
		echo "$out" | head -30
	fi
}
for f in text markdown json folded svg; do
	run top --format "$f" $T/cache-v2.pb.gz
	run diff --format "$f" --fail-on total:+1% --fail-on inuse_objects/func:+1 $T/cache-v1.pb.gz $T/cache-v2.pb.gz
	run trend --format "$f" --fail-on leak $T/leak-0[0-5].pb.gz
done
run trend --format html --icicle $T/leak-0[0-5].pb.gz
run diff --normalize --focus main --hide runtime --granularity lines $T/cache-v1.pb.gz $T/cache-v2.pb.gz
run top /dev/null
run diff $T/leak-00.pb.gz "$CPU"
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
