/*
 * Helpers for the ipc/ codec tests: a packet buffer, assertions on the
 * (error, status) pair a decoder fails with, and builders for valid sign
 * inputs written out byte by byte from the RFCs (not with the code under
 * test), so a test fails if the codec and the RFC disagree.
 */
#ifndef MOAT_TESTS_IPC_TEST_UTIL_H
#define MOAT_TESTS_IPC_TEST_UTIL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "ipc/ipc.h"
#include "tests/moat_test.h"
#include "tls/iana.h"

/* A decoder call fails with MOAT_ERR_IPC_BAD_MESSAGE and sets stvar to want. */
#define EXPECT_IPC_ERR(x, stvar, want) \
	do { \
		(stvar) = (want) == MOAT_IPC_OK ? MOAT_IPC_INTERNAL : MOAT_IPC_OK; \
		EXPECT_ERR(x, MOAT_ERR_IPC_BAD_MESSAGE); \
		ATF_REQUIRE_MSG((stvar) == (want), "%s: status %s, expected %s", #x, \
				moat_ipc_status_name((uint16_t)(stvar)), moat_ipc_status_name((uint16_t)(want))); \
	} while (0)

/* A decoder call succeeds and sets stvar to OK. */
#define EXPECT_IPC_OK(x, stvar) \
	do { \
		(stvar) = MOAT_IPC_INTERNAL; \
		EXPECT_OK(x); \
		ATF_REQUIRE_EQ((stvar), MOAT_IPC_OK); \
	} while (0)

struct ipc_pkt {
	uint8_t mem[MOAT_IPC_MAX_MESSAGE];
	struct moat_buf b;
};

static inline void pkt_init(struct ipc_pkt *p)
{
	memset(p->mem, 0, sizeof(p->mem));
	moat_buf_init_fixed(&p->b, p->mem, sizeof(p->mem));
}

/* Split the packet in p; it must be well framed. */
static inline void pkt_open(const struct ipc_pkt *p, struct moat_ipc_header *h, struct moat_cursor *body)
{
	EXPECT_OK(moat_ipc_header_decode(p->b.data, p->b.len, h, body));
	ATF_REQUIRE_EQ(h->version, MOAT_IPC_VERSION);
	ATF_REQUIRE_EQ(h->body_len, p->b.len - MOAT_IPC_HEADER_LEN);
}

/* The body of the packet in p, after the receiver's or requester's checks. */
static inline struct moat_cursor pkt_request_body(const struct ipc_pkt *p, uint8_t opcode, uint32_t id)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st;
	bool answerable;
	EXPECT_OK(moat_ipc_request_open(p->b.data, p->b.len, &h, &body, &st, &answerable));
	ATF_REQUIRE_EQ(st, MOAT_IPC_OK);
	ATF_REQUIRE_EQ(h.opcode, opcode);
	ATF_REQUIRE_EQ(h.request_id, id);
	ATF_REQUIRE_EQ(h.status, 0);
	return body;
}

static inline struct moat_cursor pkt_reply_body(const struct ipc_pkt *p, uint8_t request_opcode, uint32_t id)
{
	struct moat_ipc_header h;
	struct moat_cursor body;
	pkt_open(p, &h, &body);
	EXPECT_OK(moat_ipc_reply_check(&h, &body, request_opcode));
	ATF_REQUIRE_EQ(h.status, MOAT_IPC_OK);
	ATF_REQUIRE_EQ(h.request_id, id);
	return body;
}

/* A growable scratch buffer for hand-made (often invalid) bodies. */
static inline void raw_init(struct moat_buf *b)
{
	moat_buf_init(b, 1u << 20);
}

static inline struct moat_cursor raw_cursor(const struct moat_buf *b)
{
	struct moat_cursor c;
	moat_cursor_init(&c, b->data, b->len);
	return c;
}

#define TLS13_SERVER_CTX "TLS 1.3, server CertificateVerify"
#define TLS13_CLIENT_CTX "TLS 1.3, client CertificateVerify"

/* RFC 8446 §4.4.3: 64 x 0x20, context string, 0x00, hash (filled with 0xab). Returns the length. */
static inline size_t build_tls13_cv(uint8_t *out, bool server, size_t hash_len)
{
	const char *ctx = server ? TLS13_SERVER_CTX : TLS13_CLIENT_CTX;
	size_t n = 0;
	memset(out, 0x20, 64);
	n += 64;
	memcpy(out + n, ctx, strlen(ctx));
	n += strlen(ctx);
	out[n++] = 0x00;
	memset(out + n, 0xab, hash_len);
	return n + hash_len;
}

/* The uncompressed/RFC 7748 public value length of a group (0 if unknown to the test). */
static inline size_t group_point_len(uint16_t group)
{
	switch (group) {
	case MOAT_GROUP_X25519:
		return 32;
	case MOAT_GROUP_SECP256R1:
		return 65;
	case MOAT_GROUP_SECP384R1:
		return 97;
	case MOAT_GROUP_SECP521R1:
		return 133;
	case MOAT_GROUP_X448:
		return 56;
	default:
		return 0;
	}
}

