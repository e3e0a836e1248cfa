/*
 * gotext-unit.c - unit tests of lib/input/gotext.c (Go's text heap
 * profile) and lib/input/sniff.c (the wrong file): the profile view a
 * text profile gives (locations, lines, inlining, hidden frames, types,
 * unsampling), Go's math.Exp bit for bit, the MemStats section, every
 * refusal's message, and that each binary magic sniff.c claims is one
 * pprof.c refuses.
 *
 * Usage: gotext-unit SOURCE_ROOT (for testdata/gotext/heap.txt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

#include "unitcheck.h"

static int parse(const char *text, const struct hd_limits *lim, struct hd_profile **p,
		 struct hd_error *err)
{
	memset(err, 0, sizeof(*err));
	return hd_profile_parse((const unsigned char *)text, strlen(text), lim, p, err);
}

/* ---- Go's math.Exp ---- */

static double bits_to_double(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

static uint64_t double_to_bits(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/*
 * math.Exp(x) as Go 1.19 computes it on amd64, with FMA and without
 * (GODEBUG=cpu.fma=off): fmt.Printf("%#016x", math.Float64bits(math.Exp(x))).
 * The last ten are arguments where the two paths differ.
 */
static const uint64_t exp_table[][3] = {
	{ 0xbff0000000000000ULL, 0x3fd78b56362cef38ULL, 0x3fd78b56362cef38ULL },
	{ 0xbfe0000000000000ULL, 0x3fe368b2fc6f960aULL, 0x3fe368b2fc6f960aULL },
	{ 0xbf50624dd2f1a9fcULL, 0x3feff7cfe56f1a9eULL, 0x3feff7cfe56f1a9eULL },
	{ 0xbf00000000000000ULL, 0x3fefffc0003fffd5ULL, 0x3fefffc0003fffd5ULL },
	{ 0xbfb0000000000000ULL, 0x3fee0fabfbc702a4ULL, 0x3fee0fabfbc702a4ULL },
	{ 0xbfc0000000000000ULL, 0x3fec3d6a24ed8222ULL, 0x3fec3d6a24ed8222ULL },
	{ 0xbfee000000000000ULL, 0x3fd910110be06976ULL, 0x3fd910110be06976ULL },
	{ 0xc004000000000000ULL, 0x3fb50385c094f425ULL, 0x3fb50385c094f425ULL },
	{ 0xc024000000000000ULL, 0x3f07cd79b5647c9bULL, 0x3f07cd79b5647c9bULL },
	{ 0xc059000000000000ULL, 0x36ea8c1f14e2af5dULL, 0x36ea8c1f14e2af5dULL },
	{ 0xc085e00000000000ULL, 0x00d14f2b0fb9307fULL, 0x00d14f2b0fb9307fULL },
	{ 0xc08748cccccccccdULL, 0x0000000000000001ULL, 0x0000000000000001ULL },
	{ 0xc086240000000000ULL, 0x000e6cf6d08897acULL, 0x000e6cf6d08897acULL },
	{ 0x81a56e1fc2f8f359ULL, 0x3ff0000000000000ULL, 0x3ff0000000000000ULL },
	{ 0x0000000000000000ULL, 0x3ff0000000000000ULL, 0x3ff0000000000000ULL },
	{ 0x3ff0000000000000ULL, 0x4005bf0a8b145769ULL, 0x4005bf0a8b145769ULL },
	{ 0x400c000000000000ULL, 0x40408ec721396bdbULL, 0x40408ec721396bdbULL },
	{ 0x40862d999999999aULL, 0x7ff0000000000000ULL, 0x7ff0000000000000ULL },
	{ 0xbfe7400000000000ULL, 0x3fdef2c8e2c552b8ULL, 0x3fdef2c8e2c552b8ULL },
	{ 0xbfd7400000000000ULL, 0x3fe640a443a95004ULL, 0x3fe640a443a95004ULL },
	{ 0xbfc7400000000000ULL, 0x3feaaf5116238228ULL, 0x3feaaf5116238228ULL },
	{ 0xbf88000000000000ULL, 0x3fefa08f706bbf54ULL, 0x3fefa08f706bbf54ULL },
	{ 0xbf08000000000000ULL, 0x3fefffa0008fff70ULL, 0x3fefffa0008fff70ULL },
	{ 0xbf99933333333333ULL, 0x3fef35ef11b100efULL, 0x3fef35ef11b100f0ULL },
	{ 0xbfd33acccccccccdULL, 0x3fe7b1f7e98c2f3dULL, 0x3fe7b1f7e98c2f3eULL },
	{ 0xbfe2556666666667ULL, 0x3fe20b4113497c2fULL, 0x3fe20b4113497c30ULL },
	{ 0xbfefdf3333333333ULL, 0x3fd7a3849dcecb0fULL, 0x3fd7a3849dcecb10ULL },
	{ 0xbff3b6cccccccccdULL, 0x3fd2aabcbdded0d9ULL, 0x3fd2aabcbdded0daULL },
	{ 0xbffae5199999999aULL, 0x3fc7d568d5dbe217ULL, 0x3fc7d568d5dbe216ULL },
	{ 0xbffd82b333333333ULL, 0x3fc43d3be6b5317fULL, 0x3fc43d3be6b53180ULL },
	{ 0xc002588000000000ULL, 0x3fb9d74f760a1ebfULL, 0x3fb9d74f760a1ec0ULL },
	{ 0xc003b0999999999aULL, 0x3fb5d82e016994adULL, 0x3fb5d82e016994acULL },
	{ 0xc007352666666667ULL, 0x3fac2523ce7c9467ULL, 0x3fac2523ce7c9468ULL },
};

static void test_exp(void)
{
	size_t i;
	int path;

	for (i = 0; i < sizeof(exp_table) / sizeof(exp_table[0]); i++)
		for (path = 0; path < 2; path++) {
			uint64_t got = double_to_bits(hd_go_exp(bits_to_double(exp_table[i][0]), path));

			CHECK(got == exp_table[i][2 - path], "exp(%a), fma %d: %#llx, Go %#llx",
			      bits_to_double(exp_table[i][0]), path, (unsigned long long)got,
			      (unsigned long long)exp_table[i][2 - path]);
		}
	for (path = 0; path < 2; path++) {
		CHECK(hd_go_exp(bits_to_double(0xfff0000000000000ULL), path) == 0, "exp(-Inf)");
		CHECK(double_to_bits(hd_go_exp(bits_to_double(0x7ff0000000000000ULL), path)) ==
		      0x7ff0000000000000ULL, "exp(+Inf)");
		CHECK(hd_go_exp(bits_to_double(0x7ff8000000000001ULL), path) !=
		      hd_go_exp(bits_to_double(0x7ff8000000000001ULL), path), "exp(NaN)");
		CHECK(hd_go_exp(-1e300, path) == 0 && hd_go_exp(1e300, path) > 1e308, "far out");
	}
}

/* ---- the profile view ---- */

static const char shapes[] =
	"heap profile: 3: 300 [5: 500] @ heap/2\n"
	/* two runtime frames hidden before, a recursion, a PC expanded into
	 * two inlined frames, an unnamed frame, and goexit hidden after */
	"1: 100 [2: 200] @ 0x1001 0x2001 0x3001 0x3001 0x4001 0x5001 0x6001 0x7001\n"
	"#\t0x3000\tmain.rec+0x10\t\t/src/a.go:30\n"
	"#\t0x3000\tmain.rec+0x10\t\t/src/a.go:30\n"
	"#\t0x4000\tmain.inner+0x20\t\t/src/a.go:40\n"
	"#\t0x4000\tmain.outer+0x40\t\t/src/a.go:41\n"
	"#\t0x5000\n"
	"#\t0x6000\tmain.main+0x5\t\t/src/a.go:50\n"
	"\n"
	/* address 0 unnamed between two named ones; a name with a '+' */
	"1: 100 [2: 200] @ 0x8001 0x0 0x9001\n"
	"#\t0x8000\tmain.a+0x1\t/src/b.go:1\n"
	"#\t0x9000\toperator+\tc.cc\n"
	"\n"
	/* no frame lines: every address stays; CRLF; 0x3001 again */
	"1: 100 [1: 100] @ 0xa001 0x3001\r\n"
	"\r\n"
	"# runtime.MemStats\n"
	"# Alloc = 7\n";

static const struct hd_pfunc *func_of(const struct hd_profile *p, const struct hd_ploc *l, uint32_t i)
{
	return i < l->nlines && l->lines[i].func < p->nfuncs ? &p->funcs[l->lines[i].func] : NULL;
}

static void test_shapes(void)
{
	struct hd_profile *p = NULL;
	struct hd_error err;
	struct hd_sample_iter it = {0, 0};
	struct hd_psample smp;
	uint32_t locs[16];
	int64_t vals[4];
	const struct hd_ploc *l;
	const struct hd_pfunc *f;
	int rc = parse(shapes, NULL, &p, &err);

	CHECK(rc == 0, "shapes: %s", err.msg);
	if (rc)
		return;
	CHECK(strcmp(p->decoder->name, "gotext") == 0, "decoder %s", p->decoder->name);
	CHECK(p->ntypes == 4 && strcmp(p->type_names[0], "alloc_objects") == 0 &&
	      strcmp(p->type_names[3], "inuse_space") == 0 && strcmp(p->type_units[1], "bytes") == 0,
	      "types");
	CHECK(p->nsamples == 3 && p->max_locs == 5 && p->nrefs == 10, "samples %zu, max %zu, refs %zu",
	      p->nsamples, p->max_locs, p->nrefs);
	CHECK(p->totals[0] == 5 && p->totals[1] == 500 && p->totals[2] == 3 && p->totals[3] == 300,
	      "totals");
	CHECK(p->nfuncs == 6, "functions: %zu (main.rec once)", p->nfuncs);
	CHECK(!p->drop_frames && !p->keep_frames, "no drop_frames: Go's protobuf has none");
	CHECK(p->memstats && p->memstats->alloc == 7 && p->memstats->nfields == 1, "memstats");

	CHECK(hd_profile_next(p, &it, locs, vals, &smp) == 1 && smp.nlocs == 5 &&
	      vals[0] == 2 && vals[1] == 200 && vals[2] == 1 && vals[3] == 100, "sample 0");
	CHECK(smp.locs[0] == smp.locs[1], "recursion: one location twice");
	l = &p->locs[smp.locs[0]];
	f = func_of(p, l, 0);
	CHECK(l->address == 0x3000 && l->nlines == 1 && f && strcmp(f->name, "main.rec") == 0 &&
	      strcmp(f->filename, "/src/a.go") == 0 && l->lines[0].line == 30 &&
	      l->mapping == UINT32_MAX, "main.rec");
	l = &p->locs[smp.locs[2]];
	CHECK(l->address == 0x4000 && l->nlines == 2 && func_of(p, l, 0) && func_of(p, l, 1) &&
	      strcmp(func_of(p, l, 0)->name, "main.inner") == 0 && l->lines[0].line == 40 &&
	      strcmp(func_of(p, l, 1)->name, "main.outer") == 0 && l->lines[1].line == 41,
	      "inlined: one location, innermost first");
	l = &p->locs[smp.locs[3]];
	CHECK(l->address == 0x5000 && l->nlines == 0, "unnamed frame");
	l = &p->locs[smp.locs[4]];
	CHECK(l->address == 0x6000 && func_of(p, l, 0) &&
	      strcmp(func_of(p, l, 0)->name, "main.main") == 0, "main.main");

	CHECK(hd_profile_next(p, &it, locs, vals, &smp) == 1 && smp.nlocs == 3, "sample 1");
	l = &p->locs[smp.locs[1]];
	CHECK(l->address == UINT64_MAX && l->nlines == 0, "address 0 minus one, kept unnamed");
	l = &p->locs[smp.locs[2]];
	CHECK(func_of(p, l, 0) && strcmp(func_of(p, l, 0)->name, "operator+") == 0 &&
	      strcmp(func_of(p, l, 0)->filename, "c.cc") == 0 && l->lines[0].line == 0,
	      "a '+' without an offset, a file without a line");

	CHECK(hd_profile_next(p, &it, locs, vals, &smp) == 1 && smp.nlocs == 2 &&
	      vals[3] == 100, "sample 2");
	CHECK(p->locs[smp.locs[0]].address == 0xa000 && p->locs[smp.locs[0]].nlines == 0 &&
	      p->locs[smp.locs[1]].address == 0x3000 && p->locs[smp.locs[1]].nlines == 1,
	      "no frame lines: every address, named where another record named it");
	CHECK(hd_profile_next(p, &it, locs, vals, &smp) == 0, "three samples");
	hd_profile_free(p);
}

/* Values of the first sample of text, or -1 for each when it fails. */
static void first_values(const char *text, int64_t *vals, size_t *ntypes)
{
	struct hd_profile *p = NULL;
	struct hd_error err;
	struct hd_sample_iter it = {0, 0};
	struct hd_psample smp;
	uint32_t locs[8];
	size_t i;

	for (i = 0; i < 4; i++)
		vals[i] = -1;
	*ntypes = 0;
	if (parse(text, NULL, &p, &err)) {
		fprintf(stderr, "first_values: %s\n", err.msg);
		return;
	}
	*ntypes = p->ntypes;
	if (!hd_profile_next(p, &it, locs, vals, &smp))
		vals[0] = -2;
	hd_profile_free(p);
}

static void test_values(void)
{
	int64_t v[4];
	size_t n;

	/* Rate 4096 (heap/8192): 1 / (1 - exp(-1)) = 1.58197670686932...,
	 * 35 objects of 4096 bytes give 55 and 226792 (as Go's protobuf). */
	first_values("heap profile: 1: 1 [2: 2] @ heap/8192\n35: 143360 [35: 143360] @ 0x1\n", v, &n);
	CHECK(n == 4 && v[0] == 55 && v[1] == 226792 && v[2] == 55 && v[3] == 226792,
	      "unsampled: %lld %lld", (long long)v[0], (long long)v[1]);
	/* objects without bytes are 0 when sampled (scaleHeapSample) */
	first_values("heap profile: 1: 1 [2: 2] @ heap/8192\n3: 0 [3: 0] @ 0x1\n", v, &n);
	CHECK(v[0] == 0 && v[2] == 0, "count without bytes");
	/* rates 0 and 1 (heap/0, heap/2): as is; heapprofile: not sampled */
	first_values("heap profile: 1: 1 [2: 2] @ heap/0\n3: 5 [7: 11] @ 0x1\n", v, &n);
	CHECK(v[0] == 7 && v[1] == 11 && v[2] == 3 && v[3] == 5, "rate 0");
	first_values("heap profile: 1: 1 [2: 2] @ heapprofile\n3: 5 [7: 11] @ 0x1\n", v, &n);
	CHECK(v[0] == 7 && v[3] == 5, "heapprofile");
	first_values("heap profile: 1: 1 [2: 2] @ heapprofile\n3: 0 [3: 0] @ 0x1\n", v, &n);
	CHECK(v[0] == 3 && v[2] == 3, "heapprofile: objects without bytes stay");
	/* heap_v2/R: R is the rate itself */
	first_values("heap profile: 1: 1 [2: 2] @ heap_v2/4096\n35: 143360 [35: 143360] @ 0x1\n", v, &n);
	CHECK(v[1] == 226792, "heap_v2");
	/* alloc totals equal to inuse ones, or 0: pprof's two types */
	first_values("heap profile: 1: 5 [1: 5] @ heap/2\n1: 5 [1: 5] @ 0x1\n", v, &n);
	CHECK(n == 2 && v[0] == 1 && v[1] == 5, "objects, space");
	first_values("heap profile: 1: 5 [0: 0] @ heap/2\n1: 5 [9: 9] @ 0x1\n", v, &n);
	CHECK(n == 2 && v[1] == 5, "alloc totals 0");
	first_values("heap profile: 1: 5 [01: 5] @ heap/2\n1: 5 [9: 9] @ 0x1\n", v, &n);
	CHECK(n == 4, "pprof compares the digits");
	/* an absurd rate saturates, never overflows */
	first_values("heap profile: 1: 1 [2: 2] @ heap/9223372036854775806\n"
		     "9223372036854775807: 9223372036854775807 [1: 1] @ 0x1\n", v, &n);
	CHECK(v[0] == INT64_MAX && v[1] == INT64_MAX && v[2] == INT64_MAX && v[3] == INT64_MAX,
	      "saturation: %lld", (long long)v[0]);
	/* a C++ profile's memory map ends the samples */
	first_values("heap profile: 1: 1 [2: 2] @ heap/2\n1: 1 [1: 1] @ 0x1\n"
		     "MAPPED_LIBRARIES:\n00400000-00401000 r-xp 00000000 08:01 1 /bin/x\n", v, &n);
	CHECK(v[0] == 1, "memory map");
}

static void test_limits(void)
{
	struct hd_limits lim = { .max_frames = 3 };
	struct hd_profile *p = NULL;
	struct hd_error err;

	CHECK(parse("heap profile: 1: 1 [1: 1] @ heap/2\n1: 1 [1: 1] @ 0x1 0x2 0x3\n", &lim, &p, &err) == 0,
	      "3 frames: %s", err.msg);
	hd_profile_free(p);
	CHECK(parse("heap profile: 1: 1 [1: 1] @ heap/2\n1: 1 [1: 1] @ 0x1 0x2 0x3 0x4\n", &lim, &p, &err) ==
	      HD_ERR_LIMIT && err.subject == HD_SUBJ_MAX_FRAMES &&
	      strcmp(err.msg, "the samples' stacks expand to more than 3 frames, inlined lines counted") == 0,
	      "4 frames: %s", err.msg);
	CHECK(parse("heap profile: 1: 1 [1: 1] @ heap/2\n1: 1 [1: 1] @ 0x11\n"
		    "#\t0x10\tf+0x1\ta:1\n#\t0x10\tg+0x1\ta:2\n#\t0x10\th+0x1\ta:3\n#\t0x10\ti+0x1\ta:4\n",
		    &lim, &p, &err) == HD_ERR_LIMIT, "inlined lines count: %s", err.msg);
}

/* ---- refusals ---- */

#define H "heap profile: 1: 2 [3: 4] @ heap/1024\n"
#define G "Go text heap profile, line "

static const char *const refusals[][2] = {
	{ "heap profile: 1: 2 @ heap/1024\n",
	  G "1: malformed header \"heap profile: 1: 2 @ heap/1024\" (want \"heap profile: N: N [N: N] @ heap/RATE\")" },
	{ "heap profile: [1: 2] 3: 4 @ heap/8\n",
	  G "1: malformed header \"heap profile: [1: 2] 3: 4 @ heap/8\" (want \"heap profile: N: N [N: N] @ heap/RATE\")" },
	{ "heap profile: 1: 2 [3: 4] @ heapz/8\n",
	  G "1: unknown sampling \"heapz\" in the header (Go writes heap/RATE)" },
	{ "heap profile: 1: 2 [3: 4] @ heap/1024 junk\n",
	  G "1: malformed header \"heap profile: 1: 2 [3: 4] @ heap/1024 junk\" (want \"heap profile: N: N [N: N] @ heap/RATE\")" },
	{ "heap profile: 1: 2 [3: 4] @ heap/99999999999999999999\n",
	  G "1: the sampling rate in the header \"heap profile: 1: 2 [3: 4] @ heap/99999999999999999999\" is out of range (more than 2^63 - 1)" },
	{ "heap profile: 1: 99999999999999999999 [3: 4] @ heap/8\n",
	  G "1: a total in the header \"heap profile: 1: 99999999999999999999 [3: 4] @ heap/8\" is out of range (more than 2^63 - 1)" },
	{ H "1: 512 [1: 5", G "2: the file ends inside this line (truncated?)" },
	{ H "x: y [1: 2] @ 0x1\n",
	  G "2: malformed record \"x: y [1: 2] @ 0x1\" (want \"N: N [N: N] @ 0xADDRESS...\")" },
	{ H "1: 512 1: 512 @ 0x1\n",
	  G "2: malformed record \"1: 512 1: 512 @ 0x1\" (want \"N: N [N: N] @ 0xADDRESS...\")" },
	{ H "1: 512 [1: 512] 0x1\n", G "2: record \"1: 512 [1: 512] 0x1\" has no '@' before its addresses" },
	{ H "-1: -512 [1: 512] @ 0x1\n", G "2: negative in-use object count in record \"-1: -512 [1: 512] @ 0x1\"" },
	{ H "1: 512 [1: -512] @ 0x1\n", G "2: negative allocated byte count in record \"1: 512 [1: -512] @ 0x1\"" },
	{ H "99999999999999999999: 1 [1: 1] @ 0x1\n",
	  G "2: the in-use object count in record \"99999999999999999999: 1 [1: 1] @ 0x1\" is out of range (more than 2^63 - 1)" },
	{ H "1: 1 [1: 1] @ 0x10000000000000000\n", G "2: address \"0x10000000000000000\" does not fit in 64 bits" },
	{ H "1: 1 [1: 1] @ 0x1 zz 0x2\n", G "2: \"zz\" in the address list is not an address" },
	{ H "1: 1 [1: 1] @ 0x1,0x2\n", G "2: \"0x1,0x2\" in the address list is not an address" },
	{ H "0: 5 [1: 5] @ 0x1\n", G "2: the in-use object count is 0 but its bytes are 5" },
	{ H "1: 5 [0: 5] @ 0x1\n", G "2: the allocated object count is 0 but its bytes are 5" },
	{ H "#\t0x10\tmain.f+0x1\ta.go:1\n", G "2: a frame line outside any record" },
	{ H "1: 1 [1: 1] @ 0x11\n\n#\t0x10\tmain.f+0x1\ta.go:1\n", G "4: a frame line outside any record" },
	{ H "1: 1 [1: 1] @ 0x11\n#\t0x20\tmain.f+0x1\ta.go:1\n",
	  G "3: frame 0x20 is not among the addresses of its record (line 2), or out of their order" },
	{ H "1: 1 [1: 1] @ 0x11 0x21\n#\t0x20\tg\ta:1\n#\t0x10\tf\ta:1\n",
	  G "4: frame 0x10 is not among the addresses of its record (line 2), or out of their order" },
	{ H "1: 1 [1: 1] @ 0x11 0x11\n#\t0x10\tf\ta:1\n#\t0x10\tf\ta:1\n#\t0x10\tf\ta:1\n",
	  G "3: 3 frame lines for 0x10, which its record (line 2) lists 2 times" },
	{ H "1: 1 [1: 1] @ 0x11\n#\t0x10zz\tf\ta:1\n",
	  G "3: malformed frame line \"#\\t0x10zz\\tf\\ta:1\" (want \"#\\t0xPC\\tFUNCTION+0xOFFSET\\tFILE:LINE\")" },
	{ H "1: 1 [1: 1] @ 0x11\n#\t0x10\tf\ta:99999999999999999999\n",
	  G "3: the line number in \"#\\t0x10\\tf\\ta:99999999999999999999\" is out of range" },
	{ H "1: 1 [1: 1] @ 0x1\n" H, G "3: a second \"heap profile:\" header (two profiles in one file?)" },
	{ H "hello\n", G "2: malformed record \"hello\" (want \"N: N [N: N] @ 0xADDRESS...\")" },
	{ H "# runtime.MemStats\n# Alloc = 12x\n", G "3: MemStats Alloc: \"12x\" is not a number" },
	{ H "# runtime.MemStats\n# Alloc = x12\n", G "3: MemStats Alloc: \"x12\" is not a number" },
	{ H "# runtime.MemStats\n# Sys = 18446744073709551616\n",
	  G "3: MemStats Sys: \"18446744073709551616\" does not fit in 64 bits" },
	{ H "# runtime.MemStats\n# Stack = 1 - 2\n", G "3: MemStats Stack: \"1 - 2\" is not \"INUSE / SYS\"" },
	{ H "# runtime.MemStats\n# MSpan = 1 / \n", G "3: MemStats MSpan: \"\" is not a number" },
	{ H "# runtime.MemStats\n# DebugGC = maybe\n", G "3: MemStats DebugGC: \"maybe\" is not true or false" },
	{ H "# runtime.MemStats\n# GCCPUFraction = lots\n", G "3: MemStats GCCPUFraction: \"lots\" is not a number" },
	{ H "# runtime.MemStats\n# PauseNs = 1 2\n", G "3: MemStats PauseNs: \"1 2\" is not a list of numbers \"[n n ...]\"" },
	{ H "# runtime.MemStats\n# PauseNs = [1  2]\n", G "3: MemStats PauseNs: \"[1  2]\" is not a list of numbers \"[n n ...]\"" },
	{ H "# runtime.MemStats\n# PauseNs = []\n", G "3: MemStats PauseNs: \"[]\" is not a list of numbers \"[n n ...]\"" },
	{ H "# runtime.MemStats\n# PauseNs = [1 x]\n", G "3: MemStats PauseNs: \"[1 x]\" is not a list of numbers \"[n n ...]\"" },
	{ H "# runtime.MemStats\n# PauseNs = [18446744073709551616]\n",
	  G "3: MemStats PauseNs: \"[18446744073709551616]\" is not a list of numbers \"[n n ...]\"" },
};

static void test_refusals(void)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct hd_profile *p = NULL;
		struct hd_error err;
		int rc = parse(refusals[i][0], NULL, &p, &err);

		CHECK(rc == HD_ERR_FORMAT && p == NULL && strcmp(err.msg, refusals[i][1]) == 0,
		      "refusal %zu: got %d '%s'\n    want '%s'", i, rc, err.msg, refusals[i][1]);
	}
}

