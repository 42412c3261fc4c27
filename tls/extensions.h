/*
 * TLS extensions: the table of every extension moat recognises, the parser
 * for an extensions<..> block, and one decoder/encoder pair per extension.
 *
 * This is the codec half of an extension's row: its code point, the
 * messages it may appear in and its name. The behaviour half (what the
 * handshake writes in each message and in which order, what it does with
 * one it reads, what it does when one is missing) is in the connection
 * layer, tls/ext_rows.h, indexed by the same moat_ext_index; codecs make no
 * protocol decisions. TLS 1.2's ServerHello extensions (renegotiation_info,
 * extended_master_secret, ec_point_formats, session_ticket) already have
 * rows here with their SH12 placement, so a TLS 1.2 ServerHello block is
 * parsed and checked today, and their codecs are in extensions12.h; TLS 1.2
 * adds their SH12 columns in ext_rows.c and a ServerHello list, not new
 * parsing code.
 *
 * Why it is shaped this way:
 *  - The block parser does only what can be decided from the block itself and
 *    the message it sits in (RFC 8446 §4.2): exact framing, no type twice,
 *    recognised extensions only in the messages the §4.2 table lists,
 *    unknown ones ignored where the RFC says to ignore them, pre_shared_key
 *    last in a ClientHello. It records where each known extension's data is
 *    (a cursor into the message, nothing copied) so the handshake can look
 *    one up in O(1) by its dense index. Whether an extension was *offered*
 *    (RFC 8446 §4.2 "MUST NOT send extension responses if ...") is state the
 *    handshake owns, so it checks that, not this code.
 *  - Each per-extension decoder takes the extension_data by value and
 *    validates it completely: every vector bound, exact consumption (extra
 *    bytes are MOAT_ERR_TRAILING_DATA), enum ranges. What it hands back are
 *    cursors into the message or small integers, never pointers computed
 *    from wire lengths.
 *  - Encoders append a whole extension (type, length, data) to a moat_buf and
 *    check their arguments first (MOAT_ERR_INVALID_ARG), so a length that
 *    would not fit a prefix is a usage error, not a malformed message. On any
 *    failure the buffer holds a partial write and must be reset or freed.
 *
 * Syntax-level failures (a length past the end or outside its <min..max>)
 * are MOAT_ERR_DECODE (decode_error); syntactically valid but out-of-range
 * values are MOAT_ERR_ILLEGAL_PARAMETER (illegal_parameter), RFC 8446 §6.
 */
#ifndef MOAT_TLS_EXTENSIONS_H
#define MOAT_TLS_EXTENSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"

/* Messages an extension may appear in (bit mask), RFC 8446 §4.2 table. */
#define MOAT_MSG_CH  (1u << 0)
#define MOAT_MSG_SH  (1u << 1)
#define MOAT_MSG_HRR (1u << 2)
#define MOAT_MSG_EE  (1u << 3)
#define MOAT_MSG_CT  (1u << 4)
#define MOAT_MSG_CR  (1u << 5)
#define MOAT_MSG_NST (1u << 6)
/*
 * A ServerHello without supported_versions: a TLS 1.2 (or older) server's
 * answer. It is decoded with the TLS 1.2 rules (RFC 5246 §7.4.1.4: the
 * extensions a TLS 1.2 server may send; unknown ones are
 * unsupported_extension) so that the handshake gets a clean view of it and
 * can answer protocol_version rather than tripping over renegotiation_info.
 */
#define MOAT_MSG_SH12 (1u << 7)

