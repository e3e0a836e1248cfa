/*
 * hprof.c - Java heap dumps: HPROF 1.0.1 and 1.0.2 as HotSpot writes them
 * (jcmd PID GC.heap_dump, jmap -dump, -XX:+HeapDumpOnOutOfMemoryError,
 * HotSpotDiagnosticMXBean.dumpHeap), identifiers of 4 or 8 bytes.
 *
 * Owns: the dump turned into the profile view (input.h).  Touches nothing
 * else; the model sees frames and samples as from any other format.
 *
 * The mapping.  Every object of the dump (instance, object array,
 * primitive array, class) is one inuse_objects and its shallow size one
 * inuse_space; its stack is its path in the dominator tree of the object
 * graph, root first, as class names: the kind of GC root ("<GC root:
 * Java local>"), then the classes of its dominators, then its own class
 * ("java.util.HashMap$Node[]", "byte[]", "class LeakApp" for the Class
 * object of LeakApp).  So at functions granularity flat is the class
 * histogram and cum the retained size of the class's instances, each
 * object counted once.  Objects with the same path are one sample with
 * the values summed: the profile holds distinct paths only.
 *
 * A path names each class at most once, at its deepest place: a linked
 * list of a million nodes is "... LinkedList, LinkedList$Node", not a
 * million frames (which would make a stack pool quadratic in the list).
 * That keeps the set of classes on every path, so flat and cum are
 * unchanged; only the order of a path whose class repeats is its last
 * occurrences'.
 *
 * The graph: an instance refers to its class and its object fields, an
 * object array to its class and elements, a class to its superclass,
 * class loader, signers, protection domain and static object fields (as
 * Eclipse MAT draws it).  A virtual super-root refers to every GC root;
 * an object no root reaches (the dump is of live objects, but HotSpot
 * keeps some alive through roots it does not write) becomes a root of its
 * own, "<unreachable>", in the order of its id, so the histogram keeps
 * it.  An object reached from two roots and dominated by neither is
 * under "<several GC roots>".  A reference to an id the dump does not
 * hold is ignored (MAT does the same); an instance whose class is not in
 * the dump is an error.
 *
 * Shallow sizes are HotSpot's on 64 bits, by default with compressed oops
 * and class pointers (the default below 32 GiB of heap): a 12-byte
 * header, then the fields (a reference 4 bytes), rounded up to 8; arrays
 * a 16-byte header.  Without compressed oops (a heap of 32 GiB or more,
 * -XX:-UseCompressedOops) a reference is 8 bytes; without compressed
 * class pointers too, headers are 16 and 24 bytes.  The dump does not
 * say which; pick_layout() reads it from the distances between object
 * ids, and hd_limits.hprof_layout (--hprof-layout) overrides it.
 * jmap -histo agrees for classes without fields the VM injects (the
 * dump does not list those: java.lang.Class, ClassLoader, MemberName,
 * ...); a Class is its java.lang.Class instance plus its static fields.
 *
 * Costs, all proportional to the dump: one pass over the records keeps
 * each object's id and offset (16 bytes); they are sorted by id (radix),
 * which gives the dense index every array below uses, and are found again
 * through a bitmap of 8-byte slots with a count per 64 (HotSpot's ids are
 * aligned addresses; one cache line a lookup) or, when the ids are too
 * sparse or unaligned for it, a bucket index over the sorted ids.
 * References are a CSR array of 32-bit indexes, forward and then
 * reverse; the dominator tree is semi-NCA (Lengauer-Tarjan when its walk
 * runs over budget: O(m log n) either way), iterative throughout.  A dump
 * in a file is read from a mapping whose pages are given back behind each
 * pass (read_bytes) and unmapped before the dominators, so the peak is
 * the arrays: about 50 bytes per object and 8 per reference (0.8 times
 * the benchmark's dump), no allocation per object.  Every count and
 * length in the dump is checked against the bytes that remain before it
 * is used.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_DONTNEED), outside POSIX */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "input/input.h"

#define NONE UINT32_MAX

enum {
	TAG_STRING = 0x01, TAG_LOAD_CLASS = 0x02, TAG_HEAP_DUMP = 0x0c,
	TAG_HEAP_DUMP_SEGMENT = 0x1c, TAG_HEAP_DUMP_END = 0x2c,
};

enum {
	SUB_ROOT_UNKNOWN = 0xff, SUB_ROOT_JNI_GLOBAL = 0x01, SUB_ROOT_JNI_LOCAL = 0x02,
	SUB_ROOT_JAVA_FRAME = 0x03, SUB_ROOT_NATIVE_STACK = 0x04, SUB_ROOT_STICKY_CLASS = 0x05,
	SUB_ROOT_THREAD_BLOCK = 0x06, SUB_ROOT_MONITOR_USED = 0x07, SUB_ROOT_THREAD_OBJECT = 0x08,
	SUB_CLASS_DUMP = 0x20, SUB_INSTANCE_DUMP = 0x21, SUB_OBJ_ARRAY_DUMP = 0x22,
	SUB_PRIM_ARRAY_DUMP = 0x23,
};

/* Root kinds, most telling first: an object rooted twice shows the first.
 * The kind is rkind's low bits; RK_REFD says some object refers to it. */
enum {
	RK_NONE, RK_STICKY, RK_THREAD, RK_FRAME, RK_JNI_GLOBAL, RK_JNI_LOCAL,
	RK_NATIVE, RK_BLOCK, RK_MONITOR, RK_UNKNOWN, RK_SEVERAL, RK_UNREACHABLE, RK_COUNT
};
#define RK_KIND 0x0f
#define RK_WEAK 0x40 /* its first reference is Reference.referent */
#define RK_REFD 0x80

static const char *const root_names[RK_COUNT] = {
	"", "<GC root: system class>", "<GC root: thread>", "<GC root: Java local>",
	"<GC root: JNI global>", "<GC root: JNI local>", "<GC root: native stack>",
	"<GC root: thread block>", "<GC root: busy monitor>", "<GC root: unknown>",
	"<several GC roots>", "<unreachable>",
};

/* HPROF basic types 2 (object) and 4..11: sizes in HotSpot's layout
 * (a compressed reference is 4 bytes), 0 for a type HPROF does not have. */
static const uint8_t hs_size[12] = { 0, 0, 4, 0, 1, 2, 4, 8, 1, 2, 4, 8 };
static const char *const prim_names[12] = {
	NULL, NULL, NULL, NULL, "boolean[]", "char[]", "float[]", "double[]",
	"byte[]", "short[]", "int[]", "long[]",
};

struct hobj {
	uint64_t id;
	uint64_t off; /* its sub-record's tag byte */
};

struct hclass {
	uint64_t id, super_id;
	size_t off;          /* past the CLASS DUMP's six ids and instance size */
	size_t statics;      /* its static-field count */
	size_t fields;       /* its instance-field count */
	uint32_t super;      /* class index, or NONE */
	uint32_t own_len;    /* HPROF bytes of its own instance fields */
	uint32_t inst_len;   /* and of its superclasses' */
	uint32_t ref_first, nrefs; /* into refoff: where an instance's references are */
	uint64_t hs_fields;  /* HotSpot bytes of its primitive instance fields,
			      * superclasses' too (references: nrefs) */
	uint64_t hs_statics; /* HotSpot bytes of its static fields */
	uint32_t name;       /* index into lnames, or NONE */
	uint32_t func, cfunc; /* "Foo", "class Foo": NONE until wanted */
	uint32_t obj;        /* the object index of its Class */
	uint32_t weak_off;   /* where an instance's Reference.referent is, or NONE */
	uint8_t state;       /* layout: 0 to do, 1 on the way, 2 done */
};

/* How the JVM laid objects out: the header of an instance and of an
 * array, and a reference (see the top of the file). */
struct hlayout {
	unsigned hdr, arr, ref;
};
static const struct hlayout layouts[HD_HPROF_WIDE + 1] = {
	[HD_HPROF_AUTO] = { 12, 16, 4 },
	[HD_HPROF_COMPRESSED] = { 12, 16, 4 },
	[HD_HPROF_WIDE_REFS] = { 12, 16, 8 },
	[HD_HPROF_WIDE] = { 16, 24, 8 },
};

/* 64 slots of 8 bytes of id space from minid: which hold an object, and
 * the index of the first of them (see index_objs). */
struct hrank {
	uint64_t bits;
	uint64_t base;
};

struct hstring {
	size_t off;
	uint32_t len;
};

struct hroot {
	uint64_t id;
	uint32_t thread;     /* its thread's serial number; 0: none */
	uint8_t kind;
};

/* hd_profile.priv: what the view points into, and the trie of paths. */
struct hprof {
	struct hd_pfunc *funcs;
	struct hd_ploc *locs;
	struct hd_pline *lines;
	uint32_t *tparent, *tfunc, *tdepth;
	int64_t *tcount, *tbytes;
	uint32_t *samples;   /* trie nodes with objects, in the order made */
	const char **held;   /* held_by of the first nheld functions */
	size_t nheld;
	size_t ntrie, trie_cap, nfuncs, funcs_cap;
};

struct parser {
	struct hd_profile *p;
	struct hprof *h;
	struct hd_error *err;
	const unsigned char *d;
	size_t len;
	unsigned idsize;
	/* the records */
	struct hstring *strs;
	size_t nstrs, strs_cap;
	struct hd_map str_index;   /* string id -> strs */
	uint64_t *lnames;          /* LOAD CLASS: name string ids */
	size_t nlnames, lnames_cap;
	struct hd_map load_index;  /* class id -> lnames */
	struct hclass *classes;
	size_t nclasses, classes_cap;
	struct hd_map class_index; /* class id -> classes */
	uint32_t *refoff;
	size_t nrefoff, refoff_cap;
	struct hroot *roots;
	size_t nroots, roots_cap;
	struct hobj *objs;
	size_t nobjs, objs_cap;
	/* id -> object: objs sorted, and where each bucket of ids starts */
	uint32_t *bstart;
	unsigned bshift;
	size_t nbuckets;
	struct hrank *rank;        /* or, when ids are dense enough, a bitmap */
	uint64_t minid, maxid;
	/* per object */
	uint32_t *ofunc, *osize8; /* frame; shallow size / 8 */
	uint8_t *rkind;
	uint32_t *row, *edges;     /* forward references, CSR */
	size_t nedges, edges_cap;
	uint64_t dangling;
	uint32_t rfunc[RK_COUNT], pfunc[12]; /* NONE until wanted */
	int64_t class_size;        /* java.lang.Class's own instance size, or -1 */
	uint64_t max_frames, frames; /* the frames cap, and the paths' frames so far */
	struct hlayout lay;
	struct hd_map trie_index;
	uint32_t *scratch;
	size_t scratch_cap;
	size_t touched, window;    /* bytes read since the pages were last dropped */
	uint64_t last_cid;         /* the class id find_class found last (0: none) */
	uint32_t last_ci;          /* and its index */
	struct tmemo *tmemo;       /* a cache in front of trie_index */
};

/* 2^TMEMO_BITS recent (trie node, frame) -> child, by a cheap hash: a
 * hit saves trie_index's keyed hash; input that makes it miss costs
 * what it did without it. */
