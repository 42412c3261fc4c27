/*
 * Key shares on OpenSSL 3 EVP_PKEY: ECDHE and RFC 7919 FFDHE.
 *
 * Key generation runs on every handshake, so each group has a key "template"
 * built once per process (pthread_once) and shared read-only by all threads:
 * a parameters-only key naming the curve for the NIST curves and the named
 * prime for FFDHE, and the public base point for X25519 and X448 (no secret
 * is ever held in a template). Generating from a template reuses its
 * already-fetched key manager and, for the NIST curves, its already-built
 * EC_GROUP, which roughly halves the cost of a P-256 share compared with
 * EVP_PKEY_Q_keygen. Each template also has an EVP_PKEY_CTX made once from
 * it, with no operation set up, that keygen duplicates: a new context from a
 * key looks up its key manager by name and walks every algorithm name
 * libcrypto knows (about a microsecond), a duplicate only copies references
 * and never writes to its source, so the shared context stays read-only too.
 * A failed template leaves its slot NULL and that group fails with
 * MOAT_ERR_CRYPTO.
 *
 * The peer's key is validated as RFC 8446 §4.2.8.1-2 asks: exact length,
 * the uncompressed form, and for the NIST curves the partial public-key
 * validation of NIST SP 800-56A §5.6.2.3.4 (not infinity, coordinates in
 * range, on the curve) through EVP_PKEY_public_check_quick. The full check
 * adds a subgroup test, a scalar multiplication that the RFC says prime-order
 * curves do not need. For X25519 and X448 the all-zero output is refused
 * (RFC 7748 §6.1, §6.2). For FFDHE the check is 1 < Y < p-1 (RFC 7919 §5.1):
 * the primes are safe primes, so the only small subgroups are {1} and
 * {1, p-1}, and no exponentiation is needed to rule them out. We compare
 * against p-1 ourselves, kept per group from the template, rather than
 * trusting whichever checks a libcrypto version runs when it decodes Y.
 *
 * RFC 8446 §4.2.8.1 and §7.4.1 fix the FFDHE encodings: our Y and the shared
 * secret Z are both left-padded with zeros to the size of p. libcrypto pads
 * the encoded public key already; for Z the derive context is told to pad
 * (by default it strips leading zeros, as TLS 1.2 did), and the length is
 * checked after both.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/secmem.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/kex_hybrid.h"

enum kex_kind {
	KEX_MONTGOMERY,   /* X25519, X448 (RFC 7748) */
	KEX_NIST,         /* uncompressed points on a NIST curve */
	KEX_FFDHE,        /* RFC 7919 finite field groups */
	KEX_HYBRID,       /* ML-KEM-768 with a curve (kex_hybrid.c) */
};

struct kex_group {
	uint16_t group;
	const char *name;      /* IANA TLS Supported Groups name */
	enum kex_kind kind;
	const char *ossl;      /* libcrypto algorithm (Montgomery) or group name */
	size_t share_len;      /* ours as a client (moat_kex_generate) */
	size_t secret_len;
	size_t response_len;   /* ours as a server (moat_kex_respond) */
};

