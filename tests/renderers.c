/*
 * renderers.c - the report's facts and the renderer table, from the
 * library's side (the CLI side is golden.py's):
 *
 *   - hd_sort sorts, keeps equal elements in order and hands every
 *     comparison the caller's context, for small elements and for the
 *     big ones it sorts through pointers;
 *   - hd_report_finish leaves the facts renderers print: suspects in
 *     rank order whatever the sort, class counts that add up, growers
 *     and shrinkers that split the ranking, no-change, top's running sum;
 *   - every format renders every command its table row has a cell for,
 *     and refuses the others about the format (HD_SUBJ_FORMAT), in words
 *     that name no command-line option; report text names none either;
 *   - the verdict's facts (order, culprits, leak or churn, levelled,
 *     cumulative types, call paths, backwards diffs, scaled NEWs), set
 *     by hand on finished reports, appear in text, Markdown, JSON and
 *     HTML; trend --sort cum shows cum; a delta profile's top says the
 *     sum of |values| and its duration;
 *   - a failed render leaves the caller's buffer as it was, and JSON
 *     never prints a document that lost a value: with cJSON's allocation
 *     failing at each call in turn, hd_render either fails with
 *     HD_ERR_NOMEM or prints exactly the document it prints without
 *     failures.
 *
 * Usage: renderers SRCDIR (profiles from SRCDIR/testdata).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"
#include "render/render.h"

#include "unitcheck.h"

static const char *srcdir;

/* ---- hd_sort ---- */

struct elem {
	int key, seq;
	char pad[32];   /* elements of 40 bytes go through pointers */
};

struct sort_ctx {
	size_t size;
	long calls;
};

static int cmp_elem(const void *a, const void *b, void *ctx)
{
	const struct elem *x = a, *y = b;

	((struct sort_ctx *)ctx)->calls++;
	return (x->key > y->key) - (x->key < y->key);
}

/* n elements of size bytes (a prefix of struct elem), keys below range. */
static void sort_case(size_t n, size_t size, int range)
{
	char *v = malloc((n + 1) * size), *seen = calloc(n + 1, 1);
	struct sort_ctx ctx = {size, 0};
	size_t i;
	int ok = 1;

	for (i = 0; i < n; i++) {
		struct elem e = {rand() % range, (int)i, {0}};
		memcpy(v + i * size, &e, size);
	}
	CHECK(hd_sort(v, n, size, cmp_elem, &ctx) == 0, "hd_sort(%zu x %zu) failed", n, size);
	for (i = 0; i < n && ok; i++) {
		struct elem e, p;

		memcpy(&e, v + i * size, size);
		if (e.seq < 0 || (size_t)e.seq >= n || seen[e.seq]++)
			ok = 0;
		if (i > 0) {
			memcpy(&p, v + (i - 1) * size, size);
			if (p.key > e.key || (p.key == e.key && p.seq > e.seq))
				ok = 0;
		}
	}
	CHECK(ok, "hd_sort(%zu x %zu, keys < %d): not a stable sort of the input", n, size, range);
	CHECK(n < 2 || ctx.calls > 0, "hd_sort never passed the context to the comparison");
	free(v);
	free(seen);
}

static void test_sort(void)
{
	static const size_t sizes[] = {2 * sizeof(int), sizeof(struct elem)};
	size_t n, k;
	int range;

	srand(14);
	for (k = 0; k < 2; k++)
		for (n = 0; n < 2100; n += n < 40 ? 1 : 131)
			for (range = 1; range < 100000; range *= 31)
				sort_case(n, sizes[k], range);
}

/* ---- reports ---- */

static struct hd_profile *load(const char *name)
{
	char path[4096];
	struct hd_profile *p = NULL;
	struct hd_error err = {0};

	snprintf(path, sizeof(path), "%s/testdata/%s", srcdir, name);
	if (hd_profile_load(path, NULL, &p, &err)) {
		fprintf(stderr, "renderers: %s: %s\n", path, err.msg);
		exit(1);
	}
	return p;
}

/* The trend thresholds of report(): no floor and a Mann-Kendall p up to
 * 0.9, for many suspects; NULL for the defaults. */
static struct hd_trend_opts loose;
static const struct hd_trend_opts *trend_opts = &loose;

/* A report of command c over the named profiles, finished; sort s. */
static struct hd_report *report(enum hd_command c, enum hd_sort s, const char *const *names,
				size_t n)
{
	struct hd_report_opts o;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	size_t i;
	int rc;

	hd_report_opts_init(&o, c);
	o.sort = s;
	if (c == HD_CMD_TREND)
		o.trend = trend_opts;
	rc = hd_report_new(&o, &r, &err);
	for (i = 0; i < n && !rc; i++) {
		struct hd_profile *p = load(names[i]);

		rc = hd_report_add(r, names[i], NULL, p, &err);
		hd_profile_free(p);
	}
	if (!rc)
		rc = hd_report_finish(r, &err);
	if (rc) {
		fprintf(stderr, "renderers: report: %s\n", err.msg);
		exit(1);
	}
	return r;
}

static struct hd_report *diff_report(const char *a, const char *b, enum hd_sort s)
{
	struct hd_report_opts o;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	struct hd_profile *pa = load(a), *pb = load(b);