/* Internal dense index of every extension we know (one table row each). */
typedef enum {
	MOAT_EXTI_SERVER_NAME,
	MOAT_EXTI_MAX_FRAGMENT_LENGTH,
	MOAT_EXTI_STATUS_REQUEST,
	MOAT_EXTI_SUPPORTED_GROUPS,
	MOAT_EXTI_SIGNATURE_ALGORITHMS,
	MOAT_EXTI_ALPN,
	MOAT_EXTI_SCT,
	MOAT_EXTI_PADDING,
	MOAT_EXTI_RECORD_SIZE_LIMIT,
	MOAT_EXTI_PRE_SHARED_KEY,
	MOAT_EXTI_EARLY_DATA,
	MOAT_EXTI_SUPPORTED_VERSIONS,
	MOAT_EXTI_COOKIE,
	MOAT_EXTI_PSK_KEY_EXCHANGE_MODES,
	MOAT_EXTI_CERTIFICATE_AUTHORITIES,
	MOAT_EXTI_OID_FILTERS,
	MOAT_EXTI_POST_HANDSHAKE_AUTH,
	MOAT_EXTI_SIGNATURE_ALGORITHMS_CERT,
	MOAT_EXTI_KEY_SHARE,
	/* TLS 1.2-era ones we recognise so they are not "unknown" in a ClientHello: */
	MOAT_EXTI_EC_POINT_FORMATS,
	MOAT_EXTI_EXTENDED_MASTER_SECRET,
	MOAT_EXTI_SESSION_TICKET,
	MOAT_EXTI_RENEGOTIATION_INFO,
	MOAT_EXTI_COUNT
} moat_ext_index;

/*
 * A set of moat_ext_index values, one bit each: which extensions a block
 * holds, which we offered. A row added past the set's width would make the
 * shift below undefined and the set silently drop it, so the build stops
 * instead: widen moat_ext_set when MOAT_EXTI_COUNT reaches 64.
 */
typedef uint64_t moat_ext_set;
#define MOAT_EXT_SET_CAPACITY (sizeof(moat_ext_set) * 8)
_Static_assert(MOAT_EXTI_COUNT <= MOAT_EXT_SET_CAPACITY, "moat_ext_set is too narrow for MOAT_EXTI_COUNT");
#define MOAT_EXT_BIT(i) ((moat_ext_set)1 << (i))

static inline bool moat_ext_set_has(moat_ext_set s, moat_ext_index i)
{
	return (unsigned)i < MOAT_EXTI_COUNT && (s & MOAT_EXT_BIT(i)) != 0;
}

struct moat_ext_block {
	moat_ext_set present;                     /* bit per moat_ext_index */
	struct moat_cursor data[MOAT_EXTI_COUNT]; /* extension_data of each present extension */
	uint16_t last_type;                       /* type of the last extension in the block */
	size_t count;                             /* all extensions, known or not */
};

bool moat_ext_present(const struct moat_ext_block *b, moat_ext_index i);
/* Dense index of a wire type, or -1 if we do not recognise it. */
int moat_ext_index_of(uint16_t type);
uint16_t moat_ext_type_of(moat_ext_index i);
/* The MOAT_MSG_* mask of the messages extension i may appear in (RFC 8446 §4.2). */
unsigned moat_ext_allowed_in(moat_ext_index i);
/* Registry name ("key_share"), for logs. */
const char *moat_ext_name(moat_ext_index i);

/*
 * Parse an extensions<0..2^16-1> block. The cursor holds the 2-byte length
 * prefix and the block; both are consumed (the caller checks what follows).
 * Zero remaining bytes means "no block", allowed only when allow_absent.
 * msg is exactly one MOAT_MSG_* bit.
 *   truncated / overlong                        MOAT_ERR_DECODE
 *   the same type twice (known or not)          MOAT_ERR_DUPLICATE_EXTENSION
 *   known, but not allowed in msg               MOAT_ERR_ILLEGAL_PARAMETER
 *   unknown in SH / HRR / EE / SH12             MOAT_ERR_UNSUPPORTED_EXTENSION
 *   unknown in CH / CR / CT / NST               ignored (counted)
 *   CH with pre_shared_key not last             MOAT_ERR_ILLEGAL_PARAMETER
 */
MOAT_MUST_USE int moat_ext_block_parse(struct moat_cursor *c, unsigned msg, bool allow_absent,
				       struct moat_ext_block *out);
/* Same, for a block whose 2-byte prefix the caller already removed (raw holds only extensions). */
MOAT_MUST_USE int moat_ext_block_parse_raw(struct moat_cursor raw, unsigned msg, struct moat_ext_block *out);

/* ---- Decoders: each validates its extension_data completely. ---- */

/* Empty extension_data (acks in SH/EE, post_handshake_auth, early_data in CH/EE, ...). */
MOAT_MUST_USE int moat_ext_empty_decode(struct moat_cursor d);