/*
 * The committed capture reads the same on every amd64: for each of its
 * records, Go's two exp() paths unsample to the same integers, so its
 * protobuf twin (written on a CPU with FMA) matches it on any CPU.
 */
static void test_capture_paths(const char *buf)
{
	const char *line = buf;
	long long r = 0, c[4];
	size_t records = 0;
	int i;

	CHECK(sscanf(buf, "heap profile: %*d: %*d [%*d: %*d] @ heap/%lld", &r) == 1 && r > 2,
	      "capture's rate");
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "%lld: %lld [%lld: %lld] @", &c[0], &c[1], &c[2], &c[3]) != 4)
			continue;
		records++;
		for (i = 0; i < 4; i += 2) {
			double x, s0, s1;

			if (c[i] <= 0 || c[i + 1] <= 0)
				continue;
			x = -((double)c[i + 1] / (double)c[i]) / (double)(r / 2);
			s0 = 1 / (1 - hd_go_exp(x, 0));
			s1 = 1 / (1 - hd_go_exp(x, 1));
			CHECK((long long)((double)c[i] * s0) == (long long)((double)c[i] * s1) &&
			      (long long)((double)c[i + 1] * s0) == (long long)((double)c[i + 1] * s1),
			      "record %lld: %lld differs between Go's exp paths", c[i], c[i + 1]);
		}
	}
	CHECK(records > 20, "capture's records: %zu", records);
}

