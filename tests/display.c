/*
 * display.c - how reports show what a profile says, and what they may cost
 * (issue #20, rows 8-10 and 14-17), from the library's side:
 *
 *   - hd_put_clean: invalid UTF-8 as U+FFFD, C0/C1/DEL and the bidi
 *     controls as visible "\u202e" (JSON: the same as escapes), XML's
 *     five characters as entities, names cut past HD_NAME_DISPLAY_MAX
 *     after a whole character, with "…";
 *   - hd_vfail shows a message by the same rule (lib/base cannot call
 *     lib/render, so the rule is written twice: here they must agree);
 *   - every format and command shows hostile names without one raw
 *     control or bidi byte, as valid UTF-8; JSON parses back to the exact
 *     names, whole, while the other formats cut a long one;
 *   - hd_render's output cap: HD_ERR_LIMIT about HD_SUBJ_MAX_OUTPUT with
 *     the cap in its message, nothing partial, the buffer's max kept; a
 *     buffer without a cap gets HD_DEFAULT_MAX_OUTPUT; folded stacks and
 *     JSON past the cap are refused before they are built;
 *   - rates and rounding saturate instead of wrapping.
 *
 * Profiles are encoded here, in memory (a minimal pprof writer).
 * Usage: display (no arguments).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "input/input.h"
#include "engine/report.h"
#include "render/render.h"

#include "unitcheck.h"

/* ---- a pprof writer ---- */

static void varint(struct hd_buf *b, uint64_t v)
{
	unsigned char c;

	do {
		c = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			c |= 0x80;
		hd_buf_append(b, &c, 1);
	} while (v);
}

static void field_bytes(struct hd_buf *b, unsigned field, const void *p, size_t n)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, n);
	hd_buf_append(b, p, n);
}

static void field_varint(struct hd_buf *b, unsigned field, uint64_t v)
{
	varint(b, (uint64_t)field << 3);
	varint(b, v);
}

/* A message built in m, appended to b as field. */
static void field_msg(struct hd_buf *b, unsigned field, struct hd_buf *m)
{
	field_bytes(b, field, m->data ? m->data : "", m->len);
	hd_buf_reset(m);
}

/*
 * A heap profile of type "T"/"U": function i (1-based) is names[i - 1]
 * in file, at location i; sample s is the stack stacks[s] (location ids,
 * leaf first, 0-terminated) with value values[s].
 */
static struct hd_profile *profile(const char *type, const char *unit, const char *file,
				  const char *const *names, size_t nnames,
				  const uint32_t *const *stacks, const int64_t *values,
				  size_t nsamples, int64_t time_nanos)
{
	struct hd_buf b, m, l;
	struct hd_profile *p = NULL;
	struct hd_error err = {0};
	size_t i;

	hd_buf_init(&b, 0);
	hd_buf_init(&m, 0);
	hd_buf_init(&l, 0);
	/* Strings: 0 "", 1 type, 2 unit, 3 file, 4.. the names. */
	field_varint(&m, 1, 1);
	field_varint(&m, 2, 2);
	field_msg(&b, 1, &m);
	for (i = 0; i < nsamples; i++) {
		const uint32_t *s;

		for (s = stacks[i]; *s; s++)
			varint(&l, *s);
		field_msg(&m, 1, &l);
		varint(&l, (uint64_t)values[i]);
		field_msg(&m, 2, &l);
		field_msg(&b, 2, &m);
	}
	for (i = 1; i <= nnames; i++) {
		field_varint(&m, 1, i);
		field_varint(&l, 1, i);
		field_varint(&l, 2, 10 + i);
		field_msg(&m, 4, &l);
		field_msg(&b, 4, &m);
		field_varint(&m, 1, i);
		field_varint(&m, 2, 3 + i);
		field_varint(&m, 3, 3 + i);
		field_varint(&m, 4, 3);
		field_msg(&b, 5, &m);
	}
	field_bytes(&b, 6, "", 0);
	field_bytes(&b, 6, type, strlen(type));
	field_bytes(&b, 6, unit, strlen(unit));
	field_bytes(&b, 6, file, strlen(file));
	for (i = 0; i < nnames; i++)
		field_bytes(&b, 6, names[i], strlen(names[i]));
	field_varint(&b, 9, (uint64_t)time_nanos);
	if (b.failed || hd_profile_parse((const unsigned char *)b.data, b.len, NULL, &p, &err)) {
		fprintf(stderr, "display: profile: %s\n", err.msg);
		exit(1);
	}
	hd_buf_release(&b);
	hd_buf_release(&m);
	hd_buf_release(&l);
	return p;
}

