/*
 * report.h - the report: every fact a renderer prints, computed once by
 * hd_report_finish() and read-only after it (lib/ and the tests only).
 *
 * Rows (one per frame with a value or a change), ranked; totals and
 * their deltas; allocation call paths; trend statistics and classes; the
 * verdict of --fail-on rules.  Renderers read it and compute nothing of
 * their own.
 */
#ifndef HD_REPORT_H
#define HD_REPORT_H

#include "base/base.h"
#include "engine/model.h"

enum hd_row_status { HD_SAME, HD_GREW, HD_SHRANK, HD_NEW, HD_GONE };
const char *hd_row_status_name(enum hd_row_status s);

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
	HD_TREND_LEVELLED, /* grew, then stayed level to the end: warm-up */
};

/* The least-squares line and shape of one series of values. */
struct hd_trend_fit {
	double slope_per_version;  /* unit per version */
	double slope_per_hour;     /* NAN when the profiles carry no times */
	double r2;                 /* of the per-version fit; NAN when undefined */
	double cv;                 /* coefficient of variation; NAN: mean 0 */
	size_t steps_up, steps_down, steps_level; /* of the n - 1 steps */
};

/*
 * The trend of one row.  The class reads the row's analysed series: its
 * attributed series (hd_report_series(): own for the user's code, flat
 * elsewhere), or on a cumulative type its increments, by the rule of
 * trend.c.  The robust statistics are computed for rows whose analysed
 * series moves by more than the noise floor only (else NAN, 0).
 */
struct hd_trend {
	enum hd_trend_class cls;
	/* Robust statistics of the analysed series (trend.c). */
	double mk_s;               /* Mann-Kendall S; NAN: not computed */
	double mk_z;               /* its normal score, ties corrected; NAN: n/a */
	double mk_p;               /* two-sided p-value; NAN: n/a */
	double sen_per_version;    /* Theil-Sen slope, unit per version */
	double sen_per_hour;       /* the same against time; NAN: no times */
	int floor_rising;          /* the series' lows keep rising (sawtooth) */
	int peaks_rising;          /* ... its highs do */
	size_t level_from;         /* levelled: the column from which it is level */
	int64_t level_value;       /* levelled: the value it levelled at */
	struct hd_trend_fit flat;  /* least squares of flat, for reading */
	struct hd_trend_fit cum;   /* the same of cum */
	double rising;             /* share of flat's steps that did not fall */
	int64_t min, max;          /* of flat over the series */
	double score;              /* growing: max(growth, 0) x (1 - mk_p); else 0 */
	size_t suspect;            /* rank among suspects (1 = worst); 0: none */
	double growth;             /* sen_per_version x (points - 1): the robust
				    * net change; NAN: not computed */
};
#define HD_TREND_NCLASSES (HD_TREND_LEVELLED + 1)

struct hd_row;
const char *hd_trend_class_name(enum hd_trend_class c);
/* For hd_report_finish() only: fill row->trend for every row, the
 * thresholds and the noise floor ... */
int hd_trend_compute(struct hd_report *r, struct hd_error *err);
/* ... rank suspects first (0 when the trend keys tie) ... */
int hd_trend_cmp(const struct hd_row *a, const struct hd_row *b);
/* ... and, once the rows are ranked, list the suspects and count the
 * classes. */
int hd_trend_finish(struct hd_report *r, struct hd_error *err);
/* For the tests: the robust statistics and class of one dense analysed
 * series y[0..n) (hours increasing, or NULL), noise floor thr, as
 * hd_trend_compute() makes them for a row; bisect forces Theil-Sen's
 * bisection.  HD_ERR_NOMEM when out of memory. */
int hd_trend_series(const double *y, size_t n, const double *hours, double thr,
		    const struct hd_trend_opts *o, int bisect, struct hd_trend *t);

/*
 * Leak or churn: a row's change in the in-use type beside what it
 * allocated over the same interval (the paired alloc_* type), when the
 * profiles carry both (report.c says the thresholds).
 */
enum hd_retention_label {
	HD_RET_NONE,     /* no pair of types, or nothing allocated to speak of */
	HD_RET_RETAINED, /* kept most of what it allocated */
	HD_RET_PARTLY,   /* kept part of it */
	HD_RET_CHURN,    /* allocated, kept next to nothing */
};
const char *hd_retention_name(enum hd_retention_label l);

struct hd_retention {
	int64_t inuse_delta;       /* the in-use type, last minus first */
	int64_t alloc_delta;       /* the alloc type over the same interval */
	float kept;                /* inuse_delta / alloc_delta; NAN: n/a */
	enum hd_retention_label label;
};

