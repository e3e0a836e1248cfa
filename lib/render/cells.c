/*
 * cells.c - the renderers' shared cells and text helpers (render.h says
 * what each does): value, percentage, time and rate formatting; UTF-8
 * cleaning, widths and padding; XML escaping; the cells of top, diff and
 * trend rows; the trend's glyphs, sparklines and sentences; verdict lines.
 *
 * Owns nothing: every function writes into the caller's buffer.  Reads
 * finished reports only and decides nothing about them; a format file's
 * own layout stays in the format file.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "render/render.h"

/* ---- numbers ---- */

static void scaled(char *buf, size_t n, uint64_t a, const char *sign,
		   const char *const *units, const uint64_t *div, size_t nunits,
		   int int_first)
{
	size_t i;

	for (i = nunits; i-- > 1;)
		if (a >= div[i]) {
			snprintf(buf, n, "%s%.2f %s", sign, (double)a / (double)div[i], units[i]);
			return;
		}
	if (int_first)
		snprintf(buf, n, "%s%" PRIu64 " %s", sign, a, units[0]);
	else
		snprintf(buf, n, "%s%.2f %s", sign, (double)a, units[0]);
}

void hd_format_value(char *buf, size_t n, int64_t v, const char *unit, int sign)
{
	static const char *const bytes_u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	static const uint64_t bytes_d[] = {1, 1ULL << 10, 1ULL << 20, 1ULL << 30,
					   1ULL << 40, 1ULL << 50, 1ULL << 60};
	static const char *const ns_u[] = {"ns", "us", "ms", "s"};
	static const uint64_t ns_d[] = {1, 1000, 1000000, 1000000000};
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	const char *s = v < 0 ? "-" : sign && v > 0 ? "+" : sign ? "" : "";

	if (sign && v == 0)
		s = "";
	if (strcmp(unit, "bytes") == 0) {
		scaled(buf, n, a, s, bytes_u, bytes_d, 7, 1);
	} else if (strcmp(unit, "nanoseconds") == 0) {
		if (a < 1000)
			snprintf(buf, n, "%s%" PRIu64 " ns", s, a);
		else
			scaled(buf, n, a, s, ns_u, ns_d, 4, 1);
	} else {
		snprintf(buf, n, "%s%" PRIu64, s, a);
	}
}

void hd_format_pct(char *buf, size_t n, double pct, int sign)
{
	if (isnan(pct))
		snprintf(buf, n, "n/a");
	else if (isinf(pct))
		snprintf(buf, n, "%s", pct > 0 ? "+inf%" : "-inf%");
	else
		snprintf(buf, n, sign ? "%+.2f%%" : "%.2f%%", pct);
}

double hd_share(int64_t part, int64_t whole)
{
	if (whole == 0)
		return NAN;
	return (double)part * 100.0 / fabs((double)whole);
}

