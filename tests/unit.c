/*
 * unit.c - unit tests for lib/: validation messages, the loader's gzip
 * handling and caps, sample type selection, the model's flat/cum rules
 * (recursion counted once, saturation, deep stacks without recursion),
 * path cleaning, and the size grammar of options and rule limits.  Profiles are built with protobuf-c and packed, so
 * every input is a real profile.proto message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "input/input.h"
#include "engine/report.h"
#include "profile.pb-c.h"

#include "unitcheck.h"

/* ---- a tiny profile builder on top of the generated structs ---- */

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Mapping Mapping;

struct builder {
	Profile p;
	char *strs[64];
	ValueType vt[4], *vtp[4];
	Function fn[64], *fnp[64];
	Location loc[64], *locp[64];
	Line line[64], *linep[64];
	Sample s[64], *sp[64];
	Mapping map[4], *mapp[4];
	uint64_t locids[64][200];
	int64_t vals[64][4];
};

static int64_t str(struct builder *b, const char *s)
{
	size_t i;

	for (i = 0; i < b->p.n_string_table; i++)
		if (strcmp(b->strs[i], s) == 0)
			return (int64_t)i;
	b->strs[i] = (char *)s;
	b->p.n_string_table++;
	return (int64_t)i;
}

static void b_init(struct builder *b, int ntypes)
{
	static const char *const types[][2] = {
		{"alloc_objects", "count"}, {"alloc_space", "bytes"},
		{"inuse_objects", "count"}, {"inuse_space", "bytes"},
	};
	int i;

	memset(b, 0, sizeof(*b));
	perftools__profiles__profile__init(&b->p);
	b->p.string_table = b->strs;
	str(b, "");
	for (i = 0; i < ntypes; i++) {
		perftools__profiles__value_type__init(&b->vt[i]);
		b->vt[i].type = str(b, types[4 - ntypes + i][0]);
		b->vt[i].unit = str(b, types[4 - ntypes + i][1]);
		b->vtp[i] = &b->vt[i];
	}
	b->p.sample_type = b->vtp;
	b->p.n_sample_type = (size_t)ntypes;
	b->p.function = b->fnp;
	b->p.location = b->locp;
	b->p.sample = b->sp;
	b->p.mapping = b->mapp;
}

/* Function i+1 named name, and a location i+1 with one line calling it. */
static void b_func(struct builder *b, const char *name)
{
	size_t i = b->p.n_function;

	perftools__profiles__function__init(&b->fn[i]);
	b->fn[i].id = i + 1;
	b->fn[i].name = str(b, name);
	b->fn[i].filename = str(b, "/src/./x/../main.go");
	b->fnp[i] = &b->fn[i];
	b->p.n_function++;
	perftools__profiles__location__init(&b->loc[i]);
	perftools__profiles__line__init(&b->line[i]);
	b->line[i].function_id = i + 1;
	b->line[i].line = (int64_t)(10 + i);
	b->linep[i] = &b->line[i];
	b->loc[i].id = i + 1;
	b->loc[i].line = &b->linep[i];
	b->loc[i].n_line = 1;
	b->locp[i] = &b->loc[i];
	b->p.n_location++;
}

/* A sample: locations given leaf first as 1-based ids, one value. */
static void b_sample(struct builder *b, int64_t v, size_t n, const uint64_t *ids)
{
	size_t i = b->p.n_sample, k;

	perftools__profiles__sample__init(&b->s[i]);
	for (k = 0; k < n; k++)
		b->locids[i][k] = ids[k];
	b->s[i].location_id = b->locids[i];
	b->s[i].n_location_id = n;
	for (k = 0; k < b->p.n_sample_type; k++)
		b->vals[i][k] = v;
	b->s[i].value = b->vals[i];
	b->s[i].n_value = b->p.n_sample_type;
	b->sp[i] = &b->s[i];
	b->p.n_sample++;
}

