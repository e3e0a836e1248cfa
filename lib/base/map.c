/*
 * map.c - the open-addressing hash map from 64-bit keys to 32-bit values.
 *
 * Owns its slot array; keys are the caller's.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* ---- hash map ---- */

int hd_map_init(struct hd_map *m, size_t expected)
{
	size_t cap = 16;

	while (cap < expected * 2 && cap < ((size_t)1 << 40))
		cap *= 2;
	hd_hash_key_init(&m->hk);
	m->slots = calloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->len = 0;
	if (!m->slots) {
		hd_map_release(m);
		return HD_ERR_NOMEM;
	}
	return 0;
}

void hd_map_release(struct hd_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

int hd_map_get(const struct hd_map *m, uint64_t key, uint32_t *val)
{
	size_t mask = m->cap - 1, i;

	if (!m->cap)
		return 0;
	for (i = hd_hash_u64(&m->hk, key) & mask;; i = (i + 1) & mask) {
		if (m->slots[i].key == key) {
			*val = m->slots[i].val;
			return 1;
		}
		if (m->slots[i].key == 0)
			return 0;
	}
}

static void map_insert(const struct hd_hash_key *hk, struct hd_map_slot *slots,
		       size_t cap, uint64_t key, uint32_t val, size_t *len)
{
	size_t mask = cap - 1, i;

	for (i = hd_hash_u64(hk, key) & mask; slots[i].key && slots[i].key != key;
	     i = (i + 1) & mask)
		;
	if (!slots[i].key)
		(*len)++;
	slots[i].key = key;
	slots[i].val = val;
}

int hd_map_put(struct hd_map *m, uint64_t key, uint32_t val)
{
	if (!m->cap && hd_map_init(m, 16))
		return HD_ERR_NOMEM;
	if ((m->len + 1) * 4 > m->cap * 3) {
		size_t ncap = m->cap * 2, i, nlen = 0;
		struct hd_map_slot *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return HD_ERR_NOMEM;
		for (i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				map_insert(&m->hk, ns, ncap, m->slots[i].key, m->slots[i].val, &nlen);
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	map_insert(&m->hk, m->slots, m->cap, key, val, &m->len);
	return 0;
}