#define TMEMO_BITS 12
struct tmemo {
	uint64_t key;
	uint32_t val;
};

static int bad(struct parser *ps, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct parser *ps, size_t at, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return hd_fail(ps->err, HD_ERR_FORMAT, "Java heap dump (HPROF), byte %zu: %s", at, why);
}

static int nomem(struct parser *ps)
{
	return hd_fail(ps->err, HD_ERR_NOMEM, "out of memory");
}

/*
 * n more bytes of the dump read.  A dump in a file is a read-only mapping
 * (load.c); every window bytes read (a sixteenth of the dump, at most 32
 * MiB) its pages are given back, so a pass over it in file order (the
 * passes below: records, then objects by id, which are HotSpot's
 * addresses, in the order it wrote them) keeps about a window of it
 * resident rather than all of it.  A page read again (a name, a class
 * dump) is faulted in again from the page cache.
 */
static void read_bytes(struct parser *ps, size_t n)
{
	if ((ps->touched += n) >= ps->window && ps->p->mapped) {
		madvise(ps->p->data, ps->p->mapped, MADV_DONTNEED);
		ps->touched = 0;
	}
}

/* ---- reading ---- */

static uint64_t be(const unsigned char *s, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = v << 8 | s[i];
	return v;
}

static uint64_t rd_id(const struct parser *ps, size_t at)
{
	return be(ps->d + at, ps->idsize);
}

static uint32_t rd4(const struct parser *ps, size_t at)
{
	return (uint32_t)be(ps->d + at, 4);
}

/* A value of basic type t at s (HPROF's sizes: an object is an id). */
static unsigned hprof_size(const struct parser *ps, unsigned t)
{
	return t == 2 ? ps->idsize : t < 12 ? hs_size[t] : 0;
}

/* ---- names ---- */

/* The string with id sid, or NULL. */
static const struct hstring *string_of(const struct parser *ps, uint64_t sid)
{
	uint32_t i;

	if (!sid || !hd_map_get(&ps->str_index, sid, &i))
		return NULL;
	return &ps->strs[i];
}

static int add_func(struct parser *ps, const char *name, size_t n, uint32_t *out)
{
	struct hprof *h = ps->h;
	struct hd_pfunc *f;
	char *s;

	if (h->nfuncs >= NONE - 1)
		return hd_fail(ps->err, HD_ERR_LIMIT, "too many classes");
	if (HD_GROW(h->funcs, h->funcs_cap, h->nfuncs + 1) ||
	    !(s = hd_arena_strndup(&ps->p->arena, name, n)))
		return nomem(ps);
	f = &h->funcs[h->nfuncs];
	memset(f, 0, sizeof(*f));
	f->name = f->system_name = s;
	f->filename = "";
	*out = (uint32_t)h->nfuncs++;
	return 0;
}

/*
 * A class's name as Java writes it: "java/util/HashMap$Node" is
 * "java.util.HashMap$Node", "[[I" is "int[][]", "[Ljava/lang/String;" is
 * "java.lang.String[]"; with prefix ("class "), the Class object's.  A
 * name HPROF did not give is "<class 0xID>".
 */
static void class_name(const struct parser *ps, const struct hclass *c, struct hd_buf *b)
{
	const struct hstring *s = c->name != NONE ? string_of(ps, ps->lnames[c->name]) : NULL;
	size_t dims = 0, i, n;
	const unsigned char *q;

	if (!s) {
		char tmp[40];

		snprintf(tmp, sizeof(tmp), "<class 0x%llx>", (unsigned long long)c->id);
		hd_buf_append(b, tmp, strlen(tmp));
		return;
	}
	q = ps->d + s->off;
	n = s->len;
	while (dims < n && q[dims] == '[')
		dims++;
	q += dims;
	n -= dims;
	if (dims && n == 1 && strchr("ZCFDBSIJ", q[0])) {
		static const char *const kw[] = {
			"boolean", "char", "float", "double", "byte", "short", "int", "long",
		};
		const char *k = kw[strchr("ZCFDBSIJ", q[0]) - "ZCFDBSIJ"];

		hd_buf_append(b, k, strlen(k));
		n = 0;
	} else if (dims && n >= 2 && q[0] == 'L' && q[n - 1] == ';') {
		q++;
		n -= 2;
	}
	for (i = 0; i < n; i++)
		hd_buf_append(b, q[i] == '/' ? "." : (const char *)q + i, 1);
	for (i = 0; i < dims; i++)
		hd_buf_append(b, "[]", 2);
}

static int class_func(struct parser *ps, struct hclass *c, int mirror, uint32_t *out)
{
	struct hd_buf b;
	int rc;

	if (*(mirror ? &c->cfunc : &c->func) != NONE) {
		*out = mirror ? c->cfunc : c->func;
		return 0;
	}
	hd_buf_init(&b, 0);
	if (mirror)
		hd_buf_append(&b, "class ", 6);
	class_name(ps, c, &b);
	if (b.failed) {
		hd_buf_release(&b);
		return nomem(ps);
	}
	rc = add_func(ps, b.data ? b.data : "", b.len, out);
	hd_buf_release(&b);
	if (!rc)
		*(mirror ? &c->cfunc : &c->func) = *out;
	return rc;
}

static int fixed_func(struct parser *ps, uint32_t *slot, const char *name, uint32_t *out)
{
	int rc = 0;

	if (*slot == NONE)
		rc = add_func(ps, name, strlen(name), slot);
	*out = *slot;
	return rc;
}

/* ---- the records ---- */

static int need(struct parser *ps, size_t at, size_t end, uint64_t n, const char *what)
{
	if (n > end - at)
		return bad(ps, at, "%s runs past the end of its %s (truncated?)", what,
			   end == ps->len ? "file" : "segment");
	return 0;
}

static int add_root(struct parser *ps, uint64_t id, uint8_t kind, uint32_t thread)
{
	if (HD_GROW(ps->roots, ps->roots_cap, ps->nroots + 1))
		return nomem(ps);
	ps->roots[ps->nroots].id = id;
	ps->roots[ps->nroots].thread = thread;
	ps->roots[ps->nroots++].kind = kind;
	return 0;
}

static int add_obj(struct parser *ps, uint64_t id, size_t off)
{
	if (id == 0)
		return bad(ps, off, "an object with id 0");
	if (ps->nobjs >= NONE - 2)
		return hd_fail(ps->err, HD_ERR_LIMIT, "more than 2^32 - 2 objects");
	if (HD_GROW(ps->objs, ps->objs_cap, ps->nobjs + 1))
		return nomem(ps);
	ps->objs[ps->nobjs].id = id;
	ps->objs[ps->nobjs++].off = off;
	return 0;
}

/* A CLASS DUMP at start, its body from *at: the class, and the object
 * its Class is; *at moves past it. */
static int class_dump(struct parser *ps, size_t start, size_t *at, size_t end)
{
	unsigned id = ps->idsize;
	struct hclass *c;
	size_t q = *at, i, n;
	uint32_t own = 0;
	uint64_t hsf = 0, hss = 0;
	int rc;

	if ((rc = need(ps, q, end, (uint64_t)7 * id + 4 + 4 + 2, "a class dump")))
		return rc;
	if (HD_GROW(ps->classes, ps->classes_cap, ps->nclasses + 1))
		return nomem(ps);
	c = &ps->classes[ps->nclasses];
	memset(c, 0, sizeof(*c));
	c->id = rd_id(ps, q);
	c->super_id = rd_id(ps, q + id + 4);
	c->off = q + id + 4;
	c->super = c->name = c->func = c->cfunc = c->obj = c->weak_off = NONE;
	q += 7 * id + 4 + 4;
	/* the constant pool: u2 index, u1 type, value (HotSpot writes none) */
	n = be(ps->d + q, 2);
	q += 2;
	for (i = 0; i < n; i++) {
		unsigned t;

		if ((rc = need(ps, q, end, 3, "a class dump's constant pool")))
			return rc;
		t = ps->d[q + 2];
		if (!hprof_size(ps, t))
			return bad(ps, q + 2, "a constant of type %u, which HPROF does not have", t);
		if ((rc = need(ps, q, end, 3 + hprof_size(ps, t), "a class dump's constant pool")))
			return rc;
		q += 3 + hprof_size(ps, t);
	}
	if ((rc = need(ps, q, end, 2, "a class dump")))
		return rc;
	c->statics = q;
	n = be(ps->d + q, 2);
	q += 2;
	for (i = 0; i < n; i++) {
		unsigned t;

		if ((rc = need(ps, q, end, id + 1, "a class dump's static fields")))
			return rc;
		t = ps->d[q + id];
		if (!hprof_size(ps, t))
			return bad(ps, q + id, "a static field of type %u, which HPROF does not have", t);
		if ((rc = need(ps, q, end, id + 1 + hprof_size(ps, t), "a class dump's static fields")))
			return rc;
		hss += hs_size[t];
		q += id + 1 + hprof_size(ps, t);
	}
	if ((rc = need(ps, q, end, 2, "a class dump")))
		return rc;
	c->fields = q;
	n = be(ps->d + q, 2);
	q += 2;
	if ((rc = need(ps, q, end, (uint64_t)n * (id + 1), "a class dump's instance fields")))
		return rc;
	for (i = 0; i < n; i++) {
		unsigned t = ps->d[q + id];

		if (!hprof_size(ps, t))
			return bad(ps, q + id, "an instance field of type %u, which HPROF does not have", t);
		own += hprof_size(ps, t); /* at most 65535 * 8 */
		hsf += t == 2 ? 0 : hs_size[t];
		q += id + 1;
	}
	c->own_len = own;
	c->hs_fields = hsf;
	c->hs_statics = hss;
	if (c->id == 0)
		return bad(ps, start, "a class with id 0");
	if (hd_map_get(&ps->class_index, c->id, &c->super))
		return bad(ps, start, "class 0x%llx is dumped twice", (unsigned long long)c->id);
	c->super = NONE;
	if (hd_map_put(&ps->class_index, c->id, (uint32_t)ps->nclasses))
		return nomem(ps);
	ps->nclasses++;
	*at = q;
	return add_obj(ps, c->id, start);
}

