/*
 * Session tickets sealed under a named key: the one sealing primitive that
 * keyd uses for the tickets it seals and opens for frontd, and that the TLS
 * library uses when an application keeps ticket keys in process.
 *
 * Wire format (moat-ipc(7), "Ticket format"), all lengths fixed but the
 * ciphertext:
 *
 *	key_name[16] || nonce[12] || ciphertext[n] || tag[16]     1 <= n <= 1024
 *
 * sealed with AES-256-GCM under the key's 32-byte secret, the key name as
 * the additional data. The key name says which key sealed the ticket, so a
 * host can find it among the keys it holds without trying each; binding it
 * as AAD means a ticket moved under another name does not open even if two
 * keys ever shared a secret.
 *
 * No version byte: the key name already selects everything the format
 * depends on (a future format would come with keys of its own, under new
 * names), and the plaintext carries its own version byte (the TLS side's
 * session-state encoding). One byte less is a byte the client carries back
 * on every resumption.
 *
 * Why AES-256-GCM and not ChaCha20-Poly1305 or a per-key choice: servers
 * that terminate TLS have AES instructions, AES-GCM is in every FIPS
 * provider (ChaCha20-Poly1305 is not: a FIPS keyd could not open tickets),
 * and a per-key choice would add a field to every imported key and a way
 * for two hosts of a fleet to disagree, for no gain in security. AES-256
 * rather than AES-128 because a ticket key protects many sessions for
 * hours and the cost difference is lost in the IPC round trip.
 *
 * Nonces are random, 96 bits per seal (NIST SP 800-38D §8.2.2). The chance
 * that two of q seals under one key share a nonce is below q^2 / 2^97;
 * SP 800-38D §8.3 asks for at most 2^-32. MOAT_TICKET_SEAL_LIMIT (2^30 seals
 * per key) keeps it below 2^-37; the key store stops sealing with a key that
 * reached it, long before 2^32. A counter nonce would avoid the bound but
 * cannot be shared safely by a fleet whose hosts seal under the same
 * imported key.
 *
 * Two ways to hold a key. moat_ticket_seal and moat_ticket_open read the
 * secret only during the call: the cipher context with its key schedule is
 * made for the one operation and freed (libcrypto wipes it) before the call
 * returns, so the long-lived copy is the caller's, which keeps it in locked
 * memory (common/secmem.h). A sealer that serves every resumption (keyd)
 * prepares a struct moat_ticket_key once per key instead: its two contexts
 * (AES-256 key schedule and GCM tables, one per direction) live until
 * moat_ticket_key_free wipes them, and each operation only sets its nonce.
 * Setting up a context costs more than the AES-GCM operation on a ticket;
 * the holder must keep the contexts' memory locked itself (keyd locks all
 * of its memory, mlockall). Open reports every failure
 * the same way (MOAT_ERR_BAD_RECORD_MAC: length, tag, anything), so a caller
 * cannot tell a truncated ticket from a forged one and neither can a peer;
 * the tag comparison is libcrypto's, in constant time. Whether a name is
 * known is the caller's question (moat_ticket_name), answered before any
 * key is touched.
 */
#ifndef MOAT_TLS_CRYPTO_TICKET_AEAD_H
#define MOAT_TLS_CRYPTO_TICKET_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/aead.h"

#define MOAT_TICKET_NAME_LEN 16
#define MOAT_TICKET_SECRET_LEN 32
#define MOAT_TICKET_NONCE_LEN 12
#define MOAT_TICKET_TAG_LEN 16
#define MOAT_TICKET_OVERHEAD (MOAT_TICKET_NAME_LEN + MOAT_TICKET_NONCE_LEN + MOAT_TICKET_TAG_LEN)
#define MOAT_TICKET_PLAINTEXT_MAX 1024
#define MOAT_TICKET_MIN_LEN (MOAT_TICKET_OVERHEAD + 1)
#define MOAT_TICKET_MAX_LEN (MOAT_TICKET_OVERHEAD + MOAT_TICKET_PLAINTEXT_MAX)
/* Seals one key may make: random 96-bit nonces stay below a 2^-37 collision chance. */
#define MOAT_TICKET_SEAL_LIMIT (UINT64_C(1) << 30)

