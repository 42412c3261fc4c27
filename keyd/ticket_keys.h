/*
 * keyd's session-ticket keys: the store that seals session states into
 * tickets and opens them for frontd, so that no ticket key is ever in the
 * internet-facing process (moat-keyd(8), "Session tickets").
 *
 * A key has a 16-byte name (random, or the operator's), a 32-byte secret in
 * locked memory (common/secmem.h; wiped when the key goes), an intro time and two lifetimes, as
 * s2n_config_add_ticket_crypto_key has them: it may seal from its intro
 * time until the encrypt-decrypt lifetime ends, then only open until the
 * decrypt-only lifetime ends too, and is wiped then. Its state at a time:
 *   pending       intro time still to come: it opens tickets (a fleet whose
 *                 clocks differ a little resumes anyway) but does not seal;
 *   encrypt       the one key SEAL uses: of the keys that may seal, an
 *                 imported one before a generated one, then the newest
 *                 (latest intro; of equal intros, the last added);
 *   decrypt-only  every other key still alive: OPEN answers with the
 *                 "re-issue" flag, so the client gets a ticket under the
 *                 current key;
 *   expired       gone: its secret is wiped at the first look after the end
 *                 of its decrypt-only lifetime.
 *
 * Who makes keys: while the store holds no imported key, keyd makes its
 * own, a new one whenever the current key has used half its encrypt-decrypt
 * lifetime (the s2n guide's advice: a gradual, linear hand-over) or none
 * may seal; TICKET_ROTATE makes one at once. Once an operator imports a key
 * (TICKET_ADD) keyd makes none and refuses ROTATE: a fleet must seal only
 * under keys every host holds. The keys keyd made before stay until they
 * expire, sealing only while no imported key may seal yet. When the last
 * imported key is removed or expires, keyd makes its own again.
 *
 * A key stops sealing after MOAT_TICKET_SEAL_LIMIT seals (the random-nonce
 * bound, tls/crypto/ticket_aead.h), whoever made it.
 *
 * Time is Unix time in seconds, passed in by the caller (the daemon reads
 * the wall clock, the tests pass a fake one): intro times are wall-clock
 * facts shared by a fleet. Every operation first applies what the time
 * changed (keyd_tickets_tick), so answers are exact whatever the timer did.
 *
 * Threads: the store is only ever used by keyd's event loop thread (SEAL and
 * OPEN are answered inline, requests.c: an AES-GCM operation costs about a
 * microsecond, less than a hand-over to the signing threads), so a rotation
 * or a removal can never free a key an operation is using, and there is no
 * lock.
 */
#ifndef MOAT_KEYD_TICKET_KEYS_H
#define MOAT_KEYD_TICKET_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "ipc/ipc.h"
#include "keyd/keyd_config.h"
#include "tls/crypto/ticket_aead.h"

#define KEYD_TICKET_MAX_KEYS MOAT_IPC_MAX_TICKET_KEYS
/* s2n's defaults (s2n_config_set_ticket_encrypt_decrypt_key_lifetime, ..._decrypt_key_lifetime). */
#define KEYD_TICKET_DEFAULT_ENCRYPT_S KEYD_DEFAULT_TICKET_ENCRYPT_S
#define KEYD_TICKET_DEFAULT_DECRYPT_S KEYD_DEFAULT_TICKET_DECRYPT_S

struct keyd_ticket_key {
	uint8_t name[MOAT_TICKET_NAME_LEN];
	uint8_t *secret;        /* MOAT_TICKET_SECRET_LEN bytes: its slot in the store's locked block */
	/*
	 * The cipher contexts set up from the secret when the key arrives and
	 * wiped with it: every SEAL and OPEN would otherwise set up an AES-256
	 * key schedule and GCM tables, more work than the operation itself.
	 * libcrypto allocates them; they are locked because keyd locks all of
	 * its memory (sandbox.c, mlockall).
	 */
	struct moat_ticket_key ctx;
	uint64_t intro;         /* Unix time */
	uint64_t encrypt_until; /* seals while intro <= now < encrypt_until */
	uint64_t expires;       /* opens while now < expires */
	uint64_t added;         /* order of arrival, for ties between equal intro times */
	bool imported;
	uint64_t seals, opens;
};

