/*
 * Hashes and HMAC over libcrypto, behind types that keep the OpenSSL headers out of
 * every other file.
 *
 * The running hash exists for the handshake transcript: RFC 8446 §4.4.1 needs
 * Transcript-Hash(ClientHello..X) at several points while the transcript keeps
 * growing, so moat_hash_current finalises a copy and leaves the original
 * running. Digests are fetched once per process, not per call.
 *
 * HMAC comes in a one-shot form and a keyed context that can be re-armed with
 * the same key, which is what HKDF-Expand (RFC 5869 §2.3) and the TLS 1.2 PRF
 * (RFC 5246 §5) iterate over, or given a new key: the TLS 1.3 key schedule
 * runs a whole stage (Extract, then several Expand-Labels) on one context,
 * because setting up a libcrypto HMAC context costs more than the HMAC of a
 * short message.
 */
#ifndef MOAT_TLS_CRYPTO_HASH_H
#define MOAT_TLS_CRYPTO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/iana.h"

typedef enum {
	MOAT_HASH_NONE = 0,
	MOAT_HASH_SHA256 = 1,
	MOAT_HASH_SHA384 = 2,
	MOAT_HASH_SHA512 = 3,
	MOAT_HASH_SHA1 = 4,
	/*
	 * MD5 || SHA-1, 36 bytes: the TLS 1.0/1.1 handshake hash, for Finished
	 * (RFC 2246 §7.4.9) and the session hash (RFC 7627 §3). Not for
	 * signatures or HMAC.
	 */
	MOAT_HASH_MD5_SHA1 = 5,
} moat_hash_alg;

/* Largest digest any moat_hash_alg produces (SHA-512); MOAT_MAX_HASH_LEN (48) covers the TLS 1.3 suites. */
#define MOAT_HASH_MAX_DIGEST_LEN 64

/* Digest length in bytes; 0 for NONE/unknown. */
size_t moat_hash_len(moat_hash_alg alg);

/*
 * Fetch every digest and HMAC now rather than on first use, e.g. before a
 * process sandboxes itself. Fails with MOAT_ERR_CRYPTO if any is unavailable.
 */
MOAT_MUST_USE int moat_hash_preload(void);

/* ctx is an EVP_MD_CTX. A zeroed struct is "not initialised". */
struct moat_hash {
	void *ctx;
	moat_hash_alg alg;
};

/*
 * Start a running hash. h need not be initialised; its old contents are
 * overwritten, so free an initialised one first.
 */
MOAT_MUST_USE int moat_hash_init(struct moat_hash *h, moat_hash_alg alg);
MOAT_MUST_USE int moat_hash_update(struct moat_hash *h, const void *data, size_t len);
/* Digest of everything so far without ending the running hash (transcript hashes). */
MOAT_MUST_USE int moat_hash_current(const struct moat_hash *h, uint8_t *out);
/* dst becomes an independent copy of src; dst's old contents are overwritten, as in init. */
MOAT_MUST_USE int moat_hash_copy(struct moat_hash *dst, const struct moat_hash *src);
/* Safe on a zeroed struct and twice. */
void moat_hash_free(struct moat_hash *h);

MOAT_MUST_USE int moat_hash_oneshot(moat_hash_alg alg, const void *data, size_t len, uint8_t *out);
/* out receives moat_hash_len(alg) bytes. An empty key is allowed (RFC 2104 pads keys with zeros). */
MOAT_MUST_USE int moat_hmac(moat_hash_alg alg, const uint8_t *key, size_t key_len,
			    const void *data, size_t len, uint8_t *out);

/*
 * A keyed HMAC that can be finished and started again with the same key, or
 * re-keyed. ctx is an EVP_MAC_CTX; finished is set between a final and the
 * next message, whose first update or final re-arms ctx (so a context freed
 * right after its last final never pays for a re-arm).
 */
struct moat_hmac_ctx {
	void *ctx;
	moat_hash_alg alg;
	bool finished;
};

/* Like moat_hash_init, m need not be initialised. */
MOAT_MUST_USE int moat_hmac_init(struct moat_hmac_ctx *m, moat_hash_alg alg, const uint8_t *key, size_t key_len);
/* Replace the key of an initialised m (same digest) and start a new message; an empty key is allowed. */
MOAT_MUST_USE int moat_hmac_rekey(struct moat_hmac_ctx *m, const uint8_t *key, size_t key_len);
MOAT_MUST_USE int moat_hmac_update(struct moat_hmac_ctx *m, const void *data, size_t len);
/* Write the MAC (moat_hash_len bytes); the next message on m uses the same key. */
MOAT_MUST_USE int moat_hmac_final(struct moat_hmac_ctx *m, uint8_t *out);
/* Frees the keyed state (libcrypto wipes it); safe on a zeroed struct and twice. */
void moat_hmac_free(struct moat_hmac_ctx *m);

#endif