/*
 * The key name a ticket claims, copied out. Fails with MOAT_ERR_BAD_RECORD_MAC
 * when the ticket is shorter than MOAT_TICKET_MIN_LEN or longer than
 * MOAT_TICKET_MAX_LEN (it cannot be one of ours, whatever its name).
 */
MOAT_MUST_USE int moat_ticket_name(const uint8_t *ticket, size_t len, uint8_t name[MOAT_TICKET_NAME_LEN]);

/*
 * Seal pt (1..MOAT_TICKET_PLAINTEXT_MAX bytes) under the key (name, secret)
 * with a fresh random nonce: writes pt_len + MOAT_TICKET_OVERHEAD bytes to
 * out (cap must hold them) and their count to *out_len.
 */
MOAT_MUST_USE int moat_ticket_seal(const uint8_t name[MOAT_TICKET_NAME_LEN],
				   const uint8_t secret[MOAT_TICKET_SECRET_LEN], const uint8_t *pt, size_t pt_len,
				   uint8_t *out, size_t cap, size_t *out_len);

/*
 * Open a ticket under the key (name, secret), which must be the one
 * moat_ticket_name reported (else MOAT_ERR_INVALID_ARG): writes the
 * plaintext (len - MOAT_TICKET_OVERHEAD bytes; cap must hold them) to out
 * and its length to *out_len. Any failure of the ticket is
 * MOAT_ERR_BAD_RECORD_MAC, with out wiped.
 */
MOAT_MUST_USE int moat_ticket_open(const uint8_t name[MOAT_TICKET_NAME_LEN],
				   const uint8_t secret[MOAT_TICKET_SECRET_LEN], const uint8_t *ticket, size_t len,
				   uint8_t *out, size_t cap, size_t *out_len);

/* Nonces a prepared key draws from the random generator at a time. */
#define MOAT_TICKET_NONCE_BATCH 32

/*
 * A ticket key prepared for many operations: its name and the cipher
 * contexts set up from its secret (the secret itself is not kept here).
 *
 * Its seals take their nonces from a batch drawn at once: one call into the
 * random generator costs more than sealing a ticket, and a nonce is no
 * secret (it travels in the ticket), only random and used once. Each is
 * taken from the batch once; a process that forks discards the batch it
 * inherited (both processes would otherwise seal with the same nonces).
 * A prepared key is for one thread at a time.
 */
struct moat_ticket_key {
	uint8_t name[MOAT_TICKET_NAME_LEN];
	struct moat_aead seal, open;
	uint8_t nonces[MOAT_TICKET_NONCE_BATCH * MOAT_TICKET_NONCE_LEN];
	unsigned nonces_left;
	unsigned fork_generation; /* the process's when the batch was drawn */
};

/* Set up k from (name, secret); on failure k holds nothing to free. */
MOAT_MUST_USE int moat_ticket_key_init(struct moat_ticket_key *k, const uint8_t name[MOAT_TICKET_NAME_LEN],
				       const uint8_t secret[MOAT_TICKET_SECRET_LEN]);
/* Free and wipe the contexts (libcrypto wipes the key schedules); k may be zeroed or freed already. */
void moat_ticket_key_free(struct moat_ticket_key *k);
/* moat_ticket_seal and moat_ticket_open under a prepared key: the same format, checks and failures. */
MOAT_MUST_USE int moat_ticket_key_seal(struct moat_ticket_key *k, const uint8_t *pt, size_t pt_len, uint8_t *out,
				       size_t cap, size_t *out_len);
MOAT_MUST_USE int moat_ticket_key_open(struct moat_ticket_key *k, const uint8_t *ticket, size_t len, uint8_t *out,
				       size_t cap, size_t *out_len);

#endif