/* One HEAP DUMP or HEAP DUMP SEGMENT: its sub-records in [at, end). */
static int heap_dump(struct parser *ps, size_t at, size_t end)
{
	unsigned id = ps->idsize;
	int rc;

	while (at < end) {
		size_t start = at;
		unsigned sub = ps->d[at++];
		uint64_t n;
		unsigned t;

		switch (sub) {
		case SUB_ROOT_UNKNOWN: case SUB_ROOT_STICKY_CLASS: case SUB_ROOT_MONITOR_USED:
		case SUB_ROOT_JNI_GLOBAL: case SUB_ROOT_NATIVE_STACK: case SUB_ROOT_THREAD_BLOCK:
		case SUB_ROOT_JNI_LOCAL: case SUB_ROOT_JAVA_FRAME: case SUB_ROOT_THREAD_OBJECT: {
			static const uint8_t kinds[9] = {
				0, RK_JNI_GLOBAL, RK_JNI_LOCAL, RK_FRAME, RK_NATIVE, RK_STICKY,
				RK_BLOCK, RK_MONITOR, RK_THREAD,
			};
			unsigned extra = sub == SUB_ROOT_JNI_GLOBAL ? id :
				sub == SUB_ROOT_JNI_LOCAL || sub == SUB_ROOT_JAVA_FRAME ||
				sub == SUB_ROOT_THREAD_OBJECT ? 8 :
				sub == SUB_ROOT_NATIVE_STACK || sub == SUB_ROOT_THREAD_BLOCK ? 4 : 0;

			if ((rc = need(ps, at, end, id + extra, "a GC root")))
				return rc;
			/* a thread object, Java and JNI locals: the thread's serial */
			if ((rc = add_root(ps, rd_id(ps, at), sub == SUB_ROOT_UNKNOWN ? RK_UNKNOWN : kinds[sub],
					   extra == 8 ? rd4(ps, at + id) : 0)))
				return rc;
			at += id + extra;
			break;
		}
		case SUB_CLASS_DUMP:
			if ((rc = class_dump(ps, start, &at, end)))
				return rc;
			break;
		case SUB_INSTANCE_DUMP:
			if ((rc = need(ps, at, end, 2 * (uint64_t)id + 8, "an instance dump")))
				return rc;
			n = rd4(ps, at + 2 * id + 4);
			if ((rc = need(ps, at, end, 2 * (uint64_t)id + 8 + n, "an instance dump")))
				return rc;
			if ((rc = add_obj(ps, rd_id(ps, at), start)))
				return rc;
			at += 2 * id + 8 + n;
			break;
		case SUB_OBJ_ARRAY_DUMP:
			if ((rc = need(ps, at, end, 2 * (uint64_t)id + 8, "an object array")))
				return rc;
			n = rd4(ps, at + id + 4);
			if ((rc = need(ps, at, end, 2 * (uint64_t)id + 8 + n * id, "an object array")))
				return rc;
			if ((rc = add_obj(ps, rd_id(ps, at), start)))
				return rc;
			at += 2 * id + 8 + n * id;
			break;
		case SUB_PRIM_ARRAY_DUMP:
			if ((rc = need(ps, at, end, (uint64_t)id + 9, "a primitive array")))
				return rc;
			n = rd4(ps, at + id + 4);
			t = ps->d[at + id + 8];
			if (t < 4 || t > 11)
				return bad(ps, at + id + 8, "a primitive array of type %u, which HPROF does not have", t);
			if ((rc = need(ps, at, end, (uint64_t)id + 9 + n * hs_size[t], "a primitive array")))
				return rc;
			if ((rc = add_obj(ps, rd_id(ps, at), start)))
				return rc;
			at += id + 9 + n * hs_size[t];
			break;
		default:
			return bad(ps, start, "unknown heap dump sub-record 0x%02x%s", sub,
				   sub >= 0x80 && sub != 0xff ? " (an Android dump? convert it with hprof-conv)" : "");
		}
		read_bytes(ps, at - start);
	}
	return 0;
}

static int read_records(struct parser *ps, size_t at)
{
	unsigned id = ps->idsize;
	int rc;

	while (at < ps->len) {
		size_t start = at;
		unsigned tag;
		uint32_t n;

		if ((rc = need(ps, at, ps->len, 9, "a record header")))
			return rc;
		tag = ps->d[at];
		n = rd4(ps, at + 5);
		at += 9;
		if ((rc = need(ps, at, ps->len, n, "a record")))
			return rc;
		switch (tag) {
		case TAG_STRING:
			if (n < id)
				return bad(ps, start, "a string record of %u bytes, shorter than its id", n);
			if (HD_GROW(ps->strs, ps->strs_cap, ps->nstrs + 1))
				return nomem(ps);
			if (ps->nstrs >= NONE - 1)
				return hd_fail(ps->err, HD_ERR_LIMIT, "more than 2^32 - 2 strings");
			ps->strs[ps->nstrs].off = at + id;
			ps->strs[ps->nstrs].len = n - id;
			if (rd_id(ps, at) && hd_map_put(&ps->str_index, rd_id(ps, at), (uint32_t)ps->nstrs))
				return nomem(ps);
			ps->nstrs++;
			break;
		case TAG_LOAD_CLASS:
			if (n < 8 + 2 * id)
				return bad(ps, start, "a class load record of %u bytes, too short", n);
			if (HD_GROW(ps->lnames, ps->lnames_cap, ps->nlnames + 1))
				return nomem(ps);
			if (ps->nlnames >= NONE - 1)
				return hd_fail(ps->err, HD_ERR_LIMIT, "more than 2^32 - 2 classes");
			ps->lnames[ps->nlnames] = rd_id(ps, at + 8 + id);
			if (rd_id(ps, at + 4) && hd_map_put(&ps->load_index, rd_id(ps, at + 4), (uint32_t)ps->nlnames))
				return nomem(ps);
			ps->nlnames++;
			break;
		case TAG_HEAP_DUMP:
		case TAG_HEAP_DUMP_SEGMENT:
			if ((rc = heap_dump(ps, at, at + n)))
				return rc;
			break;
		default:
			/* frames, traces, threads, HEAP DUMP END, ...: nothing heapdiff reads */
			break;
		}
		if (tag != TAG_HEAP_DUMP && tag != TAG_HEAP_DUMP_SEGMENT)
			read_bytes(ps, 9 + (size_t)n);
		at += n;
	}
	return 0;
}

/* 1 when string sid is s. */
static int str_is(const struct parser *ps, uint64_t sid, const char *s)
{
	const struct hstring *h = string_of(ps, sid);
	size_t n = strlen(s);

	return h && h->len == n && memcmp(ps->d + h->off, s, n) == 0;
}

static int class_is(const struct parser *ps, const struct hclass *c, const char *name)
{
	return c->name != NONE && str_is(ps, ps->lnames[c->name], name);
}

/* Where c's own instance field name lies in an instance's bytes (its
 * type into *t), or NONE. */
static uint32_t own_field(const struct parser *ps, const struct hclass *c, const char *name,
			  unsigned *t)
{
	size_t nf = be(ps->d + c->fields, 2), k, q = c->fields + 2;
	uint32_t off = 0;

	for (k = 0; k < nf; k++, q += ps->idsize + 1) {
		unsigned ty = ps->d[q + ps->idsize];

		if (str_is(ps, rd_id(ps, q), name)) {
			*t = ty;
			return off;
		}
		off += hprof_size(ps, ty);
	}
	return NONE;
}

/* ---- classes: layouts ---- */

/* Each class's instance length and reference offsets, its superclasses'
 * included; superclasses first (an explicit stack: chains may be long). */
static int layout_classes(struct parser *ps)
{
	uint32_t *stack = malloc((ps->nclasses + 1) * sizeof(*stack));
	size_t i, sp;
	int rc = 0;

	if (!stack)
		return nomem(ps);
	for (i = 0; i < ps->nclasses && !rc; i++) {
		struct hclass *c = &ps->classes[i];
		uint32_t s;

		c->super = NONE;
		if (c->super_id && hd_map_get(&ps->class_index, c->super_id, &s))
			c->super = s;
		else if (c->super_id)
			rc = bad(ps, c->off, "class 0x%llx has superclass 0x%llx, which is not in the dump",
				 (unsigned long long)c->id, (unsigned long long)c->super_id);
		if (hd_map_get(&ps->load_index, c->id, &s))
			c->name = s;
	}
	for (i = 0; i < ps->nclasses && !rc; i++) {
		sp = 0;
		stack[sp++] = (uint32_t)i;
		while (sp && !rc) {
			struct hclass *c = &ps->classes[stack[sp - 1]], *s;
			size_t q, k, nf, first;
			uint32_t off = 0;

			if (c->state == 2) {
				sp--;
				continue;
			}
			s = c->super != NONE ? &ps->classes[c->super] : NULL;
			if (s && s->state != 2) {
				if (s->state == 1) {
					rc = bad(ps, c->off, "the superclasses of class 0x%llx loop back to it",
						 (unsigned long long)c->id);
					break;
				}
				c->state = 1;
				stack[sp++] = c->super;
				continue;
			}
			/* its own references, then its superclass's after its fields */
			nf = be(ps->d + c->fields, 2);
			first = ps->nrefoff;
			for (k = 0, q = c->fields + 2; k < nf; k++, q += ps->idsize + 1) {
				unsigned t = ps->d[q + ps->idsize];

				if (t == 2) {
					if (HD_GROW(ps->refoff, ps->refoff_cap, ps->nrefoff + 1)) {
						rc = nomem(ps);
						break;
					}
					ps->refoff[ps->nrefoff++] = off;
				}
				off += hprof_size(ps, t);
			}
			if (rc)
				break;
			if (s) {
				uint64_t len = (uint64_t)c->own_len + s->inst_len;

				/* A reference list per class, its superclasses' copied:
				 * a chain of n classes costs n^2 / 2, so the dump's size
				 * bounds them all. */
				if (len > UINT32_MAX || ps->nrefoff + s->nrefs > ps->len / 4 + 4096) {
					rc = bad(ps, c->off, "class 0x%llx: its superclasses have more fields than the dump can hold",
						 (unsigned long long)c->id);
					break;
				}
				if (HD_GROW(ps->refoff, ps->refoff_cap, ps->nrefoff + s->nrefs)) {
					rc = nomem(ps);
					break;
				}
				for (k = 0; k < s->nrefs; k++)
					ps->refoff[ps->nrefoff++] = c->own_len + ps->refoff[s->ref_first + k];
				c->inst_len = (uint32_t)len;
				c->hs_fields += s->hs_fields;
			} else {
				c->inst_len = c->own_len;
			}
			c->ref_first = (uint32_t)first;
			c->nrefs = (uint32_t)(ps->nrefoff - first);
			c->weak_off = s && s->weak_off != NONE ? c->own_len + s->weak_off : NONE;
			if (class_is(ps, c, "java/lang/ref/Reference")) {
				unsigned t = 0;
				uint32_t w = own_field(ps, c, "referent", &t);

				if (w != NONE && t == 2)
					c->weak_off = w;
			}
			c->state = 2;
			sp--;
		}
	}
	free(stack);
	return rc;
}

/* ---- objects: sorted by id, found by id ---- */

/* LSD radix sort by id, 8 bits a pass, passes whose byte is the same in
 * every id skipped (HotSpot's ids are addresses: the top bytes are). */
static int sort_objs(struct parser *ps)
{
	size_t n = ps->nobjs, i, pass;
	struct hobj *tmp, *a = ps->objs, *b;
	int sorted = 1;

	for (i = 1; i < n && sorted; i++)
		sorted = a[i - 1].id < a[i].id;
	if (sorted)
		return 0;
	if (!(tmp = malloc(n * sizeof(*tmp))))
		return nomem(ps);
	b = tmp;
	for (pass = 0; pass < 8; pass++) {
		size_t count[256] = {0}, sum = 0;
		unsigned sh = (unsigned)pass * 8, k;

		for (i = 0; i < n; i++)
			count[(a[i].id >> sh) & 0xff]++;
		if (count[(a[0].id >> sh) & 0xff] == n)
			continue;
		for (k = 0; k < 256; k++) {
			size_t c = count[k];

			count[k] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[(a[i].id >> sh) & 0xff]++] = a[i];
		{
			struct hobj *t = a;

			a = b;
			b = t;
		}
	}
	if (a != ps->objs)
		memcpy(ps->objs, a, n * sizeof(*a));
	free(tmp);
	return 0;
}

