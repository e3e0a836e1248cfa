/*
 * check.h - the oracles the fuzz targets share.  A target calls these on
 * what the library returned; a broken promise aborts, which libFuzzer
 * and the regression driver both report as a failure.
 *
 * The promises checked are the library's written contracts, not guesses:
 * heapdiff.h (a failure returns a negative HD_ERR_* code and fills
 * struct hd_error with a one-line message), render-folded.c (line format,
 * no negative values, sorted and merged stacks), render-markdown.c and
 * render.c (names are valid UTF-8 with control characters turned into
 * spaces), render-json.c (the output is JSON).
 */
#ifndef HD_FUZZ_CHECK_H
#define HD_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "input/input.h"
#include "engine/report.h"

/* Print "fuzz check failed: ..." and abort. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define FZ_ASSERT(cond, ...) do { if (!(cond)) fz_fail(__VA_ARGS__); } while (0)

/* rc is what a fallible function returned with err filled: when it is
 * not 0 it must be an HD_ERR_* code equal to err->code, with a message. */
void fz_check_rc(int rc, const struct hd_error *err, const char *what);

/*
 * Check one rendered report.  color: ANSI escapes were asked for (text
 * only).  folded_cols: value columns a folded line carries (1 or 2); for
 * the folded format, sums[k] receives the sum of column k's values.
 */
void fz_check_output(enum hd_format fmt, const struct hd_buf *b, int color,
		     int folded_cols, int64_t sums[2]);

/*
 * The model's arithmetic, for column col built from profile p with the
 * report's sample type, each value scaled by scale as the model scales
 * it.  Checked only when no partial sum can have saturated (the sum of
 * |scaled value| over p's samples is below 2^62), so the sums are exact:
 *   - hd_model_total() is the sum of the scaled values;
 *   - with no filters, every sample with a stack lands on one node: the
 *     non-root nodes' self values add up to those samples' values;
 *   - the frames' flat values add up to the non-root nodes' self values;
 *   - when no self value is negative: flat <= cum <= that sum for every
 *     frame (recursion counted once), and folded_sum, when not NULL (the
 *     folded renderer's sum for this column), equals that sum.
 */
void fz_check_model(const struct hd_report *r, size_t col,
		    const struct hd_profile *p, double scale,
		    const int64_t *folded_sum);

/* Every target's cap on a decompressed profile. */
#define FZ_MAX_SIZE ((uint64_t)64 << 20)

/*
 * hd_load_mem (FZ_MAX_SIZE) and hd_profile_parse, with their promises
 * checked: the bytes within the cap, no profile after a failure.  NULL
 * when either fails.
 */
struct hd_profile *fz_load(const uint8_t *data, size_t size);

/*
 * Parse rule text (it must parse) and check it against r.  refused: the
 * rule must fail with HD_ERR_USAGE ("leak" on a diff); else it must pass
 * or run out of memory.
 */
void fz_check_rule(struct hd_report *r, const char *text, int refused);

/*
 * Render r with ro, check the output (fz_check_output) and, for folded
 * output, the model of the first and the last column against the folded
 * sums (fz_check_model).  first and last are those columns' profiles;
 * last_scale the last column's scale (--normalize).  A report of one
 * column (top) has one folded column whatever ro->folded says.
 */
void fz_render_check(struct hd_report *r, const struct hd_render_opts *ro,
		     const struct hd_profile *first, const struct hd_profile *last,
		     double last_scale);

#endif