/* A trend has a row per frame, 450 000 of them in 500 profiles of their
 * own functions: the fields are packed (LIMITS in heapdiff(1)). */
struct hd_row {
	uint32_t frame;
	/* The nearest frame in the user's own code that carries most of
	 * this row's change (itself for the user's code); HD_NO_FRAME when
	 * no caller is the user's code. */
	uint32_t culprit;
	float culprit_share;       /* of the row's change the culprit carries */
	uint32_t rank_suspect;     /* trend: the ranking's keys (hd_trend_cmp) */
	uint64_t rank_range, rank_mag;
	int64_t dattr;             /* attributed series: last minus first */
	struct hd_retention ret;   /* label HD_RET_NONE without a pair of types */
	const struct hd_trend *trend; /* trend only; NULL otherwise */
	int64_t dflat, dcum;       /* last column minus first */
	double pct_flat, pct_cum;  /* of the frame's own first value; NAN: n/a */
	int64_t sum_flat;          /* flat in column 0 of this row and every row
				    * ranked above it (top's sum%) */
	enum hd_row_status status;
	uint32_t nchains;
	struct hd_chain *chains;   /* allocation call paths of the change */
	int64_t chains_other;      /* of the change, what paths not listed carry */
};

struct hd_memstats;

struct hd_column_info {
	const char *path;          /* as given */
	size_t given;              /* its position on the command line, from 0 */
	const char *label;         /* column label (base name or NAME=) */
	int64_t time_nanos, duration_nanos;
	int64_t total;             /* selected type, after normalization */
	int64_t abs_total;         /* sum of |value|: pprof's total, the
				    * denominator of every percentage */
	int64_t raw_total;         /* before normalization */
	int have_count;            /* the paired count type exists */
	int64_t count_total, raw_count_total;
	/* The profile's period_type and period ("" and 0 without them),
	 * for a renderer that writes a profile back (render/pprof.c). */
	const char *period_type, *period_unit;
	int64_t period;
	/* runtime.MemStats of Go's text heap profile, copied at add
	 * (memstats.c), NULL for other inputs; the profile's own in-use
	 * space total beside it (have_inuse: it has that type). */
	const struct hd_memstats *memstats;
	int have_inuse;
	int64_t inuse_total;
};

struct hd_ms_report;

/*
 * Filled by hd_report_new() and hd_report_add*(), completed by
 * hd_report_finish() (the verdict by hd_report_check() after it), and
 * read-only from then on.  Renderers take a const report, read these
 * fields and decide nothing: a fact that two formats print is computed
 * here, once.  Lists of rows point into rows[], which does not move
 * after the ranking.
 */
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

	/* Totals, last column against the first. */
	int64_t total_delta;
	double total_pct;          /* NAN when the base total is 0 */
	int have_counts;           /* the first and the last column have the count type */
	int64_t count_delta;       /* 0 unless have_counts */
	double count_pct;          /* of the first count total; NAN when 0 or none */
	int have_elapsed;          /* the first and the last profile both carry a time */
	int64_t elapsed_nanos;     /* last time minus first; 0 unless have_elapsed;
				    * negative when the last is older */
	int backwards;             /* diff: NEW is older than BASE */

	/* The order of the columns (trend; a diff's is as given). */
	enum hd_order order_used;      /* HD_ORDER_TIME or HD_ORDER_GIVEN */
	int order_contradicts;         /* used given, and time stamps say otherwise */
	const char **warnings;         /* for stderr (hd_report_warnings) */
	size_t nwarnings;

	/* Culprits: the user's own code (model frames' app bit). */
	const char *app_rule;      /* how app frames were told: "go", "node",
				    * "--app REGEX", "all" (unknown producer) */

	/* Leak or churn: the paired type (inuse_space <-> alloc_space,
	 * inuse_objects <-> alloc_objects), NULL when the profiles lack it. */
	const char *pair_type;
	int64_t pair_total_delta;  /* its total, last minus first */

	/*
	 * The rows split as a diff's two tables show them, each in rank order:
	 * growers by delta cum when sorting by cum or delta cum, else by delta
	 * flat (a row whose flat did not move is neither); shrinkers the mirror;
	 * rows that moved neither way are in neither.  unchanged: nothing to
	 * tabulate ("No change."): no rows, or the total did not move and
	 * neither did the top-ranked row.
	 */
	const struct hd_row **growers, **shrinkers;
	size_t ngrowers, nshrinkers;
	int unchanged;

	/* trend only (zero otherwise; trend.c). */
	struct hd_trend_opts trend_opts; /* the thresholds in effect, defaults filled in */
	int64_t trend_threshold;   /* the noise floor T, in the sample unit */
	int threshold_from_pct;    /* T is min_growth_pct of trend_base
				    * (it exceeds min_growth) */
	const struct hd_row **suspects; /* the suspect rows (growing, and the
					 * user's code or no caller of it is)
					 * by rank, whatever the sort */
	size_t nsuspects;
	size_t class_count[HD_TREND_NCLASSES]; /* rows of each class */
	int cumulative;            /* the type only accumulates (alloc_*): trend
				    * analysed the increments between columns, and
				    * suspects are allocation-rate regressions */

	/* diff and trend: runtime.MemStats first to last, per field and
	 * over the interval, and the cross-check (memstats.c); NULL unless
	 * every profile carried them. */
	const struct hd_ms_report *memstats;

	struct hd_verdict *verdict; /* NULL when no --fail-on was given */
	struct hd_arena *arena;

	/* trend only (trend.c), continued. */
	int64_t trend_base;        /* what min_growth_pct is of: the median of
				    * the column totals (cumulative: of the
				    * total's increments) */
	double trend_interval;     /* cumulative: the increments are per this
				    * many seconds (the mean interval between
				    * profiles); 0: per interval, no times */
};