/*
 * server_name in a ClientHello (RFC 6066 §3): a ServerNameList<1..2^16-1>
 * holding exactly one host_name (type 0) entry. Entries of other name types
 * are skipped (RFC 6066 §3: they too begin with a 16-bit length); a second
 * host_name is ILLEGAL_PARAMETER (RFC 6066 §3 "MUST NOT contain more than one
 * name of the same name_type"), as is a list without one. The host is 1..255
 * bytes (a DNS name, RFC 1035 §2.3.4) without NUL bytes: longer or with NUL
 * → ILLEGAL_PARAMETER. A trailing dot is not checked here (lookup's job).
 * In SH/EE server_name must be empty: use moat_ext_empty_decode.
 */
MOAT_MUST_USE int moat_ext_server_name_decode_ch(struct moat_cursor d, struct moat_cursor *host);

/*
 * u16 lists: supported_groups (RFC 8446 §4.2.7 <2..2^16-1>),
 * signature_algorithms and signature_algorithms_cert (§4.2.3 <2..2^16-2>):
 * 2-byte length, even, non-empty. *list holds the list bytes; iterate with
 * moat_u16_list_next.
 */
MOAT_MUST_USE int moat_ext_u16_list_decode(struct moat_cursor d, struct moat_cursor *list);
/* Next value; MOAT_ERR_DECODE at the end (loop while moat_cursor_remaining(list) > 0). */
MOAT_MUST_USE int moat_u16_list_next(struct moat_cursor *list, uint16_t *v);
bool moat_u16_list_contains(struct moat_cursor list, uint16_t v);
/*
 * A set of 16-bit code points (8 KiB: for the stack, never for a
 * connection). Filled from a peer's list in one pass, it answers "did the
 * peer offer x" in constant time, so a server can walk its own preferences
 * against a list of any length without a quadratic scan.
 */
struct moat_u16_set {
	uint64_t bits[65536 / 64];
};
void moat_u16_set_clear(struct moat_u16_set *s);
/* Add every value of a validated u16 list. */
void moat_u16_set_add_list(struct moat_u16_set *s, struct moat_cursor list);
void moat_u16_set_add(struct moat_u16_set *s, uint16_t v);
bool moat_u16_set_has(const struct moat_u16_set *s, uint16_t v);

/* supported_versions (RFC 8446 §4.2.1): CH → versions<2..254> of u16; SH/HRR → one u16. */
MOAT_MUST_USE int moat_ext_supported_versions_decode_ch(struct moat_cursor d, struct moat_cursor *list);
MOAT_MUST_USE int moat_ext_supported_versions_decode_sh(struct moat_cursor d, uint16_t *version);

/*
 * key_share (RFC 8446 §4.2.8). CH: client_shares<0..2^16-1> of
 * KeyShareEntry {group, key_exchange<1..2^16-1>}; the same group twice is
 * ILLEGAL_PARAMETER. The whole list is validated and handed back as a cursor
 * over its entries (nothing is copied, no entry is dropped however many the
 * client sent): walk it with moat_key_share_next, or look a group up with
 * moat_key_share_find. SH: exactly one entry. HRR: selected_group.
 */
struct moat_key_share {
	uint16_t group;
	struct moat_cursor key_exchange;
};
struct moat_key_share_list {
	struct moat_cursor entries; /* the validated KeyShareEntry bytes */
	size_t count;
};
MOAT_MUST_USE int moat_ext_key_share_decode_ch(struct moat_cursor d, struct moat_key_share_list *out);
/* Next entry of a validated list; MOAT_ERR_DECODE at the end (loop while entries are left). */
MOAT_MUST_USE int moat_key_share_next(struct moat_cursor *entries, struct moat_key_share *e);
/* The client's share for group, if it sent one. */
bool moat_key_share_find(const struct moat_key_share_list *l, uint16_t group, struct moat_key_share *out);
MOAT_MUST_USE int moat_ext_key_share_decode_sh(struct moat_cursor d, struct moat_key_share *out);
MOAT_MUST_USE int moat_ext_key_share_decode_hrr(struct moat_cursor d, uint16_t *group);

/*
 * ALPN (RFC 7301 §3.1): CH → ProtocolNameList<2..2^16-1> of
 * ProtocolName<1..2^8-1>; SH/EE → a list of exactly one name (a second name
 * is TRAILING_DATA). Iterate a list with moat_alpn_list_next.
 */
