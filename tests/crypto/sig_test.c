/*
 * Keys and signatures: the TLS 1.3 and TLS 1.2 scheme/key tables row by row,
 * sign and verify for every scheme with every key type it fits, each
 * signature also checked by libcrypto directly with the parameters RFC 8446
 * §4.2.3 fixes (PSS salt = digest length, MGF1 = signing digest), every
 * tampering caught as decrypt_error, every scheme/key mismatch as
 * illegal_parameter, and PEM/DER key loading with its failure modes.
 * The signer (signer.h) makes, for every scheme and key, signatures the
 * same checks accept, from several threads at once, and refuses what
 * moat_sig_sign refuses.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tls/crypto/sig.h"
#include "tls/crypto/signer.h"
#include "tests/moat_test.h"

static const uint16_t all_schemes[] = {
	MOAT_SIG_RSA_PKCS1_SHA1, MOAT_SIG_ECDSA_SHA1, MOAT_SIG_RSA_PKCS1_SHA256, MOAT_SIG_RSA_PKCS1_SHA384,
	MOAT_SIG_RSA_PKCS1_SHA512, MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_ECDSA_SECP384R1_SHA384,
	MOAT_SIG_ECDSA_SECP521R1_SHA512, MOAT_SIG_RSA_PSS_RSAE_SHA256, MOAT_SIG_RSA_PSS_RSAE_SHA384,
	MOAT_SIG_RSA_PSS_RSAE_SHA512, MOAT_SIG_ED25519, MOAT_SIG_ED448, MOAT_SIG_RSA_PSS_PSS_SHA256,
	MOAT_SIG_RSA_PSS_PSS_SHA384, MOAT_SIG_RSA_PSS_PSS_SHA512, 0x0000, 0x0101, 0x0402, 0xfe00, 0xffff,
};
#define N_SCHEMES (sizeof(all_schemes) / sizeof(all_schemes[0]))

static const moat_key_type all_types[] = {
	MOAT_KEY_NONE, MOAT_KEY_RSA, MOAT_KEY_RSA_PSS, MOAT_KEY_EC_P256, MOAT_KEY_EC_P384, MOAT_KEY_EC_P521,
	MOAT_KEY_ED25519,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

/* The one key type each scheme allows in a TLS 1.3 CertificateVerify (RFC 8446 §4.2.3, §4.4.3), or NONE. */
static moat_key_type tls13_key_for(uint16_t scheme)
{
	switch (scheme) {
	case MOAT_SIG_ECDSA_SECP256R1_SHA256: return MOAT_KEY_EC_P256;
	case MOAT_SIG_ECDSA_SECP384R1_SHA384: return MOAT_KEY_EC_P384;
	case MOAT_SIG_ECDSA_SECP521R1_SHA512: return MOAT_KEY_EC_P521;
	case MOAT_SIG_RSA_PSS_RSAE_SHA256:
	case MOAT_SIG_RSA_PSS_RSAE_SHA384:
	case MOAT_SIG_RSA_PSS_RSAE_SHA512: return MOAT_KEY_RSA;
	case MOAT_SIG_RSA_PSS_PSS_SHA256:
	case MOAT_SIG_RSA_PSS_PSS_SHA384:
	case MOAT_SIG_RSA_PSS_PSS_SHA512: return MOAT_KEY_RSA_PSS;
	case MOAT_SIG_ED25519: return MOAT_KEY_ED25519;
	default: return MOAT_KEY_NONE; /* rsa_pkcs1_*, SHA-1, ed448, unknown */
	}
}

static bool is_ec(moat_key_type t)
{
	return t == MOAT_KEY_EC_P256 || t == MOAT_KEY_EC_P384 || t == MOAT_KEY_EC_P521;
}

static bool tls12_expected(uint16_t scheme, moat_key_type t)
{
	switch (scheme) {
	case MOAT_SIG_RSA_PKCS1_SHA256:
	case MOAT_SIG_RSA_PKCS1_SHA384:
	case MOAT_SIG_RSA_PKCS1_SHA512: return t == MOAT_KEY_RSA;
	case MOAT_SIG_ECDSA_SECP256R1_SHA256:
	case MOAT_SIG_ECDSA_SECP384R1_SHA384:
	case MOAT_SIG_ECDSA_SECP521R1_SHA512: return is_ec(t);
	default: return tls13_key_for(scheme) != MOAT_KEY_NONE && tls13_key_for(scheme) == t;
	}
}

ATF_TC_WITHOUT_HEAD(usable_tls13_table);
ATF_TC_BODY(usable_tls13_table, tc)
{
	for (size_t i = 0; i < N_SCHEMES; i++) {
		for (size_t j = 0; j < N_TYPES; j++) {
			bool want = all_types[j] != MOAT_KEY_NONE && tls13_key_for(all_schemes[i]) == all_types[j];
			ATF_REQUIRE_MSG(moat_sig_scheme_usable_tls13(all_schemes[i], all_types[j]) == want,
					"scheme %#06x key type %d: expected %d", all_schemes[i], all_types[j], want);
		}
	}
	/* Spot checks of the rules that matter most, spelled out. */
	ATF_REQUIRE(moat_sig_scheme_usable_tls13(MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_KEY_EC_P256));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_KEY_EC_P384));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_ECDSA_SECP384R1_SHA384, MOAT_KEY_EC_P256));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_RSA_PKCS1_SHA256, MOAT_KEY_RSA));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_RSA_PSS_PSS_SHA256, MOAT_KEY_RSA));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_RSA_PSS_RSAE_SHA256, MOAT_KEY_RSA_PSS));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_RSA_PKCS1_SHA1, MOAT_KEY_RSA));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_ECDSA_SHA1, MOAT_KEY_EC_P256));
}

ATF_TC_WITHOUT_HEAD(usable_tls12_table);
ATF_TC_BODY(usable_tls12_table, tc)
{
	for (size_t i = 0; i < N_SCHEMES; i++) {
		for (size_t j = 0; j < N_TYPES; j++) {
			bool want = tls12_expected(all_schemes[i], all_types[j]);
			ATF_REQUIRE_MSG(moat_sig_scheme_usable_tls12(all_schemes[i], all_types[j]) == want,
					"scheme %#06x key type %d: expected %d", all_schemes[i], all_types[j], want);
		}
	}
	ATF_REQUIRE(moat_sig_scheme_usable_tls12(MOAT_SIG_RSA_PKCS1_SHA256, MOAT_KEY_RSA));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls12(MOAT_SIG_RSA_PKCS1_SHA256, MOAT_KEY_RSA_PSS));
	ATF_REQUIRE(moat_sig_scheme_usable_tls12(MOAT_SIG_ECDSA_SECP384R1_SHA384, MOAT_KEY_EC_P256));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls12(MOAT_SIG_RSA_PKCS1_SHA1, MOAT_KEY_RSA));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls12(MOAT_SIG_ECDSA_SHA1, MOAT_KEY_EC_P256));
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_RSA_PSS_RSAE_SHA384), 48);
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_ECDSA_SECP256R1_SHA256), 32);
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_RSA_PKCS1_SHA512), 64);
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_ED25519), 0);
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_RSA_PKCS1_SHA1), 20);
}

