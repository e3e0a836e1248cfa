#!/usr/bin/env bash
# Regenerate every committed test profile in testdata/:
#   testdata/cache-v1.pb.gz, testdata/cache-v2.pb.gz   (cache/, -version 1|2)
#   testdata/leak-00.pb.gz .. testdata/leak-05.pb.gz   (leak/, one process)
# Works offline from any directory (standard library only). The large
# benchmark profiles are NOT made here: see bigprof/run.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)   # testdata/
cd "$here"

export GOFLAGS=${GOFLAGS:-} GOPROXY=off GO111MODULE=on
export GOCACHE=${GOCACHE:-${TMPDIR:-/tmp}/heapdiff-gocache}
export GOPATH=${GOPATH:-${TMPDIR:-/tmp}/heapdiff-gopath}
# The runtime's own small allocations (GC workers, ...) depend on the number
# of Ps: pin it so that regenerated profiles have the same shape everywhere.
export GOMAXPROCS=2

bin=$(mktemp -d "${TMPDIR:-/tmp}/heapdiff-gen.XXXXXX")
trap 'rm -rf "$bin"' EXIT

# -trimpath: file names in the profiles are module paths
# (heapdiff/testdata/gen/cache/main.go), not this machine's directories.
go build -trimpath -o "$bin/cache" ./cache
go build -trimpath -o "$bin/leak" ./leak

"$bin/cache" -version 1 -out "$out/cache-v1.pb.gz"
"$bin/cache" -version 2 -out "$out/cache-v2.pb.gz"
"$bin/leak" -out "$out" -interval 75ms

ls -l "$out"/cache-v[12].pb.gz "$out"/leak-0[0-5].pb.gz
