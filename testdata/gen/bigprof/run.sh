#!/usr/bin/env bash
# Generate LARGE heap profiles for benchmarks (not committed).
#
#   testdata/gen/bigprof/run.sh [STACKS [VERSIONS [OUTDIR [SEED]]]]
#
# Defaults: STACKS=200000 VERSIONS=3 OUTDIR=${TMPDIR:-/tmp}/heapdiff-bigprof/out SEED=1.
# Writes OUTDIR/big-00.pb.gz .. OUTDIR/big-(VERSIONS-1).pb.gz.
#
# Steps: gen.go writes a Go program with FUNCS (default 2000) distinct
# functions into a work directory (BIGPROF_WORK, default
# ${TMPDIR:-/tmp}/heapdiff-bigprof/work), it is built, and run once per
# version. Works offline: standard library only.
set -eu

STACKS=${1:-200000}
VERSIONS=${2:-3}
OUTDIR=${3:-${TMPDIR:-/tmp}/heapdiff-bigprof/out}
SEED=${4:-1}
FUNCS=${FUNCS:-2000}
WORK=${BIGPROF_WORK:-${TMPDIR:-/tmp}/heapdiff-bigprof/work}

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

export GOFLAGS=${GOFLAGS:-} GOPROXY=off GO111MODULE=on
export GOCACHE=${GOCACHE:-${TMPDIR:-/tmp}/heapdiff-gocache}
export GOPATH=${GOPATH:-${TMPDIR:-/tmp}/heapdiff-gopath}

rm -rf "$WORK/src"
mkdir -p "$WORK"
(cd "$here/.." && go build -o "$WORK/gen" ./bigprof)
"$WORK/gen" -funcs "$FUNCS" -src "$WORK/src"
(cd "$WORK/src" && go build -trimpath -o "$WORK/bigprof" .)
rm -f "$OUTDIR"/big-[0-9][0-9].pb.gz
"$WORK/bigprof" -stacks "$STACKS" -versions "$VERSIONS" -seed "$SEED" -out "$OUTDIR"
ls -l "$OUTDIR"/big-*.pb.gz