/* A finished report of c over the n profiles (consumed). */
static struct hd_report *report(enum hd_command c, struct hd_profile **ps, size_t n)
{
	struct hd_report_opts o;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	size_t i;
	int rc;

	hd_report_opts_init(&o, c);
	rc = hd_report_new(&o, &r, &err);
	if (!rc && c == HD_CMD_DIFF)
		rc = hd_report_add_pair(r, "base.pb", ps[0], "new.pb", ps[1], &err);
	for (i = 0; i < n && !rc && c != HD_CMD_DIFF; i++)
		rc = hd_report_add(r, i ? "later.pb" : "first.pb", NULL, ps[i], &err);
	if (!rc)
		rc = hd_report_finish(r, &err);
	if (rc) {
		fprintf(stderr, "display: report: %s\n", err.msg);
		exit(1);
	}
	for (i = 0; i < n; i++)
		hd_profile_free(ps[i]);
	return r;
}

static int render(const struct hd_report *r, enum hd_format f, struct hd_buf *b,
		  struct hd_error *err)
{
	struct hd_render_opts o;

	memset(&o, 0, sizeof(o));
	o.format = f;
	memset(err, 0, sizeof(*err));
	return hd_render(r, &o, b, err);
}

/* ---- bytes no report may hold ---- */

/* Offset of the first invalid UTF-8, raw control but \t and \n, or bidi
 * control in s[0..n), or -1. */
