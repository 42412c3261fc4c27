/*
 * EndOfEarlyData, RFC 8446 §4.5: `struct {} EndOfEarlyData;` — an empty
 * body; anything in it is trailing data.
 */
#include "tls/messages.h"

#include "tls/iana.h"

int moat_end_of_early_data_decode(struct moat_cursor body)
{
	return moat_cursor_expect_end(&body);
}

int moat_end_of_early_data_encode(struct moat_buf *b)
{
	TRY(moat_hs_begin(b, MOAT_HS_END_OF_EARLY_DATA));
	return moat_hs_end(b);
}
