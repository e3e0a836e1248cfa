/*
 * fuzz_native.h - the body of the native dump targets (fuzz_jemalloc.c,
 * fuzz_gperf.c): the input behind a fixed header, so every mutation
 * reaches the one text parser (the header is what the sniffer checks:
 * without it fuzz_load spends its time on bytes no native decoder sees),
 * then the profile through a top report, every format but the pictures,
 * with check.h's oracles.  The memory maps the input names are opened
 * by the symbolizer (regular ELF files only; symbolize.h): the hostile
 * paths and ranges of the corpus test that it neither crashes nor hangs.
 */
#ifndef FUZZ_NATIVE_H
#define FUZZ_NATIVE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void fz_native_top(const struct hd_profile *p)
{
	static const enum hd_format formats[] = {
		HD_FMT_TEXT, HD_FMT_JSON, HD_FMT_FOLDED, HD_FMT_PPROF,
	};
	struct hd_report_opts o;
	struct hd_report *r = NULL;
	struct hd_error err;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	hd_report_opts_init(&o, HD_CMD_TOP);
	rc = hd_report_new(&o, &r, &err);
	fz_check_rc(rc, &err, "hd_report_new");
	if (rc)
		return;
	rc = hd_report_add(r, "fuzz.heap", NULL, p, &err);
	fz_check_rc(rc, &err, "hd_report_add");
	if (!rc) {
		rc = hd_report_finish(r, &err);
		fz_check_rc(rc, &err, "hd_report_finish");
	}
	for (i = 0; !rc && i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct hd_render_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.format = formats[i];
		fz_render_check(r, &ro, p, p, 1.0);
	}
	hd_report_free(r);
}

/* head, then data[0..size), then tail, through the pipeline. */
static int fz_native_run(const char *head, const uint8_t *data, size_t size, const char *tail)
{
	size_t hn = strlen(head), tn = strlen(tail);
	uint8_t *buf = malloc(hn + size + tn + 1);
	struct hd_profile *p;

	if (!buf)
		return 0;
	memcpy(buf, head, hn);
	if (size)
		memcpy(buf + hn, data, size);
	memcpy(buf + hn + size, tail, tn);
	p = fz_load(buf, hn + size + tn);
	free(buf);
	if (!p)
		return 0;
	for (size_t t = 0; t < p->ntypes; t++)
		(void)hd_profile_total(p, t);
	fz_native_top(p);
	hd_profile_free(p);
	return 0;
}

#endif
