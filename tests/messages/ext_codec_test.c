/*
 * Per-extension decoders and encoders: a round trip through each encoder,
 * then every prefix, a trailing byte and every length field nudged by one,
 * then the value checks of each extension's RFC (bounds, duplicates, enums).
 */
#include <string.h>

#include "tests/messages/codec_check.h"
#include "tests/rfc8448_vectors.h"
#include "tests/test_hex.h"
#include "tls/extensions.h"
#include "tls/iana.h"

/* Output holders for the decoders wrapped below. */
static struct moat_cursor out_cursor;
static uint16_t out_u16;
static uint32_t out_u32;
static uint8_t out_u8;
static bool out_bool;
static struct moat_key_share out_share;
static struct moat_key_share_list out_shares;
static struct moat_psk_offer out_psk;

static int dec_server_name(struct moat_cursor d) { return moat_ext_server_name_decode_ch(d, &out_cursor); }
static int dec_empty(struct moat_cursor d) { return moat_ext_empty_decode(d); }
static int dec_u16_list(struct moat_cursor d) { return moat_ext_u16_list_decode(d, &out_cursor); }
static int dec_sv_ch(struct moat_cursor d) { return moat_ext_supported_versions_decode_ch(d, &out_cursor); }
static int dec_sv_sh(struct moat_cursor d) { return moat_ext_supported_versions_decode_sh(d, &out_u16); }
static int dec_ks_ch(struct moat_cursor d) { return moat_ext_key_share_decode_ch(d, &out_shares); }
static int dec_ks_sh(struct moat_cursor d) { return moat_ext_key_share_decode_sh(d, &out_share); }
static int dec_ks_hrr(struct moat_cursor d) { return moat_ext_key_share_decode_hrr(d, &out_u16); }
static int dec_alpn_list(struct moat_cursor d) { return moat_ext_alpn_decode_list(d, &out_cursor); }
static int dec_alpn_sel(struct moat_cursor d) { return moat_ext_alpn_decode_selected(d, &out_cursor); }
static int dec_cookie(struct moat_cursor d) { return moat_ext_cookie_decode(d, &out_cursor); }
static int dec_rsl(struct moat_cursor d) { return moat_ext_record_size_limit_decode(d, &out_u16); }
static int dec_mfl(struct moat_cursor d) { return moat_ext_max_fragment_length_decode(d, &out_u8); }
static int dec_psk_modes(struct moat_cursor d) { return moat_ext_psk_modes_decode(d, &out_cursor); }
static int dec_psk_ch(struct moat_cursor d) { return moat_ext_pre_shared_key_decode_ch(d, &out_psk); }
static int dec_psk_sh(struct moat_cursor d) { return moat_ext_pre_shared_key_decode_sh(d, &out_u16); }
static int dec_early_nst(struct moat_cursor d) { return moat_ext_early_data_decode_nst(d, &out_u32); }
static int dec_status_ch(struct moat_cursor d) { return moat_ext_status_request_decode_ch(d, &out_bool); }
static int dec_status_ct(struct moat_cursor d) { return moat_ext_status_request_decode_ct(d, &out_cursor); }
static int dec_ca(struct moat_cursor d) { return moat_ext_certificate_authorities_decode(d, &out_cursor); }

static struct moat_cursor cur(const void *p, size_t n)
{
	struct moat_cursor c;
	moat_cursor_init(&c, p, n);
	return c;
}

/* ---- server_name ---- */

ATF_TC_WITHOUT_HEAD(server_name_round_trip);
ATF_TC_BODY(server_name_round_trip, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_server_name(&b, "server"));
	/* RFC 8448 §3 ClientHello: 00 00 00 0b 00 09 00 00 06 "server". */
	static const uint8_t expect[] = { 0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06,
					  's', 'e', 'r', 'v', 'e', 'r' };
	ATF_REQUIRE_EQ(b.len, sizeof(expect));
	ATF_REQUIRE(memcmp(b.data, expect, sizeof(expect)) == 0);
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_SERVER_NAME);
	EXPECT_OK(dec_server_name(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, "server", 6));
	static const size_t offs[] = { 0, 3 };
	static const unsigned widths[] = { 2, 2 };
	codec_check_all(dec_server_name, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 2);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(server_name_values);
