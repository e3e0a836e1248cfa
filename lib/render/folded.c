/*
 * folded.c - folded stacks of top, diff and trend, for flamegraph.pl,
 * inferno, speedscope.
 *
 * One line per call-tree node with a non-zero self value in a shown
 * column (that is, per distinct stack of the model: no tree is built):
 * the frames root first, joined by ';', a space, then the value of each
 * shown column separated by spaces.
 *
 *   top          one column, the profile's
 *   diff, trend  o->folded: both "stack BASE NEW" (the first and the last
 *                column, difffolded.pl's input), base, or new
 *
 * Contract:
 *   - Values are the model's self values, so they already reflect
 *     --normalize and the filters.  A negative value (delta profiles can
 *     have them) is written as 0: the consumers take counts, not signed
 *     numbers.  A line whose shown values are all 0 is left out.  So with
 *     no filters and no negative samples, column c sums to the report's
 *     cols[c].total less the samples with an empty stack (self of the
 *     root node), which have no frame to write and are left out.
 *   - Frame names are cleaned as everywhere (render.h's hd_put_clean:
 *     invalid UTF-8 as U+FFFD, control and bidi characters as visible
 *     escapes, so no newline or tab splits a line) and cut past
 *     HD_NAME_DISPLAY_MAX bytes with "…" (flamegraph.pl and friends
 *     choke on megabyte frames); ';' becomes ':'
 *     since ';' separates frames; and when a name ends in ASCII spaces
 *     followed by a number (a run of digits and '.' with at least one
 *     digit: "worker 12", "v 1.5"), the space just before the number
 *     becomes '_' ("worker_12"), because parsers split the count off at
 *     the last whitespace and flamegraph.pl takes a stack that still ends
 *     in " NUMBER" for a two-column differential line.  Other spaces in
 *     names stay: the value is always after the last space.
 *   - Lines are sorted by stack (bytewise, as flamegraph.pl sorts), and
 *     nodes whose stacks read the same after the rewriting above are
 *     merged into one line, summing values before the clamp to 0.
 *   - No recursion: stacks can be 100 000 frames deep.  The lines are
 *     ordered without writing them (below), so the work is a radix sort
 *     of the distinct stacks plus the output.
 *   - The output repeats every caller's name on every line below it, so a
 *     small profile (a long name, a deep stack, many leaves) can ask for
 *     an enormous one.  The stacks, before equal ones are merged, are
 *     held to the output buffer's cap: their size is added up first, so
 *     rendering fails with HD_ERR_LIMIT before a byte of them is built,
 *     at no cost beyond one pass over the stacks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/formats.h"
#include "render/render.h"

/* The rules above, applied to one cleaned name in place (same length). */
static void protect_name(char *s, size_t n)
{
	size_t i, end = n;
	int digit = 0;

	for (i = 0; i < n; i++)
		if (s[i] == ';')
			s[i] = ':';
	while (end > 0 && ((s[end - 1] >= '0' && s[end - 1] <= '9') || s[end - 1] == '.')) {
		if (s[end - 1] != '.')
			digit = 1;
		end--;
	}
	if (digit && end < n && end > 0 && s[end - 1] == ' ')
		s[end - 1] = '_';
}

/* Where a frame's name is in fold.names, and its length; a ';' follows it. */
struct span {
	size_t at;
	size_t len;
};

/* Every frame's name, cleaned and protected, into names, each followed by
 * a ';' (what a line writes after every frame but its last). */
static int frame_names(const struct hd_model *m, struct hd_buf *names, struct span *sp)
{
	size_t f, nf = hd_model_frame_count(m);

	hd_buf_append(names, "", 0);    /* names->data is never NULL */
	for (f = 0; f < nf; f++) {
		sp[f].at = names->len;
		if (hd_put_clean(names, hd_model_frame(m, (uint32_t)f)->name, HD_CLEAN_TEXT,
				 HD_NAME_DISPLAY_MAX))
			return HD_ERR_NOMEM;
		sp[f].len = names->len - sp[f].at;
		protect_name(names->data + sp[f].at, sp[f].len);
		hd_buf_append(names, ";", 1);
	}
	return names->failed ? HD_ERR_NOMEM : 0;
}

/* The columns shown (o->folded), into col; returns how many. */
static size_t shown_columns(const struct hd_report *r, const struct hd_render_opts *o,
			    size_t col[2])
{
	col[0] = 0;
	if (r->ncols == 1 || o->folded == HD_FOLDED_BASE)
		return 1;
	if (o->folded == HD_FOLDED_NEW) {
		col[0] = r->ncols - 1;
		return 1;
	}
	col[1] = r->ncols - 1;
	return 2;
}

/* " V" into out (room for 21 bytes): its length.  v >= 0. */
static size_t put_value(char *out, int64_t v)
{
	char d[20];
	size_t n = 0, k = 0;
	uint64_t u = (uint64_t)v;

	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	out[k++] = ' ';
	while (n)
		out[k++] = d[--n];
	return k;
}

