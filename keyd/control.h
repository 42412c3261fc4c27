/*
 * The control socket's read-only requests, LIST_KEYS and STATS: replies
 * built from the keyset and the counters (KEY_ADD and KEY_REMOVE, which
 * change the keyset, are key_admin.c's). Answered in the event loop (no private key is
 * touched), so they are never queued behind signatures.
 */
#ifndef MOAT_KEYD_CONTROL_H
#define MOAT_KEYD_CONTROL_H

#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "keyd/keys.h"
#include "keyd/stats.h"

/*
 * Write the reply packet to request_id into out (empty): the list, or
 * TOO_LARGE if it does not fit one packet; *st is the status sent. Fails
 * only if not even a status reply fits.
 */
MOAT_MUST_USE int keyd_control_list_keys(const struct keyd_keyset *ks, uint32_t request_id, struct moat_buf *out,
					 moat_ipc_status *st);
/* The counters of s at now_ns (monotonic), plus the secure heap's use. */
MOAT_MUST_USE int keyd_control_stats(const struct keyd_stats *s, uint64_t now_ns, uint32_t request_id,
				     struct moat_buf *out, moat_ipc_status *st);

#endif
