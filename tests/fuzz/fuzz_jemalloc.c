/*
 * fuzz_jemalloc.c - libFuzzer target: jemalloc's heap_v2 dumps
 * (lib/input/jemalloc.c and the maps of native.c).  The input is a dump
 * without its first 8 bytes, "heap_v2/", which the target puts back: the
 * rate, the thread lines, the "@" stacks and their "t*:" totals and the
 * memory map are all fuzzed.  Corpus: corpus/jemalloc.
 */
#include "fuzz_native.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_native_run("heap_v2/", data, size, "");
}
