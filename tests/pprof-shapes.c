/*
 * pprof-shapes.c - the pprof sample reader (lib/input/pprof.c) on every
 * shape a Sample message may take.  The reader has a fast way for the
 * shape producers write (one-byte tags; packed ids, read a word at a
 * time; packed values; labels of varint fields) and the general way for
 * everything else, and for every sample with anything wrong with it.
 * Both must give the same samples and the same errors, so the profiles
 * here are written by hand, byte by byte, in every shape: ids of one to
 * five bytes in runs of every length and mixes, packed, unpacked and in
 * pieces, fields in any order, unknown fields, redundant varint bytes,
 * dense and sparse ids; each decoded sample is checked against what was
 * written.  Then one wrong thing at every place of a sample (a location
 * that does not exist, a label's string index, a value too few or too
 * many, a truncated varint), each with the message it must give.
 *
 * Random but seeded: every run writes the same profiles.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

#include "unitcheck.h"

/* ---- a protobuf writer ---- */

struct enc {
	unsigned char *b;
	size_t n, cap;
};

static void put(struct enc *e, const void *p, size_t n)
{
	if (!n)
		return;
	if (e->n + n > e->cap) {
		e->cap = (e->n + n) * 2 + 64;
		e->b = realloc(e->b, e->cap);
		if (!e->b)
			abort();
	}
	memcpy(e->b + e->n, p, n);
	e->n += n;
}

/* A varint, with pad redundant bytes (0x80 ... 0x00: the same value)
 * where it stays within 10 bytes. */
static void put_varint_pad(struct enc *e, uint64_t v, int pad)
{
	unsigned char b[16];
	size_t n = 0;

	do {
		b[n++] = (unsigned char)(v & 0x7f) | 0x80;
		v >>= 7;
	} while (v);
	b[n - 1] &= 0x7f;
	if (pad > 0 && n + (size_t)pad <= 10) {
		b[n - 1] |= 0x80;
		while (--pad)
			b[n++] = 0x80;
		b[n++] = 0;
	}
	put(e, b, n);
}

static void put_varint(struct enc *e, uint64_t v)
{
	put_varint_pad(e, v, 0);
}

static void put_tag(struct enc *e, unsigned field, unsigned type)
{
	put_varint(e, (uint64_t)field << 3 | type);
}

static void put_field(struct enc *e, unsigned field, const struct enc *payload)
{
	put_tag(e, field, 2);
	put_varint(e, payload->n);
	put(e, payload->b, payload->n);
}

static void put_vfield(struct enc *e, unsigned field, uint64_t v)
{
	put_tag(e, field, 0);
	put_varint(e, v);
}

/* One value, packed as producers write it, so that the sample has the
 * shape of the fast way. */
static void put_value(struct enc *s, uint64_t v)
{
	struct enc p = {0};

	put_varint(&p, v);
	put_field(s, 2, &p);
	free(p.b);
}

/* ---- random, seeded ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- profiles ---- */

#define NSTRS 8 /* "", four type names, "bytes", "k", "v" */
#define MAXDEPTH 80
#define MAXLABELS 4

struct want {
	size_t nlocs, nvals;
	uint32_t locs[MAXDEPTH];
	int64_t vals[4];
	size_t lab, lab_end; /* the labels' bytes in the profile; lab_end 0: none */
};

struct gen {
	struct enc out;
	size_t nlocs, ntypes;
	uint64_t *ids;   /* location i has id ids[i] */
	struct want *want;
	size_t nsamples;
};

static void header(struct gen *g)
{
	static const char *const strs[NSTRS] = { "", "t0", "t1", "t2", "t3", "bytes", "k", "v" };
	struct enc m = {0};
	size_t i;

	for (i = 0; i < g->ntypes; i++) {
		m.n = 0;
		put_vfield(&m, 1, 1 + i);
		put_vfield(&m, 2, 5);
		put_field(&g->out, 1, &m);
	}
	for (i = 0; i < NSTRS; i++) {
		put_tag(&g->out, 6, 2);
		put_varint(&g->out, strlen(strs[i]));
		put(&g->out, strs[i], strlen(strs[i]));
	}
	m.n = 0;
	put_vfield(&m, 1, 1);
	put_vfield(&m, 2, 7);
	put_field(&g->out, 5, &m);
	for (i = 0; i < g->nlocs; i++) {
		struct enc ln = {0};

		m.n = 0;
		put_vfield(&m, 1, g->ids[i]);
		put_vfield(&ln, 1, 1);
		put_field(&m, 4, &ln);
		put_field(&g->out, 4, &m);
		free(ln.b);
	}
	free(m.b);
}

