/*
 * model.c - profiles -> one symbolized call tree with a value column per
 * profile.
 *
 * Owns: the model's arena (interned strings and frames), the tree arrays
 * and the per-column value arrays.  A frame is pprof's graph node
 * identity (graph.NodeInfo) at the chosen granularity, interned once per
 * model, so diffs and trends are joins on integer ids.
 *
 * Adding a profile follows pprof's pipeline in its order:
 *   drop_frames/keep_frames pruning (profile.Prune, applied in fetch),
 *   focus/ignore/hide/show (profile.FilterSamplesByName),
 *   granularity (profile.Aggregate), then graph nodes (graph.nodeInfo).
 * Each location is resolved to its frames once (names, files and regexp
 * matches once per distinct string); each sample's stack is then
 * interned in the pool of distinct stacks, and its value summed into the
 * column's flat and cum.  The call tree is built at the end, from the
 * distinct stacks, when a format needs it.  Nothing here recurses: a
 * 100 000-frame stack costs a loop, not a stack overflow.
 */
#include <assert.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/app.h"
#include "engine/model.h"
#include "input/input.h"

struct strtab {
	char **strs;
	size_t n, cap;
	uint32_t *slots; /* id + 1; 0 = empty */
	size_t nslots;
	struct hd_hash_key hk;
};

struct frame_rec {
	struct hd_frame pub;
	uint32_t name, file, obj;
	int64_t line, start;
	uint64_t addr;
};

/*
 * Stacks are interned once per model: the pool holds each distinct stack
 * (frames root to leaf) once, and a column keeps, per sample with a
 * non-empty stack, its stack id and its value.  Two versions of one
 * program share most stacks, so a diff stores them about once and a
 * trend's memory follows the union of its stacks, not the number of
 * profiles.  Flat and cum per frame are summed while a column is added;
 * the call tree is built from the pool only when something asks for it
 * (folded output, pictures), because a big profile's tree has millions
 * of nodes and hashing them dominates a plain diff.
 */
struct stack_pool {
	uint32_t *data;       /* [id, depth, frame...] per stack */
	size_t len, cap;
	uint32_t *off;        /* stack id -> offset of its depth in data (a
				 * 32-bit word: 4 bytes a stack less, and a pool
				 * past 16 GiB is out of memory anyway) */
	size_t n, off_cap;
	/* Open addressing, 0 = empty.  A slot names a stack by the offset
	 * of its depth in data, which is never 0 (the id comes first), in
	 * the bits of offmask; the bits above are the same bits of the low
	 * half of the stack's hash, its tag.  A lookup then goes from slot
	 * to frames without off[] between them, and passes over a stack
	 * whose tag differs without touching its frames. */
	uint32_t *slots;
	size_t nslots;        /* a power of two, at least 2 * n */
	uint32_t offmask;     /* 2^k - 1, the least that holds cap - 1 */
	struct hd_hash_key hk;
};

struct column {
	uint32_t *sid;        /* stack id per stored sample */
	int64_t *vals;        /* value per stored sample */
	size_t nsamp, sid_cap, vals_cap;
	int64_t total, abs_total;
	int64_t *flat, *cum;  /* dense: per frame, nframes_at entries; or NULL */
	size_t nframes_at;
	/* A column between the first and the last keeps only the frames it
	 * has, by frame id: a trend's memory then follows what each profile
	 * holds, not the number of profiles times every frame ever seen.
	 * Its samples are dropped too (the tree and the call paths
	 * are of the first and the last column). */
	uint32_t *sfid;
	int64_t *sflat, *scum;
	size_t snnz;
	int64_t *self;        /* per tree node, once the tree has the column */
	size_t len;
	/* Culprits: own per frame (dense, beside flat) or sparse (sown,
	 * beside sflat); the paired type's flat and own, dense only. */
	int64_t *own, *sown;
	int64_t *pflat, *pown;
	int64_t time;         /* the profile's time_nanos */
	size_t given;         /* the order it was added in */
};

struct hd_model {
	struct hd_model_opts opts;
	enum hd_app_kind app;     /* whose frames are the user's (app.c) */
	regex_t app_re;           /* --app, when app is HD_APP_REGEX */
	int have_pair;            /* some column has the paired type */
	enum hd_order order_used;
	char *opt_strs[4];
	regex_t re[4]; /* focus, ignore, hide, show */
	int have_re[4];
	struct hd_arena arena;
	struct strtab strs;

	struct frame_rec *frames;
	size_t nframes, frames_cap;
	uint32_t *fslots; /* frame id + 1 */
	size_t nfslots;
	struct hd_hash_key fhk;

	uint32_t *parent, *frame;
	uint8_t *rec;
	size_t nnodes, nodes_cap;

	struct stack_pool pool;
	struct column *cols;
	size_t ncols, cols_cap;
	size_t tree_cols;    /* columns already walked into the tree */

	uint32_t *stamp; /* per frame: last walk that saw it */
	size_t stamp_cap;
	uint32_t serial;

	size_t early, late; /* the ends by time (column_start) */

	/* Frames the latest column touched, for compacting it later. */
	uint32_t *touched, *touch_col; /* touch_col: per frame, column + 1 */
	size_t ntouched, touched_cap, touch_cap;
};

enum { RE_FOCUS, RE_IGNORE, RE_HIDE, RE_SHOW };

/* ---- strings ---- */

static int strtab_intern(struct strtab *t, struct hd_arena *a,
			 const char *s, uint32_t *id)
{
	size_t len = strlen(s), i, mask;
	uint64_t h = hd_hash_mem(&t->hk, s, len);

	if ((t->n + 1) * 2 > t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 1024, j;
		uint32_t *sl = calloc(ns, sizeof(*sl));

		if (!sl)
			return HD_ERR_NOMEM;
		for (j = 0; j < t->n; j++) {
			const char *x = t->strs[j];
			size_t k = hd_hash_mem(&t->hk, x, strlen(x)) & (ns - 1);
			while (sl[k])
				k = (k + 1) & (ns - 1);
			sl[k] = (uint32_t)j + 1;
		}
		free(t->slots);
		t->slots = sl;
		t->nslots = ns;
	}
	mask = t->nslots - 1;
	for (i = h & mask; t->slots[i]; i = (i + 1) & mask) {
		if (strcmp(t->strs[t->slots[i] - 1], s) == 0) {
			*id = t->slots[i] - 1;
			return 0;
		}
	}
	if (t->n >= UINT32_MAX - 1 || HD_GROW(t->strs, t->cap, t->n + 1))
		return HD_ERR_NOMEM;
	t->strs[t->n] = hd_arena_strndup(a, s, len);
	if (!t->strs[t->n])
		return HD_ERR_NOMEM;
	t->slots[i] = (uint32_t)t->n + 1;
	*id = (uint32_t)t->n++;
	return 0;
}

/* ---- paths, as Go's path/filepath does them ---- */

char *hd_clean_path(struct hd_arena *a, const char *path)
{
	size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
	int rooted = n > 0 && path[0] == '/';
	char *out;

	if (n == 0)
		return hd_arena_strndup(a, ".", 1);
	out = hd_arena_alloc(a, n + 2);
	if (!out)
		return NULL;
	if (rooted) {
		out[w++] = '/';
		r = 1;
		dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

/* pprof's report trims these prefixes before cleaning (trimPath). */
static const char *trim_cwd(const char *f)
{
	static const char *const prefixes[] = {"/proc/self/cwd/./", "/proc/self/cwd/"};
	size_t i;

	for (i = 0; i < 2; i++)
		if (strncmp(f, prefixes[i], strlen(prefixes[i])) == 0)
			return f + strlen(prefixes[i]);
	return f;
}

static const char *base_name(const char *p, char *buf, size_t n)
{
	size_t len = strlen(p);
	const char *s;

	while (len > 1 && p[len - 1] == '/')
		len--;
	if (len == 0)
		return ".";
	if (len == 1 && p[0] == '/')
		return "/";
	for (s = p + len; s > p && s[-1] != '/'; s--)
		;
	if ((size_t)(p + len - s) >= n)
		len = (size_t)(s - p) + n - 1;
	memcpy(buf, s, (size_t)(p + len - s));
	buf[p + len - s] = '\0';
	return buf;
}

/* ---- frames ---- */

/* A frame's key is six words, each of them chosen by the profile. */
static uint64_t frame_hash(const struct hd_hash_key *k, uint32_t name, uint32_t file,
			   uint32_t obj, int64_t line, int64_t start, uint64_t addr)
{
	uint32_t w[9] = {
		name, file, obj,
		(uint32_t)line, (uint32_t)((uint64_t)line >> 32),
		(uint32_t)start, (uint32_t)((uint64_t)start >> 32),
		(uint32_t)addr, (uint32_t)(addr >> 32),
	};

	return hd_hash_words(k, w, 9);
}

/*
 * A frame's printable name, as pprof's graph.NodeInfo.PrintableName
 * spells it.  Where that is one interned string (a function's name, a
 * file's), the frame shares it.  Composed names ("name file:line") are
 * built per frame, so their parts are shortened there, with an ellipsis,
 * past HD_NAME_PART bytes (the start of a function name, the end of a
 * file name, whole UTF-8 sequences): a profile could otherwise give
 * thousands of lines one megabyte-long function and file name.
 */
#define HD_NAME_PART 1024

static void put_part(struct hd_buf *b, const char *s, int keep_end)
{
	size_t n = strlen(s), k;

	if (n <= HD_NAME_PART) {
		hd_buf_append(b, s, n);
		return;
	}
	if (keep_end) {
		for (k = n - HD_NAME_PART; ((unsigned char)s[k] & 0xc0) == 0x80; k++)
			;
		hd_buf_puts(b, "\u2026");
		hd_buf_append(b, s + k, n - k);
	} else {
		for (k = HD_NAME_PART; k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80; k--)
			;
		hd_buf_append(b, s, k);
		hd_buf_puts(b, "\u2026");
	}
}

static int frame_name(struct hd_model *m, struct frame_rec *f)
{
	struct hd_buf b;
	char base[256], num[32];
	const char *name = m->strs.strs[f->name], *file = m->strs.strs[f->file];
	const char *obj = m->strs.strs[f->obj];
	int sep = 0;

	if (!f->addr && !f->line && ((*name && !*file) || (!*name && *file))) {
		f->pub.name = *name ? name : file;
		return 0;
	}
	/* Appends, not printf: a big profile names tens of thousands. */
	hd_buf_init(&b, 0);
	if (f->addr) {
		snprintf(num, sizeof(num), "%016llx", (unsigned long long)f->addr);
		hd_buf_puts(&b, num);
		sep = 1;
	}
	if (*name) {
		hd_buf_puts(&b, sep ? " " : "");
		put_part(&b, name, 0);
		sep = 1;
	}
	if (f->line) {
		snprintf(num, sizeof(num), ":%lld", (long long)f->line);
		hd_buf_puts(&b, sep ? " " : "");
		put_part(&b, file, 1);
		hd_buf_puts(&b, num);
	} else if (*file) {
		hd_buf_puts(&b, sep ? " " : "");
		put_part(&b, file, 1);
	} else if (*name) {
		;
	} else if (*obj) {
		hd_buf_puts(&b, sep ? " [" : "[");
		hd_buf_puts(&b, base_name(obj, base, sizeof(base)));
		hd_buf_puts(&b, "]");
	} else {
		hd_buf_puts(&b, sep ? " <unknown>" : "<unknown>");
	}
	hd_buf_append(&b, "", 0); /* b.data is never NULL */
	if (b.failed) {
		hd_buf_release(&b);
		return HD_ERR_NOMEM;
	}
	f->pub.name = hd_arena_strndup(&m->arena, b.data, b.len);
	hd_buf_release(&b);
	return f->pub.name ? 0 : HD_ERR_NOMEM;
}

static int frame_intern(struct hd_model *m, uint32_t name, uint32_t file,
			uint32_t obj, int64_t line, int64_t start,
			uint64_t addr, uint32_t shown_file, uint32_t *id)
{
	uint64_t h = frame_hash(&m->fhk, name, file, obj, line, start, addr);
	size_t i, mask;
	struct frame_rec *f;

	if ((m->nframes + 1) * 2 > m->nfslots) {
		size_t ns = m->nfslots ? m->nfslots * 2 : 1024, j;
		uint32_t *sl = calloc(ns, sizeof(*sl));

		if (!sl)
			return HD_ERR_NOMEM;
		for (j = 0; j < m->nframes; j++) {
			struct frame_rec *x = &m->frames[j];
			size_t k = frame_hash(&m->fhk, x->name, x->file, x->obj, x->line,
					      x->start, x->addr) & (ns - 1);
			while (sl[k])
				k = (k + 1) & (ns - 1);
			sl[k] = (uint32_t)j + 1;
		}
		free(m->fslots);
		m->fslots = sl;
		m->nfslots = ns;
	}
	mask = m->nfslots - 1;
	for (i = h & mask; m->fslots[i]; i = (i + 1) & mask) {
		f = &m->frames[m->fslots[i] - 1];
		if (f->name == name && f->file == file && f->obj == obj &&
		    f->line == line && f->start == start && f->addr == addr) {
			*id = m->fslots[i] - 1;
			return 0;
		}
	}
	if (m->nframes >= UINT32_MAX - 1 ||
	    HD_GROW(m->frames, m->frames_cap, m->nframes + 1))
		return HD_ERR_NOMEM;
	f = &m->frames[m->nframes];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->file = file;
	f->obj = obj;
	f->line = line;
	f->start = start;
	f->addr = addr;
	f->pub.function = m->strs.strs[name];
	/* The file a frame shows even where the granularity ignores files
	 * (the first seen wins when several functions share a name). */
	f->pub.file = m->strs.strs[file ? file : shown_file];
	f->pub.line = line;
	f->pub.address = addr;
	if (frame_name(m, f))
		return HD_ERR_NOMEM;
	if (m->app == HD_APP_REGEX)
		f->pub.app = regexec(&m->app_re, f->pub.name, 0, NULL, 0) == 0;
	else
		f->pub.app = hd_app_is_user(m->app, f->pub.function, f->pub.file);
	m->fslots[i] = (uint32_t)m->nframes + 1;
	*id = (uint32_t)m->nframes++;
	return 0;
}

/* ---- model ---- */

const char *hd_granularity_name(enum hd_granularity g)
{
	static const char *const names[] = {
		"functions", "filefunctions", "files", "lines", "addresses",
	};
	return (unsigned)g < 5 ? names[g] : "?";
}

int hd_granularity_parse(const char *s, enum hd_granularity *out)
{
	int g;

	for (g = 0; g < 5; g++)
		if (strcmp(s, hd_granularity_name((enum hd_granularity)g)) == 0) {
			*out = (enum hd_granularity)g;
			return 0;
		}
	return HD_ERR_USAGE;
}

int hd_model_new(const struct hd_model_opts *opts, struct hd_model **out,
		 struct hd_error *err)
{
	struct hd_model *m;
	const char *res[4];
	uint32_t id;
	int i;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	hd_arena_init(&m->arena);
	hd_hash_key_init(&m->strs.hk);
	hd_hash_key_init(&m->fhk);
	hd_hash_key_init(&m->pool.hk);
	m->opts = *opts;
	res[0] = opts->focus;
	res[1] = opts->ignore;
	res[2] = opts->hide;
	res[3] = opts->show;
	for (i = 0; i < 4; i++) {
		int rc;

		if (!res[i] || !*res[i])
			continue;
		rc = regcomp(&m->re[i], res[i], REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];

			regerror(rc, &m->re[i], msg, sizeof(msg));
			hd_model_free(m);
			if (rc == REG_ESPACE)
				return hd_fail(err, HD_ERR_NOMEM, "out of memory");
			return hd_fail_about(err, HD_ERR_USAGE, (enum hd_subject)(HD_SUBJ_FOCUS + i),
					     "invalid regular expression '%s': %s", res[i], msg);
		}
		m->have_re[i] = 1;
	}
	m->opts.focus = m->have_re[0] ? opts->focus : NULL;
	/* String id 0 is always "". */
	if (strtab_intern(&m->strs, &m->arena, "", &id) ||
	    HD_GROW(m->parent, m->nodes_cap, 1) ||
	    !(m->frame = malloc(m->nodes_cap * sizeof(*m->frame))) ||
	    !(m->rec = malloc(m->nodes_cap))) {
		hd_model_free(m);
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	m->parent[0] = 0;
	m->frame[0] = HD_NO_FRAME;
	m->rec[0] = 0;
	m->nnodes = 1;
	*out = m;
	return 0;
}

int hd_model_set_app(struct hd_model *m, const char *re, struct hd_error *err)
{
	int rc;

	if (!re || !*re)
		return 0;
	rc = regcomp(&m->app_re, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];

		regerror(rc, &m->app_re, msg, sizeof(msg));
		if (rc == REG_ESPACE)
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
		return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_APP,
				     "invalid regular expression '%s': %s", re, msg);
	}
	m->app = HD_APP_REGEX;
	return 0;
}

