/*
 * heapdiff.h - the public interface of libheapdiff, the one header cmd/
 * may include (the build gives cmd/ this directory only, and every
 * internal header refuses to compile outside lib/ and the tests).
 *
 * Data flows one way: bytes -> profile (hd_profile, any input format)
 * -> model (interned frames, one value column per profile) -> report
 * (hd_report: every fact a renderer prints, complete after
 * hd_report_finish) -> renderer (hd_render) -> bytes (hd_buf).  Only
 * the ends are public: a front end loads profiles, builds one report
 * and renders it; the model and the report's insides are lib/'s.
 *
 * The library never prints, never exits and never reads argv.  Every
 * fallible function returns 0 or a negative HD_ERR_* code and, when it
 * fails, fills the caller's struct hd_error with a one-line lower-case
 * message saying what is wrong (without the file name: the caller knows
 * which input it was working on).  Destructors accept NULL.
 */
#ifndef HEAPDIFF_H
#define HEAPDIFF_H

#include <signal.h>
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

/*
 * What an error is about when it is one of the caller's options or
 * limits rather than the input: the library's message stays neutral
 * ("... exceeds the size limit of 1 GiB") and the front end names the
 * option in its own words (cmd/ adds "see --max-size").
 */
enum hd_subject {
	HD_SUBJ_NONE,
	HD_SUBJ_MAX_SIZE,   /* struct hd_limits.max_size */
	HD_SUBJ_MAX_FRAMES, /* struct hd_limits.max_frames */
	HD_SUBJ_FOCUS,      /* struct hd_model_opts.focus ... */
	HD_SUBJ_IGNORE,
	HD_SUBJ_HIDE,
	HD_SUBJ_SHOW,
	HD_SUBJ_RULE,       /* a --fail-on rule (struct hd_rule) */
	HD_SUBJ_FORMAT,     /* struct hd_render_opts.format */
	HD_SUBJ_MAX_OUTPUT, /* the output buffer's max */
	HD_SUBJ_APP,        /* struct hd_report_opts.app */
};

struct hd_error {
	int code;
	enum hd_subject subject;
	char msg[512];
};

/* A short name for a status code ("out of memory", ...). */
const char *hd_status_str(int code);

/* ---- bytes ---------------------------------------------------------- */

/* Default cap on the decompressed size of one profile: 1 GiB. */
#define HD_DEFAULT_MAX_SIZE ((uint64_t)1 << 30)
/*
 * Default cap on the frames of one profile's samples together, each
 * inlined line counted (the model expands them all): 2^24, or 4 frames
 * per byte of the decompressed profile when that is more (a real
 * million-stack Go profile expands to about a frame per byte).  A few
 * KiB of gzip (one location of 1000 lines listed 100 000 times) would
 * otherwise cost gigabytes: a frame costs up to about 25 bytes in the
 * call tree; pprof's largest test profile expands to 500 000.  A
 * hd_limits.max_frames of its own replaces both.
 */
#define HD_DEFAULT_MAX_FRAMES ((uint64_t)1 << 24)

/*
 * Default cap on one rendered report: 64 MiB.  A report is built whole in
 * memory before a byte is written (no partial output), so the cap is also
 * what a refusal may cost.  The largest report of the bundled public
 * profiles is 9 MB (folded stacks of pprof's large.cpu), a 100 000-frame
 * diff as JSON 22 MB; a 20 MB profile, though, can ask for gigabytes
 * (a 10 MiB name in every chain, a long name on every line of 4 200
 * folded stacks).  Raise it for bigger reports (hd_buf.max).
 */
#define HD_DEFAULT_MAX_OUTPUT ((size_t)64 << 20)

