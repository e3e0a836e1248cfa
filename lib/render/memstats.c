/*
 * memstats.c - the MemStats section of diff and trend, one function per
 * format (text, Markdown, JSON, HTML), each called with one line by its
 * format file after the totals; the sentences they share (the interval,
 * the cross-check).  Part of the shared module (render.h): it uses no
 * format file.
 *
 * Reads r->memstats (engine/memstats.c), which is NULL unless every
 * profile carried runtime.MemStats; each function then writes nothing
 * (hd_memstats_json returns NULL).  Every number and the cross-check's
 * kind are the engine's; here they are only put into words and tables.
 * The sentences take no string from a profile or the command line (a
 * profile is "profile 3", by its position in the report), so each format
 * needs only its own escaping of our own words.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

#define MINUS "\xe2\x88\x92" /* U+2212 */

static void val(char *buf, size_t n, int64_t v, const char *unit, int sign)
{
	hd_format_value(buf, n, v, unit, sign);
}

/* ---- the sentences ---- */

void hd_memstats_interval(const struct hd_report *r, char *buf, size_t n)
{
	const struct hd_ms_report *ms = r->memstats;
	char p[64], ta[64], live[64];

	if (ms->have_pause)
		val(p, sizeof(p), ms->pause_ns, "nanoseconds", 0);
	else if (ms->pause_ring)
		snprintf(p, sizeof(p), "n/a (more than the %zu Go keeps)", ms->pause_ring);
	else
		snprintf(p, sizeof(p), "n/a (no PauseNs)");
	val(ta, sizeof(ta), ms->total_alloc, "bytes", 0);
	val(live, sizeof(live), hd_sub_sat(ms->mallocs, ms->frees), "count", 1);
	snprintf(buf, n, "%" PRId64 " GC%s (%" PRId64 " forced), pause %s; %" PRId64
		 " mallocs, %" PRId64 " frees (%s live); %s allocated",
		 ms->num_gc, ms->num_gc == 1 ? "" : "s", ms->num_forced_gc, p, ms->mallocs,
		 ms->frees, ms->mallocs == ms->frees ? "0" : live, ta);
}

/* The largest part of the growth outside the heap, in words. */
static const char *part_name(enum hd_ms_part p)
{
	switch (p) {
	case HD_MS_PART_STACKS: return "goroutine stacks (StackSys)";
	case HD_MS_PART_GC: return "GC metadata (GCSys)";
	case HD_MS_PART_RUNTIME: return "the runtime's own (MSpanSys, MCacheSys, BuckHashSys, OtherSys)";
	case HD_MS_PART_NATIVE: return "memory outside the Go runtime";
	}
	return "?";
}