static long first_bad(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = u[i] < 0x80 ? 1 : u[i] >= 0xc2 && u[i] <= 0xdf ? 2 :
			   u[i] >= 0xe0 && u[i] <= 0xef ? 3 : u[i] >= 0xf0 && u[i] <= 0xf4 ? 4 : 0;
		size_t j;

		if (k == 0 || i + k > n)
			return (long)i;
		for (j = 1; j < k; j++)
			if ((u[i + j] & 0xc0) != 0x80)
				return (long)i;
		if (k == 1 && ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') || u[i] == 0x7f))
			return (long)i;
		if (k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
			return (long)i;   /* C1 */
		if (k == 2 && u[i] == 0xd8 && u[i + 1] == 0x9c)
			return (long)i;   /* ALM */
		if (k == 3 && u[i] == 0xe2 && ((u[i + 1] == 0x80 && (u[i + 2] == 0x8e ||
			u[i + 2] == 0x8f || (u[i + 2] >= 0xaa && u[i + 2] <= 0xae))) ||
			(u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9)))
			return (long)i;   /* LRM, RLM, embeddings, overrides, isolates */
		i += k;
	}
	return -1;
}

/* ---- hd_put_clean ---- */

static const char *clean(struct hd_buf *b, const char *s, enum hd_clean mode, size_t max)
{
	hd_buf_reset(b);
	hd_buf_append(b, "", 0);
	CHECK(hd_put_clean(b, s, mode, max) == 0, "hd_put_clean failed");
	return b->data;
}

static void test_put_clean(void)
{
	static const struct { const char *in, *text, *xml, *json; } cases[] = {
		{"plain", "plain", "plain", "plain"},
		{"tab\there\n", "tab\\u0009here\\u000a", "tab\\u0009here\\u000a", "tab\\there\\n"},
		{"esc\033[31m\x7f", "esc\\u001b[31m\\u007f", "esc\\u001b[31m\\u007f",
		 "esc\\u001b[31m\\u007f"},
		{"c1\xc2\x9b\xc2\x9d", "c1\\u009b\\u009d", "c1\\u009b\\u009d", "c1\\u009b\\u009d"},
		{"evil\xe2\x80\xaegnp", "evil\\u202egnp", "evil\\u202egnp", "evil\\u202egnp"},
		{"\xe2\x81\xa6iso\xe2\x81\xa9", "\\u2066iso\\u2069", "\\u2066iso\\u2069",
		 "\\u2066iso\\u2069"},
		{"lrm\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "lrm\\u200e\\u200f\\u061c",
		 "lrm\\u200e\\u200f\\u061c", "lrm\\u200e\\u200f\\u061c"},
		{"bad\xff\xc0\xaf\xed\xa0\x80", "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		 "\xef\xbf\xbd\xef\xbf\xbd", "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		 "\xef\xbf\xbd\xef\xbf\xbd", "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		 "\xef\xbf\xbd\xef\xbf\xbd"},
		{"nc\xef\xbf\xbe", "nc\xef\xbf\xbd", "nc\xef\xbf\xbd", "nc\xef\xbf\xbe"},
		{"<a href='x'>&\"\\", "<a href='x'>&\"\\", "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\\",
		 "<a href='x'>&\\\"\\\\"},
		{"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5",
		 "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5"},
	};
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(strcmp(clean(&b, cases[i].in, HD_CLEAN_TEXT, 0), cases[i].text) == 0,
		      "case %zu text: '%s'", i, b.data);
		CHECK(strcmp(clean(&b, cases[i].in, HD_CLEAN_XML, 0), cases[i].xml) == 0,
		      "case %zu xml: '%s'", i, b.data);
		CHECK(strcmp(clean(&b, cases[i].in, HD_CLEAN_JSON, 0), cases[i].json) == 0,
		      "case %zu json: '%s'", i, b.data);
	}
	CHECK(strcmp(clean(&b, NULL, HD_CLEAN_TEXT, 0), "") == 0, "NULL is \"\"");
	hd_buf_release(&b);
}

static void test_cut(void)
{
	char name[2048];
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b, 0);
	memset(name, 'x', 600);
	name[600] = '\0';
	clean(&b, name, HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX);
	CHECK(b.len == HD_NAME_DISPLAY_MAX + 3 && strcmp(b.data + HD_NAME_DISPLAY_MAX, "…") == 0 &&
	      strspn(b.data, "x") == HD_NAME_DISPLAY_MAX, "600 x: %zu bytes", b.len);
	name[HD_NAME_DISPLAY_MAX] = '\0';
	clean(&b, name, HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX);
	CHECK(b.len == HD_NAME_DISPLAY_MAX, "a name of exactly the limit is whole: %zu", b.len);
	/* 511 x and a 3-byte character: the character would end past 512. */
	memset(name, 'x', 511);
	strcpy(name + 511, "\xe2\x86\x92tail");
	clean(&b, name, HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX);
	CHECK(b.len == 511 + 3 && first_bad(b.data, b.len) < 0, "no half character: %zu", b.len);
	/* Escapes count as they are shown (6) and are never split. */
	for (i = 0; i < 100; i++)
		memcpy(name + 5 * i, "\xe2\x80\xae" "ab", 5);
	name[500] = '\0';
	clean(&b, name, HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX);
	CHECK(b.len == 64 * 8 + 3 && memcmp(b.data + 504, "\\u202eab…", 11) == 0,
	      "escapes: %zu bytes, ends '%s'", b.len, b.len > 20 ? b.data + b.len - 20 : b.data);
	/* JSON is never cut, and XML is cut where text is. */
	clean(&b, name, HD_CLEAN_JSON, 0);
	CHECK(b.len == 100 * 8, "json keeps the name whole: %zu", b.len);
	memset(name, '&', 600);
	name[600] = '\0';
	clean(&b, name, HD_CLEAN_XML, HD_NAME_DISPLAY_MAX);
	CHECK(b.len == 512 * 5 + 3, "xml cuts as text does, then escapes: %zu", b.len);
	hd_buf_release(&b);
}

