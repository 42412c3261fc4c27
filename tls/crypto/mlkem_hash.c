/*
 * The hash functions of FIPS 203 §4.1 on libcrypto's SHA-3:
 * H = SHA3-256, G = SHA3-512, J = SHAKE256 with 32 bytes out,
 * PRF_eta(s, b) = SHAKE256(s || b) with 64·eta bytes out, and the
 * SHAKE128 XOF of SampleNTT.
 *
 * The four EVP_MDs are fetched once per process (pthread_once), as
 * tls/crypto/hash.c does for the other digests: an implicit fetch per call
 * would take libcrypto's method-store lock some twenty times per
 * encapsulation. A failed fetch leaves the slot NULL and each use fails
 * with MOAT_ERR_CRYPTO.
 */
#include <pthread.h>

#include <openssl/evp.h>

#include "tls/crypto/mlkem_internal.h"

enum { MD_SHA3_256, MD_SHA3_512, MD_SHAKE128, MD_SHAKE256, MD_SLOTS };

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *mds[MD_SLOTS];

static void fetch_all(void)
{
	static const char *const names[MD_SLOTS] = { "SHA3-256", "SHA3-512", "SHAKE128", "SHAKE256" };
	for (size_t i = 0; i < MD_SLOTS; i++)
		mds[i] = EVP_MD_fetch(NULL, names[i], NULL);
}

/*
 * md(a || b), outlen bytes: the fixed digest length for SHA3, any length
 * for SHAKE (one EVP_DigestFinalXOF: OpenSSL 3.0 cannot squeeze twice).
 */
static int hash2(int slot, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out,
		 size_t outlen, bool xof)
{
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_CRYPTO);
	ENSURE(mds[slot] != NULL, MOAT_ERR_CRYPTO);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_CRYPTO);
	int ok = EVP_DigestInit_ex(ctx, mds[slot], NULL) == 1 && EVP_DigestUpdate(ctx, a, alen) == 1 &&
		 (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
		 (xof ? EVP_DigestFinalXOF(ctx, out, outlen) == 1 : EVP_DigestFinal_ex(ctx, out, NULL) == 1);
	/* Freeing the context cleanses the Keccak state, which held secret input. */
	EVP_MD_CTX_free(ctx);
	ENSURE(ok, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int mlkem_hash_h(uint8_t out[32], const uint8_t *in, size_t len)
{
	return hash2(MD_SHA3_256, in, len, NULL, 0, out, 32, false);
}

int mlkem_hash_g(uint8_t out[64], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return hash2(MD_SHA3_512, a, alen, b, blen, out, 64, false);
}

int mlkem_hash_j(uint8_t out[32], const uint8_t z[32], const uint8_t *c, size_t clen)
{
	return hash2(MD_SHAKE256, z, 32, c, clen, out, 32, true);
}

int mlkem_prf(uint8_t *out, size_t outlen, const uint8_t s[32], uint8_t b)
{
	return hash2(MD_SHAKE256, s, 32, &b, 1, out, outlen, true);
}

int mlkem_xof(uint8_t *out, size_t outlen, const uint8_t in[34])
{
	return hash2(MD_SHAKE128, in, 34, NULL, 0, out, outlen, true);
}
