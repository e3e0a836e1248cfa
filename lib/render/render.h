/*
 * render.h - the renderers' shared internals (lib/ only).
 */
#ifndef HD_RENDER_H
#define HD_RENDER_H

#include "engine/report.h"

int hd_render_text(const struct hd_report *r, const struct hd_render_opts *o, struct hd_buf *b);
int hd_render_markdown(const struct hd_report *r, const struct hd_render_opts *o, struct hd_buf *b);
int hd_render_json(const struct hd_report *r, const struct hd_render_opts *o, struct hd_buf *b);
int hd_render_folded(const struct hd_report *r, const struct hd_render_opts *o, struct hd_buf *b);
/* A flame graph as a standalone SVG document (render-svg.c). */
int hd_render_svg(const struct hd_report *r, const struct hd_render_opts *o, struct hd_buf *b);
/* The graph itself: with standalone 0, an <svg> element to inline in an
 * HTML page (no XML declaration); its ids (hdfg..., n<node>) must then be
 * the only ones of that form on the page. */
int hd_svg_graph(const struct hd_report *r, const struct hd_render_opts *o,
		 struct hd_buf *b, int standalone);
/* heapdiff trend as one self-contained HTML page (render-html.c). */
int hd_render_html(const struct hd_report *r, const struct hd_render_opts *o, struct hd_buf *b);
/* Append s with the five XML special characters escaped, as valid UTF-8
 * without the code points XML 1.0 forbids (controls become spaces,
 * U+FFFE/U+FFFF and invalid bytes U+FFFD); at most max code points, then
 * "…" (0: no limit).  For text and attribute values of SVG and HTML. */
int hd_put_xml(struct hd_buf *b, const char *s, size_t max);
/* How strongly to shade a magnitude v against the largest, max: 0 for
 * none, else 1 + log10(v / max) / 4 clamped to [0.12, 1] (four decades;
 * render-svg.c says why). */
double hd_log_shade(double v, double max);
/* The SVG flame graph's diverging colour for a change d against the
 * largest change dmax (both >= 0 magnitudes; grow: red, else blue), on
 * the log scale render-svg.c documents; writes "rgb(r,g,b)". */
void hd_svg_colour(char *buf, size_t n, double d, double dmax, int grow);
/* heapdiff trend as text, markdown or json (render-trend.c). */
int hd_render_trend(const struct hd_report *r, const struct hd_render_opts *o, struct hd_buf *b);

/* Value formatting shared by renderers: bytes in IEC units, counts as
 * integers, nanoseconds as time.  sign: always print + or -. */
void hd_format_value(char *buf, size_t n, int64_t v, const char *unit, int sign);
void hd_format_pct(char *buf, size_t n, double pct, int sign);
/* part as a percentage of |whole|; NAN when whole is 0. */
double hd_share(int64_t part, int64_t whole);
void hd_format_time(char *buf, size_t n, int64_t nanos);
void hd_format_duration(char *buf, size_t n, int64_t nanos);
/* delta over nanos as a rate per s, min or h, whichever reads best. */
void hd_format_rate(char *buf, size_t n, int64_t delta, int64_t nanos, const char *unit);

/* Number of rows a renderer shows: o->top, 0 = all. */
static inline size_t hd_rows_shown(const struct hd_report *r, const struct hd_render_opts *o)
{
	return o->top && o->top < r->nrows ? o->top : r->nrows;
}



/* Append str as valid UTF-8 (invalid bytes become U+FFFD); controls != 0
 * also turns control characters into spaces. */
int hd_put_clean(struct hd_buf *b, const char *str, int controls);
size_t hd_width(const char *s);
/* Append s padded with spaces to width columns (right-aligned if right). */
void hd_pad(struct hd_buf *b, const char *s, size_t width, int right);
/* The verdict section of the text report (trend's renderer shares it). */
void hd_text_verdict(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b);
/* The "verdict" object of the JSON report. */
struct cJSON;
struct cJSON *hd_json_verdict(const struct hd_report *r);
/* GitHub-flavoured Markdown quoting (render-markdown.c): plain text with
 * markup characters escaped, and code spans (names); tmp is scratch. */
void hd_md_text(struct hd_buf *b, struct hd_buf *tmp, const char *s);
void hd_md_code(struct hd_buf *b, struct hd_buf *tmp, const char *s, int in_table);
/* The verdict as a pass/fail line and a table of rules. */
void hd_md_verdict(struct hd_buf *b, struct hd_buf *tmp, const struct hd_report *r);
/* The cells of a top row: flat, flat%, sum%, cum, cum% (percentages of
 * pprof's total, the sum of |value|); *sum accumulates flat. */
void hd_top_cells(const struct hd_report *r, const struct hd_row *row,
		  int64_t *sum, char cells[5][64]);
/* The cells of a diff row: delta flat, delta flat%, base flat, new flat,
 * delta cum, delta cum% ("new" for the percentages of a new frame). */
void hd_diff_cells(const struct hd_report *r, const struct hd_row *row,
		   char cells[6][64]);
/* At most this many crossing frames are named in a verdict. */
#define HD_VERDICT_NAMES 20
/* Exact JSON integer, real (%.4f; null for NAN/inf) and UTF-8 string;
 * NULL when out of memory. */
struct cJSON *hd_json_int(int64_t v);
struct cJSON *hd_json_num(double v);
struct cJSON *hd_json_str(const char *s);
/* One line saying what a rule measured against its limit; names: start
 * with the first crossing frame's name (and say how many more). */
void hd_verdict_describe(const struct hd_rule_result *res, char *buf, size_t n,
			 int names);

#endif
