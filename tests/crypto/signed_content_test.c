/*
 * The crypto layer on its own: the signed-content shapes (built and checked
 * by the same module), the public-value checks the TLS 1.2 ServerKeyExchange
 * shape relies on, and the one SignatureScheme table. Linked against
 * tls/crypto/libmoat_crypto.a and common/ only, so the program also proves
 * the layer needs nothing of the protocol.
 *
 * The CertificateVerify content has its cases in tests/messages/msg_test.c
 * (cv_content), where they were written before the module moved.
 */
#include <string.h>

#include "tls/crypto/iana.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/signed_content.h"
#include "tests/moat_test.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t ec_groups[] = {
	MOAT_GROUP_X25519, MOAT_GROUP_X448, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1, MOAT_GROUP_SECP521R1,
};

static void randoms(uint8_t cr[MOAT_RANDOM_LEN], uint8_t sr[MOAT_RANDOM_LEN])
{
	for (size_t i = 0; i < MOAT_RANDOM_LEN; i++) {
		cr[i] = (uint8_t)i;
		sr[i] = (uint8_t)(0x80 + i);
	}
}

/* A fresh share of the group into share (MOAT_KEX_MAX_SHARE_LEN bytes); returns its length. */
static size_t fresh_share(uint16_t group, uint8_t *share)
{
	struct moat_kex k;
	size_t len = 0;
	EXPECT_OK(moat_kex_generate(&k, group, share, &len));
	moat_kex_free(&k);
	return len;
}

/* Build the params for group with a fresh share into out; returns the share length. */
static size_t build_ske(uint16_t group, struct moat_buf *out, uint8_t *share)
{
	uint8_t cr[MOAT_RANDOM_LEN], sr[MOAT_RANDOM_LEN];
	randoms(cr, sr);
	size_t len = fresh_share(group, share);
	EXPECT_OK(moat_ske_ecdh_content_build(cr, sr, group, share, len, out));
	return len;
}

ATF_TC_WITHOUT_HEAD(ske_round_trip);
ATF_TC_BODY(ske_round_trip, tc)
{
	for (size_t g = 0; g < COUNT(ec_groups); g++) {
		uint8_t mem[MOAT_SKE_ECDH_CONTENT_MAX], share[MOAT_KEX_MAX_SHARE_LEN];
		struct moat_buf b;
		moat_buf_init_fixed(&b, mem, sizeof(mem));
		size_t len = build_ske(ec_groups[g], &b, share);
		/* RFC 5246 §7.4.3, RFC 8422 §5.4: randoms, named_curve(3), the group, the point with a one-byte length. */
		ATF_REQUIRE_EQ(b.len, 2 * MOAT_RANDOM_LEN + 1 + 2 + 1 + len);
		ATF_REQUIRE_EQ(b.data[64], 3);
		ATF_REQUIRE_EQ(b.data[65] << 8 | b.data[66], ec_groups[g]);
		ATF_REQUIRE_EQ(b.data[67], len);

		uint16_t group = 0;
		struct moat_cursor point;
		EXPECT_OK(moat_ske_ecdh_content_check(b.data, b.len, &group, &point));
		ATF_REQUIRE_EQ(group, ec_groups[g]);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&point), len);
		ATF_REQUIRE(memcmp(moat_cursor_data(&point), share, len) == 0);
		EXPECT_OK(moat_kex_public_check(group, moat_cursor_data(&point), len));
		EXPECT_OK(moat_ske_ecdh_content_check(b.data, b.len, NULL, NULL));
	}
}

