/*
 * hash.c - keyed hashing for tables that untrusted input fills, and the
 * one unkeyed hash for output that must not change between runs.
 *
 * Owns nothing.  See base.h for why tables are keyed.
 */
#define _DEFAULT_SOURCE /* getrandom() */
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"

void hd_hash_key_init(struct hd_hash_key *k)
{
	uint64_t w[2];

	if (getrandom(w, sizeof(w), GRND_NONBLOCK) != (ssize_t)sizeof(w)) {
		/* No entropy yet (early boot) or no syscall: still differs
		 * per run and per table, which is all a table needs. */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		w[0] = hd_mum((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32),
			      0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid());
		w[1] = hd_mum((uint64_t)(uintptr_t)k ^ w[0], 0xbf58476d1ce4e5b9ULL);
	}
	k->k0 = w[0];
	k->k1 = w[1] | 1; /* an odd multiplier never folds a key to zero */
}

static inline uint64_t read64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t read32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

uint64_t hd_hash_mem(const struct hd_hash_key *k, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = k->k0 ^ hd_mum(n, k->k1);
	unsigned char tail[8];

	for (; n >= 8; s += 8, n -= 8)
		h = hd_mum(h ^ read64(s), k->k1);
	memset(tail, 0, sizeof(tail));
	memcpy(tail, s, n);
	return hd_mum(h ^ read64(tail) ^ ((uint64_t)n << 59), k->k1 ^ k->k0);
}

/*
 * Stacks are the one key hashed per sample, so this takes four words
 * (16 bytes) per multiply, as wyhash and Go's runtime hash take a block:
 * mum(a ^ k1, b ^ h) folds the block and the state in one step.  The
 * last block is the stack's last 16 bytes, overlapping the one before
 * it, so there is no padded tail; every word goes through at least one
 * multiply whose other side the key hides.  Past LANES_FROM words two
 * chains run side by side, each with its own key word, so their
 * multiplies overlap; they meet in unequal places (only one side takes
 * k0), so trading blocks between them is not a collision.  The word
 * count is in the final multiplier, where no block can cancel it: stacks
 * of different lengths that read the same blocks ([w] and [w, w]) still
 * part there, and k1 is odd, so that multiplier is never zero.
 */
enum { LANES_FROM = 16 };

uint64_t hd_hash_words(const struct hd_hash_key *k, const uint32_t *w, size_t n)
{
	const unsigned char *p = (const unsigned char *)w;
	uint64_t h = k->k0, a = 0, b = 0;

	if (n >= 4) {
		const unsigned char *end = p + n * 4;

		if (n > LANES_FROM) {
			uint64_t g = h ^ k->k1;

			do {
				h = hd_mum(read64(p) ^ k->k1, read64(p + 8) ^ h);
				g = hd_mum(read64(p + 16) ^ k->k0, read64(p + 24) ^ g);
				p += 32;
			} while (end - p > 32);
			h = hd_mum(h ^ k->k0, g);
		}
		for (; end - p > 16; p += 16)
			h = hd_mum(read64(p) ^ k->k1, read64(p + 8) ^ h);
		a = read64(end - 16);
		b = read64(end - 8);
	} else if (n) {
		/* One to three words: the first and the last in a, the
		 * middle one (or the first again) in b. */
		a = read32(p) | (uint64_t)read32(p + (n - 1) * 4) << 32;
		b = read32(p + (n >> 1) * 4);
	}
	return hd_mum(hd_mum(a ^ k->k1, b ^ h), k->k1 ^ ((uint64_t)n << 32));
}

uint64_t hd_hash_bytes(const void *p, size_t n)
{
	/* FNV-1a, finished with murmur3's 64-bit mix: names are short. */
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}
