/*
 * app.c - the user's own code: the frames a culprit may be.
 *
 * A leak is fixed in the code that asked for the memory, not in the
 * allocator, so every stack's culprit is its nearest frame, from the
 * leaf, that is the user's code (model.c).  What that means depends on
 * who wrote the profile:
 *
 *   go    a function outside Go's runtime and standard library: its
 *         package path's first element is not one of the standard
 *         library's top-level names (bytes, net, runtime, sync, ...).
 *         The shorter rule, "the first element has no dot,
 *         except main", would also count a module named without a dot
 *         ("module myservice", common for services and in tests) as the
 *         standard library; the list below is what the standard library
 *         is.  A name without a dot is C code under cgo, not the user's
 *         Go.  Frames with a file only (--granularity files): the path
 *         after its last "/src/", by the same rule.
 *   node  anything but node's internals (files "node:..." and the older
 *         "internal/...") and V8's pseudo-frames ("(anonymous)",
 *         "(program)", "(garbage collector)", "(root)", "(idle)").
 *   java  a heap dump's class outside the JDK: not java., javax., jdk.,
 *         sun., com.sun. (nor their arrays, nor a primitive array, nor
 *         the dump's "<GC root: ...>" pseudo-frames); "class X" (a Class
 *         object) by X.
 *   all   any other producer: every named frame is the user's (C and C++
 *         dumps included: the allocator's own frames are pruned by the
 *         decoder, and what the program calls in libc or libstdc++ it
 *         called for a reason of its own).
 *
 * A frame with neither function nor file (a bare address) is never the
 * user's code.
 */
#include <string.h>

#include "engine/app.h"
#include "input/input.h"

/* The Go standard library's top-level package names (and the compiler's
 * "go" and "type" pseudo-packages: go.buildid, type..eq.T). */
static const char *const go_std[] = {
	"archive", "arena", "bufio", "builtin", "bytes", "cmd", "cmp", "compress",
	"container", "context", "crypto", "database", "debug", "embed", "encoding",
	"errors", "expvar", "flag", "fmt", "go", "hash", "html", "image", "index",
	"internal", "io", "iter", "log", "maps", "math", "mime", "net", "os", "path",
	"plugin", "reflect", "regexp", "runtime", "slices", "sort", "strconv",
	"strings", "structs", "sync", "syscall", "testing", "text", "time", "type",
	"unicode", "unique", "unsafe", "vendor", "weak",
};

static int go_std_element(const char *s, size_t n)
{
	size_t i;

	/* The list is sorted: stop past s's first letter. */
	for (i = 0; i < sizeof(go_std) / sizeof(go_std[0]) && go_std[i][0] <= *s; i++)
		if (go_std[i][0] == *s && strncmp(go_std[i], s, n) == 0 && go_std[i][n] == '\0')
			return 1;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* "net/http.(*conn).serve" -> is "net" standard?  Type arguments
 * ("main.F[net/http.Header]") are not part of the package path. */
static int go_function_is_user(const char *fn)
{
	size_t end = strcspn(fn, "["), slash = 0, i, dot, first;

	for (i = 0; i < end; i++)
		if (fn[i] == '/')
			slash = i + 1;
	dot = slash + strcspn(fn + slash, ".");
	if (dot >= end)
		return 0; /* no package: C code under cgo */
	first = strcspn(fn, "/");
	if (first > dot)
		first = dot;
	return !go_std_element(fn, first);
}

static int go_file_is_user(const char *file)
{
	const char *s = file, *p;
	size_t first;

	while ((p = strstr(s, "/src/")))
		s = p + 5;
	if (s == file && *s == '/')
		return 1; /* an absolute path outside any GOROOT's src */
	first = strcspn(s, "/");
	return s[first] != '/' || !go_std_element(s, first);
}

static int node_is_user(const char *fn, const char *file)
{
	static const char *const pseudo[] = {
		"(anonymous)", "(program)", "(garbage collector)", "(root)", "(idle)",
	};
	size_t i;

	if (strncmp(file, "node:", 5) == 0 || strncmp(file, "internal/", 9) == 0)
		return 0;
	for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (strcmp(fn, pseudo[i]) == 0)
			return 0;
	return 1;
}

static int java_is_user(const char *cls)
{
	static const char *const jdk[] = {"java.", "javax.", "jdk.", "sun.", "com.sun."};
	static const char *const prim[] = {
		"boolean[", "byte[", "char[", "short[", "int[", "long[", "float[", "double[",
	};
	size_t i;

	if (*cls == '<')
		return 0;
	if (strncmp(cls, "class ", 6) == 0)
		cls += 6;
	for (i = 0; i < sizeof(jdk) / sizeof(jdk[0]); i++)
		if (strncmp(cls, jdk[i], strlen(jdk[i])) == 0)
			return 0;
	for (i = 0; i < sizeof(prim) / sizeof(prim[0]); i++)
		if (strncmp(cls, prim[i], strlen(prim[i])) == 0)
			return 0;
	return 1;
}

int hd_app_is_user(enum hd_app_kind k, const char *function, const char *file)
{
	if (!*function && !*file)
		return 0;
	switch (k) {
	case HD_APP_GO:
		return *function ? go_function_is_user(function) : go_file_is_user(file);
	case HD_APP_NODE:
		return node_is_user(function, file);
	case HD_APP_JAVA:
		return java_is_user(*function ? function : file);
	case HD_APP_UNDECIDED:
	case HD_APP_ALL:
	case HD_APP_REGEX:
		break;
	}
	return 1;
}

enum hd_app_kind hd_app_detect(const struct hd_profile *p)
{
	size_t i;
	int node = 0;

	if (p->decoder && strcmp(p->decoder->name, "hprof") == 0)
		return HD_APP_JAVA;
	for (i = 0; i < p->nfuncs; i++) {
		const char *f = p->funcs[i].filename;

		if (ends_with(f, ".go"))
			return HD_APP_GO;
		if (strncmp(f, "node:", 5) == 0 || ends_with(f, ".js") ||
		    ends_with(f, ".mjs") || ends_with(f, ".cjs"))
			node = 1;
	}
	return node ? HD_APP_NODE : HD_APP_ALL;
}

const char *hd_app_kind_name(enum hd_app_kind k)
{
	switch (k) {
	case HD_APP_GO: return "go";
	case HD_APP_NODE: return "node";
	case HD_APP_JAVA: return "java";
	case HD_APP_REGEX: return "regex";
	case HD_APP_UNDECIDED:
	case HD_APP_ALL:
		break;
	}
	return "all";
}
