/*
 * internal.h - helpers shared by lib/ files and the tests; not part of
 * the public interface (cmd/ never includes it).
 */
#ifndef HD_INTERNAL_H
#define HD_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>

#include "heapdiff.h"

/* strerror() in lower case, as heapdiff's messages are. */
const char *hd_strerror(int errnum);

/* Fill *err (if not NULL) and return code. */
int hd_fail(struct hd_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int hd_vfail(struct hd_error *err, int code, const char *fmt, va_list ap);

/*
 * An arena: memory freed all at once, owned by one object (a profile, a
 * model).  Allocations are 16-byte aligned; there is no per-allocation
 * free.  hd_arena_alloc returns NULL when out of memory.
 */
struct hd_arena_chunk;
struct hd_arena {
	struct hd_arena_chunk *head;
	char *pos, *end;
	size_t total; /* bytes obtained from malloc, for statistics */
};
void hd_arena_init(struct hd_arena *a);
void hd_arena_release(struct hd_arena *a);
void *hd_arena_alloc(struct hd_arena *a, size_t n);
void *hd_arena_calloc(struct hd_arena *a, size_t nmemb, size_t size);
char *hd_arena_strndup(struct hd_arena *a, const char *s, size_t n);

/*
 * An open-addressing hash map from a non-zero 64-bit key to a 32-bit
 * value.  Key 0 is reserved for empty slots; callers map 0 elsewhere.
 */
struct hd_map_slot {
	uint64_t key;
	uint32_t val;
};
struct hd_map {
	struct hd_map_slot *slots; /* key and value side by side: one miss */
	size_t cap, len;           /* cap is a power of two */
};
int hd_map_init(struct hd_map *m, size_t expected);
void hd_map_release(struct hd_map *m);
/* Returns 1 and sets *val when present, 0 when absent. */
int hd_map_get(const struct hd_map *m, uint64_t key, uint32_t *val);
/* Insert or overwrite; 0 or HD_ERR_NOMEM. */
int hd_map_put(struct hd_map *m, uint64_t key, uint32_t val);

static inline uint64_t hd_hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t hd_hash_bytes(const void *p, size_t n);

/* Grow *pp (an array of *cap elements of size sz) to hold need elements. */
int hd_grow(void **pp, size_t *cap, size_t need, size_t sz);
/* A hint to fetch the cache line at p; nothing where unsupported. */
#if defined(__GNUC__) || defined(__clang__)
#define HD_PREFETCH(p) __builtin_prefetch(p)
#else
#define HD_PREFETCH(p) ((void)(p))
#endif
/* Buffers from this size up get transparent huge pages (util.c). */
#define HD_HUGE_MIN ((size_t)4 << 20)
void hd_advise_huge(void *p, size_t n);
#define HD_GROW(p, cap, need) \
	((need) <= (cap) ? 0 : hd_grow((void **)&(p), &(cap), (need), sizeof(*(p))))
/* Room for exactly need elements, when the final size is known (or an
 * upper bound is): doubling would leave up to half of it unused. */
int hd_reserve(void **pp, size_t *cap, size_t need, size_t sz);
#define HD_RESERVE(p, cap, need) \
	hd_reserve((void **)&(p), &(cap), (need), sizeof(*(p)))

/* ---- profile internals used by the model ----------------------------- */

struct hd_pfunc {
	const char *name, *system_name, *filename;
	int64_t start_line;
};

struct hd_pline {
	uint32_t func; /* index into funcs; UINT32_MAX: none */
	int64_t line;
};

struct hd_ploc {
	uint32_t mapping; /* index into mappings; UINT32_MAX: none */
	uint64_t address;
	uint32_t nlines;
	struct hd_pline *lines; /* innermost first */
};

struct hd_pmapping {
	const char *file;
};

struct hd_psample {
	uint32_t nlocs;
	uint32_t *locs;      /* indexes into locs, leaf first */
	const int64_t *values;
};

struct hd_profile_view {
	size_t nfuncs, nlocs, nmappings, nsamples, ntypes;
	size_t max_locs; /* the most locations in one sample */
	size_t nrefs;    /* location ids in all samples together */
	const struct hd_pfunc *funcs;
	const struct hd_ploc *locs;
	const struct hd_pmapping *mappings;
	const char *drop_frames, *keep_frames;
};
void hd_profile_view(const struct hd_profile *p, struct hd_profile_view *v);
/*
 * Decode sample i (samples are kept encoded; see profile.c) into locs,
 * room for max_locs entries, and values, room for ntypes; *out points
 * into them.
 */
void hd_profile_sample(const struct hd_profile *p, size_t i, uint32_t *locs,
		       int64_t *values, struct hd_psample *out);

/* pprof's filepath.Clean of a file name, into the arena. */
char *hd_clean_path(struct hd_arena *a, const char *path);

/* Sum of round(value * scale) over samples of type i, as pprof -normalize
 * scales them; saturating. */
int64_t hd_profile_total_scaled(const struct hd_profile *p, size_t i, double scale);
/* Round v * scale to the nearest integer, ties away from zero, clamped. */
int64_t hd_scale_value(int64_t v, double scale);

#endif
