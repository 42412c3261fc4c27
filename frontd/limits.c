/*
 * Admission and the ClientHello queues (the why: limits.h).
 *
 * The per-source table is a chained hash of the sources with a handshake
 * in progress, keyed with a random seed so that a client cannot choose
 * addresses that pile into one bucket; an entry lives while its count is
 * not zero, so the table never holds more entries than max-handshakes.
 */
#include "frontd/limits.h"

#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/random.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "common/log.h"
#include "common/secmem.h"
#include "frontd/conn.h"
#include "frontd/metrics.h"

#define SOURCE_BUCKETS 4096u
#define SOURCE_KEY_LEN 17 /* family, then the address (IPv6: its /64, the rest zero) */
#define LIMIT_LOG_INTERVAL_MS 10000u
#define SECMEM_LOG_INTERVAL_MS 60000u
#define CONN_LOG_INTERVAL_MS 1000u
#define CONN_LOG_BURST 20u
/* A flood that went away: give its heap back when the load fell to an eighth of these. */
#define TRIM_MIN_HANDSHAKES 512u
#define TRIM_MIN_HELLO_BYTES (4u * 1024u * 1024u)
#define TRIM_DELAY_MS 500u

struct frontd_source {
	struct frontd_source *next;
	uint8_t key[SOURCE_KEY_LEN];
	uint32_t handshakes;
	struct frontd_conn_queue waiters; /* its connections before their ClientHello is whole, oldest first */
};