const char *hd_model_app_rule(const struct hd_model *m)
{
	return hd_app_kind_name(m->app);
}

void hd_model_free(struct hd_model *m)
{
	size_t c;
	int i;

	if (!m)
		return;
	for (c = 0; c < m->ncols; c++) {
		free(m->cols[c].self);
		free(m->cols[c].sid);
		free(m->cols[c].vals);
		free(m->cols[c].flat);
		free(m->cols[c].cum);
		free(m->cols[c].sfid);
		free(m->cols[c].sflat);
		free(m->cols[c].scum);
		free(m->cols[c].own);
		free(m->cols[c].sown);
		free(m->cols[c].pflat);
		free(m->cols[c].pown);
	}
	if (m->app == HD_APP_REGEX)
		regfree(&m->app_re);
	free(m->cols);
	free(m->touched);
	free(m->touch_col);
	free(m->pool.data);
	free(m->pool.off);
	free(m->pool.slots);
	for (i = 0; i < 4; i++)
		if (m->have_re[i])
			regfree(&m->re[i]);
	free(m->strs.strs);
	free(m->strs.slots);
	free(m->frames);
	free(m->fslots);
	free(m->parent);
	free(m->frame);
	free(m->rec);
	free(m->stamp);
	hd_arena_release(&m->arena);
	free(m);
}

static int grow_nodes(struct hd_model *m)
{
	size_t cap = m->nodes_cap;
	uint32_t *f;
	uint8_t *r;

	if (m->nnodes < m->nodes_cap)
		return 0;
	if (m->nnodes >= UINT32_MAX - 1 || HD_GROW(m->parent, cap, m->nnodes + 1))
		return HD_ERR_NOMEM;
	f = realloc(m->frame, cap * sizeof(*f));
	if (!f)
		return HD_ERR_NOMEM;
	m->frame = f;
	r = realloc(m->rec, cap);
	if (!r)
		return HD_ERR_NOMEM;
	m->rec = r;
	m->nodes_cap = cap;
	return 0;
}

/* Make room for a stamp per frame; new stamps are 0, which no walk uses. */
static int stamp_fit(struct hd_model *m)
{
	size_t old = m->stamp_cap;

	if (HD_GROW(m->stamp, m->stamp_cap, m->nframes + 1))
		return HD_ERR_NOMEM;
	memset(m->stamp + old, 0, (m->stamp_cap - old) * sizeof(*m->stamp));
	return 0;
}

/* Start a new walk: frames stamped before it count as unseen.  Stamps
 * are cleared only when the counter wraps. */
static void next_walk(struct hd_model *m)
{
	if (++m->serial == 0) {
		memset(m->stamp, 0, m->stamp_cap * sizeof(*m->stamp));
		m->serial = 1;
	}
}

/* pprof's simplifyFunc: drop a C++-style argument list, keeping the
 * reserved names that contain '('. */
static size_t simplified_len(const char *s, const char **start)
{
	static const char *const reserved[] = {"(anonymous namespace)", "operator()"};
	size_t i = 0, k, n;

	if (*s == '.')
		s++;
	*start = s;
	n = strlen(s);
	while (i < n) {
		for (k = 0; k < 2; k++)
			if (strncmp(s + i, reserved[k], strlen(reserved[k])) == 0)
				break;
		if (k < 2) {
			i += strlen(reserved[k]);
			continue;
		}
		if (s[i] == '(')
			return i;
		i++;
	}
	return n;
}

static int rx_match(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

/*
 * drop_frames and keep_frames come from the profile, and glibc's regcomp()
 * is no place for an untrusted pattern: it recurses once per nesting level
 * (30 000 '(' overflow the stack), copies the operand of a counted
 * repetition up to n times, in every spelling glibc accepts ("a{1,32767}",
 * "a{,32767}", "((a|b){1,100}){1,100}": seconds and gigabytes), and
 * backreferences make matching exponential ("(a*)(a*)\2\3b").  Go's
 * regexp, which pprof uses, refuses backreferences and repeat counts over
 * 1000, and pprof ignores a pattern it cannot compile; so do we, and also
 * refuse what would expand past RE_MAX_COST positions (bracket
 * expressions and escapes count one) or nest deeper than RE_MAX_DEPTH,
 * or is longer than RE_MAX_LEN.  Returns 1 to refuse.
 */
#define RE_MAX_DEPTH 64
#define RE_MAX_COST 2000
#define RE_MAX_REPEAT 1000 /* Go's regexp/syntax limit */
#define RE_MAX_LEN 4096

/* A counted repetition at s ('{'): its largest count into *n and the
 * byte after '}' into *end; 0 when s does not start one. */
static int re_repeat(const char *s, unsigned long *n, const char **end)
{
	unsigned long lo = 0, hi;
	char *e = (char *)s + 1;

	if (*e >= '0' && *e <= '9')
		lo = strtoul(e, &e, 10);
	else if (*e != ',')
		return 0;
	hi = lo;
	if (*e == ',') {
		e++;
		if (*e >= '0' && *e <= '9')
			hi = strtoul(e, &e, 10);
	}
	if (*e != '}')
		return 0;
	*n = hi > lo ? hi : lo;
	*end = e + 1;
	return 1;
}

/* Skip the bracket expression at s ('['), character classes included. */
static const char *re_skip_bracket(const char *s)
{
	s++;
	s += *s == '^';
	s += *s == ']';
	while (*s && *s != ']') {
		if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			const char *c = strstr(s + 2, s[1] == ':' ? ":]" :
					       s[1] == '.' ? ".]" : "=]");
			s = c ? c + 2 : s + strlen(s);
		} else {
			s++;
		}
	}
	return s + (*s == ']');
}

static int re_too_costly(const char *s)
{
	size_t total[RE_MAX_DEPTH + 1], last[RE_MAX_DEPTH + 1], atom;
	int d = 0;

	if (strlen(s) > RE_MAX_LEN)
		return 1;
	total[0] = last[0] = 0;
	while (*s) {
		unsigned long n;
		const char *e;

		if (*s == '(') {
			if (++d > RE_MAX_DEPTH)
				return 1;
			total[d] = last[d] = 0;
			s++;
			continue;
		}
		if (*s == '{' && last[d] && re_repeat(s, &n, &e)) {
			if (n > RE_MAX_REPEAT)
				return 1;
			total[d] -= last[d];
			last[d] *= n + 1;
			total[d] += last[d];
			if (total[d] > RE_MAX_COST)
				return 1;
			s = e;
			continue;
		}
		/* ')' at depth 0 would close the "^(" heapdiff wraps the
		 * pattern in, so a quantifier after it repeats the whole
		 * pattern; Go refuses the unbalanced result. */
		if (*s == ')' && d == 0)
			return 1;
		if (s[0] == '\\' && s[1] >= '1' && s[1] <= '9')
			return 1; /* a backreference */
		if (*s == ')') {
			atom = total[d--] + 1;
			s++;
		} else if (*s == '[') {
			s = re_skip_bracket(s);
			atom = 1;
		} else {
			s += s[0] == '\\' && s[1] ? 2 : 1;
			atom = 1;
		}
		last[d] = atom;
		total[d] += atom;
		if (total[d] > RE_MAX_COST)
			return 1;
	}
	return 0;
}

