/*
 * frontd's side of the keyd data socket (moat-ipc(7)): one SOCK_SEQPACKET
 * connection driven by the event loop, many signing requests in flight.
 *
 * The lessons of the anchors (DESIGN.md) are the shape of it:
 * - requests carry ids and replies are matched by id, in any order; a
 *   reply for an id we no longer wait for is dropped (relayd's cookie);
 * - every request has a deadline (keyd-timeout) and fails when it passes;
 * - at most max_inflight (keyd's HELLO reply) are on the socket at once,
 *   the rest wait in a bounded queue; BUSY is a failure of that request;
 * - keyd going away (a restart) fails nothing that can still meet its
 *   deadline: requests it did not answer are resent on the next
 *   connection, new ones wait for it, and while requests wait frontd tries
 *   to connect every 25 ms, so a restarted keyd is found at once; with
 *   nothing waiting, exponential backoff (100 ms doubling to 5 s). Once
 *   keyd has been away for longer than keyd-timeout, or has refused the
 *   connection, a new request fails at once, so handshakes fail fast
 *   instead of queueing behind a dead daemon; a keyd that breaks the
 *   protocol fails what is pending. Nothing here ever exits the process
 *   (neverbleed aborts its frontend on any IPC error; we do not).
 *
 * Callbacks never run from inside keyd_client_sign or keyd_client_cancel,
 * only from the event loop, so a caller may submit from inside its own
 * callbacks (the TLS library's async pkey callback) without re-entrancy.
 */
#ifndef MOAT_FRONTD_KEYD_CLIENT_H
#define MOAT_FRONTD_KEYD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct event_base;
struct keyd_client;

enum keyd_result {
	KEYD_OK = 0,      /* sig holds the signature (SIGN) or the 48-byte premaster (RSA_DECRYPT) */
	KEYD_UNAVAILABLE, /* keyd went away before answering, or stayed away until the deadline */
	KEYD_TIMEOUT,     /* keyd connected, but no answer before the deadline */
	KEYD_REFUSED,     /* keyd answered with an error status (status says which, BUSY included) */
};

/*
 * sig is valid only during the call (for an RSA_DECRYPT it is the premaster,
 * wiped right after: copy it to locked memory if it must outlive the call).
 * status is the IPC status (MOAT_IPC_OK unless REFUSED).
 */
typedef void (*keyd_sign_done_fn)(void *arg, enum keyd_result result, uint16_t status, const uint8_t *sig,
				  size_t sig_len);

/*
 * A ticket operation's answer: for a seal the ticket, for an open the
 * session state (valid only during the call and wiped right after: copy it
 * to locked memory if it must outlive the call) and reissue, true when the
 * ticket's key no longer seals (issue the client a new ticket). An open
 * keyd refused as REFUSED with status UNKNOWN_KEY or BAD_TICKET is not
 * one of keyd's tickets: a full handshake, not an error.
 */
typedef void (*keyd_ticket_done_fn)(void *arg, enum keyd_result result, uint16_t status, const uint8_t *data,
				    size_t len, uint8_t flags);

struct keyd_client_stats {
	uint64_t connects;    /* successful HELLOs */
	uint64_t disconnects; /* connections lost after connecting */
	uint64_t requests;    /* accepted by keyd_client_sign */
	uint64_t signed_ok;
	uint64_t decrypted_ok; /* RSA_DECRYPT answered (a premaster, or keyd's synthetic one: they look alike) */
	uint64_t refused;     /* error replies, BUSY included */
	uint64_t busy;
	uint64_t timeouts;
	uint64_t failed_fast; /* refused by keyd_client_sign: keyd away too long or refusing us, or too many pending */
	uint64_t resent;      /* sent again on a new connection: keyd went away without answering them */
	uint64_t late_replies; /* replies to requests that had timed out or been cancelled */
	uint64_t tickets_sealed; /* TICKET_SEAL answered with a ticket */
	uint64_t tickets_opened; /* TICKET_OPEN answered with a state */
};

/*
 * keyd's answer to LIST_KEYS: the keys it holds and what each may do
 * (moat-ipc(7)). keys is valid only during the call.
 */
struct moat_ipc_key_info;
typedef void (*keyd_keys_fn)(void *arg, const struct moat_ipc_key_info *keys, size_t count);

