/*
 * fuzz_gperf.c - libFuzzer target: gperftools' heap profiles
 * (lib/input/gperf.c, the records through gotext.c, the maps of
 * native.c).  The input is a profile without its first 13 bytes, "heap
 * profile:", which the target puts back, and a "MAPPED_LIBRARIES:" line
 * is appended (the sniffer wants one; the input's own, when it has one,
 * comes first and is the one read).  Corpus: corpus/gperf.
 */
#include "fuzz_native.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_native_run("heap profile:", data, size, "\nMAPPED_LIBRARIES:\n");
}
