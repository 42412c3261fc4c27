/*
 * frontd's metrics (moat-frontd.conf(5), METRICS): counters and histograms
 * that every worker keeps in its own slot of one shared mapping, summed by
 * whichever worker a scraper reaches.
 *
 * Why a shared mapping: a scrape lands on one worker, but the figures are
 * the daemon's. The master creates the mapping (anonymous, MAP_SHARED)
 * before it forks anything, so every worker inherits it; slot i belongs to
 * the worker in the master's table entry i, and only that worker writes
 * it (single-writer 64-bit counters; readers load them with relaxed
 * atomic loads, so a reader never sees a torn value). Nothing crosses the
 * process boundary but these numbers: no pointers, no locks a dying worker
 * could leave held.
 *
 * Prometheus counters must never go down, across reloads and crashes
 * alike: when a worker exits, the master adds its slot into "retired"
 * and zeroes the slot for the next worker. That fold is bracketed by a
 * sequence number (odd while folding) so a reader retries instead of
 * counting a slot twice or not at all. Gauges (connections open, locked
 * memory) are the live workers' only and are not folded.
 */
#ifndef MOAT_FRONTD_METRICS_H
#define MOAT_FRONTD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "frontd/keyd_client.h"
#include "frontd/server.h"

/* Histogram bounds in seconds (metrics.c); observations above the last go to the +Inf bucket. */
#define FRONTD_METRICS_BOUNDS 12u
/* Protocol versions counted: TLS 1.0 to 1.3. */
#define FRONTD_METRICS_VERSIONS 4u
/* Room for the cipher-suite registry (policy/cipher_suites.h); checked at start (metrics_shm.c). */
#define FRONTD_METRICS_MAX_SUITES 64u

struct frontd_metrics_hist {
	uint64_t bucket[FRONTD_METRICS_BOUNDS + 1];
	uint64_t sum_us;
};

/* Only uint64_t members: the fold and the sum treat a slot as an array of them. */
struct frontd_metrics_slot {
	struct frontd_stats stats;      /* server.h */
	struct keyd_client_stats keyd;  /* keyd_client.h */
	uint64_t bytes_in, bytes_out; /* application data from and to clients, counted when a connection ends */
	uint64_t handshakes[FRONTD_METRICS_VERSIONS][FRONTD_METRICS_MAX_SUITES]; /* completed, by version and suite */
	struct frontd_metrics_hist handshake; /* first byte to handshake done */
	struct frontd_metrics_hist keyd_rtt;  /* a keyd request, asked to answered */
	/* Gauges: live values, summed over the workers, never folded. */
	uint64_t connections_open;
	uint64_t secmem_locked;
};

struct frontd_metrics_shm;

/* The master: one mapping with room for slots workers (zeroed). NULL logged. */
struct frontd_metrics_shm *frontd_metrics_shm_new(size_t slots);
void frontd_metrics_shm_free(struct frontd_metrics_shm *shm);
/* The master, before a worker takes slot: sums read it from now on. */
void frontd_metrics_shm_claim(struct frontd_metrics_shm *shm, size_t slot);
/* The master, once worker slot's process is gone: its counters into retired, the slot zeroed for reuse. */
void frontd_metrics_shm_retire(struct frontd_metrics_shm *shm, size_t slot);
/* The worker's own slot; NULL when slot is out of range. */
struct frontd_metrics_slot *frontd_metrics_shm_slot(struct frontd_metrics_shm *shm, size_t slot);
/* retired plus every slot, counters and gauges, into *out. */
void frontd_metrics_shm_sum(const struct frontd_metrics_shm *shm, struct frontd_metrics_slot *out);

/* The worker's slot (or, without a mapping, e.g. in tests, one of its own): srv->stats and keyd's point into it. */
MOAT_MUST_USE int frontd_metrics_attach(struct frontd_server *srv, struct frontd_metrics_shm *shm, size_t slot);
void frontd_metrics_detach(struct frontd_server *srv);

/* Observations, from conn.c (us: microseconds). */
void frontd_metrics_handshake_done(struct frontd_server *srv, int version, const char *suite, int64_t us);
void frontd_metrics_keyd_rtt(struct frontd_server *srv, uint64_t us);
void frontd_metrics_conn_gone(struct frontd_server *srv, uint64_t bytes_in, uint64_t bytes_out);
/* connections_open from srv->conn_count. */
void frontd_metrics_gauges(struct frontd_server *srv);

/* The exposition of sum (shared with the tests). */
MOAT_MUST_USE int frontd_metrics_render(const struct frontd_metrics_slot *sum, struct moat_buf *out);

/* The endpoint (metrics_endpoint.c): a scraper accepted on a metrics listener; all scrapes closed. */
void frontd_metrics_accept_cb(int fd, short what, void *arg);
void frontd_metrics_close_all(struct frontd_server *srv);

#endif
