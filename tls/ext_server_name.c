/*
 * server_name, RFC 6066 §3.
 *
 * A ClientHello carries a ServerNameList; we accept exactly one host_name and
 * skip entries of other name types, which RFC 6066 §3 promises begin with a
 * 16-bit length. The host is bounded to a DNS name's 255 bytes and may not
 * contain NUL, so later code can treat it as a C-string-safe label sequence.
 * The server's answer (SH in TLS 1.2, EE in TLS 1.3) is empty and decoded
 * with moat_ext_empty_decode.
 */
#include "tls/extensions.h"

#include <string.h>

#include "tls/iana.h"

#define NAME_TYPE_HOST_NAME 0
#define MAX_HOST_NAME_LEN 255

int moat_ext_server_name_decode_ch(struct moat_cursor d, struct moat_cursor *host)
{
	ENSURE_REF(host);
	struct moat_cursor list, name, found = { NULL, 0 };
	bool have = false;

	TRY(moat_cursor_get_vector(&d, 2, 1, 0xffff, &list));
	TRY(moat_cursor_expect_end(&d));
	while (moat_cursor_remaining(&list) > 0) {
		uint8_t type;
		TRY(moat_cursor_get_u8(&list, &type));
		TRY(moat_cursor_get_vector(&list, 2, 1, 0xffff, &name));
		if (type != NAME_TYPE_HOST_NAME)
			continue;
		/* RFC 6066 §3: no more than one name of the same name_type. */
		ENSURE(!have, MOAT_ERR_ILLEGAL_PARAMETER);
		have = true;
		found = name;
	}
	ENSURE(have, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(moat_cursor_remaining(&found) <= MAX_HOST_NAME_LEN, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(memchr(moat_cursor_data(&found), 0, moat_cursor_remaining(&found)) == NULL,
	       MOAT_ERR_ILLEGAL_PARAMETER);
	*host = found;
	return MOAT_SUCCESS;
}

int moat_ext_write_server_name(struct moat_buf *b, const char *host)
{
	ENSURE_REF(host);
	size_t n = strlen(host);
	ENSURE(n >= 1 && n <= MAX_HOST_NAME_LEN, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_SERVER_NAME));
	TRY(moat_buf_open_prefixed(b, 2));
	TRY(moat_buf_put_u8(b, NAME_TYPE_HOST_NAME));
	TRY(moat_buf_put_prefixed(b, 2, host, n));
	TRY(moat_buf_close_prefixed(b));
	return moat_ext_end(b);
}
