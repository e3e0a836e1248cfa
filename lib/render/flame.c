/*
 * flame.c - the call tree as an interactive flame graph in SVG: one
 * profile (top), or a differential graph of BASE and NEW (diff) or of the
 * first and the last profile (trend).  Part of the renderers' shared
 * module (render.h): svg.c writes it as a document, html.c inlines it in
 * the trend page.
 *
 * Layout, computed here in the picture's units (px of a WIDTH-wide
 * picture), so the numbers are in the file and the script only rescales:
 *
 *   - One frame per call-tree node; node 0 is the root "all".  The root is
 *     at the bottom and callees stand on their callers (--icicle: root at
 *     the top, callees below).  Siblings are in name order, as
 *     flamegraph.pl orders them, so two graphs of one program line up.
 *   - top: a frame is as wide as its cum.  diff and trend: as wide as
 *     max(base cum, new cum), so a frame that shrank or vanished keeps the
 *     room it had.  When some callees grew while others shrank, together
 *     they can need more than that; the caller is then widened to hold
 *     them and its own (flat) value, max(base, new) of it: a frame is
 *     never narrower than max(base, new) of its cum, and callees never
 *     overlap or stick out.  Negative values count as 0.
 *   - What is drawn is bounded whatever the tree: a frame narrower than
 *     MIN_WIDTH px is not drawn, nor its callees (narrower still), as
 *     flamegraph.pl's --minwidth does; nor a frame more than DEPTH_MAX
 *     levels above the root (a 150 000-deep recursion would be 2.4
 *     million px tall), so the picture is at most DEPTH_MAX + 1 frames
 *     high; and of the rest only the FRAMES_MAX - 1 widest are drawn
 *     besides the root (ties go to callers first, which keeps every drawn
 *     frame's caller drawn: a callee is never wider than its caller).
 *     The subtitle says how many frames each rule left out and how many
 *     levels were cut; the <svg> element's data-omitted counts them all.
 *     The root is always drawn.
 *
 * Colour:
 *
 *   - diff, trend: by the frame's own delta cum (new - base): red for
 *     growth, blue for shrinkage, light grey for none.  Saturation is
 *     logarithmic (hd_log_shade): 1 + log10(|delta| / max|delta|) / 4,
 *     clamped to [0.12, 1], max over the frames drawn.  The largest
 *     change is full colour and each tenfold less takes a quarter away,
 *     so one outlier does not wash out the rest: a hundredth of it is
 *     still half saturated.  Any change at all shows at least 0.12.
 *   - A new frame (base cum 0, new cum > 0) has a gold edge, a gone frame
 *     (new cum 0) a dashed grey one; flamegraph.css draws them by class.
 *   - top: warm colours from a hash of the name: a colour only tells
 *     frames apart.
 *
 * Numbers: every frame is a <g class="f" id="nNODE" data-p="nPARENT">
 * holding exact integers (diff, trend: data-base, data-new, cum of the
 * node, and data-base-flat, data-new-flat, the node's own value; top:
 * data-cum, data-flat) and a <title>, the tooltip: the name, then cum and
 * flat with base, new, delta and delta% (top: value and share of the
 * total).  Frames are written callers first (node order), which the
 * script relies on.  Names are valid UTF-8 with the five XML characters
 * escaped (render.h's hd_put_clean), so no name can break the document or
 * reach the script as code, and no control or bidi character reaches it
 * raw; a name longer than HD_NAME_DISPLAY_MAX bytes is cut with "…".
 * Labels are the names cut to what fits, as flamegraph.js cuts them on
 * zoom.
 *
 * The script (flamegraph.js) and style sheet (flamegraph.css) are
 * embedded: no network access, works from file://.
 *
 * No recursion: stacks can be 100 000 frames deep.  Output past the
 * buffer's cap fails with HD_ERR_LIMIT, and the frames stop there.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"
#include "fg-assets.h" /* hd_fg_js, hd_fg_css */

#define WIDTH 1200.0
#define PAD 10.0
#define PLOT (WIDTH - 2 * PAD)
#define FRAME_H 16
#define HEAD 86          /* title, totals, legend, buttons */
#define FOOT 30          /* the line that shows a frame's numbers on hover */
#define CHAR_W 6.7       /* advance of an 11px monospace character */
#define MIN_WIDTH 0.1
#define DEPTH_MAX 1024   /* levels above the root drawn */
#define FRAMES_MAX 50000 /* frames drawn, the root included */

/* Why a frame is drawn or not (fg.drawn[]); a callee of a frame not
 * drawn inherits its caller's reason. */
enum { NOT_DRAWN, DRAWN, NARROW, DEEP, CROWDED, NREASONS };

/* A node on the walk's path, open until the walk leaves it. */
struct open_node {
	uint32_t id, frame;
	uint32_t wi;          /* first pass: its place in fg.w */
	double w;             /* second pass: its width */
	uint32_t cand;        /* its place in fg.cand, or NONE */
	unsigned char drawn;  /* second pass: DRAWN or why not */
	int64_t self0, self1;
	size_t kids;          /* where its closed callees start on fg.kids */
};

/* A closed node waiting for its caller to close. */
struct kid {
	double w;
	int64_t cum0, cum1;
	uint32_t id, frame, cand;
};

