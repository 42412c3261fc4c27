/*
 * The session state encoding (tls/session_state.h documents it). The decoder
 * reads bytes that came back from the application's OPEN operation: in moat
 * they were authenticated by keyd's AEAD, but the library does not rely on
 * that, so every field is read through the cursor and checked as if it came
 * off the wire.
 */
#include "tls/session_state.h"

#include <string.h>

#include "common/secmem.h"
#include "tls/iana.h"

static int put_string(struct moat_buf *out, const char *s)
{
	size_t n = strnlen(s, 256);
	ENSURE(n <= 255, MOAT_ERR_INVALID_ARG);
	return moat_buf_put_prefixed(out, 1, s, n);
}

static bool is_tls12_family(uint16_t version)
{
	return version == MOAT_TLS12 || version == MOAT_TLS11 || version == MOAT_TLS10;
}

/* The value rules both directions share; the decoder's framing is checked before. */
static bool state_valid(const struct moat_session_state *s)
{
	if (s->lifetime > MOAT_TICKET_LIFETIME_MAX || s->client_identity_len > MOAT_SESSION_CLIENT_ID_MAX)
		return false;
	if (s->version == MOAT_TLS13)
		return (s->psk_len == 32 || s->psk_len == 48) && !s->ems;
	/* The fields TLS 1.2 has no use for are zero, so each state has one encoding. */
	return is_tls12_family(s->version) && s->psk_len == MOAT_SESSION_MASTER_SECRET_LEN && s->age_add == 0 &&
	       s->max_early_data == 0;
}

int moat_session_state_encode(const struct moat_session_state *s, struct moat_buf *out)
{
	ENSURE_REF(s);
	ENSURE_REF(out);
	ENSURE(state_valid(s), MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_put_u8(out, MOAT_SESSION_STATE_FORMAT));
	TRY(moat_buf_put_u16(out, s->version));
	TRY(moat_buf_put_u16(out, s->cipher_suite));
	TRY(moat_buf_put_u64(out, s->issue_time_ns));
	TRY(moat_buf_put_u32(out, s->lifetime));
	TRY(moat_buf_put_u32(out, s->age_add));
	TRY(moat_buf_put_prefixed(out, 1, s->psk, s->psk_len));
	TRY(put_string(out, s->server_name));
	TRY(put_string(out, s->alpn));
	TRY(moat_buf_put_u32(out, s->max_early_data));
	TRY(moat_buf_put_prefixed(out, 2, s->client_identity, s->client_identity_len));
	if (s->version == MOAT_TLS13)
		return MOAT_SUCCESS;
	return moat_buf_put_u8(out, s->ems ? MOAT_SESSION_F_EMS : 0);
}

static int get_string(struct moat_cursor *in, char out[256])
{
	struct moat_cursor v;
	TRY(moat_cursor_get_vector(in, 1, 0, 255, &v));
	size_t n = moat_cursor_remaining(&v);
	TRY(moat_cursor_get_bytes(&v, out, n));
	out[n] = '\0';
	ENSURE(strlen(out) == n, MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_session_state_decode(struct moat_cursor in, struct moat_session_state *s)
{
	ENSURE_REF(s);
	struct moat_session_state r;
	struct moat_cursor v;
	uint8_t format;
	memset(&r, 0, sizeof(r));
	int rc = MOAT_FAILURE;

	if (moat_cursor_get_u8(&in, &format) < 0)
		goto out;
	if (format != MOAT_SESSION_STATE_FORMAT) {
		moat_error_raise(MOAT_ERR_ILLEGAL_PARAMETER, MOAT_HERE);
		goto out;
	}
	if (moat_cursor_get_u16(&in, &r.version) < 0 || moat_cursor_get_u16(&in, &r.cipher_suite) < 0 ||
	    moat_cursor_get_u64(&in, &r.issue_time_ns) < 0 || moat_cursor_get_u32(&in, &r.lifetime) < 0 ||
	    moat_cursor_get_u32(&in, &r.age_add) < 0 || moat_cursor_get_vector(&in, 1, 32, MOAT_MAX_HASH_LEN, &v) < 0)
		goto out;
	r.psk_len = moat_cursor_remaining(&v);
	if (moat_cursor_get_bytes(&v, r.psk, r.psk_len) < 0 || get_string(&in, r.server_name) < 0 ||
	    get_string(&in, r.alpn) < 0 || moat_cursor_get_u32(&in, &r.max_early_data) < 0 ||
	    moat_cursor_get_vector(&in, 2, 0, MOAT_SESSION_CLIENT_ID_MAX, &v) < 0)
		goto out;
	r.client_identity_len = moat_cursor_remaining(&v);
	if (moat_cursor_get_bytes(&v, r.client_identity, r.client_identity_len) < 0)
		goto out;
	uint8_t flags = 0;
	if (is_tls12_family(r.version) && moat_cursor_get_u8(&in, &flags) < 0)
		goto out;
	if (moat_cursor_expect_end(&in) < 0)
		goto out;
	r.ems = (flags & MOAT_SESSION_F_EMS) != 0;
	if ((flags & ~MOAT_SESSION_F_EMS) != 0 || !state_valid(&r)) {
		moat_error_raise(MOAT_ERR_ILLEGAL_PARAMETER, MOAT_HERE);
		goto out;
	}
	*s = r;
	rc = MOAT_SUCCESS;
out:
	moat_wipe(&r, sizeof(r));
	return rc;
}