MOAT_MUST_USE int moat_ext_alpn_decode_list(struct moat_cursor d, struct moat_cursor *list);
/* Next name; MOAT_ERR_DECODE at the end. */
MOAT_MUST_USE int moat_alpn_list_next(struct moat_cursor *list, struct moat_cursor *name);
MOAT_MUST_USE int moat_ext_alpn_decode_selected(struct moat_cursor d, struct moat_cursor *name);
/*
 * The first name of ours (a validated ProtocolNameList body, in our order of
 * preference) that theirs (a validated list) also holds: *found says whether
 * there was one, *chosen is then our copy of it. The server passes the
 * client's list; the client passes the server's answer, a list of one, to
 * check that it is a name we offered (RFC 7301 §3.2).
 */
MOAT_MUST_USE int moat_alpn_select(struct moat_cursor ours, struct moat_cursor theirs, struct moat_cursor *chosen,
				   bool *found);

/* cookie (RFC 8446 §4.2.2): opaque cookie<1..2^16-1>. */
MOAT_MUST_USE int moat_ext_cookie_decode(struct moat_cursor d, struct moat_cursor *cookie);

/* record_size_limit (RFC 8449 §4): u16; below 64 → ILLEGAL_PARAMETER. */
#define MOAT_RECORD_SIZE_LIMIT_MIN 64
MOAT_MUST_USE int moat_ext_record_size_limit_decode(struct moat_cursor d, uint16_t *limit);

/* max_fragment_length (RFC 6066 §4): one byte 1..4 (2^9..2^12), else ILLEGAL_PARAMETER. */
MOAT_MUST_USE int moat_ext_max_fragment_length_decode(struct moat_cursor d, uint8_t *code);

/* psk_key_exchange_modes (RFC 8446 §4.2.9): ke_modes<1..255> of u8. */
#define MOAT_PSK_KE 0
#define MOAT_PSK_DHE_KE 1
MOAT_MUST_USE int moat_ext_psk_modes_decode(struct moat_cursor d, struct moat_cursor *modes);

/*
 * pre_shared_key (RFC 8446 §4.2.11). CH: OfferedPsks {identities<7..2^16-1>,
 * binders<33..2^16-1>}, each PskIdentity {identity<1..2^16-1>, u32
 * obfuscated_ticket_age}, each PskBinderEntry<32..255>; as many binders as
 * identities, else ILLEGAL_PARAMETER. binders_len is the size of the whole
 * binders vector with its 2-byte prefix: because pre_shared_key is the last
 * extension, the binders are the last binders_len bytes of the ClientHello,
 * and the truncated ClientHello of §4.2.11.2 is the message without them.
 * SH: selected_identity u16.
 */
struct moat_psk_offer {
	struct moat_cursor identities; /* iterate with moat_psk_identity_next */
	struct moat_cursor binders;    /* iterate with moat_psk_binder_next */
	size_t count;                  /* identities == binders */
	size_t binders_len;
};
MOAT_MUST_USE int moat_ext_pre_shared_key_decode_ch(struct moat_cursor d, struct moat_psk_offer *out);
MOAT_MUST_USE int moat_psk_identity_next(struct moat_cursor *identities, struct moat_cursor *identity,
					 uint32_t *obfuscated_ticket_age);
MOAT_MUST_USE int moat_psk_binder_next(struct moat_cursor *binders, struct moat_cursor *binder);
MOAT_MUST_USE int moat_ext_pre_shared_key_decode_sh(struct moat_cursor d, uint16_t *selected_identity);

/* early_data (RFC 8446 §4.2.10): empty in CH/EE; max_early_data_size u32 in NST. */
MOAT_MUST_USE int moat_ext_early_data_decode_nst(struct moat_cursor d, uint32_t *max_early_data_size);

/*
 * status_request (RFC 6066 §8, RFC 8446 §4.4.2.1). CH/CR: a
 * CertificateStatusRequest; *ocsp is true when status_type is ocsp(1), whose
 * OCSPStatusRequest {ResponderID responder_id_list<0..2^16-1> of
 * <1..2^16-1>, request_extensions<0..2^16-1>} is validated; other status
 * types cannot be parsed past their type byte and are reported as
 * *ocsp == false. CT: CertificateStatus {status_type = ocsp,
 * OCSPResponse<1..2^24-1>}; another status type is ILLEGAL_PARAMETER.
 */
