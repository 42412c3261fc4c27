/*
 * RSA decryption of a TLS 1.2 EncryptedPreMasterSecret, RFC 5246 §7.4.7.1,
 * with deterministic implicit rejection.
 *
 * The answer is always 48 bytes: the message if the RSAES-PKCS1-v1_5 block
 * is well formed and holds exactly 48 bytes, otherwise a synthetic 48-byte
 * value that depends only on the key and the ciphertext. Which of the two
 * is chosen in constant time.
 *
 * Why deterministic: answering a bad block with fresh random bytes is itself
 * an oracle. Asking twice tells a valid ciphertext (same answer) from an
 * invalid one (a different answer each time), which is all Bleichenbacher's
 * attack needs (and the Marvin attack's timing variant as well). The
 * synthetic answer is instead derived as current libraries do it (the
 * implicit-rejection design of draft-irtf-cfrg-rsa-guidance, which OpenSSL
 * 3.2 implements; Debian 12's OpenSSL 3.0 does not, so this is moat's own):
 *	kdk_key   = SHA-256(d, big-endian, k bytes)          once per key
 *	KDK       = HMAC-SHA-256(kdk_key, ciphertext)        per request
 *	synthetic = first 48 bytes of
 *	            HMAC-SHA-256(KDK, 0x0000 || label || 0x0180) ||
 *	            HMAC-SHA-256(KDK, 0x0001 || label || 0x0180)
 * with label "moat tls premaster" and 0x0180 = 384, the bit length. The same
 * ciphertext always gets the same answer, before and after a restart, valid
 * or not; nobody without d can tell a synthetic answer from a decryption.
 *
 * client_version is not an input: keyd's answer must not depend on it.
 * Whoever runs the TLS handshake does the version check of RFC 5246
 * §7.4.7.1, writing ClientHello.client_version over the premaster's first
 * two bytes so that a mismatch fails at Finished (tls/tls12_premaster.h);
 * keyd returns the 48 bytes either way (moat-ipc(7)).
 */
#ifndef MOAT_KEYD_CRYPTO_RSA_DECRYPT_H
#define MOAT_KEYD_CRYPTO_RSA_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define KEYD_PREMASTER_LEN 48

/* An rsaEncryption key ready for RSA_DECRYPT: the key (borrowed) and its derived kdk_key (locked memory). */
struct keyd_rsa_kex;

/*
 * Derive the key's implicit-rejection secret and prove the key decrypts
 * (a known premaster, encrypted with the public half, must come back; a
 * damaged copy must get the same synthetic answer twice). Also makes
 * libcrypto set up what it needs before the sandbox is on. evp_pkey is an
 * rsaEncryption EVP_PKEY of at most 4096 bits and must outlive *out.
 */
MOAT_MUST_USE int keyd_rsa_kex_new(struct keyd_rsa_kex **out, const void *evp_pkey);
/* Wipe and free; NULL is allowed. */
void keyd_rsa_kex_free(struct keyd_rsa_kex *rk);

/*
 * out gets the premaster or the synthetic value, never anything else. Fails
 * only when libcrypto fails outside the padding check (an allocation, the
 * HMAC): MOAT_ERR_CRYPTO, MOAT_ERR_ALLOC; never on the ciphertext's content
 * or length. out is wiped on failure.
 */
MOAT_MUST_USE int keyd_rsa_decrypt_premaster(const struct keyd_rsa_kex *rk, const uint8_t *ct, size_t ct_len,
					     uint8_t out[KEYD_PREMASTER_LEN]);

/*
 * The constant-time core, exposed for the test that runs it under valgrind
 * with the block marked undefined (tests/keyd/keyd_ct_check.sh): out =
 * the block's 48-byte message if em (k bytes, k >= 59) is a well-formed
 * PKCS#1 v1.5 type 2 block holding exactly 48 bytes, else synthetic. No
 * branch and no memory index depends on em's content.
 */
void keyd_rsa_select_premaster(const uint8_t *em, size_t k, const uint8_t synthetic[KEYD_PREMASTER_LEN],
			       uint8_t out[KEYD_PREMASTER_LEN]);

#endif