/* Per-location state for one hd_model_add. */
struct loc_state {
	uint32_t first, n;  /* frames in lbuf, innermost first */
	uint8_t prune, prune_beneath, hidden;
	int8_t focus;       /* 0 neither, 1 focused, -1 ignored */
};

enum { FM_FOCUS = 1, FM_IGNORE = 2, FM_HIDE = 4, FM_SHOW = 8 };

/* ---- the stack pool ---- */

/* The high half picks the slot, the low half is the tag. */
static uint64_t stack_hash(const struct stack_pool *p, const uint32_t *f, uint32_t n)
{
	return hd_hash_words(&p->hk, f, n);
}

static inline size_t hash_slot(uint64_t h, size_t mask)
{
	return (size_t)(h >> 32) & mask;
}

/* What a slot holds for the stack of hash h whose depth is at off. */
static inline uint32_t slot_of(const struct stack_pool *p, uint64_t h, uint32_t off)
{
	return ((uint32_t)h & ~p->offmask) | off;
}

/* Whether slot s may name the stack of hash h: no when the tags differ. */
static inline int slot_may_be(const struct stack_pool *p, uint32_t s, uint64_t h)
{
	return ((s ^ (uint32_t)h) & ~p->offmask) == 0;
}

/* The least 2^k - 1 that holds every offset below cap. */
static uint32_t offmask_for(size_t cap)
{
	uint32_t m = 0;

	while (cap && m < cap - 1 && m != UINT32_MAX)
		m = m << 1 | 1;
	return m;
}

/*
 * Give the offsets in the slots room for every offset below data's
 * capacity, which has just grown: the tags lose the bits the offsets
 * take, and nothing needs hashing again.  Offsets below the old mask
 * have those bits clear.  Data grows by doubling, or once per profile
 * to its bound (pool_reserve), so this runs a few times a model.
 */
static void pool_widen(struct stack_pool *p)
{
	uint32_t m = offmask_for(p->cap), clear = m & ~p->offmask;
	size_t i;

	if (!clear)
		return;
	if (p->n) /* an empty table's calloc'd pages are best left unread */
		for (i = 0; i < p->nslots; i++)
			p->slots[i] &= ~clear;
	p->offmask = m;
}

