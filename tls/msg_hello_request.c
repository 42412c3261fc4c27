/*
 * HelloRequest, RFC 5246 §7.4.1.1: `struct { } HelloRequest;`, an empty
 * body. It asks the client to renegotiate; whether to ignore it or answer
 * with a no_renegotiation alert is the client's policy, not the codec's.
 * It "MUST NOT be included in the message hashes" (§7.4.1.1), which is the
 * handshake's to remember as well.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

int moat_hello_request_decode(struct moat_cursor body)
{
	return moat_cursor_expect_end(&body);
}

int moat_hello_request_encode(struct moat_buf *b)
{
	TRY(moat_hs_begin(b, MOAT_HS_HELLO_REQUEST));
	return moat_hs_end(b);
}
