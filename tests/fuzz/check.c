/*
 * check.c - the oracles of check.h.  Reads what the library returned and
 * aborts on a broken promise; never changes library state (apart from
 * hd_model_flat/cum computing their cached arrays, as a renderer would).
 */
#define _GNU_SOURCE /* memmem */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "input/input.h"
#include "engine/report.h"

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz check failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fz_check_rc(int rc, const struct hd_error *err, const char *what)
{
	if (rc == 0)
		return;
	FZ_ASSERT(rc >= HD_ERR_INCOMPATIBLE && rc <= HD_ERR_NOMEM,
		  "%s returned %d, not an HD_ERR_* code", what, rc);
	FZ_ASSERT(err->code == rc, "%s returned %d but err.code is %d", what, rc, err->code);
	FZ_ASSERT(err->msg[0] != '\0', "%s failed (%d) without a message", what, rc);
	FZ_ASSERT(memchr(err->msg, '\0', sizeof(err->msg)) != NULL,
		  "%s: err.msg is not terminated", what);
	/* heapdiff.h: "a one-line ... message"; the front end prints it
	 * to a terminal, so no control character either. */
	for (const char *m = err->msg; *m; m++)
		FZ_ASSERT(!((unsigned char)*m < 0x20 || *m == 0x7f),
			  "%s: err.msg has control character 0x%02x: %s", what,
			  (unsigned char)*m, err->msg);
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 when invalid
 * (overlong forms, surrogates and code points above U+10FFFF are). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

static const char *fmt_name(enum hd_format f)
{
	static const char *const names[] = {"text", "markdown", "json", "folded"};
	return (unsigned)f < 4 ? names[f] : "?";
}

/* Valid UTF-8, no NUL, and no control character but those allowed. */
static void check_bytes(enum hd_format fmt, const char *data, size_t len,
			const char *allowed)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, k;

	while (i < len) {
		k = utf8_seq(s + i, len - i);
		FZ_ASSERT(k, "%s output: invalid UTF-8 at byte %zu (0x%02x)",
			  fmt_name(fmt), i, s[i]);
		/* JSON needs only C0 controls escaped: DEL may stay raw. */
		if (k == 1 && (s[i] < 0x20 || (s[i] == 0x7f && fmt != HD_FMT_JSON)))
			FZ_ASSERT(s[i] && strchr(allowed, s[i]),
				  "%s output: control character 0x%02x at byte %zu",
				  fmt_name(fmt), s[i], i);
		i += k;
	}
}

/* Parse the value at the end of line[0..*len) into *v and cut it and the
 * space before it off. */
static void take_value(const char *line, size_t *len, int64_t *v, size_t lineno)
{
	size_t end = *len, i = end, start;
	int64_t x = 0;

	while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9')
		i--;
	start = i;
	FZ_ASSERT(i < end, "folded line %zu: no value at the end", lineno);
	FZ_ASSERT(i > 0 && line[i - 1] == ' ',
		  "folded line %zu: value not after a space (negative?)", lineno);
	FZ_ASSERT(end - i == 1 || line[i] != '0', "folded line %zu: value with a leading 0", lineno);
	for (; i < end; i++)
		FZ_ASSERT(!__builtin_mul_overflow(x, 10, &x) &&
			  !__builtin_add_overflow(x, line[i] - '0', &x),
			  "folded line %zu: value out of range", lineno);
	*v = x;
	*len = start - 1;
}

