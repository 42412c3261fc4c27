/*
 * ECDHE key shares on OpenSSL 3 EVP_PKEY.
 *
 * Key generation runs on every handshake, so each group has a key "template"
 * built once per process (pthread_once) and shared read-only by all threads:
 * a parameters-only key naming the curve for P-256/P-384, and the public
 * base point for X25519 (no secret is ever held in a template). Generating
 * from a template reuses its already-fetched key manager and, for the NIST
 * curves, its already-built EC_GROUP, which roughly halves the cost of a
 * P-256 share compared with EVP_PKEY_Q_keygen. Each template also has an
 * EVP_PKEY_CTX made once from it, with no operation set up, that keygen
 * duplicates: a new context from a key looks up its key manager by name and
 * walks every algorithm name libcrypto knows (about a microsecond), a
 * duplicate only copies references and never writes to its source, so the
 * shared context stays read-only too. A failed template leaves its slot NULL
 * and that group fails with MOAT_ERR_CRYPTO.
 *
 * The peer's key is validated as RFC 8446 §4.2.8.2 asks: exact length, the
 * uncompressed form, and for the NIST curves the partial public-key
 * validation of NIST SP 800-56A §5.6.2.3.4 (not infinity, coordinates in
 * range, on the curve) through EVP_PKEY_public_check_quick. The full check
 * adds a subgroup test, a scalar multiplication that the RFC says prime-order
 * curves do not need. For X25519 the all-zero output is refused (RFC 7748 §6.1).
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/secmem.h"
#include "tls/crypto_kex.h"

struct kex_group {
	uint16_t group;
	const char *curve;    /* libcrypto group name; NULL for X25519 */
	size_t share_len;
	size_t secret_len;
};

static const struct kex_group kex_groups[] = {
	{ MOAT_GROUP_X25519, NULL, 32, 32 },
	/* RFC 8446 §4.2.8.2: 0x04 || X || Y, each coordinate padded to the field size. */
	{ MOAT_GROUP_SECP256R1, "P-256", 65, 32 },
	{ MOAT_GROUP_SECP384R1, "P-384", 97, 48 },
};
#define KEX_GROUP_COUNT (sizeof(kex_groups) / sizeof(kex_groups[0]))

static pthread_once_t template_once = PTHREAD_ONCE_INIT;
static EVP_PKEY *templates[KEX_GROUP_COUNT];
static EVP_PKEY_CTX *template_ctx[KEX_GROUP_COUNT];

static EVP_PKEY *make_ec_template(const char *curve)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *params = NULL;

	if (ctx == NULL || EVP_PKEY_paramgen_init(ctx) != 1 || EVP_PKEY_CTX_set_group_name(ctx, curve) != 1 ||
	    EVP_PKEY_paramgen(ctx, &params) != 1) {
		EVP_PKEY_free(params);
		params = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return params;
}

static void make_templates(void)
{
	/* RFC 7748 §4.1: the X25519 base point is u = 9. */
	static const uint8_t base_point[32] = { 9 };

	for (size_t i = 0; i < KEX_GROUP_COUNT; i++) {
		if (kex_groups[i].curve == NULL)
			templates[i] = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, base_point,
								      sizeof(base_point));
		else
			templates[i] = make_ec_template(kex_groups[i].curve);
		if (templates[i] != NULL)
			template_ctx[i] = EVP_PKEY_CTX_new_from_pkey(NULL, templates[i], NULL);
	}
	ERR_clear_error();
}

/* The group's row, and if tmpl_ctx is not NULL its template context (NULL if it could not be made). */
static const struct kex_group *find_group(uint16_t group, EVP_PKEY_CTX **tmpl_ctx)
{
	for (size_t i = 0; i < KEX_GROUP_COUNT; i++) {
		if (kex_groups[i].group == group) {
			if (tmpl_ctx != NULL) {
				(void)pthread_once(&template_once, make_templates);
				*tmpl_ctx = template_ctx[i];
			}
			return &kex_groups[i];
		}
	}
	return NULL;
}

bool moat_kex_group_supported(uint16_t group)
{
	return find_group(group, NULL) != NULL;
}

size_t moat_kex_share_len(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL ? g->share_len : 0;
}

size_t moat_kex_secret_len(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL ? g->secret_len : 0;
}

static int kex_generate_with(EVP_PKEY_CTX **ctx, EVP_PKEY **key, const EVP_PKEY_CTX *tmpl_ctx,
			     const struct kex_group *g, uint8_t *share_out, size_t *share_len)
{
	size_t len = 0;

	ENSURE(tmpl_ctx != NULL, MOAT_ERR_CRYPTO);
	*ctx = EVP_PKEY_CTX_dup(tmpl_ctx);
	ENSURE(*ctx != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_keygen_init(*ctx), MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_PKEY_keygen(*ctx, key), MOAT_ERR_CRYPTO);
	/* EC keys encode uncompressed by default, which is the only TLS 1.3 form. */
	TRY_OSSL(EVP_PKEY_get_octet_string_param(*key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, share_out,
						 MOAT_KEX_MAX_SHARE_LEN, &len),
		 MOAT_ERR_CRYPTO);
	ENSURE(len == g->share_len, MOAT_ERR_CRYPTO);
	*share_len = len;
	return MOAT_SUCCESS;
}

