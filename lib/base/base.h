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

/* "1 GiB", "64 KiB", "1000 bytes": a cap as messages say it (units.c). */
void hd_format_size(char *out, size_t n, uint64_t v);

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
 * Keyed hashing.  Every table that untrusted keys fill (ids, strings,
 * frames, stacks from a profile) hashes with a key drawn at random when
 * the table is made, so no input can choose its probe lengths: the
 * function is wyhash's 64x64->128 multiply-fold ("mum") with two secret
 * 64-bit words, the class of seeded hash Go and Rust's fast hashers use.
 * Every input word goes into a multiply beside key material, so placing
 * a collision, or the zero operand that would erase a block's state,
 * takes knowing the key.
 * Output never depends on the key (tables are lookups only; order comes
 * from ids assigned in input order, and from sorting by value and name).
 */
struct hd_hash_key {
	uint64_t k0, k1;
};
/* A fresh random key (getrandom(); a mix of clock, pid and addresses if
 * that fails). */
void hd_hash_key_init(struct hd_hash_key *k);

static inline uint64_t hd_mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t hd_hash_u64(const struct hd_hash_key *k, uint64_t x)
{
	return hd_mum(hd_mum(x ^ k->k0, k->k1 ^ 0xe7037ed1a0b428dbULL) ^ x,
		      k->k0 ^ 0x8ebc6af09c88c6e3ULL);
}

/*
 * Keyed hash of n bytes, and of n 32-bit words (stacks of frame ids).
 * Equal input, equal key: equal value.  Nothing more: the values change
 * with the key, and hd_hash_words of n words need not equal hd_hash_mem
 * of the same 4n bytes.
 */
uint64_t hd_hash_mem(const struct hd_hash_key *k, const void *p, size_t n);
uint64_t hd_hash_words(const struct hd_hash_key *k, const uint32_t *w, size_t n);

/* An unkeyed hash, for output that must be the same on every run (the
 * flame graph's warm colours); never for a table. */
uint64_t hd_hash_bytes(const void *p, size_t n);

/*
 * An open-addressing hash map from a non-zero 64-bit key to a 32-bit
 * value, keyed (see above).  Key 0 is reserved for empty slots; callers
 * map 0 elsewhere.
 */
struct hd_map_slot {
	uint64_t key;
	uint32_t val;
};
struct hd_map {
	struct hd_map_slot *slots; /* key and value side by side: one miss */
	size_t cap, len;           /* cap is a power of two */
	struct hd_hash_key hk;
};
int hd_map_init(struct hd_map *m, size_t expected);
void hd_map_release(struct hd_map *m);
/* Returns 1 and sets *val when present, 0 when absent. */
int hd_map_get(const struct hd_map *m, uint64_t key, uint32_t *val);
/* Insert or overwrite; 0 or HD_ERR_NOMEM. */
int hd_map_put(struct hd_map *m, uint64_t key, uint32_t val);

/* Room in b for extra more bytes and the NUL (len and the bytes kept), for
 * a writer that fills data + len itself: 0, or b's failure (set here past
 * its max). */
int hd_buf_reserve(struct hd_buf *b, size_t extra);
/* Grow *pp (an array of *cap elements of size sz) to hold need elements. */
int hd_grow(void **pp, size_t *cap, size_t need, size_t sz);
/* A hint to fetch the cache line at p; nothing where unsupported. */
#if defined(__GNUC__) || defined(__clang__)
#define HD_PREFETCH(p) __builtin_prefetch(p)
#else
#define HD_PREFETCH(p) ((void)(p))
#endif
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

/* UTF-8 (utf8.c): the length of the valid sequence at s, or 0 when it
 * is invalid (overlong, a surrogate, past U+10FFFF, cut short by the NUL);
 * the code point of a valid k-byte sequence; and 1 for the code points no
 * report or message writes raw (C0, DEL, C1, Unicode's Bidi_Control). */
size_t hd_utf8_len(const unsigned char *s);
uint32_t hd_utf8_cp(const unsigned char *s, size_t k);
int hd_utf8_hidden(uint32_t cp);

#endif
