#!/usr/bin/env bash
# One command from a fresh Debian machine to a first report: install the
# dependencies, build, and diff two bundled profiles of one leaking process.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
echo "\$ heapdiff diff testdata/leak-00.pb.gz testdata/leak-05.pb.gz --top 5"
build/cmd/heapdiff diff testdata/leak-00.pb.gz testdata/leak-05.pb.gz --top 5
