/*
 * A site's backends: which list a connection uses, which backend of it,
 * and which are skipped for now (moat-frontd.conf(5): backend, balance,
 * backend-failures).
 *
 * The list is chosen after the handshake by the ALPN protocol the client
 * and the site agreed on: the `backend alpn "x"` line for that protocol,
 * else the default `backend` line; none of both, no backend.
 *
 * Health is judged from connects only: a backend whose connects failed
 * backend_fail_limit times in a row is skipped for backend_skip_ms, then
 * tried again by the next connection that gets to it (one failure more
 * skips it again, one success clears it). Each worker process keeps its
 * own counts (they start afresh with each generation of workers): a
 * backend that is down costs each worker its own few failed connects.
 * When every backend of a list is skipped they are tried all the same, in
 * order: a connect that may work beats a client closed without trying.
 */
#ifndef MOAT_FRONTD_BACKENDS_H
#define MOAT_FRONTD_BACKENDS_H

#include <stdbool.h>
#include <stdint.h>

#include "frontd/sites.h"

/* Connects per client connection: the chosen backend, then once the next one of the list. */
#define FRONTD_BACKEND_TRIES 2u

/*
 * The clock of the skips, in ms: monotonic, so that a change of the
 * system's time neither skips a backend for hours nor ends a skip early.
 */
uint64_t frontd_backends_clock_ms(void);

/* The list for the negotiated protocol alpn (NULL or "": none negotiated), or NULL when the site has none. */
struct frontd_backend_set *frontd_backends_for_alpn(const struct frontd_site *site, const char *alpn);

/* The backend a new connection tries first (advances the round robin). */
struct frontd_backend *frontd_backends_pick(const struct frontd_site *site, struct frontd_backend_set *set,
					    uint64_t now_ms);

/*
 * The backend to try after failed (a member of set) failed: the next one
 * in list order that is not skipped, else the next one; NULL when the
 * list has no other.
 */
struct frontd_backend *frontd_backends_next(struct frontd_backend_set *set, const struct frontd_backend *failed,
					    uint64_t now_ms);

/* A connect to b failed. true: b has just reached the limit and is skipped from now on (to log). */
bool frontd_backend_failed(const struct frontd_site *site, struct frontd_backend *b, uint64_t now_ms);
/* A connect to b succeeded. true: b was failing or skipped before (to log that it is back). */
bool frontd_backend_ok(struct frontd_backend *b);

#endif
