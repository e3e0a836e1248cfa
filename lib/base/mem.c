/*
 * mem.c - growth of plain arrays (hd_grow, hd_reserve) and the arena.
 *
 * An arena is owned by one object (a profile, a model, a report) and
 * freed with it; arrays grown here belong to whoever holds the pointer.
 * Big buffers are advised to use transparent huge pages (hd_advise_huge).
 */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE), outside POSIX */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
	hd_advise_huge(np, ncap * sz);
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

/*
 * The big buffers (an inflated profile, the model's stacks, its columns)
 * are written once, front to back, and read at random.  In 4 KiB pages
 * that is one page fault per 4 KiB (about 14 000 for a diff of two
 * 11 MB profiles, a fifth of its time in a virtual machine) and a TLB
 * miss per hash probe.  Where the kernel gives transparent huge pages
 * only on request ("madvise", Debian's default), ask for them on every
 * buffer of a few megabytes: glibc would do the same with
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which a library cannot set.
 * Advice only: failure changes nothing, and the range is trimmed to
 * whole pages inside the buffer.
 */
void hd_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	long ps = sysconf(_SC_PAGESIZE); /* per call: only big buffers come here */
	size_t page = ps > 0 ? (size_t)ps : 4096;
	uintptr_t lo, hi;

	if (n < HD_HUGE_MIN)
		return;
	lo = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
	hi = ((uintptr_t)p + n) & ~(uintptr_t)(page - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
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

