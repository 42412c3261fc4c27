/*
 * ML-KEM-768 (FIPS 203) through libcrypto's EVP interface, built instead of
 * moat's own implementation when configure finds a libcrypto that provides
 * ML-KEM (OpenSSL >= 3.5; see configure's --without-libcrypto-mlkem). It
 * keeps the contract of tls/crypto/mlkem.h byte for byte, so the same
 * known-answer tests run against either implementation.
 *
 * The interface is stateless (keys travel as their FIPS 203 encodings), so
 * each call turns bytes into an EVP_PKEY and back:
 *   - keygen: a keygen context given the 64-byte seed d || z (FIPS 203
 *     Alg. 16), then the encapsulation key and the expanded decapsulation key
 *     exported in one call straight into the caller's buffers;
 *   - encaps: the encapsulation key imported as a public key, and m handed
 *     over as the KEM's "ikme" parameter (Alg. 17), or drawn from the DRBG;
 *   - decaps: the decapsulation key imported as a private key (Alg. 18).
 *
 * The input checks of FIPS 203 §7.2 and §7.3 are done here, before
 * libcrypto sees the bytes, although libcrypto 3.5 makes the same checks on
 * import: its import fails the same way for a bad key, a failed allocation
 * or a missing algorithm, and the contract tells these apart (a bad peer
 * key is illegal_parameter, our own corrupt dk is a programming error, the
 * rest is a libcrypto failure). They are on public data and need not be
 * constant time.
 *
 * Costs of this path that the own implementation does not have: every
 * decapsulation re-parses dk (decoding s and t, expanding the matrix A), and
 * libcrypto runs its pairwise consistency test (one encapsulation and one
 * decapsulation) on every private key import unless its configuration sets
 * ml-kem.import_pct_type to none. The secret key material also lives for
 * the length of the call in libcrypto's memory rather than in
 * common/secmem; libcrypto wipes it when the key is freed.
 */
#include <stdbool.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "common/secmem.h"
#include "tls/crypto/mlkem.h"

#define MLKEM768_ALG "ML-KEM-768"
#define MLKEM768_K 3
/* FIPS 203 §2.4: the modulus q. */
#define MLKEM_Q 3329
/* The encoded t vector at the start of ek: k polynomials of 256 12-bit coefficients. */
#define MLKEM768_T_LEN (384 * MLKEM768_K)
/* dk = dk_PKE || ek || H(ek) || z (FIPS 203 Alg. 16, line 3). */
#define MLKEM768_DK_EK_OFF (384 * MLKEM768_K)
#define MLKEM768_DK_H_OFF (MLKEM768_DK_EK_OFF + MOAT_MLKEM768_EK_LEN)
#define MLKEM_M_LEN 32

_Static_assert(MOAT_MLKEM768_EK_LEN == MLKEM768_T_LEN + 32, "ek = ByteEncode12(t) || rho");
_Static_assert(MOAT_MLKEM768_DK_LEN == MLKEM768_DK_H_OFF + 32 + 32, "dk = dk_PKE || ek || H(ek) || z");

const char *moat_mlkem_implementation(void)
{
	return "libcrypto";
}

/*
 * FIPS 203 §7.2, "modulus check": ByteEncode12(ByteDecode12(t)) == t, that
 * is, every 12-bit coefficient of the encoded t is below q (ByteDecode12
 * reduces mod q, so any coefficient >= q would not re-encode to itself).
 */
static bool ek_modulus_ok(const uint8_t ek[MOAT_MLKEM768_EK_LEN])
{
	for (size_t i = 0; i < MLKEM768_T_LEN; i += 3) {
		unsigned c0 = (unsigned)ek[i] | ((unsigned)(ek[i + 1] & 0x0f) << 8);
		unsigned c1 = ((unsigned)ek[i + 1] >> 4) | ((unsigned)ek[i + 2] << 4);
		if (c0 >= MLKEM_Q || c1 >= MLKEM_Q)
			return false;
	}
	return true;
}

/* FIPS 203 §7.3, "hash check": H(dk[384k : 768k+32]) == dk[768k+32 : 768k+64]. */
static int dk_hash_check(const uint8_t dk[MOAT_MLKEM768_DK_LEN])
{
	uint8_t h[32];
	unsigned int h_len = 0;

	TRY_OSSL(EVP_Digest(dk + MLKEM768_DK_EK_OFF, MOAT_MLKEM768_EK_LEN, h, &h_len, EVP_sha3_256(), NULL),
		 MOAT_ERR_CRYPTO);
	ENSURE(h_len == sizeof(h), MOAT_ERR_CRYPTO);
	ENSURE(CRYPTO_memcmp(h, dk + MLKEM768_DK_H_OFF, sizeof(h)) == 0, MOAT_ERR_INVALID_ARG);
	return MOAT_SUCCESS;
}

