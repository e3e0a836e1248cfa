/*
 * fuzz_load.c - libFuzzer target: one untrusted profile through the whole
 * pipeline of `heapdiff top`.
 *
 * The input is a profile file as heapdiff reads it (gzip or raw
 * profile.proto): hd_load_mem with a 64 MiB cap, hd_profile_parse, the
 * sample-type accessors, then a top report (with a --fail-on rule) rendered
 * in every format.  check.h's oracles run on every result; everything is
 * freed, so LeakSanitizer sees any leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Sample type lookups as --sample-index spells them. */
static void sample_types(const struct hd_profile *p)
{
	static const char *const specs[] = {
		NULL, "", "0", "1", "-1", "99999999999999999999", "inuse_space",
		"space", "alloc_objects", "objects",
	};
	size_t i, n = hd_profile_sample_type_count(p), idx;
	struct hd_error err;
	int rc;

	for (i = 0; i < n; i++) {
		const char *unit = NULL, *name = hd_profile_sample_type(p, i, &unit);

		FZ_ASSERT(name && unit, "sample type %zu has no name or unit", i);
		(void)hd_profile_total(p, i);
	}
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		memset(&err, 0, sizeof(err));
		idx = SIZE_MAX;
		rc = hd_profile_find_sample_type(p, specs[i], &idx, &err);
		fz_check_rc(rc, &err, "hd_profile_find_sample_type");
		if (rc == 0)
			FZ_ASSERT(idx < n, "sample type '%s' found at %zu of %zu",
				  specs[i] ? specs[i] : "(null)", idx, n);
		else
			FZ_ASSERT(specs[i] && *specs[i] ? 1 : n == 0,
				  "no default sample type in a profile with %zu types", n);
	}
	(void)hd_profile_time_nanos(p);
	(void)hd_profile_duration_nanos(p);
	(void)hd_profile_sample_count(p);
}

static void top_report(const struct hd_profile *p)
{
	static const enum hd_format formats[] = {
		HD_FMT_TEXT, HD_FMT_MARKDOWN, HD_FMT_JSON, HD_FMT_FOLDED, HD_FMT_SVG, HD_FMT_PPROF,
	};
	struct hd_report_opts o;
	struct hd_report *r = NULL;
	struct hd_rule rule;
	struct hd_error err;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	hd_report_opts_init(&o, HD_CMD_TOP);
	rc = hd_report_new(&o, &r, &err);
	fz_check_rc(rc, &err, "hd_report_new");
	if (rc)
		return;
	rc = hd_report_add(r, "fuzz.pb.gz", NULL, p, &err);
	fz_check_rc(rc, &err, "hd_report_add");
	if (rc)
		goto out;
	rc = hd_report_finish(r, &err);
	fz_check_rc(rc, &err, "hd_report_finish");
	if (rc)
		goto out;
	rc = hd_rule_parse("func:+1MiB", &rule, &err);
	FZ_ASSERT(rc == 0, "hd_rule_parse(func:+1MiB): %s", err.msg);
	rc = hd_report_check(r, r, &rule, &err);
	fz_check_rc(rc, &err, "hd_report_check");

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct hd_render_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.format = formats[i];
		fz_render_check(r, &ro, p, p, 1.0);
	}
out:
	hd_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_profile *p = fz_load(data, size);

	if (!p)
		return 0;
	sample_types(p);
	top_report(p);
	hd_profile_free(p);
	return 0;
}