static int index_objs(struct parser *ps)
{
	size_t n = ps->nobjs, i, b;
	uint64_t range;
	int rc;

	if ((rc = sort_objs(ps)))
		return rc;
	for (i = 1; i < n; i++)
		if (ps->objs[i - 1].id == ps->objs[i].id)
			return bad(ps, ps->objs[i].off, "object 0x%llx is dumped twice",
				   (unsigned long long)ps->objs[i].id);
	if (!n)
		return 0;
	ps->minid = ps->objs[0].id;
	ps->maxid = ps->objs[n - 1].id;
	range = ps->maxid - ps->minid;
	/* HotSpot's ids are addresses of 8-byte aligned objects: when each is
	 * a multiple of 8 from the first and the span is at most 512 bytes
	 * an object (16 bytes of bitmap a 64 slots, no more than objs takes),
	 * a bitmap of slots and a count per 64 find an object in one cache
	 * line; else the buckets below. */
	for (i = 0; i < n && !((ps->objs[i].id - ps->minid) & 7); i++)
		;
	if (i == n && range / 512 < n) {
		size_t nw = (size_t)(range >> 9) + 1;

		if (!(ps->rank = calloc(nw, sizeof(*ps->rank))))
			return nomem(ps);
		for (i = 0; i < n; i++) {
			uint64_t slot = (ps->objs[i].id - ps->minid) >> 3;

			if (!ps->rank[slot >> 6].bits)
				ps->rank[slot >> 6].base = i;
			ps->rank[slot >> 6].bits |= (uint64_t)1 << (slot & 63);
		}
		return 0;
	}
	ps->nbuckets = 1;
	while (ps->nbuckets < n / 2 && ps->nbuckets < ((size_t)1 << 30))
		ps->nbuckets *= 2;
	ps->bshift = 0;
	while (ps->bshift < 63 && (range >> ps->bshift) >= ps->nbuckets)
		ps->bshift++;
	if (!(ps->bstart = malloc((ps->nbuckets + 1) * sizeof(*ps->bstart))))
		return nomem(ps);
	for (b = 0, i = 0; b <= ps->nbuckets; b++) {
		while (i < n && ((ps->objs[i].id - ps->minid) >> ps->bshift) < b)
			i++;
		ps->bstart[b] = (uint32_t)i;
	}
	return 0;
}

