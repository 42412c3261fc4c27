/*
 * TLS 1.2 resumption by session ID in a worker: the TLS library's session
 * cache callbacks (moat(3)) over one bounded cache per worker process
 * (common/session_cache.h: a ring of "session-cache" entries in locked
 * memory, each wiped when it is evicted, deleted or expires). Tickets are
 * keyd's (conn_tickets.c); this is for clients that take none, and works
 * with tickets off.
 *
 * The cache is per process: a client whose next connection lands on
 * another worker gets a full handshake. The serialized session holds the
 * master secret, which is why it lives in locked memory and never leaves
 * the worker. Expiry is on the monotonic clock, from the library's
 * session lifetime.
 */
#include "common/clock.h"
#include "common/log.h"
#include "common/session_cache.h"
#include "frontd/server.h"
#include "frontd/session_ids.h"

static int store(struct moat_connection *conn, void *ctx, uint64_t ttl, const void *key, uint64_t key_size,
		 const void *value, uint64_t value_size)
{
	(void)conn;
	struct frontd_server *srv = ctx;
	/* A session too big for a slot (a very long server name) is simply not cached. */
	if (moat_session_cache_store(srv->session_cache, moat_clock_monotonic_ns(), ttl, key, (size_t)key_size, value,
				     (size_t)value_size) < 0) {
		moat_error_clear();
		return -1;
	}
	return 0;
}

static int retrieve(struct moat_connection *conn, void *ctx, const void *key, uint64_t key_size, void *value,
		    uint64_t *value_size)
{
	(void)conn;
	struct frontd_server *srv = ctx;
	size_t len = (size_t)*value_size;
	if (!moat_session_cache_retrieve(srv->session_cache, moat_clock_monotonic_ns(), key, (size_t)key_size, value,
					 &len))
		return -1;
	*value_size = len;
	return 0;
}

static int delete_entry(struct moat_connection *conn, void *ctx, const void *key, uint64_t key_size)
{
	(void)conn;
	struct frontd_server *srv = ctx;
	moat_session_cache_delete(srv->session_cache, key, (size_t)key_size);
	return 0;
}

int frontd_session_ids_start(struct frontd_server *srv)
{
	size_t entries = srv->cfg->session_cache;
	if (entries == 0)
		return MOAT_SUCCESS;
	TRY(moat_session_cache_new(entries, &srv->session_cache));
	struct frontd_sites *sites = &srv->cfg->sites;
	for (size_t s = 0; s < sites->n; s++) {
		struct moat_config *c = sites->v[s]->tls;
		TRY(moat_config_set_cache_store_callback(c, store, srv));
		TRY(moat_config_set_cache_retrieve_callback(c, retrieve, srv));
		TRY(moat_config_set_cache_delete_callback(c, delete_entry, srv));
	}
	return MOAT_SUCCESS;
}

void frontd_session_ids_stop(struct frontd_server *srv)
{
	moat_session_cache_free(srv->session_cache);
	srv->session_cache = NULL;
}