/* ---- MemStats ---- */

static void test_memstats(const char *root)
{
	static const char text[] =
		H
		"\n# runtime.MemStats\n"
		"# Alloc = 1409120\n# TotalAlloc = 2571984\n# Sys = 15054088\n# Lookups = 0\n"
		"# Mallocs = 3168\n# Frees = 1639\n# HeapAlloc = 1409121\n# HeapSys = 3866624\n"
		"# HeapIdle = 1777664\n# HeapInuse = 2088960\n# HeapReleased = 1556480\n"
		"# HeapObjects = 1529\n# Stack = 327680 / 327681\n# MSpan = 57888 / 65088\n"
		"# MCache = 2400 / 15600\n# BuckHashSys = 1451814\n# GCSys = 8961736\n"
		"# OtherSys = 365546\n# NextGC = 18446744073709551615\n# LastGC = 1796118796546009627\n"
		"# PauseNs = [66492 8345 92944 28804 0 0]\n# PauseEnd = [1796118795533835481 0]\n"
		"# NumGC = 4\n# NumForcedGC = 3\n# GCCPUFraction = 4.532992193476365e-05\n"
		"# DebugGC = true\n# MaxRSS = 8790016\n# SomethingNew = [1 2]\n";
	struct hd_profile *p = NULL;
	struct hd_error err;
	const struct hd_memstats *m;
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	CHECK(parse(text, NULL, &p, &err) == 0 && p->memstats, "memstats: %s", err.msg);
	if (!p || !(m = p->memstats))
		return;
	CHECK(m->alloc == 1409120 && m->total_alloc == 2571984 && m->sys == 15054088 &&
	      m->lookups == 0 && m->mallocs == 3168 && m->frees == 1639, "first six");
	CHECK(m->heap_alloc == 1409121 && m->heap_sys == 3866624 && m->heap_idle == 1777664 &&
	      m->heap_inuse == 2088960 && m->heap_released == 1556480 && m->heap_objects == 1529,
	      "heap");
	CHECK(m->stack_inuse == 327680 && m->stack_sys == 327681 && m->mspan_inuse == 57888 &&
	      m->mspan_sys == 65088 && m->mcache_inuse == 2400 && m->mcache_sys == 15600,
	      "inuse / sys");
	CHECK(m->buck_hash_sys == 1451814 && m->gc_sys == 8961736 && m->other_sys == 365546 &&
	      m->next_gc == UINT64_MAX && m->last_gc == 1796118796546009627ULL, "sys, gc");
	CHECK(m->num_gc == 4 && m->num_forced_gc == 3 && m->debug_gc == 1 && m->max_rss == 8790016 &&
	      m->gc_cpu_fraction && strcmp(m->gc_cpu_fraction, "4.532992193476365e-05") == 0, "rest");
	CHECK(m->npause == 6 && m->pause_ns && m->pause_ns[0] == 66492 && m->pause_ns[2] == 92944 &&
	      m->pause_ns[5] == 0, "PauseNs: %zu", m->npause);
	CHECK(m->nfields == 26, "fields: %zu", m->nfields);
	hd_profile_free(p);

	/* The committed capture: every field Go 1.19 writes. */
	snprintf(path, sizeof(path), "%s/testdata/gotext/heap.txt", root);
	f = fopen(path, "rb");
	CHECK(f != NULL, "%s", path);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	CHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n, "read %s", path);
	fclose(f);
	buf[n] = '\0';
	CHECK(parse(buf, NULL, &p, &err) == 0 && p->memstats && p->memstats->nfields == 26 &&
	      p->memstats->heap_alloc == p->memstats->alloc && p->memstats->sys > 0 &&
	      p->memstats->npause == 256 && p->memstats->pause_ns[1] == 17136,
	      "capture's memstats: %s", err.msg);
	hd_profile_free(p);
	test_capture_paths(buf);
	free(buf);
}

