/*
 * ML-KEM-768 (FIPS 203 §6 and §7): key generation, encapsulation and
 * decapsulation with the input checks of §7.2 and §7.3.
 *
 * Why decapsulation is shaped like this: it must not tell anyone whether
 * the ciphertext was valid. A peer that learns it (from an error, a
 * shorter path, or the time taken) gets a decryption oracle, the attack
 * the Fujisaki-Okamoto transform closes. So Alg. 18 always re-encrypts the
 * decrypted message and always computes the rejection key K̄ = J(z || c);
 * the comparison of c with the re-encryption is a mask accumulated over
 * all 1088 bytes (no early exit), and that mask selects K' or K̄ byte by
 * byte (tls/crypto/ct_mask.h). The only errors are the length of c and the
 * hash check of our own key, both independent of any secret.
 *
 * What is public by design, and declassified for the constant-time probe
 * where it becomes public: ek (published by key generation, and the copy
 * inside dk with its hash), and the ciphertext encapsulation produces.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/secmem.h"
#include "tls/crypto/ct_mask.h"
#include "tls/crypto/mlkem.h"
#include "tls/crypto/mlkem_internal.h"

_Static_assert(MOAT_MLKEM768_EK_LEN == MLKEM_EK_BYTES, "ek length");
_Static_assert(MOAT_MLKEM768_DK_LEN == MLKEM_DK_BYTES, "dk length");
_Static_assert(MOAT_MLKEM768_CT_LEN == MLKEM_CT_BYTES, "ct length");

/* Where the parts of dk = dk_PKE || ek || H(ek) || z start (Alg. 16 step 3). */
#define DK_EK_OFF MLKEM_POLYVEC_BYTES
#define DK_H_OFF (DK_EK_OFF + MLKEM_EK_BYTES)
#define DK_Z_OFF (DK_H_OFF + 32)

const char *moat_mlkem_implementation(void)
{
	return "moat";
}

int moat_mlkem768_keygen_seed(uint8_t ek[MOAT_MLKEM768_EK_LEN], uint8_t dk[MOAT_MLKEM768_DK_LEN],
			      const uint8_t seed[MOAT_MLKEM_SEED_LEN])
{
	ENSURE_REF(ek);
	ENSURE_REF(dk);
	ENSURE_REF(seed);
	/* Alg. 16: dk = dk_PKE || ek || H(ek) || z, with (ek, dk_PKE) = K-PKE.KeyGen(d). */
	if (mlkem_kpke_keygen(ek, dk, seed) < 0)
		goto fail;
	/* ek is what we publish. */
	MLKEM_DECLASSIFY(ek, MLKEM_EK_BYTES);
	if (mlkem_hash_h(dk + DK_H_OFF, ek, MLKEM_EK_BYTES) < 0)
		goto fail;
	memcpy(dk + DK_EK_OFF, ek, MLKEM_EK_BYTES);
	memcpy(dk + DK_Z_OFF, seed + 32, 32);
	return MOAT_SUCCESS;
fail:
	moat_wipe(dk, MOAT_MLKEM768_DK_LEN);
	return MOAT_FAILURE;
}

int moat_mlkem768_keygen(uint8_t ek[MOAT_MLKEM768_EK_LEN], uint8_t dk[MOAT_MLKEM768_DK_LEN])
{
	uint8_t seed[MOAT_MLKEM_SEED_LEN];
	ENSURE(RAND_priv_bytes(seed, sizeof(seed)) == 1, MOAT_ERR_CRYPTO);
	int rc = moat_mlkem768_keygen_seed(ek, dk, seed);
	moat_wipe(seed, sizeof(seed));
	return rc;
}

