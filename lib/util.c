/*
 * util.c - errors, arenas, hash maps and buffers: the small machinery the
 * rest of lib/ stands on.  Nothing here knows about profiles.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE), outside POSIX */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

const char *hd_status_str(int code)
{
	switch (code) {
	case HD_OK: return "success";
	case HD_ERR_NOMEM: return "out of memory";
	case HD_ERR_IO: return "i/o error";
	case HD_ERR_FORMAT: return "not a profile";
	case HD_ERR_INVALID: return "invalid profile";
	case HD_ERR_LIMIT: return "limit exceeded";
	case HD_ERR_USAGE: return "bad option";
	case HD_ERR_INCOMPATIBLE: return "incompatible profiles";
	}
	return "unknown error";
}

const char *hd_strerror(int errnum)
{
	static _Thread_local char buf[128];
	const char *s = strerror(errnum);

	snprintf(buf, sizeof(buf), "%s", s);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

int hd_vfail(struct hd_error *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		char *p;

		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		/* One line, fit for a terminal: messages quote names from
		 * the profile, which may hold newlines and escapes. */
		for (p = err->msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
	}
	return code;
}

int hd_fail(struct hd_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hd_vfail(err, code, fmt, ap);
	va_end(ap);
	return code;
}

/* Resize *pp to exactly ncap elements of sz bytes. */
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

/* ---- hash map ---- */

int hd_map_init(struct hd_map *m, size_t expected)
{
	size_t cap = 16;

	while (cap < expected * 2 && cap < ((size_t)1 << 40))
		cap *= 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->len = 0;
	if (!m->slots) {
		hd_map_release(m);
		return HD_ERR_NOMEM;
	}
	return 0;
}

void hd_map_release(struct hd_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

int hd_map_get(const struct hd_map *m, uint64_t key, uint32_t *val)
{
	size_t mask = m->cap - 1, i;

	if (!m->cap)
		return 0;
	for (i = hd_hash64(key) & mask;; i = (i + 1) & mask) {
		if (m->slots[i].key == key) {
			*val = m->slots[i].val;
			return 1;
		}
		if (m->slots[i].key == 0)
			return 0;
	}
}

static void map_insert(struct hd_map_slot *slots, size_t cap, uint64_t key,
		       uint32_t val, size_t *len)
{
	size_t mask = cap - 1, i;

	for (i = hd_hash64(key) & mask; slots[i].key && slots[i].key != key;
	     i = (i + 1) & mask)
		;
	if (!slots[i].key)
		(*len)++;
	slots[i].key = key;
	slots[i].val = val;
}

int hd_map_put(struct hd_map *m, uint64_t key, uint32_t val)
{
	if (!m->cap && hd_map_init(m, 16))
		return HD_ERR_NOMEM;
	if ((m->len + 1) * 4 > m->cap * 3) {
		size_t ncap = m->cap * 2, i, nlen = 0;
		struct hd_map_slot *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return HD_ERR_NOMEM;
		for (i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				map_insert(ns, ncap, m->slots[i].key, m->slots[i].val, &nlen);
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	map_insert(m->slots, m->cap, key, val, &m->len);
	return 0;
}

uint64_t hd_hash_bytes(const void *p, size_t n)
{
	/* FNV-1a, finished with a 64-bit mix: names are short. */
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return hd_hash64(h);
}

/* ---- buffer ---- */

void hd_buf_init(struct hd_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : SIZE_MAX;
}

void hd_buf_release(struct hd_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int buf_reserve(struct hd_buf *b, size_t extra)
{
	size_t need, ncap;
	char *np;

	if (b->failed)
		return HD_ERR_NOMEM;
	if (extra > b->max - b->len - 1 || b->len + 1 > b->max) {
		b->failed = 1;
		return HD_ERR_LIMIT;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	np = realloc(b->data, ncap);
	if (!np) {
		b->failed = 1;
		return HD_ERR_NOMEM;
	}
	b->data = np;
	b->cap = ncap;
	return 0;
}

int hd_buf_append(struct hd_buf *b, const void *p, size_t n)
{
	int rc = buf_reserve(b, n);

	if (rc)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int hd_buf_puts(struct hd_buf *b, const char *s)
{
	return hd_buf_append(b, s, strlen(s));
}

int hd_buf_printf(struct hd_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return HD_ERR_NOMEM;
	rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