/* render-folded.c's contract, line by line. */
static void check_folded(const struct hd_buf *b, int ncols, int64_t sums[2])
{
	const char *p, *end, *prev = NULL;
	size_t prev_len = 0, lineno = 0;

	sums[0] = sums[1] = 0;
	if (b->len == 0)
		return;
	p = b->data;
	end = b->data + b->len;
	FZ_ASSERT(end[-1] == '\n', "folded output does not end in a newline");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(nl - p), i, c;
		int64_t v[2] = {0, 0};
		int digit = 0;

		lineno++;
		for (c = (size_t)ncols; c-- > 0;)
			take_value(p, &len, &v[c], lineno);
		FZ_ASSERT(v[0] || v[1], "folded line %zu: every value is 0", lineno);
		FZ_ASSERT(len > 0, "folded line %zu: empty stack", lineno);
		FZ_ASSERT(p[0] != ';' && p[len - 1] != ';', "folded line %zu: empty frame", lineno);
		for (i = 1; i < len; i++)
			FZ_ASSERT(!(p[i] == ';' && p[i - 1] == ';'),
				  "folded line %zu: empty frame", lineno);
		/* A stack must not end in " NUMBER": a parser would take the
		 * number for a value. */
		for (i = len; i > 0 && ((p[i - 1] >= '0' && p[i - 1] <= '9') || p[i - 1] == '.'); i--)
			digit |= p[i - 1] != '.';
		FZ_ASSERT(!(digit && i < len && i > 0 && p[i - 1] == ' '),
			  "folded line %zu: stack ends in a space and a number", lineno);
		if (prev) {
			size_t n = prev_len < len ? prev_len : len;
			int cmp = memcmp(prev, p, n);

			FZ_ASSERT(cmp < 0 || (cmp == 0 && prev_len < len),
				  "folded line %zu: stacks not sorted or not merged", lineno);
		}
		prev = p;
		prev_len = len;
		for (c = 0; c < (size_t)ncols; c++)
			sums[c] = hd_add_sat(sums[c], v[c]);
		p = nl + 1;
	}
}

/* Occurrences of s in b. */
static size_t count(const struct hd_buf *b, const char *s)
{
	size_t n = 0, k = strlen(s);
	const char *p = b->data, *end = b->data + b->len;

	while ((p = memmem(p, (size_t)(end - p), s, k)) != NULL) {
		n++;
		p += k;
	}
	return n;
}

/* render/pprof.c: gzip (mtime 0) of a profile heapdiff reads back, with
 * the one sample type of the report. */
static void check_pprof(const struct hd_buf *b)
{
	struct hd_profile *p;

	FZ_ASSERT(b->len >= 10 && memcmp(b->data, "\x1f\x8b\x08\x00\0\0\0\0", 8) == 0,
		  "pprof output is not gzip with mtime 0");
	p = fz_load((const uint8_t *)b->data, b->len);
	FZ_ASSERT(p != NULL, "pprof output does not load back");
	FZ_ASSERT(p->ntypes == 1, "pprof output has %zu sample types", p->ntypes);
	hd_profile_free(p);
}

void fz_check_output(enum hd_format fmt, const struct hd_buf *b, int color,
		     int folded_cols, int64_t sums[2])
{
	if (fmt == HD_FMT_PPROF) {  /* binary: NUL bytes and all */
		FZ_ASSERT(!b->failed, "pprof: the buffer failed but hd_render succeeded");
		check_pprof(b);
		return;
	}
	FZ_ASSERT(!b->failed, "%s: the buffer failed but hd_render succeeded", fmt_name(fmt));
	FZ_ASSERT(b->len == 0 || (b->data && b->data[b->len] == '\0'),
		  "%s: buffer not terminated", fmt_name(fmt));
	FZ_ASSERT(b->len == 0 || memchr(b->data, '\0', b->len) == NULL,
		  "%s output contains a NUL byte", fmt_name(fmt));
	switch (fmt) {
	case HD_FMT_TEXT:
		FZ_ASSERT(b->len > 0, "empty text report");
		check_bytes(fmt, b->data, b->len, color ? "\n\033" : "\n");
		break;
	case HD_FMT_MARKDOWN:
		FZ_ASSERT(b->len > 0, "empty markdown report");
		check_bytes(fmt, b->data, b->len, "\n");
		break;
	case HD_FMT_JSON: {
		cJSON *j;

		FZ_ASSERT(b->len > 0, "empty json report");
		check_bytes(fmt, b->data, b->len, "\n\t");
		j = cJSON_ParseWithLength(b->data, b->len);
		FZ_ASSERT(j != NULL, "json output does not parse near byte %td",
			  cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - b->data : -1);
		FZ_ASSERT(cJSON_IsObject(j), "json output is not an object");
		cJSON_Delete(j);
		break;
	}
	case HD_FMT_FOLDED:
		check_bytes(fmt, b->data, b->len, "\n");
		check_folded(b, folded_cols, sums);
		break;
	case HD_FMT_SVG:
	case HD_FMT_HTML:
		/* Names are escaped: the only script is the embedded one. */
		FZ_ASSERT(b->len > 0, "empty picture");
		check_bytes(fmt, b->data, b->len, "\n\t");
		FZ_ASSERT(count(b, "<script") == 1 && count(b, "</script>") == 1,
			  "picture has %zu <script and %zu </script>", count(b, "<script"),
			  count(b, "</script>"));
		FZ_ASSERT(count(b, fmt == HD_FMT_SVG ? "</svg>" : "</html>") >= 1,
			  "picture is not closed");
		break;
	case HD_FMT_PPROF:
		break;  /* above */
	}
}