static int parse_msg(Profile *p, struct hd_profile **out, struct hd_error *err)
{
	size_t n = perftools__profiles__profile__get_packed_size(p);
	uint8_t *buf = malloc(n + 1);
	int rc;

	perftools__profiles__profile__pack(p, buf);
	memset(err, 0, sizeof(*err));
	rc = hd_profile_parse(buf, n, NULL, out, err);
	free(buf);
	return rc;
}

static void expect_rc(int rc, struct hd_profile *p, const struct hd_error *err,
		      int code, const char *msg, int line)
{
	checks++;
	if (rc != code || strcmp(err->msg, msg) != 0) {
		failures++;
		fprintf(stderr, "unit.c:%d: FAIL: want %d '%s', got %d '%s'\n",
			line, code, msg, rc, err->msg);
	}
	hd_profile_free(p);
}

static void expect_error(struct builder *b, int code, const char *msg, int line)
{
	struct hd_profile *p = NULL;
	struct hd_error err;
	int rc = parse_msg(&b->p, &p, &err);

	expect_rc(rc, p, &err, code, msg, line);
}
#define EXPECT_ERROR(b, code, msg) expect_error(b, code, msg, __LINE__)

/* Raw bytes that must be refused as malformed protobuf, with message
 * "not a pprof profile (malformed protobuf at byte N: WHY)". */
#define EXPECT_WIRE(why, ...) do { \
	static const unsigned char raw_[] = {__VA_ARGS__}; \
	struct hd_profile *p_ = NULL; \
	struct hd_error e_; \
	memset(&e_, 0, sizeof(e_)); \
	expect_rc(hd_profile_parse(raw_, sizeof(raw_), NULL, &p_, &e_), p_, &e_, HD_ERR_FORMAT, \
		  "not a pprof profile (malformed protobuf at byte " why ")", __LINE__); \
} while (0)


static void base_profile(struct builder *b)
{
	static const uint64_t st1[] = {1, 2, 3}, st2[] = {2, 3};

	b_init(b, 2);
	b_func(b, "main.leaf");
	b_func(b, "main.mid");
	b_func(b, "main.main");
	b_sample(b, 100, 3, st1);
	b_sample(b, 10, 2, st2);
}