	hd_report_opts_init(&o, HD_CMD_DIFF);
	o.sort = s;
	if (hd_report_new(&o, &r, &err) || hd_report_add_pair(r, a, pa, b, pb, &err) ||
	    hd_report_finish(r, &err)) {
		fprintf(stderr, "renderers: diff: %s\n", err.msg);
		exit(1);
	}
	hd_profile_free(pa);
	hd_profile_free(pb);
	return r;
}

static const char *const series[] = {
	"leak-00.pb.gz", "leak-01.pb.gz", "leak-02.pb.gz",
	"leak-03.pb.gz", "leak-04.pb.gz", "leak-05.pb.gz",
};
/* Five leaks among warm-up, churn and noise (testdata/captures/README.md):
 * a series with several suspects. */
static const char *const captures[] = {
	"captures/run-12/heap-1.pb.gz", "captures/run-12/heap-2.pb.gz",
	"captures/run-12/heap-3.pb.gz", "captures/run-12/heap-4.pb.gz",
	"captures/run-12/heap-5.pb.gz", "captures/run-12/heap-6.pb.gz",
	"captures/run-12/heap-7.pb.gz", "captures/run-12/heap-8.pb.gz",
	"captures/run-12/heap-9.pb.gz", "captures/run-12/heap-10.pb.gz",
	"captures/run-12/heap-11.pb.gz", "captures/run-12/heap-12.pb.gz",
};

static void check_trend_facts(const struct hd_report *r, const char *what)
{
	size_t i, sum = 0, growing = 0, listed = 0, eligible = 0;

	for (i = 0; i < HD_TREND_NCLASSES; i++)
		sum += r->class_count[i];
	CHECK(sum == r->nrows, "%s: class counts add up to %zu of %zu rows", what, sum, r->nrows);
	for (i = 0; i < r->nrows; i++) {
		const struct hd_trend *t = r->rows[i].trend;
		/* A suspect grows and is the user's code, or nothing of it calls it. */
		int can = t->cls == HD_TREND_GROWING &&
			(hd_model_frame(r->model, r->rows[i].frame)->app ||
			 r->rows[i].culprit == HD_NO_FRAME);

		growing += t->cls == HD_TREND_GROWING;
		eligible += can;
		listed += t->suspect != 0;
		CHECK(can == (t->suspect != 0),
		      "%s: row %zu: growing culprit and suspect disagree", what, i);
		CHECK(!t->suspect || (t->suspect <= r->nsuspects &&
				      r->suspects[t->suspect - 1] == &r->rows[i]),
		      "%s: row %zu (suspect %zu) is not at its rank in the list", what, i,
		      t->suspect);
	}
	CHECK(eligible == r->nsuspects && listed == r->nsuspects &&
	      r->class_count[HD_TREND_GROWING] == growing && growing >= r->nsuspects,
	      "%s: %zu suspects listed, %zu growing culprits, %zu growing rows", what,
	      r->nsuspects, eligible, growing);
	for (i = 0; i < r->nsuspects; i++)
		CHECK(r->suspects[i]->trend->suspect == i + 1, "%s: suspects[%zu] has rank %zu",
		      what, i, r->suspects[i]->trend->suspect);
}

static void test_trend_facts(void)
{
	struct hd_report *r = report(HD_CMD_TREND, HD_SORT_DEFAULT, captures, 12);
	struct hd_report *d = report(HD_CMD_TREND, HD_SORT_DELTA, captures, 12);

	CHECK(r->nsuspects >= 3, "loose thresholds find %zu suspects, want 3 or more", r->nsuspects);
	check_trend_facts(r, "trend");
	/* --sort delta reorders the rows but not the suspects. */
	check_trend_facts(d, "trend --sort delta");
	CHECK(r->nsuspects == d->nsuspects, "the sort changed the number of suspects");
	CHECK(r->trend_threshold == 0 && !r->threshold_from_pct,
	      "no floor asked, got %lld", (long long)r->trend_threshold);
	hd_report_free(r);
	hd_report_free(d);
	trend_opts = NULL;
	r = report(HD_CMD_TREND, HD_SORT_DEFAULT, series, 6);
	trend_opts = &loose;
	check_trend_facts(r, "trend, default thresholds");
	/* leak-00..05 alternate: the median total is the mean of the 3rd and
	 * 4th smallest, the 6th and the 1st. */
	CHECK(r->threshold_from_pct &&
	      r->trend_base == (r->cols[4].total + r->cols[1].total) / 2 &&
	      r->trend_threshold == (int64_t)((double)r->trend_base * 0.0025),
	      "the default floor is 0.25%% of the median total: %lld of %lld",
	      (long long)r->trend_threshold, (long long)r->trend_base);
	hd_report_free(r);
}

