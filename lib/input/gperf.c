/*
 * gperf.c - gperftools' heap profiles, as tcmalloc's heap profiler writes
 * them (HEAPPROFILE=prefix, HeapProfilerDump()) and as its sampler does
 * (MallocExtension::GetHeapSample):
 *
 *	heap profile:    202:  1889276 [   403:  2048533] @ heapprofile
 *	     1:  1048576 [     1:  1048576] @ 0x55a1f7b9d214 0x55a1f7b9d245 ...
 *
 *	MAPPED_LIBRARIES:
 *	55a1f7b9c000-55a1f7b9d000 r--p 00000000 fe:00 11056119   /srv/app
 *	...
 *
 * Owns: nothing but the step from that text to named frames.  The records
 * are the grammar of Go's text heap profile without its "#" frame lines,
 * so gotext.c reads them, with pprof's numbers (its header kinds:
 * "heapprofile" is every allocation, "heap_v2/RATE" sampled at RATE and
 * unsampled as pprof does, "heap/RATE" twice the rate); gotext stops at
 * the memory map, which native.c hands to the symbolizer.  As pprof does
 * for these profiles, the allocator's frames are pruned (drop_frames).
 *
 * Told from Go's text by content: a "heap profile:" header and a memory
 * map section, which Go never writes.
 */
#include <string.h>

#include "input/input.h"

static int gperf_sniff(const unsigned char *data, size_t len)
{
	return len >= 13 && memcmp(data, "heap profile:", 13) == 0 &&
		hd_native_find_maps(data, len) != NULL;
}

static int gperf_decode(struct hd_profile *p, const struct hd_limits *lim, struct hd_error *err)
{
	const unsigned char *maps = hd_native_find_maps(p->data, p->len);
	int rc = hd_decoder_gotext.decode(p, lim, err);

	if (rc)
		return rc;
	return hd_native_symbolize(p, maps, (size_t)(p->data + p->len - maps), lim, err);
}

static int gperf_next(const struct hd_profile *p, struct hd_sample_iter *it,
		      uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	return hd_decoder_gotext.next(p, it, locs, values, out);
}

static void gperf_release(struct hd_profile *p)
{
	hd_decoder_gotext.release(p);
}

const struct hd_decoder hd_decoder_gperf = {
	"gperftools", gperf_sniff, gperf_decode, gperf_next, gperf_release,
};
