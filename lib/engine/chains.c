/*
 * chains.c - allocation call paths: for each of the top growers, the
 * call paths that carry its growth, keyed by the frame's nearest callers
 * and summed as NEW - BASE, so that all of a frame's paths add up to its
 * delta cum; the ones not listed are summed in rows[].chains_other.
 * These are the paths that allocated the memory, not the references
 * that keep it alive (a heap profile has none).
 *
 * Owns only scratch memory; writes rows[].chains into the report's arena.
 *
 * Cost, near-linear in the input: the model first sums each distinct
 * stack's value per column (hd_model_stack_deltas), so every distinct
 * stack is walked once, not every sample of both columns; each wanted
 * frame's topmost occurrence in a stack makes one key, (row, its nearest
 * callers), whose callers stay in the model's stack pool (a window of
 * the interned stack, not a copy) and which a keyed hash table sums,
 * 64 keys at a time so that their cache misses overlap (at a million
 * stacks the table is some 20 MB, past any cache, and most keys are
 * new); then each row keeps its best ref_chain_max keys in one pass, with no
 * global sort.  Memory per distinct key: an entry of 32 bytes, its path
 * and its hash (12 more), and two to four 4-byte slots.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"

#define MAX_DEPTH 16
#define NEAR 3 /* callers kept in the entry: the default depth */

/*
 * A key: callers[0] is the nearest caller, callers[j] = path[-1 - j].
 * The entry holds what a lookup that finds the key reads: the nearest
 * NEAR callers are copied into it, since following path is a cache miss
 * into a pool of 64 MB at a million stacks.  It is 32 bytes on a 32-byte
 * boundary, so that one is one line, not two; path and the hash, which
 * only longer keys, a rehash and the output read, are in arrays beside
 * it (a rehash reads 4 bytes of each key, in order, not a line).
 */
struct path_ent {
	int64_t delta;
	uint32_t row, n;      /* row: the wanted row's slot (0..want-1) */
	uint32_t near[NEAR];  /* callers 0 .. min(n, NEAR) - 1 */
};
#define ENT_ALIGN 32
_Static_assert(sizeof(struct path_ent) == ENT_ALIGN, "an entry is half a cache line");

/*
 * A key on its way into the table.  A lookup is a chain of cache misses
 * (its slot, then the entry the slot names), so keys are looked up
 * KBATCH at a time, every link fetched for all of them before the next
 * is followed, and the misses overlap (as the model interns stacks).
 */
#define KBATCH 64

struct path_key {
	const uint32_t *path;
	int64_t delta;
	uint32_t row, n, hash;
};

struct paths {
	const struct hd_report *r;
	const uint32_t *row_of;   /* frame -> its slot, UINT32_MAX: not wanted */
	int depth;
	struct path_ent *ent;     /* in ent_mem, at ent_off: ENT_ALIGN-aligned */
	const uint32_t **path;    /* per entry: the frame's position in its stack */
	uint32_t *hash;           /* per entry */
	size_t nent, cap;
	char *ent_mem;
	size_t ent_off;
	/*
	 * Entry + 1, or'd with the hash's bits above the mask (nent <
	 * nslots / 2 leaves them free): a probe passes over another key's
	 * slot without reading its entry, a cache miss each of the ~1.5
	 * slots a new key meets, and most keys are new.  0: empty.
	 */
	uint32_t *slots;
	size_t nslots;
	struct hd_hash_key hk;
	uint32_t *stamp;          /* per frame: the stack that saw it last */
	uint32_t serial;
	struct path_key batch[KBATCH];
	size_t nbatch;
};

static inline uint32_t caller(const struct paths *ps, const struct path_ent *e, uint32_t j)
{
	return ps->path[e - ps->ent][-1 - (long)j];
}

static uint64_t ent_hash(const struct paths *ps, uint32_t row, const uint32_t *path, uint32_t n)
{
	uint32_t w[MAX_DEPTH + 1];
	uint32_t j;

	w[0] = row;
	for (j = 0; j < n; j++)
		w[j + 1] = path[-1 - (long)j];
	return hd_hash_words(&ps->hk, w, n + 1);
}