static int pool_rehash(struct stack_pool *p, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	size_t id;

	if (!slots)
		return HD_ERR_NOMEM;
	/* The hashes are computed again rather than kept: a kept array
	 * costs memory, and a cache miss per probe in pool_intern. */
	for (id = 0; id < p->n; id++) {
		const uint32_t *q = p->data + p->off[id];
		uint64_t h = stack_hash(p, q + 1, q[0]);
		size_t i = hash_slot(h, nslots - 1);

		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = slot_of(p, h, p->off[id]);
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = nslots;
	return 0;
}

/* Whether the stack whose depth is at off equals stk. */
static inline int pool_equal(const struct stack_pool *p, uint32_t off, const uint32_t *stk)
{
	const uint32_t *q = p->data + off;

	return q[0] == stk[0] && memcmp(q + 1, stk + 1, (size_t)stk[0] * sizeof(*q)) == 0;
}

/*
 * The id of stack stk ([depth, frames...], hash h): an equal stack's, or
 * a new one, copied into the pool.  guess is the depth offset of a stack
 * that may be equal, or 0: tried first, it saves the walk when it is (a
 * pool holds a stack once, so an equal one is the one).  The slots must
 * have room for one more stack (batch_flush makes it).
 */
static int pool_intern(struct stack_pool *p, const uint32_t *stk, uint64_t h,
		       uint32_t guess, uint32_t *id)
{
	uint32_t n = stk[0];
	size_t i, cap = p->cap;

	if (guess && pool_equal(p, guess, stk)) {
		*id = p->data[guess - 1];
		return 0;
	}
	for (i = hash_slot(h, p->nslots - 1); p->slots[i]; i = (i + 1) & (p->nslots - 1)) {
		uint32_t off = p->slots[i] & p->offmask;

		if (slot_may_be(p, p->slots[i], h) && pool_equal(p, off, stk)) {
			*id = p->data[off - 1];
			return 0;
		}
	}
	if (p->n >= UINT32_MAX - 1 || p->len + n + 2 > UINT32_MAX ||
	    HD_GROW(p->off, p->off_cap, p->n + 1) ||
	    HD_GROW(p->data, p->cap, p->len + n + 2))
		return HD_ERR_NOMEM;
	if (p->cap != cap)
		pool_widen(p);
	p->data[p->len] = (uint32_t)p->n;
	memcpy(p->data + p->len + 1, stk, ((size_t)n + 1) * sizeof(*stk));
	p->off[p->n] = (uint32_t)p->len + 1;
	p->slots[i] = slot_of(p, h, (uint32_t)p->len + 1);
	p->len += (size_t)n + 2;
	*id = (uint32_t)p->n++;
	return 0;
}

/*
 * Stacks are interned a batch at a time.  Looking one up is a chain of
 * cache misses (its slot, then the frames of the candidate it names),
 * half the time of hd_model_add on a big profile when taken one stack at
 * a time.  For a batch, each link is prefetched for every stack before
 * the next link is followed, so the misses overlap.  The prefetch passes
 * are hints only: pool_intern() decides.
 */
#define BATCH 64

struct stack_batch {
	uint32_t *data;          /* the stacks, [depth, frames...] each */
	size_t len, cap;
	size_t n;
	size_t at[BATCH];        /* where each starts in data */
	uint64_t hash[BATCH];
	uint32_t cand[BATCH];    /* its first candidate's depth offset, or 0 */
};

static int batch_flush(struct stack_pool *p, struct stack_batch *b, uint32_t *ids)
{
	size_t k, mask, nslots = p->nslots ? p->nslots : 1024;

	while (nslots / 2 < p->n + b->n + 1)
		nslots *= 2;
	if (nslots != p->nslots && pool_rehash(p, nslots))
		return HD_ERR_NOMEM;
	mask = p->nslots - 1;
	for (k = 0; k < b->n; k++) {
		const uint32_t *stk = b->data + b->at[k];

		b->hash[k] = stack_hash(p, stk + 1, stk[0]);
		HD_PREFETCH(&p->slots[hash_slot(b->hash[k], mask)]);
	}
	for (k = 0; k < b->n; k++) {
		size_t i;

		b->cand[k] = 0;
		for (i = hash_slot(b->hash[k], mask); p->slots[i]; i = (i + 1) & mask)
			if (slot_may_be(p, p->slots[i], b->hash[k])) {
				b->cand[k] = p->slots[i] & p->offmask;
				break;
			}
		/* The id before the depth, the depth and the first frames:
		 * prefetching more lines of a long stack measured no faster. */
		if (b->cand[k])
			HD_PREFETCH(p->data + b->cand[k] - 1);
	}
	for (k = 0; k < b->n; k++)
		if (pool_intern(p, b->data + b->at[k], b->hash[k], b->cand[k], &ids[k]))
			return HD_ERR_NOMEM;
	b->n = 0;
	b->len = 0;
	return 0;
}

/*
 * Make room, once, for up to nstacks more stacks of nwords words in all:
 * growing by doubling instead copies the pool's arrays about twice over
 * and faults in every page twice.  Room that stays unused (stacks the
 * pool had already) is address space, not memory, until written.  The
 * word count is a bound only without inlining (a location's inlined
 * lines are frames too), so the data may still grow, by doubling.
 * The hash slots are the exception: calloc'd and probed at random, all
 * of them are memory.  They are sized for the larger of the pool and
 * the largest profile (snapshots of one program share most stacks: the
 * sum would double them, 4 MB on a 200k pair), and batch_flush grows
 * them when more stacks turn out new.
 */
static int pool_reserve(struct stack_pool *p, size_t nstacks, size_t largest, size_t nwords)
{
	size_t nslots = p->nslots ? p->nslots : 1024;

	size_t cap = p->cap;

	if (nstacks > SIZE_MAX / 4 - p->n || nwords > SIZE_MAX / 4 - p->len)
		return HD_ERR_NOMEM;
	while (nslots / 2 < (p->n > largest ? p->n : largest) + 1)
		nslots *= 2;
	if (nslots != p->nslots && pool_rehash(p, nslots))
		return HD_ERR_NOMEM;
	/* Each stack's id is a word more, in front of its depth. */
	if (HD_GROW(p->data, p->cap, p->len + nwords + nstacks) ||
	    HD_RESERVE(p->off, p->off_cap, p->n + nstacks))
		return HD_ERR_NOMEM;
	if (p->cap != cap)
		pool_widen(p);
	return 0;
}

static inline const uint32_t *pool_stack(const struct stack_pool *p, uint32_t id)
{
	return p->data + p->off[id];
}

/* What one distinct string of a profile gives the model, found by the
 * string's pointer (see add_state). */
struct memo {
	uint32_t id;     /* interned: the name (or "") or the cleaned file name */
	uint8_t match;   /* FM_* bits of the string as the profile spells it */
	uint8_t drop;    /* names: drop_frames prunes the function */
};

struct memo_tab {
	struct hd_map map; /* string pointer -> index into v */
	struct memo *v;
	size_t n, cap;
};

/*
 * What one hd_model_add() resolves once and then reads per sample: the
 * profile's functions, mappings and locations turned into the model's
 * strings and frames.  Owned by add_profile(), freed by add_release().
 */
struct add_state {
	const struct hd_profile *p;
	const struct hd_add_opts *ao;
	regex_t drop_re, keep_re;   /* drop_frames/keep_frames, pprof's Prune */
	int have_drop, have_keep;
	int any_focus;              /* focus or ignore is set */
	uint32_t *fname, *ffile, *shownf; /* per function: string ids */
	uint8_t *fmatch, *dropf;    /* per function: FM_* bits, pruned */
	uint32_t *mobj;             /* per mapping: string id of its file */
	uint8_t *mmatch;            /* per mapping: FM_* bits */
	struct loc_state *ls;       /* per location */
	uint32_t *lone;             /* per location: its frame when it has
	                             * exactly one, else UINT32_MAX */
	uint32_t *lbuf;             /* the locations' frames, ls[].first.. */
	size_t lbuf_len, lbuf_cap;
	/*
	 * A profile's strings are interned by its decoder, so functions
	 * that share a name or a file share the pointer: everything derived
	 * from a string (its id, cleaned path, regexp matches) is computed
	 * once per distinct string, not per function.  Untrusted profiles
	 * give thousands of functions one huge file name.
	 */
	struct memo_tab names, files;
	struct stack_batch b;       /* stacks waiting for their ids */
	struct hd_error *err;       /* a malformed sample's message goes here */
	int failed;                 /* ... and was put there */
};

static void add_release(struct add_state *st)
{
	if (st->have_drop)
		regfree(&st->drop_re);
	if (st->have_keep)
		regfree(&st->keep_re);
	free(st->fname);
	free(st->ffile);
	free(st->shownf);
	free(st->fmatch);
	free(st->dropf);
	free(st->mobj);
	free(st->mmatch);
	free(st->ls);
	free(st->lone);
	free(st->lbuf);
	hd_map_release(&st->names.map);
	hd_map_release(&st->files.map);
	free(st->names.v);
	free(st->files.v);
	free(st->b.data);
}

/* Compile "^(re)$" into *out: 1 when it compiled, 0 when it is refused
 * or does not compile, HD_ERR_NOMEM when memory ran out (which must not
 * pass for a pattern ignored). */
static int compile_anchored(const char *re, regex_t *out)
{
	size_t n = strlen(re);
	char *rx;
	int rc;

	if (!*re || re_too_costly(re))
		return 0;
	if (!(rx = malloc(n + 6)))
		return HD_ERR_NOMEM;
	snprintf(rx, n + 6, "^(%s)$", re);
	rc = regcomp(out, rx, REG_EXTENDED | REG_NOSUB);
	free(rx);
	if (rc == REG_ESPACE) {
		regfree(out);
		return HD_ERR_NOMEM;
	}
	return rc == 0;
}

/* pprof ignores a drop_frames regexp it cannot compile; so do we (and
 * keep_frames counts only beside a drop_frames). */
static int compile_prune(struct add_state *st, const struct hd_profile *fv)
{
	int rc;

	if (!fv->drop_frames || (rc = compile_anchored(fv->drop_frames, &st->drop_re)) == 0)
		return 0;
	if (rc < 0)
		return rc;
	st->have_drop = 1;
	if (fv->keep_frames && (rc = compile_anchored(fv->keep_frames, &st->keep_re)) < 0)
		return rc;
	st->have_keep = fv->keep_frames && rc == 1;
	return 0;
}

static uint8_t filter_bits(const struct hd_model *m, const char *s)
{
	uint8_t bits = 0;
	int k;

	for (k = 0; k < 4; k++)
		if (m->have_re[k] && rx_match(&m->re[k], s))
			bits |= (uint8_t)(1 << k);
	return bits;
}

/*
 * The memo of string s in t: 1 and *out when s was seen, else 0 and *out
 * a new entry (its filter bits filled) for the caller to complete and
 * memo_add() to keep; < 0 out of memory.
 */
static int memo_find(const struct hd_model *m, struct memo_tab *t, const char *s,
		     struct memo **out)
{
	uint32_t k;

	if (hd_map_get(&t->map, (uint64_t)(uintptr_t)s, &k)) {
		*out = &t->v[k];
		return 1;
	}
	if (HD_GROW(t->v, t->cap, t->n + 1))
		return HD_ERR_NOMEM;
	*out = &t->v[t->n];
	(*out)->match = filter_bits(m, s);
	(*out)->drop = 0;
	(*out)->id = 0;
	return 0;
}

static int memo_add(struct memo_tab *t, const char *s)
{
	if (hd_map_put(&t->map, (uint64_t)(uintptr_t)s, (uint32_t)t->n))
		return HD_ERR_NOMEM;
	t->n++;
	return 0;
}

/* The memo of a function name: its string id (kept or not by the
 * granularity), its filter bits and whether drop_frames prunes it. */
static int memo_name(struct hd_model *m, struct add_state *st, const char *name,
		     int keep_name, const struct memo **out)
{
	struct memo *e;
	int rc = memo_find(m, &st->names, name, &e);

	*out = e;
	if (rc)
		return rc < 0 ? rc : 0;
	if (st->have_drop && *name) {
		const char *sp;
		size_t n = simplified_len(name, &sp);
		char *simple = malloc(n + 1);

		if (!simple)
			return HD_ERR_NOMEM;
		memcpy(simple, sp, n);
		simple[n] = '\0';
		e->drop = rx_match(&st->drop_re, simple) &&
			  !(st->have_keep && rx_match(&st->keep_re, simple));
		free(simple);
	}
	if (strtab_intern(&m->strs, &m->arena, keep_name ? name : "", &e->id))
		return HD_ERR_NOMEM;
	return memo_add(&st->names, name);
}

/* The memo of a file name: the id of its cleaned form ("" stays 0) and
 * the filter bits of the name as the profile spells it. */
static int memo_file(struct hd_model *m, struct add_state *st, const char *file,
		     const struct memo **out)
{
	struct memo *e;
	int rc = memo_find(m, &st->files, file, &e);

	*out = e;
	if (rc)
		return rc < 0 ? rc : 0;
	if (*file) {
		struct hd_arena tmp;
		char *c;

		/* The cleaned copy is interned; the scratch copy is not kept. */
		hd_arena_init(&tmp);
		c = hd_clean_path(&tmp, trim_cwd(file));
		rc = !c || strtab_intern(&m->strs, &m->arena, c, &e->id);
		hd_arena_release(&tmp);
		if (rc)
			return HD_ERR_NOMEM;
	}
	return memo_add(&st->files, file);
}

/* Every function's string ids, filter bits and pruning, once. */
static int index_functions(struct hd_model *m, struct add_state *st)
{
	const struct hd_profile *v = st->p;
	enum hd_granularity g = m->opts.granularity;
	int keep_name = g != HD_GRAN_FILES, keep_file = g != HD_GRAN_FUNCTIONS;
	size_t i;

	st->fname = malloc((v->nfuncs + 1) * sizeof(*st->fname));
	st->ffile = malloc((v->nfuncs + 1) * sizeof(*st->ffile));
	st->shownf = malloc((v->nfuncs + 1) * sizeof(*st->shownf));
	st->fmatch = calloc(v->nfuncs + 1, 1);
	st->dropf = calloc(v->nfuncs + 1, 1);
	if (!st->fname || !st->ffile || !st->shownf || !st->fmatch || !st->dropf ||
	    hd_map_init(&st->names.map, 64) || hd_map_init(&st->files.map, 64))
		return HD_ERR_NOMEM;
	for (i = 0; i < v->nfuncs; i++) {
		const struct hd_pfunc *f = &v->funcs[i];
		const struct memo *nm, *fm;

		if (memo_name(m, st, f->name, keep_name, &nm) ||
		    memo_file(m, st, f->filename, &fm))
			return HD_ERR_NOMEM;
		st->fname[i] = nm->id;
		st->fmatch[i] = nm->match | fm->match;
		st->dropf[i] = nm->drop;
		st->shownf[i] = fm->id;
		st->ffile[i] = keep_file ? fm->id : 0;
	}
	return 0;
}

/* Every mapping's file as a string id, and its filter bits. */
static int index_mappings(struct hd_model *m, struct add_state *st)
{
	const struct hd_profile *v = st->p;
	size_t i;

	st->mobj = malloc((v->nmappings + 1) * sizeof(*st->mobj));
	st->mmatch = calloc(v->nmappings + 1, 1);
	if (!st->mobj || !st->mmatch)
		return HD_ERR_NOMEM;
	for (i = 0; i < v->nmappings; i++) {
		st->mmatch[i] = filter_bits(m, v->mappings[i].file);
		if (strtab_intern(&m->strs, &m->arena, v->mappings[i].file, &st->mobj[i]))
			return HD_ERR_NOMEM;
	}
	return 0;
}

/*
 * Location l's pruning and focus (pprof's Prune and FilterSamplesByName
 * see a location's lines together): into *s, and the live lines into
 * [*lo, hi).
 */
static void location_filters(const struct hd_model *m, const struct add_state *st,
			     const struct hd_ploc *l, struct loc_state *s,
			     uint32_t *lo, uint8_t *any)
{
	uint8_t mm = l->mapping != UINT32_MAX ? st->mmatch[l->mapping] : 0;
	uint32_t hi = l->nlines, k;

	*lo = 0;
	/* Prune: the outermost line whose function matches drop_frames cuts
	 * it and everything inlined into it. */
	if (st->have_drop)
		for (k = hi; k-- > 0;)
			if (st->dropf[l->lines[k].func]) {
				s->prune_beneath = 1;
				if (k == hi - 1)
					s->prune = 1;
				else
					*lo = k + 1;
				break;
			}
	*any = mm;
	for (k = *lo; k < hi; k++)
		*any |= st->fmatch[l->lines[k].func];
	if (m->have_re[RE_IGNORE] && (*any & FM_IGNORE))
		s->focus = -1;
	else if (!m->have_re[RE_FOCUS] || (*any & FM_FOCUS))
		s->focus = 1;
}

/* Location l's frames, innermost first, appended to st->lbuf. */
static int location_frames(struct hd_model *m, struct add_state *st,
			   const struct hd_ploc *l, struct loc_state *s)
{
	enum hd_granularity g = m->opts.granularity;
	int keep_line = g == HD_GRAN_LINES || g == HD_GRAN_ADDRESSES;
	uint64_t addr = g == HD_GRAN_ADDRESSES ? l->address : 0;
	uint8_t mm = l->mapping != UINT32_MAX ? st->mmatch[l->mapping] : 0;
	uint32_t obj = l->mapping != UINT32_MAX ? st->mobj[l->mapping] : 0;
	uint32_t lo, j;
	uint8_t any;

	location_filters(m, st, l, s, &lo, &any);
	s->first = (uint32_t)st->lbuf_len;
	if (HD_GROW(st->lbuf, st->lbuf_cap, st->lbuf_len + (l->nlines - lo) + 1))
		return HD_ERR_NOMEM;
	if (l->nlines == lo) {
		/* No lines: pprof's show keeps none of them, hide drops it by
		 * its binary; else one frame for the address. */
		if (m->have_re[RE_SHOW] || (m->have_re[RE_HIDE] && (mm & FM_HIDE)))
			s->hidden = 1;
		else if (frame_intern(m, 0, 0, obj, 0, 0, addr, 0, &st->lbuf[st->lbuf_len++]))
			return HD_ERR_NOMEM;
	}
	for (j = lo; j < l->nlines; j++) {
		const struct hd_pline *ln = &l->lines[j];
		uint32_t fi = ln->func;
		int noname = st->fname[fi] == 0;

		if (m->have_re[RE_HIDE] && (any & FM_HIDE) &&
		    ((mm & FM_HIDE) || (st->fmatch[fi] & FM_HIDE)))
			continue;
		if (m->have_re[RE_SHOW] && !(mm & FM_SHOW) && !(st->fmatch[fi] & FM_SHOW))
			continue;
		if (frame_intern(m, st->fname[fi], st->ffile[fi], noname ? obj : 0,
				 keep_line ? ln->line : 0,
				 noname ? st->p->funcs[fi].start_line : 0,
				 addr, st->shownf[fi], &st->lbuf[st->lbuf_len]))
			return HD_ERR_NOMEM;
		if (st->p->held_by && st->p->held_by[fi]) { /* the newest profile's wins */
			struct hd_frame *pf = &m->frames[st->lbuf[st->lbuf_len]].pub;
			const char *h = st->p->held_by[fi];

			if (!pf->held_by || strcmp(pf->held_by, h))
				pf->held_by = hd_arena_strndup(&m->arena, h, strlen(h));
			if (!pf->held_by)
				return HD_ERR_NOMEM;
		}
		st->lbuf_len++;
	}
	s->n = (uint32_t)st->lbuf_len - s->first;
	if (s->n == 0)
		s->hidden = 1;
	return 0;
}

static int resolve_locations(struct hd_model *m, struct add_state *st)
{
	size_t i;

	st->ls = calloc(st->p->nlocs + 1, sizeof(*st->ls));
	st->lone = malloc((st->p->nlocs + 1) * sizeof(*st->lone));
	if (!st->ls || !st->lone)
		return HD_ERR_NOMEM;
	st->any_focus = m->have_re[RE_FOCUS] || m->have_re[RE_IGNORE];
	for (i = 0; i < st->p->nlocs; i++) {
		if (location_frames(m, st, &st->p->locs[i], &st->ls[i]))
			return HD_ERR_NOMEM;
		st->lone[i] = st->ls[i].n == 1 ? st->lbuf[st->ls[i].first] : UINT32_MAX;
	}
	return 0;
}

/*
 * Where a sample's kept part starts, after drop_frames pruning (pprof
 * cuts at the first pruned location above the user's code), and whether
 * focus/ignore keep it at all.
 */
static int sample_kept(const struct add_state *st, const struct hd_psample *s,
		       uint32_t *lo)
{
	uint32_t k;
	int focused = 0;

	*lo = 0;
	if (st->have_drop) {
		int found_user = 0;

		for (k = s->nlocs; k-- > 0;) {
			const struct loc_state *x = &st->ls[s->locs[k]];

			if (!x->prune && !x->prune_beneath) {
				found_user = 1;
				continue;
			}
			if (!found_user)
				continue;
			*lo = x->prune ? k + 1 : k;
			break;
		}
	}
	if (!st->any_focus)
		return 1;
	for (k = *lo; k < s->nlocs; k++) {
		int8_t f = st->ls[s->locs[k]].focus;

		if (f < 0)
			return 0;
		focused |= f > 0;
	}
	return focused;
}

/*
 * What sample_stack() reads and writes per frame, copied out of the
 * model into a local that nothing else points to: through the structs,
 * a store (a stack word, a cum) could alias the next pointer loaded, so
 * the compiler reloaded them for every frame.
 */
struct frame_walk {
	uint32_t *stamp, serial;
	int64_t *cum, val;
};

/*
 * Frame f, just written to a sample's stack, gets val added to its cum
 * once per sample (a recursive stack holds a frame more than once; the
 * stamp of next_walk() says whether this sample counted it already).
 * Inlined into sample_stack(), the loop that runs per location of every
 * sample.
 */
static inline __attribute__((always_inline))
void stack_frame(struct frame_walk *w, uint32_t f)
{
	if (w->stamp[f] == w->serial)
		return;
	w->stamp[f] = w->serial;
	w->cum[f] = hd_add_sat(w->cum[f], w->val);
}

/*
 * List the frames the column being added can touch, once each, for
 * column_compact(): every frame of the profile's locations, a superset
 * of those its samples reach, found once per location rather than
 * checked per frame of every sample.
 */
static void list_touched(struct hd_model *m, const struct add_state *st)
{
	uint32_t mark = (uint32_t)m->ncols + 1;
	size_t i;

	for (i = 0; i < st->lbuf_len; i++) {
		uint32_t f = st->lbuf[i];

		if (m->touch_col[f] != mark) {
			m->touch_col[f] = mark;
			m->touched[m->ntouched++] = f;
		}
	}
}

/*
 * Append sample s's stack, [depth, frames root..leaf], to the batch and
 * add val to the cum of its frames: 1 when it has frames, 0 when every
 * location is hidden (pprof drops such a sample), < 0 out of memory.
 * Most locations are one frame (st->lone); room for a word per location
 * is made once, more only for a location of inlined lines.
 */
static int sample_stack(struct hd_model *m, struct add_state *st, struct column *col,
			const struct hd_psample *s, uint32_t lo, int64_t val)
{
	struct stack_batch *b = &st->b;
	const uint32_t *locs = s->locs, *lone = st->lone;
	size_t at = b->len, len = at + 1;
	struct frame_walk w;
	uint32_t k, t;
	uint32_t *d;

	if (HD_GROW(b->data, b->cap, len + (s->nlocs - lo)))
		return HD_ERR_NOMEM;
	next_walk(m);
	w.stamp = m->stamp;
	w.serial = m->serial;
	w.cum = col->cum;
	w.val = val;
	d = b->data;
	for (k = s->nlocs; k-- > lo;) {
		uint32_t l = locs[k], f = lone[l];
		const struct loc_state *x;

		if (f != UINT32_MAX) {
			d[len++] = f;
			stack_frame(&w, f);
			continue;
		}
		x = &st->ls[l];
		/* Room for its frames and a word for each location left. */
		if (HD_GROW(b->data, b->cap, len + x->n + (k - lo)))
			return HD_ERR_NOMEM;
		d = b->data;
		for (t = x->n; t-- > 0;) {
			f = st->lbuf[x->first + t];
			d[len++] = f;
			stack_frame(&w, f);
		}
	}
	if (len == at + 1)
		return 0;
	b->len = len;
	d[at] = (uint32_t)(len - at - 1);
	b->at[b->n] = at;
	return 1;
}

/* Stack stk's culprit: its nearest frame of the user's code from the
 * leaf, or its leaf when none is. */
static uint32_t stack_culprit(const struct hd_model *m, const uint32_t *stk)
{
	uint32_t q;

	for (q = stk[0]; q >= 1; q--)
		if (m->frames[stk[q]].pub.app)
			return stk[q];
	return stk[stk[0]];
}

/*
 * The leaf and the culprit of sample s without building its stack, for
 * a sample only the paired type counts: from the leaf up, the first
 * frame, then the first of the user's code.  0 when no frame is kept.
 */
static int sample_leaf(const struct hd_model *m, const struct add_state *st,
		       const struct hd_psample *s, uint32_t lo, uint32_t *leaf, uint32_t *cul)
{
	uint32_t k, t;
	int found = 0;

	for (k = lo; k < s->nlocs; k++) {
		const struct loc_state *x = &st->ls[s->locs[k]];

		if (x->hidden)
			continue;
		for (t = 0; t < x->n; t++) {
			uint32_t f = st->lbuf[x->first + t];

			if (!found) {
				*leaf = *cul = f;
				found = 1;
			}
			if (m->frames[f].pub.app) {
				*cul = f;
				return 1;
			}
		}
	}
	return found;
}

/*
 * pprof's merge, for a scaled column (--normalize).  go tool pprof merges
 * the samples of a profile whose locations and labels are the same into
 * one before -normalize rounds each value (profile.Merge, then
 * Normalize), so a sum of roundings here must be over those merged
 * samples, not over the input's: Go writes such twins (one allocation
 * site, one object size, two buckets), and rounding them apart moves a
 * total by a byte.  A group is one merged sample: its key (the location
 * indexes, and the labels' bytes, which stay in the profile's data), the
 * sums of the two values the column reads, and the first sample of it,
 * which carries the group; the others carry nothing.  Locations are
 * compared by index, as a decoder resolves each id once.
 */
struct sgroup {
	uint64_t hash;
	uint32_t next;          /* the next group of the same hash slot */
	uint32_t first;         /* the sample that carries the group */
	size_t key;             /* offset of its location indexes in keys */
	uint32_t nlocs;
	const unsigned char *labels;
	size_t nlabels;
	int64_t val, pval;
};

struct sgroups {
	struct sgroup *g;
	size_t n, cap;
	uint32_t *keys;         /* every group's location indexes */
	size_t nkeys, keys_cap;
	uint32_t *head;         /* hash slot -> first group + 1; 0: none */
	size_t mask;
	uint32_t *of;           /* sample -> its group */
};

static void sgroups_release(struct sgroups *gs)
{
	free(gs->g);
	free(gs->keys);
	free(gs->head);
	free(gs->of);
}

static int sgroups_build(const struct add_state *st, struct sgroups *gs)
{
	const struct hd_profile *v = st->p;
	size_t pi = st->ao->pair_index < v->ntypes ? st->ao->pair_index : SIZE_MAX;
	size_t slots = 16, i;
	uint32_t *sloc = malloc((v->max_locs + 1) * sizeof(*sloc));
	int64_t *sval = malloc((v->ntypes + 1) * sizeof(*sval));
	struct hd_sample_iter it = {0, 0};
	struct hd_hash_key hk;
	int rc = HD_ERR_NOMEM, k;

	memset(gs, 0, sizeof(*gs));
	hd_hash_key_init(&hk);
	while (slots < v->nsamples * 2)
		slots *= 2;
	gs->mask = slots - 1;
	gs->head = calloc(slots, sizeof(*gs->head));
	gs->of = malloc((v->nsamples + 1) * sizeof(*gs->of));
	if (!sloc || !sval || !gs->head || !gs->of)
		goto out;
	for (i = 0;; i++) {
		struct hd_psample s;
		struct sgroup *g = NULL;
		uint64_t h;
		uint32_t at;

		if ((k = hd_profile_read(v, &it, sloc, sval, &s, st->err)) < 0) {
			rc = k;
			goto out;
		}
		if (k == 0 || i >= v->nsamples)
			break;
		h = hd_hash_words(&hk, s.locs, s.nlocs);
		if (s.nlabels)
			h ^= hd_hash_u64(&hk, hd_hash_mem(&hk, s.labels, s.nlabels));
		for (at = gs->head[h & gs->mask]; at; at = g->next) {
			g = &gs->g[at - 1];
			if (g->hash == h && g->nlocs == s.nlocs && g->nlabels == s.nlabels &&
			    (!s.nlocs ||
			     !memcmp(gs->keys + g->key, s.locs, s.nlocs * sizeof(*s.locs))) &&
			    (!s.nlabels || !memcmp(g->labels, s.labels, s.nlabels)))
				break;
		}
		if (!at) {
			if (HD_GROW(gs->g, gs->cap, gs->n + 1) ||
			    HD_GROW(gs->keys, gs->keys_cap, gs->nkeys + s.nlocs + 1))
				goto out;
			g = &gs->g[gs->n];
			g->hash = h;
			g->next = gs->head[h & gs->mask];
			g->first = (uint32_t)i;
			g->key = gs->nkeys;
			g->nlocs = s.nlocs;
			g->labels = s.labels;
			g->nlabels = s.nlabels;
			g->val = g->pval = 0;
			if (s.nlocs)
				memcpy(gs->keys + gs->nkeys, s.locs, s.nlocs * sizeof(*s.locs));
			gs->nkeys += s.nlocs;
			gs->head[h & gs->mask] = (uint32_t)++gs->n;
		}
		g->val = hd_add_sat(g->val, s.values[st->ao->sample_index]);
		if (pi != SIZE_MAX)
			g->pval = hd_add_sat(g->pval, s.values[pi]);
		gs->of[i] = (uint32_t)(g - gs->g);
	}
	rc = 0;
out:
	free(sloc);
	free(sval);
	return rc;
}

/* Every sample of the profile into column col. */
static int add_samples(struct hd_model *m, struct add_state *st, struct column *col)
{
	const struct hd_profile *v = st->p;
	size_t pi = st->ao->pair_index < v->ntypes ? st->ao->pair_index : SIZE_MAX;
	uint32_t *sloc = malloc((v->max_locs + 1) * sizeof(*sloc));
	int64_t *sval = malloc((v->ntypes + 1) * sizeof(*sval));
	struct hd_sample_iter it = {0, 0};
	struct sgroups gs = {0};
	int scaled = st->ao->scale != 1.0;
	size_t i;
	int rc = HD_ERR_NOMEM;

	if (scaled && (rc = sgroups_build(st, &gs))) {
		st->failed = rc != HD_ERR_NOMEM;
		goto out;
	}
	rc = HD_ERR_NOMEM;
	/* A stack per sample at most, of a word per location plus its
	 * depth (inlined lines add more, and HD_GROW then takes over). */
	if (!sloc || !sval || HD_RESERVE(col->sid, col->sid_cap, v->nsamples) ||
	    HD_RESERVE(col->vals, col->vals_cap, v->nsamples) ||
	    pool_reserve(&m->pool, v->nsamples, v->nsamples, v->nrefs + v->nsamples))
		goto out;
	list_touched(m, st);
	for (i = 0;; i++) {
		struct hd_psample s;
		uint32_t lo, cul;
		const uint32_t *stk;
		int64_t val, pval;
		int k;

		/* The decoder checks each sample as it is read (input.h). */
		if ((k = hd_profile_read(v, &it, sloc, sval, &s, st->err)) < 0) {
			rc = k;
			st->failed = 1;
			goto out;
		}
		if (k == 0)
			break;
		if (scaled) {
			const struct sgroup *g;

			if (i >= v->nsamples)
				break; /* as sgroups_build stopped */
			g = &gs.g[gs.of[i]];

			if (g->first != i)
				continue; /* merged into the group's first sample */
			val = hd_scale_value(g->val, st->ao->scale);
			pval = pi == SIZE_MAX ? 0 : hd_scale_value(g->pval, st->ao->scale);
		} else {
			val = s.values[st->ao->sample_index];
			pval = pi == SIZE_MAX ? 0 : s.values[pi];
		}
		col->total = hd_add_sat(col->total, val);
		col->abs_total = hd_add_sat(col->abs_total, val < 0 ? hd_sub_sat(0, val) : val);
		if ((val == 0 && pval == 0) || !sample_kept(st, &s, &lo))
			continue;
		if (val == 0) {
			/* What churn allocates and frees holds nothing in use:
			 * the pair's samples count where val is 0. */
			uint32_t leaf;

			if (sample_leaf(m, st, &s, lo, &leaf, &cul)) {
				col->pflat[leaf] = hd_add_sat(col->pflat[leaf], pval);
				col->pown[cul] = hd_add_sat(col->pown[cul], pval);
			}
			continue;
		}
		if ((k = sample_stack(m, st, col, &s, lo, val)) < 0)
			goto out;
		if (k == 0)
			continue;
		stk = st->b.data + st->b.at[st->b.n];
		cul = stack_culprit(m, stk);
		/* flat to the stack's leaf, own to its culprit. */
		col->flat[stk[stk[0]]] = hd_add_sat(col->flat[stk[stk[0]]], val);
		col->own[cul] = hd_add_sat(col->own[cul], val);
		if (pval) {
			col->pflat[stk[stk[0]]] = hd_add_sat(col->pflat[stk[stk[0]]], pval);
			col->pown[cul] = hd_add_sat(col->pown[cul], pval);
		}
		/* The stack id is filled in when the batch is interned. */
		if (HD_GROW(col->sid, col->sid_cap, col->nsamp + 1) ||
		    HD_GROW(col->vals, col->vals_cap, col->nsamp + 1))
			goto out;
		col->vals[col->nsamp++] = val;
		if (++st->b.n == BATCH &&
		    batch_flush(&m->pool, &st->b, col->sid + col->nsamp - BATCH))
			goto out;
	}
	if (st->b.n && batch_flush(&m->pool, &st->b, col->sid + col->nsamp - st->b.n))
		goto out;
	rc = 0;
out:
	sgroups_release(&gs);
	free(sloc);
	free(sval);
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Extend *a from old to n + 1 entries, the new ones zero. */
static int fit_array(int64_t **a, size_t old, size_t n)
{
	int64_t *x = realloc(*a, (n + 1) * sizeof(int64_t));

	if (!x)
		return HD_ERR_NOMEM;
	*a = x;
	memset(x + old, 0, (n + 1 - old) * sizeof(int64_t));
	return 0;
}

/* Room in a dense column for every frame (the paired type's arrays
 * when with_pair): new entries zero. */
static int dense_fit(struct hd_model *m, struct column *col, int with_pair)
{
	size_t old = col->flat ? col->nframes_at : 0, n = m->nframes;

	if (col->flat && old == n && (!with_pair || col->pflat))
		return 0;
	if (fit_array(&col->flat, old, n) || fit_array(&col->cum, old, n) ||
	    fit_array(&col->own, old, n))
		return HD_ERR_NOMEM;
	if (with_pair || col->pflat) {
		size_t pold = col->pflat ? old : 0;

		if (fit_array(&col->pflat, pold, n) || fit_array(&col->pown, pold, n))
			return HD_ERR_NOMEM;
	}
	col->nframes_at = n;
	return 0;
}

/*
 * Frames of column col, ascending, into *out (*n of them): every frame
 * with a value and, for the latest column, maybe more: its frames are
 * those of its profile's locations (list_touched()); any other's are
 * those with a value, by a scan of its dense arrays.
 */
static int column_frames(struct hd_model *m, const struct column *col, int latest,
			 uint32_t **out, size_t *n)
{
	size_t k, f;

	*n = 0;
	if (latest) {
		if (m->ntouched > 1)
			qsort(m->touched, m->ntouched, sizeof(*m->touched), cmp_u32);
		*out = malloc((m->ntouched + 1) * sizeof(**out));
		if (!*out)
			return HD_ERR_NOMEM;
		for (k = 0; k < m->ntouched; k++)
			(*out)[(*n)++] = m->touched[k];
		return 0;
	}
	for (f = 0, k = 0; f < col->nframes_at; f++)
		k += col->flat[f] || col->cum[f] || col->own[f];
	*out = malloc((k + 1) * sizeof(**out));
	if (!*out)
		return HD_ERR_NOMEM;
	for (f = 0; f < col->nframes_at; f++)
		if (col->flat[f] || col->cum[f] || col->own[f])
			(*out)[(*n)++] = (uint32_t)f;
	return 0;
}

/*
 * A column that is no longer at an end of either order (model.h): keep
 * only the frames it has, by id, and drop its samples and its paired
 * type.  Its dense arrays, zeroed, go to *to (the next column) when to
 * is set, else are freed.  latest: it is the column added last, whose
 * touched frames are listed.
 */
static int column_compact(struct hd_model *m, struct column *from, int latest,
			  struct column *to)
{
	uint32_t *fr;
	size_t k, nf, n = 0;

	if (column_frames(m, from, latest, &fr, &nf))
		return HD_ERR_NOMEM;
	from->sfid = malloc((nf + 1) * sizeof(*from->sfid));
	from->sflat = malloc((nf + 1) * sizeof(*from->sflat));
	from->scum = malloc((nf + 1) * sizeof(*from->scum));
	from->sown = malloc((nf + 1) * sizeof(*from->sown));
	if (!from->sfid || !from->sflat || !from->scum || !from->sown) {
		free(fr);
		return HD_ERR_NOMEM;
	}
	for (k = 0; k < nf; k++) {
		uint32_t f = fr[k];

		if (from->flat[f] || from->cum[f] || from->own[f]) {
			from->sfid[n] = f;
			from->sflat[n] = from->flat[f];
			from->scum[n] = from->cum[f];
			from->sown[n++] = from->own[f];
		}
		from->flat[f] = from->cum[f] = from->own[f] = 0;
	}
	free(fr);
	from->snnz = n;
	if (to) {
		to->flat = from->flat;
		to->cum = from->cum;
		to->own = from->own;
		to->nframes_at = from->nframes_at;
	} else {
		free(from->flat);
		free(from->cum);
		free(from->own);
	}
	free(from->pflat);
	free(from->pown);
	from->flat = from->cum = from->own = from->pflat = from->pown = NULL;
	from->nframes_at = 0;
	free(from->sid);
	free(from->vals);
	from->sid = NULL;
	from->vals = NULL;
	from->nsamp = from->sid_cap = from->vals_cap = 0;
	return 0;
}

/*
 * The columns that keep their samples and dense arrays: the first and
 * the last added, and the earliest and the latest by time (the earliest
 * of equal times is the first added, the latest the last added, as a
 * stable sort by time puts them).  Column next, of time t, is about to
 * be added: compact each end it displaces.  The previous last goes
 * first, handing its arrays to the new column.
 */
static int column_start(struct hd_model *m, struct column *col, int with_pair)
{
	size_t old = m->touch_cap, next = m->ncols, prev = next - 1, c;
	size_t early = m->early, late = m->late;
	size_t was[3];

	/* Every frame is interned by now: list_touched() appends each
	 * once at most, without a check. */
	if (HD_GROW(m->touch_col, m->touch_cap, m->nframes + 1) ||
	    HD_RESERVE(m->touched, m->touched_cap, m->nframes + 1))
		return HD_ERR_NOMEM;
	memset(m->touch_col + old, 0, (m->touch_cap - old) * sizeof(*m->touch_col));
	if (next == 0) {
		m->early = m->late = 0;
		return dense_fit(m, col, with_pair);
	}
	if (col->time < m->cols[early].time)
		m->early = next;
	if (col->time >= m->cols[late].time)
		m->late = next;
	was[0] = prev;
	was[1] = early;
	was[2] = late;
	for (c = 0; c < 3; c++) {
		size_t x = was[c];

		if (x == 0 || x == m->early || x == m->late || !m->cols[x].flat ||
		    (c > 0 && x == prev))
			continue;
		if (column_compact(m, &m->cols[x], x == prev, x == prev ? col : NULL))
			return HD_ERR_NOMEM;
	}
	m->ntouched = 0;
	return dense_fit(m, col, with_pair);
}

int hd_model_reserve(struct hd_model *m, const struct hd_profile *const *ps, size_t n)
{
	size_t stacks = 0, words = 0, largest = 0, k;

	for (k = 0; k < n; k++) {
		if (ps[k]->nsamples > SIZE_MAX / 4 - stacks ||
		    ps[k]->nrefs > SIZE_MAX / 4 - words - ps[k]->nsamples)
			return HD_ERR_NOMEM;
		stacks += ps[k]->nsamples;
		words += ps[k]->nrefs + ps[k]->nsamples;
		if (ps[k]->nsamples > largest)
			largest = ps[k]->nsamples;
	}
	return pool_reserve(&m->pool, stacks, largest, words);
}

int hd_model_add(struct hd_model *m, const struct hd_profile *p,
		 const struct hd_add_opts *ao, struct hd_error *err)
{
	struct add_state st;
	struct column *col;
	int rc, with_pair;

	if (ao->sample_index >= p->ntypes)
		return hd_fail(err, HD_ERR_USAGE, "sample index %zu is out of range",
			       ao->sample_index);
	if (HD_GROW(m->cols, m->cols_cap, m->ncols + 1))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	memset(&st, 0, sizeof(st));
	st.p = p;
	st.ao = ao;
	st.err = err;
	col = &m->cols[m->ncols];
	memset(col, 0, sizeof(*col));
	col->time = p->time_nanos;
	col->given = m->ncols;
	with_pair = ao->pair_index < p->ntypes;
	m->have_pair |= with_pair;
	if (m->app == HD_APP_UNDECIDED)
		m->app = hd_app_detect(p);
	rc = HD_ERR_NOMEM;
	if (compile_prune(&st, ao->frames_from ? ao->frames_from : p) ||
	    index_functions(m, &st) || index_mappings(m, &st) ||
	    resolve_locations(m, &st) || stamp_fit(m) ||
	    column_start(m, col, with_pair))
		goto out;
	if ((rc = add_samples(m, &st, col)))
		goto out;
	rc = (int)m->ncols++;
out:
	if (rc < 0) {
		free(col->sid);
		free(col->vals);
		free(col->flat);
		free(col->cum);
		free(col->own);
		free(col->pflat);
		free(col->pown);
		memset(col, 0, sizeof(*col));
		if (!st.failed)
			hd_fail(err, rc, "out of memory");
	}
	add_release(&st);
	return rc;
}

size_t hd_model_columns(const struct hd_model *m) { return m->ncols; }
size_t hd_model_frame_count(const struct hd_model *m) { return m->nframes; }
const struct hd_model_opts *hd_model_options(const struct hd_model *m) { return &m->opts; }

const struct hd_frame *hd_model_frame(const struct hd_model *m, uint32_t id)
{
	return &m->frames[id].pub;
}

int64_t hd_model_total(const struct hd_model *m, size_t col)
{
	return m->cols[col].total;
}

int64_t hd_model_abs_total(const struct hd_model *m, size_t col)
{
	return m->cols[col].abs_total;
}

const int64_t *hd_model_flat(const struct hd_model *m, size_t col)
{
	return m->cols[col].flat;
}

const int64_t *hd_model_cum(const struct hd_model *m, size_t col)
{
	return m->cols[col].cum;
}

void hd_model_value(const struct hd_model *m, size_t col, uint32_t f,
		    int64_t *flat, int64_t *cum)
{
	const struct column *c = &m->cols[col];
	size_t lo = 0, hi = c->snnz;

	if (c->flat) {
		*flat = f < c->nframes_at ? c->flat[f] : 0;
		*cum = f < c->nframes_at ? c->cum[f] : 0;
		return;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->sfid[mid] < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->snnz && c->sfid[lo] == f) {
		*flat = c->sflat[lo];
		*cum = c->scum[lo];
	} else {
		*flat = *cum = 0;
	}
}

const int64_t *hd_model_own(const struct hd_model *m, size_t col)
{
	return m->cols[col].own;
}

const int64_t *hd_model_sparse_own(const struct hd_model *m, size_t col)
{
	return m->cols[col].sown;
}

int64_t hd_model_own_value(const struct hd_model *m, size_t col, uint32_t f)
{
	const struct column *c = &m->cols[col];
	size_t lo = 0, hi = c->snnz;

	if (c->own)
		return f < c->nframes_at ? c->own[f] : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->sfid[mid] < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->snnz && c->sfid[lo] == f ? c->sown[lo] : 0;
}

const int64_t *hd_model_pair_flat(const struct hd_model *m, size_t col)
{
	return m->have_pair ? m->cols[col].pflat : NULL;
}

const int64_t *hd_model_pair_own(const struct hd_model *m, size_t col)
{
	return m->have_pair ? m->cols[col].pown : NULL;
}

size_t hd_model_sparse(const struct hd_model *m, size_t col, const uint32_t **frames,
		       const int64_t **flat, const int64_t **cum)
{
	const struct column *c = &m->cols[col];

	*frames = c->sfid;
	*flat = c->sflat;
	*cum = c->scum;
	return c->flat ? 0 : c->snnz;
}

/*
 * Each distinct stack of column plus, less its value in column minus
 * (SIZE_MAX: none), once, in the pool's order (the order the model first
 * saw them), the non-zero ones to cb.  In that order the walk reads the
 * pool from start to end: in the order of a column's samples it read
 * it at random, a cache miss per stack once the pool outgrows the cache
 * (64 MB at a million stacks).
 */
static int stack_sums(const struct hd_model *m, size_t plus, size_t minus,
		      int (*cb)(void *ctx, const uint32_t *frames, uint32_t n, int64_t v),
		      void *ctx)
{
	int64_t *d = calloc(m->pool.n + 1, sizeof(*d));
	size_t s, k;
	int rc = 0;

	if (!d)
		return HD_ERR_NOMEM;
	for (k = 0; k < 2; k++) {
		const struct column *c;

		if (k == 1 && minus == SIZE_MAX)
			break;
		c = &m->cols[k == 0 ? plus : minus];
		for (s = 0; s < c->nsamp; s++) {
			uint32_t id = c->sid[s];

			d[id] = k == 0 ? hd_add_sat(d[id], c->vals[s]) : hd_sub_sat(d[id], c->vals[s]);
		}
	}
	for (s = 0; s < m->pool.n && !rc; s++)
		if (d[s]) {
			const uint32_t *st = pool_stack(&m->pool, (uint32_t)s);

			rc = cb(ctx, st + 1, st[0], d[s]);
		}
	free(d);
	return rc;
}

int hd_model_stack_deltas(const struct hd_model *m, size_t a, size_t b,
			  int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				    int64_t delta),
			  void *ctx)
{
	return stack_sums(m, b, a, cb, ctx);
}

/*
 * Each distinct stack of columns a and b, summed per column into
 * (*v)[2 id], (*v)[2 id + 1], its id into *ids in the order a and then b
 * first hold them, those with a non-zero value only (*nids of them).
 */
static int pair_values(const struct hd_model *m, size_t a, size_t b, int64_t **v,
		       uint32_t **ids, size_t *nids)
{
	uint8_t *seen = calloc(m->pool.n + 1, 1);
	size_t n = 0, cap = 0, s, k, kept = 0;

	*v = calloc(2 * (m->pool.n + 1), sizeof(**v));
	*ids = NULL;
	if (!*v || !seen)
		goto fail;
	for (k = 0; k < 2; k++) {
		const struct column *c = &m->cols[k == 0 ? a : b];

		for (s = 0; s < c->nsamp; s++) {
			uint32_t id = c->sid[s];

			if (!seen[id]) {
				if (HD_GROW(*ids, cap, n + 1))
					goto fail;
				seen[id] = 1;
				(*ids)[n++] = id;
			}
			(*v)[2 * id + k] = hd_add_sat((*v)[2 * id + k], c->vals[s]);
		}
	}
	for (s = 0; s < n; s++)
		if ((*v)[2 * (*ids)[s]] || (*v)[2 * (*ids)[s] + 1])
			(*ids)[kept++] = (*ids)[s];
	*nids = kept;
	free(seen);
	return 0;
fail:
	free(seen);
	free(*v);
	free(*ids);
	*v = NULL;
	*ids = NULL;
	return HD_ERR_NOMEM;
}

static int pairs_out(const struct hd_model *m, const int64_t *v, const uint32_t *ids,
		     size_t nids,
		     int (*cb)(void *ctx, const uint32_t *frames, uint32_t n, int64_t va,
			       int64_t vb),
		     void *ctx)
{
	size_t s;
	int rc = 0;

	for (s = 0; s < nids && !rc; s++) {
		const uint32_t *st = pool_stack(&m->pool, ids[s]);

		rc = cb(ctx, st + 1, st[0], v[2 * ids[s]], v[2 * ids[s] + 1]);
	}
	return rc;
}


/*
 * The distinct stacks in order, element by element (a stack before the
 * stacks it is a prefix of), by a key per frame: the frame id, or
 * (hd_model_sorted_pairs) a caller's rank of it, one for a frame that
 * ends its stack and one for a frame the stack goes on past, so that
 * stacks can sort as their written names would.
 *
 * Comparing whole stacks (a merge sort, a call and two offset lookups
 * per comparison) was most of a flame graph's time.  Instead the keys of
 * the next few frames are packed into 32 bits, MSB first, 0 for
 * "the stack has ended" (below every key), so that integers order as the
 * frames do; the stacks are radix sorted by it (LSD, stable), and each
 * run with equal integers goes on the same way from the frames after
 * them.  A run of stacks that have all ended is of equal stacks (only a
 * rank can make two distinct stacks equal) and stays in the order it
 * came in.  Small runs are sorted by insertion.  Each level is linear in
 * its run and consumes per stack as many frames as fit in 32 bits, so
 * the work is the sorted stacks' distinguishing prefixes, with no
 * comparison sort's log factor; no recursion (a work list).
 */
struct sort_item {
	uint32_t key;
	uint32_t id;
};

struct stack_sort {
	const struct stack_pool *p;
	const uint32_t *rank;   /* NULL: the frame id is the key */
	unsigned bits, per;     /* bits of a key, keys packed per integer */
	struct sort_item *it, *tmp;
};

/* Stack st's key at depth d: 0 past its end, else 1 + the frame's key. */
static inline uint64_t stack_key(const struct stack_sort *s, const uint32_t *st, uint32_t d)
{
	if (d >= st[0])
		return 0;
	if (!s->rank)
		return (uint64_t)st[d + 1] + 1;
	return (uint64_t)s->rank[2 * (size_t)st[d + 1] + (d + 1 < st[0])] + 1;
}

/* Stacks a and b by their keys from depth d on. */
static int cmp_from(const struct stack_sort *s, uint32_t a, uint32_t b, uint32_t d)
{
	const uint32_t *x = pool_stack(s->p, a), *y = pool_stack(s->p, b);

	for (;; d++) {
		uint64_t kx = stack_key(s, x, d), ky = stack_key(s, y, d);

		if (kx != ky)
			return kx < ky ? -1 : 1;
		if (!kx)
			return 0;
	}
}

/* it[lo, hi) sorted by insertion, from depth d: stable. */
static void sort_small(struct stack_sort *s, size_t lo, size_t hi, uint32_t d)
{
	size_t i, j;

	for (i = lo + 1; i < hi; i++) {
		struct sort_item t = s->it[i];

		for (j = i; j > lo && cmp_from(s, s->it[j - 1].id, t.id, d) > 0; j--)
			s->it[j] = s->it[j - 1];
		s->it[j] = t;
	}
}

/* it[lo, hi) radix sorted by the keys of depths d .. d + per - 1: at most
 * 32 bits of them (sort_stacks), four byte-wide passes. */
static void sort_level(struct stack_sort *s, size_t lo, size_t hi, uint32_t d)
{
	uint32_t count[4][256];
	size_t i, n = hi - lo;
	unsigned k, j;
	struct sort_item *src = s->it + lo, *dst = s->tmp + lo, *t;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		const uint32_t *st = pool_stack(s->p, src[i].id);
		uint64_t wide = 0;
		uint32_t key;

		for (k = 0; k < s->per; k++)
			wide = wide << s->bits | stack_key(s, st, d + k);
		src[i].key = key = (uint32_t)wide;
		count[0][key & 255]++;
		count[1][key >> 8 & 255]++;
		count[2][key >> 16 & 255]++;
		count[3][key >> 24]++;
	}
	for (k = 0; k < 4; k++) {
		uint32_t sum = 0, c, *cnt = count[k];

		if (cnt[(src[0].key >> (k * 8)) & 255] == n)
			continue;    /* one digit for all: the order stays */
		for (j = 0; j < 256; j++) {
			c = cnt[j];
			cnt[j] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[(src[i].key >> (k * 8)) & 255]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != s->it + lo)
		memcpy(s->it + lo, src, n * sizeof(*src));
}

struct sort_run {
	size_t lo, hi;
	uint32_t d;
};

static int sort_stacks(const struct stack_pool *p, uint32_t *ids, size_t n,
		       const uint32_t *rank, uint64_t maxkey)
{
	struct stack_sort s = {.p = p, .rank = rank, .bits = 1};
	struct sort_run *work = NULL;
	size_t nwork = 0, wcap = 0, i;
	int rc = HD_ERR_NOMEM;

	if (n < 2)
		return 0;
	while (s.bits < 64 && maxkey >> s.bits)
		s.bits++;
	/* 32 bits of keys a level: four byte-wide passes; a run that
	 * shares them (rare but for long common prefixes) takes the next.
	 * Keys are below 2^32 (frame ids and ranks are 32-bit); runs up to
	 * 2^32 (counts in 32 bits). */
	if (s.bits > 32 || n > UINT32_MAX)
		goto out;
	s.per = 32 / s.bits;
	s.it = malloc(n * sizeof(*s.it));
	s.tmp = malloc(n * sizeof(*s.tmp));
	if (!s.it || !s.tmp || HD_GROW(work, wcap, 1))
		goto out;
	for (i = 0; i < n; i++)
		s.it[i] = (struct sort_item){0, ids[i]};
	work[nwork++] = (struct sort_run){0, n, 0};
	while (nwork) {
		struct sort_run r = work[--nwork];
		uint64_t last = ((uint64_t)1 << s.bits) - 1;
		size_t a, b;

		if (r.hi - r.lo < 24) {
			sort_small(&s, r.lo, r.hi, r.d);
			continue;
		}
		/* Frames the whole run shares (every stack's first few, as
		 * often as not) would only spend a level: skipped. */
		for (;; r.d++) {
			uint64_t k0 = stack_key(&s, pool_stack(p, s.it[r.lo].id), r.d);

			for (a = r.lo + 1; a < r.hi; a++)
				if (stack_key(&s, pool_stack(p, s.it[a].id), r.d) != k0)
					break;
			if (a < r.hi || !k0 || r.d == UINT32_MAX)
				break;
		}
		if (a == r.hi)
			continue; /* all ended together: equal, in the order they came */
		sort_level(&s, r.lo, r.hi, r.d);
		for (a = r.lo; a < r.hi; a = b) {
			for (b = a + 1; b < r.hi && s.it[b].key == s.it[a].key; b++)
				;
			/* Equal keys that go on past this level: the next. */
			if (b - a > 1 && (s.it[a].key & last)) {
				if (r.d > UINT32_MAX - s.per || HD_GROW(work, wcap, nwork + 1))
					goto out;
				work[nwork++] = (struct sort_run){a, b, r.d + s.per};
			}
		}
	}
	for (i = 0; i < n; i++)
		ids[i] = s.it[i].id;
	rc = 0;
out:
	free(s.it);
	free(s.tmp);
	free(work);
	return rc;
}

/* Both of hd_model_stack_pairs (sorted: 0) and hd_model_sorted_pairs. */
static int stack_pairs(const struct hd_model *m, size_t a, size_t b, int sorted,
		       const uint32_t *rank, uint32_t nranks,
		       int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				 int64_t va, int64_t vb),
		       void *ctx)
{
	int64_t *v;
	uint32_t *ids;
	size_t nids;
	int rc = pair_values(m, a, b, &v, &ids, &nids);

	if (!rc && sorted)
		rc = sort_stacks(&m->pool, ids, nids, rank, nranks);
	if (!rc)
		rc = pairs_out(m, v, ids, nids, cb, ctx);
	free(v);
	free(ids);
	return rc;
}

