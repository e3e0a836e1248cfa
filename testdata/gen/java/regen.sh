#!/usr/bin/env bash
# Regenerate testdata/java/{heapgen,steady}-{0,2,3}.hprof.gz: run HeapGen (JDK 17)
# under jvm-flags, with its leaks and steady, check each run's four dumps
# against jmap -histo:live and tests/hprof.py's dominators, and keep dumps
# 0, 2 and 3 of each with their symbol tables cut to the strings they use
# (strip.py).
#   testdata/gen/java/regen.sh [HEAPDIFF]     (default build/cmd/heapdiff)
set -eu
src=$(cd "$(dirname "$0")/../../.." && pwd)
exec python3 "$src/tests/hprof.py" --regen "${1:-$src/build/cmd/heapdiff}" "$src"
