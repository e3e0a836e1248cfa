/*
 * render.h - the renderers' shared module (lib/render/ only): cells and
 * text helpers (cells.c) and the flame graph (flame.c).
 *
 * Every format file (text.c, markdown.c, json.c, folded.c, svg.c,
 * html.c) includes this header and formats.h, and nothing of another
 * format: what two formats print alike lives here.  Everything here reads
 * a finished, const report and decides nothing the engine owns; it turns
 * the report's facts into strings (cells: NUL-terminated, at most 64
 * bytes) or appends them to a buffer.  A buffer that fails (out of
 * memory, past its cap) sets b->failed, which hd_render() reports.
 */
#ifndef HD_RENDER_H
#define HD_RENDER_H

#include "engine/report.h"

/* ---- numbers ---------------------------------------------------------- */

/* Bytes in IEC units, nanoseconds as time, anything else as an integer;
 * sign: a + before positive values. */
void hd_format_value(char *buf, size_t n, int64_t v, const char *unit, int sign);
/* "12.34%", "+12.34%" with sign, "n/a" for NAN, "+inf%" / "-inf%". */
void hd_format_pct(char *buf, size_t n, double pct, int sign);
/* part as a percentage of |whole|; NAN when whole is 0. */
double hd_share(int64_t part, int64_t whole);
/* A time stamp in UTC, "unknown" for 0. */
void hd_format_time(char *buf, size_t n, int64_t nanos);
void hd_format_duration(char *buf, size_t n, int64_t nanos);
/* v rounded to the nearest int64, saturating at INT64_MIN and INT64_MAX
 * (0 for NAN): a double's cast or llround() past the range is undefined
 * and on x86 wraps to INT64_MIN, so growth read as "-8.00 EiB/s".  Every
 * double a renderer prints as an integer goes through it. */
int64_t hd_clamp_i64(double v);
/* delta over nanos as a rate per s, min or h, whichever reads best;
 * saturated (hd_clamp_i64), so it always has delta's sign. */
void hd_format_rate(char *buf, size_t n, int64_t delta, int64_t nanos, const char *unit);
/* A fitted slope (a double) as a signed value, "n/a" for NAN. */
void hd_format_slope(char *buf, size_t n, double v, const char *unit);

/* ---- strings ---------------------------------------------------------- */

/*
 * Every string a report takes from a profile or the command line (names,
 * file names, sample types and units, labels, paths, filters, rules)
 * reaches the output through hd_put_clean(), in the mode of its format:
 *
 *   - invalid UTF-8: each bad byte becomes U+FFFD, so output is UTF-8;
 *   - hidden code points: C0 controls, DEL, C1 controls (U+0080..U+009F)
 *     and the bidi controls (U+061C, U+200E, U+200F, U+202A..U+202E,
 *     U+2066..U+2069) become visible, "\u202e" (in JSON the same escape,
 *     so the string keeps them: "\t" for a tab, as cJSON wrote it);
 *   - U+FFFE and U+FFFF (XML forbids them) become U+FFFD, except in JSON;
 *   - max != 0: a string longer than max bytes as shown (an escape counts
 *     6, U+FFFD 3) keeps its first whole characters within max and ends
 *     in "…", so it is at most max + 3 bytes before the format's own
 *     escaping.  Names pass HD_NAME_DISPLAY_MAX; JSON passes 0.
 *
 * lib/base/error.c makes messages visible by the same rule.
 */
enum hd_clean {
	HD_CLEAN_TEXT, /* as above; text, and what Markdown and folded quote after */
	HD_CLEAN_XML,  /* SVG, HTML: also & < > " ' as entities */
	HD_CLEAN_JSON, /* a JSON string's contents: also " and \ escaped */
};
/* The longest name a report shows whole (bytes as shown); longer names are
 * cut with "…".  The full name is in JSON, up to the output cap. */
#define HD_NAME_DISPLAY_MAX 512
/* Appends str (NULL: "") to b as above; returns b->failed. */
int hd_put_clean(struct hd_buf *b, const char *str, enum hd_clean mode, size_t max);
/* Empty a scratch buffer for the next string, keeping its failure (unlike
 * hd_buf_reset): a string lost to it must still fail the render. */