ATF_TC_WITHOUT_HEAD(ske_wrong_shapes);
ATF_TC_BODY(ske_wrong_shapes, tc)
{
	uint8_t mem[MOAT_SKE_ECDH_CONTENT_MAX + 1], share[MOAT_KEX_MAX_SHARE_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	size_t len = build_ske(MOAT_GROUP_SECP256R1, &b, share);
	uint8_t good[MOAT_SKE_ECDH_CONTENT_MAX];
	size_t n = b.len;
	memcpy(good, b.data, n);

	/* Every truncation, and a byte after the end. */
	for (size_t cut = 0; cut < n; cut++)
		EXPECT_ERR(moat_ske_ecdh_content_check(good, cut, NULL, NULL), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_buf_put_u8(&b, 0));
	EXPECT_ERR(moat_ske_ecdh_content_check(b.data, b.len, NULL, NULL), MOAT_ERR_INVALID_ARG);

	uint8_t bad[MOAT_SKE_ECDH_CONTENT_MAX];
	/* explicit_prime(1) / explicit_char2(2) curves: never signed. */
	memcpy(bad, good, n);
	bad[64] = 1;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* Another curve's name with this point: the length no longer fits. */
	memcpy(bad, good, n);
	bad[66] = MOAT_GROUP_SECP384R1 & 0xff;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* A finite field group has ServerDHParams, not this shape; an unknown group. */
	memcpy(bad, good, n);
	bad[65] = MOAT_GROUP_FFDHE2048 >> 8;
	bad[66] = MOAT_GROUP_FFDHE2048 & 0xff;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	memcpy(bad, good, n);
	bad[66] = 0x42;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* A compressed point (RFC 8422 §5.4.1 allows only uncompressed). */
	memcpy(bad, good, n);
	bad[68] = 0x02;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* A point length byte that runs past the end, or stops short. */
	memcpy(bad, good, n);
	bad[67] = (uint8_t)(len + 1);
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	bad[67] = (uint8_t)(len - 1);
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);

	/* A point of the right form that is not on the curve: y changed, then x = y = 0. */
	memcpy(bad, good, n);
	bad[n - 1] ^= 0x01;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	memset(bad + 69, 0, len - 1);
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_ske_ecdh_content_check(good, n, NULL, NULL));

	/* The builder refuses what the check would refuse. */
	uint8_t cr[MOAT_RANDOM_LEN], sr[MOAT_RANDOM_LEN], ff[MOAT_KEX_MAX_SHARE_LEN];
	randoms(cr, sr);
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_SECP256R1, share, len - 1, &b), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_SECP384R1, share, len, &b), MOAT_ERR_INVALID_ARG);
	size_t ff_len = fresh_share(MOAT_GROUP_FFDHE2048, ff);
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_FFDHE2048, ff, ff_len, &b), MOAT_ERR_INVALID_ARG);
	share[0] = 0x03;
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_SECP256R1, share, len, &b), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_ERR(moat_ske_ecdh_content_check(NULL, 0, NULL, NULL), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(public_check);
ATF_TC_BODY(public_check, tc)
{
	static const uint16_t all[] = {
		MOAT_GROUP_X25519,    MOAT_GROUP_X448,      MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1,
		MOAT_GROUP_SECP521R1, MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072,
	};
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN];
	for (size_t g = 0; g < COUNT(all); g++) {
		size_t len = fresh_share(all[g], share);
		EXPECT_OK(moat_kex_public_check(all[g], share, len));
		ATF_REQUIRE(moat_kex_share_shape_ok(all[g], share, len));
		EXPECT_ERR(moat_kex_public_check(all[g], share, len - 1), MOAT_ERR_ILLEGAL_PARAMETER);
		ATF_REQUIRE(!moat_kex_share_shape_ok(all[g], share, len - 1));
	}
	/* NIST: a point off the curve (y changed), and one that is not uncompressed. */
	size_t len = fresh_share(MOAT_GROUP_SECP256R1, share);
	share[len - 1] ^= 1;
	EXPECT_ERR(moat_kex_public_check(MOAT_GROUP_SECP256R1, share, len), MOAT_ERR_ILLEGAL_PARAMETER);
	share[0] = 0x02;
	EXPECT_ERR(moat_kex_public_check(MOAT_GROUP_SECP256R1, share, len), MOAT_ERR_ILLEGAL_PARAMETER);
	/* FFDHE: Y = 1 (RFC 7919 §5.1). */
	memset(share, 0, 256);
	share[255] = 1;
	EXPECT_ERR(moat_kex_public_check(MOAT_GROUP_FFDHE2048, share, 256), MOAT_ERR_ILLEGAL_PARAMETER);
	/* X25519: any 32 bytes are a public value (RFC 7748 §5). */
	memset(share, 0, 32);
	EXPECT_OK(moat_kex_public_check(MOAT_GROUP_X25519, share, 32));
	EXPECT_ERR(moat_kex_public_check(0x4242, share, 32), MOAT_ERR_NOT_SUPPORTED);
	ATF_REQUIRE(!moat_kex_group_is_ec(MOAT_GROUP_FFDHE2048));
	ATF_REQUIRE(!moat_kex_group_is_ec(0x4242));
}

