/*
 * ML-KEM-768, the module-lattice key encapsulation of FIPS 203, for the
 * post-quantum half of the hybrid TLS groups.
 *
 * The byte strings are FIPS 203's: ek is the 1184-byte encapsulation key,
 * dk the 2400-byte expanded decapsulation key (dk_PKE || ek || H(ek) || z,
 * FIPS 203 Alg. 16), ct the 1088-byte ciphertext, the shared secret 32
 * bytes. dk is a secret: callers keep it in common/secmem. Every temporary
 * derived from a secret is wiped before these functions return.
 *
 * Inputs from a peer (ek for encapsulation, ct for decapsulation) are
 * checked as FIPS 203 §7.2 and §7.3 require before use; a failed check is
 * MOAT_ERR_ILLEGAL_PARAMETER, the alert RFC 8446 §4.2.8 asks for on a bad
 * key share. A ciphertext of the right length that does not decrypt is not
 * an error: decapsulation then returns the implicit-rejection secret
 * (FIPS 203 Alg. 18), which the peer cannot tell from a real one.
 */
#ifndef MOAT_TLS_CRYPTO_MLKEM_H
#define MOAT_TLS_CRYPTO_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define MOAT_MLKEM768_EK_LEN 1184 /* encapsulation key */
#define MOAT_MLKEM768_DK_LEN 2400 /* decapsulation key (FIPS 203 expanded form) */
#define MOAT_MLKEM768_CT_LEN 1088 /* ciphertext */
#define MOAT_MLKEM_SS_LEN 32      /* shared secret */
#define MOAT_MLKEM_SEED_LEN 64    /* d || z */

/*
 * FIPS 203 Alg. 16 ML-KEM.KeyGen_internal(d, z), seed = d || z. dk goes to
 * the caller's memory (callers keep it in common/secmem); temporaries are
 * wiped.
 */
MOAT_MUST_USE int moat_mlkem768_keygen_seed(uint8_t ek[MOAT_MLKEM768_EK_LEN], uint8_t dk[MOAT_MLKEM768_DK_LEN],
					    const uint8_t seed[MOAT_MLKEM_SEED_LEN]);
/* FIPS 203 Alg. 19: the seed from the DRBG (RAND_priv_bytes), wiped after. */
MOAT_MUST_USE int moat_mlkem768_keygen(uint8_t ek[MOAT_MLKEM768_EK_LEN], uint8_t dk[MOAT_MLKEM768_DK_LEN]);

/*
 * FIPS 203 §7.2 input check (ek_len == 1184, modulus check) →
 * MOAT_ERR_ILLEGAL_PARAMETER, then Alg. 17 ML-KEM.Encaps_internal(ek, m).
 */
MOAT_MUST_USE int moat_mlkem768_encaps_m(uint8_t ct[MOAT_MLKEM768_CT_LEN], uint8_t ss[MOAT_MLKEM_SS_LEN],
					 const uint8_t *ek, size_t ek_len, const uint8_t m[32]);
/* FIPS 203 Alg. 20: m from the DRBG. */
MOAT_MUST_USE int moat_mlkem768_encaps(uint8_t ct[MOAT_MLKEM768_CT_LEN], uint8_t ss[MOAT_MLKEM_SS_LEN],
				       const uint8_t *ek, size_t ek_len);

/*
 * FIPS 203 §7.3 input checks: ct_len == 1088 else MOAT_ERR_ILLEGAL_PARAMETER;
 * the dk hash check (H(ek) stored in dk) else MOAT_ERR_INVALID_ARG (dk is
 * ours, so a mismatch is a programming error); then Alg. 18 with implicit
 * rejection (a wrong ct yields the pseudo-random K̄ and MOAT_SUCCESS).
 */
MOAT_MUST_USE int moat_mlkem768_decaps(uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ct, size_t ct_len,
				       const uint8_t dk[MOAT_MLKEM768_DK_LEN]);

/* "moat" (own implementation) or "libcrypto" (OpenSSL >= 3.5 EVP, chosen by configure). */
const char *moat_mlkem_implementation(void);

#endif
