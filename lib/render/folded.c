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

/* ---- the ordered walk ----
 *
 * Sorting every line's stack costs a copy of the whole output and a sort
 * of strings.  The tree gives the order for less: every line below a
 * node starts with that node's stack, so at each node its callees' lines
 * only need ordering among themselves, by the callee's name.  A callee c
 * stands for two runs of lines: its own line, whose stack ends in
 * name(c), and the lines below it, which go on name(c) ";" ...; with no
 * ';' inside a name, the runs order exactly as the strings name(c)
 * (ending there, before any byte) and name(c) ";" do.  So every frame
 * gets two ranks, own and below, from one sort of the frames' two keys,
 * and the walk writes the lines in the order the sort of whole stacks
 * gives, straight into the output.  Two frames with the same cleaned
 * name would need their lines merged: then the sort of whole stacks
 * runs instead.
 */

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

/* rank[2 f] and rank[2 f + 1]: frame f's own line and the lines below
 * it, in output order; *same when two frames have the same name. */
static int frame_ranks(const struct fold *f, size_t nf, uint32_t *rank, int *same)
{
	uint32_t *k = malloc((2 * nf + 1) * sizeof(*k));
	size_t i;

	if (!k)
		return HD_ERR_NOMEM;
	for (i = 0; i < 2 * nf; i++)
		k[i] = (uint32_t)i;
	if (nf && hd_sort(k, 2 * nf, sizeof(*k), cmp_key, (void *)f)) {
		free(k);
		return HD_ERR_NOMEM;
	}
	*same = 0;
	for (i = 0; i < 2 * nf; i++) {
		rank[k[i]] = (uint32_t)i;
		/* Equal names sort their keys side by side, ends first. */
		if (i && !(k[i] & 1) && !(k[i - 1] & 1) &&
		    cmp_key(&k[i - 1], &k[i], (void *)f) == 0)
			*same = 1;
	}
	free(k);
	return 0;
}

struct item {
	uint32_t node;
	uint32_t below;    /* 1: the lines below node; 0: its own line */
	size_t plen;       /* its caller's stack: the first plen bytes of cur */
};

struct walk {
	const uint32_t *size;  /* per node: its subtree, size[n] nodes from n */
	const uint32_t *rank;  /* frame_ranks() */
	uint64_t *keys;        /* scratch: one node's callees' runs, two per
				* callee, and a node's callees have distinct
				* frames: room for 2 * nf */
	struct item *st;       /* runs to write, the next on top */
	size_t nst, stcap;
	char *cur;             /* the stack being written, and its line */
	size_t curcap;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The runs of node n's callees onto the stack, the first on top. */
static int push_callees(const struct fold *f, struct walk *w, uint32_t n, size_t plen)
{
	size_t nk = 0, i;
	uint32_t c;

	/* Key: the run's rank, whether it is the lines below, the node. */
	for (c = n + 1; c < n + w->size[n]; c += w->size[c]) {
		int64_t v[2];

		if (node_values(f, c, v))
			w->keys[nk++] = (uint64_t)w->rank[2 * f->frame[c]] << 33 | c;
		if (w->size[c] > 1)
			w->keys[nk++] = (uint64_t)w->rank[2 * f->frame[c] + 1] << 33 |
					(uint64_t)1 << 32 | c;
	}
	if (nk > 1)
		qsort(w->keys, nk, sizeof(*w->keys), cmp_u64);
	if (HD_GROW(w->st, w->stcap, w->nst + nk))
		return HD_ERR_NOMEM;
	for (i = nk; i-- > 0;) {
		struct item *it = &w->st[w->nst++];

		it->node = (uint32_t)w->keys[i];
		it->below = (uint32_t)(w->keys[i] >> 32) & 1;
		it->plen = plen;
	}
	return 0;
}

/* Every line in order into b, by the walk above, each stack held in
 * w.cur (at most room bytes: check_size() held every line's stack to
 * that, and a stack with no line below it is not written); *same when it
 * cannot (then nothing is written). */
static int walk_lines(struct fold *f, struct hd_buf *b, size_t room, int *same)
{
	size_t nn = hd_model_node_count(f->m), nf = hd_model_frame_count(f->m);
	uint32_t *size = malloc((nn + 1) * sizeof(*size));
	uint32_t *rank = malloc((2 * nf + 1) * sizeof(*rank));
	struct walk w = {size, rank, malloc((2 * nf + 2) * sizeof(uint64_t)), NULL, 0, 0, NULL, 0};
	uint32_t n;
	int rc = 0;

	if (!size || !rank || !w.keys)
		rc = HD_ERR_NOMEM;
	if (rc || (rc = frame_ranks(f, nf, rank, same)) || *same)
		goto out;
	/* Preorder (model.c builds the tree from the sorted stacks). */
	for (n = 0; n < nn; n++)
		size[n] = 1;
	for (n = (uint32_t)nn; n-- > 1;)
		size[f->parent[n]] += size[n];
	rc = nn ? push_callees(f, &w, 0, 0) : 0;
	while (!rc && w.nst > 0) {
		struct item it = w.st[--w.nst];
		uint32_t fr = f->frame[it.node];
		size_t k = f->off[fr + 1] - f->off[fr], len = it.plen;
		int64_t v[2];

		/* The stack, then room for the values and the newline. */
		if (k + 1 > room - len) {
			rc = HD_ERR_LIMIT;
			break;
		}
		if (HD_GROW(w.cur, w.curcap, len + k + 1 + 48)) {
			rc = HD_ERR_NOMEM;
			break;
		}
		if (f->parent[it.node])
			w.cur[len++] = ';';
		memcpy(w.cur + len, f->names.data + f->off[fr], k);
		len += k;
		if (it.below) {
			rc = push_callees(f, &w, it.node, len);
			continue;
		}
		node_values(f, it.node, v);
		v[0] = v[0] < 0 ? 0 : v[0];
		v[1] = v[1] < 0 ? 0 : v[1];
		if (!v[0] && !v[1])
			continue;
		len += put_value(w.cur + len, v[0]);
		if (f->ncol == 2)
			len += put_value(w.cur + len, v[1]);
		w.cur[len++] = '\n';
		if (hd_buf_append(b, w.cur, len))
			break;  /* hd_render() reports b->failed */
	}
out:
	free(size);
	free(rank);
	free(w.keys);
	free(w.st);
	free(w.cur);
	return rc;
}

int hd_folded_stacks(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b)
{
	struct fold f;
	size_t need = 0;
	int rc = 0, same = 0;

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
	if (!rc)
		rc = walk_lines(&f, b, b->max - b->len - 1, &same);
	if (!rc && same && !(f.stacks = malloc(need + 1)))
		rc = HD_ERR_NOMEM;
	if (!rc && same)
		rc = collect(&f);
	if (!rc && same)
		write_lines(&f, b);
	hd_buf_release(&f.names);
	free(f.stacks);
	free(f.lines);
	free(f.path);
	free(f.off);
	return rc;
}