static void test_pprof(void)
{
	struct hd_profile *p = NULL;
	struct hd_error err;
	static const unsigned char empty_pprof[] = { 0x32, 0x00 };

	CHECK(hd_profile_parse(empty_pprof, sizeof(empty_pprof), NULL, &p, &err) == 0 &&
	      p->memstats == NULL, "a protobuf profile has no memstats");
	hd_profile_free(p);
}

/* ---- the wrong file ---- */

struct magic {
	const unsigned char *bytes;
	size_t len;
	const char *msg;
};

#define M(s, msg) { (const unsigned char *)(s), sizeof(s) - 1, msg }

static const struct magic magics[] = {
	M("PERFILE2\x68\0\0\0\0\0\0\0\x10\0\0\0",
	  "a perf.data file (Linux perf), not a pprof profile: convert it with perf_to_profile"),
	M("JAVA PROFILE 1.0.2\0\0\0\0\x08\0\0\x01\x8c", /* hprof.c's now: cut short */
	  "Java heap dump (HPROF), byte 19: the header is cut short (truncated?)"),
	M("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0",
	  "an ELF executable or library, not a profile (heapdiff needs the profile alone, no binary)"),
	M("go 1.19 trace\0\0\0\x01\x02\x03",
	  "a Go execution trace (/debug/pprof/trace), not a heap profile: fetch /debug/pprof/heap"),
	M("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n\x1f\x8b\x08\0",
	  "an HTTP response with its headers, not a profile (curl -i? save the body alone: curl -o FILE URL)"),
};

