/*
 * sort.c - hd_sort, a stable merge sort whose comparison takes a context
 * pointer.  qsort() has none, so a comparison that needs the report (its
 * model, its columns) would have to find it in a static, and lib/ would
 * not be reentrant; qsort_r() is in neither C11 nor POSIX 2008.
 *
 * Owns nothing past the call: one scratch buffer, allocated and freed
 * inside it (n + 1 elements, or 2n + 1 pointers and one element for big
 * elements).  Stable (equal elements keep their order), O(n log n)
 * comparisons, never recursive.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* Runs this long are sorted by insertion before the merging starts. */
#define RUN 8

typedef int (*hd_cmp_fn)(const void *, const void *, void *);

/* Insertion sort of the n elements at p; tmp holds one element. */
static void insertion(char *p, size_t n, size_t size, hd_cmp_fn cmp, void *ctx,
		      char *tmp)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && cmp(p + (j - 1) * size, p + i * size, ctx) > 0; j--)
			;
		if (j == i)
			continue;
		memcpy(tmp, p + i * size, size);
		memmove(p + (j + 1) * size, p + j * size, (i - j) * size);
		memcpy(p + j * size, tmp, size);
	}
}

/* Merge the sorted runs a[0..na) and b[0..nb) into out; on ties a first. */
static void merge(const char *a, size_t na, const char *b, size_t nb, char *out,
		  size_t size, hd_cmp_fn cmp, void *ctx)
{
	while (na && nb) {
		if (cmp(b, a, ctx) < 0) {
			memcpy(out, b, size);
			b += size;
			nb--;
		} else {
			memcpy(out, a, size);
			a += size;
			na--;
		}
		out += size;
	}
	memcpy(out, a, na * size);
	memcpy(out + na * size, b, nb * size);
}

/* The bottom-up merge sort of n elements at base; scratch holds n + 1. */
static void sort_direct(char *base, size_t n, size_t size, hd_cmp_fn cmp, void *ctx,
			char *scratch)
{
	char *src = base, *dst = scratch;
	size_t i, width, na, nb;

	for (i = 0; i < n; i += RUN)
		insertion(src + i * size, n - i < RUN ? n - i : RUN, size, cmp, ctx,
			  scratch + n * size);
	/* From src into dst and back.  The scratch was allocated, so
	 * n * size <= PTRDIFF_MAX and width * 2 < 2 * n cannot wrap. */
	for (width = RUN; width < n; width *= 2) {
		for (i = 0; i < n; i += na + nb) {
			na = n - i < width ? n - i : width;
			nb = n - i - na < width ? n - i - na : width;
			merge(src + i * size, na, src + (i + na) * size, nb, dst + i * size,
			      size, cmp, ctx);
		}
		dst = src;
		src = src == base ? scratch : base;
	}
	if (src != base)
		memcpy(base, src, n * size);
}

/* Elements bigger than this are sorted as pointers to them and then moved
 * into place once: the merges move pointers, and the scratch is 2n
 * pointers rather than n elements (a report's rows are 80 bytes). */
#define DIRECT_MAX (2 * sizeof(void *))

struct indirect {
	hd_cmp_fn cmp;
	void *ctx;
};

static int cmp_indirect(const void *a, const void *b, void *ctx)
{
	const struct indirect *k = ctx;

	return k->cmp(*(const void *const *)a, *(const void *const *)b, k->ctx);
}

/* Move each element to where p says (p[i]: the one that belongs at i),
 * one cycle of the permutation at a time, through tmp. */
static void permute(char *base, size_t n, size_t size, char **p, char *tmp)
{
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		if (p[i] == base + i * size)
			continue;
		memcpy(tmp, base + i * size, size);
		for (j = i;; j = k) {
			k = (size_t)(p[j] - base) / size;
			p[j] = base + j * size;
			if (k == i)
				break;
			memcpy(base + j * size, base + k * size, size);
		}
		memcpy(base + j * size, tmp, size);
	}
}

int hd_sort(void *base, size_t n, size_t size,
	    int (*cmp)(const void *, const void *, void *ctx), void *ctx)
{
	struct indirect k = {cmp, ctx};
	char **p, *scratch;
	size_t i;

	if (n < 2 || size == 0)
		return 0;
	if (size <= DIRECT_MAX) {
		if (n >= SIZE_MAX / size || !(scratch = malloc((n + 1) * size)))
			return HD_ERR_NOMEM;
		sort_direct(base, n, size, cmp, ctx, scratch);
		free(scratch);
		return 0;
	}
	if (n >= (SIZE_MAX - size) / (2 * sizeof(*p)) - 1)
		return HD_ERR_NOMEM;
	p = malloc((2 * n + 1) * sizeof(*p) + size);
	if (!p)
		return HD_ERR_NOMEM;
	for (i = 0; i < n; i++)
		p[i] = (char *)base + i * size;
	sort_direct((char *)p, n, sizeof(*p), cmp_indirect, &k, (char *)(p + n));
	permute(base, n, size, p, (char *)(p + 2 * n + 1));
	free(p);
	return 0;
}
