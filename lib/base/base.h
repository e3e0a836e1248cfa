/*
 * base.h - what every room of lib/ stands on: errors, arenas, array
 * growth, the hash map, saturating arithmetic.  Internal: lib/ and the
 * tests only (cmd/ sees lib/include/heapdiff.h and nothing else).
 */
#ifndef HD_BASE_H
#define HD_BASE_H

#ifndef HD_INTERNAL
#error "an internal header of lib/: outside lib/ and tests/, include heapdiff.h only"
#endif

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
/* The same, naming the option or limit the error is about. */
int hd_fail_about(struct hd_error *err, int code, enum hd_subject subject,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

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

/* ---- saturating arithmetic (values are untrusted) -------------------- */

static inline int64_t hd_add_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t hd_sub_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* A stable O(n log n) sort; cmp gets ctx.  0, or HD_ERR_NOMEM (sort.c). */
int hd_sort(void *base, size_t n, size_t size,
	    int (*cmp)(const void *, const void *, void *ctx), void *ctx);

#endif