static void test_validation(void)
{
	struct builder b;
	struct hd_profile *p = NULL;
	struct hd_error err;

	base_profile(&b);
	CHECK(parse_msg(&b.p, &p, &err) == 0, "valid profile rejected: %s", err.msg);
	CHECK(p && hd_profile_sample_count(p) == 2, "sample count");
	hd_profile_free(p);

	base_profile(&b);
	b.strs[0] = "x";
	EXPECT_ERROR(&b, HD_ERR_INVALID, "string_table[0] is not the empty string");

	base_profile(&b);
	b.s[1].n_value = 1;
	EXPECT_ERROR(&b, HD_ERR_INVALID, "sample 1 has 1 value but the profile has 2 sample types");

	base_profile(&b);
	b.fn[1].id = 0;
	EXPECT_ERROR(&b, HD_ERR_INVALID, "function 1 has id 0 (ids must be non-zero)");

	base_profile(&b);
	b.loc[2].id = 1;
	EXPECT_ERROR(&b, HD_ERR_INVALID, "two locations have the same id 1");

	base_profile(&b);
	b.locids[0][1] = 9;
	EXPECT_ERROR(&b, HD_ERR_INVALID, "sample 0 refers to location id 9, which does not exist");

	base_profile(&b);
	b.line[0].function_id = 7;
	EXPECT_ERROR(&b, HD_ERR_INVALID, "location id 1 refers to function id 7, which does not exist");

	base_profile(&b);
	b.loc[0].mapping_id = 5;
	EXPECT_ERROR(&b, HD_ERR_INVALID, "location id 1 refers to mapping id 5, which does not exist");

	base_profile(&b);
	b.fn[2].name = 99;
	EXPECT_ERROR(&b, HD_ERR_INVALID,
		     "function 2 has string index 99, outside the string table of 9 entries");

	base_profile(&b);
	b.p.n_sample_type = 0;
	EXPECT_ERROR(&b, HD_ERR_INVALID, "the profile has 2 samples but no sample types");

	/* Comments are checked without being kept: the first bad one is
	 * found again and named. */
	{
		int64_t comments[4] = {1, 2, 40, 99};

		base_profile(&b);
		b.p.comment = comments;
		b.p.n_comment = 4;
		EXPECT_ERROR(&b, HD_ERR_INVALID,
			     "comment 2 has string index 40, outside the string table of 9 entries");
		b.p.n_comment = 2;
		p = NULL;
		CHECK(parse_msg(&b.p, &p, &err) == 0, "two good comments: %s", err.msg);
		hd_profile_free(p);
	}


	/* The wire format, at the top level and inside a Sample (which needs
	 * a string table and a sample type to be reached: 0a 00 32 00). */
	EXPECT_WIRE("0: varint longer than 10 bytes",
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
	EXPECT_WIRE("1: truncated varint", 0x48, 0x80);
	EXPECT_WIRE("0: field 2 (sample) has wire type 0, expected 2", 0x10, 0x01);
	EXPECT_WIRE("0: field 9 (time_nanos) has wire type 2, expected 0", 0x4a, 0x00);
	EXPECT_WIRE("1: field 6 has length 5, past the end of the data", 0x32, 0x05, 'a');
	EXPECT_WIRE("0: field 1 has wire type 3, which is not supported", 0x0b);
	EXPECT_WIRE("0: field number 0 is out of range", 0x00);
	EXPECT_WIRE("2: field 20 is a truncated 64-bit value", 0xa1, 0x01, 1, 2, 3);
	EXPECT_WIRE("2: truncated varint", 0x22, 0x02, 0xff, 0xff);
	EXPECT_WIRE("2: field 4 (line) has wire type 0, expected 2", 0x22, 0x02, 0x20, 0x01);
	EXPECT_WIRE("4: field 1 (function_id) has wire type 2, expected 0",
		    0x22, 0x04, 0x22, 0x02, 0x0a, 0x00);
	EXPECT_WIRE("2: field 2 (name) has wire type 5, expected 0",
		    0x2a, 0x05, 0x15, 0x00, 0x00, 0x00, 0x00);
	EXPECT_WIRE("6: field 2 (value) has wire type 5, expected 0 or 2",
		    0x0a, 0x00, 0x32, 0x00, 0x12, 0x05, 0x15, 0x01, 0x02, 0x03, 0x04);
	EXPECT_WIRE("8: truncated varint",
		    0x0a, 0x00, 0x32, 0x00, 0x12, 0x03, 0x0a, 0x01, 0x80);
	EXPECT_WIRE("6: field 3 (label) has wire type 0, expected 2",
		    0x0a, 0x00, 0x32, 0x00, 0x12, 0x02, 0x18, 0x01);
	EXPECT_WIRE("8: field 1 (key) has wire type 2, expected 0",
		    0x0a, 0x00, 0x32, 0x00, 0x12, 0x04, 0x1a, 0x02, 0x0a, 0x00);
	/* Packed and unpacked repeated fields read alike, in pieces. */
	{
		static const unsigned char ok[] = {
			0x0a, 0x00, 0x32, 0x00, 0x12, 0x06, 0x10, 0x05, 0x12, 0x02, 0x00, 0x00,
		};
		CHECK(hd_profile_parse(ok, sizeof(ok), NULL, &p, &err) == HD_ERR_INVALID &&
		      strcmp(err.msg, "sample 0 has 3 values but the profile has 1 sample type") == 0,
		      "pieces: %s", err.msg);
		hd_profile_free(p);
	}
}

static void test_sample_types(void)
{
	struct builder b;
	struct hd_profile *p = NULL;
	struct hd_error err;
	size_t i = 99;

	b_init(&b, 4);
	CHECK(parse_msg(&b.p, &p, &err) == 0, "parse: %s", err.msg);
	CHECK(hd_profile_find_sample_type(p, NULL, &i, &err) == 0 && i == 3, "default is last");
	CHECK(hd_profile_find_sample_type(p, "space", &i, &err) == 0 && i == 3, "space");
	CHECK(hd_profile_find_sample_type(p, "alloc_space", &i, &err) == 0 && i == 1, "alloc_space");
	CHECK(hd_profile_find_sample_type(p, "0", &i, &err) == 0 && i == 0, "index 0");
	CHECK(hd_profile_find_sample_type(p, "4", &i, &err) == HD_ERR_USAGE &&
	      strcmp(err.msg, "sample index 4 is outside the range 0..3") == 0, "%s", err.msg);
	CHECK(hd_profile_find_sample_type(p, "cpu", &i, &err) == HD_ERR_USAGE &&
	      strcmp(err.msg, "no sample type 'cpu' (the profile has: alloc_objects, "
		     "alloc_space, inuse_objects, inuse_space)") == 0, "%s", err.msg);
	hd_profile_free(p);

	b_init(&b, 4);
	b.p.default_sample_type = 3; /* string 3 is "alloc_space" */
	CHECK(parse_msg(&b.p, &p, &err) == 0, "parse: %s", err.msg);
	CHECK(hd_profile_find_sample_type(p, "", &i, &err) == 0 && i == 1,
	      "default_sample_type honoured (got %zu)", i);
	hd_profile_free(p);
}

static void gzip_mem(const void *in, size_t n, unsigned char **out, size_t *outn)
{
	z_stream zs;
	size_t cap = n + n / 100 + 64;

	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY);
	*out = malloc(cap);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = *out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	*outn = cap - zs.avail_out;
	deflateEnd(&zs);
}

