#!/usr/bin/env bash
# Write testdata/gotext/heap.txt and heap.pb.gz: one heap of heapserve in
# Go's two forms (see testdata/gotext/README.md).  Offline, standard
# library only, like ../regen.sh.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)   # testdata/gen
out=$(cd "$here/.." && pwd)/gotext
cd "$here"

export GOFLAGS=${GOFLAGS:-} GOPROXY=off GO111MODULE=on
export GOCACHE=${GOCACHE:-${TMPDIR:-/tmp}/heapdiff-gocache}
export GOPATH=${GOPATH:-${TMPDIR:-/tmp}/heapdiff-gopath}
export GOMAXPROCS=2

bin=$(mktemp -d "${TMPDIR:-/tmp}/heapdiff-gen.XXXXXX")
trap 'rm -rf "$bin"' EXIT

go build -trimpath -o "$bin/heapserve" ./heapserve
mkdir -p "$out"
HEAPSERVE_RATE=4096 "$bin/heapserve" -capture "$out"
ls -l "$out"/heap.txt "$out"/heap.pb.gz