static void check_split(const struct hd_report *r, const char *what)
{
	size_t i, g = 0, s = 0;
	int bycum = r->opts.sort == HD_SORT_CUM || r->opts.sort == HD_SORT_DELTA_CUM;

	for (i = 0; i < r->nrows; i++) {
		const struct hd_row *row = &r->rows[i];
		int64_t k = bycum ? row->dcum : row->dflat;

		if (k > 0) {
			CHECK(g < r->ngrowers && r->growers[g] == row,
			      "%s: row %zu is not grower %zu", what, i, g);
			g++;
		} else if (k < 0) {
			CHECK(s < r->nshrinkers && r->shrinkers[s] == row,
			      "%s: row %zu is not shrinker %zu", what, i, s);
			s++;
		}
	}
	CHECK(g == r->ngrowers && s == r->nshrinkers, "%s: %zu/%zu growers, %zu/%zu shrinkers",
	      what, g, r->ngrowers, s, r->nshrinkers);
}

static void test_diff_facts(void)
{
	struct hd_report *r = diff_report("cache-v1.pb.gz", "cache-v2.pb.gz", HD_SORT_DEFAULT);
	struct hd_report *c = diff_report("leak-00.pb.gz", "leak-05.pb.gz", HD_SORT_CUM);
	struct hd_report *same = diff_report("leak-03.pb.gz", "leak-03.pb.gz", HD_SORT_DEFAULT);
	struct hd_report *top = report(HD_CMD_TOP, HD_SORT_DEFAULT, series + 5, 1);
	int64_t sum = 0;
	size_t i;

	check_split(r, "diff");
	check_split(c, "diff --sort cum");
	CHECK(r->ngrowers > 0 && r->nshrinkers > 0, "cache-v1 -> v2 both grows and shrinks");
	CHECK(!r->unchanged && !c->unchanged, "a diff that changed reads as unchanged");
	CHECK(same->unchanged && same->ngrowers == 0 && same->nshrinkers == 0,
	      "a profile against itself: unchanged %d, %zu growers", same->unchanged,
	      same->ngrowers);
	CHECK(r->have_counts && r->count_delta ==
	      r->cols[1].count_total - r->cols[0].count_total, "count delta");
	for (i = 0; i < top->nrows; i++) {
		sum += hd_report_flat(top, &top->rows[i], 0);
		CHECK(top->rows[i].sum_flat == sum, "top row %zu: running sum %lld, want %lld",
		      i, (long long)top->rows[i].sum_flat, (long long)sum);
	}
	hd_report_free(r);
	hd_report_free(c);
	hd_report_free(same);
	hd_report_free(top);
}

/* ---- the renderer table ---- */

static int render(const struct hd_report *r, enum hd_format f, size_t top,
		  struct hd_buf *b, struct hd_error *err)
{
	struct hd_render_opts o;

	memset(&o, 0, sizeof(o));
	o.format = f;
	o.top = top;
	memset(err, 0, sizeof(*err));
	return hd_render(r, &o, b, err);
}

static int names_option(const char *s)
{
	return strstr(s, "--") != NULL;
}

static void test_table(void)
{
	static const char *const fmt_names[] = {"text", "markdown", "json", "folded", "svg", "html",
						"pprof"};
	struct hd_report *reps[3];
	enum hd_format f;
	int c;

	reps[0] = report(HD_CMD_TOP, HD_SORT_DEFAULT, series + 5, 1);
	reps[1] = diff_report("leak-00.pb.gz", "leak-05.pb.gz", HD_SORT_DEFAULT);
	reps[2] = report(HD_CMD_TREND, HD_SORT_DEFAULT, series, 6);
	CHECK(hd_format_parse("md", &f) == 0 && f == HD_FMT_MARKDOWN, "md is markdown");
	CHECK(hd_format_parse("xml", &f) == HD_ERR_USAGE, "xml is no format");
	CHECK(hd_format_needs(HD_FMT_SVG) == 0 &&
	      hd_format_needs(HD_FMT_TEXT) == HD_NEED_CHAINS &&
	      hd_format_needs(HD_FMT_HTML) == HD_NEED_ALL &&
	      hd_format_needs(HD_FMT_PPROF) == 0, "what formats need");
	for (f = HD_FMT_TEXT; f <= HD_FMT_PPROF; f++) {
		enum hd_format back;

		CHECK(hd_format_parse(fmt_names[f], &back) == 0 && back == f,
		      "%s parses to itself", fmt_names[f]);
		for (c = 0; c < 3; c++) {
			struct hd_error err;
			struct hd_buf b;
			int rc, refused = f == HD_FMT_HTML && c != HD_CMD_TREND;

			hd_buf_init(&b, 0);
			rc = render(reps[c], f, 3, &b, &err);
			if (refused) {
				CHECK(rc == HD_ERR_USAGE && err.subject == HD_SUBJ_FORMAT &&
				      strcmp(err.msg, "html is for trend only; use svg for a "
					     "flame graph") == 0 && b.len == 0,
				      "html for command %d: rc %d, subject %d, '%s'", c, rc,
				      (int)err.subject, err.msg);
			} else {
				CHECK(rc == 0 && b.len > 0, "%s for command %d: rc %d: %s",
				      fmt_names[f], c, rc, err.msg);
				CHECK(!b.data || (!strstr(b.data, "--top") && !strstr(b.data, "--format")),
				      "%s for command %d names an option", fmt_names[f], c);
			}
			CHECK(!names_option(err.msg), "a message names an option: %s", err.msg);
			hd_buf_release(&b);
		}
	}
	{
		struct hd_render_opts o;
		struct hd_error err = {0};
		struct hd_buf b;

		memset(&o, 0, sizeof(o));
		o.format = (enum hd_format)99;
		hd_buf_init(&b, 0);
		CHECK(hd_render(reps[0], &o, &b, &err) == HD_ERR_USAGE &&
		      err.subject == HD_SUBJ_FORMAT, "an unknown format is refused");
		hd_buf_release(&b);
	}
	for (c = 0; c < 3; c++)
		hd_report_free(reps[c]);
}

