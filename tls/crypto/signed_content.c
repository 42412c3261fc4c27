/*
 * Signed content builders and checks (see signed_content.h).
 *
 * Each check walks its input with the bounds-checked cursor and ends on
 * expect_end, so a shape with a byte too many or too few is refused the
 * same way as one with a wrong byte. The ServerKeyExchange check takes point
 * lengths and forms from the key exchange table (kex.c) rather than keeping
 * its own: a group is signable exactly when moat can do ECDHE on it.
 */
#include "tls/crypto/signed_content.h"

#include <string.h>

#include "tls/crypto/sig.h"

#define CV_PAD_LEN 64
#define CV_PAD_BYTE 0x20
#define CV_CONTEXT_LEN (sizeof(MOAT_TLS13_SERVER_CV_CONTEXT) - 1)

/* RFC 8422 §5.4: ECCurveType named_curve(3); explicit curves are deprecated and never signed. */
#define SKE_CURVE_TYPE_NAMED_CURVE 3

_Static_assert(sizeof(MOAT_TLS13_SERVER_CV_CONTEXT) == sizeof(MOAT_TLS13_CLIENT_CV_CONTEXT),
	       "both context strings have the same length");
_Static_assert(CV_PAD_LEN + CV_CONTEXT_LEN + 1 + MOAT_MAX_HASH_LEN == MOAT_CV_CONTENT_MAX,
	       "MOAT_CV_CONTENT_MAX matches the layout");
_Static_assert(MOAT_KEX_MAX_EC_SHARE_LEN <= 0xff, "a ServerECDHParams point has a one-byte length");

static bool hash_len_ok(size_t n)
{
	return n == 32 || n == 48;
}

int moat_cv_content_build(bool server, const uint8_t *transcript_hash, size_t hash_len, struct moat_buf *out)
{
	ENSURE_REF(transcript_hash);
	ENSURE(hash_len_ok(hash_len), MOAT_ERR_INVALID_ARG);
	const char *ctx = server ? MOAT_TLS13_SERVER_CV_CONTEXT : MOAT_TLS13_CLIENT_CV_CONTEXT;
	uint8_t *pad;
	TRY(moat_buf_reserve(out, CV_PAD_LEN, &pad));
	memset(pad, CV_PAD_BYTE, CV_PAD_LEN);
	/* The context string and its terminating 0x00 separator, §4.4.3. */
	TRY(moat_buf_put_bytes(out, ctx, CV_CONTEXT_LEN + 1));
	return moat_buf_put_bytes(out, transcript_hash, hash_len);
}