void hd_memstats_sentence(const struct hd_report *r, char *buf, size_t n)
{
	const struct hd_ms_check *k = &r->memstats->check;
	char heap[64], alloc[64], prof[64], a[64], b[64];

	val(heap, sizeof(heap), k->heap, "bytes", 1);
	val(alloc, sizeof(alloc), k->heap_alloc, "bytes", 1);
	val(prof, sizeof(prof), k->profile_delta, "bytes", 1);
	switch (k->kind) {
	case HD_MS_HEAP:
		if (k->have_profile)
			snprintf(buf, n, "a Go heap leak the profile sees: HeapInuse %s, the "
				 "profile's in-use %s; %s", heap, prof, k->table_shows ?
				 "its functions show where" : "--sample-index inuse_space shows where");
		else
			snprintf(buf, n, "a Go heap leak: HeapInuse %s; the profile's functions "
				 "show where", heap);
		break;
	case HD_MS_GARBAGE:
		val(a, sizeof(a), k->col_heap_alloc, "bytes", 0);
		val(b, sizeof(b), k->col_inuse, "bytes", 0);
		if (k->grew)
			snprintf(buf, n, "HeapInuse %s and HeapAlloc %s, but the profile's in-use "
				 "only %s: objects not yet collected, which a profile (as of the "
				 "last GC) does not count; fetch with ?gc=1 and compare again",
				 heap, alloc, prof);
		else
			snprintf(buf, n, "HeapAlloc (%s) far above the profile's in-use (%s) in "
				 "profile %zu: garbage not yet collected, which the profile (as of "
				 "the last GC) does not count; fetch with ?gc=1 to compare the two",
				 a, b, k->col + 1);
		break;
	case HD_MS_FRAGMENTED:
		snprintf(buf, n, "HeapInuse %s but HeapAlloc only %s and the profile's in-use "
			 "%s: spans held for fewer live objects (fragmentation, at most "
			 "HeapInuse " MINUS " HeapAlloc), not more objects", heap, alloc, prof);
		break;
	case HD_MS_OUTSIDE:
		val(a, sizeof(a), k->part_delta, "bytes", 1);
		if (k->part == HD_MS_PART_NATIVE)
			snprintf(buf, n, "growth outside what the heap profile samples: MaxRSS "
				 "%s past all the Go runtime has mapped (Sys), which is cgo or "
				 "other native memory; HeapInuse %s; the profile cannot show where",
				 a, heap);
		else {
			val(b, sizeof(b), k->outside, "bytes", 1);
			snprintf(buf, n, "growth outside what the heap profile samples: Sys "
				 MINUS " HeapSys %s, most of it %s %s; HeapInuse %s; the profile "
				 "cannot show where%s", b, part_name(k->part), a, heap,
				 k->part == HD_MS_PART_STACKS ?
				 " (count goroutines at /debug/pprof/goroutine)" : "");
		}
		break;
	case HD_MS_IDLE:
		val(a, sizeof(a), k->idle, "bytes", 1);
		snprintf(buf, n, "a heap idle but not yet released: HeapIdle " MINUS
			 " HeapReleased %s while HeapInuse %s; Go returns it to the OS lazily "
			 "(debug.FreeOSMemory forces it): not a leak", a, heap);
		break;
	case HD_MS_RESTART:
		snprintf(buf, n, "Mallocs, Frees, TotalAlloc or NumGC fell at profile %zu: not "
			 "one process (a restart?), so its MemStats do not compare",
			 k->restart_col + 1);
		break;
	case HD_MS_NOISE:
		val(a, sizeof(a), k->floor, "bytes", 0);
		snprintf(buf, n, "nothing beyond the noise: neither the heap nor anything "
			 "outside it grew by more than %s", a);
		break;
	}
}

/* ---- text ---- */

/* A series as sparkline glyphs, min to max of the series; a stable one
 * level at the bottom. */
static void spark(struct hd_buf *b, const struct hd_ms_row *row, size_t n,
		  const struct hd_glyphs *g)
{
	int64_t lo = row->series[0], hi = row->series[0];
	size_t c, w = n < HD_SPARK_MAX ? n : HD_SPARK_MAX;

	for (c = 0; c < n; c++) {
		lo = row->series[c] < lo ? row->series[c] : lo;
		hi = row->series[c] > hi ? row->series[c] : hi;
	}
	for (c = 0; c < w; c++) {
		/* Columns averaged into w buckets, as hd_buckets does. */
		size_t a = c * n / w, e = (c + 1) * n / w, i;
		double sum = 0;
		int k = 0;

		for (i = a; i < e; i++)
			sum += (double)row->series[i];
		if (row->cls != HD_TREND_STABLE && hi > lo)
			k = (int)lround((sum / (double)(e - a) - (double)lo) /
					((double)hi - (double)lo) * 7);
		hd_buf_puts(b, g->spark[k < 0 ? 0 : k > 7 ? 7 : k]);
	}
}

/* The rule a trend classes the figures by, for the heading. */
static const char class_rule[] = "class: rose (fell) by more than 1% of its largest value "
	"with most steps not falling (not rising)";

void hd_memstats_text(const struct hd_report *r, const struct hd_render_opts *o,
		      struct hd_buf *b)
{
	const struct hd_ms_report *ms = r->memstats;
	const struct hd_glyphs *g = hd_glyphs(o->ascii);
	size_t i, k, cols[HD_TREND_COLS], nc = hd_trend_columns(r, cols);
	int trend = r->command == HD_CMD_TREND;
	char v[4][64], line[1024];

