/*
 * The TLS 1.0 - 1.2 PRF (why on two implementations: see prf.h). TLS 1.2's
 * P_hash runs on one keyed moat_hmac context per derivation, re-armed for
 * each HMAC (RFC 5246 §5). TLS 1.0/1.1's runs on EVP_KDF "TLS1-PRF", fetched
 * once per process; each derivation gets a fresh context, given the digest,
 * the secret and the seed in pieces (the KDF concatenates repeated seed
 * parameters), and freed, which wipes its copy of the secret.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "common/secmem.h"
#include "tls/crypto/hash.h"
#include "tls/crypto/prf.h"

/* Protocol versions, spelled here because the crypto layer does not include tls/iana.h. */
#define PRF_TLS10 0x0301
#define PRF_TLS12 0x0303

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_KDF *tls1_prf;

static void fetch_kdf(void)
{
	tls1_prf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
}

/* libcrypto's digest name for the PRF of version: RFC 5246 §5 for 1.2, RFC 2246 §5 before. */
static const char *digest_name(uint16_t version, moat_hash_alg hash)
{
	if (version < PRF_TLS12)
		return "MD5-SHA1";
	switch (hash) {
	case MOAT_HASH_SHA256:
		return "SHA256";
	case MOAT_HASH_SHA384:
		return "SHA384";
	default:
		return NULL;
	}
}

/* Up to four seed pieces after the label; libcrypto concatenates them. */
struct seed_piece {
	const uint8_t *p;
	size_t len;
};

/* HMAC(secret, a || label || pieces) into mac, on m (keyed with the secret); a may be empty. */
static MOAT_MUST_USE int hmac_seeded(struct moat_hmac_ctx *m, const uint8_t *a, size_t a_len, const char *label,
				     size_t label_len, const struct seed_piece *pieces, size_t n_pieces, uint8_t *mac)
{
	TRY(moat_hmac_update(m, a, a_len));
	TRY(moat_hmac_update(m, label, label_len));
	for (size_t i = 0; i < n_pieces; i++)
		TRY(moat_hmac_update(m, pieces[i].p, pieces[i].len));
	TRY(moat_hmac_final(m, mac));
	return MOAT_SUCCESS;
}

/*
 * RFC 5246 §5: P_hash(secret, seed) = HMAC(secret, A(1) + seed) ||
 * HMAC(secret, A(2) + seed) || ..., A(0) = seed, A(i) = HMAC(secret,
 * A(i-1)), with seed = label || pieces. One context keyed once; A(i) and the
 * last block are secret-derived and wiped.
 */
static MOAT_MUST_USE int p_hash_blocks(struct moat_hmac_ctx *m, size_t h, const char *label,
				       const struct seed_piece *pieces, size_t n_pieces, uint8_t *out, size_t out_len,
				       uint8_t *a, uint8_t *blk)
{
	size_t label_len = strlen(label);
	TRY(hmac_seeded(m, NULL, 0, label, label_len, pieces, n_pieces, a)); /* A(1) */
	for (size_t done = 0; done < out_len;) {
		TRY(hmac_seeded(m, a, h, label, label_len, pieces, n_pieces, blk));
		size_t n = out_len - done < h ? out_len - done : h;
		memcpy(out + done, blk, n);
		done += n;
		if (done < out_len)
			TRY(hmac_seeded(m, a, h, "", 0, NULL, 0, a)); /* A(i+1) */
	}
	return MOAT_SUCCESS;
}

static int p_hash(moat_hash_alg hash, const uint8_t *secret, size_t secret_len, const char *label,
		  const struct seed_piece *pieces, size_t n_pieces, uint8_t *out, size_t out_len)
{
	struct moat_hmac_ctx m;
	uint8_t a[MOAT_HASH_MAX_DIGEST_LEN], blk[MOAT_HASH_MAX_DIGEST_LEN];
	static const uint8_t empty[1];

	TRY(moat_hmac_init(&m, hash, secret_len != 0 ? secret : empty, secret_len));
	int rc = p_hash_blocks(&m, moat_hash_len(hash), label, pieces, n_pieces, out, out_len, a, blk);
	moat_hmac_free(&m);
	moat_wipe(a, sizeof(a));
	moat_wipe(blk, sizeof(blk));
	if (rc != MOAT_SUCCESS)
		moat_wipe(out, out_len);
	return rc;
}

