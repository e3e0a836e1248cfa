#!/usr/bin/env bash
# An unreadable profile is bad input like any other: one line on stderr
# naming the file, exit 2, nothing on stdout, no output file.  Root reads
# any file whatever its mode, so as root heapdiff runs as nobody
# (setpriv); SKIP (77) when that cannot be arranged.
set -u
HEAPDIFF=$(realpath "$1")
cd "$2"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
cp testdata/leak-00.pb.gz "$T/secret.pb.gz"
chmod 000 "$T/secret.pb.gz"
# The readable inputs beside it, in $T too: the clone itself may sit in
# a directory the unprivileged user cannot enter (mktemp -d is 0700).
cp testdata/leak-00.pb.gz testdata/leak-01.pb.gz "$T/"
chmod 644 "$T/leak-00.pb.gz" "$T/leak-01.pb.gz"
run=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null ||
		{ echo "SKIP: running as root and no setpriv to drop privileges"; exit 77; }
	run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${run[@]}" "$HEAPDIFF" --version >/dev/null 2>&1 ||
		{ echo "SKIP: user 65534 cannot run $HEAPDIFF"; exit 77; }
fi
if "${run[@]}" cat "$T/secret.pb.gz" >/dev/null 2>&1; then
	echo "SKIP: the file is readable even at mode 000 here"
	exit 77
fi
chmod 777 "$T" # room for -o, as the unprivileged user

pass=0 fail=0
check() { # name, args...: exit 2, stdout empty, exactly the expected line
	local name=$1; shift
	"${run[@]}" "$HEAPDIFF" "$@" >"$T/out" 2>"$T/err"
	local rc=$? want="heapdiff: $T/secret.pb.gz: permission denied"
	if [ $rc -eq 2 ] && [ ! -s "$T/out" ] && [ "$(cat "$T/err")" = "$want" ] &&
	   [ ! -e "$T/report" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name: exit $rc, stdout $(wc -c <"$T/out") bytes, stderr:"
		cat "$T/err"
	fi
}
check "top" top "$T/secret.pb.gz"
check "diff, unreadable NEW, -o" diff -o "$T/report" "$T/leak-00.pb.gz" "$T/secret.pb.gz"
check "trend" trend "$T/leak-00.pb.gz" "$T/leak-01.pb.gz" "$T/secret.pb.gz"
echo "unreadable: $pass passed, $fail failed"
[ $fail -eq 0 ]
