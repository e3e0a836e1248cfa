/*
 * folded.c - folded stacks of top, diff and trend, for flamegraph.pl,
 * inferno, speedscope.
 *
 * One line per call-tree node with a non-zero self value in a shown
 * column: the frames root first, joined by ';', a space, then the value
 * of each shown column separated by spaces.
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
 *   - No recursion: stacks can be 100 000 frames deep.  Each node's path
 *     is found by walking parent links into an array, so the work is
 *     proportional to the output.
 *   - The output repeats every caller's name on every line below it, so a
 *     small profile (a long name, a deep stack, many leaves) can ask for
 *     an enormous one.  The stacks, before equal ones are merged, are
 *     held to the output buffer's cap: their size is added up from the
 *     tree first (a node's stack is its caller's plus its own name), so
 *     rendering fails with HD_ERR_LIMIT before a byte of them is built,
 *     at no cost beyond one pass over the nodes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/formats.h"
#include "render/render.h"

struct line {
	const char *stack;   /* into the stacks buffer */
	size_t off, len;
	int64_t v[2];
};

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->stack, y->stack, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

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

/* What the lines are made of: names, the stacks being written, the lines. */
struct fold {
	const struct hd_model *m;
	size_t col[2], ncol;
	struct hd_buf names;
	char *stacks;            /* every line's stack, sized by check_size() */
	size_t slen;
	size_t *off;             /* frame f's name: names.data[off[f] .. off[f+1]) */
	struct line *lines;
	size_t nlines, linecap;
	uint32_t *path;          /* scratch: one node's frames, leaf first */
	size_t pathcap;
	/* The tree, read straight (a call per node and column was a tenth
	 * of folded's time): hd_model_tree_arrays(). */
	const uint32_t *parent, *frame;
	const int64_t *self[2];
	size_t nself[2];
};

/* The line of node n (values v), its stack appended to f->stacks (which
 * check_size() made big enough for every line): a copy per frame, not a
 * checked append, since this is most of folded's time. */
static int add_line(struct fold *f, uint32_t n, const int64_t v[2])
{
	size_t depth = 0;
	struct line *l;
	uint32_t p;

	for (p = n; p != 0; p = f->parent[p]) {
		if (HD_GROW(f->path, f->pathcap, depth + 1))
			return HD_ERR_NOMEM;
		f->path[depth++] = f->frame[p];
	}
	if (HD_GROW(f->lines, f->linecap, f->nlines + 1))
		return HD_ERR_NOMEM;
	l = &f->lines[f->nlines++];
	l->off = f->slen;
	l->v[0] = v[0];
	l->v[1] = v[1];
	while (depth-- > 0) {
		uint32_t fr = f->path[depth];
		size_t k = f->off[fr + 1] - f->off[fr];

		memcpy(f->stacks + f->slen, f->names.data + f->off[fr], k);
		f->slen += k;
		if (depth)
			f->stacks[f->slen++] = ';';
	}
	l->len = f->slen - l->off;
	return 0;
}

/* The self values of node n in the shown columns; 1 when any is non-zero
 * (the node has a line). */
static inline int node_values(const struct fold *f, uint32_t n, int64_t v[2])
{
	size_t k;

	v[0] = v[1] = 0;
	for (k = 0; k < f->ncol; k++)
		v[k] = n < f->nself[k] ? f->self[k][n] : 0;
	return v[0] || v[1];
}

/* HD_ERR_LIMIT when the stacks of every line would not fit in room bytes,
 * else their size in *need: each node's stack length follows from its
 * caller's (callers have smaller ids), so this is one pass and no stack
 * is built. */
