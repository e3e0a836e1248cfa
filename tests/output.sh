#!/usr/bin/env bash
# Output plumbing: -o writes through a temporary file and a rename, a
# failure leaves the old file untouched and no temporary behind, a full
# disk is an error (2), a reader that closes the pipe early is not; the
# file's mode follows the umask; a signal while writing removes the
# temporary.  Usage: output.sh HEAPDIFF SRCDIR SLOW_FSYNC_SO
set -u
HEAPDIFF=$(realpath "$1")
[ -x "$HEAPDIFF" ] || { echo "FAIL: no heapdiff at $1"; exit 1; }
SLOW_FSYNC=$(realpath "${3:-/nonexistent}")
[ -f "$SLOW_FSYNC" ] || { echo "FAIL: no slow-fsync.so (tests/slow-fsync.c) at ${3:-}"; exit 1; }
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

# The report's mode is a new file's: 0666 less the umask.
for u in 077:600 022:644 002:664; do
	rm -f "$T/m.txt"
	(umask "${u%:*}"; "$HEAPDIFF" top -o "$T/m.txt" testdata/cache-v1.pb.gz)
	check "umask ${u%:*}: -o FILE has mode ${u#*:}" test "$(stat -c %a "$T/m.txt")" = "${u#*:}"
done

# Standard output is flushed and checked at exit, whatever printed it.
if [ -w /dev/full ]; then
	for args in "help top" "top --help" "--help" "--version" "help"; do
		# shellcheck disable=SC2086
		"$HEAPDIFF" $args >/dev/full 2>"$T/err"
		check "heapdiff $args >/dev/full exits 2" test $? -eq 2
		check "heapdiff $args >/dev/full says so" grep -q "write error on standard output" "$T/err"
	done
fi

# A file past ulimit -f is a write error, not a death by SIGXFSZ.
cp "$T/before" "$T/r.json"
(ulimit -f 1; "$HEAPDIFF" diff --format json -o "$T/r.json" testdata/cache-v1.pb.gz testdata/cache-v2.pb.gz 2>"$T/err")
check "ulimit -f: -o exits 2" test $? -eq 2
check "ulimit -f: -o says why" grep -q "$T/r.json: write error: File too large" "$T/err"
check "ulimit -f: the old file is untouched" cmp -s "$T/r.json" "$T/before"
check "ulimit -f: no temporary left behind" test "$(ls "$T" | grep -c tmp-)" -eq 0
(ulimit -f 1; "$HEAPDIFF" diff --format json testdata/cache-v1.pb.gz testdata/cache-v2.pb.gz >"$T/big" 2>"$T/err")
check "ulimit -f: stdout exits 2" test $? -eq 2
check "ulimit -f: stdout says so" grep -q "write error on standard output: File too large" "$T/err"

# A signal while -o's temporary is written: slow-fsync.so stops heapdiff
# in fsync() of the temporary and touches $T/ready; the signal must remove
# the temporary, leave the old file, and still kill (status 128 + signal).
# ASan would refuse a preloaded library listed before its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
stopped() { # heapdiff -o $T/r.json in the background until it waits in fsync
	rm -f "$T/ready"
	cp "$T/before" "$T/r.json"
	HD_TEST_FSYNC_READY="$T/ready" LD_PRELOAD="$SLOW_FSYNC" "$@" \
		"$HEAPDIFF" diff --format json -o "$T/r.json" \
		testdata/cache-v1.pb.gz testdata/cache-v2.pb.gz 2>"$T/err" &
	pid=$!
	for _ in $(seq 200); do [ -e "$T/ready" ] && return 0; sleep 0.05; done
	return 1
}
alive() { # $pid runs: not gone, not a zombie (bash reaps its children early)
	local state=Z
	{ read -r _ _ state _ <"/proc/$pid/stat"; } 2>/dev/null
	[ "$state" != Z ]
}
reap() { # $pid's exit status in $status, SIGKILL after 10 s (no subshell)
	local _i
	for _i in $(seq 200); do alive || break; sleep 0.05; done
	kill -s KILL "$pid" 2>/dev/null
	{ wait "$pid"; status=$?; } 2>/dev/null # not bash's "Hangup" line
}
# A background job of a script starts with SIGINT ignored: env puts the
# default actions back, as a terminal's shell would have them.
for sig in TERM INT HUP; do
	stopped env --default-signal=HUP,INT,TERM
	check "SIG$sig: heapdiff stopped while writing" test -e "$T/ready"
	check "SIG$sig: the temporary is there meanwhile" test "$(ls "$T" | grep -c tmp-)" -eq 1
	kill -s "$sig" "$pid"
	reap
	check "SIG$sig: heapdiff dies of it" test "$status" -eq $((128 + $(kill -l "$sig")))
	check "SIG$sig: no temporary left behind" test "$(ls "$T" | grep -c tmp-)" -eq 0
	check "SIG$sig: the old file is untouched" cmp -s "$T/r.json" "$T/before"
done
# A signal the caller ignores (nohup, a background job) stays ignored.
stopped env --ignore-signal=INT
kill -s INT "$pid"
sleep 0.3
check "ignored SIGINT stays ignored" alive
kill -s TERM "$pid"
reap
check "ignored SIGINT: SIGTERM still kills" test "$status" -eq 143
check "ignored SIGINT: no temporary left behind" test "$(ls "$T" | grep -c tmp-)" -eq 0

echo "output: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
