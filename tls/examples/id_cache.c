/* The example server's session ID cache (id_cache.h). */
#include "id_cache.h"

#include <string.h>

#include <openssl/crypto.h>

static struct ex_id_cache_entry *find(struct ex_id_cache *c, const void *key, uint64_t key_size)
{
	for (size_t i = 0; i < EX_ID_CACHE_SLOTS; i++) {
		struct ex_id_cache_entry *e = &c->slots[i];
		if (e->key_len != 0 && e->key_len == key_size && memcmp(e->key, key, e->key_len) == 0)
			return e;
	}
	return NULL;
}

static void drop(struct ex_id_cache_entry *e)
{
	OPENSSL_cleanse(e, sizeof(*e));
}

static int store(struct moat_connection *conn, void *ctx, uint64_t ttl, const void *key, uint64_t key_size,
		 const void *value, uint64_t value_size)
{
	(void)conn;
	struct ex_id_cache *c = ctx;
	if (key_size == 0 || key_size > sizeof(c->slots[0].key) || value_size > EX_ID_CACHE_VALUE_MAX)
		return -1;
	struct ex_id_cache_entry *e = find(c, key, key_size);
	if (e == NULL) {
		e = &c->slots[c->next];
		c->next = (c->next + 1) % EX_ID_CACHE_SLOTS;
	}
	drop(e);
	memcpy(e->key, key, (size_t)key_size);
	e->key_len = (size_t)key_size;
	memcpy(e->value, value, (size_t)value_size);
	e->value_len = (size_t)value_size;
	e->expires = time(NULL) + (time_t)ttl;
	c->stores++;
	return 0;
}

static int retrieve(struct moat_connection *conn, void *ctx, const void *key, uint64_t key_size, void *value,
		    uint64_t *value_size)
{
	(void)conn;
	struct ex_id_cache *c = ctx;
	struct ex_id_cache_entry *e = find(c, key, key_size);
	if (e == NULL)
		return -1;
	if (time(NULL) >= e->expires) {
		drop(e);
		return -1;
	}
	if (*value_size < e->value_len)
		return -1;
	memcpy(value, e->value, e->value_len);
	*value_size = e->value_len;
	c->hits++;
	return 0;
}

static int delete_entry(struct moat_connection *conn, void *ctx, const void *key, uint64_t key_size)
{
	(void)conn;
	struct ex_id_cache_entry *e = find(ctx, key, key_size);
	if (e != NULL)
		drop(e);
	return 0;
}

int ex_id_cache_attach(struct ex_id_cache *cache, struct moat_config *config)
{
	if (moat_config_set_cache_store_callback(config, store, cache) < 0 ||
	    moat_config_set_cache_retrieve_callback(config, retrieve, cache) < 0 ||
	    moat_config_set_cache_delete_callback(config, delete_entry, cache) < 0)
		return -1;
	return 0;
}

void ex_id_cache_wipe(struct ex_id_cache *cache)
{
	OPENSSL_cleanse(cache, sizeof(*cache));
}