static int ent_same(const struct paths *ps, const struct path_ent *e, uint32_t row,
		    const uint32_t *path, uint32_t n)
{
	uint32_t j;

	if (e->row != row || e->n != n)
		return 0;
	for (j = 0; j < n && j < NEAR; j++)
		if (e->near[j] != path[-1 - (long)j])
			return 0;
	for (; j < n; j++)
		if (caller(ps, e, j) != path[-1 - (long)j])
			return 0;
	return 1;
}

/*
 * Room for twice the entries.  realloc keeps no alignment beyond 16
 * bytes, so ent_mem has ENT_ALIGN bytes to spare and the entries move
 * when its offset to the boundary does (glibc's realloc of a big block
 * keeps it: the move is for other allocators).
 */
static int ent_grow(struct paths *ps)
{
	size_t ncap = ps->cap ? ps->cap * 2 : 1024, off;
	const uint32_t **np;
	uint32_t *nh;
	char *m;

	if (ncap >= SIZE_MAX / sizeof(*ps->ent) - 1)
		return HD_ERR_NOMEM;
	m = realloc(ps->ent_mem, (ncap + 1) * sizeof(*ps->ent));
	if (!m)
		return HD_ERR_NOMEM;
	off = (size_t)(-(uintptr_t)m & (ENT_ALIGN - 1));
	if (off != ps->ent_off)
		memmove(m + off, m + ps->ent_off, ps->nent * sizeof(*ps->ent));
	ps->ent_mem = m;
	ps->ent_off = off;
	ps->ent = (struct path_ent *)(void *)(m + off);
	np = realloc(ps->path, ncap * sizeof(*np));
	if (!np)
		return HD_ERR_NOMEM;
	ps->path = np;
	nh = realloc(ps->hash, ncap * sizeof(*nh));
	if (!nh)
		return HD_ERR_NOMEM;
	ps->hash = nh;
	ps->cap = ncap;
	return 0;
}

static int paths_rehash(struct paths *ps)
{
	size_t ns = ps->nslots ? ps->nslots * 2 : 1024, i;
	uint32_t *sl = calloc(ns, sizeof(*sl));

	if (!sl)
		return HD_ERR_NOMEM;
	for (i = 0; i < ps->nent; i++) {
		size_t k = ps->hash[i] & (ns - 1);

		while (sl[k])
			k = (k + 1) & (ns - 1);
		sl[k] = ((uint32_t)i + 1) | (uint32_t)(ps->hash[i] & ~(ns - 1));
	}
	free(ps->slots);
	ps->slots = sl;
	ps->nslots = ns;
	return 0;
}

/* Add key's delta to its entry, made if new; the table has room. */
static int paths_put(struct paths *ps, const struct path_key *key)
{
	const uint32_t *path = key->path;
	size_t k, mask = ps->nslots - 1;
	uint32_t h = key->hash, j, s;
	struct path_ent *e;

	for (k = h & mask; (s = ps->slots[k]); k = (k + 1) & mask) {
		if ((s ^ h) & ~mask)
			continue;
		e = &ps->ent[(s & mask) - 1];
		if (ent_same(ps, e, key->row, path, key->n)) {
			e->delta = hd_add_sat(e->delta, key->delta);
			return 0;
		}
	}
	if (ps->nent >= UINT32_MAX - 1 || (ps->nent == ps->cap && ent_grow(ps)))
		return HD_ERR_NOMEM;
	e = &ps->ent[ps->nent];
	*e = (struct path_ent){key->delta, key->row, key->n, {0}};
	for (j = 0; j < key->n && j < NEAR; j++)
		e->near[j] = path[-1 - (long)j];
	ps->path[ps->nent] = path;
	ps->hash[ps->nent] = h;
	ps->slots[k] = (uint32_t)++ps->nent | (uint32_t)(h & ~mask);
	return 0;
}

/*
 * Room in the table for a whole batch of new keys, made before a batch
 * is begun, so that the mask, and so each slot fetched when its key is
 * queued, stays until the batch is flushed.
 */
static int paths_room(struct paths *ps)
{
	while ((ps->nent + KBATCH + 1) * 2 > ps->nslots)
		if (paths_rehash(ps))
			return HD_ERR_NOMEM;
	return 0;
}