static const struct kex_group kex_groups[] = {
	{ MOAT_GROUP_X25519, "x25519", KEX_MONTGOMERY, "X25519", 32, 32, 32 },
	/* RFC 8446 §4.2.8.2: 0x04 || X || Y, each coordinate padded to the field size. */
	{ MOAT_GROUP_SECP256R1, "secp256r1", KEX_NIST, "P-256", 65, 32, 65 },
	{ MOAT_GROUP_SECP384R1, "secp384r1", KEX_NIST, "P-384", 97, 48, 97 },
	{ MOAT_GROUP_X448, "x448", KEX_MONTGOMERY, "X448", 56, 56, 56 },
	{ MOAT_GROUP_SECP521R1, "secp521r1", KEX_NIST, "P-521", 133, 66, 133 },
	/* RFC 8446 §4.2.8.1, §7.4.1: Y and Z are the size of p. */
	{ MOAT_GROUP_FFDHE2048, "ffdhe2048", KEX_FFDHE, "ffdhe2048", 256, 256, 256 },
	{ MOAT_GROUP_FFDHE3072, "ffdhe3072", KEX_FFDHE, "ffdhe3072", 384, 384, 384 },
	{ MOAT_GROUP_FFDHE4096, "ffdhe4096", KEX_FFDHE, "ffdhe4096", 512, 512, 512 },
	{ MOAT_GROUP_FFDHE6144, "ffdhe6144", KEX_FFDHE, "ffdhe6144", 768, 768, 768 },
	{ MOAT_GROUP_FFDHE8192, "ffdhe8192", KEX_FFDHE, "ffdhe8192", 1024, 1024, 1024 },
	/*
	 * draft-ietf-tls-ecdhe-mlkem §3: client ek (1184) and point, server ct
	 * (1088) and point, the two 32-byte secrets; the order is kex_hybrid.c's.
	 */
	{ MOAT_GROUP_X25519MLKEM768, "X25519MLKEM768", KEX_HYBRID, NULL, 1184 + 32, 64, 1088 + 32 },
	{ MOAT_GROUP_SECP256R1MLKEM768, "SecP256r1MLKEM768", KEX_HYBRID, NULL, 65 + 1184, 64, 65 + 1088 },
};
#define KEX_GROUP_COUNT (sizeof(kex_groups) / sizeof(kex_groups[0]))

_Static_assert(MOAT_KEX_MAX_SHARE_LEN == 65 + 1184, "SecP256r1MLKEM768's client share is the largest");
_Static_assert(MOAT_KEX_MAX_SECRET_LEN == 1024, "ffdhe8192's secret is the largest");
_Static_assert(MOAT_KEX_MAX_EC_SHARE_LEN == 133 && MOAT_KEX_MAX_EC_SECRET_LEN == 66, "secp521r1 is the largest curve");

struct kex_template {
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx;
	BIGNUM *p_minus_1;     /* FFDHE: the upper bound (exclusive) for the peer's Y */
};

static pthread_once_t template_once = PTHREAD_ONCE_INIT;
static struct kex_template templates[KEX_GROUP_COUNT];

/* A parameters-only key: the named curve ("EC") or the named prime ("DH"). */
static EVP_PKEY *make_param_template(const char *type, const char *group)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *params = NULL;

	if (ctx == NULL || EVP_PKEY_paramgen_init(ctx) != 1 || EVP_PKEY_CTX_set_group_name(ctx, group) != 1 ||
	    EVP_PKEY_paramgen(ctx, &params) != 1) {
		EVP_PKEY_free(params);
		params = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return params;
}

static BIGNUM *ffdhe_p_minus_1(const EVP_PKEY *params)
{
	BIGNUM *p = NULL;
	if (EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) != 1 || BN_sub_word(p, 1) != 1) {
		BN_free(p);
		return NULL;
	}
	return p;
}

static void make_templates(void)
{
	/* RFC 7748 §4.1, §4.2: the base points are u = 9 (X25519) and u = 5 (X448). */
	static const uint8_t x25519_base[32] = { 9 };
	static const uint8_t x448_base[56] = { 5 };

	for (size_t i = 0; i < KEX_GROUP_COUNT; i++) {
		const struct kex_group *g = &kex_groups[i];
		struct kex_template *t = &templates[i];
		switch (g->kind) {
		case KEX_MONTGOMERY:
			t->key = EVP_PKEY_new_raw_public_key_ex(
				NULL, g->ossl, NULL, g->group == MOAT_GROUP_X25519 ? x25519_base : x448_base, g->share_len);
			break;
		case KEX_NIST:
			t->key = make_param_template("EC", g->ossl);
			break;
		case KEX_FFDHE:
			t->key = make_param_template("DH", g->ossl);
			if (t->key != NULL) {
				t->p_minus_1 = ffdhe_p_minus_1(t->key);
				if (t->p_minus_1 == NULL) {
					EVP_PKEY_free(t->key);
					t->key = NULL;
				}
			}
			break;
		case KEX_HYBRID:
			/* Its classical part uses that group's template. */
			break;
		}
		if (t->key != NULL)
			t->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, t->key, NULL);
	}
	ERR_clear_error();
}