/* A node the depth and width rules let through: only these are kept. */
struct cand {
	uint32_t id, parent, pcand, frame, depth;
	unsigned char drawn;  /* DRAWN, or CROWDED once crowd_out() ran */
	size_t first;         /* the first of the sorted stacks below it */
	int64_t cum0, cum1, self0, self1;
	double w, x;
	size_t kids, nkids;   /* its callees in name order, in fg.seq */
};

/* A callee of a candidate, in name order: its width and candidate. */
struct seq {
	uint64_t key;         /* name rank << 32 | node id */
	double w;
	uint32_t cand;
};

#define NONE UINT32_MAX

struct fg {
	const struct hd_report *r;
	const struct hd_render_opts *o;
	struct hd_buf *b;
	const struct hd_model *m;
	int diff;              /* two columns, base and new */
	size_t c0, c1;         /* base and new column (the same for top) */
	struct hd_tree_stacks st;
	size_t at;             /* the sorted stack the walk is at */
	int64_t *pre0, *pre1;  /* sums of the sorted stacks before each, or NULL */
	uint32_t *rank;        /* per frame: its place in name order */
	size_t nn;             /* nodes of the whole tree */
	double *w;             /* per shared node (walk_widths), in value units */
	size_t nw, w_cap;
	uint32_t *wbase;       /* per sorted stack: where its new shared nodes are in w */
	struct open_node *path;
	size_t path_cap, depth;
	struct kid *kids;
	size_t nkids, kids_cap;
	struct cand *cand;
	size_t ncand, cand_cap;
	struct seq *seq;
	size_t nseq, seq_cap;
	struct seq *tmp;       /* scratch for sort_callees() */
	size_t tmp_cap;
	uint32_t maxdepth;     /* of the frames drawn */
	uint32_t treedepth;    /* of the whole tree */
	size_t omitted;        /* frames not drawn, for every reason */
	size_t why[NREASONS];  /* of those, how many for each reason */
	double scale;          /* px per value unit */
	double dmax;           /* largest |delta cum| drawn */
	struct hd_buf name;    /* scratch: one cleaned name */
};

/* ---- text ---- */

/* The cleaned name cut to fit w px, as flamegraph.js's label() does. */
static void put_label(struct hd_buf *b, const char *s, size_t n, double w)
{
	double fit = floor((w - 6) / CHAR_W);
	size_t cut;

	if (fit < 3)
		return;
	cut = hd_prefix(s, n, (size_t)fit);
	if (cut == n) {
		hd_xml_escape(b, s, n);
		return;
	}
	hd_xml_escape(b, s, hd_prefix(s, n, (size_t)fit - 2));
	hd_buf_puts(b, "..");
}

/* ---- colour ---- */

/* The diverging colour of a change d against the largest change dmax
 * (both >= 0 magnitudes; grow: red, else blue) on hd_log_shade's scale,
 * as "rgb(r,g,b)". */
static void diff_colour(char *buf, size_t n, double d, double dmax, int grow)
{
	static const double grey[3] = {224, 224, 224};
	static const double red[3] = {222, 45, 38};
	static const double blue[3] = {49, 110, 214};
	const double *to = grow ? red : blue;
	double s = hd_log_shade(d, dmax);
	int k, c[3];

	for (k = 0; k < 3; k++)
		c[k] = (int)lround(grey[k] + (to[k] - grey[k]) * s);
	snprintf(buf, n, "rgb(%d,%d,%d)", c[0], c[1], c[2]);
}

/* Warm colours for a plain graph: red to yellow, from a hash of the name. */
static void warm_colour(char *buf, size_t n, const char *name)
{
	uint64_t h = hd_hash_bytes(name, strlen(name));

	snprintf(buf, n, "rgb(%d,%d,%d)", 205 + (int)(h % 50), 90 + (int)((h >> 8) % 140),
		 (int)((h >> 16) % 60));
}

/* ---- layout ---- */

/* Frames by name, for name_rank(). */
static int cmp_frame_name(const void *a, const void *b, void *ctx)
{
	const struct hd_model *m = ctx;

	return strcmp(hd_model_frame(m, *(const uint32_t *)a)->name,
		      hd_model_frame(m, *(const uint32_t *)b)->name);
}

/* Each frame's place in name order, equal names equal: *out, nf of them
 * (sorting a million nodes by strcmp was a third of the picture's time;
 * the frames are far fewer). */
static int name_rank(const struct hd_model *m, uint32_t **out)
{
	size_t nf = hd_model_frame_count(m), i;
	uint32_t *ids = malloc((nf + 1) * sizeof(*ids)), *rank = malloc((nf + 1) * sizeof(*rank));
	uint32_t r = 0;

	if (!ids || !rank)
		goto fail;
	for (i = 0; i < nf; i++)
		ids[i] = (uint32_t)i;
	if (nf > 1 && hd_sort(ids, nf, sizeof(*ids), cmp_frame_name, (void *)m))
		goto fail;
	for (i = 0; i < nf; i++) {
		if (i && cmp_frame_name(&ids[i - 1], &ids[i], (void *)m))
			r++;
		rank[ids[i]] = r;
	}
	free(ids);
	*out = rank;
	return 0;
fail:
	free(ids);
	free(rank);
	return HD_ERR_NOMEM;
}