enum hd_hprof_layout {
	HD_HPROF_AUTO,       /* 0, so that a zeroed hd_limits reads the dump */
	HD_HPROF_COMPRESSED, /* 12-byte headers, 4-byte references (default under 32 GiB) */
	HD_HPROF_WIDE_REFS,  /* 12-byte headers, 8-byte references (-XX:-UseCompressedOops) */
	HD_HPROF_WIDE,       /* 16-byte headers, 8-byte references (and
			      * -XX:-UseCompressedClassPointers) */
};
/* "auto", "compressed", "wide-refs", "wide" */
int hd_hprof_layout_parse(const char *s, enum hd_hprof_layout *out);

/* What one profile may cost; a zero field (or a NULL pointer) takes the
 * default.  Past either, loading fails with HD_ERR_LIMIT. */
struct hd_limits {
	uint64_t max_size;    /* decompressed bytes */
	uint64_t max_frames;  /* expanded frames of all samples */
	/* Where a native (C, C++) profile's names come from: the main
	 * executable, when not where its memory map says (--binary), and a
	 * directory of separate debug files (--symbols); NULL: none. */
	const char *binary, *symbols;
	/* URLs (input/fetch.c): the seconds one fetch may take in all (0:
	 * 30), a Go delta profile over this many seconds (?seconds=N; 0:
	 * none; the fetch may then take that much longer), and a flag that
	 * ends a fetch early when it becomes nonzero (a signal handler's;
	 * NULL: none). */
	double timeout;
	uint64_t seconds;
	const volatile sig_atomic_t *stop;
	/* How the JVM that wrote a Java heap dump laid objects out (shallow
	 * sizes); AUTO: read from the dump (lib/input/hprof.c). */
	enum hd_hprof_layout hprof_layout;
};

/* ---- sizes (base/units.c) ------------------------------------------- */

/*
 * Parse a size as a person types it: a decimal number (fractions allowed:
 * "1.5KiB"), then optionally spaces and a unit, in any case: B; K, KB,
 * KiB; M, MB, MiB; G, GB, GiB; T, TB, TiB.  Every unit is a power of 1024
 * (KB as pprof prints it); no unit means bytes, or a count for a sample
 * type that counts.  A fraction with a unit past B rounds to the nearest
 * byte; with no unit or B it is refused ("0.5" is a forgotten unit, not
 * 1 byte).  No sign, no exponent, nothing before or after; at most
 * INT64_MAX, so the result fits int64_t too.  0 with *out set, or
 * HD_ERR_USAGE (*out untouched).  When s is a number of bytes that is not
 * whole, err (may be NULL) says so and how to write it, without quoting s;
 * for text that is no size at all err is left untouched, for the caller
 * to say what it expected.
 */
int hd_parse_size(const char *s, uint64_t *out, struct hd_error *err);

/*
 * A growable byte buffer; every buffer has a cap (curl's "toobig").
 *
 * Invariants:
 *  - data is NULL (nothing appended yet) or holds len bytes followed by
 *    a NUL, so data can be used as a string once anything was appended;
 *  - len < cap whenever data != NULL, and cap <= max;
 *  - failed is 0, or the first error an append met (HD_ERR_NOMEM, or
 *    HD_ERR_LIMIT past max); once set, appends do nothing and return it,
 *    so a writer may check only at the end;
 *  - hd_buf_reset() empties it and clears failed, keeping memory and
 *    max; hd_buf_release() frees the memory and clears failed, keeping
 *    max, so a released buffer can be used again.
 */
