/*
 * fuzz_diff.c - libFuzzer target: two untrusted profiles through the
 * pipeline of `heapdiff diff`.
 *
 * Input layout (make-corpus.py writes seeds this way):
 *
 *   bytes 0-3  split: little-endian; BASE is the first split % (n + 1)
 *              bytes of the n bytes after the header, NEW the rest
 *   byte 4     bit 0 --normalize, bit 1 colour, bits 2-5 --focus,
 *              --ignore, --hide, --show (fixed patterns, see filters[]),
 *              bits 6-7 --folded both/base/new/both
 *   byte 5     granularity (% 5), then sort ((b / 5) % 6)
 *   byte 6     --ref-chain-depth (% 18: 17 checks the library's clamp),
 *              bits 5-6 ref_chain_rows (chain_rows[]), bit 7
 *              ref_chain_max 1 instead of 5
 *   byte 7     bits 0-2 --min-delta (min_deltas[]), bits 3-5 a second
 *              --fail-on rule (rules[]), bits 6-7 --top (tops[])
 *   8...       BASE then NEW, each gzip or raw profile.proto
 *
 * Each profile goes through fz_load (hd_load_mem, 64 MiB cap, and hd_profile_parse);
 * when both parse, a diff report gets them through hd_report_add_pair,
 * rules "total:+1%" and one more are checked, and every format is
 * rendered and checked by check.h's oracles.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define HEADER 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const filters[4] = {"main", "runtime", "^runtime\\.", "[Cc]ache|leak"};
static const double min_delta_pcts[8] = {0, 0, 0.5, 1, 50, 150, 1e6, 0};
static const int64_t min_deltas[8] = {0, 1, 0, 0, 0, 0, 0, 1 << 20};
static const char *const rules[8] = {
	NULL, "func:+1MiB", "cum:+10%", "new:+0", "total:+0", "func:+0%", "leak", "cum:+1",
};
static const size_t tops[4] = {0, 1, 5, 20};
static const size_t chain_rows[4] = {10, 1, 5, 0};

static void diff(const struct hd_profile *base, const struct hd_profile *newp,
		 const uint8_t *h)
{
	static const enum hd_format formats[] = {
		HD_FMT_TEXT, HD_FMT_MARKDOWN, HD_FMT_JSON, HD_FMT_FOLDED, HD_FMT_SVG, HD_FMT_PPROF,
	};
	static const enum hd_folded_cols folded[4] = {
		HD_FOLDED_BOTH, HD_FOLDED_BASE, HD_FOLDED_NEW, HD_FOLDED_BOTH,
	};
	struct hd_report_opts o;
	struct hd_report *r = NULL;
	struct hd_error err;
	int color = (h[4] >> 1) & 1;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	hd_report_opts_init(&o, HD_CMD_DIFF);
	o.normalize = h[4] & 1;
	o.model.focus = h[4] & 0x04 ? filters[0] : NULL;
	o.model.ignore = h[4] & 0x08 ? filters[1] : NULL;
	o.model.hide = h[4] & 0x10 ? filters[2] : NULL;
	o.model.show = h[4] & 0x20 ? filters[3] : NULL;
	o.model.granularity = (enum hd_granularity)(h[5] % 5);
	o.sort = (enum hd_sort)((h[5] / 5) % 6);
	o.ref_chain_depth = h[6] % 18;
	o.ref_chain_rows = chain_rows[(h[6] >> 5) & 3];
	o.ref_chain_max = h[6] & 0x80 ? 1 : 5;
	o.min_delta_pct = min_delta_pcts[h[7] & 7];
	o.min_delta = min_deltas[h[7] & 7];

	rc = hd_report_new(&o, &r, &err);
	fz_check_rc(rc, &err, "hd_report_new");
	if (rc)
		return;
	rc = hd_report_add_pair(r, "base.pb.gz", base, "new.pb.gz", newp, &err);
	fz_check_rc(rc, &err, "hd_report_add_pair");
	if (rc)
		goto out;
	rc = hd_report_finish(r, &err);
	fz_check_rc(rc, &err, "hd_report_finish");
	if (rc)
		goto out;
	FZ_ASSERT(r->ncols == 2, "a diff report with %zu columns", r->ncols);
	fz_check_rule(r, "total:+1%", 0);
	if (rules[(h[7] >> 3) & 7])
		fz_check_rule(r, rules[(h[7] >> 3) & 7], strcmp(rules[(h[7] >> 3) & 7], "leak") == 0);

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct hd_render_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.format = formats[i];
		ro.color = color;
		ro.top = tops[h[7] >> 6];
		ro.folded = folded[h[4] >> 6];
		fz_render_check(r, &ro, base, newp, r->scale);
	}
out:
	hd_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_profile *base, *newp;
	size_t n, split;

	if (size < HEADER)
		return 0;
	n = size - HEADER;
	split = ((size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
		 (size_t)data[3] << 24) % (n + 1);
	base = fz_load(data + HEADER, split);
	if (!base)
		return 0;
	newp = fz_load(data + HEADER + split, n - split);
	if (newp)
		diff(base, newp, data);
	hd_profile_free(base);
	hd_profile_free(newp);
	return 0;
}