static int check_size(const struct fold *f, size_t room, size_t *need)
{
	size_t nn = hd_model_node_count(f->m), total = 0;
	size_t *len = malloc(nn * sizeof(*len));
	uint32_t n;
	int rc = 0;

	if (!len)
		return HD_ERR_NOMEM;
	len[0] = 0;
	for (n = 1; n < nn && !rc; n++) {
		uint32_t p = f->parent[n], fr = f->frame[n];
		size_t own = f->off[fr + 1] - f->off[fr] + (p ? 1 : 0);
		int64_t v[2];

		/* Past room is past room: saturate at room + 1, never wrap
		 * (room < SIZE_MAX: the buffer's NUL is not in it). */
		len[n] = own > room || len[p] > room - own ? room + 1 : len[p] + own;
		if (!node_values(f, n, v))
			continue;
		if (len[n] > room - total)
			rc = HD_ERR_LIMIT;
		else
			total += len[n];
	}
	free(len);
	*need = total;
	return rc;
}

/* One line per node with a non-zero self value in a shown column. */
static int collect(struct fold *f)
{
	size_t nn = hd_model_node_count(f->m), i;
	uint32_t n;
	int rc;

	/* Node 0 is the root: its self is the samples with no frames. */
	for (n = 1; n < nn; n++) {
		int64_t v[2];

		if (!node_values(f, n, v))
			continue;
		if ((rc = add_line(f, n, v)))
			return rc;
	}
	for (i = 0; i < f->nlines; i++)
		f->lines[i].stack = f->stacks + f->lines[i].off;
	return 0;
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

/* The lines sorted, equal stacks merged, negatives as 0, into b. */
static void write_lines(struct fold *f, struct hd_buf *b)
{
	struct line *lines = f->lines;
	size_t i, k, nlines = f->nlines;

	if (nlines > 1) /* lines is NULL when there are none */
		qsort(lines, nlines, sizeof(*lines), cmp_line);
	for (i = 0; i < nlines; i = k) {
		int64_t v[2] = {lines[i].v[0], lines[i].v[1]};

		for (k = i + 1; k < nlines && cmp_line(&lines[i], &lines[k]) == 0; k++) {
			v[0] = hd_add_sat(v[0], lines[k].v[0]);
			v[1] = hd_add_sat(v[1], lines[k].v[1]);
		}
		v[0] = v[0] < 0 ? 0 : v[0];
		v[1] = v[1] < 0 ? 0 : v[1];
		if (!v[0] && !v[1])
			continue;
		{
			char tail[48];
			size_t t = put_value(tail, v[0]);

			if (f->ncol == 2)
				t += put_value(tail + t, v[1]);
			tail[t++] = '\n';
			hd_buf_append(b, lines[i].stack, lines[i].len);
			hd_buf_append(b, tail, t);
		}
		if (b->failed)
			break;  /* hd_render() reports it */
	}
}

int hd_folded_stacks(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b)
{
	struct fold f;
	size_t need = 0;
	int rc = 0;

	if (!hd_model_has_tree(r->model))
		return HD_ERR_USAGE; /* finished without HD_NEED_TREE */
	memset(&f, 0, sizeof(f));
	f.m = r->model;
	f.ncol = shown_columns(r, o, f.col);
	for (size_t k = 0; k < f.ncol; k++)
		hd_model_tree_arrays(f.m, f.col[k], &f.parent, &f.frame, &f.self[k], &f.nself[k]);
	hd_buf_init(&f.names, 0);
	f.off = malloc((hd_model_frame_count(f.m) + 1) * sizeof(*f.off));
	if (!f.off || frame_names(f.m, &f.names, f.off))
		rc = HD_ERR_NOMEM;
	if (!rc)
		rc = check_size(&f, b->max - b->len - 1, &need);
	if (!rc && !(f.stacks = malloc(need + 1)))
		rc = HD_ERR_NOMEM;
	if (!rc)
		rc = collect(&f);
	if (!rc)
		write_lines(&f, b);
	hd_buf_release(&f.names);
	free(f.stacks);
	free(f.lines);
	free(f.path);
	free(f.off);
	return rc;
}