static int prf_pieces(uint16_t version, moat_hash_alg hash, const uint8_t *secret, size_t secret_len,
		      const char *label, const struct seed_piece *pieces, size_t n_pieces, uint8_t *out, size_t out_len)
{
	ENSURE_REF(label);
	ENSURE_REF(out);
	ENSURE(secret != NULL || secret_len == 0, MOAT_ERR_NULL_ARG);
	ENSURE(version >= PRF_TLS10 && version <= PRF_TLS12, MOAT_ERR_INVALID_ARG);
	ENSURE(out_len > 0 && n_pieces <= 4, MOAT_ERR_INVALID_ARG);
	const char *md = digest_name(version, hash);
	ENSURE(md != NULL, MOAT_ERR_INVALID_ARG);
	for (size_t i = 0; i < n_pieces; i++)
		ENSURE(pieces[i].p != NULL || pieces[i].len == 0, MOAT_ERR_NULL_ARG);
	if (version == PRF_TLS12)
		return p_hash(hash, secret, secret_len, label, pieces, n_pieces, out, out_len);
	ENSURE(pthread_once(&fetch_once, fetch_kdf) == 0, MOAT_ERR_INTERNAL);
	ENSURE(tls1_prf != NULL, MOAT_ERR_NOT_SUPPORTED);

	/* An empty octet string parameter still needs a non-NULL pointer. */
	static const uint8_t empty[1];
	OSSL_PARAM params[8];
	size_t n = 0;
	/* The casts drop const from buffers libcrypto only reads. */
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t)md, 0);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
							(void *)(uintptr_t)(secret_len ? secret : empty), secret_len);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)(uintptr_t)label, strlen(label));
	for (size_t i = 0; i < n_pieces; i++) {
		ENSURE(pieces[i].p != NULL || pieces[i].len == 0, MOAT_ERR_NULL_ARG);
		if (pieces[i].len > 0)
			params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
									(void *)(uintptr_t)pieces[i].p, pieces[i].len);
	}
	params[n] = OSSL_PARAM_construct_end();

	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(tls1_prf);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	int ok = EVP_KDF_derive(ctx, out, out_len, params);
	EVP_KDF_CTX_free(ctx);
	if (ok != 1) {
		moat_wipe(out, out_len);
		BAIL(MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}

int moat_prf(uint16_t version, moat_hash_alg hash, const uint8_t *secret, size_t secret_len, const char *label,
	     const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len, uint8_t *out,
	     size_t out_len)
{
	const struct seed_piece pieces[2] = { { seed1, seed1_len }, { seed2, seed2_len } };
	return prf_pieces(version, hash, secret, secret_len, label, pieces, 2, out, out_len);
}

int moat_prf_master_secret(uint16_t version, moat_hash_alg hash, const uint8_t *pms, size_t pms_len,
			   const uint8_t client_random[MOAT_PRF_RANDOM_LEN],
			   const uint8_t server_random[MOAT_PRF_RANDOM_LEN], uint8_t out[MOAT_PRF_MASTER_SECRET_LEN])
{
	ENSURE_REF(pms);
	ENSURE_REF(client_random);
	ENSURE_REF(server_random);
	return moat_prf(version, hash, pms, pms_len, "master secret", client_random, MOAT_PRF_RANDOM_LEN,
			server_random, MOAT_PRF_RANDOM_LEN, out, MOAT_PRF_MASTER_SECRET_LEN);
}

int moat_prf_extended_master_secret(uint16_t version, moat_hash_alg hash, const uint8_t *pms, size_t pms_len,
				    const uint8_t *session_hash, size_t session_hash_len,
				    uint8_t out[MOAT_PRF_MASTER_SECRET_LEN])
{
	ENSURE_REF(pms);
	ENSURE_REF(session_hash);
	ENSURE(session_hash_len > 0, MOAT_ERR_INVALID_ARG);
	return moat_prf(version, hash, pms, pms_len, "extended master secret", session_hash, session_hash_len, NULL,
			0, out, MOAT_PRF_MASTER_SECRET_LEN);
}

int moat_prf_key_block(uint16_t version, moat_hash_alg hash, const uint8_t master[MOAT_PRF_MASTER_SECRET_LEN],
		       const uint8_t client_random[MOAT_PRF_RANDOM_LEN],
		       const uint8_t server_random[MOAT_PRF_RANDOM_LEN], uint8_t *out, size_t len)
{
	ENSURE_REF(master);
	ENSURE_REF(client_random);
	ENSURE_REF(server_random);
	/* §6.3: the seed is server_random + client_random, the other order from §8.1. */
	return moat_prf(version, hash, master, MOAT_PRF_MASTER_SECRET_LEN, "key expansion", server_random,
			MOAT_PRF_RANDOM_LEN, client_random, MOAT_PRF_RANDOM_LEN, out, len);
}

int moat_prf_finished(uint16_t version, moat_hash_alg hash, const uint8_t master[MOAT_PRF_MASTER_SECRET_LEN],
		      bool from_client, const uint8_t *handshake_hash, size_t handshake_hash_len,
		      uint8_t out[MOAT_PRF_VERIFY_DATA_LEN])
{
	ENSURE_REF(master);
	ENSURE_REF(handshake_hash);
	ENSURE(handshake_hash_len > 0, MOAT_ERR_INVALID_ARG);
	return moat_prf(version, hash, master, MOAT_PRF_MASTER_SECRET_LEN,
			from_client ? "client finished" : "server finished", handshake_hash, handshake_hash_len, NULL, 0,
			out, MOAT_PRF_VERIFY_DATA_LEN);
}

int moat_prf_exporter(uint16_t version, moat_hash_alg hash, const uint8_t master[MOAT_PRF_MASTER_SECRET_LEN],
		      const uint8_t client_random[MOAT_PRF_RANDOM_LEN],
		      const uint8_t server_random[MOAT_PRF_RANDOM_LEN], const char *label, const uint8_t *context,
		      size_t context_len, bool use_context, uint8_t *out, size_t out_len)
{
	static const char *const reserved[] = { "client finished", "server finished", "master secret",
						"key expansion", "extended master secret" };
	ENSURE_REF(master);
	ENSURE_REF(client_random);
	ENSURE_REF(server_random);
	ENSURE_REF(label);
	/* RFC 5705 §4: the labels the handshake itself uses are not for export. */
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		ENSURE(strcmp(label, reserved[i]) != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(!use_context || context_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(!use_context || context != NULL || context_len == 0, MOAT_ERR_NULL_ARG);
	/* RFC 5705 §4: client_random + server_random [+ context_value_length + context_value]. */
	uint8_t clen[2] = { (uint8_t)(context_len >> 8), (uint8_t)(context_len & 0xff) };
	const struct seed_piece pieces[4] = {
		{ client_random, MOAT_PRF_RANDOM_LEN },
		{ server_random, MOAT_PRF_RANDOM_LEN },
		{ clen, use_context ? 2 : 0 },
		{ context, use_context ? context_len : 0 },
	};
	return prf_pieces(version, hash, master, MOAT_PRF_MASTER_SECRET_LEN, label, pieces, 4, out, out_len);
}