	if (!ms)
		return;
	hd_buf_printf(b, "\nMemStats (runtime.MemStats, exact%s%s):\n", trend ? "; " : "",
		      trend ? class_rule : "");
	snprintf(v[0], 64, "%s%%", g->delta);
	hd_buf_printf(b, "  %-13s", "");
	if (trend) {
		for (k = 0; k < nc; k++)
			hd_buf_printf(b, " %11zu", cols[k] + 1);
	} else {
		hd_buf_printf(b, " %12s %12s", "base", "new");
	}
	hd_buf_puts(b, " ");
	hd_pad(b, g->delta, 13, 1);
	hd_buf_puts(b, " ");
	hd_pad(b, v[0], 9, 1);
	hd_buf_puts(b, trend ? "  class        trend\n" : "\n");
	for (i = 0; i < ms->nrows && !b->failed; i++) {
		const struct hd_ms_row *row = &ms->rows[i];

		val(v[0], 64, row->first, row->unit, 0);
		val(v[1], 64, row->last, row->unit, 0);
		val(v[2], 64, row->delta, row->unit, 1);
		hd_format_pct(v[3], 64, row->pct, 1);
		hd_buf_printf(b, "  %-13s", row->name);
		if (trend) {
			for (k = 0; k < nc; k++) {
				val(v[0], 64, row->series[cols[k]], row->unit, 0);
				hd_buf_printf(b, " %11s", v[0]);
			}
			hd_buf_printf(b, " %13s %9s  %-11s  ", row->delta ? v[2] : "0", v[3],
				      hd_trend_class_name(row->cls));
			spark(b, row, r->ncols, g);
			hd_buf_puts(b, "\n");
		} else {
			hd_buf_printf(b, " %12s %12s %13s %9s\n", v[0], v[1],
				      row->delta ? v[2] : "0", v[3]);
		}
	}
	hd_memstats_interval(r, line, sizeof(line));
	hd_buf_printf(b, "  Interval: %s\n", line);
	hd_memstats_sentence(r, line, sizeof(line));
	hd_buf_printf(b, "  Cross-check (%s): %s\n", hd_ms_kind_name(ms->check.kind), line);
}

/* ---- Markdown ---- */

/* Our own words as GFM text (markdown.c's md_text rule). */
static void md_words(struct hd_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': hd_buf_puts(b, "&amp;"); break;
		case '<': hd_buf_puts(b, "&lt;"); break;
		case '>': hd_buf_puts(b, "&gt;"); break;
		case '\\': case '`': case '*': case '_': case '[': case ']':
		case '#': case '|': case '~': case '$':
			hd_buf_append(b, "\\", 1);
			/* fall through */
		default:
			hd_buf_append(b, s, 1);
		}
	}
}

void hd_memstats_markdown(const struct hd_report *r, const struct hd_render_opts *o,
			  struct hd_buf *b)
{
	const struct hd_ms_report *ms = r->memstats;
	const struct hd_glyphs *g = hd_glyphs(o->ascii);
	size_t i, k, cols[HD_TREND_COLS], nc = hd_trend_columns(r, cols);
	int trend = r->command == HD_CMD_TREND;
	char v[4][64], line[1024];