/* Nothing happens until keyd_client_start. NULL on allocation failure. */
struct keyd_client *keyd_client_new(struct event_base *base, const char *path, uint32_t timeout_ms);
/* Tests shorten the backoff; defaults 100 ms and 5000 ms. */
void keyd_client_set_backoff(struct keyd_client *kc, uint32_t min_ms, uint32_t max_ms);
/* First connection attempt; when keyd is not there yet, retries follow the backoff. */
MOAT_MUST_USE int keyd_client_start(struct keyd_client *kc);
/* Fails pending requests without calling their callbacks; cancel them first. NULL is allowed. */
void keyd_client_free(struct keyd_client *kc);

/*
 * After every HELLO (the first connection and each reconnection), ask keyd
 * for its keys and call fn with them from the event loop. A keyd that does
 * not answer LIST_KEYS on the data socket is logged once per connection and
 * fn is not called. Set before keyd_client_start.
 */
void keyd_client_on_keys(struct keyd_client *kc, keyd_keys_fn fn, void *arg);

/* HELLO answered: requests go out now. */
bool keyd_client_is_ready(const struct keyd_client *kc);
const struct keyd_client_stats *keyd_client_get_stats(const struct keyd_client *kc);
/* Count into *stats from now on (a worker's metrics slot, metrics.h), starting from the counts so far. */
void keyd_client_set_stats(struct keyd_client *kc, struct keyd_client_stats *stats);

/*
 * Queue a SIGN (kind: MOAT_IPC_SIGN_TLS13_CV, ...) and set *id. done runs
 * exactly once, later, from the event loop, unless the request is
 * cancelled first; at the latest when the request's deadline (timeout_ms
 * from now) passes, whatever happens to keyd meanwhile. *id stays the
 * request's for keyd_client_cancel even if it is resent. Fails with
 * MOAT_ERR_KEYD_UNAVAILABLE when keyd has been away longer than timeout_ms
 * or refused the connection (fail fast) or too many requests are pending,
 * MOAT_ERR_INVALID_ARG when the request would not pass keyd's checks
 * (moat_ipc_sign_encode).
 */
MOAT_MUST_USE int keyd_client_sign(struct keyd_client *kc, const uint8_t key_id[32], uint16_t scheme, uint8_t kind,
				   const uint8_t *input, size_t len, keyd_sign_done_fn done, void *arg, uint32_t *id);
/*
 * Queue an RSA_DECRYPT of a TLS 1.2 EncryptedPreMasterSecret (moat-ipc(7)):
 * done gets the 48 bytes keyd answers, for a bad ciphertext as for a good
 * one. client_version is ClientHello.client_version, sent for keyd's log
 * only; the caller applies it (tls12_premaster.h). Same contract as
 * keyd_client_sign otherwise; a ciphertext of 0 or more than 512 bytes →
 * MOAT_ERR_INVALID_ARG.
 */
MOAT_MUST_USE int keyd_client_decrypt(struct keyd_client *kc, const uint8_t key_id[32], uint16_t client_version,
				      const uint8_t *ciphertext, size_t len, keyd_sign_done_fn done, void *arg,
				      uint32_t *id);
/*
 * Queue a TICKET_SEAL of a session state (1..MOAT_IPC_TICKET_STATE_MAX
 * bytes) or a TICKET_OPEN of a client's ticket (1..MOAT_IPC_TICKET_MAX
 * bytes; a longer one cannot be keyd's: the caller treats it as unknown
 * without asking). They share the signatures' request slots, queue, batching
 * and deadline, with the same contract as keyd_client_sign; a length out of
 * range → MOAT_ERR_INVALID_ARG. The state in a SEAL request is wiped from
 * the slot once the request is done with.
 */
MOAT_MUST_USE int keyd_client_ticket_seal(struct keyd_client *kc, const uint8_t *state, size_t len,
					  keyd_ticket_done_fn done, void *arg, uint32_t *id);
MOAT_MUST_USE int keyd_client_ticket_open(struct keyd_client *kc, const uint8_t *ticket, size_t len,
					  uint8_t flags, keyd_ticket_done_fn done, void *arg, uint32_t *id);
/* The requester lost interest: done will not run. An id that is not pending is ignored. */
void keyd_client_cancel(struct keyd_client *kc, uint32_t id);

#endif