/*
 * The base point G of each NIST curve, uncompressed (SEC 2 §2.4.2, §2.5.1,
 * §2.6.1): a point certainly on its curve, which a TLS 1.2 ServerECDHParams
 * must carry (moat_ske_ecdh_content_check checks it).
 */
static const uint8_t test_p256_g[65] = {
	0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
	0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2,
	0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e,
	0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51,
	0xf5,
};
static const uint8_t test_p384_g[97] = {
	0x04, 0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3, 0x20, 0xad,
	0x74, 0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41, 0xe0, 0x82, 0x54, 0x2a,
	0x38, 0x55, 0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a, 0x54, 0x5e, 0x38, 0x72, 0x76, 0x0a,
	0xb7, 0x36, 0x17, 0xde, 0x4a, 0x96, 0x26, 0x2c, 0x6f, 0x5d, 0x9e, 0x98, 0xbf, 0x92, 0x92, 0xdc,
	0x29, 0xf8, 0xf4, 0x1d, 0xbd, 0x28, 0x9a, 0x14, 0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8,
	0xc0, 0x0a, 0x60, 0xb1, 0xce, 0x1d, 0x7e, 0x81, 0x9d, 0x7a, 0x43, 0x1d, 0x7c, 0x90, 0xea, 0x0e,
	0x5f,
};
static const uint8_t test_p521_g[133] = {
	0x04, 0x00, 0xc6, 0x85, 0x8e, 0x06, 0xb7, 0x04, 0x04, 0xe9, 0xcd, 0x9e, 0x3e, 0xcb, 0x66, 0x23,
	0x95, 0xb4, 0x42, 0x9c, 0x64, 0x81, 0x39, 0x05, 0x3f, 0xb5, 0x21, 0xf8, 0x28, 0xaf, 0x60, 0x6b,
	0x4d, 0x3d, 0xba, 0xa1, 0x4b, 0x5e, 0x77, 0xef, 0xe7, 0x59, 0x28, 0xfe, 0x1d, 0xc1, 0x27, 0xa2,
	0xff, 0xa8, 0xde, 0x33, 0x48, 0xb3, 0xc1, 0x85, 0x6a, 0x42, 0x9b, 0xf9, 0x7e, 0x7e, 0x31, 0xc2,
	0xe5, 0xbd, 0x66, 0x01, 0x18, 0x39, 0x29, 0x6a, 0x78, 0x9a, 0x3b, 0xc0, 0x04, 0x5c, 0x8a, 0x5f,
	0xb4, 0x2c, 0x7d, 0x1b, 0xd9, 0x98, 0xf5, 0x44, 0x49, 0x57, 0x9b, 0x44, 0x68, 0x17, 0xaf, 0xbd,
	0x17, 0x27, 0x3e, 0x66, 0x2c, 0x97, 0xee, 0x72, 0x99, 0x5e, 0xf4, 0x26, 0x40, 0xc5, 0x50, 0xb9,
	0x01, 0x3f, 0xad, 0x07, 0x61, 0x35, 0x3c, 0x70, 0x86, 0xa2, 0x72, 0xc2, 0x40, 0x88, 0xbe, 0x94,
	0x76, 0x9f, 0xd1, 0x66, 0x50,
};

static inline const uint8_t *nist_generator(uint16_t group, size_t len)
{
	if (group == MOAT_GROUP_SECP256R1 && len == sizeof(test_p256_g))
		return test_p256_g;
	if (group == MOAT_GROUP_SECP384R1 && len == sizeof(test_p384_g))
		return test_p384_g;
	if (group == MOAT_GROUP_SECP521R1 && len == sizeof(test_p521_g))
		return test_p521_g;
	return NULL;
}

/*
 * RFC 5246 §7.4.3 / RFC 8422 §5.4: client_random[32] server_random[32]
 * curve_type group point<1..255>. point_len bytes of point, the first 0x04
 * for the NIST curves (uncompressed); at the curve's exact length the point
 * is its generator, so it is on the curve. Change a coordinate byte for one
 * that is not.
 */
static inline size_t build_tls12_ske(uint8_t *out, uint8_t curve_type, uint16_t group, size_t point_len)
{
	size_t n = 0;
	memset(out, 0x11, 32);
	memset(out + 32, 0x22, 32);
	n = 64;
	out[n++] = curve_type;
	out[n++] = (uint8_t)(group >> 8);
	out[n++] = (uint8_t)group;
	out[n++] = (uint8_t)point_len;
	memset(out + n, 0x5a, point_len);
	if (point_len > 0 && group != MOAT_GROUP_X25519 && group != MOAT_GROUP_X448)
		out[n] = 0x04;
	const uint8_t *g = nist_generator(group, point_len);
	if (g != NULL)
		memcpy(out + n, g, point_len);
	return n + point_len;
}

static const uint8_t test_key_id[MOAT_IPC_KEY_ID_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

#endif
