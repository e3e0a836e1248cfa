#!/usr/bin/env bash
# Output plumbing: -o writes through a temporary file and a rename, a
# failure leaves the old file untouched and no temporary behind, a full
# disk is an error (2), a reader that closes the pipe early is not.
set -u
HEAPDIFF=$(realpath "$1")
[ -x "$HEAPDIFF" ] || { echo "FAIL: no heapdiff at $1"; exit 1; }
cd "$2"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { # name, condition...
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}

"$HEAPDIFF" diff -o "$T/r.json" --format json testdata/cache-v1.pb.gz testdata/cache-v2.pb.gz
check "-o writes the report" grep -q '"schema":' "$T/r.json"
check "-o prints nothing on stdout" test -z "$("$HEAPDIFF" top -o "$T/t.txt" testdata/cache-v1.pb.gz)"
cp "$T/r.json" "$T/before"
"$HEAPDIFF" diff -o "$T/r.json" testdata/cache-v1.pb.gz /dev/null 2>"$T/err"
check "bad input exits 2" test $? -eq 2
check "bad input leaves the old file" cmp -s "$T/r.json" "$T/before"
check "no temporary left behind" test "$(ls "$T" | grep -c tmp-)" -eq 0
check "one line on stderr" test "$(wc -l <"$T/err")" -eq 1
"$HEAPDIFF" top -o "$T/no-such-dir/x.txt" testdata/cache-v1.pb.gz 2>"$T/err"
check "unwritable -o exits 2" test $? -eq 2
check "unwritable -o says so" grep -q "heapdiff: $T/no-such-dir/x.txt: cannot create" "$T/err"
if [ -w /dev/full ]; then
	"$HEAPDIFF" top testdata/cache-v1.pb.gz >/dev/full 2>"$T/err"
	check "full disk exits 2" test $? -eq 2
	check "full disk says so" grep -q "write error on standard output" "$T/err"
fi
"$HEAPDIFF" top --top 0 --format folded testdata/cache-v1.pb.gz 2>"$T/err" | head -1 >/dev/null
check "closed pipe exits 0" test "${PIPESTATUS[0]}" -eq 0
check "closed pipe is quiet" test ! -s "$T/err"
NO_COLOR= "$HEAPDIFF" diff --color=always testdata/cache-v1.pb.gz testdata/cache-v2.pb.gz >"$T/c"
check "--color=always colours" grep -q $'\033\[31m' "$T/c"
"$HEAPDIFF" diff testdata/cache-v1.pb.gz testdata/cache-v2.pb.gz >"$T/c"
check "no colour when not a terminal" test "$(grep -c $'\033' "$T/c")" -eq 0
echo "output: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