/* The group's row, and if tmpl is not NULL its template (whose members are NULL if it could not be made). */
static const struct kex_group *find_group(uint16_t group, const struct kex_template **tmpl)
{
	for (size_t i = 0; i < KEX_GROUP_COUNT; i++) {
		if (kex_groups[i].group == group) {
			if (tmpl != NULL) {
				(void)pthread_once(&template_once, make_templates);
				*tmpl = &templates[i];
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

size_t moat_kex_response_len(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL ? g->response_len : 0;
}

size_t moat_kex_secret_len(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL ? g->secret_len : 0;
}

const char *moat_kex_group_name(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL ? g->name : NULL;
}

bool moat_kex_group_is_ec(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL && (g->kind == KEX_MONTGOMERY || g->kind == KEX_NIST);
}

bool moat_kex_group_is_hybrid(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL && g->kind == KEX_HYBRID;
}

bool moat_kex_group_is_ffdhe(uint16_t group)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL && g->kind == KEX_FFDHE;
}

int moat_kex_ffdhe_prime(uint16_t group, uint8_t *p_out, size_t len)
{
	const struct kex_template *t = NULL;
	ENSURE_REF(p_out);
	const struct kex_group *g = find_group(group, &t);
	ENSURE(g != NULL && g->kind == KEX_FFDHE, MOAT_ERR_NOT_SUPPORTED);
	ENSURE(len == g->share_len, MOAT_ERR_INVALID_ARG);
	ENSURE(t->p_minus_1 != NULL, MOAT_ERR_CRYPTO);
	/* The template keeps p-1; p is odd, so p-1 and p differ in the last byte only. */
	ENSURE(BN_bn2binpad(t->p_minus_1, p_out, (int)len) == (int)len, MOAT_ERR_CRYPTO);
	p_out[len - 1] |= 1;
	return MOAT_SUCCESS;
}

static bool shape_ok(const struct kex_group *g, const uint8_t *share, size_t len)
{
	return len == g->share_len && (g->kind != KEX_NIST || share[0] == 0x04);
}

bool moat_kex_share_shape_ok(uint16_t group, const uint8_t *share, size_t len)
{
	const struct kex_group *g = find_group(group, NULL);
	return g != NULL && share != NULL && shape_ok(g, share, len);
}

static int kex_generate_with(EVP_PKEY_CTX **ctx, EVP_PKEY **key, const struct kex_template *t,
			     const struct kex_group *g, uint8_t *share_out, size_t *share_len)
{
	size_t len = 0;

	ENSURE(t->ctx != NULL, MOAT_ERR_CRYPTO);
	*ctx = EVP_PKEY_CTX_dup(t->ctx);
	ENSURE(*ctx != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_keygen_init(*ctx), MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_PKEY_keygen(*ctx, key), MOAT_ERR_CRYPTO);
	/*
	 * EC keys encode uncompressed by default, the only TLS 1.3 form; DH keys
	 * encode Y left-padded to the size of p, the TLS 1.3 form (§4.2.8.1).
	 */
	TRY_OSSL(EVP_PKEY_get_octet_string_param(*key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, share_out, g->share_len,
						 &len),
		 MOAT_ERR_CRYPTO);
	ENSURE(len == g->share_len, MOAT_ERR_CRYPTO);
	*share_len = len;
	return MOAT_SUCCESS;
}

int moat_kex_generate(struct moat_kex *k, uint16_t group, uint8_t *share_out, size_t *share_len)
{
	const struct kex_template *t = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	ENSURE_REF(k);
	ENSURE_REF(share_out);
	ENSURE_REF(share_len);
	memset(k, 0, sizeof(*k));
	const struct kex_group *g = find_group(group, &t);
	ENSURE(g != NULL, MOAT_ERR_NOT_SUPPORTED);
	if (g->kind == KEX_HYBRID)
		return moat_kex_hybrid_generate(k, group, share_out, share_len);

	int rc = kex_generate_with(&ctx, &key, t, g, share_out, share_len);
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

/* RFC 7919 §5.1, RFC 8446 §4.2.8.1: 1 < Y < p-1. Y is public: no need for constant time. */
static int check_ffdhe_range(const struct kex_template *t, const uint8_t *peer, size_t peer_len)
{
	ENSURE(t->p_minus_1 != NULL, MOAT_ERR_CRYPTO);
	BIGNUM *y = BN_bin2bn(peer, (int)peer_len, NULL);
	ENSURE(y != NULL, MOAT_ERR_ALLOC);
	bool ok = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, t->p_minus_1) < 0;
	BN_free(y);
	ENSURE(ok, MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

static int kex_derive_with(EVP_PKEY **peer_key, EVP_PKEY_CTX **check, EVP_PKEY_CTX **ctx, const struct moat_kex *k,
			   const struct kex_group *g, const struct kex_template *t, const uint8_t *peer,
			   size_t peer_len, uint8_t *secret_out, size_t *secret_len)
{
	size_t len = g->secret_len;

	/* RFC 8446 §4.2.8.1-2: exact length (FFDHE: padded to p); NIST points only as legacy_form = 4. */
	ENSURE(shape_ok(g, peer, peer_len), MOAT_ERR_ILLEGAL_PARAMETER);
	if (g->kind == KEX_FFDHE)
		TRY(check_ffdhe_range(t, peer, peer_len));

	*peer_key = EVP_PKEY_new();
	ENSURE(*peer_key != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_copy_parameters(*peer_key, k->pkey), MOAT_ERR_CRYPTO);
	/* Decoding a NIST point already rejects coordinates off the curve. */
	TRY_OSSL(EVP_PKEY_set1_encoded_public_key(*peer_key, peer, peer_len), MOAT_ERR_ILLEGAL_PARAMETER);
	if (g->kind == KEX_NIST) {
		*check = EVP_PKEY_CTX_new_from_pkey(NULL, *peer_key, NULL);
		ENSURE(*check != NULL, MOAT_ERR_ALLOC);
		TRY_OSSL(EVP_PKEY_public_check_quick(*check), MOAT_ERR_ILLEGAL_PARAMETER);
	}

	*ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	ENSURE(*ctx != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_derive_init(*ctx), MOAT_ERR_CRYPTO);
	/* RFC 8446 §7.4.1: Z keeps its leading zeros, padded to the size of p. */
	if (g->kind == KEX_FFDHE)
		TRY_OSSL(EVP_PKEY_CTX_set_dh_pad(*ctx, 1), MOAT_ERR_CRYPTO);
	/* Validated above; 0 skips libcrypto's full (subgroup) check. */
	TRY_OSSL(EVP_PKEY_derive_set_peer_ex(*ctx, *peer_key, 0), MOAT_ERR_CRYPTO);
	/* libcrypto's X25519 and X448 themselves fail on an all-zero result: that is the peer's fault. */
	TRY_OSSL(EVP_PKEY_derive(*ctx, secret_out, &len),
		 g->kind == KEX_MONTGOMERY ? MOAT_ERR_ILLEGAL_PARAMETER : MOAT_ERR_CRYPTO);
	ENSURE(len == g->secret_len, MOAT_ERR_CRYPTO);
	/* RFC 8446 §7.4.2, RFC 7748 §6: a low-order peer point gives all zeros. */
	if (g->kind == KEX_MONTGOMERY)
		ENSURE(!all_zero(secret_out, len), MOAT_ERR_ILLEGAL_PARAMETER);
	*secret_len = len;
	return MOAT_SUCCESS;
}

int moat_kex_derive(const struct moat_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *secret_out,
		    size_t *secret_len)
{
	const struct kex_template *t = NULL;
	EVP_PKEY *peer_key = NULL;
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY_CTX *ctx = NULL;

	ENSURE_REF(k);
	ENSURE_REF(peer);
	ENSURE_REF(secret_out);
	ENSURE_REF(secret_len);
	ENSURE(k->pkey != NULL, MOAT_ERR_INVALID_STATE);
	const struct kex_group *g = find_group(k->group, &t);
	ENSURE(g != NULL, MOAT_ERR_INVALID_STATE);
	if (g->kind == KEX_HYBRID)
		return moat_kex_hybrid_derive(k, peer, peer_len, secret_out, secret_len);

	int rc = kex_derive_with(&peer_key, &check, &ctx, k, g, t, peer, peer_len, secret_out, secret_len);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(peer_key);
	if (rc != MOAT_SUCCESS) {
		moat_wipe(secret_out, g->secret_len);
		ERR_clear_error();
	}
	return rc;
}

/* The peer checks of kex_derive_with, on a key made from the group's template parameters. */
static int public_check_with(EVP_PKEY **key, EVP_PKEY_CTX **check, const struct kex_group *g,
			     const struct kex_template *t, const uint8_t *share, size_t len)
{
	ENSURE(shape_ok(g, share, len), MOAT_ERR_ILLEGAL_PARAMETER);
	switch (g->kind) {
	case KEX_MONTGOMERY:
		return MOAT_SUCCESS;
	case KEX_FFDHE:
		return check_ffdhe_range(t, share, len);
	case KEX_HYBRID:
		/* TLS 1.2 never carries one: its checks are moat_kex_respond's and moat_kex_derive's. */
		BAIL(MOAT_ERR_NOT_SUPPORTED);
	case KEX_NIST:
		break;
	}
	ENSURE(t->key != NULL, MOAT_ERR_CRYPTO);
	*key = EVP_PKEY_new();
	ENSURE(*key != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_copy_parameters(*key, t->key), MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_PKEY_set1_encoded_public_key(*key, share, len), MOAT_ERR_ILLEGAL_PARAMETER);
	*check = EVP_PKEY_CTX_new_from_pkey(NULL, *key, NULL);
	ENSURE(*check != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(EVP_PKEY_public_check_quick(*check), MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_kex_public_check(uint16_t group, const uint8_t *share, size_t len)
{
	const struct kex_template *t = NULL;
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *check = NULL;

	ENSURE_REF(share);
	const struct kex_group *g = find_group(group, &t);
	ENSURE(g != NULL, MOAT_ERR_NOT_SUPPORTED);
	int rc = public_check_with(&key, &check, g, t, share, len);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(key);
	if (rc != MOAT_SUCCESS)
		ERR_clear_error();
	return rc;
}

/* RFC 8446 §4.2.8: a DH group's answer is a fresh share of the same group. */
static int respond_dh(uint16_t group, const uint8_t *peer, size_t peer_len, uint8_t *share_out, size_t *share_len,
		      uint8_t *secret_out, size_t *secret_len)
{
	struct moat_kex k = { 0 };
	TRY(moat_kex_generate(&k, group, share_out, share_len));
	int rc = moat_kex_derive(&k, peer, peer_len, secret_out, secret_len);
	moat_kex_free(&k);
	return rc;
}

int moat_kex_respond(uint16_t group, const uint8_t *peer, size_t peer_len, uint8_t *share_out, size_t *share_len,
		     uint8_t *secret_out, size_t *secret_len)
{
	ENSURE_REF(peer);
	ENSURE_REF(share_out);
	ENSURE_REF(share_len);
	ENSURE_REF(secret_out);
	ENSURE_REF(secret_len);
	const struct kex_group *g = find_group(group, NULL);
	ENSURE(g != NULL, MOAT_ERR_NOT_SUPPORTED);
	if (g->kind == KEX_HYBRID)
		return moat_kex_hybrid_respond(group, peer, peer_len, share_out, share_len, secret_out, secret_len);
	return respond_dh(group, peer, peer_len, share_out, share_len, secret_out, secret_len);
}

void moat_kex_free(struct moat_kex *k)
{
	if (k == NULL)
		return;
	/* libcrypto cleanses the private scalar when the key is freed. */
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	moat_secmem_free(k->kem_dk);
	k->kem_dk = NULL;
	k->group = 0;
}
