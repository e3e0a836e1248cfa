#!/usr/bin/env bash
# The whole test suite: the release build, then the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer.  Run after
# scripts/install-deps.sh (or scripts/quickstart.sh).
set -eu -o pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

[ -d build ] || meson setup build
ninja -C build
# --setup full: a plain `meson test` leaves out the slow suites (tests/meson.build).
meson test -C build --setup full --print-errorlogs --no-suite oracle-quick | tee -a "$log"

[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --setup full --print-errorlogs --suite unit --suite cli --suite oracle-quick | tee -a "$log"

# One closing line for both runs (meson test exits non-zero on failure,
# so reaching here means every test passed or was skipped).
awk '/^Ok:/ {ok += $2} /^(Fail|Timeout):/ {fail += $2} /^Skipped:/ {skip += $2}
     END {printf "heapdiff tests: %d passed, %d failed, %d skipped\n", ok, fail, skip}' "$log"