/*
 * RFC 5246 §7.4.1.4.1: the SHA-1 defaults have their own predicate, the
 * only one that admits them: rsa_pkcs1_sha1 with rsaEncryption keys,
 * ecdsa_sha1 with any of our curves; never in TLS 1.3 (RFC 8446 §4.2.3).
 */
ATF_TC_WITHOUT_HEAD(usable_tls12_sha1);
ATF_TC_BODY(usable_tls12_sha1, tc)
{
	for (size_t i = 0; i < N_SCHEMES; i++) {
		for (size_t j = 0; j < N_TYPES; j++) {
			uint16_t s = all_schemes[i];
			moat_key_type t = all_types[j];
			bool ec = t == MOAT_KEY_EC_P256 || t == MOAT_KEY_EC_P384 || t == MOAT_KEY_EC_P521;
			bool want = (s == MOAT_SIG_RSA_PKCS1_SHA1 && t == MOAT_KEY_RSA) || (s == MOAT_SIG_ECDSA_SHA1 && ec);
			ATF_REQUIRE_MSG(moat_sig_scheme_usable_tls12_sha1(s, t) == want,
					"scheme %#06x key type %d: expected %d", s, t, want);
			if (s == MOAT_SIG_RSA_PKCS1_SHA1 || s == MOAT_SIG_ECDSA_SHA1)
				ATF_REQUIRE(!moat_sig_scheme_usable_tls13(s, t) && !moat_sig_scheme_usable_tls12(s, t) &&
					    !moat_sig_scheme_usable_legacy(s, t));
		}
	}
	ATF_REQUIRE(!moat_sig_scheme_usable_tls12_sha1(MOAT_SIG_LEGACY_ECDSA_SHA1, MOAT_KEY_EC_P256));
	ATF_REQUIRE(!moat_sig_scheme_usable_tls12_sha1(MOAT_SIG_LEGACY_RSA_MD5_SHA1, MOAT_KEY_RSA));
	ATF_REQUIRE(moat_sig_scheme_is_sha1(MOAT_SIG_RSA_PKCS1_SHA1) && moat_sig_scheme_is_sha1(MOAT_SIG_ECDSA_SHA1));
	ATF_REQUIRE(moat_sig_scheme_is_sha1(MOAT_SIG_LEGACY_ECDSA_SHA1));
	ATF_REQUIRE(!moat_sig_scheme_is_sha1(MOAT_SIG_RSA_PKCS1_SHA256) && !moat_sig_scheme_is_sha1(MOAT_SIG_ED25519));
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_ECDSA_SHA1), 20);
}

/* Keys generated with libcrypto and wrapped, one per moat_key_type. */
struct test_key {
	moat_key_type type;
	struct moat_pkey k;
};

static void gen_key(struct moat_pkey *k, moat_key_type type)
{
	EVP_PKEY *p = NULL;
	switch (type) {
	case MOAT_KEY_RSA: p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
	case MOAT_KEY_RSA_PSS: {
		/* EVP_PKEY_Q_keygen knows no "RSA-PSS". */
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
		ATF_REQUIRE(ctx != NULL);
		ATF_REQUIRE(EVP_PKEY_keygen_init(ctx) == 1);
		ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1);
		ATF_REQUIRE(EVP_PKEY_keygen(ctx, &p) == 1);
		EVP_PKEY_CTX_free(ctx);
		break;
	}
	case MOAT_KEY_EC_P256: p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
	case MOAT_KEY_EC_P384: p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
	case MOAT_KEY_EC_P521: p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"); break;
	case MOAT_KEY_ED25519: p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
	default: break;
	}
	ATF_REQUIRE(p != NULL);
	EXPECT_OK(moat_pkey_wrap(k, p));
	EVP_PKEY_free(p);
	ATF_REQUIRE_EQ(k->type, type);
}

static const char *md_of(uint16_t scheme)
{
	switch (scheme >> 8) {
	case 0x02: return "SHA1";
	case 0x04: return "SHA256";
	case 0x05: return "SHA384";
	case 0x06: return "SHA512";
	default: break;
	}
	switch (scheme) {
	case MOAT_SIG_RSA_PSS_RSAE_SHA256: case MOAT_SIG_RSA_PSS_PSS_SHA256: return "SHA256";
	case MOAT_SIG_RSA_PSS_RSAE_SHA384: case MOAT_SIG_RSA_PSS_PSS_SHA384: return "SHA384";
	case MOAT_SIG_RSA_PSS_RSAE_SHA512: case MOAT_SIG_RSA_PSS_PSS_SHA512: return "SHA512";
	case MOAT_SIG_LEGACY_ECDSA_SHA1: return "SHA1";
	case MOAT_SIG_LEGACY_RSA_MD5_SHA1: return "MD5-SHA1";
	default: return NULL;
	}
}

static bool is_pss(uint16_t scheme)
{
	return scheme >= MOAT_SIG_RSA_PSS_RSAE_SHA256 && scheme <= MOAT_SIG_RSA_PSS_PSS_SHA512 &&
	       scheme != MOAT_SIG_ED25519 && scheme != MOAT_SIG_ED448;
}

/*
 * Verify with libcrypto directly, stating every parameter: PSS salt length
 * as a number and the MGF1 digest by name. Returns libcrypto's verdict.
 */
static bool ossl_verify(EVP_PKEY *pkey, uint16_t scheme, const char *mgf1, int salt, const uint8_t *msg,
			size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok = EVP_DigestVerifyInit_ex(ctx, &pctx, md_of(scheme), NULL, NULL, pkey, NULL) == 1;
	if (ok && is_pss(scheme)) {
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mgf1, NULL) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) == 1;
	} else if (ok && (scheme >> 8) >= 4 && (scheme >> 8) <= 6 && (scheme & 0xff) == 0x01) {
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
	}
	ok = ok && EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static const uint8_t msg1[] = "TLS 1.3, server CertificateVerify\0 transcript hash stands here";
static const uint8_t msg2[] = "TLS 1.3, client CertificateVerify\0 transcript hash stands here";