/* hd_vfail shows a message as hd_put_clean(HD_CLEAN_TEXT) shows it. */
static void test_vfail(void)
{
	static const char *const msgs[] = {
		"plain", "tab\there\nnewline\r", "esc\033[2J\x7f", "c1\xc2\x9b\xc2\x9d\xc2\x85",
		"bidi\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae",
		"iso\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "marks\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c",
		"bad\xff\xfe\xc0\xaf\xe2\x82\xed\xa0\x80\xf4\x90\x80\x80", "nc\xef\xbf\xbe\xef\xbf\xbf",
		"ok caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5 \xe2\x80\xa6 \xc2\xa0",
		"trunc\xe2\x82",
	};
	struct hd_error err;
	struct hd_buf b;
	char big[4096];
	size_t i;

	hd_buf_init(&b, 0);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		hd_fail(&err, HD_ERR_USAGE, "no sample type '%s'", msgs[i]);
		hd_buf_reset(&b);
		hd_buf_puts(&b, "no sample type '");
		hd_put_clean(&b, msgs[i], HD_CLEAN_TEXT, 0);
		hd_buf_puts(&b, "'");
		CHECK(strcmp(err.msg, b.data) == 0, "message %zu: '%s', renderers show '%s'", i,
		      err.msg, b.data);
	}
	/* Too long: one line of valid UTF-8 ending in "…", a whole escape. */
	for (i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, i % 2 ? "\xe2\x80\xae" : "ab\n", 3);
	big[i] = '\0';
	hd_fail(&err, HD_ERR_USAGE, "%s", big);
	i = strlen(err.msg);
	CHECK(i < sizeof(err.msg) && i >= 3 && strcmp(err.msg + i - 3, "…") == 0 &&
	      first_bad(err.msg, i) < 0 && !strchr(err.msg, '\n'),
	      "a long message is cut: %zu bytes, ends '%s'", i, i > 12 ? err.msg + i - 12 : err.msg);
	hd_buf_release(&b);
}

/* ---- numbers ---- */

static void test_saturation(void)
{
	char s[64];

	CHECK(hd_clamp_i64(1e300) == INT64_MAX && hd_clamp_i64(-1e300) == INT64_MIN &&
	      hd_clamp_i64(9223372036854775808.0) == INT64_MAX &&
	      hd_clamp_i64(-9223372036854775808.0) == INT64_MIN && hd_clamp_i64(NAN) == 0 &&
	      hd_clamp_i64(INFINITY) == INT64_MAX && hd_clamp_i64(-2.5) == -3 &&
	      hd_clamp_i64(9223372036854774784.0) == INT64_C(9223372036854774784),
	      "hd_clamp_i64 saturates and rounds");
	hd_format_rate(s, sizeof(s), INT64_C(1) << 62, 1, "bytes");
	CHECK(s[0] == '+' && strstr(s, "/s"), "2^62 B in 1 ns grows: '%s'", s);
	hd_format_rate(s, sizeof(s), -(INT64_C(1) << 62), 1, "bytes");
	CHECK(s[0] == '-', "2^62 B in 1 ns shrinks: '%s'", s);
	hd_format_rate(s, sizeof(s), INT64_MIN, 1, "count");
	CHECK(s[0] == '-', "INT64_MIN in 1 ns: '%s'", s);
	hd_format_slope(s, sizeof(s), 1e30, "bytes");
	CHECK(s[0] == '+', "a slope of 1e30: '%s'", s);
}

/* ---- every format and command, hostile names ---- */

#define LONG_NAME (64 * 1024)

static const char *const hostile[] = {
	"main", "evil\xe2\x80\xaegnp.exe", "iso\xe2\x81\xa6late\xe2\x81\xa9", "csi\xc2\x9b" "2J",
	"osc\xc2\x9d" "0;x\a", "nl\nline", "bad\xff\xfe", "esc\033[31mred", NULL /* long */,
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static struct hd_profile *hostile_profile(const char *long_name, int64_t scale, int64_t t)
{
	const char *names[NHOSTILE];
	uint32_t st[NHOSTILE - 1][3];
	const uint32_t *stacks[NHOSTILE - 1];
	int64_t values[NHOSTILE - 1];
	size_t i;

	memcpy(names, hostile, sizeof(names));
	names[NHOSTILE - 1] = long_name;
	for (i = 0; i + 1 < NHOSTILE; i++) {
		st[i][0] = (uint32_t)i + 2;   /* every name but main, under main */
		st[i][1] = 1;
		st[i][2] = 0;
		stacks[i] = st[i];
		values[i] = scale * (int64_t)(i + 1);
	}
	return profile("inuse\xe2\x80\xae_space\xc2\x9b", "bytes\xe2\x81\xa6",
		       "dir\xe2\x80\xae/f\xc2\x9b.go", names, NHOSTILE, stacks, values,
		       NHOSTILE - 1, t);
}

/* The names in a parsed JSON report's functions. */
static int json_has(const cJSON *doc, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(doc, "functions")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return 1;
	}
	return 0;
}