/* FIPS 203 §7.2: the type check (length) and the modulus check. */
static int check_ek(const uint8_t *ek, size_t ek_len)
{
	mlkem_poly t;
	ENSURE(ek_len == MLKEM_EK_BYTES, MOAT_ERR_ILLEGAL_PARAMETER);
	for (size_t i = 0; i < MLKEM_K; i++)
		ENSURE(mlkem_decode12_checked(&t, ek + i * MLKEM_POLY_BYTES), MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_mlkem768_encaps_m(uint8_t ct[MOAT_MLKEM768_CT_LEN], uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ek,
			   size_t ek_len, const uint8_t m[32])
{
	uint8_t h[32], kr[64]; /* K || r */
	ENSURE_REF(ct);
	ENSURE_REF(ss);
	ENSURE_REF(ek);
	ENSURE_REF(m);
	TRY(check_ek(ek, ek_len));
	/* Alg. 17: (K, r) = G(m || H(ek)), c = K-PKE.Encrypt(ek, m, r). */
	int rc = MOAT_FAILURE;
	if (mlkem_hash_h(h, ek, MLKEM_EK_BYTES) < 0 || mlkem_hash_g(kr, m, 32, h, 32) < 0 ||
	    mlkem_kpke_encrypt(ct, ek, m, kr + 32) < 0)
		goto out;
	MLKEM_DECLASSIFY(ct, MLKEM_CT_BYTES);
	memcpy(ss, kr, MOAT_MLKEM_SS_LEN);
	rc = MOAT_SUCCESS;
out:
	moat_wipe(kr, sizeof(kr));
	return rc;
}

int moat_mlkem768_encaps(uint8_t ct[MOAT_MLKEM768_CT_LEN], uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ek,
			 size_t ek_len)
{
	uint8_t m[32];
	ENSURE(RAND_priv_bytes(m, sizeof(m)) == 1, MOAT_ERR_CRYPTO);
	int rc = moat_mlkem768_encaps_m(ct, ss, ek, ek_len, m);
	moat_wipe(m, sizeof(m));
	return rc;
}

int moat_mlkem768_decaps(uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ct, size_t ct_len,
			 const uint8_t dk[MOAT_MLKEM768_DK_LEN])
{
	uint8_t h[32], m[32], kr[64], kbar[32], c2[MLKEM_CT_BYTES];
	ENSURE_REF(ss);
	ENSURE_REF(ct);
	ENSURE_REF(dk);
	/* §7.3 ciphertext type check: the length is fixed for ML-KEM-768. */
	ENSURE(ct_len == MLKEM_CT_BYTES, MOAT_ERR_ILLEGAL_PARAMETER);
	/* The ek inside dk and its hash are public: the peer was sent them. */
	MLKEM_DECLASSIFY(dk + DK_EK_OFF, MLKEM_EK_BYTES + 32);
	/* §7.3 hash check: H(ek) as stored. A mismatch means dk was corrupted on our side. */
	TRY(mlkem_hash_h(h, dk + DK_EK_OFF, MLKEM_EK_BYTES));
	ENSURE(CRYPTO_memcmp(h, dk + DK_H_OFF, 32) == 0, MOAT_ERR_INVALID_ARG);

	/* Alg. 18: m' = Decrypt(dk_PKE, c); (K', r') = G(m' || h); K̄ = J(z || c); c' = Encrypt(ek, m', r'). */
	int rc = MOAT_FAILURE;
	mlkem_kpke_decrypt(m, dk, ct);
	if (mlkem_hash_g(kr, m, 32, dk + DK_H_OFF, 32) < 0 || mlkem_hash_j(kbar, dk + DK_Z_OFF, ct, ct_len) < 0 ||
	    mlkem_kpke_encrypt(c2, dk + DK_EK_OFF, m, kr + 32) < 0)
		goto out;
	size_t diff = 0;
	for (size_t i = 0; i < MLKEM_CT_BYTES; i++)
		diff |= (size_t)(ct[i] ^ c2[i]);
	size_t same = moat_ct_is_zero(diff);
	for (size_t i = 0; i < MOAT_MLKEM_SS_LEN; i++)
		ss[i] = (uint8_t)moat_ct_select(same, kr[i], kbar[i]);
	rc = MOAT_SUCCESS;
out:
	moat_wipe(m, sizeof(m));
	moat_wipe(kr, sizeof(kr));
	moat_wipe(kbar, sizeof(kbar));
	moat_wipe(c2, sizeof(c2));
	return rc;
}