static void test_loader(void)
{
	struct hd_buf out;
	struct hd_error err;
	unsigned char *gz, *two;
	size_t gzn, i;
	char *big = calloc(1, 4 << 20);
	static const char hello[] = "hello, profile";

	gzip_mem(hello, sizeof(hello), &gz, &gzn);
	CHECK(hd_load_mem(gz, gzn, 0, &out, &err) == 0 && out.len == sizeof(hello) &&
	      memcmp(out.data, hello, out.len) == 0, "gunzip");
	hd_buf_release(&out);

	/* Two members, as gzip -c a b writes them. */
	two = malloc(2 * gzn);
	memcpy(two, gz, gzn);
	memcpy(two + gzn, gz, gzn);
	CHECK(hd_load_mem(two, 2 * gzn, 0, &out, &err) == 0 && out.len == 2 * sizeof(hello),
	      "multi-member gzip");
	hd_buf_release(&out);
	free(two);

	CHECK(hd_load_mem(gz, gzn - 5, 0, &out, &err) == HD_ERR_FORMAT &&
	      strcmp(err.msg, "truncated gzip data (unexpected end of file)") == 0,
	      "truncated: %s", err.msg);
	gz[gzn - 6] ^= 0x55; /* the CRC */
	CHECK(hd_load_mem(gz, gzn, 0, &out, &err) == HD_ERR_FORMAT &&
	      strcmp(err.msg, "corrupt gzip data: incorrect data check") == 0,
	      "bad crc: %s", err.msg);
	free(gz);

	/* A bomb: 4 MiB of zeros against a 1 MiB cap stops at the cap. */
	gzip_mem(big, 4 << 20, &gz, &gzn);
	CHECK(gzn < 16384, "bomb is small (%zu)", gzn);
	CHECK(hd_load_mem(gz, gzn, 1 << 20, &out, &err) == HD_ERR_LIMIT &&
	      strcmp(err.msg, "decompressed profile exceeds the size limit of 1 MiB") == 0 &&
	      err.subject == HD_SUBJ_MAX_SIZE,
	      "bomb: %s", err.msg);
	CHECK(hd_load_mem(gz, gzn, 4 << 20, &out, &err) == 0 && out.len == (4 << 20),
	      "exactly at the cap is fine");
	hd_buf_release(&out);
	free(gz);
	for (i = 0; i < 16; i++)
		big[i] = 'x';
	CHECK(hd_load_mem((unsigned char *)big, 4 << 20, 1 << 20, &out, &err) == HD_ERR_LIMIT,
	      "raw past the cap");
	free(big);
}

