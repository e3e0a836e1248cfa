/*
 * native-unit.c - the native profiles' decoders and symbolizer without the
 * allocators: the address arithmetic, the committed dumps of
 * testdata/native (named through --binary, with jeprof's and pprof's
 * numbers), a missing binary, a build-id mismatch, and hostile memory maps.
 * Usage: native-unit SOURCE_ROOT.  Exit 77 when heapdiff was built without
 * libdw (the names cannot be checked).
 */
#define _XOPEN_SOURCE 700 /* realpath, mkdtemp */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "input/input.h"
#include "input/symbolize.h"
#include "unitcheck.h"

static char root[4096];

static void test_arithmetic(void)
{
	/* a PIE: mapped at 0x55f495e60000 from offset 0x1000, segment at
	 * p_offset 0x1000, p_vaddr 0x1000 */
	CHECK(hd_sym_elf_vaddr(0x55f495e601c6, 0x55f495e60000, 0x1000, 0x1000, 0x1000) == 0x11c6,
	      "PIE");
	/* a shared library whose text segment's p_vaddr differs from its
	 * p_offset (as the RW segment often does) */
	CHECK(hd_sym_elf_vaddr(0x7f0000012345, 0x7f0000010000, 0x9000, 0x9000, 0xa000) == 0xc345,
	      "shared library");
	/* an ET_EXEC: its addresses are its virtual addresses */
	CHECK(hd_sym_elf_vaddr(0x401234, 0x401000, 0x1000, 0x1000, 0x401000) == 0x401234, "ET_EXEC");
	CHECK(hd_sym_call_pc(0x1000, 0) == 0xfff, "a return address is looked up inside its call");
	CHECK(hd_sym_call_pc(0x1000, 1) == 0x1000, "a CPU profile's leaf PC stays");
	CHECK(hd_sym_call_pc(0, 0) == 0, "0 does not wrap");
}

/* C++ names as pprof's default demangling prints them (the Go demangler's
 * NoParams and NoTemplateParams, checked against go tool pprof's vendored
 * copy): no parameters, template arguments or clone suffix, and an
 * operator's own "<" kept. */
static void test_demangle(void)
{
	static const char *const cases[][2] = {
		{ "_ZN5store4PoolINS_5BlockEE4growEm", "store::Pool::grow" },
		{ "_ZN5store5churnEd.cold", "store::churn" },
		{ "_Z3fooIiEvT_", "foo" },
		{ "_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()" },
		{ "_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo" },
		{ "_ZltRK1AS1_", "operator<" },
		{ "_ZN1AIiEltERKS0_", "A::operator<" },
		{ "_ZNKSt5ctypeIcE8do_widenEc", "std::ctype::do_widen" },
		{ "_Znwm", "operator new" },
	};
	char buf[256];
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t n = hd_sym_demangle(cases[k][0], buf, sizeof(buf));

		CHECK(n && strcmp(buf, cases[k][1]) == 0, "demangle %s: %s, not %s", cases[k][0],
		      n ? buf : "(none)", cases[k][1]);
	}
	CHECK(hd_sym_demangle("main", buf, sizeof(buf)) == 0, "a C name is no C++ name");
	CHECK(hd_sym_demangle("_Zgarbage", buf, sizeof(buf)) == 0, "a bad mangled name stays");
	CHECK(hd_sym_demangle("_ZN5store4PoolINS_5BlockEE4growEm", buf, 6) == 5 &&
	      strcmp(buf, "store") == 0, "truncated to the room");
}

static struct hd_profile *load(const char *rel, const char *binary, struct hd_error *err)
{
	struct hd_limits lim = { .max_size = HD_DEFAULT_MAX_SIZE };
	struct hd_profile *p = NULL;
	char path[8192], bin[8192];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (binary) {
		snprintf(bin, sizeof(bin), "%s/%s", root, binary);
		lim.binary = bin;
	}
	if (hd_profile_load(path, &lim, &p, err))
		return NULL;
	return p;
}