/* ---- DHE ServerDHParams ---- */

static const uint16_t ffdhe_groups[] = {
	MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072, MOAT_GROUP_FFDHE4096, MOAT_GROUP_FFDHE6144, MOAT_GROUP_FFDHE8192,
};

/* RFC 7919 Appendix A.1: the ffdhe2048 prime, copied from the RFC's hexadecimal listing. */
static const uint8_t rfc7919_ffdhe2048_p[256] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xad, 0xf8, 0x54, 0x58, 0xa2, 0xbb, 0x4a, 0x9a,
	0xaf, 0xdc, 0x56, 0x20, 0x27, 0x3d, 0x3c, 0xf1, 0xd8, 0xb9, 0xc5, 0x83, 0xce, 0x2d, 0x36, 0x95,
	0xa9, 0xe1, 0x36, 0x41, 0x14, 0x64, 0x33, 0xfb, 0xcc, 0x93, 0x9d, 0xce, 0x24, 0x9b, 0x3e, 0xf9,
	0x7d, 0x2f, 0xe3, 0x63, 0x63, 0x0c, 0x75, 0xd8, 0xf6, 0x81, 0xb2, 0x02, 0xae, 0xc4, 0x61, 0x7a,
	0xd3, 0xdf, 0x1e, 0xd5, 0xd5, 0xfd, 0x65, 0x61, 0x24, 0x33, 0xf5, 0x1f, 0x5f, 0x06, 0x6e, 0xd0,
	0x85, 0x63, 0x65, 0x55, 0x3d, 0xed, 0x1a, 0xf3, 0xb5, 0x57, 0x13, 0x5e, 0x7f, 0x57, 0xc9, 0x35,
	0x98, 0x4f, 0x0c, 0x70, 0xe0, 0xe6, 0x8b, 0x77, 0xe2, 0xa6, 0x89, 0xda, 0xf3, 0xef, 0xe8, 0x72,
	0x1d, 0xf1, 0x58, 0xa1, 0x36, 0xad, 0xe7, 0x35, 0x30, 0xac, 0xca, 0x4f, 0x48, 0x3a, 0x79, 0x7a,
	0xbc, 0x0a, 0xb1, 0x82, 0xb3, 0x24, 0xfb, 0x61, 0xd1, 0x08, 0xa9, 0x4b, 0xb2, 0xc8, 0xe3, 0xfb,
	0xb9, 0x6a, 0xda, 0xb7, 0x60, 0xd7, 0xf4, 0x68, 0x1d, 0x4f, 0x42, 0xa3, 0xde, 0x39, 0x4d, 0xf4,
	0xae, 0x56, 0xed, 0xe7, 0x63, 0x72, 0xbb, 0x19, 0x0b, 0x07, 0xa7, 0xc8, 0xee, 0x0a, 0x6d, 0x70,
	0x9e, 0x02, 0xfc, 0xe1, 0xcd, 0xf7, 0xe2, 0xec, 0xc0, 0x34, 0x04, 0xcd, 0x28, 0x34, 0x2f, 0x61,
	0x91, 0x72, 0xfe, 0x9c, 0xe9, 0x85, 0x83, 0xff, 0x8e, 0x4f, 0x12, 0x32, 0xee, 0xf2, 0x81, 0x83,
	0xc3, 0xfe, 0x3b, 0x1b, 0x4c, 0x6f, 0xad, 0x73, 0x3b, 0xb5, 0xfc, 0xbc, 0x2e, 0xc2, 0x20, 0x05,
	0xc5, 0x8e, 0xf1, 0x83, 0x7d, 0x16, 0x83, 0xb2, 0xc6, 0xf3, 0x4a, 0x26, 0xc1, 0xb2, 0xef, 0xfa,
	0x88, 0x6b, 0x42, 0x38, 0x61, 0x28, 0x5c, 0x97, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