/* pprof.c's decode on its own: fails. */
static int pprof_refuses(const unsigned char *d, size_t n)
{
	struct hd_profile q;
	struct hd_error err;
	int rc;

	memset(&q, 0, sizeof(q));
	hd_arena_init(&q.arena);
	q.data = malloc(n + 1);
	memcpy(q.data, d, n);
	q.len = n;
	rc = hd_decoder_pprof.decode(&q, NULL, &err);
	hd_decoder_pprof.release(&q);
	hd_arena_release(&q.arena);
	free(q.data);
	return rc != 0;
}

static const char *const texts[][2] = {
	{ "<html>\n<head>\n<title>/debug/pprof/</title>\n",
	  "an HTML page, not a profile (fetch /debug/pprof/heap, not the /debug/pprof/ index)" },
	{ "\xef\xbb\xbf  \n<!DOCTYPE html><title>Sign in</title>",
	  "an HTML page, not a profile (a login or error page? fetch /debug/pprof/heap from the program itself)" },
	{ "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>",
	  "an XML document, not a profile (an error reply? fetch /debug/pprof/heap)" },
	{ "{\"error\": \"nope\"}\n",
	  "JSON, not a profile (heapdiff reads pprof heap profiles: fetch /debug/pprof/heap)" },
	{ "[1, 2]", "JSON, not a profile (heapdiff reads pprof heap profiles: fetch /debug/pprof/heap)" },
	{ "{\n\"cmdline\": [\"./x\"],\n\"memstats\": {\"Alloc\":1}}\n",
	  "Go's expvar JSON (/debug/vars), not a heap profile: fetch /debug/pprof/heap" },
	{ "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\"]}}}",
	  "a V8 heap snapshot, not a pprof profile (Node.js: take a heap profile with the pprof package)" },
	{ "goroutine profile: total 4\n1 @ 0x1 0x2\n",
	  "Go's goroutine profile as text (?debug=1), not a heap profile: fetch /debug/pprof/heap" },
	{ "goroutine 1 [running]:\nmain.main()\n",
	  "Go's goroutine dump (?debug=2), not a heap profile: fetch /debug/pprof/heap" },
	{ "threadcreate profile: total 7\n",
	  "Go's threadcreate profile as text (?debug=1), not a heap profile: fetch /debug/pprof/heap" },
	{ "--- contention:\ncycles/second=1996798564\n",
	  "Go's block profile as text (?debug=1), not a heap profile: fetch /debug/pprof/heap" },
	{ "--- mutex:\ncycles/second=1996798564\nsampling period=0\n",
	  "Go's mutex profile as text (?debug=1), not a heap profile: fetch /debug/pprof/heap" },
	{ "num_symbols: 1\n", "Go's symbol lookup reply (/debug/pprof/symbol), not a profile: fetch /debug/pprof/heap" },
	{ "panic: runtime error: index out of range\n\ngoroutine 1 [running]:\n",
	  "a Go panic or crash log, not a profile" },
	{ "404 page not found\n",
	  "a \"404 page not found\" reply, not a profile (is net/http/pprof imported? fetch /debug/pprof/heap)" },
	{ "Unknown profile\n",
	  "net/http/pprof's \"Unknown profile\" reply, not a profile (fetch /debug/pprof/heap)" },
	{ "Internal Server Error\n", "a short text, not a profile (an error reply?): \"Internal Server Error\"" },
	{ "caf\xc3\xa9 \x1b[1mbold\x1b[0m\r\n", "a short text, not a profile (an error reply?): \"caf?? ?[1mbold?[0m\"" },
};