void hd_format_time(char *buf, size_t n, int64_t nanos)
{
	time_t t = (time_t)(nanos / 1000000000);
	struct tm tm;

	if (nanos == 0 || !gmtime_r(&t, &tm)) {
		snprintf(buf, n, "unknown");
		return;
	}
	strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void hd_format_duration(char *buf, size_t n, int64_t nanos)
{
	double s = (double)nanos / 1e9;

	if (fabs(s) < 1)
		snprintf(buf, n, "%.0fms", s * 1000);
	else if (fabs(s) < 120)
		snprintf(buf, n, "%.1fs", s);
	else if (fabs(s) < 7200)
		snprintf(buf, n, "%.1fmin", s / 60);
	else if (fabs(s) < 172800)
		snprintf(buf, n, "%.1fh", s / 3600);
	else
		snprintf(buf, n, "%.1fd", s / 86400);
}

int64_t hd_clamp_i64(double v)
{
	/* 2^63 is exact as a double; every double below it rounds to an
	 * int64 (near 2^63 they are whole numbers already). */
	if (isnan(v))
		return 0;
	if (v >= 9223372036854775808.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)llround(v);
}

void hd_format_rate(char *buf, size_t n, int64_t delta, int64_t nanos,
		    const char *unit)
{
	static const struct { const char *name; double secs; } per[] = {
		{"s", 1}, {"min", 60}, {"h", 3600},
	};
	double secs = (double)nanos / 1e9, r = 0;
	char v[64];
	size_t i;

	if (nanos <= 0) {
		snprintf(buf, n, "n/a");
		return;
	}
	/* The smallest period over which the change reads as at least one
	 * whole unit of the value. */
	for (i = 0; i < 3; i++) {
		r = (double)delta / secs * per[i].secs;
		if (fabs(r) >= (strcmp(unit, "bytes") == 0 ? 1024 : 1) || i == 2)
			break;
	}
	hd_format_value(v, sizeof(v), hd_clamp_i64(r), unit, 1);
	snprintf(buf, n, "%s/%s", v, per[i].name);
}

void hd_format_slope(char *buf, size_t n, double v, const char *unit)
{
	if (isnan(v))
		snprintf(buf, n, "n/a");
	else
		hd_format_value(buf, n, hd_clamp_i64(v), unit, 1);
}

/* ---- strings ---- */

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define ELLIPSIS "\xe2\x80\xa6"    /* U+2026 */

/* What one code point (or invalid byte) is in mode: *out and its length,
 * or NULL to copy the source bytes; *shown: its length as text shows
 * it, which the cut counts in every mode alike. */
static const char *unit(uint32_t cp, int valid, enum hd_clean mode, char esc[8],
			size_t *len, size_t *shown)
{
	const char *e = NULL;

	if (!valid || (mode != HD_CLEAN_JSON && (cp == 0xfffe || cp == 0xffff))) {
		*len = *shown = 3; /* XML forbids the two noncharacters */
		return REPLACEMENT;
	}
	if (hd_utf8_hidden(cp)) {
		*shown = 6;
		if (mode == HD_CLEAN_JSON) {
			/* cJSON's short escapes, so JSON reads as it always did. */
			switch (cp) {
			case '\b': e = "\\b"; break;
			case '\f': e = "\\f"; break;
			case '\n': e = "\\n"; break;
			case '\r': e = "\\r"; break;
			case '\t': e = "\\t"; break;
			}
		}
		if (e) {
			*len = 2;
			return e;
		}
		snprintf(esc, 8, "\\u%04x", (unsigned)cp);
		*len = 6;
		return esc;
	}
	*shown = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	if (mode == HD_CLEAN_XML) {
		switch (cp) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		}
	} else if (mode == HD_CLEAN_JSON) {
		if (cp == '"')
			e = "\\\"";
		else if (cp == '\\')
			e = "\\\\";
	}
	if (e)
		*len = strlen(e);
	return e;
}

int hd_put_clean(struct hd_buf *b, const char *str, enum hd_clean mode, size_t max)
{
	const unsigned char *s = (const unsigned char *)(str ? str : ""), *from = s;
	size_t shown = 0;

	/* Runs of bytes that need no change are appended in one piece:
	 * a 10 MiB name in JSON is one append, not ten million. */
	while (*s && !b->failed) {
		size_t k = hd_utf8_len(s), len, w;
		char esc[8];
		const char *out = unit(k ? hd_utf8_cp(s, k) : 0, k != 0, mode, esc, &len, &w);

		if (max && shown + w > max) {
			hd_buf_append(b, from, (size_t)(s - from));
			hd_buf_puts(b, ELLIPSIS);
			return b->failed;
		}
		shown += w;
		if (out) {
			hd_buf_append(b, from, (size_t)(s - from));
			hd_buf_append(b, out, len);
			s += k ? k : 1;
			from = s;
		} else {
			s += k;
		}
	}
	hd_buf_append(b, from, (size_t)(s - from));
	return b->failed;
}

size_t hd_prefix(const char *s, size_t n, size_t cps)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && k++ == cps)
			return i;
	return n;
}

/* Display width of a UTF-8 string, counting each code point as one. */
size_t hd_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void hd_pad(struct hd_buf *b, const char *s, size_t width, int right)
{
	size_t w = hd_width(s);

	if (right)
		for (; w < width; w++)
			hd_buf_append(b, " ", 1);
	hd_buf_puts(b, s);
	if (!right)
		for (; w < width; w++)
			hd_buf_append(b, " ", 1);
}

const char *hd_path_shown(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

void hd_xml_escape(struct hd_buf *b, const char *s, size_t n)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		const char *e = NULL;

		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		hd_buf_append(b, s + from, i - from);
		hd_buf_puts(b, e);
		from = i + 1;
	}
	hd_buf_append(b, s + from, n - from);
}

/* ---- shading ---- */

/* Four decades, from full strength down to S_MIN (flame.c says why). */
#define DECADES 4.0
#define S_MIN 0.12