static double room(int64_t cum0, int64_t cum1)
{
	int64_t v = cum0 > cum1 ? cum0 : cum1;

	return v > 0 ? (double)v : 0;
}

/*
 * The layout walks the sorted distinct stacks (hd_model_tree_stacks)
 * twice, as the model's tree would be built from them, holding only the
 * path from the root and each open node's closed callees; every node
 * gets the id the model's tree gives it (depth-first order).
 *
 *   1. Widths bottom-up, as each node closes: the larger of max(base,
 *      new) cum and the callees' widths plus max(base, new) of the
 *      frame's own value.  Callees are summed last to first, cums with
 *      saturation, so the doubles and the integers are those of a
 *      reverse scan over a whole tree, bit for bit.  Kept: one double
 *      per node more than one stack passes through (walk_widths: a
 *      stack's own nodes are as wide as its leaf).
 *   2. With the scale from the root's width, what is drawn, in node
 *      order (callers first), a callee of a frame not drawn for the
 *      same reason as its caller: the frames the rules let through are
 *      kept (fg.cand) with their numbers and, as each closes, its
 *      callees' widths in name order (fg.seq).
 *
 * Then offsets top-down over the kept frames, each one's callees side
 * by side from its own offset in name order, and the FRAMES_MAX rule.
 */
static int open_node(struct fg *g, int pass, uint32_t frame, double w)
{
	struct open_node *o, *p = &g->path[g->depth];
	uint32_t id;

	if (g->nn >= UINT32_MAX - 1 || HD_GROW(g->path, g->path_cap, g->depth + 2))
		return HD_ERR_NOMEM;
	p = &g->path[g->depth];
	id = (uint32_t)g->nn++;
	o = &g->path[++g->depth];
	memset(o, 0, sizeof(*o));
	o->id = id;
	o->frame = frame;
	o->cand = NONE;
	o->kids = g->nkids;
	o->w = w;
	if (pass == 1) {
		if (HD_GROW(g->w, g->w_cap, g->nw + 1))
			return HD_ERR_NOMEM;
		o->wi = (uint32_t)g->nw++;
		if (g->depth > g->treedepth)
			g->treedepth = (uint32_t)g->depth;
		return 0;
	}
	if (p->drawn != DRAWN)
		o->drawn = p->drawn;
	else if (g->depth > DEPTH_MAX)
		o->drawn = DEEP;
	else if (w * g->scale < MIN_WIDTH)
		o->drawn = NARROW;
	else
		o->drawn = DRAWN;
	if (o->drawn != DRAWN) {
		g->why[o->drawn]++;
		g->omitted++;
		return 0;
	}
	if (HD_GROW(g->cand, g->cand_cap, g->ncand + 1))
		return HD_ERR_NOMEM;
	o->cand = (uint32_t)g->ncand;
	g->cand[g->ncand++] = (struct cand){.id = id, .parent = p->id, .pcand = p->cand,
					    .frame = frame, .depth = (uint32_t)g->depth,
					    .drawn = DRAWN, .first = g->at, .w = w};
	return 0;
}

/*
 * n callees by key (name rank, then node id): distinct keys, so any sort
 * gives this order.  A caller has a few dozen callees at most in most
 * trees, where insertion is cheapest.  More (the root of a program of
 * thousands of functions) are radix sorted by rank alone: callees close
 * in node order, so a stable sort keeps the ids of a rank in order.
 */
static int sort_callees(struct fg *g, struct seq *q, size_t n)
{
	size_t i, j, count[256];
	unsigned shift;
	uint32_t top = 0;
	struct seq t, *src = q, *dst;

	if (n <= 64) {
		for (i = 1; i < n; i++) {
			t = q[i];
			for (j = i; j > 0 && q[j - 1].key > t.key; j--)
				q[j] = q[j - 1];
			q[j] = t;
		}
		return 0;
	}
	if (HD_GROW(g->tmp, g->tmp_cap, n))
		return HD_ERR_NOMEM;
	dst = g->tmp;
	for (i = 0; i < n; i++)
		if ((uint32_t)(q[i].key >> 32) > top)
			top = (uint32_t)(q[i].key >> 32);
	for (shift = 32; shift < 64 && top >> (shift - 32); shift += 8) {
		size_t sum = 0, c;
		struct seq *x;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i].key >> shift) & 255]++;
		for (j = 0; j < 256; j++) {
			c = count[j];
			count[j] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & 255]++] = src[i];
		x = src;
		src = dst;
		dst = x;
	}
	if (src != q)
		memcpy(q, src, n * sizeof(*q));
	return 0;
}

/* A candidate's callees, in name order, into fg.seq. */
static int put_seq(struct fg *g, struct cand *c, size_t from)
{
	size_t k;

	c->kids = g->nseq;
	c->nkids = g->nkids - from;
	if (HD_GROW(g->seq, g->seq_cap, g->nseq + c->nkids + 1))
		return HD_ERR_NOMEM;
	for (k = from; k < g->nkids; k++)
		g->seq[g->nseq++] = (struct seq){
			(uint64_t)g->rank[g->kids[k].frame] << 32 | g->kids[k].id,
			g->kids[k].w, g->kids[k].cand};
	return sort_callees(g, g->seq + c->kids, c->nkids);
}

