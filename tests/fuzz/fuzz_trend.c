/*
 * fuzz_trend.c - libFuzzer target: two to eight untrusted profiles
 * through the pipeline of `heapdiff trend`.
 *
 * Input layout (make-corpus.py writes seeds this way):
 *
 *   byte 0     bit 0 ASCII sparklines, bit 1 colour, bits 2-5 --focus,
 *              --ignore, --hide, --show (fuzz_diff.c's fixed patterns),
 *              bits 6-7 --folded both/first/last/both
 *   byte 1     granularity (% 5), then sort ((b / 5) % 6)
 *   byte 2     bits 0-1 --min-growth (min_growth_pcts[]), bits 2-3
 *              --min-r2 (min_r2s[]), bits 4-5 --min-rising
 *              (min_risings[]), bits 6-7 --top (tops[])
 *   byte 3     --ref-chain-depth (% 18)
 *   4...       profiles, each a 3-byte little-endian length (cut to what
 *              is left) and that many bytes, gzip or raw; at most 8
 *
 * Each profile goes through fz_load (hd_load_mem, 64 MiB cap, and
 * hd_profile_parse), then hd_report_add, in order (the way cmd-trend.c
 * adds them); a series stops at the first profile that fails.  With two
 * or more, the report is finished, rules "leak" and "total:+1%" are
 * checked, and every format is rendered and checked by check.h's
 * oracles, the model's arithmetic on the first and last columns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define HEADER 4
#define MAX_PROFILES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const filters[4] = {"main", "runtime", "^runtime\\.", "[Cc]ache|leak"};
static const double min_growth_pcts[4] = {1, 0, 50, 1e6};
static const double min_r2s[4] = {0.8, 0, 1, 0.5};
static const double min_risings[4] = {0.75, 0, 1, 0.5};
static const size_t tops[4] = {0, 1, 5, 20};

static void render_all(struct hd_report *r, struct hd_profile **ps, size_t n,
		       const uint8_t *h)
{
	static const enum hd_format formats[] = {
		HD_FMT_TEXT, HD_FMT_MARKDOWN, HD_FMT_JSON, HD_FMT_FOLDED, HD_FMT_SVG, HD_FMT_HTML,
		HD_FMT_PPROF,
	};
	static const enum hd_folded_cols folded[4] = {
		HD_FOLDED_BOTH, HD_FOLDED_BASE, HD_FOLDED_NEW, HD_FOLDED_BOTH,
	};
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct hd_render_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.format = formats[i];
		ro.color = (h[0] >> 1) & 1;
		ro.ascii = h[0] & 1;
		ro.top = tops[h[2] >> 6];
		ro.folded = folded[h[0] >> 6];
		/* Folded output of a trend shows the first and last columns,
		 * in the model's order: by time when every stamp differs
		 * (--order auto), which need not be the order added. */
		fz_render_check(r, &ro, ps[hd_model_given(r->model, 0)],
				ps[hd_model_given(r->model, r->ncols - 1)], 1.0);
	}
}

static void trend(struct hd_profile **ps, size_t n, const uint8_t *h)
{
	struct hd_report_opts o;
	struct hd_trend_opts t;
	struct hd_report *r = NULL;
	struct hd_error err;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	hd_report_opts_init(&o, HD_CMD_TREND);
	hd_trend_opts_init(&t);
	t.min_growth_pct = min_growth_pcts[h[2] & 3];
	t.min_r2 = min_r2s[(h[2] >> 2) & 3];
	t.min_rising = min_risings[(h[2] >> 4) & 3];
	o.trend = &t;
	o.model.focus = h[0] & 0x04 ? filters[0] : NULL;
	o.model.ignore = h[0] & 0x08 ? filters[1] : NULL;
	o.model.hide = h[0] & 0x10 ? filters[2] : NULL;
	o.model.show = h[0] & 0x20 ? filters[3] : NULL;
	o.model.granularity = (enum hd_granularity)(h[1] % 5);
	o.sort = (enum hd_sort)((h[1] / 5) % 6);
	o.ref_chain_depth = h[3] % 18;

	rc = hd_report_new(&o, &r, &err);
	fz_check_rc(rc, &err, "hd_report_new");
	if (rc)
		return;
	for (i = 0; i < n; i++) {
		rc = hd_report_add(r, "p.pb.gz", NULL, ps[i], &err);
		fz_check_rc(rc, &err, "hd_report_add");
		if (rc)
			goto out;
	}
	rc = hd_report_finish(r, &err);
	fz_check_rc(rc, &err, "hd_report_finish");
	if (rc)
		goto out;
	FZ_ASSERT(r->ncols == n, "a trend of %zu profiles has %zu columns", n, r->ncols);
	fz_check_rule(r, "leak", 0);
	fz_check_rule(r, "total:+1%", 0);
	render_all(r, ps, n, h);
out:
	hd_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_profile *ps[MAX_PROFILES];
	size_t n = 0, pos = HEADER, i;

	if (size < HEADER)
		return 0;
	while (n < MAX_PROFILES && size - pos >= 3) {
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8 |
			     (size_t)data[pos + 2] << 16;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		ps[n] = fz_load(data + pos, len);
		pos += len;
		if (!ps[n])
			break;
		n++;
	}
	if (n >= 2)
		trend(ps, n, data);
	for (i = 0; i < n; i++)
		hd_profile_free(ps[i]);
	return 0;
}