	if (!ms)
		return;
	hd_buf_puts(b, "### MemStats\n\n");
	hd_memstats_sentence(r, line, sizeof(line));
	hd_buf_printf(b, "**Cross-check (%s):** ", hd_ms_kind_name(ms->check.kind));
	md_words(b, line);
	hd_buf_puts(b, ".\n\n| runtime.MemStats |");
	if (trend) {
		for (k = 0; k < nc; k++)
			hd_buf_printf(b, " %zu |", cols[k] + 1);
		hd_buf_printf(b, " %s | %s%% | class | trend |\n|:---|", g->delta, g->delta);
		for (k = 0; k < nc; k++)
			hd_buf_puts(b, "---:|");
		hd_buf_puts(b, "---:|---:|:---|:---|\n");
	} else {
		hd_buf_printf(b, " base | new | %s | %s%% |\n|:---|---:|---:|---:|---:|\n",
			      g->delta, g->delta);
	}
	for (i = 0; i < ms->nrows && !b->failed; i++) {
		const struct hd_ms_row *row = &ms->rows[i];

		val(v[0], 64, row->first, row->unit, 0);
		val(v[1], 64, row->last, row->unit, 0);
		val(v[2], 64, row->delta, row->unit, 1);
		hd_format_pct(v[3], 64, row->pct, 1);
		hd_buf_printf(b, "| %s |", row->name);
		if (trend) {
			for (k = 0; k < nc; k++) {
				val(v[0], 64, row->series[cols[k]], row->unit, 0);
				hd_buf_printf(b, " %s |", v[0]);
			}
			hd_buf_printf(b, row->cls == HD_TREND_GROWING ? " %s | %s | **%s** | `" :
				      " %s | %s | %s | `", row->delta ? v[2] : "0", v[3],
				      hd_trend_class_name(row->cls));
			spark(b, row, r->ncols, g);
			hd_buf_puts(b, "` |\n");
		} else {
			hd_buf_printf(b, " %s | %s | %s | %s |\n", v[0], v[1],
				      row->delta ? v[2] : "0", v[3]);
		}
	}
	hd_memstats_interval(r, line, sizeof(line));
	hd_buf_puts(b, "\nOver the interval: ");
	md_words(b, line);
	hd_buf_puts(b, ".");
	if (trend) {
		hd_buf_puts(b, " The columns are the profiles in order; ");
		md_words(b, class_rule);
		hd_buf_puts(b, ".");
	}
	hd_buf_puts(b, "\n\n");
}

/* ---- JSON ---- */

/* A cJSON builder that remembers a failure: every value goes through
 * put(), and a NULL anywhere fails the whole section. */
struct jb {
	int failed;
};

static cJSON *j_int(int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return cJSON_CreateRaw(s);
}

static cJSON *j_num(double v)
{
	char s[64];

	if (isnan(v) || isinf(v))
		return cJSON_CreateNull();
	snprintf(s, sizeof(s), "%.4f", v);
	return cJSON_CreateRaw(s);
}

static void put(struct jb *j, cJSON *o, const char *k, cJSON *v)
{
	if (!j->failed && o && v && (k ? cJSON_AddItemToObject(o, k, v) : cJSON_AddItemToArray(o, v)))
		return;
	j->failed = 1;
	cJSON_Delete(v);
}

struct cJSON *hd_memstats_json(const struct hd_report *r)
{
	const struct hd_ms_report *ms = r->memstats;
	const struct hd_ms_check *k;
	struct jb j = {0};
	cJSON *root, *fields, *x;
	char line[1024];
	size_t i, c;

