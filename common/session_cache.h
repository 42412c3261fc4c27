/*
 * A bounded in-process cache of TLS 1.2 sessions by session ID: the store
 * behind the library's session cache callbacks (moat.h, "session ID
 * cache") in moat-frontd and the example server.
 *
 * Why it is shaped like this: its values are serialized session states,
 * which hold master secrets, so every entry is in locked memory (secmem),
 * allocated once for the whole capacity, and wiped when it is evicted,
 * deleted, expired or the cache is freed. The capacity is fixed: when full
 * the oldest entry makes room (a ring: memory never grows with traffic). A
 * value longer than MOAT_SESSION_CACHE_VALUE_MAX is not kept (a session
 * whose server name and ALPN together pass ~170 bytes gets no ID
 * resumption, only a ticket). Lookups go through a hash of the ID keyed
 * with a random seed, so IDs a client picks cannot all land in one chain.
 *
 * One cache serves one thread: callers that share it across threads lock
 * around it.
 */
#ifndef MOAT_COMMON_SESSION_CACHE_H
#define MOAT_COMMON_SESSION_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define MOAT_SESSION_CACHE_KEY_MAX 32
#define MOAT_SESSION_CACHE_VALUE_MAX 256
/* 2^22 entries (about 1.2 GiB): more is a configuration mistake. */
#define MOAT_SESSION_CACHE_ENTRIES_MAX (1u << 22)

struct moat_session_cache;

/* A cache of `entries` slots (1..MOAT_SESSION_CACHE_ENTRIES_MAX), all allocated now. */
MOAT_MUST_USE int moat_session_cache_new(size_t entries, struct moat_session_cache **out);
/* Wipe and free; NULL is ignored. */
void moat_session_cache_free(struct moat_session_cache *c);
/*
 * Keep value under key until now_ns + ttl_s seconds, replacing an entry
 * with the same key and evicting the oldest when full. A key or value too
 * long, or an empty one, is MOAT_ERR_INVALID_ARG.
 */
MOAT_MUST_USE int moat_session_cache_store(struct moat_session_cache *c, uint64_t now_ns, uint64_t ttl_s,
					   const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len);
/*
 * The value for key into value (room: *value_len on entry, its length on
 * return): true. False when there is none, it expired (an expired entry is
 * wiped now) or it does not fit the room.
 */
bool moat_session_cache_retrieve(struct moat_session_cache *c, uint64_t now_ns, const uint8_t *key,
					      size_t key_len, uint8_t *value, size_t *value_len);
/* Drop key's entry, if any. */
void moat_session_cache_delete(struct moat_session_cache *c, const uint8_t *key, size_t key_len);
/* Entries held (expired ones not yet met included). */
size_t moat_session_cache_count(const struct moat_session_cache *c);

#endif
