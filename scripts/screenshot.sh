#!/usr/bin/env bash
# Redraw docs/diff-flamegraph.png, the README's picture: the differential
# flame graph of testdata/cache-v1 -> cache-v2 as headless Chromium shows it.
# Needs a build (meson setup build && ninja -C build) and chromium.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/cmd/heapdiff diff --format svg -o "$tmp/diff.svg" testdata/cache-v1.pb.gz testdata/cache-v2.pb.gz
height=$(sed -n 's/^<svg [^>]* height="\([0-9]*\)".*/\1/p' "$tmp/diff.svg")
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$tmp/profile" \
	--window-size=1200,"$height" --screenshot="$PWD/docs/diff-flamegraph.png" "file://$tmp/diff.svg" 2>/dev/null
echo "wrote docs/diff-flamegraph.png (1200x$height)"
