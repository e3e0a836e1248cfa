#!/bin/sh
# Profiles through a pipe: inflated as they stream in, under --max-size.
# Usage: stdin.sh HEAPDIFF SRCROOT
set -u
hd=$1 root=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
leak=$root/testdata/leak-05.pb.gz

# What `heapdiff top` prints for the file itself is what every pipe
# form below must print.
"$hd" top --top 3 "$leak" > "$tmp/want" || { echo "FAIL: top of the file"; exit 1; }

same() { # NAME: stdin form must equal the file's output
	if cmp -s "$tmp/want" "$tmp/got"; then echo "ok   $1"; else
		echo "FAIL $1:"; diff "$tmp/want" "$tmp/got" | head -5; fail=1; fi
}
refused() { # NAME WANT-MESSAGE RC
	msg=$(cat "$tmp/err")
	if [ "$3" -eq 2 ] && [ ! -s "$tmp/got" ] && [ "$msg" = "$2" ]; then echo "ok   $1"; else
		echo "FAIL $1: exit $3, stderr '$msg', want '$2'"; fail=1; fi
}

cat "$leak" | "$hd" top --top 3 - | sed 's|^File: <stdin>|File: '"$leak"'|' > "$tmp/got"
sed -i "s|^File: .*|File: X|" "$tmp/want" "$tmp/got"
same "gzip through a pipe"
gzip -dc "$leak" | "$hd" top --top 3 - | sed "s|^File: .*|File: X|" > "$tmp/got"
same "raw protobuf through a pipe"
# Two members: the profile split at an arbitrary byte, as gzip -c a b writes.
gzip -dc "$leak" > "$tmp/raw"
head -c 1000 "$tmp/raw" | gzip -c > "$tmp/two.gz"
tail -c +1001 "$tmp/raw" | gzip -c >> "$tmp/two.gz"
cat "$tmp/two.gz" | "$hd" top --top 3 - | sed "s|^File: .*|File: X|" > "$tmp/got"
same "two gzip members through a pipe"

head -c 300 "$leak" | "$hd" top - > "$tmp/got" 2> "$tmp/err"
refused "truncated gzip" "heapdiff: <stdin>: truncated gzip data (unexpected end of file)" $?
{ cat "$leak"; printf 'garbage'; } | "$hd" top - > "$tmp/got" 2> "$tmp/err"
refused "trailing garbage" "heapdiff: <stdin>: trailing garbage after gzip data" $?
: | "$hd" top - > "$tmp/got" 2> "$tmp/err"
refused "empty pipe" "heapdiff: <stdin>: empty file" $?
# 64 MiB of zeros against a 1 MiB cap: stops at the cap, in little memory.
head -c 67108864 /dev/zero | gzip -c > "$tmp/bomb.gz"
cat "$tmp/bomb.gz" | "$hd" top --max-size 1MiB - > "$tmp/got" 2> "$tmp/err"
refused "gzip bomb on a pipe" \
	"heapdiff: <stdin>: decompressed profile exceeds the size limit of 1 MiB (see --max-size)" $?
head -c 2097152 /dev/zero | "$hd" top --max-size 1MiB - > "$tmp/got" 2> "$tmp/err"
refused "raw bytes past the cap on a pipe" \
	"heapdiff: <stdin>: decompressed profile exceeds the size limit of 1 MiB (see --max-size)" $?
exit $fail