static inline void hd_scratch_empty(struct hd_buf *t)
{
	t->len = 0;
	if (t->data)
		t->data[0] = '\0';
}
/* The five XML characters escaped in the n bytes at s, which
 * hd_put_clean(HD_CLEAN_TEXT) wrote: flame.c cleans a name once and
 * writes it twice, whole and cut to its frame. */
void hd_xml_escape(struct hd_buf *b, const char *s, size_t n);
/* The bytes of the first cps code points of s[0..n). */
size_t hd_prefix(const char *s, size_t n, size_t cps);
/* Display width of a UTF-8 string, one column per code point. */
size_t hd_width(const char *s);
/* Append s padded with spaces to width columns (right-aligned if right). */
void hd_pad(struct hd_buf *b, const char *s, size_t width, int right);
/* A profile's path as reports show it: "<stdin>" for "-". */
const char *hd_path_shown(const char *path);
/* How strongly to shade a magnitude v against the largest, max: 0 for
 * none, else 1 + log10(v / max) / 4 clamped to [0.12, 1]: the largest is
 * full strength and each tenfold less a quarter paler (flame.c). */
double hd_log_shade(double v, double max);

/* ---- what is shown ---------------------------------------------------- */

/* How many of n items a table shows: o->top of them, 0 = all. */
static inline size_t hd_shown(size_t n, const struct hd_render_opts *o)
{
	return o->top && o->top < n ? o->top : n;
}
/* The rows a renderer shows. */
static inline size_t hd_rows_shown(const struct hd_report *r, const struct hd_render_opts *o)
{
	return hd_shown(r->nrows, o);
}
/* The value columns a trend table shows: every profile up to this many,
 * else the first and the last (the sparkline carries the series). */
#define HD_TREND_COLS 6
size_t hd_trend_columns(const struct hd_report *r, size_t cols[HD_TREND_COLS]);
/* The largest |value| (hd_trend_value) of the first shown rows, over
 * every column: what the page's heat map shades against. */
double hd_table_max(const struct hd_report *r, size_t shown);

/* ---- cells ------------------------------------------------------------ */

/* The totals: first, last, delta (signed) and delta % of the first. */
void hd_total_cells(const struct hd_report *r, char cells[4][64]);
/*
 * Elapsed time of the total, first to last profile, negative when the
 * last is older (a backwards diff); 0 (cells untouched) unless both carry
 * a time and the two differ.  rate: the growth rate of the total, or ""
 * when it means nothing: the last is older, or NEW was scaled
 * (r->scale != 1, --normalize).
 */
int hd_elapsed_cells(const struct hd_report *r, char elapsed[64], char rate[64]);
/* 1 when the objects (count) line carries meaning: the report has counts
 * and NEW was not scaled by the sample type's ratio. */
int hd_counts_shown(const struct hd_report *r);
/* A top row: flat, flat%, sum%, cum, cum% (percentages of pprof's total,
 * the sum of |value|). */
void hd_top_cells(const struct hd_report *r, const struct hd_row *row, char cells[5][64]);
/* A diff row: delta flat, delta flat%, base flat, new flat, delta cum,
 * delta cum% ("new" for the percentages of a new frame). */
void hd_diff_cells(const struct hd_report *r, const struct hd_row *row, char cells[6][64]);
/*
 * A trend row, by these indices: its change first to last of the values
 * its table shows (hd_trend_value), and the statistics of the series its
 * class reads (trend.c: Theil-Sen and Mann-Kendall of the attributed
 * series, or of its increments on a cumulative type).
 */
