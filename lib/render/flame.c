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

struct fg {
	const struct hd_report *r;
	const struct hd_render_opts *o;
	struct hd_buf *b;
	const struct hd_model *m;
	int diff;              /* two columns, base and new */
	size_t c0, c1;         /* base and new column (the same for top) */
	size_t nn;
	int64_t *cum0, *cum1;  /* per node */
	double *w, *x;         /* layout in value units */
	uint32_t *depth;
	unsigned char *drawn;  /* DRAWN or why not */
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The callees of every node in name order, ties in node order (as a
 * sort by (caller, name, node) gives them): grouped by caller with a
 * counting pass, callers in node order, so kids[first[p] .. first[p + 1])
 * are p's.  Within a caller, keys (name rank, node) sort as integers.
 */
static int order_kids(const struct fg *g, const uint32_t *parent, const uint32_t *frame,
		      uint32_t **kids_out, uint32_t **first_out)
{
	size_t nn = g->nn, i, n, most = 0;
	uint32_t *first = calloc(nn + 1, sizeof(*first));
	uint32_t *kids = malloc((nn + 1) * sizeof(*kids)), *rank = NULL;
	uint64_t *keys = NULL;
	int rc = HD_ERR_NOMEM;

	if (!first || !kids || name_rank(g->m, &rank))
		goto out;
	for (n = 1; n < nn; n++)
		first[parent[n] + 1]++;
	for (n = 0; n < nn; n++) {
		if (first[n + 1] > most)
			most = first[n + 1];
		first[n + 1] += first[n];
	}
	for (n = 1; n < nn; n++)
		kids[first[parent[n]]++] = (uint32_t)n;
	/* first[p] is now where p's callees end: shift back. */
	for (n = nn; n-- > 1;)
		first[n] = first[n - 1];
	first[0] = 0;
	keys = malloc((most + 1) * sizeof(*keys));
	if (!keys)
		goto out;
	for (n = 0; n < nn; n++) {
		size_t a = first[n], e = first[n + 1];

		if (e - a < 2)
			continue;
		for (i = a; i < e; i++)
			keys[i - a] = (uint64_t)rank[frame[kids[i]]] << 32 | kids[i];
		qsort(keys, e - a, sizeof(*keys), cmp_u64);
		for (i = a; i < e; i++)
			kids[i] = (uint32_t)keys[i - a];
	}
	*kids_out = kids;
	*first_out = first;
	kids = first = NULL;
	rc = 0;
out:
	free(first);
	free(kids);
	free(rank);
	free(keys);
	return rc;
}

static const char *node_name(const struct fg *g, uint32_t n)
{
	return n == 0 ? "all" : hd_model_frame(g->m, hd_model_node_frame(g->m, n))->name;
}

static double room(const struct fg *g, uint32_t n)
{
	int64_t v = g->cum0[n] > g->cum1[n] ? g->cum0[n] : g->cum1[n];

	return v > 0 ? (double)v : 0;
}

/*
 * Widths bottom-up (a reverse scan meets callees before callers): the
 * larger of max(base, new) cum and the callees' widths plus max(base,
 * new) of the frame's own value; then offsets top-down in name order,
 * depths, and what is drawn.
 */
static int layout(struct fg *g)
{
	size_t nn = g->nn, i, ns0, ns1;
	/* The callees' widths, summed bottom-up, live in x until the
	 * offsets replace them top-down: one array of a double per node
	 * less (x is calloc'd by the caller). */
	double *inner = g->x;
	const uint32_t *parent, *frame;
	const int64_t *self0, *self1;
	uint32_t *kids = NULL, *first = NULL;
	uint32_t n;

	hd_model_tree_arrays(g->m, g->c0, &parent, &frame, &self0, &ns0);
	hd_model_tree_arrays(g->m, g->c1, &parent, &frame, &self1, &ns1);
	if (order_kids(g, parent, frame, &kids, &first))
		return HD_ERR_NOMEM;
	for (n = (uint32_t)nn; n-- > 0;) {
		int64_t s0 = n < ns0 ? self0[n] : 0, s1 = n < ns1 ? self1[n] : 0;
		double w = room(g, n), self = s0 > s1 ? (double)s0 : (double)s1;

		/* Widened: the callees and the frame's own value side by side. */
		if (inner[n] > 0 && self > 0)
			inner[n] += self;
		g->w[n] = inner[n] > w ? inner[n] : w;
		if (n)
			inner[parent[n]] += g->w[n];
	}
	/* Callers before callees (node order), each one's callees side by
	 * side from its own offset, in name order. */
	g->x[0] = 0;
	for (n = 0; n < nn; n++) {
		double at = g->x[n];

		for (i = first[n]; i < first[n + 1]; i++) {
			g->x[kids[i]] = at;
			at += g->w[kids[i]];
		}
	}
	g->scale = g->w[0] > 0 ? PLOT / g->w[0] : 0;
	free(kids);
	free(first);
	return 0;
}

static int cmp_wider(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

/* Of the frames the first rules let through (n of them), the
 * FRAMES_MAX - 1 widest stay drawn: those wider than the last one's
 * width, then as many as are left of that width, callers first. */
static int crowd_out(struct fg *g, size_t n_drawn)
{
	size_t keep = FRAMES_MAX - 1, k = 0, ties;
	double *ws = malloc(n_drawn * sizeof(double)), cut;
	uint32_t n;

	if (!ws)
		return HD_ERR_NOMEM;
	for (n = 1; n < g->nn; n++)
		if (g->drawn[n] == DRAWN)
			ws[k++] = g->w[n];
	qsort(ws, n_drawn, sizeof(double), cmp_wider);
	cut = ws[keep - 1];
	for (k = 0; k < keep && ws[k] > cut; k++)
		;
	ties = keep - k;
	free(ws);
	for (n = 1; n < g->nn; n++) {
		int kept;

		if (g->drawn[n] != DRAWN)
			continue;
		kept = g->drawn[hd_model_node_parent(g->m, n)] == DRAWN &&
		       (g->w[n] > cut || (g->w[n] == cut && ties > 0));
		if (!kept)
			g->drawn[n] = CROWDED;
		else if (g->w[n] <= cut)
			ties--;
	}
	return 0;
}

/* Depths, and what is drawn: the rules at the top of this file, in
 * node order (callers first), a callee of a frame not drawn for the
 * same reason as its caller. */
static int choose(struct fg *g)
{
	size_t n_drawn = 0;
	uint32_t n;
	int rc = 0;

	g->depth[0] = 0;
	g->drawn[0] = DRAWN;
	for (n = 1; n < g->nn; n++) {
		uint32_t p = hd_model_node_parent(g->m, n);

		g->depth[n] = g->depth[p] + 1;
		if (g->depth[n] > g->treedepth)
			g->treedepth = g->depth[n];
		if (g->drawn[p] != DRAWN)
			g->drawn[n] = g->drawn[p];
		else if (g->depth[n] > DEPTH_MAX)
			g->drawn[n] = DEEP;
		else if (g->w[n] * g->scale < MIN_WIDTH)
			g->drawn[n] = NARROW;
		else
			g->drawn[n] = DRAWN, n_drawn++;
	}
	if (n_drawn > FRAMES_MAX - 1)
		rc = crowd_out(g, n_drawn);
	for (n = 0; n < g->nn && !rc; n++) {
		g->why[g->drawn[n]]++;
		if (g->drawn[n] != DRAWN) {
			g->omitted++;
		} else {
			double d = fabs((double)g->cum1[n] - (double)g->cum0[n]);

			if (d > g->dmax)
				g->dmax = d;
			if (g->depth[n] > g->maxdepth)
				g->maxdepth = g->depth[n];
		}
	}
	return rc;
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

static int put_frame(struct fg *g, uint32_t n)
{
	const struct hd_model *m = g->m;
	int64_t s0 = hd_model_node_self(m, n, g->c0), s1 = hd_model_node_self(m, n, g->c1);
	double x = PAD + g->x[n] * g->scale, w = n == 0 ? PLOT : g->w[n] * g->scale, y;
	char fill[32];
	const char *cls = "";

	if (g->o->icicle)
		y = HEAD + (double)g->depth[n] * FRAME_H;
	else
		y = HEAD + (double)(g->maxdepth - g->depth[n]) * FRAME_H;
	hd_scratch_empty(&g->name);
	if (hd_put_clean(&g->name, node_name(g, n), HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX))
		return g->name.failed;
	if (g->diff) {
		int64_t d = hd_sub_sat(g->cum1[n], g->cum0[n]);

		diff_colour(fill, sizeof(fill), fabs((double)d), g->dmax, d > 0);
		if (n && g->cum0[n] == 0 && g->cum1[n] > 0)
			cls = " new";
		else if (n && g->cum1[n] == 0 && g->cum0[n] > 0)
			cls = " gone";
	} else {
		warm_colour(fill, sizeof(fill), node_name(g, n));
	}
	hd_buf_printf(g->b, "<g class=\"f%s\" id=\"n%" PRIu32 "\"", cls, n);
	if (n)
		hd_buf_printf(g->b, " data-p=\"n%" PRIu32 "\"", hd_model_node_parent(m, n));
	if (g->diff)
		hd_buf_printf(g->b, " data-base=\"%" PRId64 "\" data-new=\"%" PRId64 "\""
			      " data-base-flat=\"%" PRId64 "\" data-new-flat=\"%" PRId64 "\"",
			      g->cum0[n], g->cum1[n], s0, s1);
	else
		hd_buf_printf(g->b, " data-cum=\"%" PRId64 "\" data-flat=\"%" PRId64 "\"",
			      g->cum1[n], s1);
	hd_buf_puts(g->b, "><title>");
	hd_xml_escape(g->b, g->name.data, g->name.len);
	if (g->diff) {
		tip_line(g, "cum", g->cum0[n], g->cum1[n]);
		tip_line(g, "flat", s0, s1);
	} else {
		tip_one(g, "cum", g->cum1[n]);
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
	uint32_t n;
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
	if (!hd_model_has_tree(r->model))
		return HD_ERR_USAGE; /* the report was finished without HD_NEED_TREE */
	g.nn = hd_model_node_count(g.m);
	g.cum0 = malloc(g.nn * sizeof(int64_t));
	g.cum1 = malloc(g.nn * sizeof(int64_t));
	g.w = malloc(g.nn * sizeof(double));
	g.x = calloc(g.nn, sizeof(double)); /* layout() sums in it first */
	g.depth = malloc(g.nn * sizeof(uint32_t));
	g.drawn = malloc(g.nn);
	if (!g.cum0 || !g.cum1 || !g.w || !g.x || !g.depth || !g.drawn) {
		rc = HD_ERR_NOMEM;
		goto out;
	}
	hd_model_node_totals(g.m, g.c0, g.cum0);
	hd_model_node_totals(g.m, g.c1, g.cum1);
	rc = layout(&g);
	if (!rc)
		rc = choose(&g);
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
	for (n = 0; n < g.nn && !rc; n++)
		if (g.drawn[n] == DRAWN)
			rc = put_frame(&g, n);
	if (rc)
		goto out;
	hd_buf_puts(b, "</g>\n");
	hd_buf_printf(b, "<script><![CDATA[\n%s]]></script>\n</svg>\n", hd_fg_js);
	rc = b->failed;
out:
	hd_buf_release(&g.name);
	free(g.cum0);
	free(g.cum1);
	free(g.w);
	free(g.x);
	free(g.depth);
	free(g.drawn);
	return rc;
}