/* The object index of id, or NONE. */
static uint32_t find_obj(const struct parser *ps, uint64_t id)
{
	size_t b, lo, hi;

	if (id < ps->minid || id > ps->maxid || !ps->nobjs)
		return NONE;
	if (ps->rank) {
		uint64_t d = id - ps->minid, bits;
		const struct hrank *r = &ps->rank[d >> 9];
		unsigned k = (unsigned)(d >> 3) & 63;

		if ((d & 7) || !(r->bits >> k & 1))
			return NONE;
		bits = r->bits & (((uint64_t)1 << k) - 1);
		/* popcount, without asking the CPU for the instruction */
		bits -= (bits >> 1) & 0x5555555555555555ull;
		bits = (bits & 0x3333333333333333ull) + ((bits >> 2) & 0x3333333333333333ull);
		bits = (bits + (bits >> 4)) & 0x0f0f0f0f0f0f0f0full;
		return (uint32_t)(r->base + ((bits * 0x0101010101010101ull) >> 56));
	}
	b = (size_t)((id - ps->minid) >> ps->bshift);
	lo = ps->bstart[b];
	hi = ps->bstart[b + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ps->objs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->nobjs && ps->objs[lo].id == id ? (uint32_t)lo : NONE;
}

/* ---- the graph ---- */

static int add_edge(struct parser *ps, uint64_t id)
{
	uint32_t to;

	if (!id)
		return 0;
	to = find_obj(ps, id);
	if (to == NONE) {
		ps->dangling++;
		return 0;
	}
	ps->rkind[to] |= RK_REFD;
	if (ps->nedges >= NONE - 1)
		return hd_fail(ps->err, HD_ERR_LIMIT, "more than 2^32 - 2 references");
	if (HD_GROW(ps->edges, ps->edges_cap, ps->nedges + 1))
		return nomem(ps);
	ps->edges[ps->nedges++] = to;
	return 0;
}

static uint32_t size8(uint64_t bytes)
{
	uint64_t s = (bytes + 7) / 8;

	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

/* class_index's value for cid, the last one found kept: objects of a
 * class come in runs. */
static int find_class(struct parser *ps, uint64_t cid, uint32_t *ci)
{
	if (cid && cid == ps->last_cid) {
		*ci = ps->last_ci;
		return 1;
	}
	if (!hd_map_get(&ps->class_index, cid, ci))
		return 0;
	ps->last_cid = cid;
	ps->last_ci = *ci;
	return 1;
}

static int class_of(struct parser *ps, size_t at, uint64_t cid, const char *what,
		    struct hclass **out)
{
	uint32_t ci;

	if (!cid || !find_class(ps, cid, &ci))
		return bad(ps, at, "%s of class 0x%llx, which is not in the dump", what,
			   (unsigned long long)cid);
	*out = &ps->classes[ci];
	return 0;
}

/* Object i's frame, size and references. */
static int object_edges(struct parser *ps, size_t i)
{
	unsigned id = ps->idsize;
	size_t at = (size_t)ps->objs[i].off, q;
	unsigned sub = ps->d[at++];
	struct hclass *c = NULL;
	uint64_t n, k;
	int rc;

	switch (sub) {
	case SUB_CLASS_DUMP: {
		uint64_t statics = 0;

		if ((rc = class_of(ps, at, rd_id(ps, at), "a class", &c)) ||
		    (rc = class_func(ps, c, 1, &ps->ofunc[i])))
			return rc;
		for (k = 0; k < 4; k++) /* super, loader, signers, protection domain */
			if ((rc = add_edge(ps, rd_id(ps, at + id + 4 + k * id))))
				return rc;
		n = be(ps->d + c->statics, 2);
		for (k = 0, q = c->statics + 2; k < n; k++) {
			unsigned t = ps->d[q + id];

			if (t == 2 && (rc = add_edge(ps, rd_id(ps, q + id + 1))))
				return rc;
			statics += t == 2 ? ps->lay.ref : hs_size[t];
			q += id + 1 + hprof_size(ps, t);
		}
		ps->osize8[i] = size8((uint64_t)(ps->class_size >= 0 ? ps->class_size : 96) + statics);
		read_bytes(ps, q - at);
		return 0;
	}
	case SUB_INSTANCE_DUMP: {
		const uint32_t *r;

		if ((rc = class_of(ps, at, rd_id(ps, at + id + 4), "an instance", &c)))
			return rc;
		n = rd4(ps, at + 2 * id + 4);
		if (n != c->inst_len)
			return bad(ps, at - 1, "an instance of %llu bytes, but its class's fields take %u",
				   (unsigned long long)n, c->inst_len);
		q = at + 2 * id + 8;
		if (c->weak_off != NONE) { /* first, marked, for held_by() */
			size_t e = ps->nedges;

			if ((rc = add_edge(ps, rd_id(ps, q + c->weak_off))))
				return rc;
			if (ps->nedges > e)
				ps->rkind[i] |= RK_WEAK;
		}
		if ((rc = class_func(ps, c, 0, &ps->ofunc[i])) || (rc = add_edge(ps, c->id)))
			return rc;
		r = ps->refoff + c->ref_first;
		for (k = 0; k < c->nrefs; k++)
			if (r[k] != c->weak_off && (rc = add_edge(ps, rd_id(ps, q + r[k]))))
				return rc;
		ps->osize8[i] = size8(ps->lay.hdr + c->hs_fields + (uint64_t)ps->lay.ref * c->nrefs);
		read_bytes(ps, 2 * id + 9 + (size_t)n);
		return 0;
	}
	case SUB_OBJ_ARRAY_DUMP:
		n = rd4(ps, at + id + 4);
		if ((rc = class_of(ps, at, rd_id(ps, at + id + 8), "an object array", &c)) ||
		    (rc = class_func(ps, c, 0, &ps->ofunc[i])) || (rc = add_edge(ps, c->id)))
			return rc;
		for (k = 0, q = at + 2 * id + 8; k < n; k++, q += id)
			if ((rc = add_edge(ps, rd_id(ps, q))))
				return rc;
		ps->osize8[i] = size8(ps->lay.arr + ps->lay.ref * n);
		read_bytes(ps, q - at + 1);
		return 0;
	default: { /* SUB_PRIM_ARRAY_DUMP: read_records saw to it */
		unsigned t = ps->d[at + id + 8];

		n = rd4(ps, at + id + 4);
		if ((rc = fixed_func(ps, &ps->pfunc[t], prim_names[t], &ps->ofunc[i])))
			return rc;
		ps->osize8[i] = size8(ps->lay.arr + n * hs_size[t]);
		read_bytes(ps, id + 10 + (size_t)(n * hs_size[t]));
		return 0;
	}
	}
}

/* Object i's shallow size in layout L, 0 for a Class (whose size has
 * fields the dump does not list) or what is not an object. */
static uint64_t shallow(struct parser *ps, size_t i, const struct hlayout *L)
{
	unsigned id = ps->idsize;
	size_t at = (size_t)ps->objs[i].off + 1;
	uint32_t ci;
	const struct hclass *c;

	switch (ps->d[at - 1]) {
	case SUB_INSTANCE_DUMP:
		if (!find_class(ps, rd_id(ps, at + id + 4), &ci))
			return 0;
		c = &ps->classes[ci];
		return (L->hdr + c->hs_fields + (uint64_t)L->ref * c->nrefs + 7) / 8 * 8;
	case SUB_OBJ_ARRAY_DUMP:
		return (L->arr + (uint64_t)L->ref * rd4(ps, at + id + 4) + 7) / 8 * 8;
	case SUB_PRIM_ARRAY_DUMP:
		return (L->arr + (uint64_t)hs_size[ps->d[at + id + 8]] * rd4(ps, at + id + 4) + 7) / 8 * 8;
	}
	return 0;
}

/*
 * The layout, when the caller did not say: HotSpot's object ids are
 * addresses and it dumps its heap in address order, so where two objects
 * lie side by side (most of them: allocation is a bump of a pointer) the
 * difference of their ids is the first one's size.  The layout whose
 * sizes explain the most of those differences wins; compressed oops, the
 * default, unless another explains strictly more.
 */
static void pick_layout(struct parser *ps, const struct hd_limits *lim)
{
	size_t score[HD_HPROF_WIDE + 1] = {0}, i, k, best = HD_HPROF_COMPRESSED;

	if (lim && lim->hprof_layout > HD_HPROF_AUTO && lim->hprof_layout <= HD_HPROF_WIDE) {
		ps->lay = layouts[lim->hprof_layout];
		return;
	}
	for (i = 0; i + 1 < ps->nobjs; i++) {
		uint64_t gap = ps->objs[i + 1].id - ps->objs[i].id;

		uint64_t span = ps->objs[i + 1].off > ps->objs[i].off ?
			ps->objs[i + 1].off - ps->objs[i].off : 4096;

		if (gap > 4096)
			continue;
		for (k = HD_HPROF_COMPRESSED; k <= HD_HPROF_WIDE; k++)
			score[k] += shallow(ps, i, &layouts[k]) == gap;
		/* its header, and what a fault maps around it (as far as the
		 * next object in the file, a page when they are out of order) */
		read_bytes(ps, span < 65536 ? (size_t)span : 65536);
	}
	for (k = HD_HPROF_COMPRESSED; k <= HD_HPROF_WIDE; k++)
		if (score[k] > score[best])
			best = k;
	ps->lay = layouts[best];
}

static int build_graph(struct parser *ps)
{
	size_t n = ps->nobjs, i;
	uint32_t ci;
	int rc;

	/* java.lang.Class's own size: what every Class object starts with */
	ps->class_size = -1;
	for (ci = 0; ci < ps->nclasses; ci++) {
		struct hclass *c = &ps->classes[ci];
		const struct hstring *s = c->name != NONE ? string_of(ps, ps->lnames[c->name]) : NULL;

		c->obj = find_obj(ps, c->id);
		if (s && s->len == 15 && memcmp(ps->d + s->off, "java/lang/Class", 15) == 0)
			ps->class_size = (int64_t)(ps->lay.hdr + c->hs_fields + (uint64_t)ps->lay.ref * c->nrefs);
	}
	if (!(ps->ofunc = malloc((n + 1) * sizeof(*ps->ofunc))) ||
	    !(ps->osize8 = malloc((n + 1) * sizeof(*ps->osize8))) ||
	    !(ps->row = malloc((n + 2) * sizeof(*ps->row))) ||
	    !(ps->rkind = calloc(n + 1, 1)))
		return nomem(ps);
	for (i = 0; i < n; i++) {
		ps->row[i] = (uint32_t)ps->nedges;
		if ((rc = object_edges(ps, i)))
			return rc;
	}
	ps->row[n] = (uint32_t)ps->nedges;
	for (i = 0; i < ps->nroots; i++) {
		uint32_t o = find_obj(ps, ps->roots[i].id);

		if (o == NONE)
			continue; /* a root HotSpot names but did not dump */
		if (!(ps->rkind[o] & RK_KIND) || ps->roots[i].kind < (ps->rkind[o] & RK_KIND))
			ps->rkind[o] = (uint8_t)((ps->rkind[o] & ~RK_KIND) | ps->roots[i].kind);
	}
	return 0;
}

/* ---- reference chains: who holds each class's instances ---- */

/*
 * For every class, the shortest path from a holder to one of its
 * instances, as Eclipse MAT's "path to GC roots" and LeakCanary's leak
 * trace print it, in hd_profile.held_by.  A holder is a
 * Class (its static fields hold what they refer to: "LeakApp.sessions")
 * or a GC root (a thread: 'thread "main"'; a local: 'Java local in thread
 * "main"').  One breadth-first search from all of them at once, Classes
 * first, over the references of the graph but Reference.referent (weak,
 * soft, phantom and final references hold nothing, as MAT excludes
 * them), gives each object its parent: 4 bytes per object and a queue of
 * 4, freed before the dominators.  The instance a class's chain leads to:
 * of the classes whose objects are the parents of its instances, take
 * the one that so holds the most bytes of them (for byte[], where a leak
 * puts its payloads rather than the JDK's first array), and the first of
 * its instances the search reached, so at the least distance from a
 * holder among those.
 *
 * A step is "Class.field" (the holder's own class, the field that
 * refers onwards), "T[]" for an array (the index collapsed) and the
 * holder first; the instance's own class, which the row names, is not
 * in it.  Steps are separated by HD_HELD_BY_SEP.  Bounds, as input cannot choose its
 * cost: a class whose nearest instance is more than CHAIN_LOOK hops from
 * its holder gets no chain, a step's name is cut at STEP_MAX bytes, and
 * all chains together stay within a budget of bytes and of field reads
 * proportional to the dump; past it the remaining classes get none.
 */
#define CHAIN_LOOK 256
#define STEP_MAX 256

/* The class of instance o and where its field bytes start, or NULL when o
 * is no instance. */
static struct hclass *inst_class(const struct parser *ps, uint32_t o, size_t *data)
{
	size_t at = (size_t)ps->objs[o].off;
	uint32_t ci;

	if (ps->d[at] != SUB_INSTANCE_DUMP ||
	    !hd_map_get(&ps->class_index, rd_id(ps, at + 1 + ps->idsize + 4), &ci))
		return NULL;
	*data = at + 1 + 2 * (size_t)ps->idsize + 8;
	return &ps->classes[ci];
}

static const struct hclass *super_of(const struct parser *ps, const struct hclass *c)
{
	return c->super != NONE ? &ps->classes[c->super] : NULL;
}

/* An instance field of c or of its superclasses: where it lies in an
 * instance's bytes, or NONE (layout_classes refused superclass loops). */
static uint32_t inst_field(const struct parser *ps, const struct hclass *c, const char *name,
			   unsigned *t)
{
	uint32_t base = 0, o;

	for (; c; c = super_of(ps, c)) {
		if ((o = own_field(ps, c, name, t)) != NONE)
			return base + o;
		base += c->own_len;
	}
	return NONE;
}

/* The name of the field at offset off of an instance of c, or NULL. */
static const struct hstring *field_at(const struct parser *ps, const struct hclass *c, uint32_t off)
{
	for (; c; c = super_of(ps, c)) {
		if (off < c->own_len) {
			size_t nf = be(ps->d + c->fields, 2), k, q = c->fields + 2;
			uint32_t at = 0;

			for (k = 0; k < nf; k++, q += ps->idsize + 1) {
				if (at == off)
					return string_of(ps, rd_id(ps, q));
				at += hprof_size(ps, ps->d[q + ps->idsize]);
			}
			return NULL;
		}
		off -= c->own_len;
	}
	return NULL;
}

static void put_hstring(const struct parser *ps, const struct hstring *s, struct hd_buf *b)
{
	if (s)
		hd_buf_append(b, ps->d + s->off, s->len);
	else
		hd_buf_puts(b, "?");
}

/* '"main"' of a java.lang.Thread: its name field, a String of Latin-1
 * or UTF-16 bytes (JDK 9 on: coder 0 or 1; HotSpot writes the array as
 * it lies in memory, little-endian here) or of chars (JDK 8).  0 when
 * the dump does not say. */
static int thread_name(const struct parser *ps, uint32_t t, struct hd_buf *b)
{
	const struct hclass *c, *sc;
	size_t q, sq, at, k, n;
	uint32_t off, coff, s, v;
	unsigned ty = 0, cty = 0, et;
	int utf16 = 0;

	if (!(c = inst_class(ps, t, &q)) || (off = inst_field(ps, c, "name", &ty)) == NONE || ty != 2 ||
	    (s = find_obj(ps, rd_id(ps, q + off))) == NONE || !(sc = inst_class(ps, s, &sq)) ||
	    (off = inst_field(ps, sc, "value", &ty)) == NONE || ty != 2 ||
	    (v = find_obj(ps, rd_id(ps, sq + off))) == NONE ||
	    ps->d[ps->objs[v].off] != SUB_PRIM_ARRAY_DUMP)
		return 0;
	if ((coff = inst_field(ps, sc, "coder", &cty)) != NONE && cty == 8)
		utf16 = ps->d[sq + coff] == 1;
	at = (size_t)ps->objs[v].off + 1;
	n = rd4(ps, at + ps->idsize + 4);
	et = ps->d[at + ps->idsize + 8];
	at += ps->idsize + 9;
	if (et != 8 && et != 5)
		return 0;
	if (et == 5 || utf16)
		n /= et == 5 ? 1 : 2;
	hd_buf_puts(b, "thread \"");
	for (k = 0; k < n && k < 64; k++) {
		unsigned u = et == 5 ? (unsigned)be(ps->d + at + 2 * k, 2) :
			utf16 ? ps->d[at + 2 * k] | (unsigned)ps->d[at + 2 * k + 1] << 8 : ps->d[at + k];
		char e[4];

		if (u < 0x80) {
			e[0] = (char)u;
			hd_buf_append(b, e, 1);
		} else if (u < 0x800) {
			e[0] = (char)(0xc0 | u >> 6);
			e[1] = (char)(0x80 | (u & 0x3f));
			hd_buf_append(b, e, 2);
		} else if (u < 0xd800 || u > 0xdfff) {
			e[0] = (char)(0xe0 | u >> 12);
			e[1] = (char)(0x80 | ((u >> 6) & 0x3f));
			e[2] = (char)(0x80 | (u & 0x3f));
			hd_buf_append(b, e, 3);
		} else {
			hd_buf_puts(b, "?");
		}
	}
	hd_buf_puts(b, k < n ? "…\"" : "\"");
	return 1;
}

struct chains {
	uint32_t *parent;
	struct hd_map rootof;   /* holder object -> its best root */
	struct hd_map threads;  /* thread serial -> its thread object */
	uint64_t reads;         /* field reads left */
};

/* The step from holder p to w: "C.field", "T[]", "C.<class loader>". */
static void edge_label(struct parser *ps, struct chains *C, uint32_t p, uint32_t w,
		       struct hd_buf *b)
{
	unsigned id = ps->idsize;
	size_t at = (size_t)ps->objs[p].off, q, k, n;
	uint64_t wid = ps->objs[w].id;
	uint32_t ci;
	const struct hclass *c;

	switch (ps->d[at]) {
	case SUB_CLASS_DUMP: {
		static const char *const slots[4] = {
			".<superclass>", ".<class loader>", ".<signers>", ".<protection domain>",
		};

		if (!hd_map_get(&ps->class_index, rd_id(ps, at + 1), &ci))
			break;
		c = &ps->classes[ci];
		class_name(ps, c, b);
		n = be(ps->d + c->statics, 2);
		for (k = 0, q = c->statics + 2; k < n && C->reads; k++, C->reads--) {
			unsigned t = ps->d[q + id];

			if (t == 2 && rd_id(ps, q + id + 1) == wid) {
				hd_buf_puts(b, ".");
				put_hstring(ps, string_of(ps, rd_id(ps, q)), b);
				return;
			}
			q += id + 1 + hprof_size(ps, t);
		}
		for (k = 0; k < 4; k++)
			if (rd_id(ps, at + 1 + id + 4 + k * id) == wid) {
				hd_buf_puts(b, slots[k]);
				return;
			}
		hd_buf_puts(b, ".?");
		return;
	}
	case SUB_INSTANCE_DUMP: {
		const uint32_t *r;

		if (!(c = inst_class(ps, p, &q)))
			break;
		class_name(ps, c, b);
		r = ps->refoff + c->ref_first;
		for (k = 0; k < c->nrefs && C->reads; k++, C->reads--)
			if (r[k] != c->weak_off && rd_id(ps, q + r[k]) == wid) {
				hd_buf_puts(b, ".");
				put_hstring(ps, field_at(ps, c, r[k]), b);
				return;
			}
		hd_buf_puts(b, ".?");
		return;
	}
	case SUB_OBJ_ARRAY_DUMP:
		if (!hd_map_get(&ps->class_index, rd_id(ps, at + 1 + id + 8), &ci))
			break;
		class_name(ps, &ps->classes[ci], b);
		return;
	}
	hd_buf_puts(b, "?");
}

/* The holder h's own step when it is a GC root (a Class's static field
 * is its first edge's step). */
static void root_label(struct parser *ps, struct chains *C, uint32_t h, struct hd_buf *b)
{
	uint32_t r, t;
	const struct hroot *rt;

	if (!hd_map_get(&C->rootof, (uint64_t)h + 1, &r)) {
		hd_buf_puts(b, "?");
		return;
	}
	rt = &ps->roots[r];
	if (rt->kind == RK_THREAD && thread_name(ps, h, b))
		return;
	if ((rt->kind == RK_FRAME || rt->kind == RK_JNI_LOCAL) && rt->thread &&
	    hd_map_get(&C->threads, rt->thread, &t)) {
		struct hd_buf tn;

		hd_buf_init(&tn, 0);
		if (thread_name(ps, t, &tn) && !tn.failed) {
			hd_buf_puts(b, rt->kind == RK_FRAME ? "Java local in " : "JNI local in ");
			hd_buf_append(b, tn.data, tn.len);
			hd_buf_release(&tn);
			return;
		}
		hd_buf_release(&tn);
	}
	hd_buf_puts(b, root_names[rt->kind]);
}

/* One step appended to the chain: cut at STEP_MAX bytes (not inside a
 * UTF-8 sequence), the separator byte taken out of names. */
static void put_step(struct hd_buf *chain, struct hd_buf *step)
{
	size_t n = step->len, k;

	if (step->failed || !step->data) {
		hd_buf_puts(chain, "?");
		return;
	}
	if (n > STEP_MAX) {
		n = STEP_MAX;
		while (n && ((unsigned char)step->data[n] & 0xc0) == 0x80)
			n--;
	}
	for (k = 0; k < n; k++)
		if (step->data[k] == HD_HELD_BY_SEP[0])
			step->data[k] = '?';
	if (chain->len)
		hd_buf_puts(chain, HD_HELD_BY_SEP);
	hd_buf_append(chain, step->data, n);
	if (n < step->len)
		hd_buf_puts(chain, "…");
	hd_buf_reset(step);
}

static int chain_of(struct parser *ps, struct chains *C, uint32_t v, uint32_t *path,
		    struct hd_buf *chain, struct hd_buf *step)
{
	uint32_t x = v, k = 0, j;

	while (C->parent[x] != x) {
		if (k == CHAIN_LOOK)
			return 0; /* too far: no chain */
		path[k++] = x;
		x = C->parent[x];
	}
	path[k++] = x; /* the holder; path[0] is the instance */
	hd_buf_reset(chain);
	if (ps->d[ps->objs[x].off] != SUB_CLASS_DUMP) {
		root_label(ps, C, x, step);
		put_step(chain, step);
	}
	for (j = k - 1; j > 0; j--) {
		edge_label(ps, C, path[j], path[j - 1], step);
		put_step(chain, step);
	}
	return 1;
}

static int held_by(struct parser *ps)
{
	size_t n = ps->nobjs, head = 0, tail = 0, i, nf = ps->h->nfuncs;
	uint64_t bytes = ps->len / 2 + ((uint64_t)1 << 20);
	uint32_t *queue = malloc((n + 1) * sizeof(*queue));
	uint32_t *first = malloc((nf + 1) * sizeof(*first));
	uint32_t *path = malloc((CHAIN_LOOK + 1) * sizeof(*path));
	uint64_t *best = malloc((nf + 1) * sizeof(*best)), *sums = NULL, lastkey = 0;
	uint32_t *pk = NULL, lastk = 0;
	size_t npairs = 0, sums_cap = 0;
	struct hd_map pairs;
	struct chains C;
	struct hd_buf chain, step;
	int rc = 0;

	memset(&C, 0, sizeof(C));
	C.parent = malloc((n + 1) * sizeof(*C.parent));
	C.reads = (uint64_t)ps->len + 4096;
	hd_buf_init(&chain, 0);
	hd_buf_init(&step, 0);
	memset(&pairs, 0, sizeof(pairs));
	if (!(ps->h->held = calloc(nf + 1, sizeof(*ps->h->held)))) {
		rc = nomem(ps);
		goto done;
	}
	ps->h->nheld = nf;
	if (!queue || !first || !best || !path || !C.parent || hd_map_init(&C.rootof, ps->nroots + 1) ||
	    hd_map_init(&C.threads, 64) || hd_map_init(&pairs, 1024)) {
		rc = nomem(ps);
		goto done;
	}
	for (i = 0; i < n; i++)
		C.parent[i] = NONE;
	for (i = 0; i < nf; i++)
		first[i] = NONE;
	for (i = 0; i < ps->nclasses; i++) {
		uint32_t o = ps->classes[i].obj;

		if (o != NONE && C.parent[o] == NONE) {
			C.parent[o] = o;
			queue[tail++] = o;
		}
	}
	for (i = 0; i < n; i++)
		if ((ps->rkind[i] & RK_KIND) && C.parent[i] == NONE) {
			C.parent[i] = (uint32_t)i;
			queue[tail++] = (uint32_t)i;
		}
	while (head < tail) {
		uint32_t v = queue[head++], e = ps->row[v];

		for (e += ps->rkind[v] & RK_WEAK ? 1 : 0; e < ps->row[v + 1]; e++) {
			uint32_t w = ps->edges[e];

			if (C.parent[w] == NONE) {
				C.parent[w] = v;
				queue[tail++] = w;
			}
		}
	}
	/* Which instance: of the classes holding a class's instances (their
	 * parents'), the one holding the most bytes of them; the first
	 * instance it holds.  Each object's pair is looked up once, kept in
	 * pk for the second pass (the last pair found is tried first: the
	 * search meets objects of a kind in runs). */
	if (!(pk = malloc((tail + 1) * sizeof(*pk)))) {
		rc = nomem(ps);
		goto done;
	}
	for (i = 0; i < tail; i++) {
		uint32_t v = queue[i], k;
		uint64_t key;

		if (C.parent[v] == v)
			continue;
		key = ((uint64_t)ps->ofunc[v] + 1) << 32 | ps->ofunc[C.parent[v]];
		if (key == lastkey) {
			k = lastk;
		} else if (!hd_map_get(&pairs, key, &k)) {
			k = (uint32_t)npairs++;
			if (HD_GROW(sums, sums_cap, npairs) || hd_map_put(&pairs, key, k)) {
				rc = nomem(ps);
				goto done;
			}
			sums[k] = 0;
		}
		lastkey = key;
		lastk = k;
		pk[i] = k;
		sums[k] += (uint64_t)ps->osize8[v] * 8;
	}
	for (i = 0; i < tail; i++) {
		uint32_t v = queue[i], k = pk[i], f = ps->ofunc[v];

		if (C.parent[v] == v)
			continue;
		if (first[f] == NONE || sums[k] > best[f]) {
			first[f] = v;
			best[f] = sums[k];
		}
	}
	free(queue);
	queue = NULL;
	free(pk);
	pk = NULL;
	free(sums);
	sums = NULL;
	free(best);
	best = NULL;
	hd_map_release(&pairs);
	for (i = 0; i < ps->nroots; i++) {
		uint32_t o = find_obj(ps, ps->roots[i].id), r;

		if (o == NONE)
			continue;
		if ((!hd_map_get(&C.rootof, (uint64_t)o + 1, &r) || ps->roots[i].kind < ps->roots[r].kind) &&
		    hd_map_put(&C.rootof, (uint64_t)o + 1, (uint32_t)i)) {
			rc = nomem(ps);
			goto done;
		}
		if (ps->roots[i].kind == RK_THREAD && ps->roots[i].thread &&
		    hd_map_put(&C.threads, ps->roots[i].thread, o)) {
			rc = nomem(ps);
			goto done;
		}
	}
	for (i = 0; i < nf && C.reads; i++) {
		uint32_t v = first[i];

		if (v == NONE || C.parent[v] == v || !chain_of(ps, &C, v, path, &chain, &step))
			continue;
		if (chain.failed || step.failed) {
			rc = nomem(ps);
			goto done;
		}
		if (chain.len + 1 > bytes)
			break; /* the budget: the rest get none */
		bytes -= chain.len + 1;
		if (!(ps->h->held[i] = hd_arena_strndup(&ps->p->arena, chain.data, chain.len))) {
			rc = nomem(ps);
			goto done;
		}
	}
done:
	free(queue);
	free(pk);
	free(first);
	free(best);
	free(sums);
	hd_map_release(&pairs);
	free(path);
	free(C.parent);
	hd_map_release(&C.rootof);
	hd_map_release(&C.threads);
	hd_buf_release(&chain);
	hd_buf_release(&step);
	return rc;
}

/* ---- dominators ---- */

struct dom {
	/* an object's first reference and preorder number, side by side: the
	 * DFS reads both of an object it meets at random */
	struct { uint32_t first, pre; } *rp;
	uint32_t *vert, *parent;         /* the object of a preorder number; its DFS parent */
	uint32_t *rrow, *redges;          /* predecessors, in preorder numbers */
	uint32_t *semi, *label, *anc, *idom, *bhead, *bnext, *stack;
	size_t nv;                        /* vertices: objects + the super-root */
};

/* Depth-first from the super-root (preorder 0) over the roots in index
 * order, then from each object still unvisited, which becomes a root;
 * but an int[] that nothing reaches or refers to is left out: HotSpot
 * fills the unused ends of its allocation buffers with such arrays, dead
 * by construction, and jmap -histo does not count them.  nv is then the
 * vertices visited.  Each reference, read once, is left as its target's
 * preorder number, which is all reverse() wants of it. */
static int dfs(struct parser *ps, struct dom *D)
{
	size_t n = ps->nobjs, i, next = 1;
	uint32_t *sv = D->semi, *se = D->label; /* free until the LT pass */
	int pass;

	for (i = 0; i < n; i++)
		D->rp[i].pre = NONE;
	D->vert[0] = NONE;
	D->parent[0] = 0;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			size_t sp = 0;

			if (D->rp[i].pre != NONE || (pass == 0 && !(ps->rkind[i] & RK_KIND)))
				continue;
			if (pass == 1 && !ps->rkind[i] && ps->ofunc[i] == ps->pfunc[10])
				continue; /* a filler */
			if (pass == 1)
				ps->rkind[i] |= RK_UNREACHABLE;
			D->rp[i].pre = (uint32_t)next;
			D->vert[next] = (uint32_t)i;
			D->parent[next++] = 0;
			sv[sp] = (uint32_t)i;
			se[sp++] = D->rp[i].first;
			while (sp) {
				uint32_t v = sv[sp - 1];

				if (se[sp - 1] == D->rp[v + 1].first) {
					sp--;
					continue;
				}
				{
					uint32_t e = se[sp - 1]++, w = ps->edges[e];

					if (e + 1 < D->rp[v + 1].first)
						HD_PREFETCH(&D->rp[ps->edges[e + 1]].pre);
					if (D->rp[w].pre != NONE) {
						ps->edges[e] = D->rp[w].pre;
						continue;
					}
					ps->edges[e] = (uint32_t)next;
					D->rp[w].pre = (uint32_t)next;
					D->vert[next] = w;
					D->parent[next++] = D->rp[v].pre;
					sv[sp] = w;
					se[sp++] = D->rp[w].first;
				}
			}
		}
	}
	D->nv = next;
	return 0;
}