	if (!ms)
		return NULL;
	k = &ms->check;
	root = cJSON_CreateObject();
	fields = cJSON_CreateArray();
	for (i = 0; i < ms->nrows; i++) {
		const struct hd_ms_row *row = &ms->rows[i];
		cJSON *f = cJSON_CreateObject();

		put(&j, f, "name", cJSON_CreateString(row->name));
		put(&j, f, "unit", cJSON_CreateString(row->unit));
		put(&j, f, "first", j_int(row->first));
		put(&j, f, "last", j_int(row->last));
		put(&j, f, "delta", j_int(row->delta));
		put(&j, f, "pct", j_num(row->pct));
		if (r->command == HD_CMD_TREND) {
			cJSON *s = cJSON_CreateArray();

			for (c = 0; c < r->ncols; c++)
				put(&j, s, NULL, j_int(row->series[c]));
			put(&j, f, "series", s);
			put(&j, f, "class", cJSON_CreateString(hd_trend_class_name(row->cls)));
		}
		put(&j, fields, NULL, f);
	}
	put(&j, root, "fields", fields);
	x = cJSON_CreateObject();
	put(&j, x, "num_gc", j_int(ms->num_gc));
	put(&j, x, "num_forced_gc", j_int(ms->num_forced_gc));
	put(&j, x, "mallocs", j_int(ms->mallocs));
	put(&j, x, "frees", j_int(ms->frees));
	put(&j, x, "total_alloc", j_int(ms->total_alloc));
	put(&j, x, "pause_ns", ms->have_pause ? j_int(ms->pause_ns) : cJSON_CreateNull());
	put(&j, x, "pause_ring", j_int((int64_t)ms->pause_ring));
	put(&j, root, "interval", x);
	x = cJSON_CreateObject();
	hd_memstats_sentence(r, line, sizeof(line));
	put(&j, x, "kind", cJSON_CreateString(hd_ms_kind_name(k->kind)));
	put(&j, x, "message", cJSON_CreateString(line));
	put(&j, x, "floor", j_int(k->floor));
	put(&j, x, "heap_inuse", j_int(k->heap));
	put(&j, x, "heap_alloc", j_int(k->heap_alloc));
	put(&j, x, "profile_inuse", k->have_profile ? j_int(k->profile_delta) : cJSON_CreateNull());
	put(&j, x, "outside", j_int(k->outside));
	put(&j, x, "stacks", j_int(k->stacks));
	put(&j, x, "gc", j_int(k->gc));
	put(&j, x, "runtime", j_int(k->runtime));
	put(&j, x, "native", j_int(k->native));
	put(&j, x, "idle", j_int(k->idle));
	put(&j, root, "cross_check", x);
	if (j.failed) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ---- HTML ---- */

void hd_memstats_html(const struct hd_report *r, const struct hd_render_opts *o,
		      struct hd_buf *b)
{
	const struct hd_ms_report *ms = r->memstats;
	char v[4][64], line[1024];
	size_t i, c;

	(void)o;
	if (!ms)
		return;
	hd_buf_puts(b, "<h2>MemStats</h2>\n<p><strong>Cross-check (");
	hd_buf_puts(b, hd_ms_kind_name(ms->check.kind));
	hd_buf_puts(b, "):</strong> ");
	hd_memstats_sentence(r, line, sizeof(line));
	hd_put_clean(b, line, HD_CLEAN_XML, 0);
	hd_buf_puts(b, ".</p>\n<p>Over the interval: ");
	hd_memstats_interval(r, line, sizeof(line));
	hd_put_clean(b, line, HD_CLEAN_XML, 0);
	hd_buf_puts(b, ". Each field's ");
	hd_put_clean(b, class_rule, HD_CLEAN_XML, 0);
	hd_buf_puts(b, ".</p>\n<table class=\"memstats\">\n<thead><tr><th>runtime.MemStats</th>"
		    "<th>first</th><th>last</th><th>\xce\x94</th><th>\xce\x94%</th><th>class</th>"
		    "</tr></thead>\n<tbody>\n");
	for (i = 0; i < ms->nrows && !b->failed; i++) {
		const struct hd_ms_row *row = &ms->rows[i];
		const char *cls = hd_trend_class_name(row->cls);

		val(v[0], 64, row->first, row->unit, 0);
		val(v[1], 64, row->last, row->unit, 0);
		val(v[2], 64, row->delta, row->unit, 1);
		hd_format_pct(v[3], 64, row->pct, 1);
		hd_buf_printf(b, "<tr><td><code>%s</code></td><td class=\"num\">%s</td>"
			      "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
			      "<td class=\"num\">%s</td><td class=\"%s\" data-series=\"",
			      row->name, v[0], v[1], row->delta ? v[2] : "0", v[3], cls);
		for (c = 0; c < r->ncols; c++)
			hd_buf_printf(b, "%s%" PRId64, c ? " " : "", row->series[c]);
		hd_buf_printf(b, "\">%s</td></tr>\n", cls);
	}
	hd_buf_puts(b, "</tbody></table>\n");
}