static struct hd_model *model_of(struct builder *b, const struct hd_model_opts *mo)
{
	struct hd_profile *p = NULL;
	struct hd_model *m = NULL;
	struct hd_error err;
	struct hd_add_opts ao = {0, 1.0, NULL, SIZE_MAX};

	if (parse_msg(&b->p, &p, &err) || hd_model_new(mo, &m, &err) ||
	    hd_model_add(m, p, &ao, &err) < 0 || hd_model_finish(m, 1, HD_ORDER_GIVEN, &err)) {
		fprintf(stderr, "model_of: %s\n", err.msg);
		exit(1);
	}
	hd_profile_free(p);
	return m;
}

static int64_t value_of(struct hd_model *m, const char *name, int cum)
{
	size_t i;

	for (i = 0; i < hd_model_frame_count(m); i++)
		if (strcmp(hd_model_frame(m, (uint32_t)i)->name, name) == 0)
			return (cum ? hd_model_cum(m, 0) : hd_model_flat(m, 0))[i];
	return -12345;
}

static void test_model(void)
{
	struct hd_model_opts mo = {HD_GRAN_FUNCTIONS, NULL, NULL, NULL, NULL};
	struct builder b;
	struct hd_model *m;
	static const uint64_t rec[] = {1, 2, 1, 2, 3}; /* leaf..root, recursive */
	static uint64_t deep[200];
	size_t i;

	b_init(&b, 1);
	b_func(&b, "a");
	b_func(&b, "b");
	b_func(&b, "main");
	b_sample(&b, 7, 5, rec);
	m = model_of(&b, &mo);
	CHECK(value_of(m, "a", 0) == 7 && value_of(m, "a", 1) == 7, "recursion counted once");
	CHECK(value_of(m, "b", 0) == 0 && value_of(m, "b", 1) == 7, "b cum");
	hd_model_free(m);

	/* Saturation, not wrap-around. */
	b_init(&b, 1);
	b_func(&b, "a");
	b_sample(&b, INT64_MAX, 1, rec);
	b_sample(&b, INT64_MAX, 1, rec);
	m = model_of(&b, &mo);
	CHECK(value_of(m, "a", 0) == INT64_MAX, "saturated flat");
	hd_model_free(m);

	/* Granularity lines, and pprof's path cleaning. */
	mo.granularity = HD_GRAN_LINES;
	b_init(&b, 1);
	b_func(&b, "a");
	b_sample(&b, 5, 1, rec);
	m = model_of(&b, &mo);
	CHECK(value_of(m, "a /src/main.go:10", 0) == 5, "lines name: %s",
	      hd_model_frame(m, 0)->name);
	hd_model_free(m);

	/* --hide removes frames, --focus keeps samples through a frame. */
	mo.granularity = HD_GRAN_FUNCTIONS;
	mo.hide = "^b$";
	b_init(&b, 1);
	b_func(&b, "a");
	b_func(&b, "b");
	b_func(&b, "main");
	b_sample(&b, 7, 5, rec);
	m = model_of(&b, &mo);
	CHECK(value_of(m, "b", 1) == -12345 && value_of(m, "main", 1) == 7, "hide");
	hd_model_free(m);
	mo.hide = NULL;

	/* 200 distinct frames deep: a walk, not a recursion. */
	b_init(&b, 1);
	for (i = 0; i < 60; i++) {
		static char names[60][8];
		snprintf(names[i], sizeof(names[i]), "f%zu", i);
		b_func(&b, names[i]);
	}
	for (i = 0; i < 200; i++)
		deep[i] = 1 + i % 60;
	b_sample(&b, 3, 200, deep);
	m = model_of(&b, &mo);
	CHECK(value_of(m, "f0", 0) == 3 && value_of(m, "f59", 1) == 3, "deep stack");
	CHECK(hd_model_node_count(m) == 201, "one node per level (%zu)", hd_model_node_count(m));
	hd_model_free(m);
}

/* hd_model_stack_values(): one column's distinct stacks, root first. */
struct walked {
	char stacks[3][64];
	int64_t values[3];
	int n, stop_at;
};