ATF_TC_BODY(server_name_values, tc)
{
	static const uint8_t two_hosts[] = { 0x00, 0x08, 0x00, 0x00, 0x01, 'a', 0x00, 0x00, 0x01, 'b' };
	static const uint8_t other_type_then_host[] = { 0x00, 0x09, 0x07, 0x00, 0x02, 'x', 'y',
							0x00, 0x00, 0x01, 'a' };
	static const uint8_t only_other_type[] = { 0x00, 0x05, 0x07, 0x00, 0x02, 'x', 'y' };
	static const uint8_t empty_name[] = { 0x00, 0x03, 0x00, 0x00, 0x00 };
	static const uint8_t empty_list[] = { 0x00, 0x00 };
	static const uint8_t with_nul[] = { 0x00, 0x06, 0x00, 0x00, 0x03, 'a', 0x00, 'b' };

	EXPECT_ERR(dec_server_name(cur(two_hosts, sizeof(two_hosts))), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_OK(dec_server_name(cur(other_type_then_host, sizeof(other_type_then_host))));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, "a", 1));
	EXPECT_ERR(dec_server_name(cur(only_other_type, sizeof(only_other_type))), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(dec_server_name(cur(empty_name, sizeof(empty_name))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_server_name(cur(empty_list, sizeof(empty_list))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_server_name(cur(with_nul, sizeof(with_nul))), MOAT_ERR_ILLEGAL_PARAMETER);

	/* 255 bytes is the most a DNS name can be; 256 is refused. */
	char host[300];
	struct moat_buf b;
	memset(host, 'a', sizeof(host));
	host[255] = '\0';
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_server_name(&b, host));
	EXPECT_OK(dec_server_name(codec_ext_data(&b, MOAT_EXT_SERVER_NAME)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 255);
	moat_buf_free(&b);

	uint8_t long_name[2 + 3 + 256];
	long_name[0] = 0x01;
	long_name[1] = 0x03;
	long_name[2] = 0x00;
	long_name[3] = 0x01;
	long_name[4] = 0x00;
	memset(long_name + 5, 'a', 256);
	EXPECT_ERR(dec_server_name(cur(long_name, sizeof(long_name))), MOAT_ERR_ILLEGAL_PARAMETER);

	moat_buf_init(&b, 1024);
	host[255] = 'a';
	host[256] = '\0';
	EXPECT_ERR(moat_ext_write_server_name(&b, host), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_server_name(&b, ""), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_server_name(&b, NULL), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(empty_extensions);
ATF_TC_BODY(empty_extensions, tc)
{
	struct moat_buf b;
	static const uint8_t one[] = { 0x00 };
	moat_buf_init(&b, 64);
	EXPECT_OK(moat_ext_write_empty(&b, MOAT_EXT_SERVER_NAME));
	ATF_REQUIRE_EQ(b.len, 4);
	EXPECT_OK(dec_empty(codec_ext_data(&b, MOAT_EXT_SERVER_NAME)));
	EXPECT_ERR(dec_empty(cur(one, 1)), MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);
}

/* ---- u16 lists ---- */

ATF_TC_WITHOUT_HEAD(u16_list);
ATF_TC_BODY(u16_list, tc)
{
	struct moat_buf b;
	static const uint16_t algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_RSA_PSS_RSAE_SHA256,
					 MOAT_SIG_ED25519 };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_u16_list(&b, MOAT_EXT_SIGNATURE_ALGORITHMS, algs, 3));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_SIGNATURE_ALGORITHMS);
	EXPECT_OK(dec_u16_list(d));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 6);
	struct moat_cursor it = out_cursor;
	for (size_t i = 0; i < 3; i++) {
		uint16_t v;
		EXPECT_OK(moat_u16_list_next(&it, &v));
		ATF_REQUIRE_EQ(v, algs[i]);
	}
	uint16_t v;
	EXPECT_ERR(moat_u16_list_next(&it, &v), MOAT_ERR_DECODE);
	ATF_REQUIRE(moat_u16_list_contains(out_cursor, MOAT_SIG_ED25519));
	ATF_REQUIRE(!moat_u16_list_contains(out_cursor, MOAT_SIG_ED448));
	static const size_t offs[] = { 0 };
	static const unsigned widths[] = { 2 };
	codec_check_all(dec_u16_list, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 1);

	static const uint8_t odd[] = { 0x00, 0x03, 0x04, 0x03, 0x05 };
	static const uint8_t empty[] = { 0x00, 0x00 };
	EXPECT_ERR(dec_u16_list(cur(odd, sizeof(odd))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_u16_list(cur(empty, sizeof(empty))), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_ext_write_u16_list(&b, MOAT_EXT_SUPPORTED_GROUPS, algs, 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

/* ---- supported_versions ---- */

ATF_TC_WITHOUT_HEAD(supported_versions);
ATF_TC_BODY(supported_versions, tc)
{
	struct moat_buf b;
	static const uint16_t versions[] = { MOAT_TLS13, MOAT_TLS12 };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_supported_versions_ch(&b, versions, 2));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_SUPPORTED_VERSIONS);
	EXPECT_OK(dec_sv_ch(d));
	ATF_REQUIRE(moat_u16_list_contains(out_cursor, MOAT_TLS12));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 4);
	static const size_t offs[] = { 0 };
	static const unsigned widths[] = { 1 };
	codec_check_all(dec_sv_ch, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 1);
	/* The CH list form in a ServerHello: a u16 then trailing bytes. */
	EXPECT_ERR(dec_sv_sh(d), MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);

	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_supported_versions_sh(&b, MOAT_TLS13));
	d = codec_ext_data(&b, MOAT_EXT_SUPPORTED_VERSIONS);
	EXPECT_OK(dec_sv_sh(d));
	ATF_REQUIRE_EQ(out_u16, MOAT_TLS13);
	codec_check_all(dec_sv_sh, moat_cursor_data(&d), moat_cursor_remaining(&d), NULL, NULL, 0);
	/* The SH form in a ClientHello: 0x03 bytes claimed, 1 there. */
	EXPECT_ERR(dec_sv_ch(d), MOAT_ERR_DECODE);
	moat_buf_free(&b);

	static const uint8_t odd[] = { 0x03, 0x03, 0x04, 0x03 };
	static const uint8_t one_byte[] = { 0x01, 0x03 };
	static const uint8_t empty[] = { 0x00 };
	EXPECT_ERR(dec_sv_ch(cur(odd, sizeof(odd))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_sv_ch(cur(one_byte, sizeof(one_byte))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_sv_ch(cur(empty, sizeof(empty))), MOAT_ERR_DECODE);
	/* <2..254>: 254 bytes is fine, 255 is not. */
	uint8_t big[256];
	memset(big, 0x03, sizeof(big));
	big[0] = 254;
	EXPECT_OK(dec_sv_ch(cur(big, 255)));
	big[0] = 255;
	EXPECT_ERR(dec_sv_ch(cur(big, 256)), MOAT_ERR_DECODE);
	uint16_t many[128] = { 0 };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_supported_versions_ch(&b, many, 127));
	EXPECT_ERR(moat_ext_write_supported_versions_ch(&b, many, 128), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_supported_versions_ch(&b, many, 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

/* ---- key_share ---- */

static const uint8_t p256_pub[65] = { 0x04, 1, 2, 3 };

/* Any 32 bytes make an X25519 share for the codec; these are RFC 8448 §3's client share. */
static void x25519_share(uint8_t pub[32])
{
	ATF_REQUIRE_EQ(test_unhex(RFC8448_S3_CLIENT_X25519_PUB, pub, 32), 32);
}

ATF_TC_WITHOUT_HEAD(key_share_ch);
ATF_TC_BODY(key_share_ch, tc)
{
	struct moat_buf b;
	struct moat_key_share shares[2] = { { MOAT_GROUP_X25519, { NULL, 0 } },
					    { MOAT_GROUP_SECP256R1, { NULL, 0 } } };
	uint8_t x25519_pub[32];
	x25519_share(x25519_pub);
	moat_cursor_init(&shares[0].key_exchange, x25519_pub, sizeof(x25519_pub));
	moat_cursor_init(&shares[1].key_exchange, p256_pub, sizeof(p256_pub));

	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_key_share_ch(&b, shares, 2));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_KEY_SHARE);
	EXPECT_OK(dec_ks_ch(d));
	ATF_REQUIRE_EQ(out_shares.count, 2);
	struct moat_cursor it = out_shares.entries;
	struct moat_key_share e;
	EXPECT_OK(moat_key_share_next(&it, &e));
	ATF_REQUIRE_EQ(e.group, MOAT_GROUP_X25519);
	ATF_REQUIRE(codec_cursor_eq(e.key_exchange, x25519_pub, 32));
	EXPECT_OK(moat_key_share_next(&it, &e));
	ATF_REQUIRE_EQ(e.group, MOAT_GROUP_SECP256R1);
	ATF_REQUIRE(codec_cursor_eq(e.key_exchange, p256_pub, 65));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&it), 0);
	EXPECT_ERR(moat_key_share_next(&it, &e), MOAT_ERR_DECODE);
	ATF_REQUIRE(moat_key_share_find(&out_shares, MOAT_GROUP_SECP256R1, &e));
	ATF_REQUIRE(codec_cursor_eq(e.key_exchange, p256_pub, 65));
	ATF_REQUIRE(!moat_key_share_find(&out_shares, MOAT_GROUP_SECP384R1, &e));
	/* client_shares length at 0, first key_exchange length at 4, second at 2+4+32+2. */
	static const size_t offs[] = { 0, 4, 40 };
	static const unsigned widths[] = { 2, 2, 2 };
	codec_check_all(dec_ks_ch, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 3);
	moat_buf_free(&b);

	/* An empty client_shares is legal (the client wants an HRR). */
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_key_share_ch(&b, NULL, 0));
	EXPECT_OK(dec_ks_ch(codec_ext_data(&b, MOAT_EXT_KEY_SHARE)));
	ATF_REQUIRE_EQ(out_shares.count, 0);
	moat_buf_free(&b);

	/* The encoder refuses what the decoder would. */
	moat_buf_init(&b, 1024);
	shares[1].group = MOAT_GROUP_X25519;
	EXPECT_ERR(moat_ext_write_key_share_ch(&b, shares, 2), MOAT_ERR_INVALID_ARG);
	moat_cursor_init(&shares[1].key_exchange, NULL, 0);
	shares[1].group = MOAT_GROUP_SECP256R1;
	EXPECT_ERR(moat_ext_write_key_share_ch(&b, shares, 2), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(key_share_ch_values);
ATF_TC_BODY(key_share_ch_values, tc)
{
	static const uint8_t dup[] = { 0x00, 0x0a, 0x00, 0x1d, 0x00, 0x01, 0xaa, 0x00, 0x1d, 0x00, 0x01, 0xbb };
	static const uint8_t empty_key[] = { 0x00, 0x04, 0x00, 0x1d, 0x00, 0x00 };
	EXPECT_ERR(dec_ks_ch(cur(dup, sizeof(dup))), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(dec_ks_ch(cur(empty_key, sizeof(empty_key))), MOAT_ERR_DECODE);

	/*
	 * Many distinct shares: every one is kept, however long the list, and
	 * the last one is found. 13105 five-byte entries are the most a
	 * ClientHello can carry: the extension (4-byte header, 2-byte list
	 * length) must fit an extensions block of at most 65535 bytes.
	 */
	struct moat_buf b;
	uint8_t key = 0x42;
	enum { MANY = 13105 };
	struct moat_key_share *many = calloc(MANY, sizeof(*many));
	ATF_REQUIRE(many != NULL);
	for (size_t i = 0; i < MANY; i++) {
		many[i].group = (uint16_t)(0x100 + i);
		moat_cursor_init(&many[i].key_exchange, &key, 1);
	}
	moat_buf_init(&b, 1 << 17);
	EXPECT_OK(moat_ext_write_key_share_ch(&b, many, MANY));
	free(many);
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_KEY_SHARE);
	EXPECT_OK(dec_ks_ch(d));
	ATF_REQUIRE_EQ(out_shares.count, MANY);
	struct moat_key_share last;
	ATF_REQUIRE(moat_key_share_find(&out_shares, (uint16_t)(0x100 + MANY - 1), &last));
	ATF_REQUIRE(codec_cursor_eq(last.key_exchange, &key, 1));
	/* A duplicate far down the list is found: make the 10th group equal the 1st. */
	uint8_t *copy = malloc(moat_cursor_remaining(&d));
	ATF_REQUIRE(copy != NULL);
	memcpy(copy, moat_cursor_data(&d), moat_cursor_remaining(&d));
	size_t tenth = 2 + 9 * 5;
	copy[tenth] = 0x01;
	copy[tenth + 1] = 0x00;
	EXPECT_ERR(dec_ks_ch(cur(copy, moat_cursor_remaining(&d))), MOAT_ERR_ILLEGAL_PARAMETER);
	/* And a malformed last entry (its key_exchange runs past the list) is a decode error. */
	copy[tenth] = 0x01;
	copy[tenth + 1] = 0x09;
	copy[2 + (MANY - 1) * 5 + 3] = 0x02;
	EXPECT_ERR(dec_ks_ch(cur(copy, moat_cursor_remaining(&d))), MOAT_ERR_DECODE);
	free(copy);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(key_share_sh_hrr);
ATF_TC_BODY(key_share_sh_hrr, tc)
{
	struct moat_buf b;
	uint8_t x25519_pub[32];
	x25519_share(x25519_pub);
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_key_share_sh(&b, MOAT_GROUP_X25519, x25519_pub, sizeof(x25519_pub)));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_KEY_SHARE);
	EXPECT_OK(dec_ks_sh(d));
	ATF_REQUIRE_EQ(out_share.group, MOAT_GROUP_X25519);
	ATF_REQUIRE(codec_cursor_eq(out_share.key_exchange, x25519_pub, 32));
	static const size_t offs[] = { 2 };
	static const unsigned widths[] = { 2 };
	codec_check_all(dec_ks_sh, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 1);
	/* The SH form is not a client_shares list: 0x001d bytes of list, then the rest left over. */
	EXPECT_ERR(dec_ks_ch(d), MOAT_ERR_TRAILING_DATA);
	EXPECT_ERR(moat_ext_write_key_share_sh(&b, MOAT_GROUP_X25519, x25519_pub, 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);

	/* Two entries in a ServerHello: the second is trailing data. */
	static const uint8_t two[] = { 0x00, 0x1d, 0x00, 0x01, 0xaa, 0x00, 0x17, 0x00, 0x01, 0xbb };
	EXPECT_ERR(dec_ks_sh(cur(two, sizeof(two))), MOAT_ERR_TRAILING_DATA);

	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_key_share_hrr(&b, MOAT_GROUP_SECP256R1));
	d = codec_ext_data(&b, MOAT_EXT_KEY_SHARE);
	EXPECT_OK(dec_ks_hrr(d));
	ATF_REQUIRE_EQ(out_u16, MOAT_GROUP_SECP256R1);
	codec_check_all(dec_ks_hrr, moat_cursor_data(&d), moat_cursor_remaining(&d), NULL, NULL, 0);
	moat_buf_free(&b);
}