/* The second pass when no sum can saturate: a node's cum is the sum of
 * the sorted stacks below it, a difference of prefix sums, and only the
 * candidates and their callees are kept. */
/* Candidate o->cand, when it is one, gets its sums and its callees. */
static int close_cand(struct fg *g, const struct open_node *o, int64_t cum0, int64_t cum1)
{
	struct cand *c;

	if (o->cand == NONE)
		return 0;
	c = &g->cand[o->cand];
	c->cum0 = cum0;
	c->cum1 = cum1;
	c->self0 = o->self0;
	c->self1 = o->self1;
	return put_seq(g, c, o->kids);
}

static int close_kept(struct fg *g, struct open_node *o)
{
	if (o->cand != NONE &&
	    close_cand(g, o, g->pre0[g->at] - g->pre0[g->cand[o->cand].first],
		       g->pre1[g->at] - g->pre1[g->cand[o->cand].first]))
		return HD_ERR_NOMEM;
	g->nkids = o->kids;
	if (g->depth == 0)
		return 0;
	if (g->path[g->depth - 1].cand != NONE) {
		if (HD_GROW(g->kids, g->kids_cap, g->nkids + 1))
			return HD_ERR_NOMEM;
		g->kids[g->nkids++] = (struct kid){o->w, 0, 0, o->id, o->frame, o->cand};
	}
	g->depth--;
	return 0;
}

/* Close the path's last node (the root when depth is 0). */
static int close_node(struct fg *g, int pass)
{
	struct open_node *o = &g->path[g->depth];
	int64_t cum0 = o->self0, cum1 = o->self1;
	double inner = 0, self = o->self0 > o->self1 ? (double)o->self0 : (double)o->self1, w;
	size_t k;

	if (pass == 2 && g->pre0)
		return close_kept(g, o);
	for (k = g->nkids; k-- > o->kids;) {
		cum0 = hd_add_sat(cum0, g->kids[k].cum0);
		cum1 = hd_add_sat(cum1, g->kids[k].cum1);
		inner += g->kids[k].w;
	}
	/* Widened: the callees and the frame's own value side by side. */
	if (inner > 0 && self > 0)
		inner += self;
	w = inner > room(cum0, cum1) ? inner : room(cum0, cum1);
	if (pass == 1)
		g->w[o->wi] = w;
	if (pass == 2 && close_cand(g, o, cum0, cum1))
		return HD_ERR_NOMEM;
	g->nkids = o->kids;
	if (g->depth == 0)
		return 0;
	if (HD_GROW(g->kids, g->kids_cap, g->nkids + 1))
		return HD_ERR_NOMEM;
	g->kids[g->nkids++] = (struct kid){w, cum0, cum1, o->id, o->frame, o->cand};
	g->depth--;
	return 0;
}

/* Sorted stack i's frames, the one 8 ahead fetched meanwhile: in sorted
 * order the stacks lie at random in the model's pool. */
static const uint32_t *stack_ahead(const struct fg *g, size_t i)
{
	uint32_t n;

	if (i + 8 < g->st.n)
		HD_PREFETCH(hd_model_stack_frames(g->m, g->st.ids[i + 8], &n));
	return hd_model_stack_frames(g->m, g->st.ids[i], &n);
}

/* The width of sorted stack i's node at index k (depth k + 1), one it
 * adds: a shared one's from the first pass, an own one's its leaf's. */
static double node_width(const struct fg *g, size_t i, uint32_t k)
{
	uint32_t lcp = g->st.lcp[i];
	uint32_t next = i + 1 < g->st.n ? g->st.lcp[i + 1] : 0;
	uint32_t shared = lcp > next ? lcp : next;

	if (k < shared)
		return g->w[g->wbase[i] + (k - lcp)];
	return room(g->st.va[i], g->st.vb[i]);
}

/*
 * The second pass with prefix sums: a frame not drawn takes its reason
 * to all its callees, so below the first one on the path (at depth fnd)
 * nothing is kept, and the nodes a stack adds there are only counted.
 * The path holds the nodes down to fnd; the work is a step per stack
 * plus one per node kept or counted by itself.
 */
static int walk_kept(struct fg *g)
{
	size_t i, fnd = SIZE_MAX;
	int rc = 0;

	for (i = 0; i < g->st.n && !rc; i++) {
		uint32_t n = g->st.depth[i], lcp = g->st.lcp[i], k;
		const uint32_t *f;

		g->at = i;
		while (g->depth > lcp && !rc)
			rc = close_kept(g, &g->path[g->depth]);
		if (rc)
			break;
		if (fnd != SIZE_MAX && fnd > lcp)
			fnd = SIZE_MAX;
		if (fnd != SIZE_MAX) {
			g->why[g->path[fnd].drawn] += n - lcp;
			g->omitted += n - lcp;
			g->nn += n - lcp;
			continue;
		}
		f = stack_ahead(g, i);
		for (k = lcp; k < n && !rc; k++) {
			rc = open_node(g, 2, f[k], node_width(g, i, k));
			if (!rc && g->path[g->depth].drawn != DRAWN) {
				size_t rest = n - k - 1;

				fnd = g->depth;
				g->why[g->path[fnd].drawn] += rest;
				g->omitted += rest;
				g->nn += rest;
				break;
			}
		}
		if (!rc && fnd == SIZE_MAX) {
			struct open_node *leaf = &g->path[g->depth];

			leaf->self0 = hd_add_sat(leaf->self0, g->st.va[i]);
			leaf->self1 = hd_add_sat(leaf->self1, g->st.vb[i]);
		}
	}
	g->at = g->st.n;
	while (!rc && g->depth > 0)
		rc = close_kept(g, &g->path[g->depth]);
	return rc ? rc : close_kept(g, &g->path[0]);
}