/* "... and N more" when --top lists fewer suspects than there are. */
static void test_wording(void)
{
	struct hd_report *r = report(HD_CMD_TREND, HD_SORT_DEFAULT, captures, 12);
	char want[64];
	struct hd_error err;
	struct hd_buf b;

	hd_buf_init(&b, 0);
	CHECK(render(r, HD_FMT_TEXT, 1, &b, &err) == 0, "trend text: %s", err.msg);
	snprintf(want, sizeof(want), "\n  ... and %zu more\n", r->nsuspects - 1);
	CHECK(b.data && strstr(b.data, want), "trend text lacks '%s'", want + 1);
	hd_buf_release(&b);
	hd_buf_init(&b, 0);
	CHECK(render(r, HD_FMT_HTML, 1, &b, &err) == 0, "trend html: %s", err.msg);
	snprintf(want, sizeof(want), "<p>And %zu more.</p>\n", r->nsuspects - 1);
	CHECK(b.data && strstr(b.data, want), "trend html lacks '%s'", want);
	hd_buf_release(&b);
	hd_report_free(r);
}

/* A render that fails (here: past the buffer's cap, half the output)
 * says so about the output cap and leaves what the buffer held before. */
static void test_no_partial_output(void)
{
	struct hd_report *r = report(HD_CMD_TREND, HD_SORT_DEFAULT, series, 6);
	enum hd_format f;

	for (f = HD_FMT_TEXT; f <= HD_FMT_PPROF; f++) {
		struct hd_error err;
		struct hd_buf b;
		size_t full;
		int rc;

		hd_buf_init(&b, 0);
		rc = render(r, f, 0, &b, &err);
		full = b.len;
		hd_buf_release(&b);
		CHECK(rc == 0 && full > 16, "format %d: rc %d", (int)f, rc);
		hd_buf_init(&b, full / 2);
		hd_buf_puts(&b, "kept");
		rc = render(r, f, 0, &b, &err);
		CHECK(rc == HD_ERR_LIMIT && err.subject == HD_SUBJ_MAX_OUTPUT,
		      "format %d past a cap of %zu bytes: rc %d, subject %d", (int)f, full / 2, rc,
		      (int)err.subject);
		CHECK(b.len == 4 && strcmp(b.data, "kept") == 0,
		      "format %d left %zu bytes of partial output", (int)f, b.len);
		hd_buf_release(&b);
	}
	hd_report_free(r);
}

/* ---- the verdict's facts in every format ---- */

/*
 * The engine's verdict fields (order, culprits, retention, levelled,
 * cumulative, call paths) set by hand on finished reports, so that each
 * format is checked for what it must print of them whatever the engine
 * fills today: each fact appears in text, Markdown, JSON and HTML.
 */

static char *rendered(const struct hd_report *r, enum hd_format f, size_t top)
{
	struct hd_error err;
	struct hd_buf b;
	char *s;

	hd_buf_init(&b, 0);
	if (render(r, f, top, &b, &err) || !b.data) {
		CHECK(0, "format %d: %s", (int)f, err.msg);
		hd_buf_release(&b);
		return strdup("");
	}
	s = strdup(b.data);
	hd_buf_release(&b);
	return s;
}

static const char *fname(const struct hd_report *r, uint32_t f)
{
	return hd_model_frame(r->model, f)->name;
}

/* The JSON object of functions[] named name, or NULL. */
static const cJSON *json_function(const cJSON *doc, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "functions")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return f;
	}
	return NULL;
}

static int json_is(const cJSON *o, const char *key, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return want ? cJSON_IsString(v) && strcmp(v->valuestring, want) == 0 : cJSON_IsNull(v);
}

static double json_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1e300;
}

static void contains(const char *doc, const char *want, const char *what)
{
	CHECK(strstr(doc, want) != NULL, "%s lacks '%s'", what, want);
}

static void lacks(const char *doc, const char *bad, const char *what)
{
	CHECK(strstr(doc, bad) == NULL, "%s has '%s'", what, bad);
}