static void test_formats(void)
{
	static const char *const fmts[] = {"text", "markdown", "json", "folded", "svg", "html"};
	char *long_name = malloc(LONG_NAME + 1);
	struct hd_report *reps[3];
	enum hd_format f;
	int c;

	memset(long_name, 'L', LONG_NAME);
	long_name[LONG_NAME] = '\0';
	{
		struct hd_profile *top[1] = {hostile_profile(long_name, 100, 1700000000000000000)};
		struct hd_profile *diff[2] = {hostile_profile(long_name, 100, 1700000000000000000),
					      hostile_profile(long_name, 300, 1700000060000000000)};
		struct hd_profile *trend[3] = {hostile_profile(long_name, 100, 1700000000000000000),
					       hostile_profile(long_name, 200, 1700000060000000000),
					       hostile_profile(long_name, 300, 1700000120000000000)};

		reps[0] = report(HD_CMD_TOP, top, 1);
		reps[1] = report(HD_CMD_DIFF, diff, 2);
		reps[2] = report(HD_CMD_TREND, trend, 3);
	}
	for (f = HD_FMT_TEXT; f <= HD_FMT_HTML; f++)
		for (c = 0; c < 3; c++) {
			struct hd_error err;
			struct hd_buf b;
			long bad;

			if (f == HD_FMT_HTML && c != HD_CMD_TREND)
				continue;
			hd_buf_init(&b, 0);
			CHECK(render(reps[c], f, &b, &err) == 0, "%s, command %d: %s", fmts[f], c,
			      err.msg);
			bad = first_bad(b.data, b.len);
			CHECK(bad < 0, "%s, command %d: raw byte 0x%02x at %ld: ...%.40s", fmts[f], c,
			      bad < 0 ? 0 : (unsigned char)b.data[bad], bad,
			      bad < 0 ? "" : b.data + (bad > 20 ? bad - 20 : 0));
			if (f == HD_FMT_JSON) {
				cJSON *doc = cJSON_ParseWithLength(b.data, b.len);

				CHECK(doc && json_has(doc, "evil\xe2\x80\xaegnp.exe") &&
				      json_has(doc, "osc\xc2\x9d" "0;x\a") && json_has(doc, long_name),
				      "json, command %d: names parse back whole, controls and all", c);
				cJSON_Delete(doc);
			} else {
				CHECK(b.data && strstr(b.data, "evil\\u202egnp.exe") &&
				      !strstr(b.data, long_name + LONG_NAME - HD_NAME_DISPLAY_MAX - 1),
				      "%s, command %d: escapes shown, the long name cut", fmts[f], c);
			}
			hd_buf_release(&b);
		}
	for (c = 0; c < 3; c++)
		hd_report_free(reps[c]);
	free(long_name);
}

/* ---- the output cap ---- */

static size_t cjson_bytes;

static void *counting_malloc(size_t n)
{
	cjson_bytes += n;
	return malloc(n);
}

/* n leaves under a chain of depth callers whose names are len bytes:
 * folded stacks of about n * depth * len bytes from a small profile. */
static struct hd_report *bomb(size_t n, size_t depth, size_t len)
{
	size_t nn = depth + n, i, k;
	char **names = malloc(nn * sizeof(*names));
	uint32_t **stacks = malloc(n * sizeof(*stacks));
	int64_t *values = malloc(n * sizeof(*values));
	struct hd_profile *p;
	struct hd_report *r;

	for (i = 0; i < nn; i++) {
		names[i] = malloc(len + 1);
		memset(names[i], 'a' + (char)(i % 26), len);
		snprintf(names[i], len + 1, "f%zu", i);
		names[i][strlen(names[i])] = 'x';
		names[i][len] = '\0';
	}
	for (i = 0; i < n; i++) {
		stacks[i] = malloc((depth + 2) * sizeof(uint32_t));
		stacks[i][0] = (uint32_t)(depth + i + 1);
		for (k = 0; k < depth; k++)
			stacks[i][k + 1] = (uint32_t)(depth - k);
		stacks[i][depth + 1] = 0;
		values[i] = 1;
	}
	p = profile("inuse_space", "bytes", "f.go", (const char *const *)names, nn,
		    (const uint32_t *const *)stacks, values, n, 0);
	r = report(HD_CMD_TOP, &p, 1);
	for (i = 0; i < nn; i++)
		free(names[i]);
	for (i = 0; i < n; i++)
		free(stacks[i]);
	free(names);
	free(stacks);
	free(values);
	return r;
}