/* Predecessor lists in preorder numbers, the super-root (0) among a
 * root's. */
static int reverse(struct parser *ps, struct dom *D)
{
	size_t n = ps->nobjs, i, nv = D->nv, nroots = 0;
	uint32_t e;

	for (i = 0; i < n; i++)
		nroots += D->rp[i].pre != NONE && (ps->rkind[i] & RK_KIND);
	if (!(D->rrow = calloc(nv + 1, sizeof(*D->rrow))) ||
	    !(D->redges = malloc((ps->nedges + nroots + 1) * sizeof(*D->redges))))
		return nomem(ps);
	/* dfs() left out only objects without references (fillers), but a
	 * source it did not visit is skipped all the same: its references are
	 * still object indexes */
	for (i = 0; i < n; i++)
		if (D->rp[i].pre != NONE) {
			D->rrow[D->rp[i].pre + 1] += (ps->rkind[i] & RK_KIND) != 0;
			for (e = D->rp[i].first; e < D->rp[i + 1].first; e++)
				D->rrow[ps->edges[e] + 1]++;
		}
	for (i = 0; i < nv; i++)
		D->rrow[i + 1] += D->rrow[i];
	/* fill with rrow[k] as the cursor of k, then shift back */
	for (i = 0; i < n; i++)
		if (D->rp[i].pre != NONE) {
			if (ps->rkind[i] & RK_KIND)
				D->redges[D->rrow[D->rp[i].pre]++] = 0;
			for (e = D->rp[i].first; e < D->rp[i + 1].first; e++)
				D->redges[D->rrow[ps->edges[e]]++] = D->rp[i].pre;
		}
	for (i = nv; i > 0; i--)
		D->rrow[i] = D->rrow[i - 1];
	D->rrow[0] = 0;
	return 0;
}