/* A value of any size, negative ones (ten bytes) too. */
static int64_t some_value(void)
{
	switch (below(5)) {
	case 0: return (int64_t)below(128);
	case 1: return (int64_t)below(16384);
	case 2: return (int64_t)below(1u << 21);
	case 3: return (int64_t)rnd();
	default: return -(int64_t)below(1000);
	}
}

/* Write a repeated varint field of n values in a random shape: packed in
 * one piece or several (maybe empty ones), unpacked, or both; some
 * varints with redundant bytes.  Appends to s. */
static void put_repeated(struct enc *s, unsigned field, const uint64_t *v, size_t n, int plain)
{
	size_t i = 0;
	int shape = plain ? 0 : (int)below(8);

	if (n == 0 && shape != 3)
		return;
	if (shape <= 4) {
		/* packed, one piece, every varint minimal (or one empty
		 * piece first) */
		struct enc p = {0};

		if (shape == 3) {
			put_tag(s, field, 2);
			put_varint(s, 0);
		}
		for (i = 0; i < n; i++)
			put_varint_pad(&p, v[i], shape == 4 && below(4) == 0 ? (int)below(3) + 1 : 0);
		if (n)
			put_field(s, field, &p);
		free(p.b);
		return;
	}
	while (i < n) {
		if (shape == 5 || (shape == 7 && below(2))) {
			put_vfield(s, field, v[i++]);
		} else {
			struct enc p = {0};
			size_t k = 1 + below(n - i);

			while (k-- && i < n)
				put_varint(&p, v[i++]);
			put_field(s, field, &p);
			free(p.b);
		}
	}
}