static void sign_verify_all(moat_key_type type)
{
	struct moat_pkey k;
	uint8_t sig[1024], sig2[1024], bad[1024];
	size_t len, len2;
	size_t usable = 0;

	gen_key(&k, type);
	for (size_t i = 0; i < N_SCHEMES; i++) {
		uint16_t s = all_schemes[i];
		len = sizeof(sig);
		if (!moat_sig_scheme_usable_tls12(s, type) && !moat_sig_scheme_usable_tls12_sha1(s, type)) {
			EXPECT_ERR(moat_sig_sign(&k, s, msg1, sizeof(msg1), sig, &len), MOAT_ERR_ILLEGAL_PARAMETER);
			EXPECT_ERR(moat_sig_verify(&k, s, msg1, sizeof(msg1), sig, 64), MOAT_ERR_ILLEGAL_PARAMETER);
			continue;
		}
		usable++;
		EXPECT_OK(moat_sig_sign(&k, s, msg1, sizeof(msg1), sig, &len));
		ATF_REQUIRE(len > 0 && len <= moat_pkey_max_sig_len(&k));
		EXPECT_OK(moat_sig_verify(&k, s, msg1, sizeof(msg1), sig, len));

		/* libcrypto agrees, with the RFC 8446 §4.2.3 parameters stated explicitly. */
		const char *md = md_of(s);
		if (is_pss(s)) {
			int dlen = (int)moat_sig_scheme_digest_len(s);
			ATF_REQUIRE_MSG(ossl_verify(k.pkey, s, md, dlen, msg1, sizeof(msg1), sig, len),
					"scheme %#06x: not PSS with salt %d and MGF1-%s", s, dlen, md);
			ATF_REQUIRE(!ossl_verify(k.pkey, s, md, dlen - 1, msg1, sizeof(msg1), sig, len));
			const char *other_md = strcmp(md, "SHA256") == 0 ? "SHA384" : "SHA256";
			ATF_REQUIRE(!ossl_verify(k.pkey, s, other_md, dlen, msg1, sizeof(msg1), sig, len));
		} else {
			ATF_REQUIRE_MSG(ossl_verify(k.pkey, s, NULL, 0, msg1, sizeof(msg1), sig, len),
					"scheme %#06x: libcrypto rejects the signature", s);
		}

		/* Every bit position class: first byte, middle, last byte. */
		size_t pos[] = { 0, len / 2, len - 1 };
		for (size_t p = 0; p < 3; p++) {
			memcpy(bad, sig, len);
			bad[pos[p]] ^= 0x01;
			EXPECT_ERR(moat_sig_verify(&k, s, msg1, sizeof(msg1), bad, len), MOAT_ERR_DECRYPT_ERROR);
		}
		EXPECT_ERR(moat_sig_verify(&k, s, msg2, sizeof(msg2), sig, len), MOAT_ERR_DECRYPT_ERROR);
		EXPECT_ERR(moat_sig_verify(&k, s, msg1, sizeof(msg1) - 1, sig, len), MOAT_ERR_DECRYPT_ERROR);
		EXPECT_ERR(moat_sig_verify(&k, s, msg1, sizeof(msg1), sig, len - 1), MOAT_ERR_DECRYPT_ERROR);
		EXPECT_ERR(moat_sig_verify(&k, s, msg1, sizeof(msg1), sig, 0), MOAT_ERR_DECRYPT_ERROR);
		memset(bad, 0, sizeof(bad));
		EXPECT_ERR(moat_sig_verify(&k, s, msg1, sizeof(msg1), bad, len), MOAT_ERR_DECRYPT_ERROR);

		/* PKCS#1 v1.5 and Ed25519 are deterministic; PSS and ECDSA are randomised. */
		len2 = sizeof(sig2);
		EXPECT_OK(moat_sig_sign(&k, s, msg1, sizeof(msg1), sig2, &len2));
		bool same = len == len2 && memcmp(sig, sig2, len) == 0;
		bool deterministic = type == MOAT_KEY_ED25519 || (!is_pss(s) && type == MOAT_KEY_RSA);
		ATF_REQUIRE_MSG(same == deterministic, "scheme %#06x: deterministic=%d", s, same);

		/* An empty message is signable (a NULL pointer with length 0 too). */
		len2 = sizeof(sig2);
		EXPECT_OK(moat_sig_sign(&k, s, NULL, 0, sig2, &len2));
		EXPECT_OK(moat_sig_verify(&k, s, (const uint8_t *)"", 0, sig2, len2));
	}
	ATF_REQUIRE(usable > 0);

	/* Output capacity below the maximum signature size. */
	len = moat_pkey_max_sig_len(&k) - 1;
	uint16_t first = 0;
	for (size_t i = 0; i < N_SCHEMES && first == 0; i++)
		if (moat_sig_scheme_usable_tls13(all_schemes[i], type))
			first = all_schemes[i];
	ATF_REQUIRE(first != 0);
	EXPECT_ERR(moat_sig_sign(&k, first, msg1, sizeof(msg1), sig, &len), MOAT_ERR_BUF_FULL);
	moat_pkey_free(&k);
	moat_pkey_free(&k);
}

ATF_TC_WITHOUT_HEAD(sign_verify_rsa);
ATF_TC_BODY(sign_verify_rsa, tc)
{
	sign_verify_all(MOAT_KEY_RSA);
}

ATF_TC_WITHOUT_HEAD(sign_verify_rsa_pss_key);
ATF_TC_BODY(sign_verify_rsa_pss_key, tc)
{
	sign_verify_all(MOAT_KEY_RSA_PSS);
}

ATF_TC_WITHOUT_HEAD(sign_verify_p256);
ATF_TC_BODY(sign_verify_p256, tc)
{
	sign_verify_all(MOAT_KEY_EC_P256);
}

ATF_TC_WITHOUT_HEAD(sign_verify_p384);
ATF_TC_BODY(sign_verify_p384, tc)
{
	sign_verify_all(MOAT_KEY_EC_P384);
}

ATF_TC_WITHOUT_HEAD(sign_verify_p521);
ATF_TC_BODY(sign_verify_p521, tc)
{
	sign_verify_all(MOAT_KEY_EC_P521);
}

ATF_TC_WITHOUT_HEAD(sign_verify_ed25519);
ATF_TC_BODY(sign_verify_ed25519, tc)
{
	sign_verify_all(MOAT_KEY_ED25519);
}

