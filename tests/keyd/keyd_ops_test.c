/*
 * keyd's key operations in-process (keyd/ops.h, keys.h, control.h,
 * workers.h): SIGN for every scheme of moat-ipc(7) with every key type,
 * each signature verified with the public half only; every refusal with the
 * status moat-ipc(7) names (BAD_INPUT, BAD_SCHEME, UNKNOWN_KEY, ...); the
 * RSA_DECRYPT implicit rejection (always 48 bytes, random and different for
 * every kind of bad ciphertext, the premaster for a good one); key loading,
 * ids and scheme lists; LIST_KEYS and STATS replies; the signing threads.
 *
 * Request bodies are written out byte by byte here, not with the ipc
 * encoders, and the expected schemes per key type are tables written from
 * RFC 8446 §4.2.3 and RFC 8422 §5.1.1, so the tests fail if keyd and the
 * RFCs disagree.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/cursor.h"
#include "ipc/ipc.h"
#include "keyd/control.h"
#include "keyd/crypto_rsa_decrypt.h"
#include "keyd/keys.h"
#include "keyd/names.h"
#include "keyd/ops.h"
#include "keyd/workers.h"
#include "tests/keyd/keyd_test_keys.h"
#include "tests/moat_test.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/signed_content.h"
#include "tls/iana.h"

/* ---- request bodies, byte by byte ---- */

struct body {
	uint8_t mem[4096];
	size_t len;
};

static void put(struct body *b, const void *p, size_t n)
{
	ATF_REQUIRE(b->len + n <= sizeof(b->mem));
	memcpy(b->mem + b->len, p, n);
	b->len += n;
}

static void put_u16(struct body *b, uint16_t v)
{
	const uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(b, x, 2);
}

static struct moat_cursor cursor_of(const struct body *b)
{
	struct moat_cursor c;
	moat_cursor_init(&c, b->mem, b->len);
	return c;
}

static struct body sign_body(const uint8_t key[32], uint16_t scheme, uint8_t kind, const uint8_t *in, size_t len)
{
	struct body b = { .len = 0 };
	put(&b, key, 32);
	put_u16(&b, scheme);
	put(&b, &kind, 1);
	put_u16(&b, (uint16_t)len);
	put(&b, in, len);
	return b;
}

static struct body decrypt_body(const uint8_t key[32], uint16_t version, const uint8_t *ct, size_t len)
{
	struct body b = { .len = 0 };
	put(&b, key, 32);
	put_u16(&b, version);
	put_u16(&b, (uint16_t)len);
	put(&b, ct, len);
	return b;
}

/* RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash. */
static size_t cv_input(uint8_t *out, size_t hash_len, bool server)
{
	const char *ctx = server ? "TLS 1.3, server CertificateVerify" : "TLS 1.3, client CertificateVerify";
	memset(out, 0x20, 64);
	memcpy(out + 64, ctx, 33);
	out[97] = 0;
	for (size_t i = 0; i < hash_len; i++)
		out[98 + i] = (uint8_t)(7 * i + 1);
	return 98 + hash_len;
}

/* RFC 8422 §5.4: client_random, server_random, curve_type 3, named curve, point<1..255>. */
static size_t ske_input(uint8_t *out, uint16_t group, size_t point_len)
{
	size_t n = 0;
	for (; n < 64; n++)
		out[n] = (uint8_t)n;
	out[n++] = 3;
	out[n++] = (uint8_t)(group >> 8);
	out[n++] = (uint8_t)group;
	out[n++] = (uint8_t)point_len;
	/* A NIST group and its exact length get a real point: keyd checks that it is on the curve. */
	const char *curve = group == MOAT_GROUP_SECP256R1 && point_len == 65   ? "P-256"
			    : group == MOAT_GROUP_SECP384R1 && point_len == 97 ? "P-384"
			    : group == MOAT_GROUP_SECP521R1 && point_len == 133 ? "P-521"
										: NULL;
	if (curve != NULL) {
		ATF_REQUIRE_EQ(test_ec_point(curve, out + n, point_len), point_len);
		return n + point_len;
	}
	for (size_t i = 0; i < point_len; i++)
		out[n++] = (uint8_t)(i == 0 && point_len != 32 && point_len != 56 ? 0x04 : i);
	return n;
}

/*
 * RFC 5246 §7.4.3, RFC 7919 §4: client_random, server_random and
 * ServerDHParams for an ffdhe group with a fresh public value, made by the
 * handshake's builder (its bytes are checked in tests/crypto).
 */
static size_t dhe_input(uint8_t *out, size_t cap, uint16_t group)
{
	uint8_t cr[32], sr[32], ys[MOAT_KEX_MAX_SHARE_LEN];
	struct moat_kex k;
	size_t ys_len = 0;
	struct moat_buf b;
	for (size_t i = 0; i < 32; i++) {
		cr[i] = (uint8_t)i;
		sr[i] = (uint8_t)(32 + i);
	}
	EXPECT_OK(moat_kex_generate(&k, group, ys, &ys_len));
	moat_kex_free(&k);
	moat_buf_init_fixed(&b, out, cap);
	EXPECT_OK(moat_ske_dh_content_build(cr, sr, group, ys, ys_len, &b));
	return b.len;
}

/* ---- running an operation ---- */

struct result {
	moat_ipc_status prepare_st;
	moat_ipc_status reply_st;
	uint8_t reply[KEYD_OP_REPLY_MAX];
	size_t reply_len;
	struct moat_cursor body; /* reply body when OK */
};

/* prepare, and perform if prepare accepted; checks the reply's framing whatever it says. */
static void run_op(const struct keyd_keyset *ks, uint8_t opcode, const struct body *b, uint32_t id,
		   struct result *r)
{
	struct keyd_op op;
	memset(r, 0, sizeof(*r));
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	moat_error_clear();
	if (keyd_op_prepare(ks, opcode, cursor_of(b), &op, &st) != MOAT_SUCCESS) {
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_IPC_BAD_MESSAGE);
		ATF_REQUIRE(st != MOAT_IPC_OK);
		r->prepare_st = st;
		keyd_op_wipe(&op);
		return;
	}
	ATF_REQUIRE_EQ(st, MOAT_IPC_OK);
	r->prepare_st = MOAT_IPC_OK;
	struct moat_buf out;
	moat_buf_init_fixed(&out, r->reply, sizeof(r->reply));
	EXPECT_OK(keyd_op_perform(&op, id, &out, &r->reply_st));
	keyd_op_wipe(&op);
	r->reply_len = out.len;

	struct moat_ipc_header h;
	EXPECT_OK(moat_ipc_header_decode(r->reply, r->reply_len, &h, &r->body));
	EXPECT_OK(moat_ipc_reply_check(&h, &r->body, opcode));
	ATF_REQUIRE_EQ(h.request_id, id);
	ATF_REQUIRE_EQ(h.status, r->reply_st);
}

static moat_ipc_status status_of(const struct result *r)
{
	return r->prepare_st != MOAT_IPC_OK ? r->prepare_st : r->reply_st;
}

#define EXPECT_STATUS(r, want) \
	ATF_REQUIRE_MSG(status_of(r) == (want), "status %s, expected %s", \
			moat_ipc_status_name((uint16_t)status_of(r)), moat_ipc_status_name((uint16_t)(want)))

/* ---- the expected scheme tables (RFC 8446 §4.2.3, §4.4.3; RFC 8422 §5.1.1; RFC 9155) ---- */

/* Kind 1, TLS 1.3: the curve is bound to the hash, no PKCS#1 v1.5, no SHA-1. */
static bool expect_tls13(test_key_kind kind, uint16_t s)
{
	switch (kind) {
	case TK_RSA2048:
		return s == MOAT_SIG_RSA_PSS_RSAE_SHA256 || s == MOAT_SIG_RSA_PSS_RSAE_SHA384 ||
		       s == MOAT_SIG_RSA_PSS_RSAE_SHA512;
	case TK_RSA_PSS:
		return s == MOAT_SIG_RSA_PSS_PSS_SHA256 || s == MOAT_SIG_RSA_PSS_PSS_SHA384 ||
		       s == MOAT_SIG_RSA_PSS_PSS_SHA512;
	case TK_P256: return s == MOAT_SIG_ECDSA_SECP256R1_SHA256;
	case TK_P384: return s == MOAT_SIG_ECDSA_SECP384R1_SHA384;
	case TK_P521: return s == MOAT_SIG_ECDSA_SECP521R1_SHA512;
	default: return false;
	}
}

/* Kind 2, TLS 1.2: PKCS#1 v1.5 with rsaEncryption keys, any ECDSA hash with any curve; SHA-1 refused. */
static bool expect_tls12(test_key_kind kind, uint16_t s)
{
	switch (kind) {
	case TK_RSA2048:
		return expect_tls13(kind, s) || s == MOAT_SIG_RSA_PKCS1_SHA256 || s == MOAT_SIG_RSA_PKCS1_SHA384 ||
		       s == MOAT_SIG_RSA_PKCS1_SHA512;
	case TK_RSA_PSS: return expect_tls13(kind, s);
	case TK_P256:
	case TK_P384:
	case TK_P521:
		return s == MOAT_SIG_ECDSA_SECP256R1_SHA256 || s == MOAT_SIG_ECDSA_SECP384R1_SHA384 ||
		       s == MOAT_SIG_ECDSA_SECP521R1_SHA512;
	default: return false;
	}
}