int moat_kex_generate(struct moat_kex *k, uint16_t group, uint8_t *share_out, size_t *share_len)
{
	EVP_PKEY_CTX *tmpl_ctx = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	ENSURE_REF(k);
	ENSURE_REF(share_out);
	ENSURE_REF(share_len);
	memset(k, 0, sizeof(*k));
	const struct kex_group *g = find_group(group, &tmpl_ctx);
	ENSURE(g != NULL, MOAT_ERR_NOT_SUPPORTED);

	int rc = kex_generate_with(&ctx, &key, tmpl_ctx, g, share_out, share_len);
	EVP_PKEY_CTX_free(ctx);
	if (rc != MOAT_SUCCESS) {
		EVP_PKEY_free(key);
		ERR_clear_error();
		return rc;
	}
	k->pkey = key;
	k->group = group;
	return MOAT_SUCCESS;
}

/* Constant time: whether n bytes are all zero, without branching on the secret. */
static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static int kex_derive_with(EVP_PKEY **peer_key, EVP_PKEY_CTX **check, EVP_PKEY_CTX **ctx, const struct moat_kex *k,
			   const struct kex_group *g, const uint8_t *peer, size_t peer_len, uint8_t *secret_out,
			   size_t *secret_len)
{
	size_t len = g->secret_len;

	/* RFC 8446 §4.2.8.2: exact length; NIST points only as legacy_form = 4. */
	ENSURE(peer_len == g->share_len, MOAT_ERR_ILLEGAL_PARAMETER);
	if (g->curve != NULL)
		ENSURE(peer[0] == 0x04, MOAT_ERR_ILLEGAL_PARAMETER);

	*peer_key = EVP_PKEY_new();
	ENSURE(*peer_key != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_copy_parameters(*peer_key, k->pkey), MOAT_ERR_CRYPTO);
	/* Decoding a NIST point already rejects coordinates off the curve. */
	TRY_OSSL(EVP_PKEY_set1_encoded_public_key(*peer_key, peer, peer_len), MOAT_ERR_ILLEGAL_PARAMETER);
	if (g->curve != NULL) {
		*check = EVP_PKEY_CTX_new_from_pkey(NULL, *peer_key, NULL);
		ENSURE(*check != NULL, MOAT_ERR_ALLOC);
		TRY_OSSL(EVP_PKEY_public_check_quick(*check), MOAT_ERR_ILLEGAL_PARAMETER);
	}

	*ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	ENSURE(*ctx != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_derive_init(*ctx), MOAT_ERR_CRYPTO);
	/* Validated above; 0 skips libcrypto's full (subgroup) check. */
	TRY_OSSL(EVP_PKEY_derive_set_peer_ex(*ctx, *peer_key, 0), MOAT_ERR_CRYPTO);
	/* libcrypto's X25519 itself fails on an all-zero result: that is the peer's fault. */
	TRY_OSSL(EVP_PKEY_derive(*ctx, secret_out, &len), g->curve == NULL ? MOAT_ERR_ILLEGAL_PARAMETER : MOAT_ERR_CRYPTO);
	ENSURE(len == g->secret_len, MOAT_ERR_CRYPTO);
	/* RFC 8446 §7.4.2, RFC 7748 §6.1: a low-order peer point gives all zeros. */
	if (g->curve == NULL)
		ENSURE(!all_zero(secret_out, len), MOAT_ERR_ILLEGAL_PARAMETER);
	*secret_len = len;
	return MOAT_SUCCESS;
}

int moat_kex_derive(const struct moat_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *secret_out,
		    size_t *secret_len)
{
	EVP_PKEY *peer_key = NULL;
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY_CTX *ctx = NULL;

	ENSURE_REF(k);
	ENSURE_REF(peer);
	ENSURE_REF(secret_out);
	ENSURE_REF(secret_len);
	ENSURE(k->pkey != NULL, MOAT_ERR_INVALID_STATE);
	const struct kex_group *g = find_group(k->group, NULL);
	ENSURE(g != NULL, MOAT_ERR_INVALID_STATE);

	int rc = kex_derive_with(&peer_key, &check, &ctx, k, g, peer, peer_len, secret_out, secret_len);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(peer_key);
	if (rc != MOAT_SUCCESS) {
		moat_wipe(secret_out, g->secret_len);
		ERR_clear_error();
	}
	return rc;
}

void moat_kex_free(struct moat_kex *k)
{
	if (k == NULL)
		return;
	/* libcrypto cleanses the private scalar when the key is freed. */
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	k->group = 0;
}