struct hd_buf {
	char *data;
	size_t len, cap;
	size_t max;     /* bytes it may hold, with its NUL; 0 at init = SIZE_MAX */
	int failed;     /* 0 or the first append's error */
};
void hd_buf_init(struct hd_buf *b, size_t max);
void hd_buf_reset(struct hd_buf *b);
void hd_buf_release(struct hd_buf *b);
int hd_buf_append(struct hd_buf *b, const void *p, size_t n);
int hd_buf_puts(struct hd_buf *b, const char *s);
int hd_buf_printf(struct hd_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- profile -------------------------------------------------------- */

struct hd_profile;

/*
 * Read the file at path ("-" is standard input), inflate it when it is
 * gzip, recognize its format by content and decode it.  The profile owns
 * everything it decoded; free it with hd_profile_free().  A pprof
 * profile's samples are checked as they are read, once: a malformed one
 * fails the hd_report_add that reads it, with the message load would give.
 */
int hd_profile_load(const char *path, const struct hd_limits *lim,
		    struct hd_profile **out, struct hd_error *err);
void hd_profile_free(struct hd_profile *p);
/*
 * The same for bytes in memory (gzip or raw, as a file would hold them);
 * the bytes are copied.  when, if not 0, is the time stamp (nanoseconds
 * since the epoch) of a profile that carries none: hd_fetch()'s, for
 * bytes fetched once and decoded (heapdiff watch, a trend's rules).
 */
int hd_profile_load_mem(const void *data, size_t len, int64_t when,
			const struct hd_limits *lim, struct hd_profile **out,
			struct hd_error *err);

/*
 * URLs.  hd_profile_load() takes an http:// or https:// URL wherever it
 * takes a file: it is fetched with hd_fetch() and decoded like a file's
 * bytes, and a profile that carries no time stamp gets the moment of the
 * request.  hd_fetch() GETs url (with ?seconds=N when lim->seconds) into
 * body, the bytes exactly as served, within lim: the timeout
 * (hd_fetch_timeout()), at most 10 redirects, TLS verified, max_size
 * enforced while the body streams in.  *when (may be NULL) is the wall
 * time of the request in nanoseconds.  Errors name what happened:
 * "HTTP 404 (page not found)", "connection refused (127.0.0.1 port
 * 6061)", "timed out after 30 s (see --timeout)"; HD_ERR_IO for what may
 * go away on a retry (the network, a 5xx), HD_ERR_LIMIT, HD_ERR_USAGE.
 * A build without libcurl fails every fetch with HD_ERR_USAGE, saying so.
 */
int hd_is_url(const char *path);
int hd_fetch(const char *url, const struct hd_limits *lim, struct hd_buf *body,
	     int64_t *when, struct hd_error *err);
/* The seconds a fetch within lim may take (its timeout and seconds). */
double hd_fetch_timeout(const struct hd_limits *lim);
/* The profile's time stamp (time_nanos), 0 when it carries none. */
int64_t hd_profile_time_nanos(const struct hd_profile *p);

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

/* ---- report: deltas, ranking, call paths ---------------------------- */

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

struct hd_trend_opts;

/*
 * The order of a trend's profiles.  auto: by time stamp (time_nanos) when
 * every profile carries one and no two are equal, else as given; time:
 * by time stamp, and a profile without one is an error; given: as given
 * (a warning when that contradicts the time stamps).  Stable: equal
 * stamps keep the order given.
 */
enum hd_order { HD_ORDER_AUTO, HD_ORDER_TIME, HD_ORDER_GIVEN };
int hd_order_parse(const char *s, enum hd_order *out);
const char *hd_order_name(enum hd_order o);

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
	enum hd_order order;      /* trend: the order of the columns (default auto) */
	/* The user's own code, for culprits: frames whose name matches this
	 * POSIX extended regular expression (unanchored); NULL: the
	 * producer's rule (man/heapdiff.1: CULPRITS). */
	const char *app;
	unsigned needs;           /* HD_NEED_*: what the renderer will print */
};

/* What a report computes beyond rows and totals; a front end sets
 * hd_report_opts.needs = hd_format_needs(format), so that a format that
 * prints no call paths does not pay for them (init: everything). */
enum {
	HD_NEED_TREE = 1 << 0,   /* the call tree: flame graphs, folded stacks */
	HD_NEED_CHAINS = 1 << 1, /* allocation call paths of the top growers */
	HD_NEED_ALL = HD_NEED_TREE | HD_NEED_CHAINS,
};
void hd_report_opts_init(struct hd_report_opts *o, enum hd_command c);

