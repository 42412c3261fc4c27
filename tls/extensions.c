/*
 * The extension table and the extensions-block parser.
 *
 * One row per extension we recognise: its code point, the messages RFC 8446
 * §4.2 allows it in, and its registry name. What the handshake does with
 * each (send / recv / if_missing per message) is the same row's other half,
 * moat_ext_rows[] in ext_rows.c; a new extension adds a row to both, and a
 * TLS 1.2 ServerHello extension (renegotiation_info, extended_master_secret,
 * ec_point_formats, session_ticket: SH12 below) gets its behaviour there as
 * an SH12 column. The parser walks the block once,
 * checking each extension against the row for its type; it remembers every
 * type it has seen in a 65536-bit set on the stack so that a duplicate is
 * found in constant time whatever the type (a block may hold up to 16383
 * extensions, and a pairwise search over those would be a denial of service).
 */
#include "tls/extensions.h"

#include <string.h>

#include "tls/iana.h"

#define CH MOAT_MSG_CH
#define SH MOAT_MSG_SH
#define HRR MOAT_MSG_HRR
#define EE MOAT_MSG_EE
#define CT MOAT_MSG_CT
#define CR MOAT_MSG_CR
#define NST MOAT_MSG_NST
#define SH12 MOAT_MSG_SH12

struct ext_row {
	uint16_t type;
	unsigned allowed;
	const char *name;
};

/*
 * TLS 1.3 columns from the RFC 8446 §4.2 table; record_size_limit from
 * RFC 8449 §4 ("In TLS 1.3, the server sends [it] in EncryptedExtensions").
 * SH12 lists what a TLS 1.2 server may answer in its ServerHello
 * (RFC 6066, 7301, 6962, 8449, 8422 §5.2, 7627 §5.1, 5077 §3.2, 5746 §3.6).
 * The TLS 1.2-era rows are CH-only in TLS 1.3.
 */
static const struct ext_row ext_table[MOAT_EXTI_COUNT] = {
	[MOAT_EXTI_SERVER_NAME] = { MOAT_EXT_SERVER_NAME, CH | EE | SH12, "server_name" },
	[MOAT_EXTI_MAX_FRAGMENT_LENGTH] = { MOAT_EXT_MAX_FRAGMENT_LENGTH, CH | EE | SH12, "max_fragment_length" },
	[MOAT_EXTI_STATUS_REQUEST] = { MOAT_EXT_STATUS_REQUEST, CH | CR | CT | SH12, "status_request" },
	[MOAT_EXTI_SUPPORTED_GROUPS] = { MOAT_EXT_SUPPORTED_GROUPS, CH | EE, "supported_groups" },
	[MOAT_EXTI_SIGNATURE_ALGORITHMS] = { MOAT_EXT_SIGNATURE_ALGORITHMS, CH | CR, "signature_algorithms" },
	[MOAT_EXTI_ALPN] = { MOAT_EXT_ALPN, CH | EE | SH12, "application_layer_protocol_negotiation" },
	[MOAT_EXTI_SCT] = { MOAT_EXT_SCT, CH | CR | CT | SH12, "signed_certificate_timestamp" },
	[MOAT_EXTI_PADDING] = { MOAT_EXT_PADDING, CH, "padding" },
	[MOAT_EXTI_RECORD_SIZE_LIMIT] = { MOAT_EXT_RECORD_SIZE_LIMIT, CH | EE | SH12, "record_size_limit" },
	[MOAT_EXTI_PRE_SHARED_KEY] = { MOAT_EXT_PRE_SHARED_KEY, CH | SH, "pre_shared_key" },
	[MOAT_EXTI_EARLY_DATA] = { MOAT_EXT_EARLY_DATA, CH | EE | NST, "early_data" },
	[MOAT_EXTI_SUPPORTED_VERSIONS] = { MOAT_EXT_SUPPORTED_VERSIONS, CH | SH | HRR, "supported_versions" },
	[MOAT_EXTI_COOKIE] = { MOAT_EXT_COOKIE, CH | HRR, "cookie" },
	[MOAT_EXTI_PSK_KEY_EXCHANGE_MODES] = { MOAT_EXT_PSK_KEY_EXCHANGE_MODES, CH, "psk_key_exchange_modes" },
	[MOAT_EXTI_CERTIFICATE_AUTHORITIES] = { MOAT_EXT_CERTIFICATE_AUTHORITIES, CH | CR, "certificate_authorities" },
	[MOAT_EXTI_OID_FILTERS] = { MOAT_EXT_OID_FILTERS, CR, "oid_filters" },
	[MOAT_EXTI_POST_HANDSHAKE_AUTH] = { MOAT_EXT_POST_HANDSHAKE_AUTH, CH, "post_handshake_auth" },
	[MOAT_EXTI_SIGNATURE_ALGORITHMS_CERT] = { MOAT_EXT_SIGNATURE_ALGORITHMS_CERT, CH | CR,
						  "signature_algorithms_cert" },
	[MOAT_EXTI_KEY_SHARE] = { MOAT_EXT_KEY_SHARE, CH | SH | HRR, "key_share" },
	[MOAT_EXTI_EC_POINT_FORMATS] = { MOAT_EXT_EC_POINT_FORMATS, CH | SH12, "ec_point_formats" },
	[MOAT_EXTI_EXTENDED_MASTER_SECRET] = { MOAT_EXT_EXTENDED_MASTER_SECRET, CH | SH12,
					       "extended_master_secret" },
	[MOAT_EXTI_SESSION_TICKET] = { MOAT_EXT_SESSION_TICKET, CH | SH12, "session_ticket" },
	[MOAT_EXTI_RENEGOTIATION_INFO] = { MOAT_EXT_RENEGOTIATION_INFO, CH | SH12, "renegotiation_info" },
};

