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
 * Then the lines are written in two passes: the first merges and adds
 * up each line's exact size (and the stacks' size before merging, held
 * to the cap), the second writes them into the output buffer, grown
 * once to that size: no line is put together anywhere else first.
 */

/* What the lines are made of. */
struct fold {
	const struct hd_model *m;
	size_t col[2], ncol;
	struct hd_buf names;     /* and 16 bytes of padding, for copy_name() */
	struct span *sp;         /* per frame: its name in names */
	uint32_t *rank;          /* per frame: 2 f its end, 2 f + 1 its ';' */
	uint32_t nranks;
	struct line *lines;
	size_t nlines, linecap;
	size_t room, size;       /* the stacks' bytes, held to room */
};

struct line {
	const uint32_t *frames;  /* root first, in the model's pool */
	uint32_t n;
	size_t len;              /* of its stack, written */
	int64_t v[2];
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

/* Whether stack (frames, n) reads the same as line l. */
static int same_stack(const struct fold *f, const struct line *l, const uint32_t *frames,
		      uint32_t n)
{
	uint32_t i;

	if (l->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (l->frames[i] != frames[i] &&
		    f->rank[2 * l->frames[i] + (i + 1 < n)] != f->rank[2 * frames[i] + (i + 1 < n)])
			return 0;
	return 1;
}

/* hd_model_sorted_pairs() callback, in the lines' order: one line, or
 * added to the one before when it reads the same; its size counted (and
 * held to room before a byte is written: the output repeats every
 * caller on every line, so a small profile can ask for an enormous
 * one). */
static int add_stack(void *ctx, const uint32_t *frames, uint32_t n, int64_t va, int64_t vb)
{
	struct fold *f = ctx;
	struct line *l;
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
	if (f->nlines && same_stack(f, &f->lines[f->nlines - 1], frames, n)) {
		l = &f->lines[f->nlines - 1];
		l->v[0] = hd_add_sat(l->v[0], va);
		l->v[1] = hd_add_sat(l->v[1], vb);
		return 0;
	}
	if (HD_GROW(f->lines, f->linecap, f->nlines + 1))
		return HD_ERR_NOMEM;
	l = &f->lines[f->nlines++];
	l->frames = frames;
	l->n = n;
	l->len = len;
	l->v[0] = va;
	l->v[1] = vb;
	return 0;
}

/* Decimal digits of v >= 0. */
static size_t digits(int64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Bytes [p, p + nb) to out, end the end of the room: names are short,
 * and a fixed 16-byte copy (the names padded, the room checked) is a
 * move or two where memcpy() is a call. */
static inline char *copy_name(char *out, const char *end, const char *p, size_t nb)
{
	if (nb <= 16 && end - out >= 16)
		memcpy(out, p, 16);
	else
		memcpy(out, p, nb);
	return out + nb;
}

/* The lines, negatives as 0 (a line of two 0 left out), into b: its exact
 * size first, then each line written in place. */
static int write_lines(struct fold *f, struct hd_buf *b)
{
	const struct line *lines = f->lines;
	size_t i, j, total = 0;
	char *out, *end;
	int rc;

	for (i = 0; i < f->nlines; i++) {
		int64_t v0 = lines[i].v[0] < 0 ? 0 : lines[i].v[0];
		int64_t v1 = lines[i].v[1] < 0 ? 0 : lines[i].v[1];

		if (v0 || v1)
			total += lines[i].len + 1 + digits(v0) + 1 +
				 (f->ncol == 2 ? 1 + digits(v1) : 0);
	}
	if ((rc = hd_buf_reserve(b, total)))
		return rc;
	out = b->data + b->len;
	end = b->data + b->cap;
	for (i = 0; i < f->nlines; i++) {
		const struct line *l = &lines[i];
		int64_t v0 = l->v[0] < 0 ? 0 : l->v[0], v1 = l->v[1] < 0 ? 0 : l->v[1];

		if (!v0 && !v1)
			continue;
		/* Each name with its ';', the last without. */
		for (j = 0; j < l->n; j++) {
			const struct span *sp = &f->sp[l->frames[j]];

			out = copy_name(out, end, f->names.data + sp->at, sp->len + 1);
		}
		out--;
		out += put_value(out, v0);
		if (f->ncol == 2)
			out += put_value(out, v1);
		*out++ = '\n';
	}
	b->len = (size_t)(out - b->data);
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
		rc = hd_model_sorted_pairs(f.m, f.col[0], f.ncol == 2 ? f.col[1] : f.col[0],
					   f.rank, f.nranks, add_stack, &f);
	if (!rc)
		rc = write_lines(&f, b);
	hd_buf_release(&f.names);
	free(f.lines);
	free(f.sp);
	free(f.rank);
	return rc;
}
