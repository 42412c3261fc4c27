/*
 * The bounded session cache (common/session_cache.h). One secmem block
 * holds everything: the slots (key, value, expiry, chain link) in ring
 * order, then the bucket heads of the hash chains. Indexes are 32-bit with
 * NONE for "no slot"; a slot is free when its key_len is 0.
 */
#include "common/session_cache.h"

#include <string.h>
#include <sys/random.h>

#include "common/secmem.h"

#define NONE UINT32_MAX
#define NS_PER_S 1000000000ull

struct slot {
	uint64_t expires_ns;
	uint32_t next;                       /* the next slot in its bucket's chain */
	uint8_t key_len;                     /* 0: free */
	uint16_t value_len;
	uint8_t key[MOAT_SESSION_CACHE_KEY_MAX];
	uint8_t value[MOAT_SESSION_CACHE_VALUE_MAX];
};

struct moat_session_cache {
	size_t capacity;
	size_t count;
	size_t next_slot;                    /* the ring's write position: the oldest entry when full */
	uint32_t bucket_mask;
	uint64_t seed;
	uint32_t *buckets;                   /* bucket_mask + 1 heads */
	struct slot *slots;
};

/* FNV-1a over the seed and the key: enough to spread IDs a client picks without knowing the seed. */
static uint32_t bucket_of(const struct moat_session_cache *c, const uint8_t *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ c->seed;
	for (size_t i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 32;
	return (uint32_t)h & c->bucket_mask;
}

int moat_session_cache_new(size_t entries, struct moat_session_cache **out)
{
	ENSURE_REF(out);
	ENSURE(entries > 0 && entries <= MOAT_SESSION_CACHE_ENTRIES_MAX, MOAT_ERR_INVALID_ARG);
	size_t buckets = 1;
	while (buckets < entries)
		buckets <<= 1;
	size_t size = sizeof(struct moat_session_cache) + buckets * sizeof(uint32_t) + entries * sizeof(struct slot);
	void *mem;
	TRY(moat_secmem_alloc(size, &mem));
	struct moat_session_cache *c = mem;
	c->capacity = entries;
	c->bucket_mask = (uint32_t)(buckets - 1);
	/* The slots first: their 8-byte fields stay aligned whatever the number of buckets. */
	c->slots = (struct slot *)(void *)(c + 1);
	c->buckets = (uint32_t *)(void *)(c->slots + entries);
	for (size_t i = 0; i < buckets; i++)
		c->buckets[i] = NONE;
	if (getrandom(&c->seed, sizeof(c->seed), 0) != (ssize_t)sizeof(c->seed)) {
		moat_secmem_free(c);
		BAIL(MOAT_ERR_INTERNAL);
	}
	*out = c;
	return MOAT_SUCCESS;
}

void moat_session_cache_free(struct moat_session_cache *c)
{
	moat_secmem_free(c);
}

static bool slot_is(const struct slot *s, const uint8_t *key, size_t len)
{
	return s->key_len == len && memcmp(s->key, key, len) == 0;
}

/* The slot holding key, or NONE; *link is where it is linked from. */
static uint32_t find(struct moat_session_cache *c, const uint8_t *key, size_t len, uint32_t **link)
{
	uint32_t *l = &c->buckets[bucket_of(c, key, len)];
	while (*l != NONE && !slot_is(&c->slots[*l], key, len))
		l = &c->slots[*l].next;
	*link = l;
	return *l;
}

/* Unlink, wipe and free a slot in use. */
static void drop(struct moat_session_cache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];
	uint32_t *link;
	uint32_t found = find(c, s->key, s->key_len, &link);
	if (found == i)
		*link = s->next;
	moat_wipe(s, sizeof(*s));
	c->count--;
}

int moat_session_cache_store(struct moat_session_cache *c, uint64_t now_ns, uint64_t ttl_s, const uint8_t *key,
			     size_t key_len, const uint8_t *value, size_t value_len)
{
	ENSURE_REF(c);
	ENSURE(key != NULL && key_len > 0 && key_len <= MOAT_SESSION_CACHE_KEY_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(value != NULL && value_len > 0 && value_len <= MOAT_SESSION_CACHE_VALUE_MAX, MOAT_ERR_INVALID_ARG);
	uint32_t *link;
	uint32_t old = find(c, key, key_len, &link);
	if (old != NONE)
		drop(c, old);
	uint32_t i = (uint32_t)c->next_slot;
	c->next_slot = (c->next_slot + 1) % c->capacity;
	/* The ring's next slot is the oldest entry once the cache is full: it makes room. */
	if (c->slots[i].key_len != 0)
		drop(c, i);
	struct slot *s = &c->slots[i];
	s->expires_ns = ttl_s > (UINT64_MAX - now_ns) / NS_PER_S ? UINT64_MAX : now_ns + ttl_s * NS_PER_S;
	s->key_len = (uint8_t)key_len;
	memcpy(s->key, key, key_len);
	s->value_len = (uint16_t)value_len;
	memcpy(s->value, value, value_len);
	uint32_t *head = &c->buckets[bucket_of(c, key, key_len)];
	s->next = *head;
	*head = i;
	c->count++;
	return MOAT_SUCCESS;
}

bool moat_session_cache_retrieve(struct moat_session_cache *c, uint64_t now_ns, const uint8_t *key, size_t key_len,
				 uint8_t *value, size_t *value_len)
{
	if (c == NULL || key == NULL || value == NULL || value_len == NULL || key_len == 0 ||
	    key_len > MOAT_SESSION_CACHE_KEY_MAX)
		return false;
	uint32_t *link;
	uint32_t i = find(c, key, key_len, &link);
	if (i == NONE)
		return false;
	struct slot *s = &c->slots[i];
	if (now_ns >= s->expires_ns) {
		drop(c, i);
		return false;
	}
	if (s->value_len > *value_len)
		return false;
	memcpy(value, s->value, s->value_len);
	*value_len = s->value_len;
	return true;
}

void moat_session_cache_delete(struct moat_session_cache *c, const uint8_t *key, size_t key_len)
{
	if (c == NULL || key == NULL || key_len == 0 || key_len > MOAT_SESSION_CACHE_KEY_MAX)
		return;
	uint32_t *link;
	uint32_t i = find(c, key, key_len, &link);
	if (i != NONE)
		drop(c, i);
}

size_t moat_session_cache_count(const struct moat_session_cache *c)
{
	return c != NULL ? c->count : 0;
}
