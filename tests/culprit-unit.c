/*
 * culprit-unit.c - the user's code (app.c), culprits, retention labels
 * and the order of columns, on real captures: testdata/captures/run-12
 * (a Go service with known leaks, churn and a pool misused; its README
 * has the truth) and testdata/leak-*.pb.gz.
 *
 * Usage: culprit-unit SOURCE_ROOT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/app.h"
#include "engine/report.h"

#include "unitcheck.h"

static const char *root;

static void test_app_rules(void)
{
	static const struct { const char *fn, *file; int user; } go[] = {
		{"main.handle", "", 1},
		{"main.(*srv).ServeHTTP", "", 1},
		{"github.com/acme/cache.(*LRU).Add", "", 1},
		{"myservice/internal/db.Query", "", 1}, /* a module without a dot */
		{"main.F[net/http.Header]", "", 1},     /* type arguments are not the package */
		{"net/http.(*conn).serve", "", 0},
		{"bytes.growSlice", "", 0},
		{"runtime.mallocgc", "", 0},
		{"internal/poll.(*FD).Read", "", 0},
		{"type..eq.main.T", "", 0},
		{"malloc", "", 0},                       /* C under cgo */
		{"", "runtime/malloc.go", 0},
		{"", "/usr/lib/go-1.19/src/runtime/malloc.go", 0},
		{"", "heapdiff/testdata/gen/leak/main.go", 1},
		{"", "/home/u/svc/main.go", 1},
		{"", "", 0},
	};
	static const struct { const char *fn, *file; int user; } node[] = {
		{"handle", "/srv/app/index.js", 1},
		{"(anonymous)", "/srv/app/index.js", 0},
		{"(program)", "", 0},
		{"emit", "node:events", 0},
		{"readFile", "internal/fs/utils.js", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(go) / sizeof(go[0]); i++)
		CHECK(hd_app_is_user(HD_APP_GO, go[i].fn, go[i].file) == go[i].user,
		      "go: '%s' '%s' is%s the user's", go[i].fn, go[i].file, go[i].user ? "" : " not");
	for (i = 0; i < sizeof(node) / sizeof(node[0]); i++)
		CHECK(hd_app_is_user(HD_APP_NODE, node[i].fn, node[i].file) == node[i].user,
		      "node: '%s' '%s'", node[i].fn, node[i].file);
	CHECK(hd_app_is_user(HD_APP_JAVA, "LeakApp$Session", "") == 1, "java: the program's class");
	CHECK(hd_app_is_user(HD_APP_JAVA, "LeakApp$Session[]", "") == 1, "java: its arrays");
	CHECK(hd_app_is_user(HD_APP_JAVA, "class LeakApp", "") == 1, "java: its Class object");
	CHECK(hd_app_is_user(HD_APP_JAVA, "java.util.HashMap$Node[]", "") == 0, "java: the JDK's");
	CHECK(hd_app_is_user(HD_APP_JAVA, "byte[]", "") == 0, "java: primitive arrays");
	CHECK(hd_app_is_user(HD_APP_JAVA, "com.sun.proxy.X", "") == 0, "java: com.sun.");
	CHECK(hd_app_is_user(HD_APP_JAVA, "<GC root: Java local>", "") == 0, "java: root kinds");
	CHECK(hd_app_is_user(HD_APP_ALL, "anything", "") == 1, "all: named frames");
	CHECK(hd_app_is_user(HD_APP_ALL, "", "") == 0, "all: bare addresses are not");
}

/* A finished report of the files, in the order given here. */
static struct hd_report *report_of(enum hd_command cmd, enum hd_order order,
				   const char *const *files, size_t n)
{
	struct hd_report_opts o;
	struct hd_report *r = NULL;
	struct hd_error err;
	struct hd_limits lim = {.max_size = HD_DEFAULT_MAX_SIZE};
	size_t i;

	hd_report_opts_init(&o, cmd);
	o.order = order;
	if (hd_report_new(&o, &r, &err))
		goto fail;
	for (i = 0; i < n; i++) {
		struct hd_profile *p = NULL;
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		if (hd_profile_load(path, &lim, &p, &err))
			goto fail;
		if (hd_report_add(r, path, NULL, p, &err)) {
			hd_profile_free(p);
			goto fail;
		}
		hd_profile_free(p);
	}
	if (hd_report_finish(r, &err))
		goto fail;
	return r;
fail:
	fprintf(stderr, "culprit-unit: %s\n", err.msg);
	exit(1);
}

static const struct hd_row *row_named(const struct hd_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nrows; i++)
		if (strcmp(hd_model_frame(r->model, r->rows[i].frame)->name, name) == 0)
			return &r->rows[i];
	return NULL;
}

static const char *frame_name(const struct hd_report *r, uint32_t f)
{
	return f == HD_NO_FRAME ? "(none)" : hd_model_frame(r->model, f)->name;
}