/*
 * A row's attributed value in column col: what the classification reads.
 * For a frame of the user's code (hd_frame.app) its own value, the
 * samples whose nearest frame of the user's code it is; for any other
 * frame its flat value.
 */
static inline int64_t hd_report_series(const struct hd_report *r,
				       const struct hd_row *row, size_t col);

/* A row's flat and cum in column col (a lookup for the columns between
 * the first and the last, which are sparse). */
static inline int64_t hd_report_flat(const struct hd_report *r,
				     const struct hd_row *row, size_t col)
{
	const int64_t *d = hd_model_flat(r->model, col);
	int64_t f, c;

	if (d)
		return d[row->frame];
	hd_model_value(r->model, col, row->frame, &f, &c);
	return f;
}
static inline int64_t hd_report_cum(const struct hd_report *r,
				    const struct hd_row *row, size_t col)
{
	const int64_t *d = hd_model_cum(r->model, col);
	int64_t f, c;

	if (d)
		return d[row->frame];
	hd_model_value(r->model, col, row->frame, &f, &c);
	return c;
}
static inline int64_t hd_report_series(const struct hd_report *r,
				       const struct hd_row *row, size_t col)
{
	if (hd_model_frame(r->model, row->frame)->app)
		return hd_model_own_value(r->model, col, row->frame);
	return hd_report_flat(r, row, col);
}

/* The change of row's flat (or, with cum set, its cum) from column base
 * to column col, saturating. */
static inline int64_t hd_report_change(const struct hd_report *r,
				       const struct hd_row *row, size_t col,
				       size_t base, int cum)
{
	return cum ? hd_sub_sat(hd_report_cum(r, row, col), hd_report_cum(r, row, base)) :
		hd_sub_sat(hd_report_flat(r, row, col), hd_report_flat(r, row, base));
}

/*
 * What holds row's objects, when its profile says (a Java heap dump: the
 * shortest reference chain from a GC root or a static field to one of
 * the class's instances, hprof.c; from the newest profile that had one):
 * at most opts.ref_chain_depth steps into steps[HD_HELD_BY_MAX], the
 * holder first, then the steps nearest the row.  Returns how many, 0 when
 * there is no chain or --ref-chain-depth is 0; *gap is the index before
 * which steps were left out (n: after the last), 0 when none were.  The steps point into the
 * model.
 */
#ifndef HD_HELD_BY_SEP
#define HD_HELD_BY_SEP "\x1f" /* as input.h: between a chain's steps */
#define HD_HELD_BY_MAX 16
#endif
struct hd_held_step {
	const char *s;
	size_t len;
};
size_t hd_row_held_by(const struct hd_report *r, const struct hd_row *row,
		      struct hd_held_step *steps, size_t *gap);

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

/* ---- runtime.MemStats beside the sampled profile (memstats.c) ---------- */

/*
 * The figures of Go's runtime.MemStats by index: every number Go's text
 * heap profile prints, named as runtime.MemStats spells it ("StackInuse",
 * "StackSys" for its "Stack = INUSE / SYS"; "MaxRSS"), and LiveObjects,
 * Mallocs - Frees.  What --fail-on memstats.FIELD names.
 */
