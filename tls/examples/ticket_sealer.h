/*
 * A ticket sealer for the example server and the tests: the work that
 * moat-keyd does for moat-frontd, done in-process with one AES-256-GCM key
 * made at start (libcrypto's EVP interface). It answers the library's
 * ticket operations (moat.h, "ticket operations") the way a real sealer
 * must, so the tests drive the product's path; only where the key lives
 * differs.
 *
 * Ticket: key name (4 bytes) || nonce (12) || AES-256-GCM(state) || tag (16),
 * the name as additional data. OPEN answers UNKNOWN_KEY for another name,
 * BAD_TICKET for anything that does not authenticate, and OK_REISSUE
 * instead of OK while the sealer is told its key is decrypt-only (when it
 * also refuses to seal).
 *
 * An OPEN for early data (moat_ticket_op_get_for_early_data) is answered
 * "first use" once per ticket, known by its nonce: the single-use record
 * of RFC 8446 §8.1 that keyd keeps for moat-frontd. The record holds
 * EX_TICKET_EARLY_MAX tickets; when it is full, 0-RTT is refused rather
 * than a replay risked.
 */
#ifndef MOAT_TLS_EXAMPLES_TICKET_SEALER_H
#define MOAT_TLS_EXAMPLES_TICKET_SEALER_H

#include <stdbool.h>
#include <stdint.h>

#include <moat.h>

#define EX_TICKET_NAME_LEN 4
#define EX_TICKET_KEY_LEN 32
#define EX_TICKET_NONCE_LEN 12
#define EX_TICKET_EARLY_MAX 1024

struct ex_ticket_sealer {
	uint8_t name[EX_TICKET_NAME_LEN];
	uint8_t key[EX_TICKET_KEY_LEN];
	bool decrypt_only;                   /* opens answer OK_REISSUE, seals are refused */
	unsigned seals, opens;
	unsigned early_ok, early_refused;    /* OPENs for early data: first uses, and replays or no room */
	uint8_t early_used[EX_TICKET_EARLY_MAX][EX_TICKET_NONCE_LEN];
	unsigned early_used_count;
};

/* A fresh random name and key; 0 or -1. */
int ex_ticket_sealer_init(struct ex_ticket_sealer *s);
/* Wipe the key. */
void ex_ticket_sealer_free(struct ex_ticket_sealer *s);
/* Set op's output and result (not applied); 0 or -1. */
int ex_ticket_sealer_answer(struct ex_ticket_sealer *s, struct moat_ticket_op *op);
/* A moat_ticket_crypto_fn with ctx = the sealer: answers, applies and frees at once. */
int ex_ticket_crypto_cb(struct moat_connection *conn, void *ctx, struct moat_ticket_op *op);

#endif