static void test_wrong_file(void)
{
	struct hd_profile *p = NULL;
	struct hd_error err;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		CHECK(pprof_refuses(magics[i].bytes, magics[i].len), "pprof.c takes magic %zu", i);
		memset(&err, 0, sizeof(err));
		CHECK(hd_profile_parse(magics[i].bytes, magics[i].len, NULL, &p, &err) == HD_ERR_FORMAT &&
		      strcmp(err.msg, magics[i].msg) == 0, "magic %zu: '%s'", i, err.msg);
	}
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		CHECK(parse(texts[i][0], NULL, &p, &err) == HD_ERR_FORMAT &&
		      strcmp(err.msg, texts[i][1]) == 0, "text %zu: '%s'\n    want '%s'", i, err.msg,
		      texts[i][1]);
		CHECK(pprof_refuses((const unsigned char *)texts[i][0], strlen(texts[i][0])),
		      "pprof.c takes text %zu", i);
	}
	/* Longer text: its first line, cut. */
	big = malloc(8192);
	memset(big, 'a', 8191);
	big[8191] = '\0';
	big[3] = '\n';
	CHECK(parse(big, NULL, &p, &err) == HD_ERR_FORMAT &&
	      strcmp(err.msg, "text, not a profile (it begins \"aaa\")") == 0, "long: %s", err.msg);
	memset(big, 'b', 100);
	CHECK(parse(big, NULL, &p, &err) == HD_ERR_FORMAT &&
	      strcmp(err.msg, "text, not a profile (it begins "
		     "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...\")") == 0,
	      "long line: %s", err.msg);
	/* A NUL anywhere, control bytes, Latin-1, white space alone: left
	 * to pprof.c, whatever the start looks like. */
	memcpy(big, "<html>", 6);
	big[6000] = '\0';
	memset(&err, 0, sizeof(err));
	CHECK(hd_profile_parse((unsigned char *)big, 8000, NULL, &p, &err) == HD_ERR_FORMAT &&
	      strncmp(err.msg, "not a pprof profile (malformed protobuf", 39) == 0, "NUL: %s", err.msg);
	free(big);
	CHECK(parse("<html>\x01</html>", NULL, &p, &err) == HD_ERR_FORMAT &&
	      strncmp(err.msg, "not a pprof profile", 19) == 0, "control byte: %s", err.msg);
	CHECK(parse("<p>caf\xe9</p>", NULL, &p, &err) == HD_ERR_FORMAT &&
	      strncmp(err.msg, "not a pprof profile", 19) == 0, "Latin-1: %s", err.msg);
	CHECK(parse(" \n\t\r\n", NULL, &p, &err) == HD_ERR_FORMAT &&
	      strncmp(err.msg, "not a pprof profile", 19) == 0, "white space: %s", err.msg);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gotext-unit SOURCE_ROOT\n");
		return 2;
	}
	test_exp();
	test_shapes();
	test_values();
	test_limits();
	test_refusals();
	test_memstats(argv[1]);
	test_pprof();
	test_wrong_file();
	printf("gotext-unit: %d passed, %d failed\n", checks - failures, failures);
	return failures ? 1 : 0;
}
