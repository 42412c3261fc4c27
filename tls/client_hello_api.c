/*
 * Client hello getters and callback completion (the guide's s2n_client_hello_*).
 *
 * The handle the application gets is the parsed ClientHello stored in the
 * connection's handshake state; the raw bytes it was parsed from sit beside
 * it in the same struct, which is how the getters find them.
 */
#include <stddef.h>
#include <string.h>

#include "tls/conn.h"

static struct moat_handshake *hs_of(struct moat_client_hello *ch)
{
	return (struct moat_handshake *)(void *)((char *)ch - offsetof(struct moat_handshake, client_hello));
}

struct moat_client_hello *moat_connection_get_client_hello(struct moat_connection *conn)
{
	if (conn == NULL || conn->mode != MOAT_SERVER || conn->hs == NULL || !conn->hs->client_hello_parsed) {
		moat_error_raise(MOAT_ERR_INVALID_STATE, MOAT_HERE);
		return NULL;
	}
	return &conn->hs->client_hello;
}

static ssize_t copy_out(struct moat_cursor src, uint8_t *out, uint32_t max_length)
{
	size_t n = moat_cursor_remaining(&src);
	if (n > max_length)
		n = max_length;
	if (n > 0)
		memcpy(out, moat_cursor_data(&src), n);
	return (ssize_t)n;
}

ssize_t moat_client_hello_get_raw_message_length(struct moat_client_hello *ch)
{
	return ch ? (ssize_t)hs_of(ch)->client_hello_raw.len : -1;
}

ssize_t moat_client_hello_get_raw_message(struct moat_client_hello *ch, uint8_t *out, uint32_t max_length)
{
	if (ch == NULL || out == NULL)
		return -1;
	struct moat_cursor c;
	moat_cursor_init(&c, hs_of(ch)->client_hello_raw.data, hs_of(ch)->client_hello_raw.len);
	return copy_out(c, out, max_length);
}

ssize_t moat_client_hello_get_cipher_suites_length(struct moat_client_hello *ch)
{
	return ch ? (ssize_t)moat_cursor_remaining(&ch->cipher_suites) : -1;
}

ssize_t moat_client_hello_get_cipher_suites(struct moat_client_hello *ch, uint8_t *out, uint32_t max_length)
{
	return ch && out ? copy_out(ch->cipher_suites, out, max_length) : -1;
}

ssize_t moat_client_hello_get_extensions_length(struct moat_client_hello *ch)
{
	return ch ? (ssize_t)moat_cursor_remaining(&ch->extensions_raw) : -1;
}

ssize_t moat_client_hello_get_extensions(struct moat_client_hello *ch, uint8_t *out, uint32_t max_length)
{
	return ch && out ? copy_out(ch->extensions_raw, out, max_length) : -1;
}

/* Any extension, known to us or not: walk the raw block (already validated by the parser). */
static int find_extension(struct moat_client_hello *ch, uint16_t type, struct moat_cursor *data)
{
	struct moat_cursor c = ch->extensions_raw;
	while (moat_cursor_remaining(&c) > 0) {
		uint16_t t;
		struct moat_cursor d;
		TRY(moat_cursor_get_u16(&c, &t));
		TRY(moat_cursor_get_prefixed(&c, 2, &d));
		if (t == type) {
			*data = d;
			return MOAT_SUCCESS;
		}
	}
	BAIL(MOAT_ERR_INVALID_ARG);
}

ssize_t moat_client_hello_get_extension_length(struct moat_client_hello *ch, uint16_t extension_type)
{
	struct moat_cursor d;
	if (ch == NULL || find_extension(ch, extension_type, &d) < 0)
		return 0;
	return (ssize_t)moat_cursor_remaining(&d);
}

ssize_t moat_client_hello_get_extension_by_id(struct moat_client_hello *ch, uint16_t extension_type, uint8_t *out,
					      uint32_t max_length)
{
	struct moat_cursor d;
	if (ch == NULL || out == NULL)
		return -1;
	if (find_extension(ch, extension_type, &d) < 0)
		return 0;
	return copy_out(d, out, max_length);
}

int moat_client_hello_get_session_id_length(struct moat_client_hello *ch, uint32_t *out_length)
{
	ENSURE_REF(ch);
	ENSURE_REF(out_length);
	*out_length = (uint32_t)hs_of(ch)->session_id_len;
	return MOAT_SUCCESS;
}

int moat_client_hello_get_session_id(struct moat_client_hello *ch, uint8_t *out, uint32_t *out_length,
				     uint32_t max_length)
{
	ENSURE_REF(ch);
	ENSURE_REF(out);
	ENSURE_REF(out_length);
	struct moat_handshake *hs = hs_of(ch);
	ENSURE(max_length >= hs->session_id_len, MOAT_ERR_INVALID_ARG);
	memcpy(out, hs->session_id, hs->session_id_len);
	*out_length = (uint32_t)hs->session_id_len;
	return MOAT_SUCCESS;
}

const char *moat_client_hello_get_server_name(struct moat_client_hello *ch)
{
	if (ch == NULL || !moat_ext_present(&ch->ext, MOAT_EXTI_SERVER_NAME))
		return NULL;
	/* Copied out when the ClientHello arrived. */
	return hs_of(ch)->server_name[0] ? hs_of(ch)->server_name : NULL;
}

int moat_client_hello_cb_done(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	ENSURE(conn->mode == MOAT_SERVER && conn->hs != NULL && conn->hs->client_hello_cb_called, MOAT_ERR_INVALID_STATE);
	conn->hs->client_hello_cb_done = true;
	return MOAT_SUCCESS;
}