static int walk_one(void *ctx, const uint32_t *frames, uint32_t n, int64_t value)
{
	struct walked *w = ctx;
	uint32_t k;

	if (w->n >= 3)
		return -1;
	w->stacks[w->n][0] = '\0';
	for (k = 0; k < n; k++)
		snprintf(w->stacks[w->n] + strlen(w->stacks[w->n]),
			 sizeof(w->stacks[0]) - strlen(w->stacks[w->n]), "%s%u", k ? ";" : "",
			 (unsigned)frames[k]);
	w->values[w->n++] = value;
	return w->n == w->stop_at ? 7 : 0;
}

static void test_stack_values(void)
{
	struct hd_model_opts mo = {HD_GRAN_FUNCTIONS, NULL, NULL, NULL, NULL};
	static const uint64_t abm[] = {1, 2, 3}, bm[] = {2, 3}, am[] = {1, 3};
	struct builder b;
	struct hd_model *m;
	struct walked w;
	char want[2][64];
	uint32_t fa = 0, fb = 0, fm = 0, i;

	b_init(&b, 1);
	b_func(&b, "a");
	b_func(&b, "b");
	b_func(&b, "main");
	b_sample(&b, 5, 3, abm);
	b_sample(&b, 4, 2, bm);
	b_sample(&b, 7, 3, abm);   /* the same stack again: summed */
	b_sample(&b, -4, 2, bm);   /* main;b sums to 0: left out */
	b_sample(&b, 3, 2, am);
	m = model_of(&b, &mo);
	for (i = 0; i < hd_model_frame_count(m); i++) {
		const char *n = hd_model_frame(m, i)->name;

		*(strcmp(n, "a") == 0 ? &fa : strcmp(n, "b") == 0 ? &fb : &fm) = i;
	}
	snprintf(want[0], sizeof(want[0]), "%u;%u;%u", (unsigned)fm, (unsigned)fb, (unsigned)fa);
	snprintf(want[1], sizeof(want[1]), "%u;%u", (unsigned)fm, (unsigned)fa);
	memset(&w, 0, sizeof(w));
	CHECK(hd_model_stack_values(m, 0, walk_one, &w) == 0 && w.n == 2,
	      "two non-zero stacks (%d)", w.n);
	CHECK(strcmp(w.stacks[0], want[0]) == 0 && w.values[0] == 12 &&
	      strcmp(w.stacks[1], want[1]) == 0 && w.values[1] == 3,
	      "stacks root first, summed, in the column's order: %s=%lld %s=%lld",
	      w.stacks[0], (long long)w.values[0], w.stacks[1], (long long)w.values[1]);
	memset(&w, 0, sizeof(w));
	w.stop_at = 1;
	CHECK(hd_model_stack_values(m, 0, walk_one, &w) == 7 && w.n == 1,
	      "a callback's non-zero return stops the walk");
	hd_model_free(m);
}

/* The period and its type reach the profile (render/pprof.c writes them). */
static void test_period(void)
{
	struct hd_profile *p = NULL;
	struct hd_error err;
	struct builder b;
	ValueType pt;

	b_init(&b, 1);
	b.p.period = 524288;
	perftools__profiles__value_type__init(&pt);
	pt.type = str(&b, "space");
	pt.unit = str(&b, "bytes");
	b.p.period_type = &pt;
	CHECK(parse_msg(&b.p, &p, &err) == 0 && p->period == 524288 &&
	      strcmp(p->period_type, "space") == 0 && strcmp(p->period_unit, "bytes") == 0,
	      "period and period_type decoded");
	hd_profile_free(p);
}

static void test_clean_path(void)
{
	static const char *const cases[][2] = {
		{"", "."}, {"/", "/"}, {"a/b/../c", "a/c"}, {"/a/./b//c/", "/a/b/c"},
		{"../../x", "../../x"}, {"/../x", "/x"}, {"a/..", "."}, {"./a", "a"},
	};
	struct hd_arena a;
	size_t i;

	hd_arena_init(&a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = hd_clean_path(&a, cases[i][0]);
		CHECK(strcmp(got, cases[i][1]) == 0, "clean(%s) = %s, want %s",
		      cases[i][0], got, cases[i][1]);
	}
	hd_arena_release(&a);
}