static void test_trend_verdict_facts(void)
{
	static const char *warn[] = {"the profiles' order contradicts their time stamps"};
	struct hd_report *r = report(HD_CMD_TREND, HD_SORT_DEFAULT, series, 6);
	struct hd_row *sus, *lev = NULL;
	struct hd_trend *lt;
	char *text, *md, *js, *html, want[512];
	const char *culprit;
	cJSON *doc;
	const cJSON *f, *x;
	size_t i;

	if (!r->nsuspects || r->nrows < 3) {
		CHECK(0, "the leak series has %zu suspects, %zu rows", r->nsuspects, r->nrows);
		hd_report_free(r);
		return;
	}
	sus = (struct hd_row *)r->suspects[0];
	for (i = 0; i < r->nrows && !lev; i++)
		if (r->rows[i].trend->cls == HD_TREND_STABLE)
			lev = &r->rows[i];
	CHECK(lev != NULL, "the leak series has a stable row to call levelled");
	if (!lev) {
		hd_report_free(r);
		return;
	}
	/* Set by hand what the engine fills (or will). */
	r->order_used = HD_ORDER_GIVEN;
	r->order_contradicts = 1;
	r->warnings = warn;
	r->nwarnings = 1;
	r->app_rule = "go";
	r->pair_type = "alloc_space";
	r->cumulative = 0;
	culprit = fname(r, lev->frame);
	sus->culprit = lev->frame;
	sus->culprit_share = 0.98;
	sus->ret.label = HD_RET_RETAINED;
	sus->ret.inuse_delta = 327680;
	sus->ret.alloc_delta = 344064;
	sus->ret.kept = 327680.0 / 344064.0;
	sus->chains_other = 4096;
	lt = (struct hd_trend *)lev->trend;
	lt->cls = HD_TREND_LEVELLED;
	lt->level_from = 3;
	lt->level_value = 6396314;  /* 6.10 MiB */
	r->class_count[HD_TREND_STABLE]--;
	r->class_count[HD_TREND_LEVELLED]++;

	text = rendered(r, HD_FMT_TEXT, 0);
	md = rendered(r, HD_FMT_MARKDOWN, 0);
	js = rendered(r, HD_FMT_JSON, 0);
	html = rendered(r, HD_FMT_HTML, 0);

	contains(text, "\nOrder: as given — the time stamps say otherwise\n", "trend text");
	contains(md, "\nOrder: as given — the time stamps say otherwise.\n", "trend markdown");
	contains(html, "<p id=\"order\">Order: as given — the time stamps say otherwise.</p>",
		 "trend html");
	contains(text, "Leak or churn: alloc_space beside inuse_space", "trend text");
	contains(md, "Leak or churn: `alloc_space` beside `inuse_space`", "trend markdown");
	contains(html, "Leak or churn: <code>alloc_space</code> beside <code>inuse_space</code>",
		 "trend html");
	/* The suspect names its culprit, and leak or churn. */
	snprintf(want, sizeof(want), "%s  ← %s (98%%)  ", fname(r, sus->frame), culprit);
	contains(text, want, "trend text suspect");
	contains(text, "       retained: in-use +320.00 KiB, allocated +336.00 KiB\n",
		 "trend text suspect");
	snprintf(want, sizeof(want), "`%s` ← `%s` (98%%): ", fname(r, sus->frame), culprit);
	contains(md, want, "trend markdown suspect");
	contains(md, "; retained: in-use +320.00 KiB, allocated +336.00 KiB", "trend markdown");
	snprintf(want, sizeof(want), "<td class=\"culprit\"><code>%s</code> (98%%)</td>", culprit);
	contains(html, want, "trend html suspect");
	contains(html, "<td class=\"retention\">retained</td>", "trend html");
	/* The paths the listed ones leave out. */
	contains(text, "      +4.00 KiB  other paths\n", "trend text");
	contains(md, "- **+4.00 KiB** other paths\n", "trend markdown");
	contains(html, "<li class=\"other\">+4.00 KiB other paths</li>", "trend html");
	/* Where the levelled row levelled off, and the class counts. */
	contains(text, "(grew to 6.10 MiB by snapshot 4, level since)", "trend text");
	contains(md, "levelled (grew to 6.10 MiB by snapshot 4, level since) |", "trend markdown");
	contains(html, "levelled <span class=\"level\">(grew to 6.10 MiB by snapshot 4, level "
		 "since)</span>", "trend html");
	snprintf(want, sizeof(want), "%zu stable, %zu growing", r->class_count[HD_TREND_STABLE],
		 r->class_count[HD_TREND_GROWING]);
	contains(text, "Classes: ", "trend text");
	contains(text, want, "trend text");
	snprintf(want, sizeof(want), ", %zu levelled", r->class_count[HD_TREND_LEVELLED]);
	contains(text, want, "trend text");
	contains(md, want, "trend markdown");
	contains(html, want, "trend html");
	lacks(text, "(root)", "trend text");
	lacks(text, "Reference chains", "trend text");
	lacks(md, "Reference chains", "trend markdown");

	doc = cJSON_Parse(js);
	CHECK(doc != NULL, "trend json parses");
	x = cJSON_GetObjectItemCaseSensitive(doc, "order");
	CHECK(json_is(x, "used", "given") && json_is(x, "requested", "auto") &&
	      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "contradicts_times")),
	      "trend json: order");
	x = cJSON_GetObjectItemCaseSensitive(doc, "warnings");
	CHECK(cJSON_GetArraySize(x) == 1 && cJSON_IsString(cJSON_GetArrayItem(x, 0)) &&
	      strcmp(cJSON_GetArrayItem(x, 0)->valuestring, warn[0]) == 0, "trend json: warnings");
	CHECK(json_is(doc, "app_rule", "go") && json_is(doc, "analysis", "levels") &&
	      json_is(doc, "suspects_kind", "leak"), "trend json: app_rule, analysis, kind");
	CHECK(json_num(cJSON_GetObjectItemCaseSensitive(doc, "classes"), "levelled") ==
	      (double)r->class_count[HD_TREND_LEVELLED], "trend json: the levelled count");
	f = json_function(doc, fname(r, sus->frame));
	CHECK(f && json_is(f, "culprit", culprit) && json_num(f, "culprit_share") == 0.98,
	      "trend json: the suspect's culprit");
	x = f ? cJSON_GetObjectItemCaseSensitive(f, "retention") : NULL;
	CHECK(x && json_is(x, "label", "retained") && json_num(x, "inuse_delta") == 327680 &&
	      json_num(x, "alloc_delta") == 344064 && json_is(x, "alloc_type", "alloc_space") &&
	      json_num(x, "kept") > 0.95 && json_num(x, "kept") < 0.96,
	      "trend json: the suspect's retention");
	CHECK(f && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(f, "call_paths")) &&
	      json_num(f, "call_paths_other") == 4096 &&
	      !cJSON_GetObjectItemCaseSensitive(f, "ref_chains"), "trend json: call paths");
	f = json_function(doc, culprit);
	x = f ? cJSON_GetObjectItemCaseSensitive(f, "trend") : NULL;
	CHECK(x && json_is(x, "class", "levelled") && json_num(x, "level_from") == 3 &&
	      json_num(x, "level_value") == 6396314, "trend json: the levelled row");
	x = f ? cJSON_GetObjectItemCaseSensitive(f, "retention") : NULL;
	CHECK(x && json_is(x, "label", NULL) && json_is(x, "alloc_type", "alloc_space"),
	      "trend json: no retention label is null");
	CHECK(x && cJSON_HasObjectItem(cJSON_GetObjectItemCaseSensitive(f, "trend"), "mk_p") &&
	      cJSON_HasObjectItem(cJSON_GetObjectItemCaseSensitive(f, "trend"), "sen_per_hour") &&
	      cJSON_HasObjectItem(cJSON_GetObjectItemCaseSensitive(f, "trend"), "floor_rising"),
	      "trend json: the robust statistics");
	cJSON_Delete(doc);
	free(text);
	free(md);
	free(js);
	free(html);

	/* A cumulative type: allocation-rate regressions, not leaks; the
	 * time order; no pair. */
	r->cumulative = 1;
	r->order_used = HD_ORDER_TIME;
	r->order_contradicts = 0;
	r->pair_type = NULL;
	r->sample_type = "alloc_space";
	text = rendered(r, HD_FMT_TEXT, 0);
	md = rendered(r, HD_FMT_MARKDOWN, 0);
	js = rendered(r, HD_FMT_JSON, 0);
	html = rendered(r, HD_FMT_HTML, 0);
	contains(text, "\nalloc_space only accumulates: classified the increments between snapshots "
		 "(allocation per interval)\n", "cumulative text");
	contains(md, "`alloc_space` only accumulates: classified the increments", "cumulative md");
	contains(html, "<code>alloc_space</code> only accumulates", "cumulative html");
	contains(text, "\nAllocation-rate regressions (", "cumulative text");
	contains(md, "### Allocation-rate regressions\n", "cumulative markdown");
	contains(md, "allocation-rate regression", "cumulative markdown summary");
	contains(html, "<h2>Allocation-rate regressions</h2>", "cumulative html");
	lacks(text, "Leak suspects", "cumulative text");
	lacks(md, "eak suspect", "cumulative markdown");
	lacks(html, "eak suspect", "cumulative html");
	lacks(text, "Leak or churn", "trend text without a pair");
	contains(text, "\nOrder: by time stamp\n", "cumulative text");
	contains(md, "\nOrder: by time stamp.\n", "cumulative markdown");
	doc = cJSON_Parse(js);
	CHECK(doc && json_is(doc, "analysis", "increments") &&
	      json_is(doc, "suspects_kind", "allocation-rate") && json_is(doc, "pair_type", NULL) &&
	      json_is(cJSON_GetObjectItemCaseSensitive(doc, "order"), "used", "time"),
	      "cumulative json: analysis, kind, order");
	f = doc ? json_function(doc, fname(r, sus->frame)) : NULL;
	CHECK(f && !cJSON_HasObjectItem(f, "retention"), "json: no retention without a pair");
	cJSON_Delete(doc);
	free(text);
	free(md);
	free(js);
	free(html);
	hd_report_free(r);
}

