/*
 * The single-use record of tickets opened for 0-RTT (RFC 8446 §8.1): the
 * anti-replay state that a TLS server must keep outside itself when several
 * processes answer one name (s2n-tls guide, "Adding anti-replay
 * protection"). keyd sees every TICKET_OPEN of every frontd worker, so it
 * keeps the record; a frontd that restarts, or a second worker, asks the
 * same keyd and gets the same answer.
 *
 * An entry is 16 bytes of SHA-256 of the whole ticket (a collision only
 * refuses some 0-RTT, never lets a replay through) and the Unix time at
 * which the key that opened it stops opening anything: past it the ticket
 * cannot be opened, so it cannot be replayed, and the entry is free again.
 * The table is open addressing with linear probing, sized at twice its
 * limit, allocated once at start: 48 bytes per entry of the limit. When it
 * holds the limit of live entries, a new ticket is refused 0-RTT (its
 * session still resumes) rather than an old entry dropped: forgetting an
 * entry would let its ticket's early data be replayed.
 *
 * The record lives in keyd's memory only. A restarted keyd has forgotten
 * it; tickets sealed under keys it made itself are gone with those keys,
 * but tickets under imported keys still open: keyd refuses 0-RTT for every
 * ticket under a key introduced before keyd started, since such a ticket
 * may have been used for 0-RTT before the restart (keyd_early_allowed).
 */
#ifndef MOAT_KEYD_EARLY_RECORD_H
#define MOAT_KEYD_EARLY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "keyd/keyd_config.h"

#define KEYD_EARLY_ID_LEN 16
#define KEYD_EARLY_MAX_ENTRIES KEYD_MAX_EARLY_DATA_RECORD

struct keyd_early_slot {
	uint8_t id[KEYD_EARLY_ID_LEN];
	uint64_t until;                      /* 0: never used; else free once now >= until */
};

struct keyd_early_record {
	struct keyd_early_slot *slots;       /* cap slots, cap a power of two >= 2 * limit */
	size_t cap;
	size_t limit;                        /* live entries at most; 0: 0-RTT refused for every ticket */
	size_t live;                         /* entries with until in the future, as of the last sweep */
	uint64_t started;                    /* keyd's start, Unix seconds */
	uint64_t claimed, replayed, full;    /* answers: first use, seen before, no room */
};

/* limit entries (0..KEYD_EARLY_MAX_ENTRIES); started is keyd's start time. */
MOAT_MUST_USE int keyd_early_init(struct keyd_early_record *r, size_t limit, uint64_t started);
void keyd_early_free(struct keyd_early_record *r);
/* The bytes the record costs (for the log and the manual's figure). */
size_t keyd_early_bytes(const struct keyd_early_record *r);
/*
 * Whether the ticket's early data may be accepted: true the first time it
 * is asked for it (and recorded until the key's end, until), false when it
 * was asked before, when the record is full of live entries, when the key
 * was introduced before keyd started (key_intro < started), or when the
 * record is off (limit 0).
 */
bool keyd_early_claim(struct keyd_early_record *r, uint64_t now, const uint8_t *ticket, size_t len,
		      uint64_t key_intro, uint64_t until);

#endif