/* Either pass starts at the root, open alone, its candidate cand. */
static void walk_start(struct fg *g, uint32_t cand)
{
	g->nn = 1;
	g->depth = 0;
	g->nkids = 0;
	memset(&g->path[0], 0, sizeof(g->path[0]));
	g->path[0].frame = NONE;
	g->path[0].drawn = DRAWN;
	g->path[0].cand = cand;
}

/*
 * The first pass.  Below the frames a sorted stack shares with the one
 * before it and the one after it, its nodes are its own: no other stack
 * passes through them, so each has no value of its own but the leaf's
 * and one callee, and its width and cum are the leaf's, room(va, vb) and
 * (va, vb), exactly (a sum of one term, a max of two equal ones).  That
 * tail gets its widths at once and goes to its caller as one closed
 * callee; only the shared nodes are opened and closed.
 */
static int walk_widths(struct fg *g)
{
	size_t i;
	int rc = 0;

	if (HD_GROW(g->path, g->path_cap, 1) || HD_GROW(g->w, g->w_cap, 1) ||
	    !(g->wbase = malloc((g->st.n + 1) * sizeof(*g->wbase))))
		return HD_ERR_NOMEM;
	g->nw = 1;  /* the root's */
	walk_start(g, NONE);
	g->path[0].wi = 0;
	for (i = 0; i < g->st.n && !rc; i++) {
		uint32_t n = g->st.depth[i], lcp = g->st.lcp[i], k;
		uint32_t next = i + 1 < g->st.n ? g->st.lcp[i + 1] : 0;
		uint32_t shared = lcp > next ? lcp : next;
		int64_t va = g->st.va[i], vb = g->st.vb[i];

		while (g->depth > lcp && !rc)
			rc = close_node(g, 1);
		g->wbase[i] = (uint32_t)g->nw;
		/* The first pass reads no frame: callees are ordered later. */
		for (k = lcp; k < shared && !rc; k++)
			rc = open_node(g, 1, NONE, 0);
		if (rc)
			break;
		if (shared < n) {
			size_t cnt = n - shared, id0 = g->nn;
			double w = room(va, vb);

			if (cnt > UINT32_MAX - 1 - g->nn || HD_GROW(g->kids, g->kids_cap, g->nkids + 1))
				return HD_ERR_NOMEM;
			g->nn += cnt;
			if (n > g->treedepth)
				g->treedepth = n;
			g->kids[g->nkids++] = (struct kid){w, va, vb, (uint32_t)id0, NONE, NONE};
		} else {
			struct open_node *leaf = &g->path[g->depth];

			leaf->self0 = hd_add_sat(leaf->self0, va);
			leaf->self1 = hd_add_sat(leaf->self1, vb);
		}
	}
	while (!rc && g->depth > 0)
		rc = close_node(g, 1);
	return rc ? rc : close_node(g, 1);
}

/* The second pass (the first is walk_widths()). */
static int walk(struct fg *g)
{
	size_t i;
	int rc = 0;

	walk_start(g, 0);
	g->path[0].w = g->w[0];
	if (HD_GROW(g->cand, g->cand_cap, 1))
		return HD_ERR_NOMEM;
	g->ncand = 1;
	g->cand[0] = (struct cand){.id = 0, .parent = 0, .pcand = NONE, .frame = NONE,
				   .depth = 0, .drawn = DRAWN, .w = g->w[0]};
	if (g->pre0)
		return walk_kept(g);
	for (i = 0; i < g->st.n && !rc; i++) {
		uint32_t n = g->st.depth[i], lcp = g->st.lcp[i], k;
		const uint32_t *f = stack_ahead(g, i);
		struct open_node *leaf;

		g->at = i;
		while (g->depth > lcp && !rc)
			rc = close_node(g, 2);
		for (k = lcp; k < n && !rc; k++)
			rc = open_node(g, 2, f[k], node_width(g, i, k));
		if (rc)
			break;
		leaf = &g->path[g->depth];
		leaf->self0 = hd_add_sat(leaf->self0, g->st.va[i]);
		leaf->self1 = hd_add_sat(leaf->self1, g->st.vb[i]);
	}
	g->at = g->st.n;
	while (!rc && g->depth > 0)
		rc = close_node(g, 2);
	return rc ? rc : close_node(g, 2);
}