static uint32_t eval(struct dom *D, uint32_t v)
{
	uint32_t *anc = D->anc, *label = D->label, *semi = D->semi, x = v;
	size_t sp = 0;

	if (anc[v] == NONE)
		return v;
	while (anc[anc[x]] != NONE) {
		D->stack[sp++] = x;
		x = anc[x];
	}
	while (sp) {
		x = D->stack[--sp];
		if (semi[label[anc[x]]] < semi[label[x]])
			label[x] = label[anc[x]];
		anc[x] = anc[anc[x]];
	}
	return label[v];
}

/* Lengauer-Tarjan, simple version (path compression, no balancing). */
static void lengauer_tarjan(struct parser *ps, struct dom *D)
{
	size_t nv = D->nv, k;
	uint32_t w;

	for (k = 0; k < nv; k++) {
		D->semi[k] = D->label[k] = (uint32_t)k;
		D->anc[k] = D->bhead[k] = NONE;
	}
	for (w = (uint32_t)nv - 1; w >= 1; w--) {
		uint32_t p = D->parent[w], s = w, e, v;

		for (e = D->rrow[w]; e < D->rrow[w + 1]; e++) {
			uint32_t u = eval(D, D->redges[e]);

			if (D->semi[u] < s)
				s = D->semi[u];
		}
		D->semi[w] = s;
		D->bnext[w] = D->bhead[s];
		D->bhead[s] = w;
		D->anc[w] = p;
		for (v = D->bhead[p]; v != NONE; v = D->bnext[v]) {
			uint32_t u = eval(D, v);

			D->idom[v] = D->semi[u] < D->semi[v] ? u : p;
		}
		D->bhead[p] = NONE;
	}
	D->idom[0] = 0;
	for (k = 1; k < nv; k++)
		if (D->idom[k] != D->semi[k])
			D->idom[k] = D->idom[D->idom[k]];
}

/*
 * Semi-NCA (Georgiadis' thesis): the semidominators as Lengauer-Tarjan
 * computes them, then in preorder each idom as the nearest ancestor of
 * its DFS parent in the dominator tree so far whose number is at most its
 * semidominator.  The same tree as lengauer_tarjan (it is unique), with
 * one eval per vertex rather than two and the forest as (ancestor, least
 * semidominator on the path) pairs, one cache line a step: the graph's
 * references are random, so the misses are the cost.  The walk up the
 * tree is quadratic on a heap built for it (a long path whose ends are
 * joined many times), so it has a budget of steps proportional to the
 * graph: past it, 0 and lengauer_tarjan does the work instead.  1 done.
 */
struct fst {
	uint32_t anc, best;
};

static uint32_t eval_best(struct fst *F, uint32_t *stack, uint32_t v)
{
	uint32_t x = v;
	size_t sp = 0;

	if (F[v].anc == NONE)
		return v; /* not yet in the forest: its semi is its own number */
	while (F[F[x].anc].anc != NONE) {
		stack[sp++] = x;
		x = F[x].anc;
	}
	while (sp) {
		struct fst *a, *f;

		x = stack[--sp];
		f = &F[x];
		a = &F[f->anc];
		if (a->best < f->best)
			f->best = a->best;
		f->anc = a->anc;
	}
	return F[v].best;
}

static int semi_nca(struct parser *ps, struct dom *D, struct fst *F)
{
	size_t nv = D->nv, k;
	uint64_t budget = 4 * (uint64_t)nv + 2 * (uint64_t)ps->nedges + ((uint64_t)1 << 20);
	uint32_t *semi = D->semi, *idom = D->idom, w;

	for (k = 0; k < nv; k++)
		F[k].anc = NONE, F[k].best = (uint32_t)k;
	for (w = (uint32_t)nv - 1; w >= 1; w--) {
		uint32_t s = w, e;

		for (e = D->rrow[w]; e < D->rrow[w + 1]; e++) {
			uint32_t u = eval_best(F, D->stack, D->redges[e]);

			if (u < s)
				s = u;
		}
		semi[w] = s;
		F[w].best = s;
		F[w].anc = D->parent[w];
	}
	idom[0] = 0;
	for (w = 1; w < nv; w++) {
		uint32_t x = D->parent[w];

		while (x > semi[w]) {
			if (!budget--)
				return 0;
			x = idom[x];
		}
		idom[w] = x;
	}
	return 1;
}

/* ---- the trie of paths ---- */

static int trie_new(struct parser *ps, uint32_t parent, uint32_t f, uint32_t *out)
{
	struct hprof *h = ps->h;
	size_t cap = h->trie_cap, t = h->ntrie;

	if (t >= NONE - 1)
		return hd_fail(ps->err, HD_ERR_LIMIT, "too many distinct paths");
	if (t >= cap) {
		size_t c = cap ? cap * 2 : 1024;
		void *a;

#define TRIE_GROW(f) \
		if (!(a = realloc(h->f, c * sizeof(*h->f)))) \
			return nomem(ps); \
		h->f = a;
		TRIE_GROW(tparent) TRIE_GROW(tfunc) TRIE_GROW(tdepth) TRIE_GROW(tcount) TRIE_GROW(tbytes)
#undef TRIE_GROW
		h->trie_cap = c;
	}
	h->tparent[t] = parent;
	h->tfunc[t] = f;
	h->tdepth[t] = t ? h->tdepth[parent] + 1 : 0;
	h->tcount[t] = h->tbytes[t] = 0;
	h->ntrie++;
	*out = (uint32_t)t;
	return 0;
}

static uint64_t trie_key(uint32_t t, uint32_t f)
{
	return (uint64_t)t << 32 | ((uint64_t)f + 1);
}

/* The child f of t, when f is not on t's path. */
static int trie_plain(struct parser *ps, uint32_t t, uint32_t f, uint32_t *out)
{
	int rc;

	if (hd_map_get(&ps->trie_index, trie_key(t, f), out))
		return 0;
	if ((rc = trie_new(ps, t, f, out)))
		return rc;
	return hd_map_put(&ps->trie_index, trie_key(t, f), *out) ? nomem(ps) : 0;
}

/* t's path and then f, where f, if it is on the path already, moves to
 * the end (see the top of the file). */
static int trie_child(struct parser *ps, uint32_t t, uint32_t f, uint32_t *out)
{
	const struct hprof *h = ps->h;
	uint64_t key = trie_key(t, f);
	struct tmemo *m = &ps->tmemo[(key * 0x9e3779b97f4a7c15ull) >> (64 - TMEMO_BITS)];
	uint32_t x, s;
	size_t k = 0;
	int rc;

	if (m->key == key) {
		*out = m->val;
		return 0;
	}
	if (hd_map_get(&ps->trie_index, key, out)) {
		m->key = key;
		m->val = *out;
		return 0;
	}
	for (x = t; x && h->tfunc[x] != f; x = h->tparent[x])
		;
	if (!x)
		return trie_plain(ps, t, f, out);
	for (s = t; s != x; s = h->tparent[s]) {
		if (HD_GROW(ps->scratch, ps->scratch_cap, k + 1))
			return nomem(ps);
		ps->scratch[k++] = h->tfunc[s];
	}
	s = h->tparent[x];
	while (k)
		if ((rc = trie_plain(ps, s, ps->scratch[--k], &s)))
			return rc;
	if ((rc = trie_plain(ps, s, f, out)))
		return rc;
	return hd_map_put(&ps->trie_index, key, *out) ? nomem(ps) : 0;
}

static int build_paths(struct parser *ps, struct dom *D)
{
	struct hprof *h = ps->h;
	uint32_t *node = D->semi, k, rootnode[RK_COUNT], t;
	int rc;

	for (k = 0; k < RK_COUNT; k++)
		rootnode[k] = NONE;
	if ((rc = trie_new(ps, 0, NONE, &t)) || (rc = hd_map_init(&ps->trie_index, 1024)))
		return rc == HD_ERR_NOMEM ? nomem(ps) : rc;
	/* key 0 is no trie_key: the memo starts empty */
	if (!(ps->tmemo = calloc((size_t)1 << TMEMO_BITS, sizeof(*ps->tmemo))))
		return nomem(ps);
	node[0] = 0;
	for (k = 1; k < D->nv; k++) {
		uint32_t o = D->vert[k], d = D->idom[k], up;

		if (d == 0) {
			uint8_t rk = ps->rkind[o] & RK_KIND ? ps->rkind[o] & RK_KIND : RK_SEVERAL;

			if (rootnode[rk] == NONE) {
				uint32_t f;

				if ((rc = fixed_func(ps, &ps->rfunc[rk], root_names[rk], &f)) ||
				    (rc = trie_plain(ps, 0, f, &rootnode[rk])))
					return rc;
			}
			up = rootnode[rk];
		} else {
			up = node[d];
		}
		if ((rc = trie_child(ps, up, ps->ofunc[o], &node[k])))
			return rc;
		/* The frames cap, checked as the paths are made: a path's walk
		 * (trie_child) costs no more than its frames, so a chain of n
		 * distinct classes (n^2 / 2 frames) is refused in O(cap). */
		if (h->tcount[node[k]]++ == 0 && (ps->frames += h->tdepth[node[k]]) > ps->max_frames)
			return hd_fail_about(ps->err, HD_ERR_LIMIT, HD_SUBJ_MAX_FRAMES,
					     "the dominator paths expand to more than %llu frames",
					     (unsigned long long)ps->max_frames);
		h->tbytes[node[k]] = hd_add_sat(h->tbytes[node[k]], (int64_t)ps->osize8[o] * 8);
	}
	return 0;
}