/* The sample index the report used for column col of p: the first
 * profile's is chosen as hd_report_add chooses it, later ones are the
 * first type with the report's name and unit (engine/report.c's find_type). */
static int type_index(const struct hd_report *r, size_t col,
		      const struct hd_profile *p, size_t *si)
{
	size_t i, n = hd_profile_sample_type_count(p);
	const char *u;

	if (col == 0)
		return hd_profile_find_sample_type(p, r->opts.sample_index, si, NULL) == 0;
	for (i = 0; i < n; i++)
		if (strcmp(hd_profile_sample_type(p, i, &u), r->sample_type) == 0 &&
		    strcmp(u, r->sample_unit) == 0) {
			*si = i;
			return 1;
		}
	return 0;
}

/*
 * The samples of a profile as --normalize merges them: each one's key
 * (its location indexes, then its label bytes) in one buffer, and its
 * value; groups_merge() sums those of equal keys.
 */
struct fz_group {
	size_t off, len;
	int64_t v;
	int stacked;
};

struct fz_groups {
	struct fz_group *g;
	size_t n, cap;
	unsigned char *keys;
	size_t nkeys, kcap;
};

static const unsigned char *group_keys; /* for cmp_group: one thread */

static int groups_add(struct fz_groups *gs, const struct hd_psample *smp, int64_t v)
{
	size_t len = 2 * sizeof(size_t) + smp->nlocs * sizeof(*smp->locs) + smp->nlabels;
	size_t nl = smp->nlocs;

	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? 2 * gs->cap : 64;
		struct fz_group *g = realloc(gs->g, cap * sizeof(*g));

		if (!g)
			return -1;
		gs->g = g;
		gs->cap = cap;
	}
	if (gs->nkeys + len > gs->kcap) {
		size_t cap = gs->kcap ? 2 * gs->kcap : 4096;
		unsigned char *k;

		while (cap < gs->nkeys + len)
			cap *= 2;
		if (!(k = realloc(gs->keys, cap)))
			return -1;
		gs->keys = k;
		gs->kcap = cap;
	}
	memcpy(gs->keys + gs->nkeys, &nl, sizeof(nl));
	memcpy(gs->keys + gs->nkeys + sizeof(nl), &smp->nlabels, sizeof(smp->nlabels));
	if (nl)
		memcpy(gs->keys + gs->nkeys + 2 * sizeof(size_t), smp->locs, nl * sizeof(*smp->locs));
	if (smp->nlabels)
		memcpy(gs->keys + gs->nkeys + 2 * sizeof(size_t) + nl * sizeof(*smp->locs),
		       smp->labels, smp->nlabels);
	gs->g[gs->n++] = (struct fz_group){gs->nkeys, len, v, nl > 0};
	gs->nkeys += len;
	return 0;
}

