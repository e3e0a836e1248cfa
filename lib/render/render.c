/*
 * render.c - the renderer table and what every renderer shares: value
 * formatting and small text helpers.  Renderers read a finished report;
 * they compute nothing the diff engine should own.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "render/render.h"

int hd_format_parse(const char *s, enum hd_format *out)
{
	static const struct { const char *name; enum hd_format f; } t[] = {
		{"text", HD_FMT_TEXT}, {"markdown", HD_FMT_MARKDOWN}, {"md", HD_FMT_MARKDOWN},
		{"json", HD_FMT_JSON}, {"folded", HD_FMT_FOLDED},
		{"svg", HD_FMT_SVG}, {"html", HD_FMT_HTML},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].f;
			return 0;
		}
	return HD_ERR_USAGE;
}

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
	hd_format_value(v, sizeof(v), (int64_t)llround(r), unit, 1);
	snprintf(buf, n, "%s/%s", v, per[i].name);
}

unsigned hd_format_needs(enum hd_format f)
{
	switch (f) {
	case HD_FMT_FOLDED:
	case HD_FMT_SVG:
		return HD_NEED_TREE;
	case HD_FMT_HTML:
		return HD_NEED_ALL;
	default:
		return HD_NEED_CHAINS;
	}
}

int hd_render(const struct hd_report *r, const struct hd_render_opts *o,
	      struct hd_buf *out, struct hd_error *err)
{
	int rc;

	/* The HTML page is a trend report; a single profile or a pair has
	 * nothing for its table, heat map and charts to show. */
	if (o->format == HD_FMT_HTML && r->command != HD_CMD_TREND)
		return hd_fail(err, HD_ERR_USAGE,
			       "--format html is for trend only; use --format svg for a flame graph");
	/* trend has its own renderers but for folded and svg, which draw the
	 * first vs the last profile. */
	if (r->command == HD_CMD_TREND && o->format == HD_FMT_HTML)
		rc = hd_render_html(r, o, out);
	else if (r->command == HD_CMD_TREND && o->format != HD_FMT_FOLDED &&
		 o->format != HD_FMT_SVG)
		rc = hd_render_trend(r, o, out);
	else switch (o->format) {
	case HD_FMT_TEXT:
		rc = hd_render_text(r, o, out);
		break;
	case HD_FMT_MARKDOWN:
		rc = hd_render_markdown(r, o, out);
		break;
	case HD_FMT_JSON:
		rc = hd_render_json(r, o, out);
		break;
	case HD_FMT_FOLDED:
		rc = hd_render_folded(r, o, out);
		break;
	case HD_FMT_SVG:
		rc = hd_render_svg(r, o, out);
		break;
	default:
		return hd_fail(err, HD_ERR_USAGE, "unknown output format");
	}
	if (rc == HD_ERR_LIMIT)
		return hd_fail(err, rc, "the report would be too large to write");
	if (rc || out->failed)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory while rendering");
	return 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

int hd_put_clean(struct hd_buf *b, const char *str, int controls)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t k = utf8_len(s);

		if (k == 0) {
			hd_buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
			s++;
		} else if (k == 1 && controls && (*s < 0x20 || *s == 0x7f)) {
			hd_buf_append(b, " ", 1);
			s++;
		} else {
			hd_buf_append(b, s, k);
			s += k;
		}
	}
	return b->failed ? HD_ERR_NOMEM : 0;
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

static void limit_str(char *buf, size_t n, const struct hd_rule_result *res)
{
	if (res->rule.is_pct)
		snprintf(buf, n, "+%g%%", res->rule.pct);
	else
		hd_format_value(buf, n, res->rule.limit, res->unit, 1);
}

void hd_verdict_describe(const struct hd_rule_result *res, char *buf, size_t n,
			 int names)
{
	static const char *const what[] = {"total", "flat", "cum", "new", "leak"};
	char lim[64], val[64], pct[32];
	const char *first = res->nframes ? (names ? res->frame_names[0] : "") : NULL;
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
			snprintf(buf, n, "%zu frame%s growing%s%s%s", res->nframes,
				 res->nframes == 1 ? "" : "s", names ? ": " : "", first, tail);
		else
			snprintf(buf, n, "no frame is growing");
		break;
	}
}

/* JSON values shared by the JSON renderers: integers exact (written from
 * the int64, never through a double), reals with 4 decimals or null,
 * strings as valid UTF-8.  NULL when out of memory. */
cJSON *hd_json_int(int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return cJSON_CreateRaw(s);
}

cJSON *hd_json_num(double v)
{
	char s[512];

	if (isnan(v) || isinf(v))
		return cJSON_CreateNull();
	snprintf(s, sizeof(s), "%.4f", v);
	return cJSON_CreateRaw(s);
}

cJSON *hd_json_str(const char *s)
{
	struct hd_buf b;
	cJSON *j;

	hd_buf_init(&b, 0);
	if (hd_put_clean(&b, s ? s : "", 0)) {
		hd_buf_release(&b);
		return NULL;
	}
	j = cJSON_CreateString(b.data ? b.data : "");
	hd_buf_release(&b);
	return j;
}

void hd_top_cells(const struct hd_report *r, const struct hd_row *row,
		  int64_t *sum, char cells[5][64])
{
	const struct hd_column_info *c = &r->cols[0];
	int64_t flat = hd_report_flat(r, row, 0), cum = hd_report_cum(r, row, 0);

	*sum = hd_add_sat(*sum, flat);
	hd_format_value(cells[0], 64, flat, r->sample_unit, 0);
	hd_format_pct(cells[1], 64, hd_share(flat, c->abs_total), 0);
	hd_format_pct(cells[2], 64, hd_share(*sum, c->abs_total), 0);
	hd_format_value(cells[3], 64, cum, r->sample_unit, 0);
	hd_format_pct(cells[4], 64, hd_share(cum, c->abs_total), 0);
}

void hd_diff_cells(const struct hd_report *r, const struct hd_row *row,
		   char cells[6][64])
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