static void test_cap(void)
{
	struct hd_report *small = bomb(3, 3, 20);
	/* 400 x 500 x 500 bytes: 100 MB of folded stacks, past the default. */
	struct hd_report *big = bomb(400, 500, 500);
	enum hd_format f;
	struct hd_error err;
	struct hd_buf b;
	clock_t t0;
	int rc;

	for (f = HD_FMT_TEXT; f <= HD_FMT_SVG; f++) {
		size_t full;

		hd_buf_init(&b, 0);
		rc = render(small, f, &b, &err);
		full = b.len;
		CHECK(rc == 0 && full > 10 && b.max == SIZE_MAX,
		      "format %d: rc %d, the buffer's max left as it was", (int)f, rc);
		hd_buf_release(&b);
		/* Room for all but one byte of the report. */
		hd_buf_init(&b, 4 + full);
		hd_buf_puts(&b, "kept");
		rc = render(small, f, &b, &err);
		CHECK(rc == HD_ERR_LIMIT && err.code == HD_ERR_LIMIT &&
		      err.subject == HD_SUBJ_MAX_OUTPUT && b.len == 4 && !b.failed &&
		      strcmp(b.data, "kept") == 0 && b.max == 4 + full,
		      "format %d one byte short: rc %d, subject %d, %zu bytes kept", (int)f, rc,
		      (int)err.subject, b.len);
		if (f == HD_FMT_TEXT) {
			char want[128];

			snprintf(want, sizeof(want), "the report would exceed the output limit of "
				 "%zu bytes", full - 1);
			CHECK(strcmp(err.msg, want) == 0, "'%s', expected '%s'", err.msg, want);
		}
		hd_buf_release(&b);
		/* Exactly the room it needs. */
		hd_buf_init(&b, 4 + full + 1);
		hd_buf_puts(&b, "kept");
		CHECK(render(small, f, &b, &err) == 0 && b.len == 4 + full,
		      "format %d with exactly its room: %s", (int)f, err.msg);
		hd_buf_release(&b);
	}
	/* No cap: the default, and the folded bomb is refused before it is
	 * built (milliseconds, not 100 MB of stacks). */
	hd_buf_init(&b, 0);
	t0 = clock();
	rc = render(big, HD_FMT_FOLDED, &b, &err);
	CHECK(rc == HD_ERR_LIMIT && err.subject == HD_SUBJ_MAX_OUTPUT && b.len == 0 &&
	      strcmp(err.msg, "the report would exceed the output limit of 64 MiB") == 0 &&
	      b.max == SIZE_MAX, "folded bomb: rc %d, '%s'", rc, err.msg);
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5, "folded bomb refused in %.2f s",
	      (double)(clock() - t0) / CLOCKS_PER_SEC);
	hd_buf_release(&b);
	/* Past a cap of 256 KiB (the big report is 0.5 to 1 MB but folded):
	 * every format refuses, JSON before cJSON holds the names. */
	for (f = HD_FMT_TEXT; f <= HD_FMT_SVG; f++) {
		cJSON_Hooks hooks = {counting_malloc, free};

		cjson_bytes = 0;
		cJSON_InitHooks(&hooks);
		hd_buf_init(&b, ((size_t)256 << 10) + 1);
		rc = render(big, f, &b, &err);
		CHECK(rc == HD_ERR_LIMIT && b.len == 0 && strcmp(err.msg, "the report would exceed "
								  "the output limit of 256 KiB") == 0,
		      "format %d past 256 KiB: rc %d '%s'", (int)f, rc, err.msg);
		CHECK(cjson_bytes < 16384, "format %d: cJSON took %zu bytes for a refusal", (int)f,
		      cjson_bytes);
		cJSON_InitHooks(NULL);
		hd_buf_release(&b);
	}
	hd_report_free(small);
	hd_report_free(big);
}

int main(void)
{
	test_put_clean();
	test_cut();
	test_vfail();
	test_saturation();
	test_formats();
	test_cap();
	printf("display: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