/*
 * The batch's keys, in the order the walk made them (so the entries are
 * too): first the entries their first slots name are fetched, all of
 * them before any is read, then each key is looked up.
 */
static int paths_flush(struct paths *ps)
{
	size_t i, mask = ps->nslots - 1;

	for (i = 0; i < ps->nbatch; i++) {
		uint32_t h = ps->batch[i].hash, s = ps->slots[h & mask];

		if (s && !((s ^ h) & ~mask))
			HD_PREFETCH(&ps->ent[(s & mask) - 1]);
	}
	for (i = 0; i < ps->nbatch; i++)
		if (paths_put(ps, &ps->batch[i]))
			return HD_ERR_NOMEM;
	ps->nbatch = 0;
	return 0;
}

/* Queue key (row, the callers above path[0]) and fetch its first slot. */
static int paths_add(struct paths *ps, uint32_t row, const uint32_t *path, uint32_t n,
		     int64_t delta)
{
	struct path_key *key = &ps->batch[ps->nbatch++];

	*key = (struct path_key){path, delta, row, n, (uint32_t)ent_hash(ps, row, path, n)};
	HD_PREFETCH(&ps->slots[key->hash & (ps->nslots - 1)]);
	if (ps->nbatch == KBATCH && (paths_flush(ps) || paths_room(ps)))
		return HD_ERR_NOMEM;
	return 0;
}

/*
 * hd_model_stack_deltas() callback: one distinct stack, root first.  Its
 * frames stay in the model's pool, where a queued key's path points.
 */
static int paths_stack(void *ctx, const uint32_t *frames, uint32_t n, int64_t delta)
{
	struct paths *ps = ctx;
	uint32_t k;

	if (++ps->serial == 0) {
		memset(ps->stamp, 0, (hd_model_frame_count(ps->r->model) + 1) * sizeof(*ps->stamp));
		ps->serial = 1;
	}
	for (k = 0; k < n; k++) {
		uint32_t f = frames[k], nc;

		/* The topmost occurrence only: recursion counts once. */
		if (ps->row_of[f] == UINT32_MAX || ps->stamp[f] == ps->serial)
			continue;
		ps->stamp[f] = ps->serial;
		nc = k < (uint32_t)ps->depth ? k : (uint32_t)ps->depth;
		if (paths_add(ps, ps->row_of[f], frames + k, nc, delta))
			return HD_ERR_NOMEM;
	}
	return 0;
}

/*
 * Rank: more growth first, then the callers as bytes (as the chains were
 * always ordered), then the shorter chain.
 */