int hd_model_stack_pairs(const struct hd_model *m, size_t a, size_t b,
			 int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				   int64_t va, int64_t vb),
			 void *ctx)
{
	return stack_pairs(m, a, b, 0, NULL, 0, cb, ctx);
}

int hd_model_sorted_pairs(const struct hd_model *m, size_t a, size_t b,
			  const uint32_t *rank, uint32_t nranks,
			  int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				    int64_t va, int64_t vb),
			  void *ctx)
{
	return stack_pairs(m, a, b, 1, rank, nranks, cb, ctx);
}

/* ---- the call tree, built on demand from the stack stores ---- */

/*
 * The call tree, built once from the distinct stacks the columns use:
 * sorted root first, element by element, stacks that share a prefix lie
 * together, so each stack adds nodes only below its common prefix with
 * the one before it, and no (parent, frame) table is needed.  Nodes are
 * made in depth-first order, so every parent has a smaller id.  Then
 * each column's samples add their value to their stack's node: the work
 * is the distinct stacks' frames once, plus one step per sample.
 */

/* The distinct stack ids of every column, once each. */
static int tree_stacks(const struct hd_model *m, uint32_t **out, size_t *n)
{
	uint8_t *seen = calloc(m->pool.n + 1, 1);
	uint32_t *ids = NULL;
	size_t c, s, k = 0, cap = 0;

	if (!seen)
		return HD_ERR_NOMEM;
	for (c = 0; c < m->ncols; c++)
		for (s = 0; s < m->cols[c].nsamp; s++) {
			uint32_t id = m->cols[c].sid[s];

			if (seen[id])
				continue;
			seen[id] = 1;
			if (HD_GROW(ids, cap, k + 1)) {
				free(seen);
				free(ids);
				return HD_ERR_NOMEM;
			}
			ids[k++] = id;
		}
	free(seen);
	*out = ids;
	*n = k;
	return 0;
}

