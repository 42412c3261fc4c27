/*
 * keyd's counters, reported by STATS (moat-keyctl stats). Only the event
 * loop thread touches them (the signing threads report through the loop), so
 * they are plain integers.
 */
#ifndef MOAT_KEYD_STATS_H
#define MOAT_KEYD_STATS_H

#include <stdint.h>

#define KEYD_STATS_SIGN_KINDS 5 /* MOAT_IPC_SIGN_TLS13_CV .. MOAT_IPC_SIGN_TLS12_CLIENT_CV, and 0 */
#define KEYD_STATS_LATENCY_BUCKETS 12 /* the bounds in metrics.c, and +Inf */

struct keyd_stats {
	uint64_t started_ns;  /* monotonic clock at startup */
	uint64_t keys;        /* keys served */
	uint64_t workers;     /* signing threads */
	uint64_t peers;       /* connected now, both sockets */
	uint64_t connections; /* accepted since startup */
	uint64_t refused;     /* peers refused by their credentials */
	uint64_t refused_limit;    /* peers refused: max-peers-per-uid or the total table full */
	uint64_t hello_timeouts;   /* peers closed for not completing HELLO within hello-timeout */
	uint64_t idle_timeouts;    /* peers closed after idle-timeout without a request */
	uint64_t key_policy;       /* requests refused by a key's policy (role, tls12, rsa-key-exchange) */
	uint64_t dropped;     /* peers disconnected for unanswerable packets or I/O errors */
	uint64_t requests;    /* packets received */
	uint64_t signs;       /* signatures made */
	uint64_t decrypts;    /* RSA_DECRYPT answered */
	uint64_t pings;
	uint64_t errors;      /* replies with a status other than OK and BUSY */
	uint64_t busy;        /* BUSY replies */
	uint64_t malformed;   /* requests refused as malformed, bad_version or bad_opcode */
	uint64_t ticket_seals;             /* tickets sealed */
	uint64_t ticket_opens;             /* TICKET_OPEN requests that decoded */
	uint64_t ticket_opens_reissue;     /* of those, opened under a key that no longer seals */
	uint64_t ticket_opens_unknown_key; /* answered UNKNOWN_KEY: not sealed by a key keyd holds */
	uint64_t ticket_opens_bad;         /* answered BAD_TICKET: a known key's name, but it does not open */
	/* For the metrics endpoint (metrics.c): */
	uint64_t signs_by_kind[KEYD_STATS_SIGN_KINDS]; /* by MOAT_IPC_SIGN_* kind (index 0: unknown) */
	uint64_t scrapes;                  /* metrics requests answered */
	/* Request latency, read to answered, for key operations: buckets by KEYD_STATS_LATENCY_BOUNDS. */
	uint64_t latency_bucket[KEYD_STATS_LATENCY_BUCKETS];
	uint64_t latency_sum_ns;
	uint64_t ticket_opens_early_ok;    /* asked for 0-RTT and granted: the ticket's first such use */
	uint64_t ticket_opens_early_refused; /* asked for 0-RTT and refused: a replay, a full record, an old key */
};

#endif