static void test_diff_verdict_facts(void)
{
	struct hd_report *r = diff_report("leak-00.pb.gz", "leak-05.pb.gz", HD_SORT_DEFAULT);
	struct hd_row *g;
	char *text, *md, *js, want[512];
	const char *culprit;
	cJSON *doc;
	const cJSON *f;

	if (r->ngrowers < 2) {
		CHECK(0, "leak-00 -> 05 has %zu growers", r->ngrowers);
		hd_report_free(r);
		return;
	}
	g = (struct hd_row *)r->growers[0];
	culprit = fname(r, r->growers[1]->frame);
	g->culprit = r->growers[1]->frame;
	g->culprit_share = 0.5;
	r->backwards = 1;
	r->have_elapsed = 1;
	r->elapsed_nanos = -460000000;
	r->pair_type = "alloc_space";
	g->ret.label = HD_RET_CHURN;
	g->ret.inuse_delta = 1024;
	g->ret.alloc_delta = 10485760;
	g->ret.kept = 1024.0 / 10485760.0;

	text = rendered(r, HD_FMT_TEXT, 3);
	md = rendered(r, HD_FMT_MARKDOWN, 3);
	js = rendered(r, HD_FMT_JSON, 3);
	contains(text, "\nNEW is older than BASE by 460ms\n", "backwards text");
	contains(text, "\nElapsed: -460ms\n", "backwards text");
	contains(md, "**Note: NEW is older than BASE by 460ms.**", "backwards markdown");
	contains(md, "Elapsed -460ms (", "backwards markdown");
	lacks(text, "growth rate", "backwards text");
	snprintf(want, sizeof(want), "%s  ← %s (50%%)\n", fname(r, g->frame), culprit);
	contains(text, want, "diff text grower");
	contains(text, "in-use Δ", "diff text");
	contains(text, "churn", "diff text");
	contains(text, "Leak or churn: alloc_space beside inuse_space", "diff text");
	snprintf(want, sizeof(want), "| +1.00 KiB | +10.00 MiB | churn | `%s` | `%s` (50%%) |",
		 fname(r, g->frame), culprit);
	contains(md, want, "diff markdown grower");
	contains(md, "| in-use Δ | allocated | retention | function | culprit |", "diff markdown");
	doc = cJSON_Parse(js);
	CHECK(doc && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "backwards")) &&
	      json_num(doc, "elapsed_nanos") == -460000000 && json_is(doc, "pair_type", "alloc_space"),
	      "backwards json");
	CHECK(doc && !cJSON_HasObjectItem(doc, "order"), "diff json: no order");
	f = doc ? json_function(doc, fname(r, g->frame)) : NULL;
	CHECK(f && json_is(f, "culprit", culprit) && json_is(cJSON_GetObjectItemCaseSensitive(f,
	      "retention"), "label", "churn"), "diff json: culprit and retention");
	cJSON_Delete(doc);
	free(text);
	free(md);
	free(js);

	/* A scaled NEW: no growth rate, no objects line. */
	r->backwards = 0;
	r->elapsed_nanos = 460000000;
	r->scale = 0.5;
	text = rendered(r, HD_FMT_TEXT, 3);
	md = rendered(r, HD_FMT_MARKDOWN, 3);
	contains(text, "\nElapsed: 460ms\n", "scaled text");
	lacks(text, "growth rate +", "scaled text");
	lacks(text, "Objects (", "scaled text");
	lacks(md, "growth rate +", "scaled markdown");
	lacks(md, "| `inuse_objects` |", "scaled markdown");
	free(text);
	free(md);
	hd_report_free(r);
}