/* Node of each stack in ids (sorted), into leaf[stack id]. */
static int tree_nodes(struct hd_model *m, const uint32_t *ids, size_t nids, uint32_t *leaf)
{
	uint32_t *path = NULL, *onpath = NULL; /* node per depth; count per frame */
	size_t pathcap = 0, depth = 0, i;
	const uint32_t *prev = NULL;
	int rc = HD_ERR_NOMEM;

	onpath = calloc(m->nframes + 1, sizeof(*onpath));
	if (!onpath || HD_GROW(path, pathcap, 1))
		goto out;
	path[0] = 0; /* the root */
	for (i = 0; i < nids; i++) {
		const uint32_t *st = pool_stack(&m->pool, ids[i]);
		uint32_t n = st[0], lcp = 0, k;

		while (prev && lcp < n && lcp < prev[0] && prev[lcp + 1] == st[lcp + 1])
			lcp++;
		for (; depth > lcp; depth--)
			onpath[m->frame[path[depth]]]--;
		if (HD_GROW(path, pathcap, (size_t)n + 1))
			goto out;
		for (k = lcp; k < n; k++) {
			uint32_t f = st[k + 1], node;

			if (grow_nodes(m))
				goto out;
			node = (uint32_t)m->nnodes++;
			m->parent[node] = path[depth];
			m->frame[node] = f;
			m->rec[node] = onpath[f] > 0;
			onpath[f]++;
			path[++depth] = node;
		}
		leaf[ids[i]] = path[depth];
		prev = st;
	}
	rc = 0;
out:
	free(path);
	free(onpath);
	return rc;
}