/* TLS 1.0/1.1 ServerKeyExchange (private code points): MD5+SHA-1 with rsaEncryption keys, SHA-1 ECDSA with any curve. */
static bool expect_legacy(test_key_kind kind, uint16_t s)
{
	switch (kind) {
	case TK_RSA2048: return s == MOAT_SIG_LEGACY_RSA_MD5_SHA1;
	case TK_P256:
	case TK_P384:
	case TK_P521:
		return s == MOAT_SIG_LEGACY_ECDSA_SHA1;
	default: return false;
	}
}

/* Kinds 2 and 3 with the TLS 1.2 SHA-1 defaults (RFC 5246 §7.4.1.4.1): rsa_pkcs1_sha1 for RSA, ecdsa_sha1 for EC. */
static bool expect_tls12_sha1(test_key_kind kind, uint16_t s)
{
	switch (kind) {
	case TK_RSA2048: return s == MOAT_SIG_RSA_PKCS1_SHA1;
	case TK_P256:
	case TK_P384:
	case TK_P521:
		return s == MOAT_SIG_ECDSA_SHA1;
	default: return false;
	}
}

static const uint16_t every_scheme[] = {
	MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_ECDSA_SECP384R1_SHA384, MOAT_SIG_ECDSA_SECP521R1_SHA512,
	MOAT_SIG_RSA_PSS_RSAE_SHA256,    MOAT_SIG_RSA_PSS_RSAE_SHA384,    MOAT_SIG_RSA_PSS_RSAE_SHA512,
	MOAT_SIG_RSA_PSS_PSS_SHA256,     MOAT_SIG_RSA_PSS_PSS_SHA384,     MOAT_SIG_RSA_PSS_PSS_SHA512,
	MOAT_SIG_RSA_PKCS1_SHA256,       MOAT_SIG_RSA_PKCS1_SHA384,       MOAT_SIG_RSA_PKCS1_SHA512,
	MOAT_SIG_RSA_PKCS1_SHA1,         MOAT_SIG_ECDSA_SHA1,             MOAT_SIG_ED25519,
	MOAT_SIG_ED448,                  0x0000,                          0xfe00,
	MOAT_SIG_LEGACY_RSA_MD5_SHA1,    MOAT_SIG_LEGACY_ECDSA_SHA1,      0xfe02,
};
#define N_SCHEMES (sizeof(every_scheme) / sizeof(every_scheme[0]))

/* ---- fixtures ---- */

static const char *const kind_names[] = {
	[TK_RSA2048] = "rsa", [TK_RSA_PSS] = "rsa_pss", [TK_P256] = "p256", [TK_P384] = "p384", [TK_P521] = "p521",
};

/* Every use a key's configuration can allow (the policy tests below start from the default instead). */
static const struct keyd_key_policy policy_all = {
	.server = true, .client = true, .tls12 = true, .tls10 = true, .rsa_key_exchange = true,
};

static void keyset_with(struct keyd_keyset *ks, const test_key_kind *kinds, size_t n,
			const struct keyd_key_policy *policy)
{
	memset(ks, 0, sizeof(*ks));
	for (size_t i = 0; i < n; i++) {
		struct keyd_key k;
		test_key_load(&k, kinds[i], kind_names[kinds[i]]);
		if (policy != NULL)
			k.policy = *policy;
		EXPECT_OK(keyd_keys_add(ks, &k));
	}
}

static void keyset_of(struct keyd_keyset *ks, const test_key_kind *kinds, size_t n)
{
	keyset_with(ks, kinds, n, &policy_all);
}

/* Sign with every scheme and both kinds; verify each signature with a public-only copy of the key. */
static void sign_all_schemes(test_key_kind kind)
{
	struct keyd_keyset ks;
	keyset_of(&ks, &kind, 1);
	const struct keyd_key *k = ks.keys[0];
	struct moat_pkey pub;
	EXPECT_OK(moat_pkey_copy_public(&pub, &k->pkey));

	size_t signed_count = 0;
	for (size_t i = 0; i < N_SCHEMES; i++) {
		uint16_t s = every_scheme[i];
		for (uint8_t sign_kind = 1; sign_kind <= 3; sign_kind++) {
			uint8_t in[1024];
			size_t len = sign_kind == 1 ? cv_input(in, s == MOAT_SIG_ECDSA_SECP384R1_SHA384 ? 48 : 32, true)
				     : sign_kind == 2 ? ske_input(in, MOAT_GROUP_SECP256R1, 65)
						      : dhe_input(in, sizeof(in), MOAT_GROUP_FFDHE2048);
			struct body b = sign_body(k->id, s, sign_kind, in, len);
			struct result r;
			run_op(&ks, MOAT_IPC_SIGN, &b, 0x1000u + (uint32_t)i, &r);
			bool want = sign_kind == 1 ? expect_tls13(kind, s)
						    : expect_tls12(kind, s) || expect_legacy(kind, s) || expect_tls12_sha1(kind, s);
			if (!want) {
				ATF_REQUIRE_MSG(status_of(&r) == MOAT_IPC_BAD_SCHEME, "%s kind %u with a %s key: %s",
						keyd_scheme_name(s), sign_kind, kind_names[kind],
						moat_ipc_status_name((uint16_t)status_of(&r)));
				continue;
			}
			ATF_REQUIRE_MSG(status_of(&r) == MOAT_IPC_OK, "%s kind %u with a %s key: %s", keyd_scheme_name(s),
					sign_kind, kind_names[kind], moat_ipc_status_name((uint16_t)status_of(&r)));
			struct moat_cursor sig;
			EXPECT_OK(moat_ipc_sign_reply_decode(r.body, &sig, NULL));
			EXPECT_OK(moat_sig_verify(&pub, s, in, len, moat_cursor_data(&sig), moat_cursor_remaining(&sig)));
			/* The signature covers the input: one changed byte and it no longer verifies. */
			in[len - 1] ^= 1;
			EXPECT_ERR(moat_sig_verify(&pub, s, in, len, moat_cursor_data(&sig), moat_cursor_remaining(&sig)),
				   MOAT_ERR_DECRYPT_ERROR);
			signed_count++;
		}
	}
	ATF_REQUIRE(signed_count > 0);
	moat_pkey_free(&pub);
	keyd_keys_free(&ks);
}

ATF_TC_WITHOUT_HEAD(sign_rsa);
ATF_TC_BODY(sign_rsa, tc)
{
	sign_all_schemes(TK_RSA2048);
}

ATF_TC_WITHOUT_HEAD(sign_rsa_pss);
ATF_TC_BODY(sign_rsa_pss, tc)
{
	sign_all_schemes(TK_RSA_PSS);
}

ATF_TC_WITHOUT_HEAD(sign_p256);
ATF_TC_BODY(sign_p256, tc)
{
	sign_all_schemes(TK_P256);
}

ATF_TC_WITHOUT_HEAD(sign_p384);
ATF_TC_BODY(sign_p384, tc)
{
	sign_all_schemes(TK_P384);
}

ATF_TC_WITHOUT_HEAD(sign_p521);
ATF_TC_BODY(sign_p521, tc)
{
	sign_all_schemes(TK_P521);
}

