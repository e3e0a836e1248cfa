/*
 * mem.c - growth of plain arrays (hd_grow, hd_reserve) and the arena.
 *
 * An arena is owned by one object (a profile, a model, a report) and
 * freed with it; arrays grown here belong to whoever holds the pointer.
 *
 * Big buffers get the kernel's default pages.  They were advised to use
 * transparent huge pages (MADV_HUGEPAGE) until measured at scale: on the
 * virtual machine of tests/bench, touching 200 MB in huge pages cost
 * 0.05 s of system time most runs and 1 s in others (a fresh 2 MB page
 * faults in all of its host memory, or waits for compaction), so the
 * million-stack diffs spent 0.3 to 1 s in the kernel against 0.1 s in
 * 4 KiB pages, for no user time won; at 200 000 stacks the two were
 * equal, or 4 KiB pages faster.  THP stalls are why Redis and MongoDB
 * ask for it to be off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static int resize(void **pp, size_t *cap, size_t ncap, size_t sz)
{
	void *np;

	if (ncap > SIZE_MAX / sz)
		return HD_ERR_NOMEM;
	np = realloc(*pp, ncap * sz);
	if (!np)
		return HD_ERR_NOMEM;
	*pp = np;
	*cap = ncap;
	return 0;
}

int hd_grow(void **pp, size_t *cap, size_t need, size_t sz)
{
	size_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return HD_ERR_NOMEM;
		ncap *= 2;
	}
	return resize(pp, cap, ncap, sz);
}

int hd_reserve(void **pp, size_t *cap, size_t need, size_t sz)
{
	return need <= *cap ? 0 : resize(pp, cap, need, sz);
}

/* ---- arena ---- */

struct hd_arena_chunk {
	struct hd_arena_chunk *next;
	size_t size;
	/* payload follows, aligned */
	max_align_t payload[];
};

#define ARENA_CHUNK (256 * 1024)

void hd_arena_init(struct hd_arena *a)
{
	memset(a, 0, sizeof(*a));
}

void hd_arena_release(struct hd_arena *a)
{
	struct hd_arena_chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		free(c);
		c = next;
	}
	memset(a, 0, sizeof(*a));
}

void *hd_arena_alloc(struct hd_arena *a, size_t n)
{
	struct hd_arena_chunk *c;
	size_t size;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if ((size_t)(a->end - a->pos) >= n) {
		p = a->pos;
		a->pos += n;
		return p;
	}
	/* Big requests get a chunk of their own so the current chunk's tail
	 * stays usable for the small ones that follow. */
	size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->size = size;
	c->next = a->head;
	a->head = c;
	a->total += size;
	p = c->payload;
	if (size == ARENA_CHUNK) {
		a->pos = (char *)c->payload + n;
		a->end = (char *)c->payload + size;
	}
	return p;
}

void *hd_arena_calloc(struct hd_arena *a, size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	p = hd_arena_alloc(a, nmemb * size);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

char *hd_arena_strndup(struct hd_arena *a, const char *s, size_t n)
{
	char *p = hd_arena_alloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

