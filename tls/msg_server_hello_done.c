/*
 * ServerHelloDone, RFC 5246 §7.4.5: `struct { } ServerHelloDone;` — an
 * empty body; anything in it is trailing data.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

int moat_server_hello_done_decode(struct moat_cursor body)
{
	return moat_cursor_expect_end(&body);
}

int moat_server_hello_done_encode(struct moat_buf *b)
{
	TRY(moat_hs_begin(b, MOAT_HS_SERVER_HELLO_DONE));
	return moat_hs_end(b);
}
