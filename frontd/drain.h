/*
 * Draining: a serving process that stops accepting and lets its
 * connections finish before it exits (moat-frontd(8), SIGNALS).
 *
 * Started by the first SIGTERM or SIGINT (and, in a process that has
 * workers, by whatever tells an old worker to go). From then on:
 *   - the listeners are closed: a new connect is refused;
 *   - handshakes in progress go on under their own deadlines, and a
 *     connection whose handshake completes is proxied as any other;
 *   - a proxied connection that is idle (proxy.c, frontd_proxy_drain_check:
 *     nothing held either way, the backend spoke last, and a moment of
 *     quiet) gets close_notify and its backend a clean close;
 *   - the others go on until they go idle or finish, or until
 *     drain-timeout, when every connection left is closed, with
 *     close_notify where the handshake is done;
 *   - when the last connection is gone the event loop ends: the process
 *     exits 0.
 * A second signal ends the loop at once; the connections left are dropped
 * as they were before draining existed (frontd_conn_close_all).
 */
#ifndef MOAT_FRONTD_DRAIN_H
#define MOAT_FRONTD_DRAIN_H

#include <stdint.h>

struct event;
struct frontd_server;

enum frontd_drain_state {
	FRONTD_SERVING,
	FRONTD_DRAINING,
	FRONTD_DRAIN_TIMED_OUT, /* drain-timeout closed what was left: waiting for their close_notify to go out */
	FRONTD_STOPPED,         /* the loop was told to end */
};

struct frontd_drain {
	enum frontd_drain_state state;
	uint64_t start_us;   /* monotonic */
	struct event *ev_timeout;
};

/*
 * Stop accepting and drain (above); why names the cause in the log
 * ("signal 15"). Once draining, a second call does nothing.
 */
void frontd_drain_start(struct frontd_server *srv, const char *why);
/*
 * SIGTERM and SIGINT: the first starts draining, the next ends the event
 * loop at once. why: "signal 15".
 */
void frontd_drain_or_stop(struct frontd_server *srv, const char *why);
/* conn.c, after a connection was freed: the last one gone ends a drain. */
void frontd_drain_conn_gone(struct frontd_server *srv);
/* At exit. */
void frontd_drain_free(struct frontd_server *srv);

#endif
