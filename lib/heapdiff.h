/*
 * heapdiff.h - the public interface of libheapdiff, the one header cmd/
 * may include.
 *
 * Data flows one way: bytes (hd_load) -> profile (hd_profile) -> model
 * (hd_model: interned frames and a call tree with one value column per
 * profile) -> result (hd_report: deltas, ranking, trends) -> renderer
 * (hd_render: text, markdown, json, folded, svg, html) -> bytes (hd_buf).
 *
 * The library never prints, never exits and never reads argv.  Every
 * fallible function returns 0 or a negative HD_ERR_* code and, when it
 * fails, fills the caller's struct hd_error with a one-line lower-case
 * message saying what is wrong (without the file name: the caller knows
 * which input it was working on).  Destructors accept NULL.
 */
#ifndef HEAPDIFF_H
#define HEAPDIFF_H

#include <stddef.h>
#include <stdint.h>

enum hd_status {
	HD_OK = 0,
	HD_ERR_NOMEM = -1,        /* out of memory */
	HD_ERR_IO = -2,           /* reading input or writing output failed */
	HD_ERR_FORMAT = -3,       /* bytes are not a gzip/protobuf profile */
	HD_ERR_INVALID = -4,      /* decoded, but breaks the profile.proto rules */
	HD_ERR_LIMIT = -5,        /* a resource cap was reached */
	HD_ERR_USAGE = -6,        /* an option does not fit the input */
	HD_ERR_INCOMPATIBLE = -7, /* profiles that cannot be compared */
};

struct hd_error {
	int code;
	char msg[512];
};

/* A short name for a status code ("out of memory", ...). */
const char *hd_status_str(int code);

/* ---- bytes ---------------------------------------------------------- */

/* Default cap on the decompressed size of one profile: 1 GiB. */
#define HD_DEFAULT_MAX_SIZE ((uint64_t)1 << 30)
/*
 * Default cap on the frames of one profile's samples together, each
 * inlined line counted (the model expands them all): 2^24.  A few KiB of
 * gzip (one location of 1000 lines listed 100 000 times) would otherwise
 * cost gigabytes; pprof's largest test profile expands to 500 000.
 */
#define HD_DEFAULT_MAX_FRAMES ((uint64_t)1 << 24)

/* What one profile may cost; a zero field (or a NULL pointer) takes the
 * default.  Past either, loading fails with HD_ERR_LIMIT. */
struct hd_limits {
	uint64_t max_size;    /* decompressed bytes */
	uint64_t max_frames;  /* expanded frames of all samples */
};