/* RFC 8446 §4.2.3: a PSS signature whose salt is not the digest length is refused. */
ATF_TC_WITHOUT_HEAD(pss_wrong_salt_refused);
ATF_TC_BODY(pss_wrong_salt_refused, tc)
{
	struct moat_pkey k;
	uint8_t sig[512];
	size_t len = sizeof(sig);

	gen_key(&k, MOAT_KEY_RSA);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	ATF_REQUIRE(EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL, k.pkey, NULL) == 1);
	ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
	ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 20) == 1);
	ATF_REQUIRE(EVP_DigestSign(ctx, sig, &len, msg1, sizeof(msg1)) == 1);
	EVP_MD_CTX_free(ctx);
	ATF_REQUIRE(ossl_verify(k.pkey, MOAT_SIG_RSA_PSS_RSAE_SHA256, "SHA256", 20, msg1, sizeof(msg1), sig, len));
	EXPECT_ERR(moat_sig_verify(&k, MOAT_SIG_RSA_PSS_RSAE_SHA256, msg1, sizeof(msg1), sig, len),
		   MOAT_ERR_DECRYPT_ERROR);
	/* The same key signing PKCS#1 is not a PSS signature either. */
	len = sizeof(sig);
	EXPECT_OK(moat_sig_sign(&k, MOAT_SIG_RSA_PKCS1_SHA256, msg1, sizeof(msg1), sig, &len));
	EXPECT_ERR(moat_sig_verify(&k, MOAT_SIG_RSA_PSS_RSAE_SHA256, msg1, sizeof(msg1), sig, len),
		   MOAT_ERR_DECRYPT_ERROR);
	/* A SHA-256 signature checked as SHA-384. */
	len = sizeof(sig);
	EXPECT_OK(moat_sig_sign(&k, MOAT_SIG_RSA_PSS_RSAE_SHA256, msg1, sizeof(msg1), sig, &len));
	EXPECT_ERR(moat_sig_verify(&k, MOAT_SIG_RSA_PSS_RSAE_SHA384, msg1, sizeof(msg1), sig, len),
		   MOAT_ERR_DECRYPT_ERROR);
	moat_pkey_free(&k);
}

/* A signature by one key does not verify under another of the same type. */
/*
 * TLS 1.0/1.1 (private code points): RSA is PKCS#1 v1.5 over MD5 || SHA-1 of
 * the content with no DigestInfo (RFC 2246 §7.4.3, §4.7), checked here by
 * opening the signature with the public key and comparing the raw block;
 * ECDSA is over SHA-1 (RFC 4492 §5.4), checked with libcrypto directly.
 * Neither scheme is usable for TLS 1.2 or 1.3.
 */
ATF_TC_WITHOUT_HEAD(legacy_schemes);
ATF_TC_BODY(legacy_schemes, tc)
{
	struct moat_pkey rsa, ec, pss;
	gen_key(&rsa, MOAT_KEY_RSA);
	gen_key(&ec, MOAT_KEY_EC_P384);
	gen_key(&pss, MOAT_KEY_RSA_PSS);
	uint8_t sig[512], block[512], want[36];
	size_t sig_len = sizeof(sig);

	EXPECT_OK(moat_sig_sign(&rsa, MOAT_SIG_LEGACY_RSA_MD5_SHA1, msg1, sizeof(msg1), sig, &sig_len));
	ATF_REQUIRE_EQ(sig_len, 256);
	EXPECT_OK(moat_sig_verify(&rsa, MOAT_SIG_LEGACY_RSA_MD5_SHA1, msg1, sizeof(msg1), sig, sig_len));
	EXPECT_ERR(moat_sig_verify(&rsa, MOAT_SIG_LEGACY_RSA_MD5_SHA1, msg2, sizeof(msg2), sig, sig_len),
		   MOAT_ERR_DECRYPT_ERROR);
	unsigned int md_len = 0;
	ATF_REQUIRE(EVP_Digest(msg1, sizeof(msg1), want, &md_len, EVP_md5(), NULL) == 1 && md_len == 16);
	ATF_REQUIRE(EVP_Digest(msg1, sizeof(msg1), want + 16, &md_len, EVP_sha1(), NULL) == 1 && md_len == 20);
	/* Open the signature: 00 01 FF..FF 00 then exactly the 36 digest bytes, no DigestInfo. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(rsa.pkey, NULL);
	ATF_REQUIRE(ctx != NULL && EVP_PKEY_verify_recover_init(ctx) == 1);
	ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1);
	size_t block_len = sizeof(block);
	ATF_REQUIRE(EVP_PKEY_verify_recover(ctx, block, &block_len, sig, sig_len) == 1);
	EVP_PKEY_CTX_free(ctx);
	ATF_REQUIRE_EQ(block_len, 256);
	ATF_REQUIRE_EQ(block[0], 0x00);
	ATF_REQUIRE_EQ(block[1], 0x01);
	for (size_t i = 2; i < 256 - 37; i++)
		ATF_REQUIRE_EQ(block[i], 0xff);
	ATF_REQUIRE_EQ(block[256 - 37], 0x00);
	ATF_REQUIRE(memcmp(block + 256 - 36, want, 36) == 0);

	sig_len = sizeof(sig);
	EXPECT_OK(moat_sig_sign(&ec, MOAT_SIG_LEGACY_ECDSA_SHA1, msg1, sizeof(msg1), sig, &sig_len));
	EXPECT_OK(moat_sig_verify(&ec, MOAT_SIG_LEGACY_ECDSA_SHA1, msg1, sizeof(msg1), sig, sig_len));
	ATF_REQUIRE(ossl_verify(ec.pkey, MOAT_SIG_LEGACY_ECDSA_SHA1, NULL, 0, msg1, sizeof(msg1), sig, sig_len));

	/* Only where TLS 1.0/1.1 puts them. */
	const moat_key_type types[] = { MOAT_KEY_RSA, MOAT_KEY_RSA_PSS, MOAT_KEY_EC_P256, MOAT_KEY_EC_P521,
					 MOAT_KEY_ED25519 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		moat_key_type t = types[i];
		ATF_REQUIRE(!moat_sig_scheme_usable_tls12(MOAT_SIG_LEGACY_RSA_MD5_SHA1, t));
		ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_LEGACY_RSA_MD5_SHA1, t));
		ATF_REQUIRE(!moat_sig_scheme_usable_tls12(MOAT_SIG_LEGACY_ECDSA_SHA1, t));
		ATF_REQUIRE(!moat_sig_scheme_usable_tls13(MOAT_SIG_LEGACY_ECDSA_SHA1, t));
		ATF_REQUIRE_EQ(moat_sig_scheme_usable_legacy(MOAT_SIG_LEGACY_RSA_MD5_SHA1, t), t == MOAT_KEY_RSA);
		ATF_REQUIRE_EQ(moat_sig_scheme_usable_legacy(MOAT_SIG_LEGACY_ECDSA_SHA1, t), is_ec(t));
		/* And the TLS 1.2 schemes are not legacy ones. */
		ATF_REQUIRE(!moat_sig_scheme_usable_legacy(MOAT_SIG_RSA_PKCS1_SHA256, t));
		ATF_REQUIRE(!moat_sig_scheme_usable_legacy(MOAT_SIG_ECDSA_SHA1, t));
	}
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_LEGACY_RSA_MD5_SHA1), 36);
	ATF_REQUIRE_EQ(moat_sig_scheme_digest_len(MOAT_SIG_LEGACY_ECDSA_SHA1), 20);
	/* An RSA-PSS key cannot make a PKCS#1 v1.5 signature; the wrong family either way. */
	sig_len = sizeof(sig);
	EXPECT_ERR(moat_sig_sign(&pss, MOAT_SIG_LEGACY_RSA_MD5_SHA1, msg1, sizeof(msg1), sig, &sig_len),
		   MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_sig_sign(&ec, MOAT_SIG_LEGACY_RSA_MD5_SHA1, msg1, sizeof(msg1), sig, &sig_len),
		   MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_sig_sign(&rsa, MOAT_SIG_LEGACY_ECDSA_SHA1, msg1, sizeof(msg1), sig, &sig_len),
		   MOAT_ERR_ILLEGAL_PARAMETER);
	moat_pkey_free(&rsa);
	moat_pkey_free(&ec);
	moat_pkey_free(&pss);
}

