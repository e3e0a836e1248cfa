#!/usr/bin/env bash
# Capture one series of heap profiles of leakserve over real HTTP:
#
#   capture.sh [-t] [-w WORKLOAD] OUTDIR NSNAPSHOTS INTERVAL_MS NAMING
#
# Builds leakserve and its driver, starts leakserve on 127.0.0.1 (a free
# port), lets the driver put the same fixed workload on it (48 ticks, see
# driver/main.go) and save NSNAPSHOTS snapshots of /debug/pprof/heap?gc=1
# into OUTDIR, INTERVAL_MS milliseconds apart (plus the work in between),
# byte for byte as served.  NAMING: padded (heap-01.pb.gz ...), unpadded
# (heap-1.pb.gz ..., which a shell glob does not list in time order) or
# random (hex names).  OUTDIR must not hold profiles already.
#
# -t also saves Go's text heap profile (?debug=1, with runtime.MemStats)
# of each snapshot beside it (heap-01.txt); -w stacks puts the driver's
# stacks workload on the service instead of the leaks (driver/main.go).
# Without them a run is made as it always was.
#
# The service is stopped at the end, on failure and on a signal.  Offline,
# standard library only, like ../regen.sh; it reads nothing outside the
# repository but the Go toolchain.  testdata/captures/README.md has the
# command lines that made the committed series.
set -eu

usage() {
	echo "usage: capture.sh [-t] [-w leak|stacks] OUTDIR NSNAPSHOTS INTERVAL_MS NAMING" >&2
	exit 2
}
text=false workload=leak
while getopts tw: opt; do
	case $opt in
	t) text=true ;;
	w) workload=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 4 ] || usage
case $workload in leak | stacks) ;; *) echo "capture.sh: WORKLOAD must be leak or stacks" >&2; exit 2 ;; esac
outdir=$1 n=$2 interval=$3 naming=$4
case $n in '' | *[!0-9]*) echo "capture.sh: NSNAPSHOTS must be a number" >&2; exit 2 ;; esac
case $interval in '' | *[!0-9]*) echo "capture.sh: INTERVAL_MS must be a number" >&2; exit 2 ;; esac
case $naming in padded | unpadded | random) ;;
*) echo "capture.sh: NAMING must be padded, unpadded or random" >&2; exit 2 ;;
esac
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
for f in "$outdir"/*.pb.gz "$outdir"/*.txt; do
	if [ -e "$f" ]; then
		echo "capture.sh: $outdir already holds profiles" >&2
		exit 2
	fi
done

here=$(cd "$(dirname "$0")/.." && pwd)   # testdata/gen
cd "$here"

export GOFLAGS=${GOFLAGS:-} GOPROXY=off GO111MODULE=on
export GOCACHE=${GOCACHE:-${TMPDIR:-/tmp}/heapdiff-gocache}
export GOPATH=${GOPATH:-${TMPDIR:-/tmp}/heapdiff-gopath}
# The runtime's own allocations depend on the number of Ps (../regen.sh).
export GOMAXPROCS=2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/heapdiff-leakserve.XXXXXX")
pid='' dpid=''
cleanup() {
	for p in $dpid $pid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# -trimpath: file names in the profiles are module paths
# (heapdiff/testdata/gen/leakserve/main.go), not this machine's.
go build -trimpath -o "$tmp/leakserve" ./leakserve
go build -trimpath -o "$tmp/driver" ./leakserve/driver

"$tmp/leakserve" -port 0 >"$tmp/url" &
pid=$!
url=
for _ in $(seq 100); do
	url=$(head -n 1 "$tmp/url")
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || { echo "capture.sh: leakserve exited" >&2; exit 1; }
	sleep 0.05
done
if [ -z "$url" ]; then
	echo "capture.sh: leakserve printed no address in 5 s" >&2
	exit 1
fi

# In the background, so that a signal stops the driver at once (bash runs
# a trap only when the foreground command has returned).
"$tmp/driver" -url "$url" -out "$outdir" -n "$n" -interval "${interval}ms" -naming "$naming" \
	-workload "$workload" -text="$text" &
dpid=$!
wait "$dpid"
dpid=