static int dominators(struct parser *ps)
{
	struct dom D;
	size_t nv = ps->nobjs + 1, k;
	int rc;

	memset(&D, 0, sizeof(D));
	D.nv = nv;
	if (!(D.rp = malloc(nv * sizeof(*D.rp))) || !(D.vert = malloc(nv * sizeof(uint32_t))) ||
	    !(D.parent = malloc(nv * sizeof(uint32_t))) || !(D.semi = malloc(nv * sizeof(uint32_t))) ||
	    !(D.label = malloc(nv * sizeof(uint32_t)))) {
		rc = nomem(ps);
		goto done;
	}
	for (k = 0; k < nv; k++)
		D.rp[k].first = ps->row[k];
	free(ps->row);
	ps->row = NULL;
	if ((rc = dfs(ps, &D)) || (rc = reverse(ps, &D)))
		goto done;
	free(D.rp);
	D.rp = NULL;
	free(ps->edges);
	ps->edges = NULL;
	free(ps->row);
	ps->row = NULL;
	{
		struct fst *F = malloc(D.nv * sizeof(*F));
		int ok;

		D.stack = D.label; /* free since the DFS */
		D.label = NULL;
		if (!F || !(D.idom = malloc(nv * sizeof(uint32_t)))) {
			free(F);
			rc = nomem(ps);
			goto done;
		}
		ok = semi_nca(ps, &D, F);
		free(F);
		if (!ok && (!(D.label = malloc(nv * sizeof(uint32_t))) ||
			    !(D.anc = malloc(nv * sizeof(uint32_t))) ||
			    !(D.bhead = malloc(nv * sizeof(uint32_t))) ||
			    !(D.bnext = malloc(nv * sizeof(uint32_t))))) {
			rc = nomem(ps);
			goto done;
		}
		if (!ok)
			lengauer_tarjan(ps, &D);
	}
	free(D.label);
	free(D.anc);
	free(D.bhead);
	free(D.bnext);
	free(D.stack);
	free(D.rrow);
	free(D.redges);
	D.label = D.anc = D.bhead = D.bnext = D.stack = D.rrow = D.redges = NULL;
	rc = build_paths(ps, &D);
done:
	free(D.rp);
	free(D.vert);
	free(D.parent);
	free(D.rrow);
	free(D.redges);
	free(D.semi);
	free(D.label);
	free(D.anc);
	free(D.idom);
	free(D.bhead);
	free(D.bnext);
	free(D.stack);
	return rc;
}

/* ---- the view ---- */

static int finish(struct parser *ps, const struct hd_limits *lim)
{
	struct hd_profile *p = ps->p;
	struct hprof *h = ps->h;
	uint64_t max = lim && lim->max_frames ? lim->max_frames : hd_default_max_frames(p->len);
	uint64_t refs = 0;
	size_t i, ns = 0, depth = 0;
	static const char *const names[] = { "inuse_objects", "inuse_space" };
	static const char *const units[] = { "count", "bytes" };

	p->ntypes = 2;
	p->type_names = hd_arena_calloc(&p->arena, 2, sizeof(char *));
	p->type_units = hd_arena_calloc(&p->arena, 2, sizeof(char *));
	p->totals = hd_arena_calloc(&p->arena, 2, sizeof(int64_t));
	if (!p->type_names || !p->type_units || !p->totals)
		return nomem(ps);
	for (i = 0; i < 2; i++) {
		p->type_names[i] = names[i];
		p->type_units[i] = units[i];
	}
	p->default_type = "inuse_space";
	for (i = 0; i < h->ntrie; i++)
		if (h->tcount[i]) {
			ns++;
			refs += h->tdepth[i];
			if (h->tdepth[i] > depth)
				depth = h->tdepth[i];
		}
	if (refs > max)
		return hd_fail_about(ps->err, HD_ERR_LIMIT, HD_SUBJ_MAX_FRAMES,
				     "the dominator paths expand to more than %llu frames",
				     (unsigned long long)max);
	if (!(h->samples = malloc((ns + 1) * sizeof(*h->samples))) ||
	    !(h->locs = calloc(h->nfuncs + 1, sizeof(*h->locs))) ||
	    !(h->lines = calloc(h->nfuncs + 1, sizeof(*h->lines))) ||
	    HD_GROW(h->funcs, h->funcs_cap, 1) ||
	    !(p->mappings = hd_arena_calloc(&p->arena, 1, sizeof(*p->mappings))))
		return nomem(ps);
	for (i = 0, ns = 0; i < h->ntrie; i++)
		if (h->tcount[i]) {
			h->samples[ns++] = (uint32_t)i;
			p->totals[0] = hd_add_sat(p->totals[0], h->tcount[i]);
			p->totals[1] = hd_add_sat(p->totals[1], h->tbytes[i]);
		}
	for (i = 0; i < h->nfuncs; i++) {
		h->lines[i].func = (uint32_t)i;
		h->locs[i].mapping = NONE;
		h->locs[i].address = 0;
		h->locs[i].nlines = 1;
		h->locs[i].lines = &h->lines[i];
	}
	if (!(p->held_by = hd_arena_calloc(&p->arena, h->nfuncs + 1, sizeof(*p->held_by))))
		return nomem(ps);
	if (h->nheld)
		memcpy(p->held_by, h->held, h->nheld * sizeof(*h->held));
	p->funcs = h->funcs;
	p->nfuncs = h->nfuncs;
	p->locs = h->locs;
	p->nlocs = h->nfuncs;
	p->nmappings = 0;
	p->nsamples = ns;
	p->max_locs = depth;
	p->nrefs = (size_t)refs;
	return 0;
}

static int hprof_sniff(const unsigned char *data, size_t len)
{
	return len >= 17 && memcmp(data, "JAVA PROFILE 1.0.", 17) == 0;
}

static int hprof_decode(struct hd_profile *p, const struct hd_limits *lim,
			struct hd_error *err)
{
	struct parser ps;
	const unsigned char *nul;
	size_t at, i;
	int rc;

	memset(&ps, 0, sizeof(ps));
	if (!(p->priv = calloc(1, sizeof(struct hprof))))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	ps.p = p;
	ps.h = p->priv;
	ps.err = err;
	ps.d = p->data;
	ps.len = p->len;
	ps.window = p->len / 16 < ((size_t)32 << 20) ? p->len / 16 : (size_t)32 << 20;
	for (i = 0; i < RK_COUNT; i++)
		ps.rfunc[i] = NONE;
	for (i = 0; i < 12; i++)
		ps.pfunc[i] = NONE;
	nul = memchr(ps.d, 0, ps.len < 32 ? ps.len : 32);
	if (!nul || (size_t)(nul - ps.d) != 18 ||
	    (memcmp(ps.d, "JAVA PROFILE 1.0.2", 18) && memcmp(ps.d, "JAVA PROFILE 1.0.1", 18)))
		return bad(&ps, 0, "not HPROF 1.0.1 or 1.0.2 (%s)",
			   nul && memcmp(ps.d, "JAVA PROFILE 1.0.3", 18) == 0 ?
			   "an Android dump? convert it with hprof-conv" : "an unknown version");
	at = 19;
	if (ps.len < at + 12)
		return bad(&ps, at, "the header is cut short (truncated?)");
	ps.idsize = rd4(&ps, at);
	if (ps.idsize != 4 && ps.idsize != 8)
		return bad(&ps, at, "identifiers of %u bytes (HotSpot writes 4 or 8)", ps.idsize);
	p->time_nanos = (int64_t)(be(ps.d + at + 4, 8) % ((uint64_t)INT64_MAX / 1000000)) * 1000000;
	at += 12;
	if ((rc = hd_map_init(&ps.str_index, 1024)) || (rc = hd_map_init(&ps.load_index, 1024)) ||
	    (rc = hd_map_init(&ps.class_index, 1024))) {
		rc = nomem(&ps);
		goto done;
	}
	if ((rc = read_records(&ps, at)) || (rc = layout_classes(&ps)) || (rc = index_objs(&ps)))
		goto done;
	pick_layout(&ps, lim);
	if ((rc = build_graph(&ps)) || (rc = held_by(&ps)))
		goto done;
	/* The dump's bytes are read no more (names are in the arena): gone
	 * before the dominators, the peak, which need only the arrays. */
	if (p->mapped)
		munmap(p->data, p->mapped);
	else
		free(p->data);
	p->data = NULL;
	p->mapped = 0;
	ps.max_frames = lim && lim->max_frames ? lim->max_frames : hd_default_max_frames(p->len);
	free(ps.objs);
	ps.objs = NULL;
	free(ps.bstart);
	ps.bstart = NULL;
	free(ps.rank);
	ps.rank = NULL;
	if ((rc = dominators(&ps)) || (rc = finish(&ps, lim)))
		goto done;
done:
	free(ps.strs);
	hd_map_release(&ps.str_index);
	free(ps.lnames);
	hd_map_release(&ps.load_index);
	free(ps.classes);
	hd_map_release(&ps.class_index);
	free(ps.refoff);
	free(ps.roots);
	free(ps.objs);
	free(ps.bstart);
	free(ps.rank);
	free(ps.ofunc);
	free(ps.osize8);
	free(ps.rkind);
	free(ps.row);
	free(ps.edges);
	hd_map_release(&ps.trie_index);
	free(ps.tmemo);
	free(ps.scratch);
	return rc;
}

static int hprof_next(const struct hd_profile *p, struct hd_sample_iter *it,
		      uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	const struct hprof *h = p->priv;
	uint32_t t, k;

	if (it->index >= p->nsamples)
		return 0;
	t = h->samples[it->index];
	values[0] = h->tcount[t];
	values[1] = h->tbytes[t];
	out->nlocs = h->tdepth[t];
	for (k = 0; t; t = h->tparent[t])
		locs[k++] = h->tfunc[t];
	out->locs = locs;
	out->values = values;
	out->labels = NULL;
	out->nlabels = 0;
	it->index++;
	return 1;
}

static void hprof_release(struct hd_profile *p)
{
	struct hprof *h = p->priv;

	if (!h)
		return;
	free(h->funcs);
	free(h->locs);
	free(h->lines);
	free(h->tparent);
	free(h->tfunc);
	free(h->tdepth);
	free(h->tcount);
	free(h->tbytes);
	free(h->samples);
	free(h->held);
	free(h);
	p->priv = NULL;
	p->funcs = NULL;
	p->locs = NULL;
}

const struct hd_decoder hd_decoder_hprof = {
	"hprof", hprof_sniff, hprof_decode, hprof_next, hprof_release,
};

int hd_hprof_layout_parse(const char *s, enum hd_hprof_layout *out)
{
	static const char *const names[] = { "auto", "compressed", "wide-refs", "wide" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum hd_hprof_layout)i;
			return 0;
		}
	return HD_ERR_USAGE;
}