/* Every column's distinct stacks, once, in the tree's order. */
static int sorted_stacks(const struct hd_model *m, uint32_t **ids, size_t *nids)
{
	if (tree_stacks(m, ids, nids))
		return HD_ERR_NOMEM;
	if (sort_stacks(&m->pool, *ids, *nids, NULL, m->nframes)) {
		free(*ids);
		*ids = NULL;
		return HD_ERR_NOMEM;
	}
	return 0;
}

int hd_model_tree_stacks(const struct hd_model *m, size_t a, size_t b,
			 struct hd_tree_stacks *out)
{
	size_t ends[2] = {a, b}, k, s, i;
	int64_t *v = calloc(2 * (m->pool.n + 1), sizeof(*v)); /* per stack id: a, b */
	const uint32_t *prev = NULL;

	memset(out, 0, sizeof(*out));
	if (!v || sorted_stacks(m, &out->ids, &out->n))
		goto fail;
	out->va = malloc((out->n + 1) * sizeof(*out->va));
	out->vb = malloc((out->n + 1) * sizeof(*out->vb));
	out->lcp = malloc((out->n + 1) * sizeof(*out->lcp));
	out->depth = malloc((out->n + 1) * sizeof(*out->depth));
	if (!out->va || !out->vb || !out->lcp || !out->depth)
		goto fail;
	for (k = 0; k < 2; k++) {
		const struct column *col = &m->cols[ends[k]];

		for (s = 0; s < col->nsamp; s++)
			v[2 * col->sid[s] + k] = hd_add_sat(v[2 * col->sid[s] + k], col->vals[s]);
	}
	/* In sorted order the stacks are at random places in the pool: a
	 * chain of cache misses each (its offset, its frames, its values)
	 * when taken one at a time, most of a big picture's time.  The
	 * stacks ahead are fetched while this one is read, and everything
	 * the layout reads per stack but its frames is laid out here in
	 * that order, once. */
	for (i = 0; i < out->n; i++) {
		const uint32_t *st;
		uint32_t lcp = 0, id = out->ids[i];

		if (i + 16 < out->n)
			HD_PREFETCH(&m->pool.off[out->ids[i + 16]]);
		if (i + 8 < out->n) {
			HD_PREFETCH(pool_stack(&m->pool, out->ids[i + 8]));
			HD_PREFETCH(&v[2 * out->ids[i + 8]]);
		}
		st = pool_stack(&m->pool, id);
		while (prev && lcp < st[0] && lcp < prev[0] && prev[lcp + 1] == st[lcp + 1])
			lcp++;
		out->lcp[i] = lcp;
		out->depth[i] = st[0];
		out->va[i] = v[2 * id];
		out->vb[i] = v[2 * id + 1];
		prev = st;
	}
	free(v);
	return 0;
fail:
	free(v);
	hd_tree_stacks_release(out);
	return HD_ERR_NOMEM;
}