/*
 * A signature over a digest (the TLS 1.2 / 1.0 client CertificateVerify
 * path) is the signature over the message that hashes to it: sign either
 * way, verify the other way, for every scheme each key type makes in
 * TLS 1.2 or 1.0/1.1.
 */
ATF_TC_WITHOUT_HEAD(digest_sign_verify);
ATF_TC_BODY(digest_sign_verify, tc)
{
	const moat_key_type types[] = { MOAT_KEY_RSA, MOAT_KEY_RSA_PSS, MOAT_KEY_EC_P256, MOAT_KEY_EC_P384 };
	const uint16_t schemes[] = {
		MOAT_SIG_RSA_PKCS1_SHA256,       MOAT_SIG_RSA_PKCS1_SHA384,       MOAT_SIG_RSA_PKCS1_SHA512,
		MOAT_SIG_RSA_PSS_RSAE_SHA256,    MOAT_SIG_RSA_PSS_RSAE_SHA512,    MOAT_SIG_RSA_PSS_PSS_SHA256,
		MOAT_SIG_RSA_PSS_PSS_SHA384,     MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_ECDSA_SECP384R1_SHA384,
		MOAT_SIG_ECDSA_SECP521R1_SHA512, MOAT_SIG_LEGACY_RSA_MD5_SHA1,    MOAT_SIG_LEGACY_ECDSA_SHA1,
	};
	size_t done = 0;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		struct moat_pkey k;
		gen_key(&k, types[t]);
		for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
			uint16_t sc = schemes[i];
			if (!moat_sig_scheme_usable_tls12(sc, types[t]) && !moat_sig_scheme_usable_legacy(sc, types[t]))
				continue;
			uint8_t digest[64], sig[512];
			unsigned int dlen = 0;
			ATF_REQUIRE(EVP_Digest(msg1, sizeof(msg1), digest, &dlen, EVP_get_digestbyname(md_of(sc)), NULL) == 1);
			ATF_REQUIRE_EQ(dlen, moat_sig_scheme_digest_len(sc));
			size_t sig_len = sizeof(sig);
			EXPECT_OK(moat_sig_sign_digest(&k, sc, digest, dlen, sig, &sig_len));
			EXPECT_OK(moat_sig_verify(&k, sc, msg1, sizeof(msg1), sig, sig_len));
			EXPECT_ERR(moat_sig_verify(&k, sc, msg2, sizeof(msg2), sig, sig_len), MOAT_ERR_DECRYPT_ERROR);
			sig_len = sizeof(sig);
			EXPECT_OK(moat_sig_sign(&k, sc, msg1, sizeof(msg1), sig, &sig_len));
			EXPECT_OK(moat_sig_verify_digest(&k, sc, digest, dlen, sig, sig_len));
			digest[0] ^= 1;
			EXPECT_ERR(moat_sig_verify_digest(&k, sc, digest, dlen, sig, sig_len), MOAT_ERR_DECRYPT_ERROR);
			/* A digest of the wrong length is never signed. */
			sig_len = sizeof(sig);
			EXPECT_ERR(moat_sig_sign_digest(&k, sc, digest, dlen - 1, sig, &sig_len), MOAT_ERR_ILLEGAL_PARAMETER);
			done++;
		}
		moat_pkey_free(&k);
	}
	ATF_REQUIRE(done >= 12);
}

ATF_TC_WITHOUT_HEAD(other_key_refused);
ATF_TC_BODY(other_key_refused, tc)
{
	struct moat_pkey a, b;
	uint8_t sig[256];
	size_t len = sizeof(sig);

	gen_key(&a, MOAT_KEY_EC_P256);
	gen_key(&b, MOAT_KEY_EC_P256);
	EXPECT_OK(moat_sig_sign(&a, MOAT_SIG_ECDSA_SECP256R1_SHA256, msg1, sizeof(msg1), sig, &len));
	EXPECT_ERR(moat_sig_verify(&b, MOAT_SIG_ECDSA_SECP256R1_SHA256, msg1, sizeof(msg1), sig, len),
		   MOAT_ERR_DECRYPT_ERROR);
	/* Misuse: no key, NULL arguments. */
	struct moat_pkey none;
	memset(&none, 0, sizeof(none));
	EXPECT_ERR(moat_sig_sign(&none, MOAT_SIG_ECDSA_SECP256R1_SHA256, msg1, sizeof(msg1), sig, &len),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_sig_verify(NULL, MOAT_SIG_ECDSA_SECP256R1_SHA256, msg1, sizeof(msg1), sig, len),
		   MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_sig_verify(&a, MOAT_SIG_ECDSA_SECP256R1_SHA256, msg1, sizeof(msg1), NULL, len),
		   MOAT_ERR_NULL_ARG);
	moat_pkey_free(&a);
	moat_pkey_free(&b);
}

ATF_TC_WITHOUT_HEAD(key_sizes);
ATF_TC_BODY(key_sizes, tc)
{
	struct moat_pkey k;
	gen_key(&k, MOAT_KEY_RSA);
	ATF_REQUIRE_EQ(moat_pkey_bits(&k), 2048);
	ATF_REQUIRE_EQ(moat_pkey_max_sig_len(&k), 256);
	moat_pkey_free(&k);
	gen_key(&k, MOAT_KEY_EC_P256);
	ATF_REQUIRE_EQ(moat_pkey_bits(&k), 256);
	ATF_REQUIRE(moat_pkey_max_sig_len(&k) >= 70 && moat_pkey_max_sig_len(&k) <= 72);
	moat_pkey_free(&k);
	gen_key(&k, MOAT_KEY_EC_P384);
	ATF_REQUIRE_EQ(moat_pkey_bits(&k), 384);
	moat_pkey_free(&k);
	gen_key(&k, MOAT_KEY_ED25519);
	ATF_REQUIRE_EQ(moat_pkey_max_sig_len(&k), 64);
	moat_pkey_free(&k);
	ATF_REQUIRE_EQ(moat_pkey_bits(&k), 0);
	ATF_REQUIRE_EQ(moat_pkey_max_sig_len(NULL), 0);
}