/* RFC 7919 Appendix A: every prime starts and ends with 64 one bits, then the same digits of e. */
static const uint8_t ffdhe_second_word[4] = { 0xad, 0xf8, 0x54, 0x58 };

static size_t build_dhe(uint16_t group, struct moat_buf *out, uint8_t *ys)
{
	uint8_t cr[MOAT_RANDOM_LEN], sr[MOAT_RANDOM_LEN];
	randoms(cr, sr);
	size_t len = fresh_share(group, ys);
	EXPECT_OK(moat_ske_dh_content_build(cr, sr, group, ys, len, out));
	return len;
}

ATF_TC_WITHOUT_HEAD(ske_dh_round_trip);
ATF_TC_BODY(ske_dh_round_trip, tc)
{
	static uint8_t mem[MOAT_SKE_DH_CONTENT_MAX];
	uint8_t ys[MOAT_KEX_MAX_SHARE_LEN], p[MOAT_KEX_MAX_SHARE_LEN];
	for (size_t g = 0; g < COUNT(ffdhe_groups); g++) {
		uint16_t grp = ffdhe_groups[g];
		size_t plen = moat_kex_share_len(grp);
		ATF_REQUIRE(moat_kex_group_is_ffdhe(grp));
		EXPECT_OK(moat_kex_ffdhe_prime(grp, p, plen));
		for (size_t i = 0; i < 8; i++) {
			ATF_REQUIRE_EQ(p[i], 0xff);
			ATF_REQUIRE_EQ(p[plen - 1 - i], 0xff);
		}
		ATF_REQUIRE(memcmp(p + 8, ffdhe_second_word, 4) == 0);
		if (grp == MOAT_GROUP_FFDHE2048)
			ATF_REQUIRE(memcmp(p, rfc7919_ffdhe2048_p, 256) == 0);

		struct moat_buf b;
		moat_buf_init_fixed(&b, mem, sizeof(mem));
		size_t len = build_dhe(grp, &b, ys);
		ATF_REQUIRE_EQ(len, plen);
		/* Leading zero bytes of Ys are not sent (a minimal integer). */
		size_t skip = 0;
		while (ys[skip] == 0)
			skip++;
		/* RFC 5246 §7.4.3: randoms, dh_p<1..2^16-1>, dh_g<1..2^16-1>, dh_Ys<1..2^16-1>. */
		ATF_REQUIRE_EQ(b.len, 64 + 2 + plen + 2 + 1 + 2 + (plen - skip));
		ATF_REQUIRE_EQ(b.data[64] << 8 | b.data[65], plen);
		ATF_REQUIRE(memcmp(b.data + 66, p, plen) == 0);
		ATF_REQUIRE_EQ(b.data[66 + plen] << 8 | b.data[67 + plen], 1);
		ATF_REQUIRE_EQ(b.data[68 + plen], 2);
		ATF_REQUIRE_EQ(b.data[69 + plen] << 8 | b.data[70 + plen], plen - skip);
		ATF_REQUIRE(memcmp(b.data + 71 + plen, ys + skip, plen - skip) == 0);

		uint16_t group = 0;
		struct moat_cursor y;
		EXPECT_OK(moat_ske_dh_content_check(b.data, b.len, &group, &y));
		ATF_REQUIRE_EQ(group, grp);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&y), plen - skip);
		EXPECT_OK(moat_ske_dh_content_check(b.data, b.len, NULL, NULL));
		/* Not an ECDHE shape, and not an ECDHE group for the DHE builder. */
		EXPECT_ERR(moat_ske_ecdh_content_check(b.data, b.len, NULL, NULL), MOAT_ERR_INVALID_ARG);
	}
	EXPECT_ERR(moat_kex_ffdhe_prime(MOAT_GROUP_X25519, p, 32), MOAT_ERR_NOT_SUPPORTED);
	EXPECT_ERR(moat_kex_ffdhe_prime(MOAT_GROUP_FFDHE2048, p, 255), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(!moat_kex_group_is_ffdhe(MOAT_GROUP_SECP256R1));
}