double hd_log_shade(double v, double max)
{
	double s;

	if (!(v > 0) || !(max > 0))
		return 0;
	s = 1 + log10(v / max) / DECADES;
	return s < S_MIN ? S_MIN : s > 1 ? 1 : s;
}

/* ---- what is shown ---- */

size_t hd_trend_columns(const struct hd_report *r, size_t cols[HD_TREND_COLS])
{
	size_t c;

	if (r->ncols > HD_TREND_COLS) {
		cols[0] = 0;
		cols[1] = r->ncols - 1;
		return 2;
	}
	for (c = 0; c < r->ncols; c++)
		cols[c] = c;
	return r->ncols;
}

double hd_table_max(const struct hd_report *r, size_t shown)
{
	double m = 0;
	size_t i, c;

	for (i = 0; i < shown; i++)
		for (c = 0; c < r->ncols; c++) {
			double v = fabs((double)hd_trend_value(r, &r->rows[i], c));
			if (v > m)
				m = v;
		}
	return m;
}

/* ---- cells ---- */

void hd_total_cells(const struct hd_report *r, char cells[4][64])
{
	hd_format_value(cells[0], 64, r->cols[0].total, r->sample_unit, 0);
	hd_format_value(cells[1], 64, r->cols[r->ncols - 1].total, r->sample_unit, 0);
	hd_format_value(cells[2], 64, r->total_delta, r->sample_unit, 1);
	hd_format_pct(cells[3], 64, r->total_pct, 1);
}

int hd_elapsed_cells(const struct hd_report *r, char elapsed[64], char rate[64])
{
	if (!r->have_elapsed || r->elapsed_nanos == 0)
		return 0;
	hd_format_duration(elapsed, 64, r->elapsed_nanos);
	rate[0] = '\0';
	/* Growth per second of a scaled NEW is growth of no process. */
	if (r->elapsed_nanos > 0 && r->scale == 1)
		hd_format_rate(rate, 64, r->total_delta, r->elapsed_nanos, r->sample_unit);
	return 1;
}

int hd_counts_shown(const struct hd_report *r)
{
	return r->have_counts && r->scale == 1;
}

int hd_abs_total_cell(const struct hd_report *r, size_t col, char abs[64])
{
	const struct hd_column_info *c = &r->cols[col];

	if (c->abs_total == c->total)
		return 0;
	hd_format_value(abs, 64, c->abs_total, r->sample_unit, 0);
	return 1;
}

void hd_top_cells(const struct hd_report *r, const struct hd_row *row, char cells[5][64])
{
	int64_t flat = hd_report_flat(r, row, 0), cum = hd_report_cum(r, row, 0);
	int64_t total = r->cols[0].abs_total;

	hd_format_value(cells[0], 64, flat, r->sample_unit, 0);
	hd_format_pct(cells[1], 64, hd_share(flat, total), 0);
	hd_format_pct(cells[2], 64, hd_share(row->sum_flat, total), 0);
	hd_format_value(cells[3], 64, cum, r->sample_unit, 0);
	hd_format_pct(cells[4], 64, hd_share(cum, total), 0);
}

void hd_diff_cells(const struct hd_report *r, const struct hd_row *row, char cells[6][64])
{
	size_t last = r->ncols - 1;

	hd_format_value(cells[0], 64, row->dflat, r->sample_unit, 1);
	hd_format_pct(cells[1], 64, row->pct_flat, 1);
	hd_format_value(cells[2], 64, hd_report_flat(r, row, 0), r->sample_unit, 0);
	hd_format_value(cells[3], 64, hd_report_flat(r, row, last), r->sample_unit, 0);
	hd_format_value(cells[4], 64, row->dcum, r->sample_unit, 1);
	hd_format_pct(cells[5], 64, row->pct_cum, 1);
	/* A new frame has no base to be a percentage of. */
	if (row->status == HD_NEW) {
		snprintf(cells[1], 64, "new");
		snprintf(cells[5], 64, "new");
	}
}

/* A p-value in three decimals, "<0.001" below, "n/a" for NAN. */
static void format_p(char *buf, size_t n, double p)
{
	if (isnan(p))
		snprintf(buf, n, "n/a");
	else if (p < 0.001)
		snprintf(buf, n, "<0.001");
	else
		snprintf(buf, n, "%.3f", p);
}