/*
 * The lines are the model's distinct stacks (hd_model_stack_pairs: a
 * call-tree node's self value is the sum of the stacks that end at it,
 * so no tree is built), in the order of a bytewise sort of their
 * written stacks, found without writing them.  A stack's string is its
 * frames' names joined by ';'; with no ';' inside a name, comparing two
 * of them bytewise is comparing, at the first frame where the names
 * differ, name + (end or ';'): the end when the stack stops there (which
 * comes before any byte), ';' when it goes on.  So each frame gets two
 * ranks from one sort of the frames' 2 * nf keys (equal names, equal
 * ranks), and the model sorts the stacks as integer sequences by them
 * (hd_model_sorted_pairs, a radix sort).  Stacks that read the same
 * have equal ranks, come side by side and are merged.
 *
 * The stacks' size is added up first, in a pass of its own over them
 * (before merging, held to the cap, so a bomb is refused before it is
 * built, and the buffer is grown once to a bound of the output); then
 * each line goes straight into the output buffer as its stack arrives
 * in order, its values when the next stack does not read the same: no
 * line is put together anywhere else, and nothing is kept per line.
 */

/* What the lines are made of. */
struct fold {
	const struct hd_model *m;
	size_t col[2], ncol;
	struct hd_buf names;     /* and 16 bytes of padding, for put_bytes() */
	struct span *sp;         /* per frame: its name in names */
	uint32_t *rank;          /* per frame: 2 f its end, 2 f + 1 its ';' */
	uint32_t nranks;
	size_t room, size;       /* the stacks' bytes, held to room */
	size_t nlines;           /* stacks counted, before merging */
	struct hd_buf *b;
	/* The line being written: its stack, from b->data + start. */
	const uint32_t *frames;
	uint32_t n;
	int64_t v[2];
	size_t start, pos;       /* where it starts, where the writing is */
};

/* Key k of the frames' 2 * nf: frame k / 2's name, then (k odd) a ';'. */
static int cmp_key(const void *a, const void *b, void *ctx)
{
	const struct fold *f = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const unsigned char *p = (const unsigned char *)f->names.data + f->sp[x / 2].at;
	const unsigned char *q = (const unsigned char *)f->names.data + f->sp[y / 2].at;
	size_t n = f->sp[x / 2].len, m = f->sp[y / 2].len;
	int c = memcmp(p, q, n < m ? n : m);

	if (c)
		return c;
	if (n == m)
		return (int)(x & 1) - (int)(y & 1);
	/* One name goes on; the other's end (before any byte) or ';'
	 * meets its next byte, never a ';'. */
	if (n < m)
		return !(x & 1) ? -1 : (';' < q[n] ? -1 : 1);
	return !(y & 1) ? 1 : (p[m] < ';' ? -1 : 1);
}

/* rank[] from the frames' names: equal keys, equal ranks. */
static int frame_ranks(struct fold *f, size_t nf)
{
	uint32_t *k = malloc((2 * nf + 1) * sizeof(*k));
	uint32_t r = 0;
	size_t i;

	f->rank = malloc((2 * nf + 1) * sizeof(*f->rank));
	if (!k || !f->rank) {
		free(k);
		return HD_ERR_NOMEM;
	}
	for (i = 0; i < 2 * nf; i++)
		k[i] = (uint32_t)i;
	if (nf && hd_sort(k, 2 * nf, sizeof(*k), cmp_key, f)) {
		free(k);
		return HD_ERR_NOMEM;
	}
	for (i = 0; i < 2 * nf; i++) {
		if (i && cmp_key(&k[i - 1], &k[i], f) != 0)
			r++;
		f->rank[k[i]] = r;
	}
	f->nranks = r + 1;
	free(k);
	return 0;
}

