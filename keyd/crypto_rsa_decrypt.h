/*
 * RSA decryption of a TLS 1.2 EncryptedPreMasterSecret, RFC 5246 §7.4.7.1,
 * without a padding oracle.
 *
 * The answer is always 48 bytes: the premaster secret if the RSAES-PKCS1-v1_5
 * padding is right, the message is exactly 48 bytes and its first two bytes
 * are ClientHello.client_version; otherwise 48 random bytes generated before
 * decrypting. Which of the two is chosen in constant time, so neither the
 * reply nor its timing says whether the padding was right (Bleichenbacher,
 * Klima et al. [KPR03]). This is the "alternative approach" of RFC 5246
 * §7.4.7.1 that moat-ipc(7) specifies: a version mismatch is treated like a
 * padding error and randomises the whole secret.
 */
#ifndef MOAT_KEYD_CRYPTO_RSA_DECRYPT_H
#define MOAT_KEYD_CRYPTO_RSA_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define KEYD_PREMASTER_LEN 48

/*
 * evp_pkey is an rsaEncryption EVP_PKEY of at most 4096 bits. Fails only
 * when the random number generator or libcrypto itself fails (never on the
 * ciphertext's content): MOAT_ERR_RANDOM, MOAT_ERR_CRYPTO, MOAT_ERR_INVALID_ARG
 * for a key that is not RSA. out is wiped on failure.
 */
MOAT_MUST_USE int keyd_rsa_decrypt_premaster(const void *evp_pkey, uint16_t client_version, const uint8_t *ct,
					     size_t ct_len, uint8_t out[KEYD_PREMASTER_LEN]);

/*
 * Encrypt a known premaster with the public half and decrypt it: proves the
 * key decrypts, and makes libcrypto set up what it needs (blinding, method
 * caches) before the sandbox is on.
 */
MOAT_MUST_USE int keyd_rsa_decrypt_self_test(const void *evp_pkey);

#endif