#define MOAT_CERT_STATUS_OCSP 1
MOAT_MUST_USE int moat_ext_status_request_decode_ch(struct moat_cursor d, bool *ocsp);
MOAT_MUST_USE int moat_ext_status_request_decode_ct(struct moat_cursor d, struct moat_cursor *ocsp_response);

/*
 * certificate_authorities (RFC 8446 §4.2.4): authorities<3..2^16-1> of
 * DistinguishedName<1..2^16-1>. Iterate with moat_ca_list_next.
 */
MOAT_MUST_USE int moat_ext_certificate_authorities_decode(struct moat_cursor d, struct moat_cursor *list);
MOAT_MUST_USE int moat_ca_list_next(struct moat_cursor *list, struct moat_cursor *dn);

/* ---- Encoders: each appends one whole extension (type, length, data). ---- */

/* Open an extension (type + 2-byte length) for the caller to fill; close with moat_ext_end. */
MOAT_MUST_USE int moat_ext_begin(struct moat_buf *b, uint16_t type);
MOAT_MUST_USE int moat_ext_end(struct moat_buf *b);
/* Any extension from its ready-made extension_data. */
MOAT_MUST_USE int moat_ext_write_raw(struct moat_buf *b, uint16_t type, const uint8_t *data, size_t len);

/* CH: a ServerNameList with one host_name; host is 1..255 bytes (INVALID_ARG otherwise). */
MOAT_MUST_USE int moat_ext_write_server_name(struct moat_buf *b, const char *host);
/* Empty extension_data (SH/EE acks, post_handshake_auth, early_data in CH/EE, ...). */
MOAT_MUST_USE int moat_ext_write_empty(struct moat_buf *b, uint16_t type);
/* supported_groups, signature_algorithms(_cert): n >= 1. */
MOAT_MUST_USE int moat_ext_write_u16_list(struct moat_buf *b, uint16_t type, const uint16_t *v, size_t n);
/* CH: 1 <= n <= 127. */
MOAT_MUST_USE int moat_ext_write_supported_versions_ch(struct moat_buf *b, const uint16_t *v, size_t n);
MOAT_MUST_USE int moat_ext_write_supported_versions_sh(struct moat_buf *b, uint16_t version);
/* CH: n entries (n may be 0: an empty client_shares asks for an HRR); each key_exchange non-empty. */
MOAT_MUST_USE int moat_ext_write_key_share_ch(struct moat_buf *b, const struct moat_key_share *shares, size_t n);
MOAT_MUST_USE int moat_ext_write_key_share_sh(struct moat_buf *b, uint16_t group, const uint8_t *key_exchange,
					      size_t len);
MOAT_MUST_USE int moat_ext_write_key_share_hrr(struct moat_buf *b, uint16_t group);
/* wire_list: already length-prefixed names (validated as a ProtocolNameList body). */
MOAT_MUST_USE int moat_ext_write_alpn_list(struct moat_buf *b, const uint8_t *wire_list, size_t len);
MOAT_MUST_USE int moat_ext_write_alpn_selected(struct moat_buf *b, const uint8_t *name, size_t len);
MOAT_MUST_USE int moat_ext_write_cookie(struct moat_buf *b, const uint8_t *cookie, size_t len);
/* limit >= 64. */
MOAT_MUST_USE int moat_ext_write_record_size_limit(struct moat_buf *b, uint16_t limit);
/* code 1..4. */
MOAT_MUST_USE int moat_ext_write_max_fragment_length(struct moat_buf *b, uint8_t code);
/* 1..255 modes. */
MOAT_MUST_USE int moat_ext_write_psk_modes(struct moat_buf *b, const uint8_t *modes, size_t n);
MOAT_MUST_USE int moat_ext_write_pre_shared_key_sh(struct moat_buf *b, uint16_t selected_identity);
MOAT_MUST_USE int moat_ext_write_early_data_nst(struct moat_buf *b, uint32_t max_early_data_size);
/* CT: the OCSP response to staple into the first CertificateEntry (RFC 8446 §4.4.2.1). */
MOAT_MUST_USE int moat_ext_write_status_request_ct(struct moat_buf *b, const uint8_t *ocsp_response, size_t len);

#endif
