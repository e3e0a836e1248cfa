#!/bin/sh
# The wall between cmd/ and lib/: a front-end file that includes an
# internal header must not compile, whatever include path it is given.
# Usage: wall.sh SRCROOT CC [CC ARGS...]
set -u
root=$1; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

probe() { # NAME HEADER INCLUDE-FLAGS...
	name=$1 hdr=$2; shift 2
	printf '#include "heapdiff.h"\n#include "%s"\nint main(void) { return 0; }\n' "$hdr" > "$tmp/$name.c"
	if "$@" -c "$tmp/$name.c" -o "$tmp/$name.o" 2> "$tmp/$name.err"; then
		echo "FAIL $name: $hdr compiled outside lib/"; fail=1
	elif [ "$expect" ] && ! grep -q "$expect" "$tmp/$name.err"; then
		echo "FAIL $name: refused, but not by the wall:"; cat "$tmp/$name.err"; fail=1
	else
		echo "ok   $name: $hdr refused"
	fi
}

# As cmd/ is built: lib/include only; the internal header is not found.
expect=
for h in base/base.h input/input.h engine/model.h engine/report.h render/render.h; do
	probe "cmd-$(echo "$h" | tr / -)" "$h" "$@" -I"$root/lib/include"
done
# Even with lib/ on the include path, base/base.h refuses without HD_INTERNAL.
expect="internal header of lib/"
for h in base/base.h input/input.h engine/model.h engine/report.h render/render.h; do
	probe "lib-$(echo "$h" | tr / -)" "$h" "$@" -I"$root/lib/include" -I"$root/lib"
done
# And the public header alone compiles (the probe is not failing for
# some other reason).
printf '#include "heapdiff.h"\nint main(void) { return 0; }\n' > "$tmp/ok.c"
if "$@" -I"$root/lib/include" -c "$tmp/ok.c" -o "$tmp/ok.o"; then
	echo "ok   heapdiff.h alone compiles"
else
	echo "FAIL heapdiff.h alone does not compile"; fail=1
fi
exit $fail
