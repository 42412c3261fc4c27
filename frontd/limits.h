/*
 * What one client may cost, and what all clients that have not said hello
 * yet may cost together (moat-frontd.conf(5): max-connections,
 * max-handshakes, max-handshakes-per-source, first-byte-timeout,
 * client-hello-timeout, handshake-buffer-budget).
 *
 * The threat: anyone can open TCP connections and send nothing, or half a
 * ClientHello, for free. Each such connection costs frontd memory and a
 * descriptor, and a flood of them must not lock out real clients. So:
 *   - at max-connections a new connection is closed at once (max-handshakes,
 *     below it, keeps connections that never say hello from filling it);
 *   - at max-handshakes, or at max-handshakes-per-source for the new
 *     connection's source (IPv4: per address; IPv6: per /64, what one host
 *     is commonly given), the oldest connection (of that source) still
 *     waiting for (the rest of) its ClientHello is closed to make room: a
 *     real client sends its ClientHello within a round trip, so the oldest
 *     waiter is the likeliest to be idle on purpose, and a real client
 *     behind the same address as a flood still gets in. When no such
 *     connection is waiting, the new one is closed instead;
 *   - connections waiting for their ClientHello sit in two queues, oldest
 *     first: "waiting" (no byte yet, first-byte-timeout) and "partial" (some
 *     bytes, client-hello-timeout). The bytes read by partial connections
 *     (all held by the TLS library until the ClientHello is whole) count
 *     against one budget; going over it closes the oldest partial
 *     connections, for the same reason as above.
 * Every refusal and eviction is counted (frontd_stats) and logged at most a
 * few times a minute.
 */
#ifndef MOAT_FRONTD_LIMITS_H
#define MOAT_FRONTD_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "frontd/ratelimit.h"

struct event;
struct frontd_conn;
struct frontd_server;
struct frontd_source;

TAILQ_HEAD(frontd_conn_queue, frontd_conn);

struct frontd_limits {
	struct frontd_source **sources; /* hash table, allocated at the first accept */
	uint64_t seed;                  /* keyed hash: a client cannot aim at one bucket */
	struct frontd_conn_queue waiting;
	struct frontd_conn_queue partial;
	size_t handshakes;              /* connections in the HANDSHAKE state */
	size_t hello_bytes;             /* read by the partial queue's connections */
	size_t peak_handshakes, peak_hello_bytes; /* since the heap was last trimmed */
	struct event *ev_trim;          /* the heap trim after a flood (limits.c) */
	uint64_t secmem_unlocked_seen;  /* unlocked secure mappings already reported */
	struct frontd_ratelimit rl_conn;   /* per-connection lines */
	struct frontd_ratelimit rl_limit;  /* "limit reached" lines */
	struct frontd_ratelimit rl_secmem; /* "out of lockable memory" lines */
};

/* Which queue a connection is in. */
enum frontd_hello_state { HELLO_NONE, HELLO_WAITING, HELLO_PARTIAL };

/* Empty queues and tables, rate limits set (before the first accept). */
void frontd_limits_init(struct frontd_limits *lim);
/*
 * At accept, before anything is allocated for c (which is not in srv->conns
 * yet): may it stay? On true it counts as a handshake in progress and is in
 * the waiting queue; on false the caller closes it (already counted and
 * logged).
 */
bool frontd_limits_admit(struct frontd_server *srv, struct frontd_conn *c, const struct sockaddr_storage *peer,
			 socklen_t peer_len);
/*
 * peer NULL at admit: the source is not known yet (a PROXY header will
 * name it), and max-handshakes-per-source waits for it. This sets it, with
 * the same check as admit. False: c was closed (its source is full and has
 * no older waiter to close).
 */
bool frontd_limits_set_source(struct frontd_conn *c, const struct sockaddr_storage *peer, socklen_t peer_len);
/*
 * n bytes of the ClientHello were read. False when this connection must
 * go because the budget is used up and no older partial connection is left
 * to close.
 */
bool frontd_limits_hello_read(struct frontd_conn *c, size_t n);
/* The whole ClientHello arrived (or the connection goes): out of the queues. */
void frontd_limits_hello_done(struct frontd_conn *c);
/* The handshake ended, one way or the other (idempotent). */
void frontd_limits_handshake_over(struct frontd_conn *c);
/* Report secure memory that could not be locked, once in a while (after each handshake step). */
void frontd_limits_check_secmem(struct frontd_server *srv);
/* Free the tables (at exit, once every connection is gone). */
void frontd_limits_free(struct frontd_server *srv);

#endif