struct keyd_tickets {
	bool enabled;              /* tickets off: the store is empty and unused */
	uint32_t encrypt_lifetime; /* seconds, for the keys keyd makes and imports that name none */
	uint32_t decrypt_lifetime;
	struct keyd_ticket_key keys[KEYD_TICKET_MAX_KEYS];
	size_t count;
	uint64_t next_added;
	/*
	 * Every secret the store can hold, one slot per key: one block of
	 * locked memory taken at startup, because keyd's sandbox allows no
	 * mlock later (a new secmem mapping would need one).
	 */
	uint8_t *secrets;
	bool slot_used[KEYD_TICKET_MAX_KEYS];
};

/* An empty store; lifetimes in seconds (encrypt >= 1). Allocates the secrets' block (not when disabled). */
MOAT_MUST_USE int keyd_tickets_init(struct keyd_tickets *t, bool enabled, uint32_t encrypt_lifetime,
				    uint32_t decrypt_lifetime);
/* Wipe every key and free the secrets' block. */
void keyd_tickets_free(struct keyd_tickets *t);

/*
 * Apply what time changed: wipe expired keys, and, while no imported key is
 * held, make a key when the current one is half way through its
 * encrypt-decrypt lifetime or none may seal. Fails only if a new key cannot
 * be made (no random bytes, no locked memory); the store is unchanged then.
 */
MOAT_MUST_USE int keyd_tickets_tick(struct keyd_tickets *t, uint64_t now);
/* When the next tick has something to do (Unix time; UINT64_MAX: never). */
uint64_t keyd_tickets_next_change(const struct keyd_tickets *t, uint64_t now);
/* True while no imported key is held: keyd makes its own. */
bool keyd_tickets_generating(const struct keyd_tickets *t);

/*
 * Seal state (1..MOAT_TICKET_PLAINTEXT_MAX bytes) under the current key.
 * On a refusal *st says why and the call fails with MOAT_ERR_IPC_BAD_MESSAGE:
 * UNKNOWN_KEY when no key may seal now (only imported keys that are pending),
 * INTERNAL when a key could not be made.
 */
MOAT_MUST_USE int keyd_tickets_seal(struct keyd_tickets *t, uint64_t now, const uint8_t *state, size_t len,
				    uint8_t *out, size_t cap, size_t *out_len, moat_ipc_status *st);
/*
 * Open a ticket: UNKNOWN_KEY when no key has the name it claims (or it is
 * too short or too long to claim one), BAD_TICKET when it does not open
 * under that key; nothing else is told. *reissue: the key no longer seals.
 */
MOAT_MUST_USE int keyd_tickets_open(struct keyd_tickets *t, uint64_t now, const uint8_t *ticket, size_t len,
				    uint8_t *out, size_t cap, size_t *out_len, bool *reissue, moat_ipc_status *st);
/* The intro time and end of the key a ticket names; false if no key held has that name. */
bool keyd_tickets_key_times(const struct keyd_tickets *t, const uint8_t *ticket, size_t len, uint64_t *intro,
			    uint64_t *expires);

/*
 * Make a new key now; it becomes the current one and the keys that could
 * seal become decrypt-only. NOT_PERMITTED while imported keys are held.
 */
MOAT_MUST_USE int keyd_tickets_rotate(struct keyd_tickets *t, uint64_t now, uint8_t name[MOAT_TICKET_NAME_LEN],
				      moat_ipc_status *st);
/*
 * Import a key. intro 0 means now, a lifetime 0 the configured one.
 * BAD_INPUT: the name is held already, or the key would be expired already;
 * TOO_LARGE: the store is full.
 */
MOAT_MUST_USE int keyd_tickets_add(struct keyd_tickets *t, uint64_t now, const uint8_t name[MOAT_TICKET_NAME_LEN],
				   const uint8_t secret[MOAT_TICKET_SECRET_LEN], uint64_t intro,
				   uint32_t encrypt_lifetime, uint32_t decrypt_lifetime, moat_ipc_status *st);
/* Wipe the key with that name: UNKNOWN_KEY if there is none. */
MOAT_MUST_USE int keyd_tickets_remove(struct keyd_tickets *t, uint64_t now, const uint8_t name[MOAT_TICKET_NAME_LEN],
				      moat_ipc_status *st);

/* What TICKET_LIST reports: the mode and every key (never a secret), in the store's order. */
void keyd_tickets_list(const struct keyd_tickets *t, uint64_t now, uint8_t *mode,
		       struct moat_ipc_ticket_key_info info[KEYD_TICKET_MAX_KEYS], size_t *count);
/* The state of key k at now (moat_ipc_ticket_state). */
uint8_t keyd_tickets_state(const struct keyd_tickets *t, const struct keyd_ticket_key *k, uint64_t now);

#endif