static int cmp_group(const void *a, const void *b)
{
	const struct fz_group *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(group_keys + x->off, group_keys + y->off, x->len);
	return c ? c : (x->off < y->off ? -1 : x->off > y->off);
}

static void groups_merge(struct fz_groups *gs)
{
	size_t i, n = 0;

	if (gs->n < 2)
		return;
	group_keys = gs->keys;
	qsort(gs->g, gs->n, sizeof(*gs->g), cmp_group);
	for (i = 0; i < gs->n; i++) {
		struct fz_group *last = n ? &gs->g[n - 1] : NULL;

		if (last && last->len == gs->g[i].len &&
		    !memcmp(gs->keys + last->off, gs->keys + gs->g[i].off, last->len))
			last->v += gs->g[i].v; /* no overflow: raw sums are below 2^62 */
		else
			gs->g[n++] = gs->g[i];
	}
	gs->n = n;
}

static void groups_free(struct fz_groups *gs)
{
	free(gs->g);
	free(gs->keys);
	memset(gs, 0, sizeof(*gs));
}

void fz_check_model(const struct hd_report *r, size_t col,
		    const struct hd_profile *p, double scale,
		    const int64_t *folded_sum)
{
	const struct hd_report_opts *o = &r->opts;
	struct hd_model *m = r->model;
	const struct hd_profile *v = p;
	uint32_t *sloc;
	int64_t *sval;
	size_t si, i, nn = hd_model_node_count(m), nf = hd_model_frame_count(m);
	const int64_t *flat, *cum;
	uint64_t abs_sum = 0;
	int64_t total = 0, stacked = 0, self_frames = 0, flat_sum = 0;
	int any_negative = 0;
	int filters = (o->model.focus && *o->model.focus) || (o->model.ignore && *o->model.ignore) ||
		      (o->model.hide && *o->model.hide) || (o->model.show && *o->model.show);

	FZ_ASSERT(type_index(r, col, p, &si), "column %zu: the report's sample type is not in its profile", col);
	sloc = malloc((v->max_locs + 1) * sizeof(*sloc));
	sval = malloc((v->ntypes + 1) * sizeof(*sval));
	FZ_ASSERT(sloc && sval, "out of memory");
	struct hd_sample_iter it = {0, 0};
	struct hd_psample smp;
	struct fz_groups gs = {0};
	uint64_t raw_abs = 0;

	/* Scaled, samples of one stack and labels are one to pprof, summed
	 * before rounding (model.c's sgroups_build): so here too. */
	while (hd_profile_next(p, &it, sloc, sval, &smp) > 0) {
		int64_t x = smp.values[si];
		uint64_t a = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;

		if (__builtin_add_overflow(raw_abs, a, &raw_abs) || raw_abs >= (uint64_t)1 << 62 ||
		    groups_add(&gs, &smp, x)) {
			groups_free(&gs);
			free(sloc);
			free(sval);
			return; /* saturation possible: sums are not exact */
		}
	}
	free(sloc);
	free(sval);
	if (scale != 1.0)
		groups_merge(&gs);
	for (i = 0; i < gs.n; i++) {
		int64_t x = hd_scale_value(gs.g[i].v, scale);
		uint64_t a = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;

		if (__builtin_add_overflow(abs_sum, a, &abs_sum) || abs_sum >= (uint64_t)1 << 62) {
			groups_free(&gs);
			return; /* saturation possible: sums are not exact */
		}
		total += x;
		if (gs.g[i].stacked)
			stacked += x;
	}
	groups_free(&gs);
	FZ_ASSERT(hd_model_total(m, col) == total,
		  "column %zu: model total %lld, samples add up to %lld", col,
		  (long long)hd_model_total(m, col), (long long)total);
	/* Node 0 (no frame) is left out: whether it holds the samples with
	 * an empty stack is the model's business, and nothing shows it. */
	for (i = 1; i < nn; i++) {
		int64_t s = hd_model_node_self(m, (uint32_t)i, col);

		self_frames += s;
		any_negative |= s < 0;
	}
	if (!filters)
		FZ_ASSERT(self_frames == stacked,
			  "column %zu: node self values add up to %lld, samples with a stack to %lld",
			  col, (long long)self_frames, (long long)stacked);
	flat = hd_model_flat(m, col);
	cum = hd_model_cum(m, col);
	FZ_ASSERT(flat && cum, "column %zu: hd_model_flat/cum returned NULL", col);
	for (i = 0; i < nf; i++)
		flat_sum += flat[i];
	FZ_ASSERT(flat_sum == self_frames,
		  "column %zu: flat values add up to %lld, non-root nodes to %lld",
		  col, (long long)flat_sum, (long long)self_frames);
	if (any_negative)
		return;
	for (i = 0; i < nf; i++)
		FZ_ASSERT(flat[i] <= cum[i] && cum[i] <= self_frames,
			  "column %zu frame %zu: flat %lld, cum %lld, all frames %lld", col, i,
			  (long long)flat[i], (long long)cum[i], (long long)self_frames);
	if (folded_sum)
		FZ_ASSERT(*folded_sum == self_frames,
			  "column %zu: folded values add up to %lld, non-root nodes to %lld",
			  col, (long long)*folded_sum, (long long)self_frames);
}

