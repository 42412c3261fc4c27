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
 * RFC 5246 §7.4.3 / RFC 8422 §5.4: client_random[32] server_random[32]
 * curve_type group point<1..255>. point_len bytes of point, the first 0x04
 * for the NIST curves (uncompressed).
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
	return n + point_len;
}

static const uint8_t test_key_id[MOAT_IPC_KEY_ID_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

#endif