enum {
	HD_TC_DELTA,   /* the shown value, last minus first, signed */
	HD_TC_PCT,     /* that as a % of the first, or "from 0" */
	HD_TC_SLOPE,   /* Theil-Sen per profile, signed, or "n/a" */
	HD_TC_RATE,    /* Theil-Sen per hour as a rate per s, min or h, or "n/a" */
	HD_TC_HOURLY,  /* Theil-Sen per hour as a value, or "n/a" */
	HD_TC_GROWTH,  /* Theil-Sen growth over the series, signed, or "n/a" */
	HD_TC_P,       /* Mann-Kendall p: "0.012", "<0.001", or "n/a" */
	HD_TC_N
};
void hd_trend_cells(const struct hd_report *r, const struct hd_row *row,
		    char cells[HD_TC_N][64]);
/* 1 when a trend's table shows cum: the rows are sorted by cum or by
 * delta cum, so the table shows what it is sorted by. */
int hd_trend_by_cum(const struct hd_report *r);
/* The values a trend table, its sparklines, heat maps and charts show of
 * a row in column col: cum when hd_trend_by_cum, else the attributed
 * series the class reads (hd_report_series: own for the user's code,
 * flat elsewhere). */
int64_t hd_trend_value(const struct hd_report *r, const struct hd_row *row, size_t col);
/* The attributed series in words, and what hd_trend_value shows, for
 * headings: "cum", or HD_SERIES_NAME. */
#define HD_SERIES_NAME "own value of your code, flat of the rest"
const char *hd_trend_values_name(const struct hd_report *r);

/* ---- the verdict's facts: culprits, retention, order, levels ----------- */

/*
 * The culprit a row names: row->culprit, or HD_NO_FRAME when it has none
 * that carries any of the row's change (no frame of the user's code
 * above it, a share that is 0 or NAN).  It may be the row's own frame:
 * text and Markdown name it only when it is another (hd_row_culprit_other).
 */
uint32_t hd_row_culprit(const struct hd_report *r, const struct hd_row *row);
uint32_t hd_row_culprit_other(const struct hd_report *r, const struct hd_row *row);
/* The culprit's share of the row's change, "98%" (culprit_share is a
 * fraction). */
void hd_format_share(char *buf, size_t n, double share);
/* A row's leak-or-churn cells when r->pair_type is set: the in-use
 * change, what was allocated over the interval (both signed, the sample
 * unit: a pair is space with space, objects with objects) and the label,
 * "-" for HD_RET_NONE. */
enum { HD_RC_INUSE, HD_RC_ALLOC, HD_RC_LABEL, HD_RC_N };
void hd_retention_cells(const struct hd_report *r, const struct hd_row *row,
			char cells[HD_RC_N][64]);
/* "Order: by time stamp" or "Order: as given", and when the given
 * order contradicts the time stamps " <dash> the time stamps say
 * otherwise"; 0 (buf untouched) unless trend. */
int hd_order_note(const struct hd_report *r, const char *dash, char *buf, size_t n);
/* "NEW is older than BASE by 3.0s"; 0 unless r->backwards. */
int hd_backwards_note(const struct hd_report *r, char *buf, size_t n);
/* What a cumulative trend says after its sample type, which the format
 * writes first in its own quoting. */
#define HD_CUMULATIVE_NOTE " only accumulates: classified the increments between " \
	"snapshots (allocation per interval)"
/* "grew to 6.10 MiB by snapshot 4, level since"; 0 unless the row is
 * classed levelled. */
int hd_level_note(const struct hd_report *r, const struct hd_row *row, char *buf, size_t n);
/* The suspects' heading, "Leak suspects" or, on a cumulative type,
 * "Allocation-rate regressions"; and n of them in a sentence: "1 leak
 * suspect", "2 allocation-rate regressions". */
const char *hd_suspects_title(const struct hd_report *r);
void hd_suspects_count(const struct hd_report *r, size_t n, char *buf, size_t len);
/* "1 growing, 2 levelled, 40 stable": the classes with rows, in the
 * order of enum hd_trend_class. */
void hd_class_counts(struct hd_buf *b, const struct hd_report *r);
/* 1 when a call path is shown: it has callers (a path of none says
 * nothing the row does not). */