/*
 * Classification thresholds for heapdiff trend (the rule is in trend.c
 * and man/heapdiff.1).  The noise floor is max(min_growth, min_growth_pct
 * % of the median column total); a series trends when its Mann-Kendall
 * p-value is at most max_p (or every later value exceeds every earlier
 * one) and its Theil-Sen growth passes the floor.
 */
struct hd_trend_opts {
	int64_t min_growth;        /* default 0 */
	double min_growth_pct;     /* default 0.25 (%) */
	double min_r2;             /* no longer read (NAN): least squares */
	double min_rising;         /* ... decides nothing since issue #15 */
	double max_p;              /* default 0.05: Mann-Kendall's two-sided p */
};
void hd_trend_opts_init(struct hd_trend_opts *o);

struct hd_report;

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
/*
 * hd_report_add_pair for a caller done with both profiles: the report
 * frees each once its column is in (BASE before NEW is read, so that
 * BASE's bytes are not beside the model's peak), and sets *base and
 * *newp to NULL, on failure too.
 */
int hd_report_take_pair(struct hd_report *r, const char *base_path,
			struct hd_profile **base, const char *new_path,
			struct hd_profile **newp, struct hd_error *err);
/*
 * hd_report_take_pair of two files (or URLs) it reads itself, each with
 * hd_profile_load(lim): BASE is read, goes into the model and is freed
 * before NEW is read, into the memory BASE's inflated bytes had, so that
 * the two are never in memory together (a million-stack pair: 18 MB
 * less at the peak, a quarter fewer page faults).  pprof prunes both
 * with NEW's drop_frames and keep_frames, which BASE's column cannot
 * know yet, so it is pruned with BASE's own, and when NEW's differ
 * (profiles of one producer agree; Go writes neither) both are read
 * again and go in as hd_report_take_pair takes them.  A BASE that cannot
 * be read twice (standard input, a pipe, a URL) is read before NEW, as
 * hd_report_take_pair needs.  On failure *which is 0 when the error is
 * about BASE, 1 about NEW.
 */
int hd_report_load_pair(struct hd_report *r, const char *base_path, const char *new_path,
			const struct hd_limits *lim, int *which, struct hd_error *err);
/* Compute rows, ranking and chains once every profile is in. */
int hd_report_finish(struct hd_report *r, struct hd_error *err);
void hd_report_free(struct hd_report *r);

/* Read-only facts a front end needs of a report. */
const char *hd_report_sample_type(const struct hd_report *r);
/* Profiles added so far (which of BASE and NEW failed to add). */
size_t hd_report_columns(const struct hd_report *r);
/* 1 when a --fail-on rule was checked and crossed, else 0. */
int hd_report_failed(const struct hd_report *r);
/*
 * What a user should hear about even when only the exit status is read
 * (the front end prints them on stderr, one line each, "warning: ..."):
 * profiles whose given order contradicts their time stamps, a NEW older
 * than its BASE.  Valid after hd_report_finish(); the report keeps the
 * strings.  Returns their number and sets *out.
 */
size_t hd_report_warnings(const struct hd_report *r, const char *const **out);
/*
 * For a progress line (heapdiff watch), after hd_report_finish(): the
 * total of column i (in time order) in the report's sample type and its
 * unit ("bytes"); and a trend's leak suspects by culprit, worst first:
 * the name of each suspect's culprit (itself when it is the user's code),
 * each name once, at most max of them into out (the report keeps the
 * strings); returns how many, and *nsuspects (may be NULL) is the number
 * of suspects in all.
 */
int64_t hd_report_total(const struct hd_report *r, size_t i);
const char *hd_report_sample_unit(const struct hd_report *r);
size_t hd_report_culprits(const struct hd_report *r, const char **out, size_t max,
			  size_t *nsuspects);

/* ---- verdicts: --fail-on rules ---------------------------------------- */