int hd_memstats_field(const char *name, size_t len);  /* its index, or -1 */
const char *hd_memstats_field_name(int field);
const char *hd_memstats_field_unit(int field);        /* "bytes", "count", "nanoseconds" */
/* "Alloc, TotalAlloc, ..., LiveObjects" into buf: for messages. */
void hd_memstats_field_list(char *buf, size_t n);
/* A field's value, clamped to INT64_MAX (LiveObjects: Mallocs - Frees,
 * saturating). */
int64_t hd_memstats_value(const struct hd_memstats *m, int field);

/* One row of the section: a field that matters for a leak hunt. */
struct hd_ms_row {
	int field;
	const char *name, *unit;
	int64_t first, last, delta;  /* delta saturating */
	double pct;                  /* of first; NAN when first is 0 */
	const int64_t *series;       /* its value in every column */
	enum hd_trend_class cls;     /* stable, growing, shrinking or fluctuating
				      * (memstats.c's rule, not trend.c's) */
};
#define HD_MS_ROWS 12

/* What the profile and MemStats say together (memstats.c: the rules). */
enum hd_ms_kind {
	HD_MS_NOISE,      /* nothing beyond the noise floor */
	HD_MS_HEAP,       /* growth the profile sees: a Go heap leak */
	HD_MS_OUTSIDE,    /* growth outside what the heap profile samples */
	HD_MS_IDLE,       /* heap idle but not yet released to the OS */
	HD_MS_GARBAGE,    /* HeapAlloc far above the profile's in-use */
	HD_MS_FRAGMENTED, /* HeapInuse grew, the live heap did not */
	HD_MS_RESTART,    /* the counters fell: not one process */
};
const char *hd_ms_kind_name(enum hd_ms_kind k);

/* Outside the heap, which part grew most. */
enum hd_ms_part {
	HD_MS_PART_STACKS,  /* StackSys: goroutine stacks */
	HD_MS_PART_GC,      /* GCSys: GC metadata */
	HD_MS_PART_RUNTIME, /* MSpanSys + MCacheSys + BuckHashSys + OtherSys */
	HD_MS_PART_NATIVE,  /* MaxRSS beyond what the runtime holds: cgo, native */
};

struct hd_ms_check {
	enum hd_ms_kind kind;
	int64_t floor;          /* the noise floor F */
	/* The parts of the growth, last minus first: */
	int64_t heap;           /* HeapInuse */
	int64_t heap_alloc;     /* HeapAlloc */
	int64_t idle;           /* HeapIdle - HeapReleased */
	int64_t outside;        /* Sys - HeapSys: stacks + gc + runtime */
	int64_t stacks, gc, runtime;
	int64_t native;         /* how much more MaxRSS exceeds Sys than it did;
				 * 0 without MaxRSS or when it does not */
	enum hd_ms_part part;   /* the largest of stacks, gc, runtime, native */
	int64_t part_delta;
	/* The profile: its in-use space total, last minus first. */
	int have_profile;
	int64_t profile_delta;
	int table_shows;        /* the report's sample type is that in-use type */
	/* garbage: grew 1 when the heap grew and the profile did not see
	 * it (col is the last), else 0 and col is the column with the
	 * largest HeapAlloc - in-use; HeapAlloc and in-use there */
	int grew;
	size_t col;
	int64_t col_heap_alloc, col_inuse;
	/* restart: the column whose Mallocs, Frees, TotalAlloc or NumGC fell */
	size_t restart_col;
};

struct hd_ms_report {
	struct hd_ms_row rows[HD_MS_ROWS];
	size_t nrows;
	/* Over the interval, first to last (counters' deltas, saturating). */
	int64_t num_gc, num_forced_gc, mallocs, frees, total_alloc;
	int have_pause;         /* the pause of those collections is exact */
	int64_t pause_ns;
	size_t pause_ring;      /* PauseNs entries the last profile has (0: none) */
	struct hd_ms_check check;
};

/* For hd_report_add() only: copy p's MemStats into column ci. */
int hd_memstats_add(struct hd_report *r, struct hd_column_info *ci,
		    const struct hd_profile *p, struct hd_error *err);
/* For hd_report_finish() only, after the totals: r->memstats. */
int hd_memstats_finish(struct hd_report *r, struct hd_error *err);

/*
 * For hd_report_finish() only (culprit.c): every row's culprit, its
 * attributed change and its retention label, once the rows exist.
 */
int hd_culprits_build(struct hd_report *r, struct hd_error *err);
/* The least allocation a row needs for a retention label (culprit.c). */
int64_t hd_retention_floor(const struct hd_report *r);

/*
 * For hd_report_finish() only (chains.c): the allocation call paths of the
 * top growers, rows[].chains, from the last column against the first.
 */
int hd_chains_build(struct hd_report *r, struct hd_error *err);

#endif