static int cmp_wider(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

/* Of the frames the first rules let through (all candidates but the
 * root), the FRAMES_MAX - 1 widest stay drawn: those wider than the last
 * one's width, then as many as are left of that width, callers first. */
static int crowd_out(struct fg *g)
{
	size_t keep = FRAMES_MAX - 1, k, ties, n_drawn = g->ncand - 1;
	double *ws = malloc(n_drawn * sizeof(double)), cut;

	if (!ws)
		return HD_ERR_NOMEM;
	for (k = 1; k < g->ncand; k++)
		ws[k - 1] = g->cand[k].w;
	qsort(ws, n_drawn, sizeof(double), cmp_wider);
	cut = ws[keep - 1];
	for (k = 0; k < keep && ws[k] > cut; k++)
		;
	ties = keep - k;
	free(ws);
	for (k = 1; k < g->ncand; k++) {
		struct cand *c = &g->cand[k];
		int kept = g->cand[c->pcand].drawn == DRAWN &&
			   (c->w > cut || (c->w == cut && ties > 0));

		if (!kept)
			c->drawn = CROWDED;
		else if (c->w <= cut)
			ties--;
	}
	return 0;
}

/* When the magnitudes of each column's stacks sum to at most INT64_MAX,
 * no partial sum saturates in any order, and a node's cum is exactly a
 * difference of prefix sums over the sorted stacks: fg.pre0, fg.pre1.
 * Otherwise (hostile values) they stay NULL, and the second pass sums
 * as the first. */
static int prefix_sums(struct fg *g)
{
	uint64_t m0 = 0, m1 = 0;
	size_t i;

	for (i = 0; i < g->st.n; i++) {
		int64_t a = g->st.va[i], b = g->st.vb[i];
		uint64_t ua = a < 0 ? -(uint64_t)a : (uint64_t)a, ub = b < 0 ? -(uint64_t)b : (uint64_t)b;

		if (__builtin_add_overflow(m0, ua, &m0) || __builtin_add_overflow(m1, ub, &m1) ||
		    m0 > INT64_MAX || m1 > INT64_MAX)
			return 0;
	}
	g->pre0 = malloc((g->st.n + 1) * sizeof(int64_t));
	g->pre1 = malloc((g->st.n + 1) * sizeof(int64_t));
	if (!g->pre0 || !g->pre1)
		return HD_ERR_NOMEM;
	g->pre0[0] = g->pre1[0] = 0;
	for (i = 0; i < g->st.n; i++) {
		g->pre0[i + 1] = g->pre0[i] + g->st.va[i];
		g->pre1[i + 1] = g->pre1[i] + g->st.vb[i];
	}
	return 0;
}

/* Widths, what is drawn, offsets: the rules at the top of this file. */
static int layout(struct fg *g)
{
	size_t k, i;
	int rc;

	if (hd_model_tree_stacks(g->m, g->c0, g->c1, &g->st) || name_rank(g->m, &g->rank))
		return HD_ERR_NOMEM;
	rc = walk_widths(g);
	if (rc)
		return rc;
	g->scale = g->w[0] > 0 ? PLOT / g->w[0] : 0;
	if (prefix_sums(g))
		return HD_ERR_NOMEM;
	rc = walk(g);
	if (rc)
		return rc;
	g->cand[0].x = 0;
	for (k = 0; k < g->ncand; k++) {
		double at = g->cand[k].x;

		for (i = g->cand[k].kids; i < g->cand[k].kids + g->cand[k].nkids; i++) {
			if (g->seq[i].cand != NONE)
				g->cand[g->seq[i].cand].x = at;
			at += g->seq[i].w;
		}
	}
	if (g->ncand > FRAMES_MAX && (rc = crowd_out(g)))
		return rc;
	for (k = 0; k < g->ncand; k++) {
		const struct cand *c = &g->cand[k];

		g->why[c->drawn]++;
		if (c->drawn != DRAWN) {
			g->omitted++;
		} else {
			double d = fabs((double)c->cum1 - (double)c->cum0);

			if (d > g->dmax)
				g->dmax = d;
			if (c->depth > g->maxdepth)
				g->maxdepth = c->depth;
		}
	}
	return 0;
}

/* ---- output ---- */

static void fmt_val(const struct fg *g, char *buf, size_t n, int64_t v, int sign)
{
	hd_format_value(buf, n, v, g->r->sample_unit, sign);
}

/* "cum: 1.00 MiB → 2.00 MiB, Δ +1.00 MiB (+100.00%)" */
static void tip_line(const struct fg *g, const char *what, int64_t base, int64_t now)
{
	char vb[64], vn[64], vd[64], p[32];
	int64_t d = hd_sub_sat(now, base);

	fmt_val(g, vb, sizeof(vb), base, 0);
	fmt_val(g, vn, sizeof(vn), now, 0);
	fmt_val(g, vd, sizeof(vd), d, 1);
	if (base == 0)
		snprintf(p, sizeof(p), "%s", now ? "new" : "no change");
	else
		hd_format_pct(p, sizeof(p), hd_share(d, base), 1);
	hd_buf_printf(g->b, "\n%s: base %s \xe2\x86\x92 new %s, \xce\x94 %s (%s)", what, vb, vn, vd, p);
}

static void tip_one(const struct fg *g, const char *what, int64_t v)
{
	char s[64], p[32];

	fmt_val(g, s, sizeof(s), v, 0);
	hd_format_pct(p, sizeof(p), hd_share(v, g->r->cols[g->c1].abs_total), 0);
	hd_buf_printf(g->b, "\n%s: %s (%s of the total)", what, s, p);
}

static int put_frame(struct fg *g, const struct cand *c)
{
	uint32_t n = c->id;
	int64_t s0 = c->self0, s1 = c->self1;
	double x = PAD + c->x * g->scale, w = n == 0 ? PLOT : c->w * g->scale, y;
	const char *nm = n == 0 ? "all" : hd_model_frame(g->m, c->frame)->name;
	char fill[32];
	const char *cls = "";

	if (g->o->icicle)
		y = HEAD + (double)c->depth * FRAME_H;
	else
		y = HEAD + (double)(g->maxdepth - c->depth) * FRAME_H;
	hd_scratch_empty(&g->name);
	if (hd_put_clean(&g->name, nm, HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX))
		return g->name.failed;
	if (g->diff) {
		int64_t d = hd_sub_sat(c->cum1, c->cum0);

		diff_colour(fill, sizeof(fill), fabs((double)d), g->dmax, d > 0);
		if (n && c->cum0 == 0 && c->cum1 > 0)
			cls = " new";
		else if (n && c->cum1 == 0 && c->cum0 > 0)
			cls = " gone";
	} else {
		warm_colour(fill, sizeof(fill), nm);
	}
	hd_buf_printf(g->b, "<g class=\"f%s\" id=\"n%" PRIu32 "\"", cls, n);
	if (n)
		hd_buf_printf(g->b, " data-p=\"n%" PRIu32 "\"", c->parent);
	if (g->diff)
		hd_buf_printf(g->b, " data-base=\"%" PRId64 "\" data-new=\"%" PRId64 "\""
			      " data-base-flat=\"%" PRId64 "\" data-new-flat=\"%" PRId64 "\"",
			      c->cum0, c->cum1, s0, s1);
	else
		hd_buf_printf(g->b, " data-cum=\"%" PRId64 "\" data-flat=\"%" PRId64 "\"",
			      c->cum1, s1);
	hd_buf_puts(g->b, "><title>");
	hd_xml_escape(g->b, g->name.data, g->name.len);
	if (g->diff) {
		tip_line(g, "cum", c->cum0, c->cum1);
		tip_line(g, "flat", s0, s1);
	} else {
		tip_one(g, "cum", c->cum1);
		tip_one(g, "flat", s1);
	}
	hd_buf_printf(g->b, "</title><rect x=\"%.3f\" y=\"%.0f\" width=\"%.3f\" height=\"%d\""
		      " rx=\"2\" fill=\"%s\"/><text x=\"%.2f\" y=\"%.0f\">", x, y, w, FRAME_H - 1,
		      fill, x + 3, y + 11);
	put_label(g->b, g->name.data, g->name.len, w);
	hd_buf_puts(g->b, "</text></g>\n");
	return g->b->failed;
}

/* A path (whole) or a string of the profile (cut), escaped for XML. */
static void put_text(struct fg *g, const char *s, size_t max)
{
	hd_put_clean(g->b, s, HD_CLEAN_XML, max);
}

static void header(struct fg *g, double height)
{
	const struct hd_report *r = g->r;
	const struct hd_column_info *c0 = &r->cols[g->c0], *c1 = &r->cols[g->c1];
	char v0[64], v1[64], d[64], p[32], note[128];

	hd_buf_printf(g->b, "<text class=\"title\" x=\"%.0f\" y=\"22\" text-anchor=\"middle\">",
		      WIDTH / 2);
	if (!g->diff) {
		hd_buf_puts(g->b, "Flame graph: ");
		put_text(g, hd_path_shown(c1->path), 0);
	} else {
		const char *a = r->command == HD_CMD_TREND ? c0->label : c0->path;
		const char *b = r->command == HD_CMD_TREND ? c1->label : c1->path;

		hd_buf_puts(g->b, "Differential flame graph: ");
		put_text(g, hd_path_shown(a), 0);
		hd_buf_puts(g->b, " \xe2\x86\x92 ");
		put_text(g, hd_path_shown(b), 0);
		if (r->command == HD_CMD_TREND)
			hd_buf_printf(g->b, " (first and last of %zu profiles, %s)", r->ncols,
				      r->order_used == HD_ORDER_TIME ? "by time stamp" : "as given");
	}
	hd_buf_printf(g->b, "</text>\n<text class=\"sub\" x=\"%.0f\" y=\"42\" text-anchor=\"middle\">",
		      WIDTH / 2);
	put_text(g, r->sample_type, HD_NAME_DISPLAY_MAX);
	fmt_val(g, v0, sizeof(v0), c0->total, 0);
	fmt_val(g, v1, sizeof(v1), c1->total, 0);
	if (g->diff) {
		fmt_val(g, d, sizeof(d), r->total_delta, 1);
		hd_format_pct(p, sizeof(p), r->total_pct, 1);
		hd_buf_printf(g->b, ": total %s \xe2\x86\x92 %s, \xce\x94 %s (%s)%s", v0, v1, d, p,
			      r->opts.normalize ? ", NEW normalized to BASE's total" : "");
		if (hd_backwards_note(r, note, sizeof(note)))
			hd_buf_printf(g->b, "; %s", note);
	} else {
		hd_buf_printf(g->b, ": total %s", v1);
	}
	if (g->why[NARROW])
		hd_buf_printf(g->b, "; %zu frame%s narrower than %.1f px not drawn", g->why[NARROW],
			      g->why[NARROW] == 1 ? "" : "s", MIN_WIDTH);
	if (g->why[DEEP])
		hd_buf_printf(g->b, "; %" PRIu32 " level%s deeper than %d not drawn (%zu frame%s)",
			      g->treedepth - DEPTH_MAX, g->treedepth - DEPTH_MAX == 1 ? "" : "s",
			      DEPTH_MAX, g->why[DEEP], g->why[DEEP] == 1 ? "" : "s");
	if (g->why[CROWDED])
		hd_buf_printf(g->b, "; %zu narrower frame%s not drawn: at most %d are",
			      g->why[CROWDED], g->why[CROWDED] == 1 ? "" : "s", FRAMES_MAX);
	hd_buf_printf(g->b, "</text>\n<text class=\"sub\" x=\"%.0f\" y=\"60\" text-anchor=\"middle\">",
		      WIDTH / 2);
	if (g->diff)
		hd_buf_puts(g->b, "Width: max(base, new) cum. Colour: \xce\x94" "cum, red grew, "
			    "blue shrank, each tenfold smaller change a quarter paler. "
			    "Gold edge: new; dashed: gone.");
	else
		hd_buf_puts(g->b, "Width: cum. Colours only tell frames apart.");
	hd_buf_puts(g->b, " Click a frame to zoom.</text>\n");
	hd_buf_printf(g->b, "<text id=\"hdfg-unzoom\" class=\"btn hide\" x=\"%.0f\" y=\"78\">"
		      "Reset zoom</text>\n", PAD);
	hd_buf_printf(g->b, "<text id=\"hdfg-search\" class=\"btn\" x=\"%.0f\" y=\"78\" "
		      "text-anchor=\"end\">Search</text>\n", WIDTH - PAD);
	hd_buf_printf(g->b, "<text id=\"hdfg-clear\" class=\"btn hide\" x=\"%.0f\" y=\"78\" "
		      "text-anchor=\"end\">Clear</text>\n", WIDTH - PAD - 60);
	hd_buf_printf(g->b, "<text id=\"hdfg-matched\" class=\"sub\" x=\"%.0f\" y=\"%.0f\" "
		      "text-anchor=\"end\"></text>\n", WIDTH - PAD, height - 10);
	hd_buf_printf(g->b, "<text id=\"hdfg-details\" class=\"sub\" x=\"%.0f\" y=\"%.0f\">"
		      "</text>\n", PAD, height - 10);
}

int hd_flame_graph(const struct hd_report *r, const struct hd_render_opts *o,
		   struct hd_buf *b)
{
	struct fg g;
	double height;
	size_t k;
	int rc = 0;

	memset(&g, 0, sizeof(g));
	g.r = r;
	g.o = o;
	g.b = b;
	g.m = r->model;
	g.diff = r->ncols > 1;
	g.c0 = 0;
	g.c1 = r->ncols - 1;
	hd_buf_init(&g.name, 0);
	rc = layout(&g);
	if (rc)
		goto out;

	height = HEAD + (double)(g.maxdepth + 1) * FRAME_H + FOOT;
	hd_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"hdfg\" class=\"%s\" "
		      "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" data-plot=\"%.0f\" "
		      "data-pad=\"%.0f\" data-charw=\"%.1f\" data-minwidth=\"%.1f\" "
		      "data-omitted=\"%zu\" data-layout=\"%s\">\n",
		      g.diff ? "diff" : "plain", WIDTH, height, WIDTH, height, PLOT, PAD, CHAR_W,
		      MIN_WIDTH, g.omitted, o->icicle ? "icicle" : "flame");
	hd_buf_printf(b, "<style><![CDATA[\n%s]]></style>\n", hd_fg_css);
	hd_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fcfcfc\"/>\n",
		      WIDTH, height);
	header(&g, height);
	hd_buf_puts(b, "<g id=\"hdfg-frames\">\n");
	/* A buffer past its cap (or out of memory) stops the frames. */
	for (k = 0; k < g.ncand && !rc; k++)
		if (g.cand[k].drawn == DRAWN)
			rc = put_frame(&g, &g.cand[k]);
	if (rc)
		goto out;
	hd_buf_puts(b, "</g>\n");
	hd_buf_printf(b, "<script><![CDATA[\n%s]]></script>\n</svg>\n", hd_fg_js);
	rc = b->failed;
out:
	hd_buf_release(&g.name);
	hd_tree_stacks_release(&g.st);
	free(g.rank);
	free(g.w);
	free(g.path);
	free(g.kids);
	free(g.cand);
	free(g.seq);
	free(g.tmp);
	free(g.pre0);
	free(g.pre1);
	free(g.wbase);
	return rc;
}