void hd_trend_cells(const struct hd_report *r, const struct hd_row *row,
		    char cells[HD_TC_N][64])
{
	const struct hd_trend *t = row->trend;
	int cum = hd_trend_by_cum(r);
	int64_t delta = cum ? row->dcum : row->dattr;
	double pct = hd_share(delta, hd_trend_value(r, row, 0));

	hd_format_value(cells[HD_TC_DELTA], 64, delta, r->sample_unit, 1);
	if (isnan(pct))
		snprintf(cells[HD_TC_PCT], 64, "from 0");
	else
		hd_format_pct(cells[HD_TC_PCT], 64, pct, 1);
	hd_format_slope(cells[HD_TC_SLOPE], 64, t->sen_per_version, r->sample_unit);
	if (isnan(t->sen_per_hour))
		snprintf(cells[HD_TC_RATE], 64, "n/a");
	else
		hd_format_rate(cells[HD_TC_RATE], 64, hd_clamp_i64(t->sen_per_hour),
			       3600000000000LL, r->sample_unit);
	hd_format_slope(cells[HD_TC_HOURLY], 64, t->sen_per_hour, r->sample_unit);
	hd_format_slope(cells[HD_TC_GROWTH], 64, t->growth, r->sample_unit);
	format_p(cells[HD_TC_P], 64, t->mk_p);
}

int hd_trend_by_cum(const struct hd_report *r)
{
	return r->opts.sort == HD_SORT_CUM || r->opts.sort == HD_SORT_DELTA_CUM;
}

int64_t hd_trend_value(const struct hd_report *r, const struct hd_row *row, size_t col)
{
	return hd_trend_by_cum(r) ? hd_report_cum(r, row, col) : hd_report_series(r, row, col);
}

const char *hd_trend_values_name(const struct hd_report *r)
{
	return hd_trend_by_cum(r) ? "cum" : HD_SERIES_NAME;
}

/* ---- the verdict's facts ---- */

uint32_t hd_row_culprit(const struct hd_report *r, const struct hd_row *row)
{
	if (row->culprit == HD_NO_FRAME || row->culprit >= hd_model_frame_count(r->model) ||
	    !(row->culprit_share > 0))
		return HD_NO_FRAME;
	return row->culprit;
}

uint32_t hd_row_culprit_other(const struct hd_report *r, const struct hd_row *row)
{
	uint32_t c = hd_row_culprit(r, row);

	return c == row->frame ? HD_NO_FRAME : c;
}

void hd_format_share(char *buf, size_t n, double share)
{
	if (isnan(share))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%.0f%%", share * 100);
}

void hd_retention_cells(const struct hd_report *r, const struct hd_row *row,
			char cells[HD_RC_N][64])
{
	const struct hd_retention *t = &row->ret;

	hd_format_value(cells[HD_RC_INUSE], 64, t->inuse_delta, r->sample_unit, 1);
	hd_format_value(cells[HD_RC_ALLOC], 64, t->alloc_delta, r->sample_unit, 1);
	snprintf(cells[HD_RC_LABEL], 64, "%s",
		 t->label == HD_RET_NONE ? "-" : hd_retention_name(t->label));
}

int hd_order_note(const struct hd_report *r, const char *dash, char *buf, size_t n)
{
	if (r->command != HD_CMD_TREND)
		return 0;
	snprintf(buf, n, "Order: %s%s%s",
		 r->order_used == HD_ORDER_TIME ? "by time stamp" : "as given",
		 r->order_contradicts ? " " : "",
		 r->order_contradicts ? dash : "");
	if (r->order_contradicts) {
		size_t k = strlen(buf);

		snprintf(buf + k, n - k, " the time stamps say otherwise");
	}
	return 1;
}

int hd_backwards_note(const struct hd_report *r, char *buf, size_t n)
{
	char d[64];

	if (!r->backwards)
		return 0;
	if (r->have_elapsed && r->elapsed_nanos < 0) {
		/* |INT64_MIN| does not fit: one nanosecond is no matter. */
		hd_format_duration(d, sizeof(d), r->elapsed_nanos == INT64_MIN ? INT64_MAX :
				   -r->elapsed_nanos);
		snprintf(buf, n, "NEW is older than BASE by %s", d);
	} else {
		snprintf(buf, n, "NEW is older than BASE");
	}
	return 1;
}

int hd_level_note(const struct hd_report *r, const struct hd_row *row, char *buf, size_t n)
{
	char v[64];

	if (!row->trend || row->trend->cls != HD_TREND_LEVELLED)
		return 0;
	hd_format_value(v, sizeof(v), row->trend->level_value, r->sample_unit, 0);
	/* On a cumulative type level_from indexes the increments: the k-th
	 * ends at snapshot k + 2. */
	snprintf(buf, n, "grew to %s%s by snapshot %zu, level since", v,
		 r->cumulative ? " per interval" : "",
		 row->trend->level_from + (r->cumulative ? 2 : 1));
	return 1;
}