/* hd_parse_size: the grammar of every size option and rule limit. */
static void test_sizes(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{"0", 0}, {"100", 100}, {"1.0", 1}, {"100.000", 100}, {"0.0", 0}, {"7B", 7},
		{"2.0 b", 2}, {"1k", 1024}, {"1.5KiB", 1536}, {"0.5MiB", 512 << 10},
		{".5m", 512 << 10}, {"1.5 GB", (uint64_t)3 << 29}, {"64kib", 64 << 10},
		{"1.3KiB", 1331}, /* 1331.2: rounds with a unit */
		{"8388607TiB", (uint64_t)INT64_MAX - ((uint64_t)1 << 40) + 1},
	};
	/* Numbers of bytes that are not whole: refused with a reason. */
	static const struct {
		const char *s, *msg;
	} fraction[] = {
		{"0.5", "not a whole number of bytes; give a unit, e.g. 0.5MiB"},
		{"0.05", "not a whole number of bytes; give a unit, e.g. 0.05MiB"},
		{"1.5", "not a whole number of bytes; give a unit, e.g. 1.5MiB"},
		{".5", "not a whole number of bytes; give a unit, e.g. .5MiB"},
		{"100.01", "not a whole number of bytes; give a unit, e.g. 100.01MiB"},
		{"0.5B", "not a whole number of bytes; give a larger unit, e.g. 0.5KiB"},
		{"2.5 b", "not a whole number of bytes; give a larger unit, e.g. 2.5KiB"},
	};
	/* No size at all: refused, err untouched (the caller says what it expected). */
	static const char *const bad[] = {
		"", ".", "MiB", "-1", "+1", "1e3", "16MiBs", "1.5.5MiB", "1 ", " 1",
		"8388608TiB", "9223372036854775808", "1%", "0.5%",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct hd_error err = {0};
		uint64_t v = 12345;
		int rc = hd_parse_size(ok[i].s, &v, &err);

		CHECK(rc == 0 && v == ok[i].v && err.code == 0, "size '%s': rc %d, %llu, want %llu",
		      ok[i].s, rc, (unsigned long long)v, (unsigned long long)ok[i].v);
	}
	for (i = 0; i < sizeof(fraction) / sizeof(fraction[0]); i++) {
		struct hd_error err = {0};
		uint64_t v = 12345;
		int rc = hd_parse_size(fraction[i].s, &v, &err);

		CHECK(rc == HD_ERR_USAGE && v == 12345 && err.code == HD_ERR_USAGE &&
		      strcmp(err.msg, fraction[i].msg) == 0,
		      "size '%s': rc %d, v %llu, \"%s\"", fraction[i].s, rc,
		      (unsigned long long)v, err.msg);
		CHECK(hd_parse_size(fraction[i].s, &v, NULL) == HD_ERR_USAGE,
		      "size '%s' without an error to fill", fraction[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hd_error err = {0};
		uint64_t v = 12345;
		int rc = hd_parse_size(bad[i], &v, &err);

		CHECK(rc == HD_ERR_USAGE && v == 12345 && err.code == 0 && !err.msg[0],
		      "size '%s': rc %d, v %llu, \"%s\"", bad[i], rc, (unsigned long long)v, err.msg);
	}
}

/* Rule limits share the size grammar, and its reason names the rule. */
static void test_rule_limits(void)
{
	static const struct {
		const char *s;
		int64_t limit;
	} ok[] = {{"func:+100", 100}, {"func:+1.5KiB", 1536}, {"cum:+1.0", 1}, {"new:+0.5m", 512 << 10}};
	static const struct {
		const char *s, *msg;
	} bad[] = {
		{"func:+0.5", "invalid rule 'func:+0.5': not a whole number of bytes; give a unit, "
		 "e.g. 0.5MiB"},
		{"inuse_space/total:+0.05 B", "invalid rule 'inuse_space/total:+0.05 B': not a whole "
		 "number of bytes; give a larger unit, e.g. 0.05KiB"},
		{"total:+1e6", "invalid rule 'total:+1e6' (expected [TYPE/]SCOPE:+LIMIT with SCOPE "
		 "total, func, cum or new and LIMIT like 8%, 1.5MiB or 100; or leak; "
		 "or memstats.FIELD:+LIMIT)"},
		{"memstats.heapinuse:+1%", "invalid rule 'memstats.heapinuse:+1%': no MemStats "
		 "field 'heapinuse' (valid, as Go spells them: Alloc, TotalAlloc, Sys, Lookups, "
		 "Mallocs, Frees, HeapAlloc, HeapSys, HeapIdle, HeapInuse, HeapReleased, "
		 "HeapObjects, StackInuse, StackSys, MSpanInuse, MSpanSys, MCacheInuse, MCacheSys, "
		 "BuckHashSys, GCSys, OtherSys, NextGC, LastGC, NumGC, NumForcedGC, MaxRSS, "
		 "LiveObjects)"},
		{"memstats.Stack:+1%", "invalid rule 'memstats.Stack:+1%': no MemStats field "
		 "'Stack' (valid, as Go spells them: Alloc, TotalAlloc, Sys, Lookups, Mallocs, "
		 "Frees, HeapAlloc, HeapSys, HeapIdle, HeapInuse, HeapReleased, HeapObjects, "
		 "StackInuse, StackSys, MSpanInuse, MSpanSys, MCacheInuse, MCacheSys, BuckHashSys, "
		 "GCSys, OtherSys, NextGC, LastGC, NumGC, NumForcedGC, MaxRSS, LiveObjects)"},
		{"memstats.Sys", "invalid rule 'memstats.Sys' (expected memstats.FIELD:+LIMIT with "
		 "LIMIT like 10% or 64MiB)"},
		{"memstats.Sys:+0.5", "invalid rule 'memstats.Sys:+0.5': not a whole number of "
		 "bytes; give a unit, e.g. 0.5MiB"},
	};
	static const struct {
		const char *s, *field;
		int is_pct;
		double pct;
		int64_t limit;
	} ms[] = {
		{"memstats.HeapInuse:+10%", "HeapInuse", 1, 10, 0},
		{"memstats.Sys:+64MiB", "Sys", 0, 0, 64 << 20},
		{"memstats.LiveObjects:1000", "LiveObjects", 0, 0, 1000},
		{"memstats.MaxRSS:+0%", "MaxRSS", 1, 0, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct hd_error err = {0};
		struct hd_rule rule;
		int rc = hd_rule_parse(ok[i].s, &rule, &err);

		CHECK(rc == 0 && !rule.is_pct && rule.limit == ok[i].limit, "rule '%s': rc %d, %lld (%s)",
		      ok[i].s, rc, (long long)rule.limit, err.msg);
	}
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct hd_error err = {0};
		struct hd_rule rule;
		int rc = hd_rule_parse(ms[i].s, &rule, &err);

		CHECK(rc == 0 && rule.scope == HD_RULE_MEMSTATS &&
		      strcmp(hd_memstats_field_name(rule.ms_field), ms[i].field) == 0 &&
		      rule.is_pct == ms[i].is_pct && rule.pct == ms[i].pct && rule.limit == ms[i].limit,
		      "rule '%s': rc %d (%s)", ms[i].s, rc, err.msg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hd_error err = {0};
		struct hd_rule rule;
		int rc = hd_rule_parse(bad[i].s, &rule, &err);

		CHECK(rc == HD_ERR_USAGE && err.subject == HD_SUBJ_RULE && strcmp(err.msg, bad[i].msg) == 0,
		      "rule '%s': rc %d, \"%s\"", bad[i].s, rc, err.msg);
	}
}

int main(void)
{
	test_validation();
	test_sample_types();
	test_period();
	test_loader();
	test_model();
	test_stack_values();
	test_clean_path();
	test_sizes();
	test_rule_limits();
	printf("unit: %d passed, %d failed\n", checks - failures, failures);
	return failures ? 1 : 0;
}
