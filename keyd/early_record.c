/*
 * The single-use record of 0-RTT tickets (early_record.h says what and why).
 * Lookups and inserts touch the probe chain of one id; a sweep, which
 * rebuilds the table without the entries whose key has expired, runs only
 * when the table holds its limit, so its cost is spread over at least as
 * many claims as it frees.
 */
#include "keyd/early_record.h"

#include <stdlib.h>
#include <string.h>

#include "tls/crypto/hash.h"

int keyd_early_init(struct keyd_early_record *r, size_t limit, uint64_t started)
{
	memset(r, 0, sizeof(*r));
	ENSURE(limit <= KEYD_EARLY_MAX_ENTRIES, MOAT_ERR_INVALID_ARG);
	r->limit = limit;
	r->started = started;
	if (limit == 0)
		return MOAT_SUCCESS;
	size_t cap = 16;
	while (cap < 2 * limit)
		cap *= 2;
	r->slots = calloc(cap, sizeof(*r->slots));
	ENSURE(r->slots != NULL, MOAT_ERR_ALLOC);
	r->cap = cap;
	return MOAT_SUCCESS;
}

void keyd_early_free(struct keyd_early_record *r)
{
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

size_t keyd_early_bytes(const struct keyd_early_record *r)
{
	return r->cap * sizeof(*r->slots);
}

static size_t slot_of(const struct keyd_early_record *r, const uint8_t id[KEYD_EARLY_ID_LEN])
{
	uint64_t h;
	memcpy(&h, id, sizeof(h));
	return (size_t)h & (r->cap - 1);
}

/* Rebuild in place without the expired entries: take every live one out and put it back. */
static void sweep(struct keyd_early_record *r, uint64_t now)
{
	size_t live = 0;
	for (size_t i = 0; i < r->cap; i++)
		if (r->slots[i].until > now)
			live++;
	/* A removal would break the probe chains that pass it: rebuild from a copy of the live entries. */
	struct keyd_early_slot *keep = calloc(live > 0 ? live : 1, sizeof(*keep));
	if (keep == NULL)
		return; /* nothing freed: the record stays full and refuses, which is safe */
	size_t k = 0;
	for (size_t i = 0; i < r->cap; i++)
		if (r->slots[i].until > now)
			keep[k++] = r->slots[i];
	memset(r->slots, 0, r->cap * sizeof(*r->slots));
	for (size_t j = 0; j < k; j++) {
		size_t i = slot_of(r, keep[j].id);
		while (r->slots[i].until != 0)
			i = (i + 1) & (r->cap - 1);
		r->slots[i] = keep[j];
	}
	free(keep);
	r->live = k;
}

bool keyd_early_claim(struct keyd_early_record *r, uint64_t now, const uint8_t *ticket, size_t len,
		      uint64_t key_intro, uint64_t until)
{
	uint8_t digest[32];
	if (r->limit == 0 || key_intro < r->started || until <= now ||
	    moat_hash_oneshot(MOAT_HASH_SHA256, ticket, len, digest) != MOAT_SUCCESS) {
		moat_error_clear();
		r->full++;
		return false;
	}
	/* Seen before, while its key still opens it: a replay. */
	size_t i = slot_of(r, digest);
	for (; r->slots[i].until != 0; i = (i + 1) & (r->cap - 1)) {
		if (memcmp(r->slots[i].id, digest, KEYD_EARLY_ID_LEN) == 0 && r->slots[i].until > now) {
			r->replayed++;
			return false;
		}
	}
	if (r->live >= r->limit) {
		sweep(r, now);
		if (r->live >= r->limit) {
			r->full++;
			return false;
		}
		/* The chain changed: find the empty slot again. */
		i = slot_of(r, digest);
		while (r->slots[i].until != 0)
			i = (i + 1) & (r->cap - 1);
	}
	memcpy(r->slots[i].id, digest, KEYD_EARLY_ID_LEN);
	r->slots[i].until = until;
	r->live++;
	r->claimed++;
	return true;
}