/* ---- ALPN ---- */

ATF_TC_WITHOUT_HEAD(alpn);
ATF_TC_BODY(alpn, tc)
{
	struct moat_buf b;
	static const uint8_t wire[] = { 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_alpn_list(&b, wire, sizeof(wire)));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_ALPN);
	EXPECT_OK(dec_alpn_list(d));
	struct moat_cursor it = out_cursor, name;
	EXPECT_OK(moat_alpn_list_next(&it, &name));
	ATF_REQUIRE(codec_cursor_eq(name, "h2", 2));
	EXPECT_OK(moat_alpn_list_next(&it, &name));
	ATF_REQUIRE(codec_cursor_eq(name, "http/1.1", 8));
	EXPECT_ERR(moat_alpn_list_next(&it, &name), MOAT_ERR_DECODE);
	static const size_t offs[] = { 0, 2, 5 };
	static const unsigned widths[] = { 2, 1, 1 };
	codec_check_all(dec_alpn_list, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 3);
	/* Two names where exactly one must be. */
	EXPECT_ERR(dec_alpn_sel(d), MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);

	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_alpn_selected(&b, (const uint8_t *)"h2", 2));
	d = codec_ext_data(&b, MOAT_EXT_ALPN);
	EXPECT_OK(dec_alpn_sel(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, "h2", 2));
	static const size_t offs1[] = { 0, 2 };
	static const unsigned widths1[] = { 2, 1 };
	codec_check_all(dec_alpn_sel, moat_cursor_data(&d), moat_cursor_remaining(&d), offs1, widths1, 2);
	moat_buf_free(&b);

	static const uint8_t empty_name[] = { 0x00, 0x03, 0x00, 0x01, 'a' };
	static const uint8_t short_list[] = { 0x00, 0x01, 0x00 };
	static const uint8_t empty_list[] = { 0x00, 0x00 };
	EXPECT_ERR(dec_alpn_list(cur(empty_name, sizeof(empty_name))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_alpn_list(cur(short_list, sizeof(short_list))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_alpn_list(cur(empty_list, sizeof(empty_list))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_alpn_sel(cur(empty_list, sizeof(empty_list))), MOAT_ERR_DECODE);

	moat_buf_init(&b, 1024);
	static const uint8_t bad_wire[] = { 3, 'h', '2' };
	EXPECT_ERR(moat_ext_write_alpn_list(&b, bad_wire, sizeof(bad_wire)), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_alpn_list(&b, empty_name + 2, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_alpn_selected(&b, (const uint8_t *)"", 0), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
}

/* ---- cookie ---- */

ATF_TC_WITHOUT_HEAD(cookie);
ATF_TC_BODY(cookie, tc)
{
	struct moat_buf b;
	static const uint8_t value[] = { 0xde, 0xad, 0xbe, 0xef };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_cookie(&b, value, sizeof(value)));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_COOKIE);
	EXPECT_OK(dec_cookie(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, value, sizeof(value)));
	static const size_t offs[] = { 0 };
	static const unsigned widths[] = { 2 };
	codec_check_all(dec_cookie, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 1);
	static const uint8_t empty[] = { 0x00, 0x00 };
	EXPECT_ERR(dec_cookie(cur(empty, sizeof(empty))), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_ext_write_cookie(&b, value, 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

/* ---- record_size_limit, max_fragment_length ---- */

ATF_TC_WITHOUT_HEAD(record_size_limit);
ATF_TC_BODY(record_size_limit, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_record_size_limit(&b, 0x4001));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_RECORD_SIZE_LIMIT);
	EXPECT_OK(dec_rsl(d));
	ATF_REQUIRE_EQ(out_u16, 0x4001);
	codec_check_all(dec_rsl, moat_cursor_data(&d), moat_cursor_remaining(&d), NULL, NULL, 0);
	static const uint8_t v64[] = { 0x00, 64 }, v63[] = { 0x00, 63 }, v0[] = { 0x00, 0x00 };
	static const uint8_t vmax[] = { 0xff, 0xff };
	EXPECT_OK(dec_rsl(cur(v64, 2)));
	ATF_REQUIRE_EQ(out_u16, 64);
	EXPECT_ERR(dec_rsl(cur(v63, 2)), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(dec_rsl(cur(v0, 2)), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_OK(dec_rsl(cur(vmax, 2)));
	EXPECT_ERR(moat_ext_write_record_size_limit(&b, 63), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(max_fragment_length);
ATF_TC_BODY(max_fragment_length, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_max_fragment_length(&b, 4));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_MAX_FRAGMENT_LENGTH);
	EXPECT_OK(dec_mfl(d));
	ATF_REQUIRE_EQ(out_u8, 4);
	codec_check_all(dec_mfl, moat_cursor_data(&d), moat_cursor_remaining(&d), NULL, NULL, 0);
	for (unsigned v = 0; v < 256; v++) {
		uint8_t byte = (uint8_t)v;
		if (v >= 1 && v <= 4) {
			EXPECT_OK(dec_mfl(cur(&byte, 1)));
			ATF_REQUIRE_EQ(out_u8, v);
		} else {
			EXPECT_ERR(dec_mfl(cur(&byte, 1)), MOAT_ERR_ILLEGAL_PARAMETER);
		}
	}
	EXPECT_ERR(moat_ext_write_max_fragment_length(&b, 5), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_max_fragment_length(&b, 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

/* ---- psk_key_exchange_modes, pre_shared_key, early_data ---- */

ATF_TC_WITHOUT_HEAD(psk_modes);
ATF_TC_BODY(psk_modes, tc)
{
	struct moat_buf b;
	static const uint8_t modes[] = { MOAT_PSK_DHE_KE, MOAT_PSK_KE };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_psk_modes(&b, modes, 2));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_PSK_KEY_EXCHANGE_MODES);
	EXPECT_OK(dec_psk_modes(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, modes, 2));
	static const size_t offs[] = { 0 };
	static const unsigned widths[] = { 1 };
	codec_check_all(dec_psk_modes, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 1);
	static const uint8_t empty[] = { 0x00 };
	EXPECT_ERR(dec_psk_modes(cur(empty, 1)), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_ext_write_psk_modes(&b, modes, 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

/* OfferedPsks with n identities of 3 bytes and n binders of 32 bytes (or 31 when short_binder). */
static void build_offered_psks(struct moat_buf *b, size_t n_ids, size_t n_binders, size_t binder_len)
{
	moat_buf_init(b, 4096);
	EXPECT_OK(moat_buf_open_prefixed(b, 2));
	for (size_t i = 0; i < n_ids; i++) {
		uint8_t id[3] = { 'i', 'd', (uint8_t)('0' + i) };
		EXPECT_OK(moat_buf_put_prefixed(b, 2, id, 3));
		EXPECT_OK(moat_buf_put_u32(b, (uint32_t)(0x01020304 + i)));
	}
	EXPECT_OK(moat_buf_close_prefixed(b));
	EXPECT_OK(moat_buf_open_prefixed(b, 2));
	for (size_t i = 0; i < n_binders; i++) {
		uint8_t binder[64];
		memset(binder, (int)(0xb0 + i), sizeof(binder));
		EXPECT_OK(moat_buf_put_prefixed(b, 1, binder, binder_len));
	}
	EXPECT_OK(moat_buf_close_prefixed(b));
}

ATF_TC_WITHOUT_HEAD(pre_shared_key_ch);
ATF_TC_BODY(pre_shared_key_ch, tc)
{
	struct moat_buf b;
	build_offered_psks(&b, 2, 2, 32);
	struct moat_cursor d;
	moat_cursor_init(&d, b.data, b.len);
	EXPECT_OK(dec_psk_ch(d));
	ATF_REQUIRE_EQ(out_psk.count, 2);
	ATF_REQUIRE_EQ(out_psk.binders_len, 2 + 2 * 33);
	struct moat_cursor ids = out_psk.identities, binders = out_psk.binders, id, binder;
	uint32_t age;
	for (size_t i = 0; i < 2; i++) {
		EXPECT_OK(moat_psk_identity_next(&ids, &id, &age));
		uint8_t expect_id[3] = { 'i', 'd', (uint8_t)('0' + i) };
		ATF_REQUIRE(codec_cursor_eq(id, expect_id, 3));
		ATF_REQUIRE_EQ(age, 0x01020304 + i);
		EXPECT_OK(moat_psk_binder_next(&binders, &binder));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&binder), 32);
		ATF_REQUIRE_EQ(moat_cursor_data(&binder)[0], 0xb0 + i);
	}
	EXPECT_ERR(moat_psk_identity_next(&ids, &id, &age), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_psk_binder_next(&binders, &binder), MOAT_ERR_DECODE);
	/* identities length at 0, first identity length at 2, binders at 20, first binder at 22. */
	static const size_t offs[] = { 0, 2, 20, 22 };
	static const unsigned widths[] = { 2, 2, 2, 1 };
	codec_check_all(dec_psk_ch, b.data, b.len, offs, widths, 4);
	moat_buf_free(&b);

	build_offered_psks(&b, 2, 1, 32);
	EXPECT_ERR(dec_psk_ch(cur(b.data, b.len)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	build_offered_psks(&b, 1, 2, 32);
	EXPECT_ERR(dec_psk_ch(cur(b.data, b.len)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	/* PskBinderEntry<32..255>. */
	build_offered_psks(&b, 1, 1, 31);
	EXPECT_ERR(dec_psk_ch(cur(b.data, b.len)), MOAT_ERR_DECODE);
	moat_buf_free(&b);
	build_offered_psks(&b, 0, 1, 32);
	EXPECT_ERR(dec_psk_ch(cur(b.data, b.len)), MOAT_ERR_DECODE);
	moat_buf_free(&b);
	build_offered_psks(&b, 1, 0, 32);
	EXPECT_ERR(dec_psk_ch(cur(b.data, b.len)), MOAT_ERR_DECODE);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(pre_shared_key_sh_and_early_data);
ATF_TC_BODY(pre_shared_key_sh_and_early_data, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_pre_shared_key_sh(&b, 3));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_PRE_SHARED_KEY);
	EXPECT_OK(dec_psk_sh(d));
	ATF_REQUIRE_EQ(out_u16, 3);
	codec_check_all(dec_psk_sh, moat_cursor_data(&d), moat_cursor_remaining(&d), NULL, NULL, 0);
	moat_buf_free(&b);

	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_early_data_nst(&b, 16384));
	d = codec_ext_data(&b, MOAT_EXT_EARLY_DATA);
	EXPECT_OK(dec_early_nst(d));
	ATF_REQUIRE_EQ(out_u32, 16384);
	codec_check_all(dec_early_nst, moat_cursor_data(&d), moat_cursor_remaining(&d), NULL, NULL, 0);
	/* In CH/EE it is empty. */
	EXPECT_ERR(dec_empty(d), MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);
}

/* ---- status_request, certificate_authorities ---- */

ATF_TC_WITHOUT_HEAD(status_request);
ATF_TC_BODY(status_request, tc)
{
	/* ocsp, responder_id_list with one id "ab", request_extensions "x". */
	static const uint8_t ocsp_req[] = { 0x01, 0x00, 0x04, 0x00, 0x02, 'a', 'b', 0x00, 0x01, 'x' };
	static const uint8_t ocsp_empty[] = { 0x01, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t other_type[] = { 0x02, 0xff, 0xff, 0xff };
	static const uint8_t empty_id[] = { 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00 };

	EXPECT_OK(dec_status_ch(cur(ocsp_req, sizeof(ocsp_req))));
	ATF_REQUIRE(out_bool);
	static const size_t offs[] = { 1, 3, 7 };
	static const unsigned widths[] = { 2, 2, 2 };
	codec_check_all(dec_status_ch, ocsp_req, sizeof(ocsp_req), offs, widths, 3);
	EXPECT_OK(dec_status_ch(cur(ocsp_empty, sizeof(ocsp_empty))));
	ATF_REQUIRE(out_bool);
	EXPECT_OK(dec_status_ch(cur(other_type, sizeof(other_type))));
	ATF_REQUIRE(!out_bool);
	EXPECT_ERR(dec_status_ch(cur(empty_id, sizeof(empty_id))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_status_ch(cur(NULL, 0)), MOAT_ERR_DECODE);

	struct moat_buf b;
	static const uint8_t resp[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_status_request_ct(&b, resp, sizeof(resp)));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_STATUS_REQUEST);
	EXPECT_OK(dec_status_ct(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, resp, sizeof(resp)));
	static const size_t offs_ct[] = { 1 };
	static const unsigned widths_ct[] = { 3 };
	codec_check_all(dec_status_ct, moat_cursor_data(&d), moat_cursor_remaining(&d), offs_ct, widths_ct, 1);
	static const uint8_t ct_other[] = { 0x02, 0x00, 0x00, 0x01, 0x00 };
	static const uint8_t ct_empty[] = { 0x01, 0x00, 0x00, 0x00 };
	EXPECT_ERR(dec_status_ct(cur(ct_other, sizeof(ct_other))), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(dec_status_ct(cur(ct_empty, sizeof(ct_empty))), MOAT_ERR_DECODE);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(certificate_authorities);
ATF_TC_BODY(certificate_authorities, tc)
{
	static const uint8_t two[] = { 0x00, 0x07, 0x00, 0x02, 0x30, 0x00, 0x00, 0x01, 0x30 };
	static const uint8_t empty_dn[] = { 0x00, 0x04, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t too_short[] = { 0x00, 0x02, 0x00, 0x00 };
	EXPECT_OK(dec_ca(cur(two, sizeof(two))));
	struct moat_cursor it = out_cursor, dn;
	EXPECT_OK(moat_ca_list_next(&it, &dn));
	ATF_REQUIRE(codec_cursor_eq(dn, "\x30\x00", 2));
	EXPECT_OK(moat_ca_list_next(&it, &dn));
	ATF_REQUIRE(codec_cursor_eq(dn, "\x30", 1));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&it), 0);
	static const size_t offs[] = { 0, 2, 6 };
	static const unsigned widths[] = { 2, 2, 2 };
	codec_check_all(dec_ca, two, sizeof(two), offs, widths, 3);
	EXPECT_ERR(dec_ca(cur(empty_dn, sizeof(empty_dn))), MOAT_ERR_DECODE);
	EXPECT_ERR(dec_ca(cur(too_short, sizeof(too_short))), MOAT_ERR_DECODE);
}

/* ---- encoder helpers ---- */

ATF_TC_WITHOUT_HEAD(begin_end_and_raw);
ATF_TC_BODY(begin_end_and_raw, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_begin(&b, 0x1234));
	EXPECT_OK(moat_buf_put_u8(&b, 7));
	EXPECT_OK(moat_ext_end(&b));
	EXPECT_OK(moat_ext_write_raw(&b, 0xabcd, (const uint8_t *)"xy", 2));
	static const uint8_t expect[] = { 0x12, 0x34, 0x00, 0x01, 0x07, 0xab, 0xcd, 0x00, 0x02, 'x', 'y' };
	ATF_REQUIRE_EQ(b.len, sizeof(expect));
	ATF_REQUIRE(memcmp(b.data, expect, sizeof(expect)) == 0);
	EXPECT_ERR(moat_ext_write_raw(&b, 1, b.data, 0x10000), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);

	/* A full fixed buffer is an error, not an overflow. */
	uint8_t small[6];
	moat_buf_init_fixed(&b, small, sizeof(small));
	EXPECT_ERR(moat_ext_write_cookie(&b, (const uint8_t *)"abc", 3), MOAT_ERR_BUF_FULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_name_round_trip);
	ATF_TP_ADD_TC(tp, server_name_values);
	ATF_TP_ADD_TC(tp, empty_extensions);
	ATF_TP_ADD_TC(tp, u16_list);
	ATF_TP_ADD_TC(tp, supported_versions);
	ATF_TP_ADD_TC(tp, key_share_ch);
	ATF_TP_ADD_TC(tp, key_share_ch_values);
	ATF_TP_ADD_TC(tp, key_share_sh_hrr);
	ATF_TP_ADD_TC(tp, alpn);
	ATF_TP_ADD_TC(tp, cookie);
	ATF_TP_ADD_TC(tp, record_size_limit);
	ATF_TP_ADD_TC(tp, max_fragment_length);
	ATF_TP_ADD_TC(tp, psk_modes);
	ATF_TP_ADD_TC(tp, pre_shared_key_ch);
	ATF_TP_ADD_TC(tp, pre_shared_key_sh_and_early_data);
	ATF_TP_ADD_TC(tp, status_request);
	ATF_TP_ADD_TC(tp, certificate_authorities);
	ATF_TP_ADD_TC(tp, begin_end_and_raw);
	return atf_no_error();
}