/* Whether stack (frames, n) reads the same as the line being written. */
static int same_stack(const struct fold *f, const uint32_t *frames, uint32_t n)
{
	uint32_t i;

	if (f->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (f->frames[i] != frames[i] &&
		    f->rank[2 * f->frames[i] + (i + 1 < n)] != f->rank[2 * frames[i] + (i + 1 < n)])
			return 0;
	return 1;
}

/* hd_model_stack_pairs() callback, the first pass: the stack's size
 * counted, and held to room before a byte is written (the output repeats
 * every caller on every line, so a small profile can ask for an enormous
 * one). */
static int count_stack(void *ctx, const uint32_t *frames, uint32_t n, int64_t va, int64_t vb)
{
	struct fold *f = ctx;
	size_t len = n ? n - 1 : 0, i;

	if (n == 0)
		return 0; /* the root's: no frame to write */
	if (f->ncol == 1)
		vb = 0;
	if (!va && !vb)
		return 0;
	for (i = 0; i < n && len <= f->room; i++)
		len += f->sp[frames[i]].len;
	if (len > f->room - f->size)
		return HD_ERR_LIMIT;
	f->size += len;
	f->nlines++;
	return 0;
}

/* Bytes [p, p + nb) at f->pos, the buffer grown when it must be: names are
 * short, and a fixed 16-byte copy (the names padded, the room checked) is
 * a move or two where memcpy() is a call. */
static int put_bytes(struct fold *f, const char *p, size_t nb)
{
	struct hd_buf *b = f->b;
	size_t left = b->cap - 1 - f->pos;  /* the NUL's byte kept */
	int rc;

	if (left < nb) {
		b->len = f->pos;
		if ((rc = hd_buf_reserve(b, nb)))
			return rc;
		left = b->cap - 1 - f->pos;
	}
	if (nb <= 16 && left >= 16)
		memcpy(b->data + f->pos, p, 16);
	else
		memcpy(b->data + f->pos, p, nb);
	f->pos += nb;
	return 0;
}

/* The line being written ended: its values (negatives as 0), or, both 0,
 * the line taken back. */
static int end_line(struct fold *f)
{
	int64_t v0 = f->v[0] < 0 ? 0 : f->v[0], v1 = f->v[1] < 0 ? 0 : f->v[1];
	char tail[48];
	size_t t;

	if (!f->frames)
		return 0;
	f->frames = NULL;
	if (!v0 && !v1) {
		f->pos = f->start;
		return 0;
	}
	f->pos--;  /* the last name's ';' */
	t = put_value(tail, v0);
	if (f->ncol == 2)
		t += put_value(tail + t, v1);
	tail[t++] = '\n';
	return put_bytes(f, tail, t);
}

/* hd_model_sorted_pairs() callback, in the lines' order: added to the line
 * being written when it reads the same, else that line ended and its own
 * begun, each name written with its ';'. */
static int write_stack(void *ctx, const uint32_t *frames, uint32_t n, int64_t va, int64_t vb)
{
	struct fold *f = ctx;
	uint32_t j;
	int rc;

	if (n == 0)
		return 0;
	if (f->ncol == 1)
		vb = 0;
	if (!va && !vb)
		return 0;
	if (f->frames && same_stack(f, frames, n)) {
		f->v[0] = hd_add_sat(f->v[0], va);
		f->v[1] = hd_add_sat(f->v[1], vb);
		return 0;
	}
	if ((rc = end_line(f)))
		return rc;
	f->frames = frames;
	f->n = n;
	f->v[0] = va;
	f->v[1] = vb;
	f->start = f->pos;
	for (j = 0; j < n; j++) {
		const struct span *sp = &f->sp[frames[j]];
		const char *p = f->names.data + sp->at;
		size_t nb = sp->len + 1;

		/* put_bytes() inline where the room is plain (most names). */
		if (nb <= 16 && f->b->cap - 1 - f->pos >= 16) {
			memcpy(f->b->data + f->pos, p, 16);
			f->pos += nb;
		} else if ((rc = put_bytes(f, p, nb))) {
			return rc;
		}
	}
	return 0;
}

/* The lines into b: the stacks counted, the buffer grown once to a bound
 * of them, each line written in place. */
static int write_lines(struct fold *f, struct hd_buf *b)
{
	size_t tail = 1 + 19 + 1 + (f->ncol == 2 ? 1 + 19 : 0), want;
	int rc = hd_model_stack_pairs(f->m, f->col[0], f->ncol == 2 ? f->col[1] : f->col[0],
				      count_stack, f);

	if (rc)
		return rc;
	want = f->nlines > (f->room - f->size) / tail ? f->room : f->size + f->nlines * tail;
	if ((rc = hd_buf_reserve(b, want)))
		return rc;
	f->b = b;
	f->pos = b->len;
	rc = hd_model_sorted_pairs(f->m, f->col[0], f->ncol == 2 ? f->col[1] : f->col[0],
				   f->rank, f->nranks, write_stack, f);
	if (!rc)
		rc = end_line(f);
	if (rc)
		return rc;
	b->len = f->pos;
	b->data[b->len] = '\0';
	return 0;
}

int hd_folded_stacks(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b)
{
	static const char pad[16];
	size_t nf = hd_model_frame_count(r->model);
	struct fold f;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.m = r->model;
	f.ncol = shown_columns(r, o, f.col);
	f.room = b->max - b->len - 1;
	hd_buf_init(&f.names, 0);
	f.sp = malloc((nf + 1) * sizeof(*f.sp));
	if (!f.sp || frame_names(f.m, &f.names, f.sp) || hd_buf_append(&f.names, pad, 16) ||
	    frame_ranks(&f, nf))
		rc = HD_ERR_NOMEM;
	if (!rc)
		rc = write_lines(&f, b);
	hd_buf_release(&f.names);
	free(f.sp);
	free(f.rank);
	return rc;
}
