/*
 * The state of one running moat-frontd: its event base, its configuration,
 * the keyd connection, the listeners and the client connections. There is
 * one of these per process, passed to whoever needs it instead of living in
 * globals, so tests can build one around their own event base.
 */
#ifndef MOAT_FRONTD_SERVER_H
#define MOAT_FRONTD_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "frontd/accesslog.h"
#include "frontd/config.h"
#include "frontd/drain.h"
#include "frontd/keyd_client.h"
#include "frontd/limits.h"

struct event;
struct event_base;
struct frontd_conn;
struct frontd_metrics_slot;
struct frontd_metrics_shm;
struct frontd_scrape;

struct frontd_listener {
	int fd;
	struct event *ev;
	struct frontd_server *srv;
	const struct frontd_listen *cfg;
	char desc[64];
};

/* Counters since start, logged on SIGUSR1 (which also reopens the access log) and at exit (stats.c, moat-frontd(8)). */
struct frontd_stats {
	uint64_t accepted;
	uint64_t handshakes;        /* completed */
	uint64_t handshakes_resumed; /* ... of which resumed from a ticket */
	/* Tickets (conn_tickets.c): keyd sealed none (no key, tickets off, keyd away); keyd could not be asked or
	 * gave no answer to an open; keyd did not open a ticket (unknown key, bad ticket); opened under a key that
	 * no longer seals. The ones sealed and opened are keyd_client's counters. */
	uint64_t ticket_seal_failures;
	uint64_t ticket_open_failures;
	uint64_t tickets_rejected;
	uint64_t tickets_reissued;
	uint64_t handshake_failures; /* the TLS library failed the handshake (timeouts counted below) */
	/* ... of which: the client went away, it sent an alert, keyd gave no signature, we sent an alert. */
	uint64_t handshake_failures_closed;
	uint64_t handshake_failures_client_alert;
	uint64_t handshake_failures_keyd;
	uint64_t handshake_failures_alert_sent;
	uint64_t closed_before_hello; /* the client left before its ClientHello was whole */
	uint64_t backend_failures;  /* connect failed or timed out */
	/* Deadlines (moat-frontd.conf(5)). */
	uint64_t timeouts_first_byte;
	uint64_t timeouts_client_hello;
	uint64_t timeouts_handshake;
	/* Limits (limits.h): new connections closed at accept, older ones closed to make room. */
	uint64_t refused_max_connections;
	uint64_t refused_max_handshakes;
	uint64_t refused_per_source;
	uint64_t evicted_max_handshakes;
	uint64_t evicted_per_source;
	uint64_t evicted_hello_budget;
	/* PROXY protocol on listeners: a source not in the trusted list; a header that was not valid. */
	uint64_t refused_proxy_untrusted;
	uint64_t proxy_header_refused;
};

struct frontd_server {
	struct event_base *base;
	struct frontd_config *cfg;
	struct keyd_client *keyd;
	struct frontd_listener listeners[FRONTD_MAX_LISTEN];
	size_t listener_count;
	struct event *ev_accept_resume; /* accepting paused after EMFILE */
	LIST_HEAD(frontd_conn_list, frontd_conn) conns;
	size_t conn_count;
	/* Counters: in this worker's metrics slot (metrics.h), shared with the others to sum. */
	struct frontd_stats *stats;
	struct frontd_metrics_slot *metrics;
	struct frontd_metrics_slot *metrics_own; /* the slot when there is no shared mapping */
	struct frontd_metrics_shm *metrics_shm;  /* every worker's slots, to answer a scrape */
	LIST_HEAD(frontd_scrape_list, frontd_scrape) scrapes; /* metrics requests being answered */
	size_t scrape_count;
	struct frontd_limits limits;
	struct event *ev_stats;     /* SIGUSR1, on usr1_fd */
	int usr1_fd;                /* a signalfd: SIGUSR1 and who sent it (stats.c) */
	pid_t master_pid;           /* SIGUSR1 is acted on from it only; 0: from anyone */
	unsigned worker_index;      /* 0..N-1 in its generation (master.h) */
	unsigned generation;
	struct frontd_accesslog alog;
	struct event *ev_ocsp;      /* the next stapled OCSP response to expire (ocsp.h) */
	struct frontd_drain drain;  /* stopping gracefully (drain.h) */
	struct moat_session_cache *session_cache; /* TLS 1.2 sessions by ID (session_ids.c); NULL: none */
};

/* stats.c: the counters as one log line (why: "SIGUSR1", "exit"). */
void frontd_stats_log(struct frontd_server *srv, const char *why);
/* Log the counters on SIGUSR1 from now on. */
int frontd_stats_start(struct frontd_server *srv);
void frontd_stats_stop(struct frontd_server *srv);

#endif
