/*
 * The second ClientHello against the first, RFC 8446 §4.1.2.
 *
 * After a HelloRetryRequest the client "MUST send the same ClientHello
 * without modification, except as follows", and the list is closed:
 *  - key_share: the list of shares replaced by one for the group asked for
 *    (which share, and whether it is the group asked for, is the handshake's
 *    check: it knows the group);
 *  - early_data: removed (§4.2.10: no early data after a HelloRetryRequest);
 *  - cookie: included when the HelloRetryRequest had one (its value is the
 *    handshake's check);
 *  - pre_shared_key: ages and binders recomputed, PSKs incompatible with the
 *    chosen suite removed; so its identities are those of the first hello in
 *    the same order, some perhaps left out, and the extension itself goes
 *    when none is left (as OpenSSL does); it is never added;
 *  - padding: added, removed or resized (RFC 7685).
 * "Other modifications that may be allowed by an extension defined in the
 * future and present in the HelloRetryRequest": ours carries only
 * supported_versions, key_share and cookie, so there are none.
 *
 * Every other field is compared byte for byte. The extension blocks are
 * compared as two sequences with padding and cookie left out of both and
 * early_data out of the first: the same types in the same order (a new
 * order is a modification too) and the same data, key_share and
 * pre_shared_key excepted as above. Both hellos have been parsed already,
 * so walking their blocks cannot meet bad framing; every difference is
 * illegal_parameter (§6.2: "a field ... inconsistent with other fields").
 * The walk is linear in the size of the hellos whatever their lists hold.
 */
#include "tls/messages.h"

#include <string.h>

#include "tls/iana.h"

static bool same_bytes(struct moat_cursor a, struct moat_cursor b)
{
	size_t n = moat_cursor_remaining(&a);
	return n == moat_cursor_remaining(&b) && (n == 0 || memcmp(moat_cursor_data(&a), moat_cursor_data(&b), n) == 0);
}

/* The next extension that takes part in the comparison; false at the end of the block. */
static bool next_compared(struct moat_cursor *block, bool first, uint16_t *type, struct moat_cursor *data)
{
	while (moat_cursor_remaining(block) > 0) {
		if (moat_cursor_get_u16(block, type) < 0 || moat_cursor_get_prefixed(block, 2, data) < 0)
			return false;
		if (*type == MOAT_EXT_PADDING || *type == MOAT_EXT_COOKIE)
			continue;
		if (first && *type == MOAT_EXT_EARLY_DATA)
			continue;
		return true;
	}
	return false;
}

/* The second hello's PSK identities are the first's, in order, some possibly left out. */
static int check_psk_update(struct moat_cursor d1, struct moat_cursor d2)
{
	struct moat_psk_offer o1, o2;
	TRY(moat_ext_pre_shared_key_decode_ch(d1, &o1));
	TRY(moat_ext_pre_shared_key_decode_ch(d2, &o2));
	struct moat_cursor ids1 = o1.identities, ids2 = o2.identities;
	while (moat_cursor_remaining(&ids2) > 0) {
		struct moat_cursor want, have;
		TRY(moat_psk_identity_next(&ids2, &want, NULL));
		bool found = false;
		while (!found && moat_cursor_remaining(&ids1) > 0) {
			TRY(moat_psk_identity_next(&ids1, &have, NULL));
			found = same_bytes(want, have);
		}
		ENSURE(found, MOAT_ERR_ILLEGAL_PARAMETER);
	}
	return MOAT_SUCCESS;
}

int moat_client_hello_check_retry(const struct moat_client_hello *ch1, const struct moat_client_hello *ch2)
{
	ENSURE_REF(ch1);
	ENSURE_REF(ch2);
	ENSURE(ch1->legacy_version == ch2->legacy_version, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(memcmp(ch1->random, ch2->random, sizeof(ch1->random)) == 0, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(same_bytes(ch1->session_id, ch2->session_id), MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(same_bytes(ch1->cipher_suites, ch2->cipher_suites), MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(same_bytes(ch1->compression_methods, ch2->compression_methods), MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(ch1->has_extensions == ch2->has_extensions, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(!moat_ext_present(&ch2->ext, MOAT_EXTI_EARLY_DATA), MOAT_ERR_ILLEGAL_PARAMETER);

	struct moat_cursor b1 = ch1->extensions_raw, b2 = ch2->extensions_raw;
	for (;;) {
		uint16_t t1 = 0, t2 = 0;
		struct moat_cursor d1, d2;
		bool more1 = next_compared(&b1, true, &t1, &d1);
		bool more2 = next_compared(&b2, false, &t2, &d2);
		if (!more2) {
			/* pre_shared_key (always last, §4.2.11) may go when none of its PSKs suits the suite. */
			ENSURE(!more1 || (t1 == MOAT_EXT_PRE_SHARED_KEY && !next_compared(&b1, true, &t1, &d1)),
			       MOAT_ERR_ILLEGAL_PARAMETER);
			return MOAT_SUCCESS;
		}
		ENSURE(more1 && t1 == t2, MOAT_ERR_ILLEGAL_PARAMETER);
		switch (t1) {
		case MOAT_EXT_KEY_SHARE:
			break;
		case MOAT_EXT_PRE_SHARED_KEY:
			TRY(check_psk_update(d1, d2));
			break;
		default:
			ENSURE(same_bytes(d1, d2), MOAT_ERR_ILLEGAL_PARAMETER);
		}
	}
}