/* One sample in a random shape, recorded in g->want. */
static void put_sample(struct gen *g, int plain)
{
	struct want *w = &g->want[g->nsamples++];
	struct enc s = {0}, lab = {0};
	uint64_t ids[MAXDEPTH], vals[4];
	size_t depth, i, k, nlab, part[3], order[4] = {0, 1, 2, 3};
	unsigned kind = (unsigned)below(4);

	memset(w, 0, sizeof(*w));
	depth = below(2) ? below(MAXDEPTH + 1) : below(30);
	for (i = 0; i < depth; i++) {
		/* runs of the first locations (one-byte ids), of the last,
		 * or any */
		size_t li = kind == 0 ? below(g->nlocs < 100 ? g->nlocs : 100) :
			    kind == 1 ? g->nlocs - 1 - below(g->nlocs < 50 ? g->nlocs : 50) :
			    below(g->nlocs);

		ids[i] = g->ids[li];
		w->locs[i] = (uint32_t)li;
	}
	w->nlocs = depth;
	w->nvals = g->ntypes;
	for (i = 0; i < g->ntypes; i++) {
		w->vals[i] = some_value();
		vals[i] = (uint64_t)w->vals[i];
	}
	nlab = below(MAXLABELS + 1);
	for (i = 0; i < nlab; i++) {
		struct enc l = {0};

		put_vfield(&l, 1, 6);
		if (below(2)) {
			put_vfield(&l, 2, 7);
		} else {
			put_vfield(&l, 3, (uint64_t)some_value());
			if (below(2))
				put_vfield(&l, 4, 5);
		}
		if (!plain && below(8) == 0)
			put_vfield(&l, 9, 1); /* unknown to Label */
		put_field(&lab, 3, &l);
		free(l.b);
	}
	/* The ids in up to three places, values and labels in any order. */
	part[0] = below(depth + 1);
	part[1] = part[0] + below(depth - part[0] + 1);
	part[2] = depth;
	if (plain) {
		part[0] = part[1] = depth;
	} else {
		for (i = 3; i > 0; i--) {
			size_t j = below(i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		/* the ids' pieces in their order */
		for (i = 0; i < 4 && order[i] != 0 && order[i] != 3; i++)
			;
		for (k = i + 1; k < 4; k++)
			if (order[k] == 0 || order[k] == 3)
				order[k] = 3;
		order[i] = 0;
	}
	for (i = 0; i < 4; i++) {
		switch (order[i]) {
		case 0:
			put_repeated(&s, 1, ids, part[0], plain);
			break;
		case 1:
			put_repeated(&s, 2, vals, g->ntypes, plain);
			break;
		case 2:
			if (lab.n) {
				w->lab = s.n;
				put(&s, lab.b, lab.n);
				w->lab_end = s.n;
			}
			break;
		default:
			put_repeated(&s, 1, ids + part[0], part[1] - part[0], plain);
			put_repeated(&s, 1, ids + part[1], part[2] - part[1], plain);
			break;
		}
	}
	if (!plain && below(6) == 0)
		put_vfield(&s, 100, 5); /* unknown to Sample */
	if (!plain && below(12) == 0) {
		struct enc u = {0};

		put_varint(&u, 1);
		put_field(&s, 12, &u);
		free(u.b);
	}
	/* The labels are one run of bytes only when nothing lies among
	 * them: here they are written together, so they are. */
	put_tag(&g->out, 2, 2);
	put_varint(&g->out, s.n);
	if (w->lab_end) {
		w->lab += g->out.n;
		w->lab_end += g->out.n;
	}
	put(&g->out, s.b, s.n);
	free(s.b);
	free(lab.b);
}

static void gen_init(struct gen *g, size_t nlocs, size_t ntypes, int sparse, size_t nsamples)
{
	size_t i;

	memset(g, 0, sizeof(*g));
	g->nlocs = nlocs;
	g->ntypes = ntypes;
	g->ids = malloc(nlocs * sizeof(*g->ids));
	g->want = malloc(nsamples * sizeof(*g->want));
	if (!g->ids || !g->want)
		abort();
	for (i = 0; i < nlocs; i++)
		/* sparse: past what a dense index takes, so a hash map */
		g->ids[i] = sparse ? 1 + i * 1000003 + below(1000) : i + 1;
	header(g);
}

static void gen_free(struct gen *g)
{
	free(g->out.b);
	free(g->ids);
	free(g->want);
}

/* Decode g's profile and check every sample against what was written. */
static void check_profile(struct gen *g, const char *what)
{
	struct hd_profile *p = NULL;
	struct hd_error err = {0};
	struct hd_sample_iter it = {0, 0};
	struct hd_psample smp;
	uint32_t *locs;
	int64_t vals[4];
	size_t i, bad = 0;
	int rc;

	rc = hd_profile_parse(g->out.b, g->out.n, NULL, &p, &err);
	CHECK(rc == 0, "%s: %s", what, err.msg);
	if (rc)
		return;
	CHECK(p->nsamples == g->nsamples, "%s: %zu samples, not %zu", what, p->nsamples, g->nsamples);
	locs = malloc((p->max_locs + 1) * sizeof(*locs));
	for (i = 0; i < g->nsamples && !bad; i++) {
		const struct want *w = &g->want[i];
		size_t lab_at;

		rc = hd_profile_next(p, &it, locs, vals, &smp);
		lab_at = smp.labels ? (size_t)(smp.labels - p->data) : 0;
		bad = rc != 1 || smp.nlocs != w->nlocs ||
		      memcmp(smp.locs, w->locs, w->nlocs * sizeof(*w->locs)) ||
		      memcmp(smp.values, w->vals, w->nvals * sizeof(*w->vals)) ||
		      (w->lab_end ? !smp.labels || lab_at != w->lab ||
				    smp.nlabels != w->lab_end - w->lab :
				    smp.labels != NULL || smp.nlabels != 0);
		CHECK(!bad, "%s: sample %zu read wrong (rc %d, %u locations, want %zu)",
		      what, i, rc, rc == 1 ? smp.nlocs : 0, w->nlocs);
	}
	CHECK(bad || hd_profile_next(p, &it, locs, vals, &smp) == 0, "%s: a sample too many", what);
	free(locs);
	hd_profile_free(p);
}

static void test_shapes(void)
{
	static const struct { size_t nlocs, ntypes; int sparse, plain; } cases[] = {
		{ 1, 1, 0, 1 }, { 100, 4, 0, 1 }, { 300, 2, 0, 1 }, { 20000, 4, 0, 1 },
		{ 3, 1, 0, 0 }, { 100, 4, 0, 0 }, { 300, 2, 0, 0 }, { 20000, 3, 0, 0 },
		{ 100, 2, 1, 1 }, { 300, 4, 1, 0 },
	};
	size_t c, i;
	char what[64];

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct gen g;
		size_t n = 2000;

		gen_init(&g, cases[c].nlocs, cases[c].ntypes, cases[c].sparse, n);
		for (i = 0; i < n; i++)
			put_sample(&g, cases[c].plain);
		snprintf(what, sizeof(what), "%zu locations%s%s", cases[c].nlocs,
			 cases[c].sparse ? ", sparse ids" : "", cases[c].plain ? ", plain" : "");
		check_profile(&g, what);
		gen_free(&g);
	}
}

/* ---- one thing wrong ---- */

/* A profile of nlocs locations, one type and two samples: a good one,
 * then the Sample payload s; *at is where s starts in it. */
static void two_samples(struct gen *g, size_t nlocs, const struct enc *s, size_t *at)
{
	struct enc good = {0};

	gen_init(g, nlocs, 1, 0, 1);
	put_varint(&good, 0x0a);
	put_varint(&good, 1);
	put_varint(&good, 1);
	put_value(&good, 5);
	put_field(&g->out, 2, &good);
	put_tag(&g->out, 2, 2);
	put_varint(&g->out, s->n);
	*at = g->out.n;
	put(&g->out, s->b, s->n);
	free(good.b);
}

static void expect_fail(const struct enc *s, size_t nlocs, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* fmt may hold one %zu before the others: where s starts in the file. */
static void expect_fail(const struct enc *s, size_t nlocs, int code, const char *fmt, ...)
{
	struct hd_profile *p = NULL;
	struct hd_error err = {0};
	struct gen g;
	char msg[512];
	size_t at;
	va_list ap;
	int rc;

	two_samples(&g, nlocs, s, &at);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strstr(msg, "@")) {
		/* "@+N": byte N of the sample */
		char *q = strstr(msg, "@"), rest[512];
		size_t off = strtoul(q + 2, NULL, 10);

		snprintf(rest, sizeof(rest), "%s", strchr(q, ':'));
		snprintf(q, sizeof(msg) - (size_t)(q - msg), "%zu%s", at + off, rest);
	}
	rc = hd_profile_parse(g.out.b, g.out.n, NULL, &p, &err);
	CHECK(rc == code && strcmp(err.msg, msg) == 0,
	      "rc %d (want %d), \"%s\"\n  want \"%s\"", rc, code, err.msg, msg);
	hd_profile_free(p);
	gen_free(&g);
}

/* Packed ids ids[0..n) with ids[k] replaced by bad; then one value. */
static void bad_id_at(size_t nlocs, const uint64_t *ids, size_t n, size_t k, uint64_t bad)
{
	struct enc s = {0}, p = {0};
	size_t i;

	for (i = 0; i < n; i++)
		put_varint(&p, i == k ? bad : ids[i]);
	put_field(&s, 1, &p);
	put_value(&s, 7);
	expect_fail(&s, nlocs, HD_ERR_INVALID,
		    "sample 1 refers to location id %llu, which does not exist",
		    (unsigned long long)bad);
	free(s.b);
	free(p.b);
}

static void test_one_wrong(void)
{
	uint64_t ids[40];
	size_t n, k, i;
	struct enc s = {0}, p = {0};

	/* A location that does not exist at every place of runs of
	 * one-byte ids, two-byte ids and both mixed; one past the dense
	 * index, far past it, and 0. */
	for (n = 1; n <= 40; n += 3) {
		for (k = 0; k < n; k++) {
			for (i = 0; i < n; i++)
				ids[i] = 1 + below(100);
			bad_id_at(100, ids, n, k, 101);
			bad_id_at(100, ids, n, k, 0);
			for (i = 0; i < n; i++)
				ids[i] = 129 + below(171);
			bad_id_at(300, ids, n, k, 301);
			bad_id_at(300, ids, n, k, 16000);
			for (i = 0; i < n; i++)
				ids[i] = 1 + below(300);
			bad_id_at(300, ids, n, k, 123456789);
			bad_id_at(300, ids, n, k, 0);
		}
	}
	/* The first of two named. */
	s.n = p.n = 0;
	for (i = 1; i <= 20; i++)
		put_varint(&p, i == 9 ? 555 : i == 17 ? 444 : i);
	put_field(&s, 1, &p);
	put_value(&s, 7);
	expect_fail(&s, 100, HD_ERR_INVALID,
		    "sample 1 refers to location id 555, which does not exist");

	/* A truncated id at the end of the packed ids, one-byte ids before
	 * it: byte 2 of the sample is the first id. */
	for (n = 0; n < 20; n++) {
		s.n = p.n = 0;
		for (i = 0; i < n; i++)
			put_varint(&p, 1 + i % 100);
		put(&p, "\x81", 1);
		put_field(&s, 1, &p);
		put_value(&s, 7);
		expect_fail(&s, 100, HD_ERR_FORMAT,
			    "not a pprof profile (malformed protobuf at byte @+%zu: truncated varint)",
			    2 + n);
	}

	/* Packed ids that are all high bits, longer than a word: no id
	 * ends, the scan counts none, so the reader has no room for any
	 * (AddressSanitizer sees a store past it). */
	for (n = 8; n <= 12; n++) {
		s.n = p.n = 0;
		for (i = 0; i < n; i++)
			put(&p, "\xff", 1);
		put_field(&s, 1, &p);
		put_value(&s, 7);
		expect_fail(&s, 100, HD_ERR_FORMAT,
			    "not a pprof profile (malformed protobuf at byte @+2: %s)",
			    n < 10 ? "truncated varint" : "varint longer than 10 bytes");
	}

	/* Too few and too many values; a value field of wire type 1. */
	s.n = p.n = 0;
	put_varint(&p, 1);
	put_field(&s, 1, &p);
	expect_fail(&s, 100, HD_ERR_INVALID,
		    "sample 1 has 0 values but the profile has 1 sample type");
	p.n = 0;
	put_varint(&p, 7);
	put_varint(&p, 8);
	put_field(&s, 2, &p);
	expect_fail(&s, 100, HD_ERR_INVALID,
		    "sample 1 has 2 values but the profile has 1 sample type");
	s.n = 0;
	put_tag(&s, 2, 1);
	put(&s, "\1\0\0\0\0\0\0\0", 8);
	expect_fail(&s, 100, HD_ERR_FORMAT,
		    "not a pprof profile (malformed protobuf at byte @+0: field 2 (value) has wire type 1, expected 0 or 2)");

	/* A label's string index out of the table, in each of its string
	 * fields, after good labels; a num is no string index. */
	for (k = 1; k <= 4; k++) {
		struct enc l = {0};

		s.n = p.n = 0;
		put_varint(&p, 1);
		put_field(&s, 1, &p);
		put_value(&s, 7);
		put_vfield(&l, 1, 6);
		put_vfield(&l, 2, 7);
		put_field(&s, 3, &l);
		l.n = 0;
		put_vfield(&l, (unsigned)k, k == 3 ? 99 : k == 1 ? NSTRS : NSTRS + k);
		put_field(&s, 3, &l);
		if (k == 3) {
			struct hd_profile *pr = NULL;
			struct hd_error err = {0};
			struct gen g;
			size_t at;

			two_samples(&g, 100, &s, &at);
			CHECK(hd_profile_parse(g.out.b, g.out.n, NULL, &pr, &err) == 0,
			      "a label's num of 99: %s", err.msg);
			hd_profile_free(pr);
			gen_free(&g);
		} else {
			expect_fail(&s, 100, HD_ERR_INVALID,
				    "sample 1 has string index %zu, outside the string table of %d entries",
				    k == 1 ? NSTRS : NSTRS + k, NSTRS);
		}
		free(l.b);
	}
	/* A label that is not a message; one truncated inside. */
	s.n = p.n = 0;
	put_varint(&p, 1);
	put_field(&s, 1, &p);
	put_value(&s, 7);
	put_vfield(&s, 3, 1);
	expect_fail(&s, 100, HD_ERR_FORMAT,
		    "not a pprof profile (malformed protobuf at byte @+6: field 3 (label) has wire type 0, expected 2)");
	s.n = 6;
	put(&s, "\x1a\x02\x08\x80", 4);
	expect_fail(&s, 100, HD_ERR_FORMAT,
		    "not a pprof profile (malformed protobuf at byte @+9: truncated varint)");
	free(s.b);
	free(p.b);
}

int main(void)
{
	test_shapes();
	test_one_wrong();
	printf("pprof-shapes: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
