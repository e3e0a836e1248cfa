/*
 * buf.c - struct hd_buf, the growable byte buffer with a cap.
 *
 * Owns the bytes it holds; see heapdiff.h for its invariants.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* ---- buffer ---- */

void hd_buf_init(struct hd_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : SIZE_MAX;
}

void hd_buf_reset(struct hd_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
	b->failed = 0;
}

void hd_buf_release(struct hd_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

int hd_buf_reserve(struct hd_buf *b, size_t extra)
{
	size_t need, ncap;
	char *np;

	if (b->failed)
		return b->failed;
	if (b->len + 1 > b->max || extra > b->max - b->len - 1)
		return b->failed = HD_ERR_LIMIT;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	np = realloc(b->data, ncap);
	if (!np)
		return b->failed = HD_ERR_NOMEM;
	b->data = np;
	b->cap = ncap;
	return 0;
}

int hd_buf_append(struct hd_buf *b, const void *p, size_t n)
{
	int rc = hd_buf_reserve(b, n);

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
	size_t room = b->data && !b->failed ? b->cap - b->len : 0;
	int n, rc;

	/* Into the room there is, first: formatting twice (to measure, then
	 * to write) was half of what a picture's numbers cost. */
	va_start(ap, fmt);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (room)
			b->data[b->len] = '\0';
		return b->failed ? b->failed : (b->failed = HD_ERR_NOMEM);
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	if (room)
		b->data[b->len] = '\0';
	rc = hd_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
