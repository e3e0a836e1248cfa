#!/bin/sh
# make.sh OUTDIR: build leak.c with -g and write its heap dumps into OUTDIR:
#   je.N.heap     jemalloc, every allocation sampled (lg_prof_sample:0): jeprof
#                 and heapdiff agree to the byte
#   jes.N.heap    jemalloc at its sampling rate 2^12: unsampled by both
#   tc.000N.heap  tcmalloc's heap profiler (HEAPPROFILE, HeapProfilerDump)
#   jexx.N.heap, tcxx.000N.heap  the same of leakxx.cc (C++), when a C++
#                 compiler is there
# Exit 77 when the compiler or neither allocator is there.  Needs Debian's
# libjemalloc2 and libtcmalloc (libgoogle-perftools4); each is skipped
# when missing.
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
lib=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
je=$lib/libjemalloc.so.2
tc=$lib/libtcmalloc.so.4
command -v cc >/dev/null || exit 77
[ -e "$je" ] || [ -e "$tc" ] || exit 77
mkdir -p "$out"
cd "$out"
rm -f je.*.heap jes.*.heap tc.*.heap jexx.*.heap tcxx.*.heap
cc -g -O1 -o leak "$here/leak.c" -ldl
cxx=
if command -v c++ >/dev/null; then
	c++ -g -O1 -o leakxx "$here/leakxx.cc" -ldl
	cxx=1
fi
if [ -e "$je" ]; then
	DUMP_PREFIX=je MALLOC_CONF=prof:true,prof_accum:true,lg_prof_sample:0 LD_PRELOAD=$je ./leak
	DUMP_PREFIX=jes MALLOC_CONF=prof:true,prof_accum:true,lg_prof_sample:12 LD_PRELOAD=$je ./leak
	[ -z "$cxx" ] ||
		DUMP_PREFIX=jexx MALLOC_CONF=prof:true,prof_accum:true,lg_prof_sample:0 LD_PRELOAD=$je ./leakxx
fi
if [ -e "$tc" ]; then
	HEAPPROFILE=$out/tc LD_PRELOAD=$tc ./leak 2>/dev/null
	[ -z "$cxx" ] || HEAPPROFILE=$out/tcxx LD_PRELOAD=$tc ./leakxx 2>/dev/null
fi