/* PEM text of a key in a chosen form. */
enum pem_form { PEM_PKCS8, PEM_TRADITIONAL, PEM_PKCS8_ENCRYPTED, PEM_TRADITIONAL_ENCRYPTED };

static char *to_pem(EVP_PKEY *p, enum pem_form form, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int ok = 0;
	switch (form) {
	case PEM_PKCS8: ok = PEM_write_bio_PrivateKey(bio, p, NULL, NULL, 0, NULL, NULL); break;
	case PEM_TRADITIONAL: ok = PEM_write_bio_PrivateKey_traditional(bio, p, NULL, NULL, 0, NULL, NULL); break;
	case PEM_PKCS8_ENCRYPTED:
		ok = PEM_write_bio_PKCS8PrivateKey(bio, p, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret");
		break;
	case PEM_TRADITIONAL_ENCRYPTED:
		ok = PEM_write_bio_PrivateKey_traditional(bio, p, EVP_aes_128_cbc(), (unsigned char *)"secret", 6,
							   NULL, NULL);
		break;
	}
	ATF_REQUIRE(ok == 1);
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	ATF_REQUIRE(n > 0);
	char *out = malloc((size_t)n + 1);
	ATF_REQUIRE(out != NULL);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	return out;
}

static void check_pem_round_trip(moat_key_type type, enum pem_form form, const char *header)
{
	struct moat_pkey k, loaded, pub;
	size_t len = 0;

	gen_key(&k, type);
	char *pem = to_pem(k.pkey, form, &len);
	ATF_REQUIRE_MSG(strstr(pem, header) != NULL, "expected a %s block", header);
	EXPECT_OK(moat_pkey_from_private_pem(&loaded, pem, len));
	ATF_REQUIRE_EQ(loaded.type, type);
	ATF_REQUIRE(moat_pkey_matches(&loaded, &k));
	EXPECT_OK(moat_pkey_copy_public(&pub, &k));
	ATF_REQUIRE(moat_pkey_matches(&loaded, &pub));
	ATF_REQUIRE_EQ(pub.type, type);

	/* The loaded key signs what the original's public half verifies. */
	uint16_t scheme = 0;
	for (size_t i = 0; i < N_SCHEMES && scheme == 0; i++)
		if (moat_sig_scheme_usable_tls13(all_schemes[i], type))
			scheme = all_schemes[i];
	uint8_t sig[1024];
	size_t sig_len = sizeof(sig);
	EXPECT_OK(moat_sig_sign(&loaded, scheme, msg1, sizeof(msg1), sig, &sig_len));
	EXPECT_OK(moat_sig_verify(&pub, scheme, msg1, sizeof(msg1), sig, sig_len));
	/* The public copy holds no private key. */
	sig_len = sizeof(sig);
	EXPECT_ERR(moat_sig_sign(&pub, scheme, msg1, sizeof(msg1), sig, &sig_len), MOAT_ERR_CRYPTO);

	free(pem);
	moat_pkey_free(&k);
	moat_pkey_free(&loaded);
	moat_pkey_free(&pub);
}

ATF_TC_WITHOUT_HEAD(pem_pkcs8_and_traditional);
ATF_TC_BODY(pem_pkcs8_and_traditional, tc)
{
	check_pem_round_trip(MOAT_KEY_RSA, PEM_PKCS8, "-----BEGIN PRIVATE KEY-----");
	check_pem_round_trip(MOAT_KEY_RSA, PEM_TRADITIONAL, "-----BEGIN RSA PRIVATE KEY-----");
	check_pem_round_trip(MOAT_KEY_EC_P256, PEM_PKCS8, "-----BEGIN PRIVATE KEY-----");
	check_pem_round_trip(MOAT_KEY_EC_P256, PEM_TRADITIONAL, "-----BEGIN EC PRIVATE KEY-----");
	check_pem_round_trip(MOAT_KEY_EC_P384, PEM_TRADITIONAL, "-----BEGIN EC PRIVATE KEY-----");
	check_pem_round_trip(MOAT_KEY_EC_P521, PEM_PKCS8, "-----BEGIN PRIVATE KEY-----");
	check_pem_round_trip(MOAT_KEY_RSA_PSS, PEM_PKCS8, "-----BEGIN PRIVATE KEY-----");
	check_pem_round_trip(MOAT_KEY_ED25519, PEM_PKCS8, "-----BEGIN PRIVATE KEY-----");
}

ATF_TC_WITHOUT_HEAD(pem_failures);
ATF_TC_BODY(pem_failures, tc)
{
	struct moat_pkey k;
	size_t len = 0;
	static const char garbage[] = "this is not a key\n";
	static const char bad_base64[] = "-----BEGIN PRIVATE KEY-----\n!!!!notbase64@@@@\n-----END PRIVATE KEY-----\n";
	static const char truncated[] = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n";
	static const char wrong_der[] = "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n";

	EXPECT_ERR(moat_pkey_from_private_pem(&k, garbage, sizeof(garbage) - 1), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, bad_base64, sizeof(bad_base64) - 1), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, truncated, sizeof(truncated) - 1), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, wrong_der, sizeof(wrong_der) - 1), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, garbage, 0), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, NULL, 10), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE(k.pkey == NULL);

	/* Encrypted keys fail without prompting for a passphrase. */
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ATF_REQUIRE(p != NULL);
	char *pem = to_pem(p, PEM_PKCS8_ENCRYPTED, &len);
	ATF_REQUIRE(strstr(pem, "ENCRYPTED PRIVATE KEY") != NULL);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, pem, len), MOAT_ERR_INVALID_PEM);
	free(pem);
	pem = to_pem(p, PEM_TRADITIONAL_ENCRYPTED, &len);
	ATF_REQUIRE(strstr(pem, "Proc-Type: 4,ENCRYPTED") != NULL);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, pem, len), MOAT_ERR_INVALID_PEM);
	free(pem);

	/* Only part of a good PEM is not a key. */
	pem = to_pem(p, PEM_PKCS8, &len);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, pem, len / 2), MOAT_ERR_INVALID_PEM);
	EXPECT_OK(moat_pkey_from_private_pem(&k, pem, len));
	moat_pkey_free(&k);
	free(pem);
	EVP_PKEY_free(p);

	/* Keys TLS signing here does not support: X25519 (no signatures), secp256k1. */
	p = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	pem = to_pem(p, PEM_PKCS8, &len);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, pem, len), MOAT_ERR_NOT_SUPPORTED);
	free(pem);
	EVP_PKEY_free(p);
	p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	ATF_REQUIRE(p != NULL);
	pem = to_pem(p, PEM_TRADITIONAL, &len);
	EXPECT_ERR(moat_pkey_from_private_pem(&k, pem, len), MOAT_ERR_NOT_SUPPORTED);
	free(pem);
	EVP_PKEY_free(p);
	ATF_REQUIRE(k.pkey == NULL);
}