static int keygen_with(EVP_PKEY_CTX **ctx, EVP_PKEY **key, uint8_t ek[MOAT_MLKEM768_EK_LEN],
		       uint8_t dk[MOAT_MLKEM768_DK_LEN], const uint8_t seed[MOAT_MLKEM_SEED_LEN])
{
	*ctx = EVP_PKEY_CTX_new_from_name(NULL, MLKEM768_ALG, NULL);
	ENSURE(*ctx != NULL, MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_PKEY_keygen_init(*ctx), MOAT_ERR_CRYPTO);
	/* libcrypto copies the seed into its generation context and wipes it after use. */
	const OSSL_PARAM gen_params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ML_KEM_SEED, (void *)seed, MOAT_MLKEM_SEED_LEN),
		OSSL_PARAM_construct_end(),
	};
	TRY_OSSL(EVP_PKEY_CTX_set_params(*ctx, gen_params), MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_PKEY_generate(*ctx, key), MOAT_ERR_CRYPTO);

	OSSL_PARAM out[] = {
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, ek, MOAT_MLKEM768_EK_LEN),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, dk, MOAT_MLKEM768_DK_LEN),
		OSSL_PARAM_construct_end(),
	};
	TRY_OSSL(EVP_PKEY_get_params(*key, out), MOAT_ERR_CRYPTO);
	ENSURE(OSSL_PARAM_modified(&out[0]) && out[0].return_size == MOAT_MLKEM768_EK_LEN, MOAT_ERR_CRYPTO);
	ENSURE(OSSL_PARAM_modified(&out[1]) && out[1].return_size == MOAT_MLKEM768_DK_LEN, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_mlkem768_keygen_seed(uint8_t ek[MOAT_MLKEM768_EK_LEN], uint8_t dk[MOAT_MLKEM768_DK_LEN],
			      const uint8_t seed[MOAT_MLKEM_SEED_LEN])
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	ENSURE_REF(ek);
	ENSURE_REF(dk);
	ENSURE_REF(seed);
	int rc = keygen_with(&ctx, &key, ek, dk, seed);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	if (rc != MOAT_SUCCESS) {
		/* A half-written dk must not outlive the failure. */
		moat_wipe(dk, MOAT_MLKEM768_DK_LEN);
		ERR_clear_error();
	}
	return rc;
}

int moat_mlkem768_keygen(uint8_t ek[MOAT_MLKEM768_EK_LEN], uint8_t dk[MOAT_MLKEM768_DK_LEN])
{
	uint8_t seed[MOAT_MLKEM_SEED_LEN];

	ENSURE_REF(ek);
	ENSURE_REF(dk);
	/* FIPS 203 Alg. 19: d and z from the DRBG (the private one: they are the key). */
	if (RAND_priv_bytes(seed, sizeof(seed)) != 1) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	int rc = moat_mlkem768_keygen_seed(ek, dk, seed);
	moat_wipe(seed, sizeof(seed));
	return rc;
}

/*
 * Import bytes as an ML-KEM-768 key: ek as a public key, or dk as a key
 * pair. Our own checks have passed by then, so libcrypto refusing the bytes
 * themselves is the caller's "refused" error; a missing algorithm or a
 * failed allocation stays MOAT_ERR_CRYPTO.
 */
static int import_key(EVP_PKEY **key, int selection, const char *param, const uint8_t *bytes, size_t len,
		      int refused)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, MLKEM768_ALG, NULL);
	ENSURE(ctx != NULL, MOAT_ERR_CRYPTO);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(param, (void *)bytes, len),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_PKEY_fromdata_init(ctx) != 1) {
		EVP_PKEY_CTX_free(ctx);
		BAIL(MOAT_ERR_CRYPTO);
	}
	int ok = EVP_PKEY_fromdata(ctx, key, selection, params) == 1;
	EVP_PKEY_CTX_free(ctx);
	ENSURE(ok, refused);
	return MOAT_SUCCESS;
}

