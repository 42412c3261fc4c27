/*
 * keyd's event loop: the two listening sockets, every connected peer, the
 * signing threads' completions and the stop signals, all in one epoll set.
 *
 * Peers: a data-socket peer is accepted only if its SO_PEERCRED uid or one of
 * its groups matches an allow rule; a control-socket peer only if it is root
 * or keyd's own user. Refusals are logged with pid, uid, gid and the reason,
 * and the connection is closed.
 *
 * Fairness and back-pressure: everything is non-blocking. Each wake-up reads
 * at most a few packets per peer, so a flooding peer shares the loop with the
 * others. A data-socket peer may have max-inflight key operations queued or
 * being signed; beyond that its requests are answered BUSY at once. A reply
 * that cannot be sent because the peer does not read is queued, and keyd
 * stops reading that peer until the queue drains, so a peer that never reads
 * holds at most max-inflight replies in keyd's memory and never blocks
 * anyone else.
 *
 * Bad input: a request that can be answered (8 bytes or more) is answered
 * with its status and the peer stays connected; a packet too short to name
 * its request is unanswerable, and the peer that sent it is disconnected.
 *
 * Connection limits, so that one allowed uid cannot lock frontd out by
 * holding connections: each uid may hold max-peers-per-uid connections per
 * socket (all uids together KEYD_MAX_PEERS); a peer that has not completed
 * HELLO within hello-timeout is closed, and with idle-timeout set, so is a
 * peer that sent no request for that long and has nothing in flight.
 * Refusals and closings are counted in STATS and logged.
 */
#ifndef MOAT_KEYD_SERVER_H
#define MOAT_KEYD_SERVER_H

#include "common/error.h"
#include "keyd/keyd_config.h"
#include "keyd/keys.h"
#include "keyd/stats.h"
#include "keyd/workers.h"

#define KEYD_MAX_PEERS 1000
#define KEYD_CONTROL_MAX_INFLIGHT 4

struct keyd_server;

struct keyd_server_params {
	const struct keyd_config *cfg;
	struct keyd_keyset *keys;     /* changed by KEY_ADD and KEY_REMOVE (the event loop's alone) */
	struct keyd_stats *stats;
	int data_fd;                  /* listening; the server takes them over */
	int control_fd;
	int metrics_fd;               /* listening (metrics listen), taken over; -1 or 0: none */
	struct keyd_workers *workers; /* taken over: stopped by keyd_server_free */
	int notify_fd;                /* systemd's notify socket (common/sd_notify.h), -1 if none; not taken over */
};

/* Block the signals the loop reads (SIGTERM, SIGINT, SIGHUP) and ignore SIGPIPE; call before starting threads. */
MOAT_MUST_USE int keyd_server_block_signals(void);
/*
 * Set up epoll and the signalfd; after the privilege drop (it records keyd's
 * own uid). On failure everything p handed over is released too.
 */
MOAT_MUST_USE int keyd_server_new(struct keyd_server **out, const struct keyd_server_params *p);
/* Serve until SIGTERM or SIGINT; tell systemd READY=1 and STATUS= when the loop starts, STOPPING=1 at the end. */
MOAT_MUST_USE int keyd_server_run(struct keyd_server *s);
/* Stop the threads, close every peer and socket. NULL is allowed. */
void keyd_server_free(struct keyd_server *s);

#endif