/*
 * Messages in which the peer may only answer what we offered, so a type we
 * do not even know cannot be an answer (RFC 8446 §4.2, RFC 5246 §7.4.1.4).
 */
#define RESPONSE_MSGS (SH | HRR | EE | SH12)

bool moat_ext_present(const struct moat_ext_block *b, moat_ext_index i)
{
	return b != NULL && moat_ext_set_has(b->present, i);
}

int moat_ext_index_of(uint16_t type)
{
	for (int i = 0; i < MOAT_EXTI_COUNT; i++)
		if (ext_table[i].type == type)
			return i;
	return -1;
}

uint16_t moat_ext_type_of(moat_ext_index i)
{
	return (unsigned)i < MOAT_EXTI_COUNT ? ext_table[i].type : 0xffff;
}

unsigned moat_ext_allowed_in(moat_ext_index i)
{
	return (unsigned)i < MOAT_EXTI_COUNT ? ext_table[i].allowed : 0;
}

const char *moat_ext_name(moat_ext_index i)
{
	return (unsigned)i < MOAT_EXTI_COUNT ? ext_table[i].name : "unknown";
}

static bool one_message(unsigned msg)
{
	return msg != 0 && (msg & (msg - 1)) == 0 && msg <= MOAT_MSG_SH12;
}

int moat_ext_block_parse_raw(struct moat_cursor raw, unsigned msg, struct moat_ext_block *out)
{
	ENSURE_REF(out);
	ENSURE(one_message(msg), MOAT_ERR_INVALID_ARG);
	struct moat_u16_set seen;
	moat_u16_set_clear(&seen);
	memset(out, 0, sizeof(*out));

	while (moat_cursor_remaining(&raw) > 0) {
		uint16_t type;
		struct moat_cursor data;
		TRY(moat_cursor_get_u16(&raw, &type));
		TRY(moat_cursor_get_prefixed(&raw, 2, &data));
		/* RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type". */
		ENSURE(!moat_u16_set_has(&seen, type), MOAT_ERR_DUPLICATE_EXTENSION);
		moat_u16_set_add(&seen, type);
		out->count++;
		out->last_type = type;

		int i = moat_ext_index_of(type);
		if (i < 0) {
			/* RFC 8446 §4.1.2 / §4.3.2 / §4.6.1: unknown ones are ignored in requests. */
			ENSURE((msg & RESPONSE_MSGS) == 0, MOAT_ERR_UNSUPPORTED_EXTENSION);
			continue;
		}
		/* RFC 8446 §4.2: recognised but not specified for this message → illegal_parameter. */
		ENSURE((ext_table[i].allowed & msg) != 0, MOAT_ERR_ILLEGAL_PARAMETER);
		out->present |= MOAT_EXT_BIT(i);
		out->data[i] = data;
	}
	/* RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello. */
	if (msg == MOAT_MSG_CH && moat_ext_present(out, MOAT_EXTI_PRE_SHARED_KEY))
		ENSURE(out->last_type == MOAT_EXT_PRE_SHARED_KEY, MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_ext_block_parse(struct moat_cursor *c, unsigned msg, bool allow_absent, struct moat_ext_block *out)
{
	ENSURE_REF(c);
	ENSURE_REF(out);
	if (moat_cursor_remaining(c) == 0) {
		ENSURE(allow_absent, MOAT_ERR_DECODE);
		ENSURE(one_message(msg), MOAT_ERR_INVALID_ARG);
		memset(out, 0, sizeof(*out));
		return MOAT_SUCCESS;
	}
	struct moat_cursor probe = *c, raw;
	TRY(moat_cursor_get_prefixed(&probe, 2, &raw));
	TRY(moat_ext_block_parse_raw(raw, msg, out));
	*c = probe;
	return MOAT_SUCCESS;
}

int moat_ext_empty_decode(struct moat_cursor d)
{
	return moat_cursor_expect_end(&d);
}

int moat_ext_begin(struct moat_buf *b, uint16_t type)
{
	TRY(moat_buf_put_u16(b, type));
	return moat_buf_open_prefixed(b, 2);
}

int moat_ext_end(struct moat_buf *b)
{
	return moat_buf_close_prefixed(b);
}

int moat_ext_write_raw(struct moat_buf *b, uint16_t type, const uint8_t *data, size_t len)
{
	ENSURE(len <= 0xffff, MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_put_u16(b, type));
	return moat_buf_put_prefixed(b, 2, data, len);
}

int moat_ext_write_empty(struct moat_buf *b, uint16_t type)
{
	return moat_ext_write_raw(b, type, NULL, 0);
}