static void test_captures(void)
{
	/* Glob order: not time order. */
	static const char *const files[] = {
		"testdata/captures/run-12/heap-1.pb.gz", "testdata/captures/run-12/heap-10.pb.gz",
		"testdata/captures/run-12/heap-11.pb.gz", "testdata/captures/run-12/heap-12.pb.gz",
		"testdata/captures/run-12/heap-2.pb.gz", "testdata/captures/run-12/heap-3.pb.gz",
		"testdata/captures/run-12/heap-4.pb.gz", "testdata/captures/run-12/heap-5.pb.gz",
		"testdata/captures/run-12/heap-6.pb.gz", "testdata/captures/run-12/heap-7.pb.gz",
		"testdata/captures/run-12/heap-8.pb.gz", "testdata/captures/run-12/heap-9.pb.gz",
	};
	struct hd_report *r = report_of(HD_CMD_TREND, HD_ORDER_AUTO, files, 12);
	const struct hd_row *pool = row_named(r, "main.poolMisuse");
	const struct hd_row *grow = row_named(r, "bytes.growSlice");
	const struct hd_row *churn = row_named(r, "main.churn");
	const struct hd_row *leak = row_named(r, "main.steadyLeak");
	const struct hd_row *base = row_named(r, "main.loadBaseline");
	size_t c;

	CHECK(r->order_used == HD_ORDER_TIME, "run-12: time order used");
	for (c = 1; c < r->ncols; c++)
		CHECK(r->cols[c].time_nanos > r->cols[c - 1].time_nanos, "run-12: column %zu in time", c);
	CHECK(strstr(r->cols[11].path, "heap-12.pb.gz") != NULL, "run-12: last is heap-12 (%s)",
	      r->cols[11].path);
	CHECK(r->nwarnings == 0, "run-12: no warning in time order");
	CHECK(strcmp(r->app_rule, "go") == 0, "run-12: Go's rule (%s)", r->app_rule);
	CHECK(r->pair_type && strcmp(r->pair_type, "alloc_space") == 0, "run-12: the pair is alloc_space");
	CHECK(pool && pool->dattr > 2000000, "pool: its own growth holds bytes.growSlice's (%lld)",
	      pool ? (long long)pool->dattr : -1LL);
	CHECK(pool && pool->culprit == pool->frame, "pool: its own culprit");
	CHECK(grow && grow->culprit == (pool ? pool->frame : 0) && grow->culprit_share > 0.9,
	      "bytes.growSlice: culprit %s (%.2f)", grow ? frame_name(r, grow->culprit) : "?",
	      grow ? grow->culprit_share : 0.0);
	CHECK(churn && churn->ret.label == HD_RET_CHURN,
	      "churn: a row labelled churn (in use %lld, allocated %lld)",
	      churn ? (long long)churn->ret.inuse_delta : 0LL,
	      churn ? (long long)churn->ret.alloc_delta : 0LL);
	CHECK(leak && leak->ret.label == HD_RET_RETAINED, "steady leak: retained (kept %.2f)",
	      leak ? leak->ret.kept : 0.0);
	CHECK(base && base->ret.label == HD_RET_NONE, "baseline heap: nothing allocated to speak of");
	hd_report_free(r);

	/* The same, kept as given: a warning, and nothing reordered. */
	r = report_of(HD_CMD_TREND, HD_ORDER_GIVEN, files, 12);
	CHECK(r->order_used == HD_ORDER_GIVEN && r->order_contradicts, "given: contradicts");
	CHECK(r->nwarnings == 1 && strstr(r->warnings[0], "not in time order"),
	      "given: one warning (%s)", r->nwarnings ? r->warnings[0] : "none");
	CHECK(strstr(r->cols[1].path, "heap-10.pb.gz") != NULL, "given: second is heap-10");
	hd_report_free(r);
}

static void test_backwards(void)
{
	static const char *const files[] = {"testdata/leak-05.pb.gz", "testdata/leak-00.pb.gz"};
	struct hd_report *r = report_of(HD_CMD_DIFF, HD_ORDER_AUTO, files, 2);

	CHECK(r->backwards && r->have_elapsed && r->elapsed_nanos < 0,
	      "diff: NEW older than BASE (elapsed %lld)", (long long)r->elapsed_nanos);
	CHECK(r->nwarnings == 1 && strstr(r->warnings[0], "older than BASE"), "diff: one warning");
	CHECK(strstr(r->cols[0].path, "leak-05") != NULL, "diff: never reordered");
	hd_report_free(r);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: culprit-unit SOURCE_ROOT\n");
		return 2;
	}
	root = argv[1];
	test_app_rules();
	test_captures();
	test_backwards();
	printf("culprit-unit: %d passed, %d failed\n", checks - failures, failures);
	return failures ? 1 : 0;
}