/* A growable byte buffer; every buffer has a cap ("toobig"). */
struct hd_buf {
	char *data;
	size_t len, cap;
	size_t max;     /* 0 = SIZE_MAX */
	int failed;     /* an append ran out of memory or past max */
};
void hd_buf_init(struct hd_buf *b, size_t max);
void hd_buf_release(struct hd_buf *b);
int hd_buf_append(struct hd_buf *b, const void *p, size_t n);
int hd_buf_puts(struct hd_buf *b, const char *s);
int hd_buf_printf(struct hd_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Read a whole file ("-" is standard input) into *out, inflating it when
 * it starts with the gzip magic (several gzip members are concatenated,
 * as gzip(1) does).  Fails with HD_ERR_LIMIT rather than truncating when
 * the result would exceed max_size bytes.
 */
int hd_load_file(const char *path, uint64_t max_size, struct hd_buf *out,
		 struct hd_error *err);
/* The same for bytes already in memory (gzip or raw). */
int hd_load_mem(const unsigned char *data, size_t len, uint64_t max_size,
		struct hd_buf *out, struct hd_error *err);

/* ---- profile -------------------------------------------------------- */

struct hd_profile;

/*
 * Decode and validate one profile.proto message (raw, not gzip).  The
 * profile owns an arena holding everything decoded; free it with
 * hd_profile_free().  Validation is as strict as pprof's: see profile.c.
 */
int hd_profile_parse(const unsigned char *data, size_t len,
		     const struct hd_limits *lim, struct hd_profile **out,
		     struct hd_error *err);
/* hd_load_file() + hd_profile_parse(). */
int hd_profile_load(const char *path, const struct hd_limits *lim,
		    struct hd_profile **out, struct hd_error *err);
void hd_profile_free(struct hd_profile *p);

size_t hd_profile_sample_type_count(const struct hd_profile *p);
/* Type and unit names of sample type i ("inuse_space", "bytes"). */
const char *hd_profile_sample_type(const struct hd_profile *p, size_t i,
				   const char **unit);
int64_t hd_profile_time_nanos(const struct hd_profile *p);
int64_t hd_profile_duration_nanos(const struct hd_profile *p);
size_t hd_profile_sample_count(const struct hd_profile *p);
/*
 * Choose a sample type as pprof's -sample_index does: NULL or "" is the
 * profile's default_sample_type, else the last type; a decimal number is
 * a 0-based index; a name matches a type exactly or without its "inuse_"
 * prefix ("inuse_space" finds "space") or with it added ("space" finds
 * "inuse_space").
 */
int hd_profile_find_sample_type(const struct hd_profile *p, const char *spec,
				size_t *index, struct hd_error *err);
/* Sum of sample values of type i, saturating at INT64_MIN/MAX. */
int64_t hd_profile_total(const struct hd_profile *p, size_t i);

/* ---- model ---------------------------------------------------------- */

enum hd_granularity {
	HD_GRAN_FUNCTIONS,
	HD_GRAN_FILEFUNCTIONS,
	HD_GRAN_FILES,
	HD_GRAN_LINES,
	HD_GRAN_ADDRESSES,
};
int hd_granularity_parse(const char *s, enum hd_granularity *out);
const char *hd_granularity_name(enum hd_granularity g);

/* Filters with pprof's meaning; POSIX extended regular expressions. */
struct hd_model_opts {
	enum hd_granularity granularity;
	const char *focus;  /* keep samples with a frame matching */
	const char *ignore; /* drop samples with a frame matching */
	const char *hide;   /* remove matching frames from stacks */
	const char *show;   /* keep only matching frames in stacks */
};

struct hd_model;

/* A frame: one node of pprof's graph at the model's granularity. */
struct hd_frame {
	const char *name;     /* printable, as pprof prints it */
	const char *function; /* function name, "" when unknown/aggregated */
	const char *file;     /* cleaned file name, "" when aggregated away */
	int64_t line;
	uint64_t address;
};

/* How one profile enters the model. */
struct hd_add_opts {
	size_t sample_index;
	/* Multiply each sample's value by this and round to nearest (ties
	 * away from zero), as pprof -normalize does; 1.0 leaves it alone. */
	double scale;
	/* The profile whose drop_frames/keep_frames apply (pprof applies the
	 * newest profile's to a merged diff); NULL: the profile itself. */
	const struct hd_profile *frames_from;
};

int hd_model_new(const struct hd_model_opts *opts, struct hd_model **out,
		 struct hd_error *err);
void hd_model_free(struct hd_model *m);

/* Add one profile as the next column; returns its column index or < 0. */
int hd_model_add(struct hd_model *m, const struct hd_profile *p,
		 const struct hd_add_opts *opts, struct hd_error *err);

size_t hd_model_columns(const struct hd_model *m);
size_t hd_model_frame_count(const struct hd_model *m);
const struct hd_frame *hd_model_frame(const struct hd_model *m, uint32_t id);
const struct hd_model_opts *hd_model_options(const struct hd_model *m);

/*
 * Per-frame values of one column, as pprof's graph computes them:
 * flat = value of samples whose leaf is the frame; cum = value of samples
 * whose stack contains the frame, once per sample even under recursion.
 * Valid after the last hd_model_add(); arrays of hd_model_frame_count().
 */
const int64_t *hd_model_flat(struct hd_model *m, size_t col);
const int64_t *hd_model_cum(struct hd_model *m, size_t col);
/* Sum of the column's sample values before filters, and of their absolute
 * values (pprof's "total", the denominator of its percentages). */
int64_t hd_model_total(const struct hd_model *m, size_t col);
int64_t hd_model_abs_total(const struct hd_model *m, size_t col);

/*
 * For each sample of column col, each frame f with want[f] != UINT32_MAX
 * (its topmost occurrence in the stack) is reported to cb with tag
 * want[f], up to depth nearest callers (nearest first) and the sample's
 * value.  A non-zero return from cb stops the walk and is returned.
 */
int hd_model_occurrences(struct hd_model *m, size_t col, const uint32_t *want,
			 int depth, int (*cb)(void *ctx, uint32_t tag,
					      const uint32_t *callers, size_t n,
					      int64_t value),
			 void *ctx);

/* Build the call tree now (the node accessors below otherwise build it on
 * first use, and show an empty tree if memory runs out). */
int hd_model_tree(struct hd_model *m, struct hd_error *err);

/*
 * The call tree.  Node 0 is the root (no frame); every other node has a
 * parent with a smaller id, so a reverse scan visits children before
 * parents.  self is the value of samples whose stack ends at the node.
 */
#define HD_NO_FRAME UINT32_MAX
size_t hd_model_node_count(const struct hd_model *m);
uint32_t hd_model_node_parent(const struct hd_model *m, uint32_t n);
uint32_t hd_model_node_frame(const struct hd_model *m, uint32_t n);
int64_t hd_model_node_self(const struct hd_model *m, uint32_t n, size_t col);
/* 1 when an ancestor of node n has the same frame (recursion). */
int hd_model_node_recursive(const struct hd_model *m, uint32_t n);
/* Subtree sums of self for one column, into out[hd_model_node_count()]. */
void hd_model_node_totals(const struct hd_model *m, size_t col, int64_t *out);

/* ---- report: deltas, ranking, reference chains ----------------------- */

enum hd_command { HD_CMD_TOP, HD_CMD_DIFF, HD_CMD_TREND };
enum hd_sort {
	HD_SORT_DEFAULT,  /* top: |flat|; diff: |delta flat| */
	HD_SORT_FLAT,
	HD_SORT_CUM,
	HD_SORT_DELTA,    /* |delta flat| */
	HD_SORT_DELTA_CUM,
	HD_SORT_PCT,      /* |delta flat %|, new frames first */
};
int hd_sort_parse(const char *s, enum hd_sort *out);

enum hd_row_status { HD_SAME, HD_GREW, HD_SHRANK, HD_NEW, HD_GONE };
const char *hd_row_status_name(enum hd_row_status s);

struct hd_report_opts {
	enum hd_command command;
	struct hd_model_opts model;
	const char *sample_index; /* NULL: the first profile's default */
	int normalize;            /* diff: scale NEW to BASE's total */
	enum hd_sort sort;
	int ref_chain_depth;      /* callers per chain; 0 = none */
	size_t ref_chain_rows;    /* how many top growers get chains */
	size_t ref_chain_max;     /* chains per frame */
	int64_t min_delta;        /* hide rows with |delta flat| and |delta cum| below */
	double min_delta_pct;     /* ... or below this % of the base total */
	const struct hd_trend_opts *trend; /* trend thresholds; NULL: defaults */
};
void hd_report_opts_init(struct hd_report_opts *o, enum hd_command c);

/* A chain of callers that carries part of a frame's growth. */
struct hd_chain {
	uint32_t *frames;  /* nearest caller first */
	size_t n;
	int64_t delta;
};

/* Trend statistics of one frame over every column (trend.c). */
enum hd_trend_class {
	HD_TREND_STABLE,
	HD_TREND_GROWING,
	HD_TREND_SHRINKING,
	HD_TREND_FLUCTUATING,
	HD_TREND_NEW,   /* absent in the first profile */
	HD_TREND_GONE,  /* absent in the last profile */
};

/* The least-squares line and shape of one series of values. */
struct hd_trend_fit {
	double slope_per_version;  /* unit per version */
	double slope_per_hour;     /* NAN when the profiles carry no times */
	double r2;                 /* of the per-version fit; NAN when undefined */
	double cv;                 /* coefficient of variation; NAN: mean 0 */
	size_t steps_up, steps_down; /* of the n - 1 steps; the rest are level */
};

/* The top-level statistics are of flat, which alone decides the class. */
struct hd_trend {
	enum hd_trend_class cls;
	double slope_per_version;  /* least squares, unit per version */
	double slope_per_hour;     /* NAN when the profiles carry no times */
	double r2;                 /* of that fit; NAN when undefined */
	double cv;                 /* coefficient of variation */
	size_t steps_up, steps_down;
	int64_t min, max;          /* of flat over the series */
	double score;              /* growing: net flat growth x r2; else 0 */
	size_t suspect;            /* rank among growing frames (1 = worst); 0: none */
	struct hd_trend_fit cum;   /* the same of cum, for reading only */
};

/*
 * Classification thresholds for heapdiff trend (the rule is in trend.c).
 * A frame grows when its flat value rose by more than max(min_growth,
 * min_growth_pct % of the first profile's total) from first to last, its
 * least-squares r2 is at least min_r2 and at least min_rising of its steps
 * did not go down.
 */
struct hd_trend_opts {
	int64_t min_growth;        /* default 0 */
	double min_growth_pct;     /* default 1 (%) */
	double min_r2;             /* default 0.8 */
	double min_rising;         /* default 0.75 */
};
struct hd_report;
struct hd_row;
void hd_trend_opts_init(struct hd_trend_opts *o);
const char *hd_trend_class_name(enum hd_trend_class c);
/* The noise floor in r's unit: max(min_growth, min_growth_pct of col 0). */
int64_t hd_trend_threshold(const struct hd_report *r);
/* For hd_report_finish() only: fill row->trend for every row ... */
int hd_trend_compute(struct hd_report *r, struct hd_error *err);
/* ... and rank suspects first (0 when the trend keys tie). */
int hd_trend_cmp(const struct hd_row *a, const struct hd_row *b);

struct hd_row {
	uint32_t frame;
	const struct hd_trend *trend; /* trend only; NULL otherwise */
	int64_t dflat, dcum;       /* last column minus first */
	double pct_flat, pct_cum;  /* of the frame's own first value; NAN: n/a */
	enum hd_row_status status;
	struct hd_chain *chains;
	size_t nchains;
};

struct hd_column_info {
	const char *path;          /* as given */
	const char *label;         /* column label (base name or NAME=) */
	int64_t time_nanos, duration_nanos;
	int64_t total;             /* selected type, after normalization */
	int64_t abs_total;         /* sum of |value|: pprof's total, the
				    * denominator of every percentage */
	int64_t raw_total;         /* before normalization */
	int have_count;            /* the paired count type exists */
	int64_t count_total, raw_count_total;
};

struct hd_report {
	enum hd_command command;
	struct hd_report_opts opts;
	struct hd_model *model;
	const char *sample_type, *sample_unit;
	const char *count_type;    /* paired type name, or NULL */
	struct hd_column_info *cols;
	size_t ncols;
	double scale;              /* normalization factor, 1 when none */
	struct hd_row *rows;       /* every frame with a non-zero value or delta, ranked */
	size_t nrows;
	int64_t total_delta;
	double total_pct;          /* NAN when the base total is 0 */
	int64_t count_delta;
	struct hd_verdict *verdict; /* NULL when no --fail-on was given */
	struct hd_arena *arena;
};

int hd_report_new(const struct hd_report_opts *o, struct hd_report **out,
		  struct hd_error *err);
/* Add the next profile (the profile may be freed afterwards). */
int hd_report_add(struct hd_report *r, const char *path, const char *label,
		  const struct hd_profile *p, struct hd_error *err);
/*
 * Diff helper: add BASE and NEW together (normalization needs both, and
 * pprof applies NEW's drop_frames to both).
 */
int hd_report_add_pair(struct hd_report *r, const char *base_path,
		       const struct hd_profile *base, const char *new_path,
		       const struct hd_profile *newp, struct hd_error *err);
/* 1 when a row belongs with the growers, -1 with the shrinkers, 0 with
 * neither: by delta cum when sorting by cum, else by delta flat (delta
 * cum when flat did not move). */
int hd_row_direction(const struct hd_report *r, const struct hd_row *row);
/* Compute rows, ranking and chains once every profile is in. */
int hd_report_finish(struct hd_report *r, struct hd_error *err);
void hd_report_free(struct hd_report *r);

static inline int64_t hd_report_flat(const struct hd_report *r,
				     const struct hd_row *row, size_t col)
{
	return hd_model_flat(r->model, col)[row->frame];
}
static inline int64_t hd_report_cum(const struct hd_report *r,
				    const struct hd_row *row, size_t col)
{
	return hd_model_cum(r->model, col)[row->frame];
}

/* ---- verdicts: --fail-on rules ---------------------------------------- */

enum hd_rule_scope {
	HD_RULE_TOTAL, /* the total grew by more than the limit */
	HD_RULE_FUNC,  /* any frame's flat grew by more than the limit */
	HD_RULE_CUM,   /* any frame's cum grew by more than the limit */
	HD_RULE_NEW,   /* any frame absent in the baseline now holds more */
	HD_RULE_LEAK,  /* trend: any frame classified growing */
};

struct hd_rule {
	char text[128];        /* as given */
	char sample_type[64];  /* "" = the report's own type */
	enum hd_rule_scope scope;
	int is_pct;            /* limit is a percentage of the base total */
	double pct;
	int64_t limit;         /* in the sample type's unit */
};

/* Parse "total:+8%", "func:+1MiB", "inuse_objects/total:+10%", "leak". */
int hd_rule_parse(const char *s, struct hd_rule *out, struct hd_error *err);

struct hd_rule_result {
	struct hd_rule rule;
	int pass;
	int64_t measured;      /* the largest growth found, in the unit */
	double measured_pct;   /* of the base total; NAN when it is 0 */
	const char *unit;
	uint32_t *frames;      /* frames that crossed (func/cum/new/leak) */
	size_t nframes;
	const char **frame_names;
	int normalized;
};

struct hd_verdict {
	int pass;
	struct hd_rule_result *results;
	size_t n;
};

/*
 * Evaluate rule against report src (whose sample type must be the rule's)
 * and append the result to dst's verdict (dst may be src).  Frame names
 * are copied, so src may be freed afterwards.
 */
int hd_report_check(struct hd_report *dst, struct hd_report *src,
		    const struct hd_rule *rule, struct hd_error *err);

/* ---- renderers -------------------------------------------------------- */

enum hd_format {
	HD_FMT_TEXT, HD_FMT_MARKDOWN, HD_FMT_JSON, HD_FMT_FOLDED,
	HD_FMT_SVG,     /* an interactive flame graph (render-svg.c) */
	HD_FMT_HTML,    /* trend only: one self-contained page (render-html.c) */
};
int hd_format_parse(const char *s, enum hd_format *out);

enum hd_folded_cols { HD_FOLDED_BOTH, HD_FOLDED_BASE, HD_FOLDED_NEW };

struct hd_render_opts {
	enum hd_format format;
	size_t top;        /* rows; 0 = all */
	int color;         /* ANSI colour in text */
	enum hd_folded_cols folded;
	int ascii;         /* trend: ASCII sparklines and arrows, no emoji */
	int icicle;        /* svg, html: root at the top instead of the bottom */
};

int hd_render(const struct hd_report *r, const struct hd_render_opts *o,
	      struct hd_buf *out, struct hd_error *err);

/* Value formatting shared by renderers: bytes in IEC units, counts as
 * integers, nanoseconds as time.  sign: always print + or -. */
void hd_format_value(char *buf, size_t n, int64_t v, const char *unit, int sign);

/* ---- saturating arithmetic (values are untrusted) -------------------- */

static inline int64_t hd_add_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t hd_sub_sat(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

#endif