/* A certificate (or any other PEM block) before the key, as in a combined file, is skipped. */
ATF_TC_WITHOUT_HEAD(pem_key_after_other_block);
ATF_TC_BODY(pem_key_after_other_block, tc)
{
	struct moat_pkey k, loaded;
	size_t len = 0;

	gen_key(&k, MOAT_KEY_EC_P256);
	char *key_pem = to_pem(k.pkey, PEM_PKCS8, &len);
	static const char params[] = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
	char *combined = malloc(sizeof(params) + len);
	ATF_REQUIRE(combined != NULL);
	memcpy(combined, params, sizeof(params) - 1);
	memcpy(combined + sizeof(params) - 1, key_pem, len);
	EXPECT_OK(moat_pkey_from_private_pem(&loaded, combined, sizeof(params) - 1 + len));
	ATF_REQUIRE(moat_pkey_matches(&loaded, &k));
	moat_pkey_free(&loaded);
	free(combined);
	free(key_pem);
	moat_pkey_free(&k);
}

ATF_TC_WITHOUT_HEAD(matches_and_public_der);
ATF_TC_BODY(matches_and_public_der, tc)
{
	struct moat_pkey rsa, rsa2, ec, pub, none;
	unsigned char *der = NULL;

	memset(&none, 0, sizeof(none));
	gen_key(&rsa, MOAT_KEY_RSA);
	gen_key(&rsa2, MOAT_KEY_RSA);
	gen_key(&ec, MOAT_KEY_EC_P256);

	int n = i2d_PUBKEY(rsa.pkey, &der);
	ATF_REQUIRE(n > 0);
	EXPECT_OK(moat_pkey_from_public_der(&pub, der, (size_t)n));
	ATF_REQUIRE_EQ(pub.type, MOAT_KEY_RSA);
	ATF_REQUIRE(moat_pkey_matches(&rsa, &pub));
	ATF_REQUIRE(moat_pkey_matches(&rsa, &rsa));
	ATF_REQUIRE(!moat_pkey_matches(&rsa2, &pub));
	ATF_REQUIRE(!moat_pkey_matches(&ec, &pub));
	ATF_REQUIRE(!moat_pkey_matches(&none, &pub));
	ATF_REQUIRE(!moat_pkey_matches(&rsa, NULL));
	moat_pkey_free(&pub);

	/* Malformed SPKI: truncated, trailing byte, garbage. */
	uint8_t buf[1024];
	ATF_REQUIRE((size_t)n < sizeof(buf));
	memcpy(buf, der, (size_t)n);
	buf[n] = 0;
	EXPECT_ERR(moat_pkey_from_public_der(&pub, buf, (size_t)n - 1), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_pkey_from_public_der(&pub, buf, (size_t)n + 1), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_pkey_from_public_der(&pub, (const uint8_t *)"\x30\x03\x02\x01\x00", 5),
		   MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_pkey_from_public_der(&pub, buf, 0), MOAT_ERR_BAD_CERTIFICATE);
	ATF_REQUIRE(pub.pkey == NULL);
	OPENSSL_free(der);

	/* An X25519 SPKI is well formed but not a signing key. */
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	der = NULL;
	n = i2d_PUBKEY(x, &der);
	ATF_REQUIRE(n > 0);
	EXPECT_ERR(moat_pkey_from_public_der(&pub, der, (size_t)n), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	OPENSSL_free(der);
	ATF_REQUIRE(moat_pkey_type_of(x) == MOAT_KEY_NONE);
	EXPECT_ERR(moat_pkey_wrap(&pub, x), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	EVP_PKEY_free(x);
	ATF_REQUIRE(moat_pkey_type_of(NULL) == MOAT_KEY_NONE);

	EXPECT_ERR(moat_pkey_copy_public(&pub, &none), MOAT_ERR_INVALID_ARG);
	moat_pkey_free(&rsa);
	moat_pkey_free(&rsa2);
	moat_pkey_free(&ec);
}

/*
 * The signer, for every scheme of the list with one key type: a context for
 * each scheme the key can sign (and none for the others), signatures that
 * moat_sig_verify and libcrypto (with the RFC 8446 §4.2.3 PSS parameters)
 * accept, the refusals and errors of moat_sig_sign for the rest.
 */
static void signer_all(moat_key_type type)
{
	struct moat_pkey k;
	struct moat_signer *sg = NULL;
	uint8_t sig[1024];
	size_t len, want_ready = 0;

	gen_key(&k, type);
	EXPECT_OK(moat_signer_new(&k, all_schemes, N_SCHEMES, &sg));
	ATF_REQUIRE(sg != NULL);
	/* The signer holds its own reference: the caller's key may go first. */
	struct moat_pkey pub;
	EXPECT_OK(moat_pkey_copy_public(&pub, &k));
	moat_pkey_free(&k);
	for (size_t i = 0; i < N_SCHEMES; i++) {
		uint16_t s = all_schemes[i];
		len = sizeof(sig);
		if (!moat_sig_scheme_usable_tls12(s, type) && !moat_sig_scheme_usable_tls12_sha1(s, type) &&
		    !moat_sig_scheme_usable_legacy(s, type)) {
			EXPECT_ERR(moat_signer_sign(sg, s, msg1, sizeof(msg1), sig, &len), MOAT_ERR_ILLEGAL_PARAMETER);
			continue;
		}
		want_ready++;
		for (int round = 0; round < 2; round++) {
			len = sizeof(sig);
			EXPECT_OK(moat_signer_sign(sg, s, msg1, sizeof(msg1), sig, &len));
			EXPECT_OK(moat_sig_verify(&pub, s, msg1, sizeof(msg1), sig, len));
			const char *md = md_of(s);
			if (is_pss(s))
				ATF_REQUIRE(ossl_verify(pub.pkey, s, md, (int)moat_sig_scheme_digest_len(s), msg1,
							sizeof(msg1), sig, len));
			EXPECT_ERR(moat_sig_verify(&pub, s, msg2, sizeof(msg2), sig, len), MOAT_ERR_DECRYPT_ERROR);
		}
		/* A copy starts from the template's empty message: an empty one signs as such. */
		len = sizeof(sig);
		EXPECT_OK(moat_signer_sign(sg, s, NULL, 0, sig, &len));
		EXPECT_OK(moat_sig_verify(&pub, s, (const uint8_t *)"", 0, sig, len));
		len = moat_pkey_max_sig_len(&pub) - 1;
		EXPECT_ERR(moat_signer_sign(sg, s, msg1, sizeof(msg1), sig, &len), MOAT_ERR_BUF_FULL);
	}
	ATF_REQUIRE(want_ready > 0);
	ATF_REQUIRE_EQ(moat_signer_ready(sg), want_ready);
	moat_signer_free(sg);
	moat_pkey_free(&pub);
}

ATF_TC_WITHOUT_HEAD(signer_rsa);
ATF_TC_BODY(signer_rsa, tc)
{
	signer_all(MOAT_KEY_RSA);
}

ATF_TC_WITHOUT_HEAD(signer_rsa_pss_key);
ATF_TC_BODY(signer_rsa_pss_key, tc)
{
	signer_all(MOAT_KEY_RSA_PSS);
}

ATF_TC_WITHOUT_HEAD(signer_ec);
ATF_TC_BODY(signer_ec, tc)
{
	signer_all(MOAT_KEY_EC_P256);
	signer_all(MOAT_KEY_EC_P384);
	signer_all(MOAT_KEY_EC_P521);
}

ATF_TC_WITHOUT_HEAD(signer_ed25519);
ATF_TC_BODY(signer_ed25519, tc)
{
	signer_all(MOAT_KEY_ED25519);
}

/* A scheme left out of the signer is signed the slow way; no schemes at all is a signer too. */
ATF_TC_WITHOUT_HEAD(signer_scheme_not_listed);
ATF_TC_BODY(signer_scheme_not_listed, tc)
{
	struct moat_pkey k;
	struct moat_signer *sg = NULL;
	uint8_t sig[512];
	size_t len = sizeof(sig);
	static const uint16_t one[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };

	gen_key(&k, MOAT_KEY_EC_P256);
	EXPECT_OK(moat_signer_new(&k, one, 1, &sg));
	ATF_REQUIRE_EQ(moat_signer_ready(sg), 1);
	EXPECT_OK(moat_signer_sign(sg, MOAT_SIG_ECDSA_SECP384R1_SHA384, msg1, sizeof(msg1), sig, &len));
	EXPECT_OK(moat_sig_verify(&k, MOAT_SIG_ECDSA_SECP384R1_SHA384, msg1, sizeof(msg1), sig, len));
	moat_signer_free(sg);
	sg = NULL;
	EXPECT_OK(moat_signer_new(&k, NULL, 0, &sg));
	ATF_REQUIRE_EQ(moat_signer_ready(sg), 0);
	len = sizeof(sig);
	EXPECT_OK(moat_signer_sign(sg, MOAT_SIG_ECDSA_SECP256R1_SHA256, msg1, sizeof(msg1), sig, &len));
	EXPECT_OK(moat_sig_verify(&k, MOAT_SIG_ECDSA_SECP256R1_SHA256, msg1, sizeof(msg1), sig, len));
	moat_signer_free(sg);
	moat_signer_free(NULL);
	EXPECT_ERR(moat_signer_new(&k, one, MOAT_SIGNER_MAX_SCHEMES + 1, &sg), MOAT_ERR_INVALID_ARG);
	moat_pkey_free(&k);
}

/* keyd's signing threads share one signer: every thread's signatures verify. */
struct signer_thread_arg {
	const struct moat_signer *sg;
	const struct moat_pkey *pub;
	uint16_t scheme;
	int good;
};

static void *signer_thread(void *p)
{
	struct signer_thread_arg *a = p;
	for (int i = 0; i < 50; i++) {
		uint8_t sig[512], msg[32];
		size_t len = sizeof(sig);
		memset(msg, (int)i, sizeof(msg));
		if (moat_signer_sign(a->sg, a->scheme, msg, sizeof(msg), sig, &len) == MOAT_SUCCESS &&
		    moat_sig_verify(a->pub, a->scheme, msg, sizeof(msg), sig, len) == MOAT_SUCCESS)
			a->good++;
	}
	return NULL;
}

ATF_TC_WITHOUT_HEAD(signer_threads);
ATF_TC_BODY(signer_threads, tc)
{
	struct moat_pkey k;
	struct moat_signer *sg = NULL;
	static const uint16_t one[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	pthread_t th[4];
	struct signer_thread_arg args[4];

	gen_key(&k, MOAT_KEY_EC_P256);
	EXPECT_OK(moat_signer_new(&k, one, 1, &sg));
	for (size_t i = 0; i < 4; i++) {
		args[i] = (struct signer_thread_arg){ .sg = sg, .pub = &k, .scheme = one[0] };
		ATF_REQUIRE(pthread_create(&th[i], NULL, signer_thread, &args[i]) == 0);
	}
	for (size_t i = 0; i < 4; i++) {
		ATF_REQUIRE(pthread_join(th[i], NULL) == 0);
		ATF_REQUIRE_EQ(args[i].good, 50);
	}
	moat_signer_free(sg);
	moat_pkey_free(&k);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, usable_tls13_table);
	ATF_TP_ADD_TC(tp, usable_tls12_table);
	ATF_TP_ADD_TC(tp, usable_tls12_sha1);
	ATF_TP_ADD_TC(tp, sign_verify_rsa);
	ATF_TP_ADD_TC(tp, sign_verify_rsa_pss_key);
	ATF_TP_ADD_TC(tp, sign_verify_p256);
	ATF_TP_ADD_TC(tp, sign_verify_p384);
	ATF_TP_ADD_TC(tp, sign_verify_p521);
	ATF_TP_ADD_TC(tp, sign_verify_ed25519);
	ATF_TP_ADD_TC(tp, pss_wrong_salt_refused);
	ATF_TP_ADD_TC(tp, other_key_refused);
	ATF_TP_ADD_TC(tp, legacy_schemes);
	ATF_TP_ADD_TC(tp, digest_sign_verify);
	ATF_TP_ADD_TC(tp, key_sizes);
	ATF_TP_ADD_TC(tp, pem_pkcs8_and_traditional);
	ATF_TP_ADD_TC(tp, pem_failures);
	ATF_TP_ADD_TC(tp, pem_key_after_other_block);
	ATF_TP_ADD_TC(tp, matches_and_public_der);
	ATF_TP_ADD_TC(tp, signer_rsa);
	ATF_TP_ADD_TC(tp, signer_rsa_pss_key);
	ATF_TP_ADD_TC(tp, signer_ec);
	ATF_TP_ADD_TC(tp, signer_ed25519);
	ATF_TP_ADD_TC(tp, signer_scheme_not_listed);
	ATF_TP_ADD_TC(tp, signer_threads);
	return atf_no_error();
}