static int encaps_with(EVP_PKEY **key, EVP_PKEY_CTX **ctx, uint8_t ct[MOAT_MLKEM768_CT_LEN],
		       uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ek, const uint8_t m[MLKEM_M_LEN])
{
	size_t ct_len = MOAT_MLKEM768_CT_LEN;
	size_t ss_len = MOAT_MLKEM_SS_LEN;

	TRY(import_key(key, EVP_PKEY_PUBLIC_KEY, OSSL_PKEY_PARAM_PUB_KEY, ek, MOAT_MLKEM768_EK_LEN,
		       MOAT_ERR_ILLEGAL_PARAMETER));
	*ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *key, NULL);
	ENSURE(*ctx != NULL, MOAT_ERR_CRYPTO);
	/* Alg. 17 with the caller's m; libcrypto wipes its copy after the one encapsulation. */
	const OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KEM_PARAM_IKME, (void *)m, MLKEM_M_LEN),
		OSSL_PARAM_construct_end(),
	};
	TRY_OSSL(EVP_PKEY_encapsulate_init(*ctx, params), MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_PKEY_encapsulate(*ctx, ct, &ct_len, ss, &ss_len), MOAT_ERR_CRYPTO);
	ENSURE(ct_len == MOAT_MLKEM768_CT_LEN && ss_len == MOAT_MLKEM_SS_LEN, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_mlkem768_encaps_m(uint8_t ct[MOAT_MLKEM768_CT_LEN], uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ek,
			   size_t ek_len, const uint8_t m[MLKEM_M_LEN])
{
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = NULL;

	ENSURE_REF(ct);
	ENSURE_REF(ss);
	ENSURE_REF(ek);
	ENSURE_REF(m);
	/* FIPS 203 §7.2: the type check (length) and the modulus check. */
	ENSURE(ek_len == MOAT_MLKEM768_EK_LEN, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(ek_modulus_ok(ek), MOAT_ERR_ILLEGAL_PARAMETER);

	int rc = encaps_with(&key, &ctx, ct, ss, ek, m);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	if (rc != MOAT_SUCCESS) {
		moat_wipe(ss, MOAT_MLKEM_SS_LEN);
		ERR_clear_error();
	}
	return rc;
}

int moat_mlkem768_encaps(uint8_t ct[MOAT_MLKEM768_CT_LEN], uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ek,
			 size_t ek_len)
{
	uint8_t m[MLKEM_M_LEN];

	/* FIPS 203 Alg. 20: m from the DRBG; it determines ss, so the private one. */
	if (RAND_priv_bytes(m, sizeof(m)) != 1) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	int rc = moat_mlkem768_encaps_m(ct, ss, ek, ek_len, m);
	moat_wipe(m, sizeof(m));
	return rc;
}

static int decaps_with(EVP_PKEY **key, EVP_PKEY_CTX **ctx, uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ct,
		       const uint8_t dk[MOAT_MLKEM768_DK_LEN])
{
	size_t ss_len = MOAT_MLKEM_SS_LEN;

	/* FIPS 203 §7.3: the hash check on our own dk. */
	TRY(dk_hash_check(dk));
	/*
	 * libcrypto refusing a dk that passed the hash check means one corrupt
	 * where H(ek) does not look (a coefficient of s out of range): still
	 * our own key, a programming error, as the contract has it.
	 */
	TRY(import_key(key, EVP_PKEY_KEYPAIR, OSSL_PKEY_PARAM_PRIV_KEY, dk, MOAT_MLKEM768_DK_LEN,
		       MOAT_ERR_INVALID_ARG));
	*ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *key, NULL);
	ENSURE(*ctx != NULL, MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_PKEY_decapsulate_init(*ctx, NULL), MOAT_ERR_CRYPTO);
	/* Alg. 18: a ciphertext that fails the re-encryption yields K-bar, with success. */
	TRY_OSSL(EVP_PKEY_decapsulate(*ctx, ss, &ss_len, ct, MOAT_MLKEM768_CT_LEN), MOAT_ERR_CRYPTO);
	ENSURE(ss_len == MOAT_MLKEM_SS_LEN, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_mlkem768_decaps(uint8_t ss[MOAT_MLKEM_SS_LEN], const uint8_t *ct, size_t ct_len,
			 const uint8_t dk[MOAT_MLKEM768_DK_LEN])
{
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = NULL;

	ENSURE_REF(ss);
	ENSURE_REF(ct);
	ENSURE_REF(dk);
	/* FIPS 203 §7.3: the ciphertext type check. */
	ENSURE(ct_len == MOAT_MLKEM768_CT_LEN, MOAT_ERR_ILLEGAL_PARAMETER);

	int rc = decaps_with(&key, &ctx, ss, ct, dk);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	if (rc != MOAT_SUCCESS) {
		moat_wipe(ss, MOAT_MLKEM_SS_LEN);
		ERR_clear_error();
	}
	return rc;
}
