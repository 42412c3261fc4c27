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
 */
#ifndef MOAT_TLS_EXAMPLES_TICKET_SEALER_H
#define MOAT_TLS_EXAMPLES_TICKET_SEALER_H

#include <stdbool.h>
#include <stdint.h>

#include <moat.h>

#define EX_TICKET_NAME_LEN 4
#define EX_TICKET_KEY_LEN 32

struct ex_ticket_sealer {
	uint8_t name[EX_TICKET_NAME_LEN];
	uint8_t key[EX_TICKET_KEY_LEN];
	bool decrypt_only;                   /* opens answer OK_REISSUE, seals are refused */
	unsigned seals, opens;
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