struct hd_profile *fz_load(const uint8_t *data, size_t size)
{
	struct hd_buf buf;
	struct hd_profile *p = NULL;
	struct hd_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = hd_load_mem(data, size, FZ_MAX_SIZE, &buf, &err);
	fz_check_rc(rc, &err, "hd_load_mem");
	if (rc)
		return NULL;
	FZ_ASSERT(buf.len <= FZ_MAX_SIZE, "hd_load_mem returned %zu bytes, over the cap", buf.len);
	rc = hd_profile_parse((const unsigned char *)buf.data, buf.len, NULL, &p, &err);
	fz_check_rc(rc, &err, "hd_profile_parse");
	hd_buf_release(&buf);
	if (rc)
		FZ_ASSERT(p == NULL, "hd_profile_parse failed but returned a profile");
	return rc ? NULL : p;
}

void fz_check_rule(struct hd_report *r, const char *text, int refused)
{
	struct hd_rule rule;
	struct hd_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = hd_rule_parse(text, &rule, &err);
	FZ_ASSERT(rc == 0, "hd_rule_parse(%s): %s", text, err.msg);
	rc = hd_report_check(r, r, &rule, &err);
	fz_check_rc(rc, &err, "hd_report_check");
	if (refused)
		FZ_ASSERT(rc == HD_ERR_USAGE, "rule %s accepted where it must be refused", text);
	else
		FZ_ASSERT(rc == 0 || rc == HD_ERR_NOMEM, "hd_report_check(%s): %s", text, err.msg);
}

void fz_render_check(struct hd_report *r, const struct hd_render_opts *ro,
		     const struct hd_profile *first, const struct hd_profile *last,
		     double last_scale)
{
	int both = r->ncols > 1 && ro->folded == HD_FOLDED_BOTH;
	int64_t sums[2] = {0, 0};
	struct hd_error err;
	struct hd_buf b;
	int rc, k;

	memset(&err, 0, sizeof(err));
	hd_buf_init(&b, 0);
	rc = hd_render(r, ro, &b, &err);
	fz_check_rc(rc, &err, "hd_render");
	if (rc == 0)
		fz_check_output(ro->format, &b, ro->color, both ? 2 : 1, sums);
	hd_buf_release(&b);
	if (rc || ro->format != HD_FMT_FOLDED)
		return;
	if (r->ncols == 1) {
		fz_check_model(r, 0, first, 1.0, &sums[0]);
		return;
	}
	for (k = 0; k < 2; k++) {
		const int64_t *fs = NULL;

		if (both)
			fs = &sums[k];
		else if ((ro->folded == HD_FOLDED_BASE) == (k == 0))
			fs = &sums[0];
		fz_check_model(r, k ? r->ncols - 1 : 0, k ? last : first,
			       k ? last_scale : 1.0, fs);
	}
}