int moat_cv_content_check(const uint8_t *content, size_t len, bool *server, size_t *hash_len)
{
	ENSURE_REF(content);
	struct moat_cursor c;
	const uint8_t *pad, *ctx;
	uint8_t sep;

	moat_cursor_init(&c, content, len);
	ENSURE(moat_cursor_get_ref(&c, CV_PAD_LEN, &pad) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	for (size_t i = 0; i < CV_PAD_LEN; i++)
		ENSURE(pad[i] == CV_PAD_BYTE, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_ref(&c, CV_CONTEXT_LEN, &ctx) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	bool is_server = memcmp(ctx, MOAT_TLS13_SERVER_CV_CONTEXT, CV_CONTEXT_LEN) == 0;
	ENSURE(is_server || memcmp(ctx, MOAT_TLS13_CLIENT_CV_CONTEXT, CV_CONTEXT_LEN) == 0, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_u8(&c, &sep) == MOAT_SUCCESS && sep == 0, MOAT_ERR_INVALID_ARG);
	size_t n = moat_cursor_remaining(&c);
	ENSURE(hash_len_ok(n), MOAT_ERR_INVALID_ARG);
	if (server != NULL)
		*server = is_server;
	if (hash_len != NULL)
		*hash_len = n;
	return MOAT_SUCCESS;
}

static bool ske_point_ok(uint16_t group, const uint8_t *point, size_t len)
{
	return moat_kex_group_is_ec(group) && moat_kex_share_shape_ok(group, point, len);
}

int moat_ske_ecdh_content_build(const uint8_t client_random[MOAT_RANDOM_LEN],
				const uint8_t server_random[MOAT_RANDOM_LEN], uint16_t group, const uint8_t *point,
				size_t point_len, struct moat_buf *out)
{
	ENSURE_REF(client_random);
	ENSURE_REF(server_random);
	ENSURE_REF(point);
	ENSURE(ske_point_ok(group, point, point_len), MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_put_bytes(out, client_random, MOAT_RANDOM_LEN));
	TRY(moat_buf_put_bytes(out, server_random, MOAT_RANDOM_LEN));
	TRY(moat_buf_put_u8(out, SKE_CURVE_TYPE_NAMED_CURVE));
	TRY(moat_buf_put_u16(out, group));
	return moat_buf_put_prefixed(out, 1, point, point_len);
}

int moat_ske_ecdh_content_check(const uint8_t *content, size_t len, uint16_t *group, struct moat_cursor *point)
{
	ENSURE_REF(content);
	struct moat_cursor c, p;
	uint8_t curve_type;
	uint16_t g;

	moat_cursor_init(&c, content, len);
	ENSURE(moat_cursor_skip(&c, 2 * MOAT_RANDOM_LEN) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_u8(&c, &curve_type) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(curve_type == SKE_CURVE_TYPE_NAMED_CURVE, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_u16(&c, &g) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_prefixed(&c, 1, &p) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_expect_end(&c) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(ske_point_ok(g, moat_cursor_data(&p), moat_cursor_remaining(&p)), MOAT_ERR_INVALID_ARG);
	ENSURE(moat_kex_public_check(g, moat_cursor_data(&p), moat_cursor_remaining(&p)) == MOAT_SUCCESS,
	       MOAT_ERR_INVALID_ARG);
	if (group != NULL)
		*group = g;
	if (point != NULL)
		*point = p;
	return MOAT_SUCCESS;
}

static const uint16_t ffdhe_groups[] = {
	MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072, MOAT_GROUP_FFDHE4096, MOAT_GROUP_FFDHE6144, MOAT_GROUP_FFDHE8192,
};

/* The ffdhe group whose prime is exactly p (same length, same bytes), or 0. p is public: memcmp is fine. */
static uint16_t ffdhe_group_of_prime(const uint8_t *p, size_t len)
{
	uint8_t prime[MOAT_KEX_MAX_SHARE_LEN];
	for (size_t i = 0; i < sizeof(ffdhe_groups) / sizeof(ffdhe_groups[0]); i++) {
		uint16_t g = ffdhe_groups[i];
		if (moat_kex_share_len(g) != len || moat_kex_ffdhe_prime(g, prime, len) != MOAT_SUCCESS)
			continue;
		if (memcmp(prime, p, len) == 0)
			return g;
	}
	return 0;
}

/*
 * Ys (minimal, 1..p_len bytes) in range for the group: left-padded to the
 * size of p it is what moat_kex_public_check takes (1 < Y < p-1).
 */
static bool ske_ys_ok(uint16_t group, const uint8_t *ys, size_t len)
{
	uint8_t padded[MOAT_KEX_MAX_SHARE_LEN];
	size_t p_len = moat_kex_share_len(group);
	if (len == 0 || len > p_len || ys[0] == 0)
		return false;
	memset(padded, 0, p_len - len);
	memcpy(padded + (p_len - len), ys, len);
	return moat_kex_public_check(group, padded, p_len) == MOAT_SUCCESS;
}

int moat_ske_dh_content_build(const uint8_t client_random[MOAT_RANDOM_LEN],
			      const uint8_t server_random[MOAT_RANDOM_LEN], uint16_t group, const uint8_t *ys,
			      size_t ys_len, struct moat_buf *out)
{
	uint8_t prime[MOAT_KEX_MAX_SHARE_LEN];
	ENSURE_REF(client_random);
	ENSURE_REF(server_random);
	ENSURE_REF(ys);
	ENSURE(moat_kex_group_is_ffdhe(group) && ys_len == moat_kex_share_len(group), MOAT_ERR_INVALID_ARG);
	/* RFC 5246 §8.1.2 strips leading zeros from Z; the integers of ServerDHParams are minimal the same way. */
	size_t skip = 0;
	while (skip < ys_len && ys[skip] == 0)
		skip++;
	ENSURE(ske_ys_ok(group, ys + skip, ys_len - skip), MOAT_ERR_INVALID_ARG);
	TRY(moat_kex_ffdhe_prime(group, prime, ys_len));
	TRY(moat_buf_put_bytes(out, client_random, MOAT_RANDOM_LEN));
	TRY(moat_buf_put_bytes(out, server_random, MOAT_RANDOM_LEN));
	TRY(moat_buf_put_prefixed(out, 2, prime, ys_len));
	const uint8_t gen = MOAT_KEX_FFDHE_GENERATOR;
	TRY(moat_buf_put_prefixed(out, 2, &gen, 1));
	return moat_buf_put_prefixed(out, 2, ys + skip, ys_len - skip);
}

int moat_ske_dh_content_check(const uint8_t *content, size_t len, uint16_t *group, struct moat_cursor *ys)
{
	ENSURE_REF(content);
	struct moat_cursor c, p, g, y;

	moat_cursor_init(&c, content, len);
	ENSURE(moat_cursor_skip(&c, 2 * MOAT_RANDOM_LEN) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_prefixed(&c, 2, &p) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_prefixed(&c, 2, &g) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_prefixed(&c, 2, &y) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_expect_end(&c) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	uint16_t grp = ffdhe_group_of_prime(moat_cursor_data(&p), moat_cursor_remaining(&p));
	ENSURE(grp != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_remaining(&g) == 1 && moat_cursor_data(&g)[0] == MOAT_KEX_FFDHE_GENERATOR,
	       MOAT_ERR_INVALID_ARG);
	ENSURE(ske_ys_ok(grp, moat_cursor_data(&y), moat_cursor_remaining(&y)), MOAT_ERR_INVALID_ARG);
	if (group != NULL)
		*group = grp;
	if (ys != NULL)
		*ys = y;
	return MOAT_SUCCESS;
}

int moat_tls12_client_cv_digest_check(uint16_t scheme, const uint8_t *digest, size_t len)
{
	ENSURE_REF(digest);
	const struct moat_sig_scheme_info *info = moat_sig_scheme_find(scheme);
	size_t want = moat_sig_scheme_digest_len(scheme);
	/*
	 * digest_len is 0 for schemes moat never signs with (EdDSA, unknown);
	 * the TLS 1.2 SHA-1 schemes sign only a ServerKeyExchange (RFC 9155).
	 */
	bool tls12_sha1 = info != NULL && !info->legacy && moat_sig_scheme_is_sha1(scheme);
	ENSURE(info != NULL && !info->eddsa && !tls12_sha1 && want > 0 && len == want, MOAT_ERR_INVALID_ARG);
	return MOAT_SUCCESS;
}