static inline int hd_chain_shown(const struct hd_chain *c)
{
	return c->n > 0;
}
/* 1 when a row has a call path to show. */
int hd_row_has_paths(const struct hd_row *row);
/* The top profile's "Total" beside pprof's base of percentages, when
 * they differ (a delta profile has negative values): 0 unless they do,
 * else abs set to the sum of |values|. */
int hd_abs_total_cell(const struct hd_report *r, size_t col, char abs[64]);

/* ---- trend pictures and words, text and Markdown ---------------------- */

/* The glyphs of a trend report, in UTF-8 or (ascii) in ASCII. */
struct hd_glyphs {
	const char *delta, *dcum, *arrow, *larrow, *r2, *ge, *cut, *dash, *le;
	const char *spark[8]; /* ▁ .. █ */
	const char *heat[5];  /* none, < 25%, < 50%, < 75%, more */
};
const struct hd_glyphs *hd_glyphs(int ascii);
/* The series of row (cum, else the attributed series of hd_report_series;
 * the totals when row is NULL) averaged into at most max buckets of
 * consecutive columns; returns how many. */
size_t hd_buckets(const struct hd_report *r, const struct hd_row *row, int cum, double *out,
		  size_t max);
/* One glyph per bucket of at most HD_SPARK_MAX, scaled from min(0, min)
 * to max(0, max): a level series reads as level, and anything above the
 * bottom gets at least the second step. */
#define HD_SPARK_MAX 32
void hd_sparkline(struct hd_buf *b, const struct hd_report *r, const struct hd_row *row,
		  int cum, const struct hd_glyphs *g);
size_t hd_spark_width(const struct hd_report *r);
/* What a suspect did, in one line: its Theil-Sen growth and slopes, its
 * Mann-Kendall p, a rising floor and peaks, its change first to last. */
void hd_suspect_line(const struct hd_report *r, const struct hd_row *row,
		     const struct hd_glyphs *g, char *buf, size_t n);
/* The rule a trend classifies by, as a sentence without its full stop. */
void hd_growing_rule(struct hd_buf *b, const struct hd_report *r, const struct hd_glyphs *g);

/* ---- verdicts --------------------------------------------------------- */

/* At most this many crossing frames are named in a verdict. */
#define HD_VERDICT_NAMES 20
/* One line saying what a rule measured against its limit; names: start
 * with the first crossing frame's name, its first 200 bytes (and say how
 * many more).  Not cleaned: the caller writes it through hd_put_clean. */
void hd_verdict_describe(const struct hd_rule_result *res, char *buf, size_t n,
			 int names);

/* ---- runtime.MemStats (memstats.c) ----------------------------------- */

/* The MemStats section of diff and trend, after the totals; nothing
 * unless every profile carried MemStats (r->memstats).  One per format
 * (html: trend's page); the JSON is the "memstats" object, NULL without
 * MemStats or when out of memory. */
void hd_memstats_text(const struct hd_report *r, const struct hd_render_opts *o,
		      struct hd_buf *b);
void hd_memstats_markdown(const struct hd_report *r, const struct hd_render_opts *o,
			  struct hd_buf *b);
void hd_memstats_html(const struct hd_report *r, const struct hd_render_opts *o,
		      struct hd_buf *b);
struct cJSON;
struct cJSON *hd_memstats_json(const struct hd_report *r);
/* The cross-check in one sentence without its full stop, and the
 * interval's counters: every format's words for them. */
void hd_memstats_sentence(const struct hd_report *r, char *buf, size_t n);
void hd_memstats_interval(const struct hd_report *r, char *buf, size_t n);

/* ---- the flame graph (flame.c) ---------------------------------------- */

/* The call tree as an interactive flame graph, an <svg> element: of the
 * one column (top), or of the first against the last (diff, trend).  Its
 * ids (hdfg..., n<node>) must be the only ones of that form in the
 * document.  Laid out from the model's distinct stacks
 * (hd_model_tree_stacks), whether or not the report built the call tree;
 * HD_ERR_LIMIT past 1 GiB of output. */
int hd_flame_graph(const struct hd_report *r, const struct hd_render_opts *o,
		   struct hd_buf *b);

#endif