/* trend --sort cum shows cum, the column it is sorted by. */
static void test_trend_by_cum(void)
{
	struct hd_report *r = report(HD_CMD_TREND, HD_SORT_CUM, series, 6);
	char *text = rendered(r, HD_FMT_TEXT, 3), *md = rendered(r, HD_FMT_MARKDOWN, 3);
	char want[64];

	contains(text, "\nFunctions (cum; top 3 of", "trend --sort cum text");
	contains(text, "Δcum first→last", "trend --sort cum text");
	contains(md, "### Functions (cum)", "trend --sort cum markdown");
	/* The first row is the root's cum, the whole profile: never 0 B. */
	hd_format_value(want, sizeof(want), hd_report_cum(r, &r->rows[0], 0), r->sample_unit, 0);
	CHECK(hd_report_cum(r, &r->rows[0], 0) > 0, "the first row by cum holds something");
	contains(md, want, "trend --sort cum markdown");
	free(text);
	free(md);
	hd_report_free(r);
}

/* A trend table shows what the class reads: a frame of the user's code
 * by its own value (main.poolMisuse keeps what bytes.growSlice
 * allocates), each suspect by its Theil-Sen growth and Mann-Kendall p. */
static void test_trend_attributed(void)
{
	static const char *const run[] = {
		"captures/run-4/heap-1.pb.gz", "captures/run-4/heap-2.pb.gz",
		"captures/run-4/heap-3.pb.gz", "captures/run-4/heap-4.pb.gz",
	};
	struct hd_report *r;
	const struct hd_row *own = NULL;
	char *text, *md, want[128], v[64];
	size_t i;

	trend_opts = NULL;
	r = report(HD_CMD_TREND, HD_SORT_DEFAULT, run, 4);
	trend_opts = &loose;
	for (i = 0; i < r->nrows && !own; i++)
		if (hd_report_series(r, &r->rows[i], 3) != hd_report_flat(r, &r->rows[i], 3) &&
		    hd_report_series(r, &r->rows[i], 3) > 1 << 20)
			own = &r->rows[i];
	CHECK(own != NULL, "run-4 has a frame whose own value is not its flat");
	text = rendered(r, HD_FMT_TEXT, 0);
	md = rendered(r, HD_FMT_MARKDOWN, 0);
	contains(text, "\nFunctions (own value of your code, flat of the rest;", "trend text");
	contains(md, "### Functions (own value of your code, flat of the rest)", "trend markdown");
	if (own) {
		hd_format_value(v, sizeof(v), hd_report_series(r, own, 3), r->sample_unit, 0);
		snprintf(want, sizeof(want), " %s ", v);
		contains(text, want, "trend text: a frame's own value");
		snprintf(want, sizeof(want), "| %s |", v);
		contains(md, want, "trend markdown: a frame's own value");
	}
	contains(text, " (Theil-Sen, ", "trend text suspects");
	contains(text, "), Mann-Kendall p ", "trend text suspects");
	contains(text, " growth      p  class", "trend text table");
	lacks(text, "slope/profile", "trend text table");
	contains(md, " | growth | p | ", "trend markdown table");
	free(text);
	free(md);
	hd_report_free(r);
}

