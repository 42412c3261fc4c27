/*
 * certificate_authorities, RFC 8446 §4.2.4: a list of DER
 * DistinguishedNames (authorities<3..2^16-1>, each <1..2^16-1>) naming the
 * trust anchors the sender accepts. Matching them against a chain is the
 * certificate code's job; this only checks the framing.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

int moat_ca_list_next(struct moat_cursor *list, struct moat_cursor *dn)
{
	return moat_cursor_get_vector(list, 2, 1, 0xffff, dn);
}

int moat_ext_certificate_authorities_decode(struct moat_cursor d, struct moat_cursor *list)
{
	ENSURE_REF(list);
	struct moat_cursor l, it, dn;
	TRY(moat_cursor_get_vector(&d, 2, 3, 0xffff, &l));
	TRY(moat_cursor_expect_end(&d));
	for (it = l; moat_cursor_remaining(&it) > 0;)
		TRY(moat_ca_list_next(&it, &dn));
	*list = l;
	return MOAT_SUCCESS;
}