enum hd_rule_scope {
	HD_RULE_TOTAL, /* the total grew by more than the limit */
	HD_RULE_FUNC,  /* any frame's flat grew by more than the limit */
	HD_RULE_CUM,   /* any frame's cum grew by more than the limit */
	HD_RULE_NEW,   /* any frame absent in the baseline now holds more */
	HD_RULE_LEAK,  /* trend: any leak suspect (a culprit classed growing) */
	HD_RULE_MEMSTATS, /* a runtime.MemStats field grew by more than the limit */
};

struct hd_rule {
	char text[128];        /* as given */
	char sample_type[64];  /* "" = the report's own type */
	enum hd_rule_scope scope;
	int is_pct;            /* limit is a percentage of the base total */
	double pct;
	int64_t limit;         /* in the sample type's unit (memstats: the field's) */
	int ms_field;          /* memstats: which field (man/heapdiff.1: MEMSTATS) */
};

/* Parse "total:+8%", "func:+1MiB", "inuse_objects/total:+10%", "leak",
 * "memstats.HeapInuse:+10%" (a field of Go's runtime.MemStats, as Go
 * spells it, or LiveObjects; a percentage is of its first value). */
int hd_rule_parse(const char *s, struct hd_rule *out, struct hd_error *err);

/*
 * Evaluate rule against report src (whose sample type must be the rule's)
 * and append the result to dst's verdict (dst may be src).  Frame names
 * are copied, so src may be freed afterwards.  A memstats rule on a
 * report whose profiles do not all carry runtime.MemStats is
 * HD_ERR_USAGE.
 */
int hd_report_check(struct hd_report *dst, struct hd_report *src,
		    const struct hd_rule *rule, struct hd_error *err);

/* ---- renderers -------------------------------------------------------- */

enum hd_format {
	HD_FMT_TEXT, HD_FMT_MARKDOWN, HD_FMT_JSON, HD_FMT_FOLDED,
	HD_FMT_SVG,     /* an interactive flame graph (render/svg.c) */
	HD_FMT_HTML,    /* trend only: one self-contained page (render/html.c) */
	HD_FMT_PPROF,   /* gzip profile.proto: the profile, the delta (render/pprof.c) */
};
int hd_format_parse(const char *s, enum hd_format *out);
/* HD_NEED_* of what format f prints. */
unsigned hd_format_needs(enum hd_format f);

enum hd_folded_cols { HD_FOLDED_BOTH, HD_FOLDED_BASE, HD_FOLDED_NEW };

struct hd_render_opts {
	enum hd_format format;
	size_t top;        /* rows; 0 = all */
	int color;         /* ANSI colour in text */
	enum hd_folded_cols folded;
	int ascii;         /* trend: ASCII sparklines and arrows, no emoji */
	int icicle;        /* svg, html: root at the top instead of the bottom */
};

/*
 * Append the report in o->format to out.  The report may take out->max
 * less what out holds and its NUL; a buffer without a cap (max SIZE_MAX,
 * hd_buf_init(b, 0)) may take HD_DEFAULT_MAX_OUTPUT, for this call (its
 * max is left as it was).  So a front end allowing N bytes of report sets
 * max = N + 1 on an empty buffer.  Past that: HD_ERR_LIMIT, subject
 * HD_SUBJ_MAX_OUTPUT, "the report would exceed the output limit of 64
 * MiB" (the room it had); out of memory: HD_ERR_NOMEM.  A failed render
 * leaves out as it was: nothing partial is ever appended.
 *
 * Every string of the profile is shown valid UTF-8, control and bidi
 * characters visible ("\u202e"), names past 512 bytes cut with "…";
 * JSON keeps names whole (man/heapdiff.1: NAMES, LIMITS).
 */
int hd_render(const struct hd_report *r, const struct hd_render_opts *o,
	      struct hd_buf *out, struct hd_error *err);

#endif