/* Both TLS 1.3 contexts, both hash sizes; every TLS 1.2 group of moat-ipc(7). */
ATF_TC_WITHOUT_HEAD(sign_input_shapes);
ATF_TC_BODY(sign_input_shapes, tc)
{
	const test_key_kind kinds[] = { TK_P256 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 1);
	const uint8_t *id = ks.keys[0]->id;
	uint8_t in[300];
	struct result r;
	for (int server = 0; server <= 1; server++) {
		for (size_t h = 32; h <= 48; h += 16) {
			size_t len = cv_input(in, h, server != 0);
			struct body b = sign_body(id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, in, len);
			run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
			EXPECT_STATUS(&r, MOAT_IPC_OK);
		}
	}
	const struct { uint16_t group; size_t point; } groups[] = {
		{ MOAT_GROUP_X25519, 32 }, { MOAT_GROUP_SECP256R1, 65 }, { MOAT_GROUP_SECP384R1, 97 },
		{ MOAT_GROUP_SECP521R1, 133 }, { MOAT_GROUP_X448, 56 },
	};
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		size_t len = ske_input(in, groups[i].group, groups[i].point);
		struct body b = sign_body(id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 2, in, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 2, &r);
		EXPECT_STATUS(&r, MOAT_IPC_OK);
	}
	/* Kind 3: ServerDHParams on the ffdhe groups whose params fit a version 1 SIGN input. */
	static const uint16_t ffdhe_fit[] = { MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072 };
	for (size_t i = 0; i < sizeof(ffdhe_fit) / sizeof(ffdhe_fit[0]); i++) {
		uint8_t dh[MOAT_SKE_DH_CONTENT_MAX];
		size_t len = dhe_input(dh, sizeof(dh), ffdhe_fit[i]);
		struct body b = sign_body(id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 3, dh, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
		EXPECT_STATUS(&r, MOAT_IPC_OK);
		/* The same params as kind 2, and ECDHE params as kind 3: BAD_INPUT. */
		b = sign_body(id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 2, dh, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 4, &r);
		EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	}
	size_t len = ske_input(in, MOAT_GROUP_SECP256R1, 65);
	struct body b = sign_body(id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 3, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 5, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	/* ffdhe4096 params (1093 bytes) are a valid shape but over the 1024-byte input limit. */
	uint8_t big[MOAT_SKE_DH_CONTENT_MAX];
	len = dhe_input(big, sizeof(big), MOAT_GROUP_FFDHE4096);
	ATF_REQUIRE(len > MOAT_IPC_SIGN_INPUT_MAX);
	b = sign_body(id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 3, big, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 6, &r);
	EXPECT_STATUS(&r, MOAT_IPC_TOO_LARGE);
	keyd_keys_free(&ks);
}

/* keyd is not a signing oracle: anything but the two TLS shapes is BAD_INPUT (or a framing status). */
ATF_TC_WITHOUT_HEAD(sign_wrong_shape);
ATF_TC_BODY(sign_wrong_shape, tc)
{
	const test_key_kind kinds[] = { TK_P256 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 1);
	const uint8_t *id = ks.keys[0]->id;
	const uint16_t s = MOAT_SIG_ECDSA_SECP256R1_SHA256;
	uint8_t in[1100];
	struct result r;
	struct body b;
	size_t len;

	/* A raw 32-byte digest, the classic oracle request. */
	test_random(in, 32);
	b = sign_body(id, s, 1, in, 32);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	b = sign_body(id, s, 2, in, 32);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);

	/* TLS 1.3 content with a wrong pad byte, a wrong context, no separator, a 20-byte hash, a trailing byte. */
	len = cv_input(in, 32, true);
	in[10] = 0x21;
	b = sign_body(id, s, 1, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = cv_input(in, 32, true);
	in[70] = 'X';
	b = sign_body(id, s, 1, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = cv_input(in, 32, true);
	in[97] = 1;
	b = sign_body(id, s, 1, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = cv_input(in, 20, true);
	b = sign_body(id, s, 1, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = cv_input(in, 32, true);
	in[len++] = 0;
	b = sign_body(id, s, 1, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);

	/* TLS 1.2 params: explicit curve, unknown group, compressed point, a short point, a trailing byte. */
	len = ske_input(in, MOAT_GROUP_SECP256R1, 65);
	in[64] = 1;
	b = sign_body(id, s, 2, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = ske_input(in, 0x0100, 65);
	b = sign_body(id, s, 2, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = ske_input(in, MOAT_GROUP_SECP256R1, 65);
	in[68] = 0x02;
	b = sign_body(id, s, 2, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = ske_input(in, MOAT_GROUP_SECP256R1, 64);
	b = sign_body(id, s, 2, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	len = ske_input(in, MOAT_GROUP_SECP256R1, 65);
	in[len++] = 0;
	b = sign_body(id, s, 2, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);

	/* Kinds other than 1 and 2. */
	len = cv_input(in, 32, true);
	for (unsigned kind = 0; kind < 256; kind += 3) {
		if (kind == 1 || kind == 2)
			continue;
		b = sign_body(id, s, (uint8_t)kind, in, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
		EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	}

	/* Framing: empty input, input over 1024 bytes, a body cut short, a trailing byte after the input. */
	b = sign_body(id, s, 1, in, 0);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_MALFORMED);
	memset(in, 0x20, sizeof(in));
	b = sign_body(id, s, 1, in, 1025);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_TOO_LARGE);
	len = cv_input(in, 32, true);
	b = sign_body(id, s, 1, in, len);
	b.len -= 1;
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_MALFORMED);
	b = sign_body(id, s, 1, in, len);
	b.mem[b.len++] = 0;
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_MALFORMED);
	b.len = 20;
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_MALFORMED);
	keyd_keys_free(&ks);
}

/* The scheme must fit the kind (decoder) and then the key (keyd), else BAD_SCHEME. */
ATF_TC_WITHOUT_HEAD(sign_bad_scheme);
ATF_TC_BODY(sign_bad_scheme, tc)
{
	const test_key_kind kinds[] = { TK_RSA2048, TK_P256 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 2);
	const uint8_t *rsa = ks.keys[0]->id, *ec = ks.keys[1]->id;
	uint8_t cv[200], ske[200];
	size_t cv_len = cv_input(cv, 32, true), ske_len = ske_input(ske, MOAT_GROUP_X25519, 32);
	struct result r;
	struct body b;

	const struct {
		const uint8_t *key;
		uint16_t scheme;
		uint8_t kind;
	} refused[] = {
		{ rsa, MOAT_SIG_RSA_PKCS1_SHA256, 1 },       /* PKCS#1 v1.5 never in TLS 1.3 */
		{ rsa, MOAT_SIG_RSA_PKCS1_SHA1, 1 },         /* SHA-1 never in TLS 1.3 (RFC 8446 §4.2.3) */
		{ rsa, MOAT_SIG_RSA_PSS_PSS_SHA256, 1 },     /* pss_pss needs an RSASSA-PSS key */
		{ rsa, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1 }, /* wrong family */
		{ rsa, MOAT_SIG_ED25519, 1 },                /* not a scheme of moat-ipc(7) */
		{ ec, MOAT_SIG_ECDSA_SECP384R1_SHA384, 1 },  /* TLS 1.3 binds the curve to the hash */
		{ ec, MOAT_SIG_ECDSA_SHA1, 1 },
		{ ec, MOAT_SIG_RSA_PSS_RSAE_SHA256, 1 },
		{ ec, 0x0000, 1 },
		{ ec, 0xffff, 2 },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		bool tls13 = refused[i].kind == 1;
		b = sign_body(refused[i].key, refused[i].scheme, refused[i].kind, tls13 ? cv : ske, tls13 ? cv_len : ske_len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 7, &r);
		ATF_REQUIRE_MSG(status_of(&r) == MOAT_IPC_BAD_SCHEME, "case %zu (%s): %s", i,
				keyd_scheme_name(refused[i].scheme), moat_ipc_status_name((uint16_t)status_of(&r)));
	}
	/* The same P-256 key signs secp384r1_sha384 in TLS 1.2, where the curve is free (RFC 8422 §5.1.1). */
	b = sign_body(ec, MOAT_SIG_ECDSA_SECP384R1_SHA384, 2, ske, ske_len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 7, &r);
	EXPECT_STATUS(&r, MOAT_IPC_OK);
	keyd_keys_free(&ks);
}

ATF_TC_WITHOUT_HEAD(unknown_key);
ATF_TC_BODY(unknown_key, tc)
{
	const test_key_kind kinds[] = { TK_P256 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 1);
	struct keyd_key other;
	test_key_load(&other, TK_P256, "other");
	uint8_t cv[200], zero[32] = { 0 };
	size_t len = cv_input(cv, 32, true);
	struct result r;

	struct body b = sign_body(other.id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, cv, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
	EXPECT_STATUS(&r, MOAT_IPC_UNKNOWN_KEY);
	b = sign_body(zero, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, cv, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
	EXPECT_STATUS(&r, MOAT_IPC_UNKNOWN_KEY);
	uint8_t ct[256] = { 0 };
	b = decrypt_body(zero, 0x0303, ct, sizeof(ct));
	run_op(&ks, MOAT_IPC_RSA_DECRYPT, &b, 3, &r);
	EXPECT_STATUS(&r, MOAT_IPC_UNKNOWN_KEY);
	/* The shape is checked before the key: a bad input to an unknown key is BAD_INPUT. */
	b = sign_body(zero, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, cv, 40);
	run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
	EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	keyd_key_free(&other);
	keyd_keys_free(&ks);
}

/* ---- RSA_DECRYPT ---- */

struct decrypt_fixture {
	struct keyd_keyset ks;
	const struct keyd_key *rsa;
	size_t k; /* modulus bytes */
};

static void decrypt_setup(struct decrypt_fixture *f)
{
	const test_key_kind kinds[] = { TK_RSA2048, TK_RSA_PSS, TK_P256 };
	keyset_of(&f->ks, kinds, 3);
	f->rsa = f->ks.keys[0];
	f->k = test_rsa_size(f->rsa);
	ATF_REQUIRE_EQ(f->k, 256);
}

/* Decrypt; require OK and a 48-byte premaster, copied to pm. */
static void decrypt_ok(struct decrypt_fixture *f, uint16_t version, const uint8_t *ct, size_t len, uint8_t pm[48])
{
	struct body b = decrypt_body(f->rsa->id, version, ct, len);
	struct result r;
	run_op(&f->ks, MOAT_IPC_RSA_DECRYPT, &b, 9, &r);
	EXPECT_STATUS(&r, MOAT_IPC_OK);
	struct moat_cursor c;
	EXPECT_OK(moat_ipc_rsa_decrypt_reply_decode(r.body, &c, NULL));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 48);
	memcpy(pm, moat_cursor_data(&c), 48);
}

/*
 * A bad ciphertext: still OK and 48 bytes, not the premaster, and the same
 * 48 bytes every time, whatever client_version says: a valid and an invalid
 * ciphertext must look alike when asked twice (implicit rejection).
 */
static void expect_rejected(struct decrypt_fixture *f, const char *what, uint16_t version, const uint8_t *ct,
			    size_t len, const uint8_t original[48])
{
	uint8_t a[48], b[48], c[48];
	decrypt_ok(f, version, ct, len, a);
	decrypt_ok(f, version, ct, len, b);
	decrypt_ok(f, (uint16_t)(version ^ 0x0102), ct, len, c);
	ATF_REQUIRE_MSG(memcmp(a, original, 48) != 0, "%s: the premaster came back", what);
	ATF_REQUIRE_MSG(memcmp(a, b, 48) == 0, "%s: two different answers to the same ciphertext", what);
	ATF_REQUIRE_MSG(memcmp(a, c, 48) == 0, "%s: the answer depends on client_version", what);
}

/* The premaster of RFC 5246 §7.4.7.1: client_version, then 46 random bytes. */
static void make_premaster(uint8_t pm[48], uint16_t version)
{
	test_random(pm, 48);
	pm[0] = (uint8_t)(version >> 8);
	pm[1] = (uint8_t)version;
}

/* An EME-PKCS1-v1_5 block (RFC 8017 §7.2.1) written by hand, to break it in chosen ways. */
static void make_block(uint8_t *em, size_t k, const uint8_t *m, size_t m_len)
{
	em[0] = 0x00;
	em[1] = 0x02;
	size_t ps = k - 3 - m_len;
	for (size_t i = 0; i < ps; i++) {
		do
			test_random(&em[2 + i], 1);
		while (em[2 + i] == 0);
	}
	em[2 + ps] = 0x00;
	memcpy(em + 3 + ps, m, m_len);
}

ATF_TC_WITHOUT_HEAD(rsa_decrypt_good);
ATF_TC_BODY(rsa_decrypt_good, tc)
{
	struct decrypt_fixture f;
	decrypt_setup(&f);
	uint8_t pm[48], got[48], ct[512], em[512];
	const uint16_t versions[] = { 0x0303, 0x0302, 0x0301, 0x0300, 0x0000, 0xffff };
	/*
	 * keyd returns the premaster whatever its version bytes and whatever
	 * client_version the request names: RFC 5246 §7.4.7.1's version check
	 * is the TLS side's (moat-ipc(7)).
	 */
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		for (size_t j = 0; j < sizeof(versions) / sizeof(versions[0]); j++) {
			make_premaster(pm, versions[i]);
			size_t len = test_rsa_encrypt(f.rsa, pm, 48, false, ct, sizeof(ct));
			decrypt_ok(&f, versions[j], ct, len, got);
			ATF_REQUIRE_MSG(memcmp(got, pm, 48) == 0, "premaster %04x, client_version %04x: wrong premaster",
					versions[i], versions[j]);
		}
	}
	/* Our own block encrypted raw: the exact layout keyd checks is PKCS#1 v1.5 as libcrypto writes it. */
	make_premaster(pm, 0x0303);
	make_block(em, f.k, pm, 48);
	size_t len = test_rsa_encrypt(f.rsa, em, f.k, true, ct, sizeof(ct));
	decrypt_ok(&f, 0x0303, ct, len, got);
	ATF_REQUIRE(memcmp(got, pm, 48) == 0);
	keyd_keys_free(&f.ks);
}

ATF_TC_WITHOUT_HEAD(rsa_decrypt_implicit_rejection);
ATF_TC_BODY(rsa_decrypt_implicit_rejection, tc)
{
	struct decrypt_fixture f;
	decrypt_setup(&f);
	const size_t k = f.k;
	uint8_t pm[48], ct[600], em[512], m[64];
	size_t len;

	/* Right padding, wrong length: 47 and 49 bytes, and an empty message. */
	make_premaster(pm, 0x0303);
	memcpy(m, pm, 48);
	m[48] = 0x55;
	len = test_rsa_encrypt(f.rsa, m, 47, false, ct, sizeof(ct));
	expect_rejected(&f, "47-byte message", 0x0303, ct, len, pm);
	len = test_rsa_encrypt(f.rsa, m, 49, false, ct, sizeof(ct));
	expect_rejected(&f, "49-byte message", 0x0303, ct, len, pm);
	len = test_rsa_encrypt(f.rsa, m, 0, false, ct, sizeof(ct));
	expect_rejected(&f, "empty message", 0x0303, ct, len, pm);

	/* Bad padding, each byte of the structure broken in turn. */
	make_block(em, k, pm, 48);
	em[0] = 0x01;
	/* em >= n is possible with a leading 0x01 only if n's top byte is 0x01; RSA-2048 moduli start at 0x80. */
	len = test_rsa_encrypt(f.rsa, em, k, true, ct, sizeof(ct));
	expect_rejected(&f, "first byte not zero", 0x0303, ct, len, pm);
	make_block(em, k, pm, 48);
	em[1] = 0x01; /* block type 1, a signature block */
	len = test_rsa_encrypt(f.rsa, em, k, true, ct, sizeof(ct));
	expect_rejected(&f, "block type 1", 0x0303, ct, len, pm);
	make_block(em, k, pm, 48);
	em[k - 49] = 0x07; /* no separator where a 48-byte message needs it */
	len = test_rsa_encrypt(f.rsa, em, k, true, ct, sizeof(ct));
	expect_rejected(&f, "no separator", 0x0303, ct, len, pm);
	make_block(em, k, pm, 48);
	em[5] = 0x00; /* a zero inside PS: the message would be longer than 48 bytes */
	len = test_rsa_encrypt(f.rsa, em, k, true, ct, sizeof(ct));
	expect_rejected(&f, "zero in the padding", 0x0303, ct, len, pm);
	make_block(em, k, pm, 48);
	em[k - 49] = 0x07;
	em[k - 60] = 0x00; /* a separator, but 58 bytes from the end: a 59-byte message */
	len = test_rsa_encrypt(f.rsa, em, k, true, ct, sizeof(ct));
	expect_rejected(&f, "59-byte message", 0x0303, ct, len, pm);

	/* Garbage: random below the modulus, all ones (above it), and lengths other than the modulus. */
	test_random(ct, k);
	ct[0] = 0x01;
	expect_rejected(&f, "random ciphertext", 0x0303, ct, k, pm);
	memset(ct, 0xff, k);
	expect_rejected(&f, "ciphertext above the modulus", 0x0303, ct, k, pm);
	make_premaster(pm, 0x0303);
	len = test_rsa_encrypt(f.rsa, pm, 48, false, ct, sizeof(ct));
	expect_rejected(&f, "ciphertext one byte short", 0x0303, ct + 1, len - 1, pm);
	ct[len] = 0;
	expect_rejected(&f, "ciphertext one byte long", 0x0303, ct, len + 1, pm);
	expect_rejected(&f, "one-byte ciphertext", 0x0303, ct, 1, pm);
	memset(ct, 0, sizeof(ct));
	expect_rejected(&f, "512 zero bytes", 0x0303, ct, 512, pm);
	keyd_keys_free(&f.ks);
}

ATF_TC_WITHOUT_HEAD(rsa_decrypt_refused);
ATF_TC_BODY(rsa_decrypt_refused, tc)
{
	struct decrypt_fixture f;
	decrypt_setup(&f);
	uint8_t ct[600] = { 0 };
	struct result r;
	struct body b;

	/* Only rsaEncryption keys decrypt. */
	b = decrypt_body(f.ks.keys[1]->id, 0x0303, ct, 256);
	run_op(&f.ks, MOAT_IPC_RSA_DECRYPT, &b, 4, &r);
	EXPECT_STATUS(&r, MOAT_IPC_NOT_PERMITTED);
	b = decrypt_body(f.ks.keys[2]->id, 0x0303, ct, 256);
	run_op(&f.ks, MOAT_IPC_RSA_DECRYPT, &b, 4, &r);
	EXPECT_STATUS(&r, MOAT_IPC_NOT_PERMITTED);
	/* Framing: empty, over 512 bytes, cut short, trailing byte. */
	b = decrypt_body(f.rsa->id, 0x0303, ct, 0);
	run_op(&f.ks, MOAT_IPC_RSA_DECRYPT, &b, 4, &r);
	EXPECT_STATUS(&r, MOAT_IPC_MALFORMED);
	b = decrypt_body(f.rsa->id, 0x0303, ct, 513);
	run_op(&f.ks, MOAT_IPC_RSA_DECRYPT, &b, 4, &r);
	EXPECT_STATUS(&r, MOAT_IPC_TOO_LARGE);
	b = decrypt_body(f.rsa->id, 0x0303, ct, 256);
	b.len--;
	run_op(&f.ks, MOAT_IPC_RSA_DECRYPT, &b, 4, &r);
	EXPECT_STATUS(&r, MOAT_IPC_MALFORMED);
	b = decrypt_body(f.rsa->id, 0x0303, ct, 256);
	b.mem[b.len++] = 1;
	run_op(&f.ks, MOAT_IPC_RSA_DECRYPT, &b, 4, &r);
	EXPECT_STATUS(&r, MOAT_IPC_MALFORMED);
	/* Only rsaEncryption keys get the decryption state; setting it up for another key type fails. */
	ATF_REQUIRE(f.rsa->rsa_kex != NULL && f.ks.keys[1]->rsa_kex == NULL && f.ks.keys[2]->rsa_kex == NULL);
	struct keyd_rsa_kex *rk = NULL;
	EXPECT_ERR(keyd_rsa_kex_new(&rk, f.ks.keys[2]->pkey.pkey), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(rk == NULL);
	keyd_keys_free(&f.ks);
}

/* ---- RSA implicit rejection: deterministic, per key and ciphertext ---- */

#define N_INVALID 1000

/* The answers of ks's first key to N_INVALID fixed invalid ciphertexts (ct[i] derived from i, below n). */
static void invalid_answers(struct keyd_keyset *ks, const uint8_t seeds[N_INVALID][4], uint8_t (*out)[48],
			    uint16_t version)
{
	const struct keyd_key *rsa = ks->keys[0];
	size_t k = test_rsa_size(rsa);
	for (size_t i = 0; i < N_INVALID; i++) {
		uint8_t ct[512];
		/* Below the modulus (top byte 0x01; RSA-2048 moduli start at 0x80), different for each i. */
		memset(ct, 0x5c, k);
		ct[0] = 0x01;
		memcpy(ct + 1, seeds[i], 4);
		struct body b = decrypt_body(rsa->id, version, ct, k);
		struct result r;
		run_op(ks, MOAT_IPC_RSA_DECRYPT, &b, (uint32_t)i, &r);
		EXPECT_STATUS(&r, MOAT_IPC_OK);
		struct moat_cursor c;
		EXPECT_OK(moat_ipc_rsa_decrypt_reply_decode(r.body, &c, NULL));
		memcpy(out[i], moat_cursor_data(&c), 48);
	}
}

static int cmp48(const void *a, const void *b)
{
	return memcmp(a, b, 48);
}

ATF_TC_WITHOUT_HEAD(rsa_decrypt_deterministic_rejection);
ATF_TC_BODY(rsa_decrypt_deterministic_rejection, tc)
{
	/* One key as PEM, loaded twice: the second keyset is keyd restarted with the same key file. */
	char *pem = test_key_pem(TK_RSA2048);
	struct keyd_keyset ks1, ks2, ks_other;
	struct keyd_key k;
	memset(&ks1, 0, sizeof(ks1));
	memset(&ks2, 0, sizeof(ks2));
	EXPECT_OK(keyd_key_from_pem(&k, pem, strlen(pem), "rsa", NULL, 0));
	k.policy = policy_all;
	EXPECT_OK(keyd_keys_add(&ks1, &k));
	EXPECT_OK(keyd_key_from_pem(&k, pem, strlen(pem), "rsa", NULL, 0));
	k.policy = policy_all;
	EXPECT_OK(keyd_keys_add(&ks2, &k));
	const test_key_kind other_kind = TK_RSA2048;
	keyset_of(&ks_other, &other_kind, 1);

	static uint8_t seeds[N_INVALID][4];
	for (uint32_t i = 0; i < N_INVALID; i++) {
		seeds[i][0] = (uint8_t)(i >> 24);
		seeds[i][1] = (uint8_t)(i >> 16);
		seeds[i][2] = (uint8_t)(i >> 8);
		seeds[i][3] = (uint8_t)i;
	}
	static uint8_t first[N_INVALID][48], again[N_INVALID][48], restarted[N_INVALID][48], other_version[N_INVALID][48],
		other_key[N_INVALID][48], sorted[N_INVALID][48];
	invalid_answers(&ks1, seeds, first, 0x0303);
	invalid_answers(&ks1, seeds, again, 0x0303);
	invalid_answers(&ks2, seeds, restarted, 0x0303);
	invalid_answers(&ks1, seeds, other_version, 0x0301);
	invalid_answers(&ks_other, seeds, other_key, 0x0303);

	/* Reproducible: the same answers on a second run, after a "restart", and for another client_version. */
	ATF_REQUIRE(memcmp(first, again, sizeof(first)) == 0);
	ATF_REQUIRE(memcmp(first, restarted, sizeof(first)) == 0);
	ATF_REQUIRE(memcmp(first, other_version, sizeof(first)) == 0);
	/* Different ciphertexts, different answers (48 bytes derived by HMAC: a collision would be a bug). */
	memcpy(sorted, first, sizeof(sorted));
	qsort(sorted, N_INVALID, 48, cmp48);
	for (size_t i = 1; i < N_INVALID; i++)
		ATF_REQUIRE_MSG(memcmp(sorted[i - 1], sorted[i], 48) != 0, "two ciphertexts got the same answer");
	/* A key-held secret: another key answers the same ciphertexts differently. */
	for (size_t i = 0; i < N_INVALID; i++)
		ATF_REQUIRE_MSG(memcmp(first[i], other_key[i], 48) != 0, "ciphertext %zu: same answer from another key", i);

	/* A valid ciphertext still decrypts after all that, in both keysets. */
	uint8_t pm[48], ct[512];
	test_random(pm, 48);
	size_t len = test_rsa_encrypt(ks1.keys[0], pm, 48, false, ct, sizeof(ct));
	struct decrypt_fixture f = { .ks = ks2, .rsa = ks2.keys[0], .k = 256 };
	uint8_t got[48];
	decrypt_ok(&f, 0x0303, ct, len, got);
	ATF_REQUIRE(memcmp(got, pm, 48) == 0);

	keyd_keys_free(&ks1);
	keyd_keys_free(&ks2);
	keyd_keys_free(&ks_other);
	free(pem);
}

/* The constant-time selection alone: message for a good block, the synthetic value for every broken one. */
ATF_TC_WITHOUT_HEAD(rsa_select_premaster);
ATF_TC_BODY(rsa_select_premaster, tc)
{
	const size_t k = 256;
	uint8_t em[256], pm[48], syn[48], out[48];
	test_random(pm, 48);
	memset(syn, 0xa5, sizeof(syn));
	make_block(em, k, pm, 48);
	keyd_rsa_select_premaster(em, k, syn, out);
	ATF_REQUIRE(memcmp(out, pm, 48) == 0);
	const size_t broken[] = { 0, 1, 2, 100, k - 50, k - 49 };
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		make_block(em, k, pm, 48);
		size_t at = broken[i];
		em[at] = at == 0 ? 0x01 : at == 1 ? 0x01 : at == k - 49 ? 0x07 : 0x00;
		keyd_rsa_select_premaster(em, k, syn, out);
		ATF_REQUIRE_MSG(memcmp(out, syn, 48) == 0, "byte %zu broken: not the synthetic value", at);
	}
}

/* ---- per-key policy: role, tls12, rsa-key-exchange ---- */

ATF_TC_WITHOUT_HEAD(policy_default);
ATF_TC_BODY(policy_default, tc)
{
	const test_key_kind kinds[] = { TK_P256, TK_RSA2048 };
	struct keyd_keyset ks;
	keyset_with(&ks, kinds, 2, NULL); /* as keyd_key_from_pem left them: the default policy */
	ATF_REQUIRE(ks.keys[0]->policy.server && !ks.keys[0]->policy.client && ks.keys[0]->policy.tls12 &&
		    !ks.keys[0]->policy.rsa_key_exchange);
	uint8_t in[300], ct[256] = { 0 };
	struct result r;
	struct body b;
	/* Server CertificateVerify: signed. Client CertificateVerify: refused, it would log in as this certificate. */
	size_t len = cv_input(in, 32, true);
	b = sign_body(ks.keys[0]->id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
	EXPECT_STATUS(&r, MOAT_IPC_OK);
	len = cv_input(in, 32, false);
	b = sign_body(ks.keys[0]->id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 2, &r);
	EXPECT_STATUS(&r, MOAT_IPC_KEY_POLICY);
	/* TLS 1.2 ServerKeyExchange: a server key signs it by default (tls12 yes). */
	len = ske_input(in, MOAT_GROUP_SECP256R1, 65);
	b = sign_body(ks.keys[0]->id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 2, in, len);
	run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
	EXPECT_STATUS(&r, MOAT_IPC_OK);
	/* RSA_DECRYPT: refused without rsa-key-exchange yes. */
	b = decrypt_body(ks.keys[1]->id, 0x0303, ct, 256);
	run_op(&ks, MOAT_IPC_RSA_DECRYPT, &b, 4, &r);
	EXPECT_STATUS(&r, MOAT_IPC_KEY_POLICY);
	keyd_keys_free(&ks);
}

ATF_TC_WITHOUT_HEAD(policy_roles);
ATF_TC_BODY(policy_roles, tc)
{
	const struct {
		bool server, client;
	} roles[] = { { true, false }, { false, true }, { true, true } };
	const test_key_kind kind = TK_RSA2048;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct keyd_key_policy p = keyd_key_policy_default;
		p.server = roles[i].server;
		p.client = roles[i].client;
		p.tls12 = false;
		struct keyd_keyset ks;
		keyset_with(&ks, &kind, 1, &p);
		uint8_t in[300];
		struct result r;
		for (int server = 0; server <= 1; server++) {
			size_t len = cv_input(in, 32, server != 0);
			struct body b = sign_body(ks.keys[0]->id, MOAT_SIG_RSA_PSS_RSAE_SHA256, 1, in, len);
			run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
			bool want = server ? roles[i].server : roles[i].client;
			EXPECT_STATUS(&r, want ? MOAT_IPC_OK : MOAT_IPC_KEY_POLICY);
		}
		/* A TLS 1.2 shape is a server signature: tls12 (off here) alone decides, whatever the role. */
		size_t len = ske_input(in, MOAT_GROUP_X25519, 32);
		struct body b = sign_body(ks.keys[0]->id, MOAT_SIG_RSA_PKCS1_SHA256, 2, in, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 2, &r);
		EXPECT_STATUS(&r, MOAT_IPC_KEY_POLICY);
		keyd_keys_free(&ks);
	}
}

/*
 * TLS 1.0/1.1 signatures (MD5+SHA-1, SHA-1) need "tls10 yes", TLS 1.2 ones
 * "tls12 yes": neither switch allows the other's schemes, for both shapes.
 * The TLS 1.2 SHA-1 schemes need both.
 */
ATF_TC_WITHOUT_HEAD(policy_tls10);
ATF_TC_BODY(policy_tls10, tc)
{
	const struct {
		bool tls12, tls10;
	} sw[] = { { false, false }, { true, false }, { false, true }, { true, true } };
	const test_key_kind kinds[] = { TK_RSA2048, TK_P384 };
	const uint16_t modern[] = { MOAT_SIG_RSA_PKCS1_SHA256, MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	const uint16_t legacy[] = { MOAT_SIG_LEGACY_RSA_MD5_SHA1, MOAT_SIG_LEGACY_ECDSA_SHA1 };
	const uint16_t sha1[] = { MOAT_SIG_RSA_PKCS1_SHA1, MOAT_SIG_ECDSA_SHA1 };
	uint8_t ecdhe[300], dhe[MOAT_SKE_DH_CONTENT_MAX];
	size_t ecdhe_len = ske_input(ecdhe, MOAT_GROUP_SECP256R1, 65);
	size_t dhe_len = dhe_input(dhe, sizeof(dhe), MOAT_GROUP_FFDHE2048);
	for (size_t i = 0; i < sizeof(sw) / sizeof(sw[0]); i++) {
		struct keyd_key_policy p = keyd_key_policy_default;
		p.tls12 = sw[i].tls12;
		p.tls10 = sw[i].tls10;
		struct keyd_keyset ks;
		keyset_with(&ks, kinds, 2, &p);
		for (size_t k = 0; k < 2; k++) {
			for (uint8_t kind = 2; kind <= 3; kind++) {
				const uint8_t *in = kind == 2 ? ecdhe : dhe;
				size_t len = kind == 2 ? ecdhe_len : dhe_len;
				struct result r;
				struct body b = sign_body(ks.keys[k]->id, modern[k], kind, in, len);
				run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
				EXPECT_STATUS(&r, sw[i].tls12 ? MOAT_IPC_OK : MOAT_IPC_KEY_POLICY);
				b = sign_body(ks.keys[k]->id, legacy[k], kind, in, len);
				run_op(&ks, MOAT_IPC_SIGN, &b, 2, &r);
				EXPECT_STATUS(&r, sw[i].tls10 ? MOAT_IPC_OK : MOAT_IPC_KEY_POLICY);
				/* The TLS 1.2 SHA-1 defaults: a TLS 1.2 signature over SHA-1, both switches. */
				b = sign_body(ks.keys[k]->id, sha1[k], kind, in, len);
				run_op(&ks, MOAT_IPC_SIGN, &b, 6, &r);
				EXPECT_STATUS(&r, sw[i].tls12 && sw[i].tls10 ? MOAT_IPC_OK : MOAT_IPC_KEY_POLICY);
			}
			/* Never for a client CertificateVerify digest (RFC 9155), whatever the switches say. */
			{
				uint8_t digest[20] = { 0 };
				struct result r;
				struct body b = sign_body(ks.keys[k]->id, sha1[k], 4, digest, sizeof(digest));
				run_op(&ks, MOAT_IPC_SIGN, &b, 7, &r);
				ATF_REQUIRE(status_of(&r) != MOAT_IPC_OK);
			}
			/* Never in a TLS 1.3 CertificateVerify, whatever the switches say. */
			uint8_t cv[200];
			size_t cv_len = cv_input(cv, 32, true);
			struct result r;
			struct body b = sign_body(ks.keys[k]->id, legacy[k], 1, cv, cv_len);
			run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
			EXPECT_STATUS(&r, MOAT_IPC_BAD_SCHEME);
		}
		/* The RSA legacy scheme with the EC key and the reverse: the key's family decides. */
		struct result r;
		struct body b = sign_body(ks.keys[1]->id, MOAT_SIG_LEGACY_RSA_MD5_SHA1, 2, ecdhe, ecdhe_len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 4, &r);
		EXPECT_STATUS(&r, MOAT_IPC_BAD_SCHEME);
		b = sign_body(ks.keys[0]->id, MOAT_SIG_LEGACY_ECDSA_SHA1, 2, ecdhe, ecdhe_len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 5, &r);
		EXPECT_STATUS(&r, MOAT_IPC_BAD_SCHEME);
		keyd_keys_free(&ks);
	}
}

/*
 * Kind 4, the TLS 1.2 / 1.0 client CertificateVerify digest: only for keys
 * with the client role, and the version's switch; the signature is the one
 * over the handshake messages that hash to the digest.
 */
ATF_TC_WITHOUT_HEAD(policy_tls12_client_cv);
ATF_TC_BODY(policy_tls12_client_cv, tc)
{
	static const uint8_t messages[] = "ClientHello ... ServerHelloDone Certificate ClientKeyExchange";
	uint8_t d256[32], dmd5sha1[36];
	unsigned int n = 0;
	ATF_REQUIRE(EVP_Digest(messages, sizeof(messages), d256, &n, EVP_sha256(), NULL) == 1);
	ATF_REQUIRE(EVP_Digest(messages, sizeof(messages), dmd5sha1, &n, EVP_md5_sha1(), NULL) == 1);
	const struct {
		bool server, client, tls12, tls10;
		moat_ipc_status modern, legacy;
	} cases[] = {
		{ true, false, true, true, MOAT_IPC_KEY_POLICY, MOAT_IPC_KEY_POLICY }, /* role server */
		{ false, true, false, false, MOAT_IPC_KEY_POLICY, MOAT_IPC_KEY_POLICY },
		{ false, true, true, false, MOAT_IPC_OK, MOAT_IPC_KEY_POLICY },
		{ true, true, false, true, MOAT_IPC_KEY_POLICY, MOAT_IPC_OK },
	};
	const test_key_kind kind = TK_RSA2048;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct keyd_key_policy p = keyd_key_policy_default;
		p.server = cases[i].server;
		p.client = cases[i].client;
		p.tls12 = cases[i].tls12;
		p.tls10 = cases[i].tls10;
		struct keyd_keyset ks;
		keyset_with(&ks, &kind, 1, &p);
		struct moat_pkey pub;
		EXPECT_OK(moat_pkey_copy_public(&pub, &ks.keys[0]->pkey));
		struct result r;
		struct body b = sign_body(ks.keys[0]->id, MOAT_SIG_RSA_PKCS1_SHA256, 4, d256, sizeof(d256));
		run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
		EXPECT_STATUS(&r, cases[i].modern);
		struct moat_cursor sig;
		if (cases[i].modern == MOAT_IPC_OK) {
			EXPECT_OK(moat_ipc_sign_reply_decode(r.body, &sig, NULL));
			EXPECT_OK(moat_sig_verify(&pub, MOAT_SIG_RSA_PKCS1_SHA256, messages, sizeof(messages),
						  moat_cursor_data(&sig), moat_cursor_remaining(&sig)));
		}
		b = sign_body(ks.keys[0]->id, MOAT_SIG_LEGACY_RSA_MD5_SHA1, 4, dmd5sha1, sizeof(dmd5sha1));
		run_op(&ks, MOAT_IPC_SIGN, &b, 2, &r);
		EXPECT_STATUS(&r, cases[i].legacy);
		if (cases[i].legacy == MOAT_IPC_OK) {
			EXPECT_OK(moat_ipc_sign_reply_decode(r.body, &sig, NULL));
			EXPECT_OK(moat_sig_verify(&pub, MOAT_SIG_LEGACY_RSA_MD5_SHA1, messages, sizeof(messages),
						  moat_cursor_data(&sig), moat_cursor_remaining(&sig)));
		}
		/* A digest of the wrong length is BAD_INPUT whatever the policy. */
		b = sign_body(ks.keys[0]->id, MOAT_SIG_RSA_PKCS1_SHA256, 4, d256, 31);
		run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
		EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
		moat_pkey_free(&pub);
		keyd_keys_free(&ks);
	}
}

/* TLS 1.2 ServerECDHParams: a point that is not on its curve is refused before anything is signed. */
ATF_TC_WITHOUT_HEAD(ske_point_validated);
ATF_TC_BODY(ske_point_validated, tc)
{
	const test_key_kind kinds[] = { TK_P256 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 1);
	const struct {
		uint16_t group;
		size_t len;
	} groups[] = { { MOAT_GROUP_SECP256R1, 65 }, { MOAT_GROUP_SECP384R1, 97 }, { MOAT_GROUP_SECP521R1, 133 } };
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		uint8_t in[300];
		struct result r;
		size_t len = ske_input(in, groups[g].group, groups[g].len);
		struct body b = sign_body(ks.keys[0]->id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 2, in, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 1, &r);
		EXPECT_STATUS(&r, MOAT_IPC_OK);
		/* y changed by one bit: off the curve. */
		in[len - 1] ^= 0x01;
		b = sign_body(ks.keys[0]->id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 2, in, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 2, &r);
		ATF_REQUIRE_MSG(status_of(&r) == MOAT_IPC_BAD_INPUT, "group %04x: point off the curve signed",
				groups[g].group);
		/* x = y = 0: not on any of these curves (b != 0), and no encoding of infinity. */
		memset(in + len - groups[g].len + 1, 0, groups[g].len - 1);
		b = sign_body(ks.keys[0]->id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 2, in, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 3, &r);
		EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
		/* Coordinates of all ones: not below p. */
		memset(in + len - groups[g].len + 1, 0xff, groups[g].len - 1);
		b = sign_body(ks.keys[0]->id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 2, in, len);
		run_op(&ks, MOAT_IPC_SIGN, &b, 4, &r);
		EXPECT_STATUS(&r, MOAT_IPC_BAD_INPUT);
	}
	keyd_keys_free(&ks);
}

/* ---- keys ---- */

ATF_TC_WITHOUT_HEAD(key_ids_types_schemes);
ATF_TC_BODY(key_ids_types_schemes, tc)
{
	const struct {
		test_key_kind kind;
		uint8_t ipc_type;
		uint16_t bits;
	} want[] = {
		{ TK_RSA2048, MOAT_IPC_KEY_RSA, 2048 },     { TK_RSA_PSS, MOAT_IPC_KEY_RSA_PSS, 2048 },
		{ TK_P256, MOAT_IPC_KEY_EC_P256, 256 },     { TK_P384, MOAT_IPC_KEY_EC_P384, 384 },
		{ TK_P521, MOAT_IPC_KEY_EC_P521, 521 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct keyd_key k;
		uint8_t id[32];
		test_key_load(&k, want[i].kind, "k");
		test_key_id(&k, id);
		ATF_REQUIRE_MSG(memcmp(id, k.id, 32) == 0, "key id is not SHA-256 of the SubjectPublicKeyInfo");
		ATF_REQUIRE_EQ(k.ipc_type, want[i].ipc_type);
		ATF_REQUIRE_EQ(k.bits, want[i].bits);
		ATF_REQUIRE_STREQ(k.name, "k");
		/* The list is exactly the schemes of the kind tables, in any kind. */
		size_t expected = 0;
		for (size_t s = 0; s < N_SCHEMES; s++) {
			bool in_list = false;
			for (size_t j = 0; j < k.scheme_count; j++)
				in_list = in_list || k.schemes[j] == every_scheme[s];
			bool want_it = expect_tls13(want[i].kind, every_scheme[s]) ||
				       expect_tls12(want[i].kind, every_scheme[s]) ||
				       expect_legacy(want[i].kind, every_scheme[s]) ||
				       expect_tls12_sha1(want[i].kind, every_scheme[s]);
			ATF_REQUIRE_MSG(in_list == want_it, "%s: %s %s listed", kind_names[want[i].kind],
					keyd_scheme_name(every_scheme[s]), in_list ? "wrongly" : "not");
			expected += want_it;
		}
		ATF_REQUIRE_EQ(k.scheme_count, expected);
		/* Two loads of different keys differ; the same key loaded twice has the same id. */
		keyd_key_free(&k);
	}
}

/* An RSA-PSS key restricted to SHA-256 by its parameters offers only rsa_pss_pss_sha256. */
ATF_TC_WITHOUT_HEAD(key_pss_restricted);
ATF_TC_BODY(key_pss_restricted, tc)
{
	struct keyd_key k;
	test_key_load(&k, TK_RSA_PSS_SHA256_ONLY, "restricted");
	ATF_REQUIRE_EQ(k.scheme_count, 1);
	ATF_REQUIRE_EQ(k.schemes[0], MOAT_SIG_RSA_PSS_PSS_SHA256);
	ATF_REQUIRE(!keyd_key_scheme_ok(&k, 1, MOAT_SIG_RSA_PSS_PSS_SHA384));
	ATF_REQUIRE(keyd_key_scheme_ok(&k, 1, MOAT_SIG_RSA_PSS_PSS_SHA256));
	keyd_key_free(&k);
}

ATF_TC_WITHOUT_HEAD(key_refused);
ATF_TC_BODY(key_refused, tc)
{
	struct keyd_key k;
	char why[200];
	char *pem;

	pem = test_key_pem(TK_RSA1024);
	EXPECT_ERR(keyd_key_from_pem(&k, pem, strlen(pem), "small", why, sizeof(why)), MOAT_ERR_NOT_SUPPORTED);
	ATF_REQUIRE_MATCH("1024 bits", why);
	free(pem);
	pem = test_key_pem(TK_ED25519);
	EXPECT_ERR(keyd_key_from_pem(&k, pem, strlen(pem), "ed", why, sizeof(why)), MOAT_ERR_NOT_SUPPORTED);
	ATF_REQUIRE_MATCH("Ed25519", why);
	free(pem);
	pem = test_key_pem_encrypted(TK_P256);
	EXPECT_ERR(keyd_key_from_pem(&k, pem, strlen(pem), "enc", why, sizeof(why)), MOAT_ERR_INVALID_PEM);
	free(pem);
	const char *junk = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	EXPECT_ERR(keyd_key_from_pem(&k, junk, strlen(junk), "junk", why, sizeof(why)), MOAT_ERR_INVALID_PEM);
	ATF_REQUIRE_MATCH("no unencrypted PEM private key", why);
	EXPECT_ERR(keyd_key_from_pem(&k, "hello", 5, "text", why, sizeof(why)), MOAT_ERR_INVALID_PEM);
}

/* ---- control replies ---- */

ATF_TC_WITHOUT_HEAD(control_list_keys);
ATF_TC_BODY(control_list_keys, tc)
{
	const test_key_kind kinds[] = { TK_RSA_PSS, TK_P256, TK_P384 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 3);
	/* The switches go out as flags; rsa-key-exchange only on an rsaEncryption key (never on RSA-PSS). */
	ks.keys[0]->policy = (struct keyd_key_policy){ .server = true, .tls12 = true, .tls10 = true, .rsa_key_exchange = true };
	ks.keys[1]->policy = (struct keyd_key_policy){ .client = true };
	ks.keys[2]->policy = (struct keyd_key_policy){ .server = true, .client = true, .tls12 = true };
	const uint8_t want_flags[] = {
		MOAT_IPC_KEY_FLAG_SERVER | MOAT_IPC_KEY_FLAG_TLS12 | MOAT_IPC_KEY_FLAG_TLS10,
		MOAT_IPC_KEY_FLAG_CLIENT,
		MOAT_IPC_KEY_FLAG_SERVER | MOAT_IPC_KEY_FLAG_CLIENT | MOAT_IPC_KEY_FLAG_TLS12,
	};
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	EXPECT_OK(keyd_control_list_keys(&ks, 77, &b, &st));
	ATF_REQUIRE_EQ(st, MOAT_IPC_OK);
	struct moat_ipc_header h;
	struct moat_cursor body;
	EXPECT_OK(moat_ipc_header_decode(b.data, b.len, &h, &body));
	EXPECT_OK(moat_ipc_reply_check(&h, &body, MOAT_IPC_LIST_KEYS));
	ATF_REQUIRE_EQ(h.request_id, 77);
	ATF_REQUIRE_EQ(h.status, MOAT_IPC_OK);
	struct moat_ipc_key_info info[4];
	size_t count = 0;
	EXPECT_OK(moat_ipc_list_keys_reply_decode(body, info, 4, &count, NULL));
	ATF_REQUIRE_EQ(count, 3);
	for (size_t i = 0; i < count; i++) {
		ATF_REQUIRE(memcmp(info[i].key_id, ks.keys[i]->id, 32) == 0);
		ATF_REQUIRE_EQ(info[i].key_type, ks.keys[i]->ipc_type);
		ATF_REQUIRE_EQ(info[i].bits, ks.keys[i]->bits);
		ATF_REQUIRE_EQ_MSG(info[i].flags, want_flags[i], "key %zu flags 0x%02x", i, info[i].flags);
		ATF_REQUIRE_EQ(info[i].scheme_count, ks.keys[i]->scheme_count);
		ATF_REQUIRE_STREQ(info[i].name, kind_names[kinds[i]]);
	}
	keyd_keys_free(&ks);
}

/* More keys than one packet can list: TOO_LARGE, as moat-ipc(7) says, never a cut list. */
ATF_TC_WITHOUT_HEAD(control_list_keys_too_large);
ATF_TC_BODY(control_list_keys_too_large, tc)
{
	struct keyd_keyset ks;
	memset(&ks, 0, sizeof(ks));
	char name[256];
	memset(name, 'n', 255);
	name[255] = '\0';
	/* Each entry takes about 300 bytes with a 255-byte name: 40 of them pass 8192. */
	for (int i = 0; i < 40; i++) {
		struct keyd_key k;
		test_key_load(&k, TK_P256, name);
		EXPECT_OK(keyd_keys_add(&ks, &k));
	}
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	moat_ipc_status st = MOAT_IPC_OK;
	EXPECT_OK(keyd_control_list_keys(&ks, 8, &b, &st));
	ATF_REQUIRE_EQ(st, MOAT_IPC_TOO_LARGE);
	struct moat_ipc_header h;
	struct moat_cursor body;
	EXPECT_OK(moat_ipc_header_decode(b.data, b.len, &h, &body));
	EXPECT_OK(moat_ipc_reply_check(&h, &body, MOAT_IPC_LIST_KEYS));
	ATF_REQUIRE_EQ(h.status, MOAT_IPC_TOO_LARGE);
	keyd_keys_free(&ks);
}

ATF_TC_WITHOUT_HEAD(control_stats);
ATF_TC_BODY(control_stats, tc)
{
	struct keyd_stats s;
	memset(&s, 0, sizeof(s));
	s.started_ns = 1 * MOAT_NS_PER_SEC;
	s.peers = 3;
	s.requests = 10;
	s.signs = 4;
	s.decrypts = 2;
	s.errors = 1;
	s.busy = 5;
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	moat_ipc_status status = MOAT_IPC_INTERNAL;
	EXPECT_OK(keyd_control_stats(&s, 11 * MOAT_NS_PER_SEC, 5, &b, &status));
	ATF_REQUIRE_EQ(status, MOAT_IPC_OK);
	struct moat_ipc_header h;
	struct moat_cursor body;
	EXPECT_OK(moat_ipc_header_decode(b.data, b.len, &h, &body));
	EXPECT_OK(moat_ipc_reply_check(&h, &body, MOAT_IPC_STATS));
	struct moat_ipc_stat st[64];
	size_t count = 0;
	EXPECT_OK(moat_ipc_stats_reply_decode(body, st, 64, &count, NULL));
	/* moat-ipc(7): at least these, with these values. */
	const struct {
		const char *name;
		uint64_t value;
	} want[] = {
		{ "uptime_seconds", 10 }, { "peers", 3 }, { "requests", 10 }, { "signs", 4 },
		{ "decrypts", 2 },        { "errors", 1 }, { "busy", 5 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool found = false;
		for (size_t j = 0; j < count; j++)
			if (strcmp(st[j].name, want[i].name) == 0) {
				ATF_REQUIRE_EQ(st[j].value, want[i].value);
				found = true;
			}
		ATF_REQUIRE_MSG(found, "STATS lacks %s", want[i].name);
	}
}

/* ---- signing threads ---- */

static struct keyd_job *new_job(const struct keyd_keyset *ks, void *owner, uint32_t id)
{
	struct keyd_job *job = calloc(1, sizeof(*job));
	ATF_REQUIRE(job != NULL);
	uint8_t cv[200];
	size_t len = cv_input(cv, 32, true);
	struct body b = sign_body(ks->keys[0]->id, MOAT_SIG_RSA_PSS_RSAE_SHA256, 1, cv, len);
	moat_ipc_status st;
	EXPECT_OK(keyd_op_prepare(ks, MOAT_IPC_SIGN, cursor_of(&b), &job->op, &st));
	job->owner = owner;
	job->request_id = id;
	return job;
}

ATF_TC_WITHOUT_HEAD(workers_pool);
ATF_TC_BODY(workers_pool, tc)
{
	const test_key_kind kinds[] = { TK_RSA2048 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 1);
	struct keyd_workers *w = NULL;
	EXPECT_OK(keyd_workers_start(&w, 2));
	int a = 0, b = 0;
	const uint32_t n = 40;
	for (uint32_t i = 0; i < n; i++)
		keyd_workers_submit(w, new_job(&ks, i % 2 ? (void *)&a : (void *)&b, i));
	/* Take back b's jobs that have not started: they never come out as done. */
	struct keyd_job *cancelled = keyd_workers_cancel(w, &b);
	uint32_t n_cancelled = 0;
	for (struct keyd_job *j = cancelled; j != NULL; j = j->next) {
		ATF_REQUIRE(j->owner == &b);
		n_cancelled++;
	}
	keyd_jobs_free(cancelled);

	bool seen[40] = { false };
	uint32_t done = 0;
	for (int waited = 0; done + n_cancelled < n && waited < 10000; waited++) {
		struct keyd_job *list = keyd_workers_take_done(w);
		if (list == NULL) {
			usleep(1000);
			continue;
		}
		for (struct keyd_job *j = list; j != NULL; j = j->next) {
			ATF_REQUIRE(j->request_id < n && !seen[j->request_id]);
			seen[j->request_id] = true;
			ATF_REQUIRE_EQ(j->status, MOAT_IPC_OK);
			ATF_REQUIRE(j->reply_len > MOAT_IPC_HEADER_LEN);
			done++;
		}
		keyd_jobs_free(list);
	}
	ATF_REQUIRE_EQ(done + n_cancelled, n);
	keyd_jobs_free(keyd_workers_stop(w));
	keyd_keys_free(&ks);
}

/* A list handed over in one call; keyd_job_run, as the loop uses it, gives the same reply a thread would. */
ATF_TC_WITHOUT_HEAD(workers_batch);
ATF_TC_BODY(workers_batch, tc)
{
	const test_key_kind kinds[] = { TK_RSA2048 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 1);
	struct keyd_workers *w = NULL;
	EXPECT_OK(keyd_workers_start(&w, 3));
	int owner = 0;

	struct keyd_job *here = new_job(&ks, &owner, 100);
	keyd_job_run(here);
	ATF_REQUIRE_EQ(here->status, MOAT_IPC_OK);
	ATF_REQUIRE(here->reply_len > MOAT_IPC_HEADER_LEN);
	ATF_REQUIRE(here->run_ns > 0);
	keyd_jobs_free(here);

	const uint32_t n = 12;
	struct keyd_job *list = NULL;
	for (uint32_t i = n; i-- > 0;) {
		struct keyd_job *j = new_job(&ks, &owner, i);
		j->next = list;
		list = j;
	}
	keyd_workers_submit(w, list);
	keyd_workers_submit(w, NULL);
	bool seen[12] = { false };
	uint32_t done = 0;
	for (int waited = 0; done < n && waited < 10000; waited++) {
		struct keyd_job *got = keyd_workers_take_done(w);
		if (got == NULL) {
			usleep(1000);
			continue;
		}
		for (struct keyd_job *j = got; j != NULL; j = j->next) {
			ATF_REQUIRE(j->request_id < n && !seen[j->request_id]);
			seen[j->request_id] = true;
			ATF_REQUIRE_EQ(j->status, MOAT_IPC_OK);
			ATF_REQUIRE(j->run_ns > 0);
			done++;
		}
		keyd_jobs_free(got);
	}
	ATF_REQUIRE_EQ(done, n);
	/* With nothing left, every thread goes back to waiting. */
	for (int waited = 0; keyd_workers_idle(w) < 3 && waited < 10000; waited++)
		usleep(1000);
	ATF_REQUIRE_EQ(keyd_workers_idle(w), 3);
	keyd_jobs_free(keyd_workers_stop(w));
	keyd_keys_free(&ks);
}

/* The done jobs' ids, in the order one thread ran them, until n came back. */
static uint32_t take_in_order(struct keyd_workers *w, uint32_t *order, uint32_t n)
{
	uint32_t done = 0;
	for (int waited = 0; done < n && waited < 20000; waited++) {
		struct keyd_job *got = keyd_workers_take_done(w);
		if (got == NULL) {
			usleep(1000);
			continue;
		}
		for (struct keyd_job *j = got; j != NULL; j = j->next) {
			ATF_REQUIRE_EQ(j->status, MOAT_IPC_OK);
			ATF_REQUIRE(done < n);
			order[done++] = j->request_id;
		}
		keyd_jobs_free(got);
	}
	return done;
}

/*
 * Fairness (workers.h): a peer that queues 30 operations at once does not
 * make another wait behind them. One thread, so the order it runs the jobs
 * in is the order they come back. Counted in positions, not timed.
 */
ATF_TC_WITHOUT_HEAD(workers_fair);
ATF_TC_BODY(workers_fair, tc)
{
	const test_key_kind kinds[] = { TK_RSA2048 };
	struct keyd_keyset ks;
	keyset_of(&ks, kinds, 1);
	struct keyd_workers *w = NULL;
	EXPECT_OK(keyd_workers_start(&w, 1));
	int a = 0, b = 0;
	uint64_t a_next = 0, b_next = 0;
	uint32_t order[40];

	/* One hand-over: flood's 30 (ids 0..29), then the other's 3 (100..102): they alternate from the start. */
	struct keyd_job *list = NULL, **tail = &list;
	for (uint32_t i = 0; i < 33; i++) {
		struct keyd_job *j = new_job(&ks, i < 30 ? (void *)&a : (void *)&b, i < 30 ? i : 100 + i - 30);
		j->owner_next_round = i < 30 ? &a_next : &b_next;
		*tail = j;
		tail = &j->next;
	}
	keyd_workers_submit(w, list);
	ATF_REQUIRE_EQ(take_in_order(w, order, 33), 33);
	const uint32_t head[6] = { 0, 100, 1, 101, 2, 102 };
	for (uint32_t i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(order[i], head[i], "position %u: job %u", i, order[i]);
	for (uint32_t i = 6; i < 33; i++)
		ATF_CHECK_EQ(order[i], i - 3);

	/* The flood first, in a hand-over of its own; the other's one job then waits for at most two of it. */
	list = NULL;
	tail = &list;
	for (uint32_t i = 0; i < 30; i++) {
		struct keyd_job *j = new_job(&ks, &a, i);
		j->owner_next_round = &a_next;
		*tail = j;
		tail = &j->next;
	}
	keyd_workers_submit(w, list);
	struct keyd_job *late = new_job(&ks, &b, 100);
	late->owner_next_round = &b_next;
	keyd_workers_submit(w, late);
	ATF_REQUIRE_EQ(take_in_order(w, order, 31), 31);
	uint32_t pos = 0;
	while (pos < 31 && order[pos] != 100)
		pos++;
	ATF_CHECK_MSG(pos <= 2, "the other peer's job came back after %u of the flood's", pos);

	keyd_jobs_free(keyd_workers_stop(w));
	keyd_keys_free(&ks);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sign_rsa);
	ATF_TP_ADD_TC(tp, sign_rsa_pss);
	ATF_TP_ADD_TC(tp, sign_p256);
	ATF_TP_ADD_TC(tp, sign_p384);
	ATF_TP_ADD_TC(tp, sign_p521);
	ATF_TP_ADD_TC(tp, sign_input_shapes);
	ATF_TP_ADD_TC(tp, sign_wrong_shape);
	ATF_TP_ADD_TC(tp, sign_bad_scheme);
	ATF_TP_ADD_TC(tp, unknown_key);
	ATF_TP_ADD_TC(tp, rsa_decrypt_good);
	ATF_TP_ADD_TC(tp, rsa_decrypt_implicit_rejection);
	ATF_TP_ADD_TC(tp, rsa_decrypt_refused);
	ATF_TP_ADD_TC(tp, rsa_decrypt_deterministic_rejection);
	ATF_TP_ADD_TC(tp, rsa_select_premaster);
	ATF_TP_ADD_TC(tp, policy_default);
	ATF_TP_ADD_TC(tp, policy_roles);
	ATF_TP_ADD_TC(tp, policy_tls10);
	ATF_TP_ADD_TC(tp, policy_tls12_client_cv);
	ATF_TP_ADD_TC(tp, ske_point_validated);
	ATF_TP_ADD_TC(tp, key_ids_types_schemes);
	ATF_TP_ADD_TC(tp, key_pss_restricted);
	ATF_TP_ADD_TC(tp, key_refused);
	ATF_TP_ADD_TC(tp, control_list_keys);
	ATF_TP_ADD_TC(tp, control_list_keys_too_large);
	ATF_TP_ADD_TC(tp, control_stats);
	ATF_TP_ADD_TC(tp, workers_pool);
	ATF_TP_ADD_TC(tp, workers_batch);
	ATF_TP_ADD_TC(tp, workers_fair);
	return atf_no_error();
}