static int cmp_ent(const struct paths *ps, const struct path_ent *a, const struct path_ent *b)
{
	uint32_t ka[MAX_DEPTH], kb[MAX_DEPTH], j, n = a->n < b->n ? a->n : b->n;
	int c;

	if (a->delta != b->delta)
		return a->delta > b->delta ? -1 : 1;
	for (j = 0; j < n; j++) {
		ka[j] = caller(ps, a, j);
		kb[j] = caller(ps, b, j);
	}
	c = memcmp(ka, kb, n * sizeof(ka[0]));
	if (c)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* Each row's best keys with growth, at most max per row, best first:
 * best[row * max ..], counted in nbest[row]. */
static void select_best(const struct paths *ps, size_t max, const struct path_ent **best,
			size_t *nbest)
{
	size_t i, j;

	for (i = 0; i < ps->nent; i++) {
		const struct path_ent *e = &ps->ent[i];
		const struct path_ent **b = best + (size_t)e->row * max;
		size_t *nb = &nbest[e->row];

		/* A frame at the root has no callers: no path to list. */
		if (e->delta <= 0 || e->n == 0 || (*nb == max && cmp_ent(ps, e, b[max - 1]) >= 0))
			continue;
		j = *nb < max ? (*nb)++ : max - 1;
		for (; j > 0 && cmp_ent(ps, e, b[j - 1]) < 0; j--)
			b[j] = b[j - 1];
		b[j] = e;
	}
}

/* The selected keys into rows[].chains, in the report's arena. */
static int store(struct hd_report *r, const struct paths *ps, const uint32_t *slot_row,
		 size_t want, size_t max, const struct path_ent **best, const size_t *nbest)
{
	size_t i, k;
	uint32_t j;

	for (i = 0; i < want; i++) {
		struct hd_row *row = &r->rows[slot_row[i]];
		int64_t listed = 0;

		if (!nbest[i])
			continue;
		row->chains = hd_arena_calloc(r->arena, max + 1, sizeof(*row->chains));
		if (!row->chains)
			return HD_ERR_NOMEM;
		for (k = 0; k < nbest[i]; k++) {
			const struct path_ent *e = best[i * max + k];
			struct hd_chain *c = &row->chains[k];

			c->frames = hd_arena_alloc(r->arena, ((size_t)e->n + 1) * sizeof(uint32_t));
			if (!c->frames)
				return HD_ERR_NOMEM;
			for (j = 0; j < e->n; j++)
				c->frames[j] = caller(ps, e, j);
			c->n = e->n;
			c->delta = e->delta;
			listed = hd_add_sat(listed, e->delta);
		}
		row->nchains = nbest[i];
		/* The paths sum to the change of cum; what the rest carry. */
		row->chains_other = hd_sub_sat(row->dcum, listed);
	}
	return 0;
}

/* Which rows get chains: the first ref_chain_rows that grew (in a
 * trend, that are classed growing): a slot per frame, a row per slot. */
static size_t wanted_rows(const struct hd_report *r, uint32_t *row_of, uint32_t *slot_row)
{
	size_t i, want = 0, nf = hd_model_frame_count(r->model);

	for (i = 0; i < nf; i++)
		row_of[i] = UINT32_MAX;
	for (i = 0; i < r->nrows && want < r->opts.ref_chain_rows; i++)
		if ((r->rows[i].status == HD_GREW || r->rows[i].status == HD_NEW) &&
		    (r->command != HD_CMD_TREND || r->rows[i].trend->cls == HD_TREND_GROWING)) {
			row_of[r->rows[i].frame] = (uint32_t)want;
			slot_row[want++] = (uint32_t)i;
		}
	return want;
}

int hd_chains_build(struct hd_report *r, struct hd_error *err)
{
	size_t nf = hd_model_frame_count(r->model), max = r->opts.ref_chain_max;
	const struct path_ent **best = NULL;
	uint32_t *row_of = NULL, *slot_row = NULL;
	size_t *nbest = NULL, want;
	struct paths ps;
	int rc = HD_ERR_NOMEM;

	if (r->opts.ref_chain_depth <= 0 || r->ncols < 2 || max == 0)
		return 0;
	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	ps.depth = r->opts.ref_chain_depth > MAX_DEPTH ? MAX_DEPTH : r->opts.ref_chain_depth;
	hd_hash_key_init(&ps.hk);
	row_of = malloc((nf + 1) * sizeof(*row_of));
	slot_row = malloc((r->opts.ref_chain_rows + 1) * sizeof(*slot_row));
	ps.stamp = calloc(nf + 1, sizeof(*ps.stamp));
	if (!row_of || !slot_row || !ps.stamp)
		goto out;
	ps.row_of = row_of;
	if (!(want = wanted_rows(r, row_of, slot_row))) {
		rc = 0;
		goto out;
	}
	if (paths_room(&ps) ||
	    hd_model_stack_deltas(r->model, 0, r->ncols - 1, paths_stack, &ps) ||
	    paths_flush(&ps))
		goto out;
	best = calloc(want * max + 1, sizeof(*best));
	nbest = calloc(want + 1, sizeof(*nbest));
	if (!best || !nbest)
		goto out;
	select_best(&ps, max, best, nbest);
	rc = store(r, &ps, slot_row, want, max, best, nbest);
out:
	free(row_of);
	free(slot_row);
	free(ps.stamp);
	free(ps.ent_mem);
	free(ps.path);
	free(ps.hash);
	free(ps.slots);
	free(best);
	free(nbest);
	return rc ? hd_fail(err, HD_ERR_NOMEM, "out of memory") : 0;
}