static uint64_t now_ms(struct frontd_server *srv)
{
	struct timeval tv;
	event_base_gettimeofday_cached(srv->base, &tv);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static void source_key(const struct sockaddr_storage *peer, socklen_t len, uint8_t key[SOURCE_KEY_LEN])
{
	memset(key, 0, SOURCE_KEY_LEN);
	key[0] = (uint8_t)peer->ss_family;
	if (peer->ss_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		memcpy(key + 1, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	else if (peer->ss_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		memcpy(key + 1, &((const struct sockaddr_in6 *)peer)->sin6_addr, 8);
}

static size_t source_bucket(const struct frontd_limits *lim, const uint8_t key[SOURCE_KEY_LEN])
{
	/* FNV-1a started from the seed: cheap, and unpredictable without it. */
	uint64_t h = 0xcbf29ce484222325u ^ lim->seed;
	for (size_t i = 0; i < SOURCE_KEY_LEN; i++) {
		h ^= key[i];
		h *= 0x100000001b3u;
	}
	h ^= h >> 29;
	return (size_t)(h & (SOURCE_BUCKETS - 1));
}

static bool limits_ready(struct frontd_limits *lim)
{
	if (lim->sources != NULL)
		return true;
	lim->sources = calloc(SOURCE_BUCKETS, sizeof(*lim->sources));
	if (lim->sources == NULL)
		return false;
	if (getrandom(&lim->seed, sizeof(lim->seed), GRND_NONBLOCK) != (ssize_t)sizeof(lim->seed))
		lim->seed = (uint64_t)(uintptr_t)lim ^ (uint64_t)rand();
	return true;
}

void frontd_limits_init(struct frontd_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	TAILQ_INIT(&lim->waiting);
	TAILQ_INIT(&lim->partial);
	lim->rl_conn = (struct frontd_ratelimit)FRONTD_RATELIMIT(CONN_LOG_INTERVAL_MS, CONN_LOG_BURST);
	lim->rl_limit = (struct frontd_ratelimit)FRONTD_RATELIMIT(LIMIT_LOG_INTERVAL_MS, 1);
	lim->rl_secmem = (struct frontd_ratelimit)FRONTD_RATELIMIT(SECMEM_LOG_INTERVAL_MS, 1);
}

static struct frontd_source *source_find(struct frontd_limits *lim, const uint8_t key[SOURCE_KEY_LEN])
{
	for (struct frontd_source *s = lim->sources[source_bucket(lim, key)]; s != NULL; s = s->next)
		if (memcmp(s->key, key, SOURCE_KEY_LEN) == 0)
			return s;
	return NULL;
}

/* The source's entry, made if new; NULL when out of memory. */
static struct frontd_source *source_get(struct frontd_limits *lim, const uint8_t key[SOURCE_KEY_LEN])
{
	struct frontd_source *s = source_find(lim, key);
	if (s != NULL)
		return s;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	TAILQ_INIT(&s->waiters);
	size_t b = source_bucket(lim, key);
	memcpy(s->key, key, SOURCE_KEY_LEN);
	s->next = lim->sources[b];
	lim->sources[b] = s;
	return s;
}

/* Drop s from the table if nothing counts on it. */
static void source_release(struct frontd_limits *lim, struct frontd_source *s)
{
	if (s->handshakes > 0)
		return;
	struct frontd_source **pp = &lim->sources[source_bucket(lim, s->key)];
	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	free(s);
}

static void limit_reached(struct frontd_server *srv, const char *what)
{
	frontd_ratelimit_log(&srv->limits.rl_limit, now_ms(srv), MOAT_LOG_WARNING,
			     "%s reached: closing connections (moat-frontd.conf(5)); counters: SIGUSR1", what);
}

/*
 * A waiter whose next bytes are already in its socket is about to be read
 * (its readiness event is queued): a real client that was slow to send
 * its ClientHello by a few milliseconds, not an idle one. Pass it over,
 * looking at a few more from the old end.
 */
#define VICTIM_SCAN 16

static bool idle_now(const struct frontd_conn *c)
{
	/* A peek (recvfrom), not ioctl(FIONREAD): the sandbox allows no ioctl. */
	uint8_t b;
	return recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

static struct frontd_conn *victim_in(struct frontd_conn_queue *q)
{
	struct frontd_conn *c = TAILQ_FIRST(q);
	for (int i = 0; c != NULL && i < VICTIM_SCAN; i++, c = TAILQ_NEXT(c, hello_link))
		if (idle_now(c))
			return c;
	return TAILQ_FIRST(q);
}

/* The connection waiting longest for its ClientHello, or NULL. */
static struct frontd_conn *oldest_waiter(struct frontd_limits *lim)
{
	struct frontd_conn *w = victim_in(&lim->waiting), *p = victim_in(&lim->partial);
	if (w == NULL)
		return p;
	if (p == NULL)
		return w;
	return p->accepted_ms < w->accepted_ms ? p : w;
}

/* The same among one source's connections. */
static struct frontd_conn *oldest_waiter_of(struct frontd_source *s)
{
	struct frontd_conn *c = TAILQ_FIRST(&s->waiters);
	for (int i = 0; c != NULL && i < VICTIM_SCAN; i++, c = TAILQ_NEXT(c, source_link))
		if (idle_now(c))
			return c;
	return TAILQ_FIRST(&s->waiters);
}

/*
 * A new connection from peer may count against its source: true when the
 * source is under max-handshakes-per-source or made room by closing its
 * oldest waiter; false (counted) when it has none to close.
 */
static bool source_has_room(struct frontd_server *srv, const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct frontd_limits *lim = &srv->limits;
	uint8_t key[SOURCE_KEY_LEN];
	source_key(peer, peer_len, key);
	struct frontd_source *s = source_find(lim, key);
	if (s != NULL && s->handshakes >= srv->cfg->max_handshakes_per_source) {
		/* As at max-handshakes, but among this source's own connections. */
		struct frontd_conn *old = oldest_waiter_of(s);
		limit_reached(srv, "max-handshakes-per-source");
		if (old == NULL) {
			srv->stats->refused_per_source++;
			return false;
		}
		srv->stats->evicted_per_source++;
		frontd_conn_ended(old, "limit max-handshakes-per-source", NULL);
		frontd_conn_abort(old, "closed to make room (max-handshakes-per-source)");
	}
	return true;
}

/* Count c against peer's source. false: out of memory. */
static bool source_join(struct frontd_limits *lim, struct frontd_conn *c, const struct sockaddr_storage *peer,
			socklen_t peer_len)
{
	uint8_t key[SOURCE_KEY_LEN];
	source_key(peer, peer_len, key);
	struct frontd_source *s = source_get(lim, key);
	if (s == NULL)
		return false;
	s->handshakes++;
	c->source = s;
	TAILQ_INSERT_TAIL(&s->waiters, c, source_link);
	return true;
}

bool frontd_limits_admit(struct frontd_server *srv, struct frontd_conn *c, const struct sockaddr_storage *peer,
			 socklen_t peer_len)
{
	struct frontd_limits *lim = &srv->limits;
	const struct frontd_config *cfg = srv->cfg;
	if (srv->conn_count >= cfg->max_connections) {
		srv->stats->refused_max_connections++;
		limit_reached(srv, "max-connections");
		return false;
	}
	if (!limits_ready(lim))
		return false;
	if (peer != NULL && !source_has_room(srv, peer, peer_len))
		return false;
	if (lim->handshakes >= cfg->max_handshakes) {
		struct frontd_conn *old = oldest_waiter(lim);
		if (old == NULL) {
			srv->stats->refused_max_handshakes++;
			limit_reached(srv, "max-handshakes");
			return false;
		}
		srv->stats->evicted_max_handshakes++;
		limit_reached(srv, "max-handshakes");
		frontd_conn_ended(old, "limit max-handshakes", NULL);
		frontd_conn_abort(old, "closed to make room (max-handshakes)");
	}
	/* The entry may have gone with a connection closed above: looked up again. */
	if (peer != NULL && !source_join(lim, c, peer, peer_len))
		return false;
	c->in_handshake = true;
	lim->handshakes++;
	if (lim->handshakes > lim->peak_handshakes)
		lim->peak_handshakes = lim->handshakes;
	c->hello = HELLO_WAITING;
	TAILQ_INSERT_TAIL(&lim->waiting, c, hello_link);
	return true;
}

bool frontd_limits_set_source(struct frontd_conn *c, const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct frontd_server *srv = c->srv;
	/* Only for a connection admitted without a source, still waiting for its ClientHello. */
	if (c->source != NULL || !c->in_handshake || c->hello == HELLO_NONE)
		return true;
	if (!source_has_room(srv, peer, peer_len) || !source_join(&srv->limits, c, peer, peer_len)) {
		frontd_conn_abort(c, "refused: max-handshakes-per-source");
		return false;
	}
	return true;
}

bool frontd_limits_hello_read(struct frontd_conn *c, size_t n)
{
	struct frontd_server *srv = c->srv;
	struct frontd_limits *lim = &srv->limits;
	if (c->hello == HELLO_NONE)
		return true;
	if (c->hello == HELLO_WAITING) {
		TAILQ_REMOVE(&lim->waiting, c, hello_link);
		TAILQ_INSERT_TAIL(&lim->partial, c, hello_link);
		c->hello = HELLO_PARTIAL;
	}
	c->hello_bytes += n;
	lim->hello_bytes += n;
	if (lim->hello_bytes > lim->peak_hello_bytes)
		lim->peak_hello_bytes = lim->hello_bytes;
	while (lim->hello_bytes > srv->cfg->handshake_buffer_budget) {
		struct frontd_conn *old = TAILQ_FIRST(&lim->partial);
		if (old == c)
			old = TAILQ_NEXT(c, hello_link);
		srv->stats->evicted_hello_budget++;
		limit_reached(srv, "handshake-buffer-budget");
		if (old == NULL)
			return false;
		frontd_conn_ended(old, "limit handshake-buffer-budget", NULL);
		frontd_conn_abort(old, "closed to stay within handshake-buffer-budget");
	}
	return true;
}

static void trim_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct frontd_limits *lim = arg;
#if defined(__GLIBC__)
	malloc_trim(0);
#endif
	lim->peak_handshakes = lim->handshakes;
	lim->peak_hello_bytes = lim->hello_bytes;
}

/*
 * Give a flood's heap back once it has gone: glibc keeps freed memory
 * between live blocks otherwise, and thousands of connections leave plenty.
 * Once the load fell to an eighth of its peak, a trim runs a moment later
 * (by then the rest of the flood has usually gone too).
 */
static void maybe_trim(struct frontd_server *srv)
{
	struct frontd_limits *lim = &srv->limits;
	bool many = lim->peak_handshakes >= TRIM_MIN_HANDSHAKES && lim->handshakes <= lim->peak_handshakes / 8;
	bool big = lim->peak_hello_bytes >= TRIM_MIN_HELLO_BYTES && lim->hello_bytes <= lim->peak_hello_bytes / 8;
	if (!many && !big)
		return;
	if (lim->ev_trim == NULL && (lim->ev_trim = evtimer_new(srv->base, trim_cb, lim)) == NULL)
		return;
	if (!evtimer_pending(lim->ev_trim, NULL)) {
		struct timeval tv = { .tv_sec = TRIM_DELAY_MS / 1000u, .tv_usec = (TRIM_DELAY_MS % 1000u) * 1000u };
		evtimer_add(lim->ev_trim, &tv);
	}
}

void frontd_limits_hello_done(struct frontd_conn *c)
{
	struct frontd_limits *lim = &c->srv->limits;
	if (c->hello != HELLO_NONE && c->source != NULL)
		TAILQ_REMOVE(&c->source->waiters, c, source_link);
	if (c->hello == HELLO_WAITING) {
		TAILQ_REMOVE(&lim->waiting, c, hello_link);
	} else if (c->hello == HELLO_PARTIAL) {
		TAILQ_REMOVE(&lim->partial, c, hello_link);
		lim->hello_bytes -= c->hello_bytes;
	}
	c->hello = HELLO_NONE;
	c->hello_bytes = 0;
}

void frontd_limits_handshake_over(struct frontd_conn *c)
{
	struct frontd_limits *lim = &c->srv->limits;
	frontd_limits_hello_done(c);
	if (!c->in_handshake)
		return;
	c->in_handshake = false;
	lim->handshakes--;
	if (c->source != NULL) {
		c->source->handshakes--;
		source_release(lim, c->source);
	}
	c->source = NULL;
	maybe_trim(c->srv);
}

void frontd_limits_check_secmem(struct frontd_server *srv)
{
	struct moat_secmem_stats st;
	moat_secmem_get_stats(&st);
	srv->metrics->secmem_locked = st.locked_bytes;
	if (st.unlocked_maps == srv->limits.secmem_unlocked_seen)
		return;
	srv->limits.secmem_unlocked_seen = st.unlocked_maps;
	frontd_ratelimit_log(&srv->limits.rl_secmem, now_ms(srv), MOAT_LOG_WARNING,
			     "out of lockable memory (RLIMIT_MEMLOCK): %llu secure mappings so far kept unlocked "
			     "(still wiped and out of core dumps); raise LimitMEMLOCK (moat-frontd.conf(5))",
			     (unsigned long long)st.unlocked_maps);
}

void frontd_limits_free(struct frontd_server *srv)
{
	struct frontd_limits *lim = &srv->limits;
	if (lim->ev_trim != NULL) {
		event_free(lim->ev_trim);
		lim->ev_trim = NULL;
	}
	if (lim->sources == NULL)
		return;
	for (size_t b = 0; b < SOURCE_BUCKETS; b++) {
		while (lim->sources[b] != NULL) {
			struct frontd_source *s = lim->sources[b];
			lim->sources[b] = s->next;
			free(s);
		}
	}
	free(lim->sources);
	lim->sources = NULL;
}