/* A delta profile (?seconds=N): its total beside the sum of |values|
 * that percentages are of, and its duration. */
static void test_top_delta_profile(void)
{
	struct hd_report *r = report(HD_CMD_TOP, HD_SORT_DEFAULT, series + 5, 1);
	char *text, *md, want[256], t[64], a[64];

	text = rendered(r, HD_FMT_TEXT, 3);
	lacks(text, "sum of |values|", "top of a profile without negative values");
	lacks(text, "Duration:", "top of a profile without a duration");
	free(text);
	r->cols[0].abs_total = r->cols[0].total * 3;
	r->cols[0].duration_nanos = 10000000000LL;
	hd_format_value(t, sizeof(t), r->cols[0].total, r->sample_unit, 0);
	hd_format_value(a, sizeof(a), r->cols[0].abs_total, r->sample_unit, 0);
	text = rendered(r, HD_FMT_TEXT, 3);
	md = rendered(r, HD_FMT_MARKDOWN, 3);
	snprintf(want, sizeof(want), "\nTotal: %s (sum of |values| %s, the base of %%)", t, a);
	contains(text, want, "top text of a delta profile");
	contains(text, "\nDuration: 10.0s\n", "top text of a delta profile");
	snprintf(want, sizeof(want), ": %s** (sum of \\|values\\| %s, the base of %%)", t, a);
	contains(md, want, "top markdown of a delta profile");
	contains(md, " over 10.0s", "top markdown of a delta profile");
	free(text);
	free(md);
	hd_report_free(r);
}

/* ---- JSON when cJSON runs out of memory ---- */

static long allocs, fail_at;

static void *counting_malloc(size_t n)
{
	if (++allocs == fail_at)
		return NULL;
	return malloc(n);
}

static void json_nomem(const struct hd_report *r, const char *what)
{
	cJSON_Hooks hooks = {counting_malloc, free};
	struct hd_error err;
	struct hd_buf ref, b;
	long k, total, failed = 0;
	int rc;

	cJSON_InitHooks(&hooks);
	hd_buf_init(&ref, 0);
	allocs = 0;
	fail_at = 0;
	rc = render(r, HD_FMT_JSON, 2, &ref, &err);
	total = allocs;
	CHECK(rc == 0 && total > 0, "%s: json without failures: rc %d", what, rc);
	for (k = 1; k <= total; k++) {
		hd_buf_init(&b, 0);
		allocs = 0;
		fail_at = k;
		rc = render(r, HD_FMT_JSON, 2, &b, &err);
		if (rc) {
			failed++;
			CHECK(rc == HD_ERR_NOMEM && b.len == 0,
			      "%s: allocation %ld failed: rc %d, %zu bytes out", what, k, rc, b.len);
		} else {
			CHECK(b.len == ref.len && memcmp(b.data, ref.data, b.len) == 0,
			      "%s: allocation %ld failed and the document lost something", what, k);
		}
		hd_buf_release(&b);
	}
	CHECK(failed > 0, "%s: no failed allocation made hd_render fail", what);
	hd_buf_release(&ref);
	cJSON_InitHooks(NULL);
}

static void test_json_nomem(void)
{
	struct hd_report *top = report(HD_CMD_TOP, HD_SORT_DEFAULT, series + 5, 1);
	struct hd_report *diff = diff_report("cache-v1.pb.gz", "cache-v2.pb.gz", HD_SORT_DEFAULT);
	struct hd_report *trend = report(HD_CMD_TREND, HD_SORT_DEFAULT, series, 3);
	struct hd_rule rule;
	struct hd_error err = {0};

	if (hd_rule_parse("total:+1%", &rule, &err) || hd_report_check(diff, diff, &rule, &err))
		CHECK(0, "rule: %s", err.msg);
	json_nomem(top, "top");
	json_nomem(diff, "diff");
	json_nomem(trend, "trend");
	hd_report_free(top);
	hd_report_free(diff);
	hd_report_free(trend);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: renderers SRCDIR\n");
		return 2;
	}
	srcdir = argv[1];
	hd_trend_opts_init(&loose);
	loose.min_growth_pct = 0;
	loose.max_p = 0.9;
	test_sort();
	test_trend_facts();
	test_diff_facts();
	test_table();
	test_wording();
	test_no_partial_output();
	test_trend_verdict_facts();
	test_diff_verdict_facts();
	test_trend_by_cum();
	test_top_delta_profile();
	test_trend_attributed();
	test_json_nomem();
	printf("renderers: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