/* The sum of type t's values over samples whose leaf is named name. */
static int64_t leaf_total(const struct hd_profile *p, size_t t, const char *name)
{
	struct hd_sample_iter it = { 0, 0 };
	uint32_t *locs = malloc((p->max_locs + 1) * sizeof(*locs));
	int64_t *vals = malloc(p->ntypes * sizeof(*vals)), sum = 0;
	struct hd_psample s;

	while (hd_profile_next(p, &it, locs, vals, &s)) {
		const struct hd_ploc *l;

		if (!s.nlocs)
			continue;
		l = &p->locs[s.locs[0]];
		if (l->nlines && strcmp(p->funcs[l->lines[0].func].name, name) == 0)
			sum += vals[t];
	}
	free(locs);
	free(vals);
	return sum;
}

static int has_func(const struct hd_profile *p, const char *name, const char *file_end)
{
	size_t i, n = strlen(file_end);

	for (i = 0; i < p->nfuncs; i++)
		if (strcmp(p->funcs[i].name, name) == 0 && strlen(p->funcs[i].filename) >= n &&
		    strcmp(p->funcs[i].filename + strlen(p->funcs[i].filename) - n, file_end) == 0)
			return 1;
	return 0;
}

/* The inlined frame: new_block at leak.c:25, inside leak_one at :33. */
static int inlined_ok(const struct hd_profile *p)
{
	size_t i;

	for (i = 0; i < p->nlocs; i++) {
		const struct hd_ploc *l = &p->locs[i];

		if (l->nlines == 2 && strcmp(p->funcs[l->lines[0].func].name, "new_block") == 0)
			return strcmp(p->funcs[l->lines[1].func].name, "leak_one") == 0 &&
				l->lines[0].line == 25 && l->lines[1].line == 33;
	}
	return 0;
}

static void test_committed(void)
{
	struct hd_error err = { 0 };
	struct hd_profile *p = load("testdata/native/je.2.heap", "testdata/native/leak", &err);

	CHECK(p, "je.2.heap: %s", err.msg);
	if (p) {
		/* jeprof --text --show_bytes --inuse_space leak je.2.heap */
		CHECK(strcmp(p->decoder->name, "jemalloc") == 0, "decoder %s", p->decoder->name);
		CHECK(p->ntypes == 4 && strcmp(p->type_names[3], "inuse_space") == 0, "types");
		CHECK(leaf_total(p, 3, "fill_cache") == 1048576, "fill_cache %lld",
		      (long long)leaf_total(p, 3, "fill_cache"));
		CHECK(leaf_total(p, 3, "new_block") == 1534976, "new_block %lld",
		      (long long)leaf_total(p, 3, "new_block"));
		CHECK(has_func(p, "leak", "testdata/gen/native/leak.c"), "leak's file");
		CHECK(inlined_ok(p), "the inlined frame of new_block in leak_one");
		hd_profile_free(p);
	}
	p = load("testdata/native/tc.0004.heap", "testdata/native/leak", &err);
	CHECK(p, "tc.0004.heap: %s", err.msg);
	if (p) {
		/* go tool pprof -sample_index=inuse_space: leak_one 1273650
		 * (new_block's, which pprof does not expand) */
		CHECK(strcmp(p->decoder->name, "gperftools") == 0, "decoder %s", p->decoder->name);
		CHECK(leaf_total(p, 3, "new_block") == 1273650, "new_block %lld",
		      (long long)leaf_total(p, 3, "new_block"));
		CHECK(leaf_total(p, 3, "fill_cache") == 1048576, "fill_cache");
		hd_profile_free(p);
	}
}

/* A pprof profile of addresses only: go tool pprof -symbolize=none -proto
 * tc.0004.heap writes tc.0004.heap's samples with its memory map as
 * mappings with has_functions false.  Named by the same symbolizer, with
 * the dump's own numbers. */
static void test_pprof_addresses(void)
{
	struct hd_error err = { 0 };
	struct hd_profile *p = load("testdata/native/tc.0004.addresses.pb.gz", "testdata/native/leak",
				    &err);

	CHECK(p, "tc.0004.addresses.pb.gz: %s", err.msg);
	if (!p)
		return;
	CHECK(strcmp(p->decoder->name, "pprof") == 0, "decoder %s", p->decoder->name);
	CHECK(p->nmappings == 3 && !p->mappings[0].has_functions &&
	      p->mappings[0].memory_start == 0x55ae462fa000 &&
	      p->mappings[0].memory_limit == 0x55ae462fb000 && p->mappings[0].file_offset == 0x1000 &&
	      strcmp(p->mappings[0].file, "/tmp/heapdiff-native/leak") == 0,
	      "the mapping kept: %zu mappings", p->nmappings);
	CHECK(leaf_total(p, 3, "new_block") == 1273650, "new_block %lld",
	      (long long)leaf_total(p, 3, "new_block"));
	CHECK(leaf_total(p, 3, "fill_cache") == 1048576, "fill_cache");
	CHECK(inlined_ok(p), "the inlined frame of new_block in leak_one");
	hd_profile_free(p);
}

