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
 *     ordered without writing them (below), so the work is a sort of the
 *     distinct stacks plus the output.
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

/* Every frame's name, cleaned and protected, into names; off[f] .. off[f+1]. */
static int frame_names(const struct hd_model *m, struct hd_buf *names, size_t *off)
{
	size_t f, nf = hd_model_frame_count(m);

	hd_buf_append(names, "", 0);    /* names->data is never NULL */
	for (f = 0; f < nf; f++) {
		off[f] = names->len;
		if (hd_put_clean(names, hd_model_frame(m, (uint32_t)f)->name, HD_CLEAN_TEXT,
				 HD_NAME_DISPLAY_MAX))
			return HD_ERR_NOMEM;
		protect_name(names->data + off[f], names->len - off[f]);
	}
	off[nf] = names->len;
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
 * ranks), and stacks compare as integer sequences.  Stacks that read the
 * same compare equal, sort side by side and are merged.
 */

/* What the lines are made of. */
struct fold {
	const struct hd_model *m;
	size_t col[2], ncol;
	struct hd_buf names;
	size_t *off;             /* frame f's name: names.data[off[f] .. off[f+1]) */
	uint32_t *rank;          /* per frame: 2 f its end, 2 f + 1 its ';' */
	struct line *lines;
	size_t nlines, linecap;
	size_t room, size;       /* the stacks' bytes, held to room */
};

struct line {
	const uint32_t *frames;  /* root first, in the model's pool */
	uint32_t n;
	int64_t v[2];
};

/* Key k of the frames' 2 * nf: frame k / 2's name, then (k odd) a ';'. */
static int cmp_key(const void *a, const void *b, void *ctx)
{
	const struct fold *f = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const unsigned char *p = (const unsigned char *)f->names.data + f->off[x / 2];
	const unsigned char *q = (const unsigned char *)f->names.data + f->off[y / 2];
	size_t n = f->off[x / 2 + 1] - f->off[x / 2], m = f->off[y / 2 + 1] - f->off[y / 2];
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
	free(k);
	return 0;
}

/* Two stacks in the order of their written strings; 0: they read the same. */
static int cmp_stack(const void *a, const void *b, void *ctx)
{
	const struct line *x = a, *y = b;
	const uint32_t *rank = ctx;
	uint32_t n = x->n < y->n ? x->n : y->n, i;

	for (i = 0; i < n; i++) {
		uint32_t fx = x->frames[i], fy = y->frames[i], rx, ry;

		if (fx == fy)
			continue;
		rx = rank[2 * fx + (i + 1 < x->n)];
		ry = rank[2 * fy + (i + 1 < y->n)];
		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	return x->n < y->n ? -1 : x->n > y->n;
}

/* hd_model_stack_pairs() callback: one line, its size counted (and held
 * to room before a byte is written: the output repeats every caller on
 * every line, so a small profile can ask for an enormous one). */
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
		len += f->off[frames[i] + 1] - f->off[frames[i]];
	if (len > f->room - f->size)
		return HD_ERR_LIMIT;
	f->size += len;
	if (HD_GROW(f->lines, f->linecap, f->nlines + 1))
		return HD_ERR_NOMEM;
	l = &f->lines[f->nlines++];
	l->frames = frames;
	l->n = n;
	l->v[0] = va;
	l->v[1] = vb;
	return 0;
}

/* The lines sorted, equal stacks merged, negatives as 0, into b: each
 * line put together in one scratch buffer and appended once (a checked
 * append per name was most of the time). */
static int write_lines(struct fold *f, struct hd_buf *b)
{
	struct line *lines = f->lines;
	size_t i, k, j, nlines = f->nlines, cap = 0;
	char *buf = NULL;

	for (i = 0; i < nlines; i = k) {
		int64_t v[2] = {lines[i].v[0], lines[i].v[1]};
		char tail[48];
		size_t t, len;

		for (k = i + 1; k < nlines && cmp_stack(&lines[i], &lines[k], f->rank) == 0; k++) {
			v[0] = hd_add_sat(v[0], lines[k].v[0]);
			v[1] = hd_add_sat(v[1], lines[k].v[1]);
		}
		v[0] = v[0] < 0 ? 0 : v[0];
		v[1] = v[1] < 0 ? 0 : v[1];
		if (!v[0] && !v[1])
			continue;
		t = put_value(tail, v[0]);
		if (f->ncol == 2)
			t += put_value(tail + t, v[1]);
		tail[t++] = '\n';
		/* add_stack() counted the stack: len of it and the tail. */
		for (j = 0, len = 0; j < lines[i].n; j++) {
			uint32_t fr = lines[i].frames[j];
			size_t nb = f->off[fr + 1] - f->off[fr];

			if (HD_GROW(buf, cap, len + nb + 1 + t)) {
				free(buf);
				return HD_ERR_NOMEM;
			}
			if (j)
				buf[len++] = ';';
			memcpy(buf + len, f->names.data + f->off[fr], nb);
			len += nb;
		}
		memcpy(buf + len, tail, t);
		if (hd_buf_append(b, buf, len + t))
			break;  /* hd_render() reports b->failed */
	}
	free(buf);
	return 0;
}

int hd_folded_stacks(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b)
{
	size_t nf = hd_model_frame_count(r->model);
	struct fold f;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.m = r->model;
	f.ncol = shown_columns(r, o, f.col);
	f.room = b->max - b->len - 1;
	hd_buf_init(&f.names, 0);
	f.off = malloc((nf + 1) * sizeof(*f.off));
	if (!f.off || frame_names(f.m, &f.names, f.off) || frame_ranks(&f, nf))
		rc = HD_ERR_NOMEM;
	if (!rc)
		rc = hd_model_stack_pairs(f.m, f.col[0], f.ncol == 2 ? f.col[1] : f.col[0],
					  add_stack, &f);
	if (!rc && f.nlines > 1 && hd_sort(f.lines, f.nlines, sizeof(*f.lines), cmp_stack, f.rank))
		rc = HD_ERR_NOMEM;
	if (!rc)
		rc = write_lines(&f, b);
	hd_buf_release(&f.names);
	free(f.lines);
	free(f.off);
	free(f.rank);
	return rc;
}