const char *hd_suspects_title(const struct hd_report *r)
{
	return r->cumulative ? "Allocation-rate regressions" : "Leak suspects";
}

void hd_suspects_count(const struct hd_report *r, size_t n, char *buf, size_t len)
{
	snprintf(buf, len, "%zu %s%s", n, r->cumulative ? "allocation-rate regression" :
		 "leak suspect", n == 1 ? "" : "s");
}

void hd_class_counts(struct hd_buf *b, const struct hd_report *r)
{
	size_t i;
	int any = 0;

	for (i = 0; i < HD_TREND_NCLASSES; i++)
		if (r->class_count[i])
			hd_buf_printf(b, "%s%zu %s", any++ ? ", " : "", r->class_count[i],
				      hd_trend_class_name((enum hd_trend_class)i));
	if (!any)
		hd_buf_puts(b, "no functions");
}

int hd_row_has_paths(const struct hd_row *row)
{
	size_t j;

	for (j = 0; j < row->nchains; j++)
		if (hd_chain_shown(&row->chains[j]))
			return 1;
	return 0;
}

/* ---- trend pictures and words ---- */

static const struct hd_glyphs glyphs_utf8 = {
	"Δ", "Δcum", "→", "←", "r²", "≥", "…", "—", "≤",
	{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"},
	{"⬜", "🟩", "🟨", "🟧", "🟥"},
};
static const struct hd_glyphs glyphs_ascii = {
	"d", "cum delta", "->", "<-", "r2", ">=", "~", "--", "<=",
	{"_", ".", ":", "-", "=", "+", "*", "#"},
	{"_", ".", ":", "+", "#"},
};

const struct hd_glyphs *hd_glyphs(int ascii)
{
	return ascii ? &glyphs_ascii : &glyphs_utf8;
}

size_t hd_buckets(const struct hd_report *r, const struct hd_row *row, int cum, double *out,
		  size_t max)
{
	size_t n = r->ncols, w = n < max ? n : max, j, c;

	for (j = 0; j < w; j++) {
		size_t lo = j * n / w, hi = (j + 1) * n / w;
		double s = 0;

		for (c = lo; c < hi; c++)
			s += (double)(!row ? r->cols[c].total : cum ? hd_report_cum(r, row, c) :
				      hd_report_series(r, row, c));
		out[j] = s / (double)(hi - lo);
	}
	return w;
}

void hd_sparkline(struct hd_buf *b, const struct hd_report *r, const struct hd_row *row,
		  int cum, const struct hd_glyphs *g)
{
	double v[HD_SPARK_MAX], lo = 0, hi = 0;
	size_t w = hd_buckets(r, row, cum, v, HD_SPARK_MAX), j;

	for (j = 0; j < w; j++) {
		if (v[j] < lo)
			lo = v[j];
		if (v[j] > hi)
			hi = v[j];
	}
	for (j = 0; j < w; j++) {
		long k = 0;

		if (hi > lo) {
			k = lround((v[j] - lo) / (hi - lo) * 7);
			if (k == 0 && v[j] > lo)
				k = 1;
			if (k > 7)
				k = 7;
		}
		hd_buf_puts(b, g->spark[k]);
	}
}

size_t hd_spark_width(const struct hd_report *r)
{
	return r->ncols < HD_SPARK_MAX ? r->ncols : HD_SPARK_MAX;
}

void hd_suspect_line(const struct hd_report *r, const struct hd_row *row,
		     const struct hd_glyphs *g, char *buf, size_t n)
{
	const struct hd_trend *t = row->trend;
	char c[HD_TC_N][64], d[64];
	int hourly = !isnan(t->sen_per_hour);

	hd_trend_cells(r, row, c);
	hd_format_value(d, sizeof(d), row->dattr, r->sample_unit, 1);
	snprintf(buf, n, "%s%s (Theil-Sen, %s per profile%s%s), Mann-Kendall p %s%s, "
		 "first%slast %s", c[HD_TC_GROWTH], r->cumulative ? " per interval" : "",
		 c[HD_TC_SLOPE], hourly ? ", " : "", hourly ? c[HD_TC_RATE] : "", c[HD_TC_P],
		 t->floor_rising && t->peaks_rising ? ", lows and highs rising" : "",
		 g->arrow, d);
}

void hd_growing_rule(struct hd_buf *b, const struct hd_report *r, const struct hd_glyphs *g)
{
	const struct hd_trend_opts *o = &r->trend_opts;
	char d[64];

	hd_format_value(d, sizeof(d), r->trend_threshold, r->sample_unit, 0);
	hd_buf_printf(b, "%s rose, Mann-Kendall p %s %g (or each value above all before it), "
		      "by a Theil-Sen growth over %s",
		      r->cumulative ? "what each interval allocated" : "the series", g->le,
		      o->max_p, d);
	if (r->threshold_from_pct)
		hd_buf_printf(b, " (%g%% of the median %s)", o->min_growth_pct,
			      r->cumulative ? "increment of the total" : "total");
	hd_buf_puts(b, "; or its lows and highs both rose");
}

/* ---- verdicts ---- */

static void limit_str(char *buf, size_t n, const struct hd_rule_result *res)
{
	if (res->rule.is_pct)
		snprintf(buf, n, "+%g%%", res->rule.pct);
	else
		hd_format_value(buf, n, res->rule.limit, res->unit, 1);
}

/* The first VERDICT_NAME bytes of name into out (whole characters, then
 * "…"): a sentence must keep its numbers whatever the name's length. */
#define VERDICT_NAME 200
static const char *verdict_name(char out[VERDICT_NAME + 4], const char *name)
{
	size_t k = strlen(name);

	if (k <= VERDICT_NAME)
		return name;
	k = VERDICT_NAME;
	while (k > 0 && ((unsigned char)name[k] & 0xc0) == 0x80)
		k--;
	memcpy(out, name, k);
	memcpy(out + k, ELLIPSIS, 4);
	return out;
}

void hd_verdict_describe(const struct hd_rule_result *res, char *buf, size_t n,
			 int names)
{
	static const char *const what[] = {"total", "flat", "cum", "new", "leak"};
	char lim[64], val[64], pct[32], cut[VERDICT_NAME + 4];
	const char *first = res->nframes ? (names ? verdict_name(cut, res->frame_names[0]) : "")
					 : NULL;
	const char *sp = names ? " " : "";
	size_t more = res->nframes > 1 ? res->nframes - 1 : 0;
	char tail[64] = "";

	limit_str(lim, sizeof(lim), res);
	hd_format_value(val, sizeof(val), res->measured, res->unit, 1);
	hd_format_pct(pct, sizeof(pct), res->measured_pct, 1);
	if (more && names)
		snprintf(tail, sizeof(tail), " and %zu more", more);
	switch (res->rule.scope) {
	case HD_RULE_TOTAL:
		snprintf(buf, n, "total %s %s (%s; limit %s)",
			 res->measured > 0 ? "grew" : res->measured < 0 ? "shrank" : "did not change",
			 res->rule.is_pct ? pct : val, res->rule.is_pct ? val : pct, lim);
		break;
	case HD_RULE_FUNC:
	case HD_RULE_CUM:
		if (first)
			snprintf(buf, n, "%s%s%s grew %s (%s; limit %s)%s", first, sp,
				 what[res->rule.scope], res->rule.is_pct ? pct : val,
				 res->rule.is_pct ? val : pct, lim, tail);
		else
			snprintf(buf, n, "largest %s growth %s (%s; limit %s)",
				 what[res->rule.scope], val, pct, lim);
		break;
	case HD_RULE_NEW:
		if (first)
			snprintf(buf, n, "%s%s%sholds %s (%s; limit %s)%s",
				 names ? "new frame " : "", first, sp,
				 res->rule.is_pct ? pct : val, res->rule.is_pct ? val : pct, lim, tail);
		else
			snprintf(buf, n, "largest new frame holds %s (limit %s)",
				 res->measured > 0 ? val : "nothing", lim);
		break;
	case HD_RULE_LEAK:
		if (first)
			snprintf(buf, n, "%zu leak suspect%s%s%s%s", res->nframes,
				 res->nframes == 1 ? "" : "s", names ? ": " : "", first, tail);
		else
			snprintf(buf, n, "no leak suspect");
		break;
	case HD_RULE_MEMSTATS:
		snprintf(buf, n, "memstats.%s %s %s (%s; limit %s)",
			 hd_memstats_field_name(res->rule.ms_field),
			 res->measured > 0 ? "grew" : res->measured < 0 ? "shrank" : "did not change",
			 res->rule.is_pct ? pct : val, res->rule.is_pct ? val : pct, lim);
		break;
	}
}