/* The committed C++ program's tcmalloc dump, by its demangled names. */
static void test_committed_cxx(void)
{
	struct hd_error err = { 0 };
	struct hd_profile *p = load("testdata/native/tcxx.0004.heap", "testdata/native/leakxx", &err);

	CHECK(p, "tcxx.0004.heap: %s", err.msg);
	if (p) {
		size_t i, sys = 0;

		/* jeprof --text --show_bytes --inuse_space leakxx tcxx.0004.heap */
		CHECK(leaf_total(p, 3, "store::Pool::grow") == 1200000, "store::Pool::grow %lld",
		      (long long)leaf_total(p, 3, "store::Pool::grow"));
		CHECK(has_func(p, "std::vector::push_back", "stl_vector.h"), "an inlined C++ frame");
		for (i = 0; i < p->nfuncs; i++)
			sys += strcmp(p->funcs[i].name, "store::Pool::grow") == 0 &&
				strcmp(p->funcs[i].system_name, "_ZN5store4PoolINS_5BlockEE4growEm") == 0;
		CHECK(sys == 1, "the mangled name is the system name");
		hd_profile_free(p);
	}
}

static int warned(const struct hd_profile *p, const char *what)
{
	size_t i;

	for (i = 0; i < p->nwarnings; i++)
		if (strstr(p->warnings[i], what))
			return 1;
	return 0;
}

static void test_missing(void)
{
	struct hd_error err = { 0 };
	struct hd_profile *p = load("testdata/native/je.2.heap", "testdata/native/no-such-binary", &err);
	size_t i, addr = 0;

	CHECK(p, "a missing binary is no failure: %s", err.msg);
	if (!p)
		return;
	CHECK(warned(p, "no-such-binary: no such file"), "one warning naming the missing file");
	CHECK(p->nwarnings >= 1, "warnings");
	for (i = 0; i < p->nfuncs; i++)
		if (strstr(p->funcs[i].name, "/leak+0x"))
			addr++;
	CHECK(addr > 0, "frames left as FILE+0xOFFSET");
	hd_profile_free(p);
}

static struct hd_profile *from_text(const char *text, const char *binary, struct hd_error *err);

/* The same code in two runs at other load addresses (ASLR), its file
 * missing: one name, FILE+0xOFFSET, so a diff joins the two. */
static void test_aslr(void)
{
	static const char *const runs[] = {
		"heap_v2/1\n  t*: 1: 64 [0: 0]\n@ 0x55a000001235\n  t*: 1: 64 [0: 0]\n\n"
		"MAPPED_LIBRARIES:\n55a000001000-55a000002000 r-xp 00001000 fe:00 1 /no/such/app\n",
		"heap_v2/1\n  t*: 1: 64 [0: 0]\n@ 0x563fff001235\n  t*: 1: 64 [0: 0]\n\n"
		"MAPPED_LIBRARIES:\n563fff001000-563fff002000 r-xp 00001000 fe:00 1 /no/such/app\n",
	};
	const char *names[2] = { NULL, NULL };
	struct hd_profile *p[2];
	int k;

	for (k = 0; k < 2; k++) {
		struct hd_error err = { 0 };

		p[k] = from_text(runs[k], NULL, &err);
		CHECK(p[k], "run %d: %s", k, err.msg);
		if (p[k] && p[k]->nlocs == 1 && p[k]->locs[0].nlines == 1)
			names[k] = p[k]->funcs[p[k]->locs[0].lines[0].func].name;
	}
	/* 0x...1235 is a return address: its call is at offset 0x1234 */
	CHECK(names[0] && strcmp(names[0], "/no/such/app+0x1234") == 0, "run 0: %s",
	      names[0] ? names[0] : "(none)");
	CHECK(names[0] && names[1] && strcmp(names[0], names[1]) == 0,
	      "two load addresses, one name: %s, %s", names[0] ? names[0] : "(none)",
	      names[1] ? names[1] : "(none)");
	hd_profile_free(p[0]);
	hd_profile_free(p[1]);
}