/* Write ServerDHParams by hand: randoms, then p, g and Ys as given. */
static size_t hand_dhe(uint8_t *out, const uint8_t *p, size_t plen, const uint8_t *g, size_t glen, const uint8_t *y,
		       size_t ylen)
{
	size_t n = 0;
	memset(out, 0x33, 64);
	n = 64;
	out[n++] = (uint8_t)(plen >> 8);
	out[n++] = (uint8_t)plen;
	memcpy(out + n, p, plen);
	n += plen;
	out[n++] = (uint8_t)(glen >> 8);
	out[n++] = (uint8_t)glen;
	memcpy(out + n, g, glen);
	n += glen;
	out[n++] = (uint8_t)(ylen >> 8);
	out[n++] = (uint8_t)ylen;
	memcpy(out + n, y, ylen);
	return n + ylen;
}

ATF_TC_WITHOUT_HEAD(ske_dh_wrong_shapes);
ATF_TC_BODY(ske_dh_wrong_shapes, tc)
{
	static uint8_t good[MOAT_SKE_DH_CONTENT_MAX + 1], bad[MOAT_SKE_DH_CONTENT_MAX + 8];
	uint8_t p[256], y[256], pm1[256];
	const uint8_t two = 2;
	struct moat_buf b;
	moat_buf_init_fixed(&b, good, sizeof(good));
	size_t ylen = build_dhe(MOAT_GROUP_FFDHE2048, &b, y);
	size_t n = b.len;
	ATF_REQUIRE_EQ(ylen, 256);
	EXPECT_OK(moat_kex_ffdhe_prime(MOAT_GROUP_FFDHE2048, p, 256));

	/* Every truncation, and a byte after the end. */
	for (size_t cut = 0; cut < n; cut++)
		EXPECT_ERR(moat_ske_dh_content_check(good, cut, NULL, NULL), MOAT_ERR_INVALID_ARG);
	good[n] = 0;
	EXPECT_ERR(moat_ske_dh_content_check(good, n + 1, NULL, NULL), MOAT_ERR_INVALID_ARG);

	/* The hand-written form of the same params passes; then one thing at a time goes wrong. */
	struct moat_cursor yc;
	EXPECT_OK(moat_ske_dh_content_check(good, n, NULL, &yc));
	size_t yl = moat_cursor_remaining(&yc);
	memcpy(y, moat_cursor_data(&yc), yl);
	size_t m = hand_dhe(bad, p, 256, &two, 1, y, yl);
	ATF_REQUIRE_EQ(m, n);
	EXPECT_OK(moat_ske_dh_content_check(bad, m, NULL, NULL));

	/* A prime that is not one of ours: one bit changed, a leading zero byte, cut short. */
	p[100] ^= 0x10;
	m = hand_dhe(bad, p, 256, &two, 1, y, yl);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	p[100] ^= 0x10;
	uint8_t p0[257];
	p0[0] = 0;
	memcpy(p0 + 1, p, 256);
	m = hand_dhe(bad, p0, 257, &two, 1, y, yl);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	m = hand_dhe(bad, p, 255, &two, 1, y, yl);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* Generators other than the single byte 2: 5, 2 with a leading zero, empty. */
	const uint8_t five = 5, zero_two[2] = { 0, 2 };
	m = hand_dhe(bad, p, 256, &five, 1, y, yl);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	m = hand_dhe(bad, p, 256, zero_two, 2, y, yl);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	m = hand_dhe(bad, p, 256, &two, 0, y, yl);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* Ys out of range (RFC 7919 §5.1): 0, 1, p-1, p, all ones; empty; a leading zero; longer than p. */
	const uint8_t y0 = 0, y1 = 1;
	m = hand_dhe(bad, p, 256, &two, 1, &y0, 1);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	m = hand_dhe(bad, p, 256, &two, 1, &y1, 1);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	memcpy(pm1, p, 256);
	pm1[255] ^= 1; /* p is odd: p-1 */
	m = hand_dhe(bad, p, 256, &two, 1, pm1, 256);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	m = hand_dhe(bad, p, 256, &two, 1, p, 256);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	uint8_t ones[257];
	memset(ones, 0xff, sizeof(ones));
	m = hand_dhe(bad, p, 256, &two, 1, ones, 256);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	m = hand_dhe(bad, p, 256, &two, 1, y, 0);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	uint8_t y_padded[257];
	y_padded[0] = 0;
	memcpy(y_padded + 1, y, yl);
	m = hand_dhe(bad, p, 256, &two, 1, y_padded, yl + 1);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	m = hand_dhe(bad, p, 256, &two, 1, ones, 257);
	EXPECT_ERR(moat_ske_dh_content_check(bad, m, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* p-2 is the largest value in range, 2 the smallest. */
	pm1[255] ^= 3; /* ...fd: p-2 */
	m = hand_dhe(bad, p, 256, &two, 1, pm1, 256);
	EXPECT_OK(moat_ske_dh_content_check(bad, m, NULL, NULL));
	m = hand_dhe(bad, p, 256, &two, 1, &two, 1);
	EXPECT_OK(moat_ske_dh_content_check(bad, m, NULL, NULL));
	/* Another group's prime with this group's shape: the prime decides the group. */
	uint8_t p3[384];
	EXPECT_OK(moat_kex_ffdhe_prime(MOAT_GROUP_FFDHE3072, p3, 384));
	m = hand_dhe(bad, p3, 384, &two, 1, y, yl);
	uint16_t grp = 0;
	EXPECT_OK(moat_ske_dh_content_check(bad, m, &grp, NULL));
	ATF_REQUIRE_EQ(grp, MOAT_GROUP_FFDHE3072);

	/* The builder refuses an ECDHE group, a share of the wrong length and a value out of range. */
	uint8_t cr[MOAT_RANDOM_LEN], sr[MOAT_RANDOM_LEN];
	randoms(cr, sr);
	moat_buf_init_fixed(&b, good, sizeof(good));
	EXPECT_ERR(moat_ske_dh_content_build(cr, sr, MOAT_GROUP_SECP256R1, y, 65, &b), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ske_dh_content_build(cr, sr, MOAT_GROUP_FFDHE2048, y, 255, &b), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ske_dh_content_build(cr, sr, MOAT_GROUP_FFDHE2048, p, 256, &b), MOAT_ERR_INVALID_ARG);
	memset(y_padded, 0, 256);
	y_padded[255] = 1;
	EXPECT_ERR(moat_ske_dh_content_build(cr, sr, MOAT_GROUP_FFDHE2048, y_padded, 256, &b), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_ERR(moat_ske_dh_content_check(NULL, 0, NULL, NULL), MOAT_ERR_NULL_ARG);
}

/* The TLS 1.2 client CertificateVerify digest: the scheme's hash length exactly, schemes moat signs with only. */
ATF_TC_WITHOUT_HEAD(client_cv_digest);
ATF_TC_BODY(client_cv_digest, tc)
{
	uint8_t d[65] = { 0 };
	EXPECT_OK(moat_tls12_client_cv_digest_check(MOAT_SIG_RSA_PKCS1_SHA256, d, 32));
	EXPECT_OK(moat_tls12_client_cv_digest_check(MOAT_SIG_ECDSA_SECP384R1_SHA384, d, 48));
	EXPECT_OK(moat_tls12_client_cv_digest_check(MOAT_SIG_RSA_PSS_PSS_SHA512, d, 64));
	EXPECT_OK(moat_tls12_client_cv_digest_check(MOAT_SIG_LEGACY_RSA_MD5_SHA1, d, 36));
	EXPECT_OK(moat_tls12_client_cv_digest_check(MOAT_SIG_LEGACY_ECDSA_SHA1, d, 20));
	EXPECT_ERR(moat_tls12_client_cv_digest_check(MOAT_SIG_RSA_PKCS1_SHA256, d, 31), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls12_client_cv_digest_check(MOAT_SIG_RSA_PKCS1_SHA256, d, 33), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls12_client_cv_digest_check(MOAT_SIG_RSA_PKCS1_SHA256, d, 48), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls12_client_cv_digest_check(MOAT_SIG_RSA_PKCS1_SHA1, d, 20), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls12_client_cv_digest_check(MOAT_SIG_ED25519, d, 32), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls12_client_cv_digest_check(0xfe00, d, 32), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_tls12_client_cv_digest_check(MOAT_SIG_RSA_PKCS1_SHA256, NULL, 32), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(scheme_table);
ATF_TC_BODY(scheme_table, tc)
{
	/* Every SignatureScheme code point of iana.h, once; the TLS 1.2-only ones by RFC 8446 §4.4.3. */
	static const struct {
		uint16_t scheme;
		const char *name;
		bool tls13;
	} want[] = {
		{ MOAT_SIG_RSA_PKCS1_SHA1, "rsa_pkcs1_sha1", false },
		{ MOAT_SIG_ECDSA_SHA1, "ecdsa_sha1", false },
		{ MOAT_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256", false },
		{ MOAT_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384", false },
		{ MOAT_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512", false },
		{ MOAT_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256", true },
		{ MOAT_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384", true },
		{ MOAT_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512", true },
		{ MOAT_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256", true },
		{ MOAT_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384", true },
		{ MOAT_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512", true },
		{ MOAT_SIG_ED25519, "ed25519", true },
		{ MOAT_SIG_ED448, "ed448", true },
		{ MOAT_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256", true },
		{ MOAT_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384", true },
		{ MOAT_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512", true },
		/* Private use (RFC 8446 §4.2.3): the TLS 1.0/1.1 signatures. */
		{ MOAT_SIG_LEGACY_RSA_MD5_SHA1, "legacy_rsa_pkcs1_md5_sha1", false },
		{ MOAT_SIG_LEGACY_ECDSA_SHA1, "legacy_ecdsa_sha1", false },
	};
	size_t rows = 0;
	while (moat_sig_scheme_at(rows) != NULL)
		rows++;
	ATF_REQUIRE_EQ(rows, COUNT(want));
	for (size_t i = 0; i < COUNT(want); i++) {
		const struct moat_sig_scheme_info *s = moat_sig_scheme_find(want[i].scheme);
		ATF_REQUIRE_MSG(s != NULL, "no row for 0x%04x", want[i].scheme);
		ATF_REQUIRE_STREQ(s->name, want[i].name);
		ATF_REQUIRE_STREQ(moat_sig_scheme_name(want[i].scheme), want[i].name);
		ATF_REQUIRE_EQ(s->tls13, want[i].tls13);
		ATF_REQUIRE_EQ(s->eddsa, want[i].scheme == MOAT_SIG_ED25519 || want[i].scheme == MOAT_SIG_ED448);
		/* Exactly the private-use rows are legacy. */
		ATF_REQUIRE_EQ(s->legacy, want[i].scheme >= 0xfe00);
	}
	ATF_REQUIRE(moat_sig_scheme_find(0x0000) == NULL);
	ATF_REQUIRE(moat_sig_scheme_name(0xfe00) == NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ske_round_trip);
	ATF_TP_ADD_TC(tp, ske_wrong_shapes);
	ATF_TP_ADD_TC(tp, public_check);
	ATF_TP_ADD_TC(tp, ske_dh_round_trip);
	ATF_TP_ADD_TC(tp, ske_dh_wrong_shapes);
	ATF_TP_ADD_TC(tp, client_cv_digest);
	ATF_TP_ADD_TC(tp, scheme_table);
	return atf_no_error();
}