void hd_tree_stacks_release(struct hd_tree_stacks *s)
{
	free(s->ids);
	free(s->va);
	free(s->vb);
	free(s->lcp);
	free(s->depth);
	memset(s, 0, sizeof(*s));
}

const uint32_t *hd_model_stack_frames(const struct hd_model *m, uint32_t id, uint32_t *n)
{
	const uint32_t *st = pool_stack(&m->pool, id);

	*n = st[0];
	return st + 1;
}

static int hd_model_tree(struct hd_model *m, struct hd_error *err)
{
	uint32_t *ids = NULL, *leaf = NULL;
	size_t nids = 0, c, s;
	int rc = HD_ERR_NOMEM;

	if (sorted_stacks(m, &ids, &nids) ||
	    !(leaf = malloc((m->pool.n + 1) * sizeof(*leaf))) ||
	    tree_nodes(m, ids, nids, leaf))
		goto out;
	for (c = 0; c < m->ncols; c++) {
		struct column *col = &m->cols[c];

		col->len = m->nnodes;
		col->self = calloc(m->nnodes + 1, sizeof(int64_t));
		if (!col->self)
			goto out;
		for (s = 0; s < col->nsamp; s++) {
			uint32_t node = leaf[col->sid[s]];

			col->self[node] = hd_add_sat(col->self[node], col->vals[s]);
		}
	}
	m->tree_cols = m->ncols;
	rc = 0;
out:
	free(ids);
	free(leaf);
	return rc ? hd_fail(err, HD_ERR_NOMEM, "out of memory building the call tree") : 0;
}

/* Time order; equal times keep the order added (hd_sort is stable). */
static int cmp_col_time(const void *pa, const void *pb, void *ctx)
{
	const struct column *a = pa, *b = pb;

	(void)ctx;
	return a->time < b->time ? -1 : a->time > b->time;
}

int hd_model_times_distinct(const struct hd_model *m)
{
	int64_t *t = malloc((m->ncols + 1) * sizeof(*t));
	size_t c;
	int ok = t != NULL;

	for (c = 0; ok && c < m->ncols; c++) {
		t[c] = m->cols[c].time;
		ok = t[c] != 0;
	}
	if (ok && m->ncols > 1) {
		qsort(t, m->ncols, sizeof(*t), cmp_i64);
		for (c = 1; ok && c < m->ncols; c++)
			ok = t[c] != t[c - 1];
	}
	free(t);
	return ok;
}

/* Put the columns in order, then compact every dense column that is not
 * at an end of it: a column between the first and the last is sparse,
 * whichever order the ends came from. */
static int order_columns(struct hd_model *m, enum hd_order order, struct hd_error *err)
{
	size_t c;

	m->order_used = HD_ORDER_GIVEN;
	if (order == HD_ORDER_TIME) {
		for (c = 0; c < m->ncols; c++)
			if (m->cols[c].time == 0)
				return hd_fail(err, HD_ERR_USAGE, "profile %zu has no time stamp "
					       "(time_nanos): a time order needs one in every profile",
					       c + 1);
		m->order_used = HD_ORDER_TIME;
	} else if (order == HD_ORDER_AUTO && hd_model_times_distinct(m)) {
		m->order_used = HD_ORDER_TIME;
	}
	if (m->order_used == HD_ORDER_TIME &&
	    hd_sort(m->cols, m->ncols, sizeof(*m->cols), cmp_col_time, NULL))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (c = 1; c + 1 < m->ncols; c++)
		if (m->cols[c].flat && column_compact(m, &m->cols[c], 0, NULL))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	return 0;
}

int hd_model_finish(struct hd_model *m, int need_tree, enum hd_order order,
		    struct hd_error *err)
{
	size_t c;

	for (c = 0; c < m->ncols; c++)
		if (m->cols[c].flat && dense_fit(m, &m->cols[c], 0))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	if (order_columns(m, order, err))
		return err ? err->code : HD_ERR_NOMEM;
	return need_tree ? hd_model_tree(m, err) : 0;
}

enum hd_order hd_model_order_used(const struct hd_model *m) { return m->order_used; }
size_t hd_model_given(const struct hd_model *m, size_t col) { return m->cols[col].given; }

int hd_model_has_tree(const struct hd_model *m)
{
	return m->tree_cols == m->ncols;
}

/* The tree accessors are for a model finished with need_tree. */
static const struct hd_model *tree_of(const struct hd_model *m)
{
	assert(m->tree_cols == m->ncols);
	return m;
}

size_t hd_model_node_count(const struct hd_model *m) { return tree_of(m)->nnodes; }
uint32_t hd_model_node_parent(const struct hd_model *m, uint32_t n) { return tree_of(m)->parent[n]; }
uint32_t hd_model_node_frame(const struct hd_model *m, uint32_t n) { return tree_of(m)->frame[n]; }
int hd_model_node_recursive(const struct hd_model *m, uint32_t n) { return tree_of(m)->rec[n]; }

void hd_model_tree_arrays(const struct hd_model *cm, size_t col, const uint32_t **parent,
			  const uint32_t **frame, const int64_t **self, size_t *nself)
{
	const struct hd_model *m = tree_of(cm);
	const struct column *c = &m->cols[col];

	*parent = m->parent;
	*frame = m->frame;
	*self = c->self;
	*nself = c->self ? c->len : 0;
}

int64_t hd_model_node_self(const struct hd_model *m, uint32_t n, size_t col)
{
	const struct column *c = &tree_of(m)->cols[col];
	return n < c->len && c->self ? c->self[n] : 0;
}

void hd_model_node_totals(const struct hd_model *cm, size_t col, int64_t *out)
{
	const struct hd_model *m = tree_of(cm);
	const struct column *c = &m->cols[col];
	size_t n;

	for (n = 0; n < m->nnodes; n++)
		out[n] = n < c->len && c->self ? c->self[n] : 0;
	for (n = m->nnodes; n-- > 1;)
		out[m->parent[n]] = hd_add_sat(out[m->parent[n]], out[n]);
}

/* ---- one column's stacks (for render/pprof.c; added beside the rest) ----
 *
 * hd_model_stack_deltas() against no column at all: each distinct stack
 * of column col, summed over its samples (saturating), the non-zero ones
 * passed on in the order the column first holds them.  Reads only;
 * one step per sample plus one call per stack.
 */
int hd_model_stack_values(const struct hd_model *m, size_t col,
			  int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				    int64_t value),
			  void *ctx)
{
	return stack_sums(m, col, SIZE_MAX, cb, ctx);
}
