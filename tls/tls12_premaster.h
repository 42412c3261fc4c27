/*
 * The TLS 1.2 RSA key exchange's premaster secret, from the 48 bytes the
 * decrypter answers, RFC 5246 §7.4.7.1.
 *
 * The decrypter (moat-keyd, through the async pkey DECRYPT operation)
 * always answers 48 bytes: the plaintext when the RSAES-PKCS1-v1_5 block is
 * well formed and holds 48 bytes, else a synthetic value that depends only
 * on its key and the ciphertext (implicit rejection). What is left for the
 * TLS layer is the version check of §7.4.7.1, which must not be an oracle
 * either: no alert, no timing and no branch may depend on the decrypted
 * bytes before Finished.
 *
 * Of the two constructions §7.4.7.1 gives, moat uses the first, which the
 * RFC recommends: pre_master_secret = ClientHello.client_version ||
 * M[2..47]. It writes the two version bytes over whatever was decrypted,
 * so it reads no secret byte at all; when the client put another version
 * there (a rollback attempt, or an old client that used the negotiated
 * version), the premaster differs from the client's and the handshake fails
 * at Finished like any bad ciphertext. The second construction (compare,
 * then substitute random bytes on a mismatch) needs a constant-time compare
 * and select for the same result. moat has no option to skip the check for
 * TLS 1.0 clients (the "explicitly disabled" branch of the RFC).
 */
#ifndef MOAT_TLS_TLS12_PREMASTER_H
#define MOAT_TLS_TLS12_PREMASTER_H

#include <stdint.h>

#define MOAT_TLS12_PREMASTER_LEN 48

/*
 * out = client_version (big-endian) || decrypted[2..47]. decrypted and out
 * may be the same buffer. The work is the same for every input.
 */
void moat_tls12_premaster_finish(const uint8_t decrypted[MOAT_TLS12_PREMASTER_LEN], uint16_t client_version,
				 uint8_t out[MOAT_TLS12_PREMASTER_LEN]);

#endif
