/*
 * ServerHello of TLS 1.2 and older (RFC 5246 §7.4.1.3), and the RFC 8446
 * §4.1.3 downgrade sentinels in its random.
 *
 * The decoder is moat_server_hello_decode (a hello without
 * supported_versions is read with the TLS 1.2 extension rules); only the
 * encoder differs from TLS 1.3's, where server_version is frozen at 0x0303.
 *
 * The sentinels let a client that could have had a newer version see that
 * an attacker forced an older one: the random is signed in ECDHE and DHE
 * ServerKeyExchange, so it cannot be rewritten unnoticed (RFC 8446 §4.1.3;
 * no protection with RSA key transport, which signs nothing).
 */
#include "tls/messages12.h"

#include <string.h>

#include "tls/iana.h"

/* RFC 8446 §4.1.3: "44 4F 57 4E 47 52 44 01" and "... 00". */
const uint8_t moat_downgrade_tls12[MOAT_DOWNGRADE_SENTINEL_LEN] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x01 };
const uint8_t moat_downgrade_tls11[MOAT_DOWNGRADE_SENTINEL_LEN] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x00 };

#define SENTINEL_AT (MOAT_RANDOM_LEN - MOAT_DOWNGRADE_SENTINEL_LEN)

int moat_server_hello12_encode(struct moat_buf *b, uint16_t version, const uint8_t random[32], const uint8_t *sid,
			       size_t sid_len, uint16_t suite, const uint8_t *ext, size_t ext_len)
{
	ENSURE_REF(random);
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	ENSURE(sid_len <= MOAT_MAX_SESSION_ID_LEN, MOAT_ERR_INVALID_ARG);
	ENSURE(sid_len == 0 || sid != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(ext_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(ext != NULL || ext_len == 0, MOAT_ERR_NULL_ARG);

	TRY(moat_hs_begin(b, MOAT_HS_SERVER_HELLO));
	TRY(moat_buf_put_u16(b, version));
	TRY(moat_buf_put_bytes(b, random, MOAT_RANDOM_LEN));
	TRY(moat_buf_put_prefixed(b, 1, sid, sid_len));
	TRY(moat_buf_put_u16(b, suite));
	/* RFC 7457 §2.6 (CRIME): compression is never negotiated; null is the only method. */
	TRY(moat_buf_put_u8(b, 0));
	if (ext != NULL)
		TRY(moat_buf_put_prefixed(b, 2, ext, ext_len));
	return moat_hs_end(b);
}

static bool known_version(uint16_t v)
{
	return v >= MOAT_TLS10 && v <= MOAT_TLS13;
}

/* The sentinel a server with `highest` puts in when it negotiates `negotiated`, or NULL. */
static const uint8_t *sentinel_for(uint16_t negotiated, uint16_t highest)
{
	if (negotiated == MOAT_TLS12 && highest >= MOAT_TLS13)
		return moat_downgrade_tls12;
	/* "TLS 1.3 servers MUST, and TLS 1.2 servers SHOULD" — we do. */
	if (negotiated <= MOAT_TLS11 && highest >= MOAT_TLS12)
		return moat_downgrade_tls11;
	return NULL;
}

int moat_downgrade_sentinel_set(uint8_t random[32], uint16_t negotiated, uint16_t highest)
{
	ENSURE_REF(random);
	ENSURE(known_version(negotiated) && known_version(highest) && negotiated <= highest, MOAT_ERR_INVALID_ARG);
	const uint8_t *s = sentinel_for(negotiated, highest);
	if (s != NULL)
		memcpy(random + SENTINEL_AT, s, MOAT_DOWNGRADE_SENTINEL_LEN);
	return MOAT_SUCCESS;
}

int moat_downgrade_sentinel_check(const uint8_t random[32], uint16_t negotiated, uint16_t highest)
{
	ENSURE_REF(random);
	ENSURE(known_version(negotiated) && known_version(highest) && negotiated <= highest, MOAT_ERR_INVALID_ARG);
	const uint8_t *tail = random + SENTINEL_AT;
	bool is12 = memcmp(tail, moat_downgrade_tls12, MOAT_DOWNGRADE_SENTINEL_LEN) == 0;
	bool is11 = memcmp(tail, moat_downgrade_tls11, MOAT_DOWNGRADE_SENTINEL_LEN) == 0;

	/* "TLS 1.3 clients ... MUST check that the last 8 bytes are not equal to either of these values." */
	if (highest >= MOAT_TLS13 && negotiated <= MOAT_TLS12)
		ENSURE(!is12 && !is11, MOAT_ERR_ILLEGAL_PARAMETER);
	/* "TLS 1.2 clients SHOULD also check ... the second value if the ServerHello indicates TLS 1.1 or below." */
	if (highest == MOAT_TLS12 && negotiated <= MOAT_TLS11)
		ENSURE(!is11, MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}