/* A profile whose memory map is text, written to a temporary file. */
static struct hd_profile *from_text(const char *text, const char *binary, struct hd_error *err)
{
	char path[] = "/tmp/native-unit.XXXXXX";
	struct hd_limits lim = { .max_size = HD_DEFAULT_MAX_SIZE, .binary = binary };
	struct hd_profile *p = NULL;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	if (hd_profile_load(path, &lim, &p, err))
		p = NULL;
	remove(path);
	return p;
}

/* --binary of another build than the file the profile's map names (here
 * on this machine too): one warning naming both, and the report runs,
 * named from --binary. */
static void test_build_id(void)
{
	struct hd_error err = { 0 };
	char text[8192], bin[4200];
	struct hd_profile *p;
	size_t i, named = 0, n = 0;

	snprintf(bin, sizeof(bin), "%s/testdata/native/leak", root);
	/* leak's fill_cache, at 0x1339 in leak (a PIE: offset = address) */
	snprintf(text, sizeof(text),
		 "heap_v2/1\n  t*: 1: 64 [0: 0]\n@ 0x55a000001339\n  t*: 1: 64 [0: 0]\n\n"
		 "MAPPED_LIBRARIES:\n55a000001000-55a000002000 r-xp 00001000 fe:00 1 "
		 "%s/testdata/native/leakxx\n", root);
	p = from_text(text, bin, &err);
	CHECK(p, "a build-id mismatch is no failure: %s", err.msg);
	if (!p)
		return;
	for (i = 0; i < p->nwarnings; i++)
		if (strstr(p->warnings[i], "build ID")) {
			n++;
			CHECK(strstr(p->warnings[i], "testdata/native/leak: build ID") &&
			      strstr(p->warnings[i], "testdata/native/leakxx, which the profile's map names"),
			      "the warning names both files: %s", p->warnings[i]);
		}
	CHECK(n == 1, "one build-id warning, not %zu", n);
	for (i = 0; i < p->nfuncs; i++)
		named += strcmp(p->funcs[i].name, "fill_cache") == 0;
	CHECK(named == 1, "named from --binary all the same");
	hd_profile_free(p);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* je.2.heap's frames named through bin and symbols: how many of leak.c's
 * functions have their file (so came from DWARF), and whether warned. */
static int debug_names(const char *bin, const char *symbols, const char *warning, int *warned_out)
{
	struct hd_limits lim = { .max_size = HD_DEFAULT_MAX_SIZE, .binary = bin, .symbols = symbols };
	static const char *const funcs[] = { "leak", "churn", "fill_cache", "main", "leak_one" };
	struct hd_error err = { 0 };
	struct hd_profile *p = NULL;
	char path[8192];
	int n = 0;
	size_t k;

	snprintf(path, sizeof(path), "%s/testdata/native/je.2.heap", root);
	if (hd_profile_load(path, &lim, &p, &err))
		return -1;
	for (k = 0; k < sizeof(funcs) / sizeof(funcs[0]); k++)
		n += has_func(p, funcs[k], "leak.c");
	if (warned_out)
		*warned_out = warning && warned(p, warning);
	hd_profile_free(p);
	return n;
}

/*
 * A stripped binary with its DWARF in a separate debug file, made with
 * binutils from the committed leak (its dump's addresses are that
 * build's): found through --symbols DIR by build ID (DIR/.build-id/xx/
 * rest.debug, and DIR/xx/rest.debug as /usr/lib/debug/.build-id itself
 * is laid out), through the binary's .gnu_debuglink beside it, and a
 * debug file of another build refused with a warning.
 */
static void test_debug_file(void)
{
	char dir[] = "/tmp/native-unit-dbg.XXXXXX", bin[4200], sym[4200], hex[129];
	const char *leak = "testdata/native/leak";
	FILE *f;
	int n, w = 0;

	if (sh("command -v objcopy >/dev/null && command -v strip >/dev/null") != 0) {
		printf("native-unit: SKIP separate debug files: no objcopy or strip\n");
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(bin, sizeof(bin), "%s/leak", dir);
	/* the build ID, as readelf prints it */
	snprintf(sym, sizeof(sym),
		 "readelf -n '%s/%s' | sed -n 's/.*Build ID: *\\([0-9a-f]*\\).*/\\1/p' > %s/id",
		 root, leak, dir);
	CHECK(sh("%s", sym) == 0, "readelf");
	snprintf(sym, sizeof(sym), "%s/id", dir);
	hex[0] = '\0';
	if ((f = fopen(sym, "r"))) {
		if (!fgets(hex, sizeof(hex), f))
			hex[0] = '\0';
		fclose(f);
	}
	hex[strcspn(hex, "\n")] = '\0';
	CHECK(strlen(hex) == 40, "leak's build ID: '%s'", hex);
	CHECK(sh("cd %s && objcopy --only-keep-debug '%s/%s' leak.debug && "
		 "strip -o leak.stripped '%s/%s' && "
		 "objcopy --add-gnu-debuglink=leak.debug leak.stripped leak && "
		 "mkdir -p syms/.build-id/%.2s flat/%.2s && cp leak.debug syms/.build-id/%.2s/%s.debug && "
		 "cp leak.debug flat/%.2s/%s.debug && mv leak.debug leak.dbg",
		 dir, root, leak, root, leak, hex, hex, hex, hex + 2, hex, hex + 2) == 0,
	      "objcopy, strip");
	snprintf(sym, sizeof(sym), "%s/leak.stripped", dir);
	n = debug_names(sym, NULL, NULL, NULL);
	CHECK(n == 0, "the stripped binary alone names %d of leak.c's functions with their file", n);
	snprintf(sym, sizeof(sym), "%s/syms", dir);
	n = debug_names(bin, sym, NULL, NULL);
	CHECK(n == 5, "--symbols DIR/.build-id/xx/rest.debug: %d of 5 named from DWARF", n);
	snprintf(sym, sizeof(sym), "%s/flat", dir);
	n = debug_names(bin, sym, NULL, NULL);
	CHECK(n == 5, "--symbols DIR/xx/rest.debug: %d of 5 named from DWARF", n);
	/* .gnu_debuglink: leak.debug beside the binary */
	CHECK(sh("cd %s && cp leak.dbg leak.debug", dir) == 0, "cp");
	n = debug_names(bin, NULL, NULL, NULL);
	CHECK(n == 5, ".gnu_debuglink beside the binary: %d of 5 named from DWARF", n);
	/* another build's debug info where leak's should be */
	CHECK(sh("cd %s && rm leak.debug && objcopy --only-keep-debug '%s/testdata/native/leakxx' "
		 "syms/.build-id/%.2s/%s.debug", dir, root, hex, hex + 2) == 0, "objcopy leakxx");
	snprintf(sym, sizeof(sym), "%s/syms", dir);
	n = debug_names(bin, sym, "build ID differs", &w);
	CHECK(n == 0 && w, "a debug file of another build refused (%d named, warned %d)", n, w);
	sh("rm -rf '%s'", dir);
}

static void test_hostile(void)
{
	static const char *const maps[] = {
		/* overlapping ranges, a device, a FIFO-ish path, a directory,
		 * a file that is no ELF, absurd offsets, a huge range */
		"0-ffffffffffffffff r-xp 00000000 00:00 0 /dev/zero\n"
		"1000-2000 r-xp ffffffffffff0000 00:00 0 /etc/passwd\n"
		"1500-1800 r-xp 00000000 00:00 0 /\n"
		"1600-1700 r-xp 7fffffffffffffff 00:00 0 /proc/self/mem\n"
		"1650-1660 r-xp 00000000 00:00 0 /dev/stdin\n",
		"garbage line\n-\n1000-\n1000-2000\n1000-2000 r-xp\n1000-2000 r-xp zz 0 0 /x\n",
		"2000-1000 r-xp 00000000 00:00 0 /bin/sh\n"
		"1000-2000 r-xp ffffffffffffffff 00:00 0 /bin/sh\n",
	};
	char text[16384];
	size_t k;

	for (k = 0; k < sizeof(maps) / sizeof(maps[0]); k++) {
		struct hd_error err = { 0 };
		struct hd_profile *p;
		time_t t0 = time(NULL);

		snprintf(text, sizeof(text),
			 "heap_v2/524288\n  t*: 2: 200 [0: 0]\n"
			 "@ 0x1001 0x1601 0x1655 0x0 0xffffffffffffffff 0x1fff\n  t*: 2: 200 [0: 0]\n"
			 "\nMAPPED_LIBRARIES:\n%s", maps[k]);
		p = from_text(text, NULL, &err);
		CHECK(p, "hostile map %zu: %s", k, err.msg);
		CHECK(time(NULL) - t0 < 10, "hostile map %zu took %lld s", k, (long long)(time(NULL) - t0));
		if (p && k == 0) {
			CHECK(warned(p, "/dev/zero: not a regular file"), "/dev/zero refused");
			CHECK(warned(p, "/etc/passwd: not an ELF file"), "a text file refused");
		}
		hd_profile_free(p);
	}
	{
		/* made here: a FIFO (opening it for reading would block), a
		 * directory, and files that start as ELF and are not */
		char dir[] = "/tmp/native-unit-hostile.XXXXXX", path[4200];
		struct hd_error err = { 0 };
		struct hd_profile *p;
		time_t t0 = time(NULL);
		FILE *f;

		if (!mkdtemp(dir)) {
			CHECK(0, "mkdtemp: %s", strerror(errno));
			return;
		}
		snprintf(path, sizeof(path), "%s/fifo", dir);
		CHECK(mkfifo(path, 0600) == 0, "mkfifo: %s", strerror(errno));
		snprintf(path, sizeof(path), "%s/elf-junk", dir);
		if ((f = fopen(path, "wb"))) {
			fputs("\177ELF\002\001\001junk junk junk", f);
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/elf-short", dir);
		if ((f = fopen(path, "wb"))) {
			fputs("\177ELF", f);
			fclose(f);
		}
		snprintf(text, sizeof(text),
			 "heap_v2/1\n  t*: 3: 300 [0: 0]\n@ 0x1001 0x2001 0x3001 0x4001 0x5001\n  t*: 3: 300 [0: 0]\n"
			 "\nMAPPED_LIBRARIES:\n"
			 "1000-2000 r-xp 00000000 00:00 0 %s/fifo\n"
			 "2000-3000 r-xp 00000000 00:00 0 %s\n"
			 "3000-4000 r-xp 00000000 00:00 0 %s/elf-junk\n"
			 "4000-5000 r-xp 00000000 00:00 0 %s/elf-short\n"
			 "3800-6000 r-xp fffffffffffff000 00:00 0 %s/testdata/native/leak\n",
			 dir, dir, dir, dir, root);
		p = from_text(text, NULL, &err);
		CHECK(p, "hostile files: %s", err.msg);
		CHECK(time(NULL) - t0 < 10, "hostile files took %lld s", (long long)(time(NULL) - t0));
		if (p) {
			CHECK(warned(p, "/fifo: not a regular file"), "a FIFO refused");
			CHECK(warned(p, "hostile.") && warned(p, "elf-short"), "a short ELF refused");
			CHECK(p->nsamples == 1, "the sample kept");
		}
		hd_profile_free(p);
		sh("rm -rf '%s'", dir);
	}
	{
		struct hd_error err = { 0 };
		struct hd_profile *p = from_text("heap_v2/1\n  t*: 1: 1 [0: 0]\n@ 0x1\n  t0: 1: 1 [0: 0]\n",
						 NULL, &err);

		CHECK(!p && strstr(err.msg, "without its \"t*:\" line"), "a record needs t*: %s", err.msg);
		hd_profile_free(p);
	}
}

int main(int argc, char **argv)
{
	struct hd_error err = { 0 };
	struct hd_profile *p;

	/* absolute: the debug-file test runs commands elsewhere */
	if (!realpath(argc > 1 ? argv[1] : ".", root))
		snprintf(root, sizeof(root), "%s", argc > 1 ? argv[1] : ".");
	test_arithmetic();
	p = load("testdata/native/je.2.heap", "testdata/native/leak", &err);
	if (p && !has_func(p, "leak", "leak.c")) {
		printf("SKIP: built without libdw\n");
		hd_profile_free(p);
		return failures ? 1 : 77;
	}
	hd_profile_free(p);
	test_committed();
	test_pprof_addresses();
	if (hd_sym_demangle("_Znwm", (char[16]){ 0 }, 16)) {
		test_demangle();
		test_committed_cxx();
	} else {
		printf("native-unit: built without libiberty, C++ names not checked\n");
	}
	test_missing();
	test_aslr();
	test_build_id();
	test_debug_file();
	test_hostile();
	printf("native-unit: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
