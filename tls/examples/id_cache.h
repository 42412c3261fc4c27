/*
 * The example server's session ID cache (--session-cache): the library's
 * three cache callbacks over a small fixed array, the oldest entry
 * replaced when it is full. Values are serialized sessions, secrets: they
 * are wiped when replaced, deleted or freed. A test server's cache, on the
 * public API alone; moat-frontd has its own, bounded and in locked memory.
 */
#ifndef MOAT_EXAMPLES_ID_CACHE_H
#define MOAT_EXAMPLES_ID_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <moat.h>

#define EX_ID_CACHE_SLOTS 64
#define EX_ID_CACHE_VALUE_MAX 1024

struct ex_id_cache_entry {
	uint8_t key[32];
	size_t key_len;                      /* 0: free */
	uint8_t value[EX_ID_CACHE_VALUE_MAX];
	size_t value_len;
	time_t expires;
};

struct ex_id_cache {
	struct ex_id_cache_entry slots[EX_ID_CACHE_SLOTS];
	size_t next;                         /* the slot written next: the oldest when full */
	unsigned long stores, hits;
};

/* Set the three callbacks on config, over cache (zeroed by the caller). */
int ex_id_cache_attach(struct ex_id_cache *cache, struct moat_config *config);
void ex_id_cache_wipe(struct ex_id_cache *cache);

#endif
