/*
 * TLS 1.3 handshake message codecs (RFC 8446 §4).
 *
 * Every decoder takes one handshake message BODY (what follows the 4-byte
 * header) as a cursor by value, consumes it exactly (leftover bytes are
 * MOAT_ERR_TRAILING_DATA) and fills a struct of validated views: cursors that
 * point into the caller's message buffer, which must outlive the struct.
 * Nothing is copied except fixed-size fields (random, integers). The codecs
 * make no protocol decisions — which version, suite or group to use, whether
 * an extension was offered, whether a message may arrive now — those belong
 * to the handshake state machine built on top.
 *
 * Every encoder appends a whole handshake message (type, u24 length, body)
 * to a moat_buf; arguments are checked first (MOAT_ERR_INVALID_ARG). On
 * failure the buffer holds a partial write and must be reset.
 */
#ifndef MOAT_TLS_MESSAGES_H
#define MOAT_TLS_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "tls/crypto/signed_content.h"
#include "tls/extensions.h"

/* ---- Handshake header (RFC 8446 §4) ---- */

/*
 * The largest handshake message body we buffer (the u24 length allows 16 MiB).
 * It must hold every legal ClientHello we can meet in practice: a hello with
 * the longest cipher_suites<2..2^16-2> and a long extensions<0..2^16-1> block
 * is about 128 KiB. A longer announced length is decode_error, like any
 * other length we cannot accept (RFC 8446 §6).
 */
#define MOAT_MAX_HANDSHAKE_MESSAGE (128u * 1024u)
/*
 * The largest post-handshake message a peer may send: a NewSessionTicket
 * with every field at its wire maximum (RFC 8446 §4.6.1: lifetime, age_add,
 * nonce<0..255>, ticket<1..2^16-1>, extensions<0..2^16-2>), 131,337 bytes.
 * KeyUpdate is one byte; post-handshake CertificateRequest is not offered.
 */
#define MOAT_MAX_POST_HANDSHAKE_MESSAGE (4u + 4u + 1u + 255u + 2u + 65535u + 2u + 65534u)

/*
 * Split one message off a reassembly buffer: *type, and *body as a
 * sub-cursor; c advances past the message. An incomplete message is
 * MOAT_ERR_DECODE and leaves c unchanged.
 */
MOAT_MUST_USE int moat_hs_header_decode(struct moat_cursor *c, uint8_t *type, struct moat_cursor *body);
/*
 * For reassembling messages split over records: true when buf starts with a
 * whole message, and then *msg_len = 4 + body length. When false, *msg_len
 * is the total needed if the header is already in (else 0), so the caller
 * can refuse a message larger than it is willing to buffer early.
 */
bool moat_hs_message_complete(const uint8_t *buf, size_t len, size_t *msg_len);
/* Open a message (type + u24 length) for the caller to fill; close with moat_hs_end. */
MOAT_MUST_USE int moat_hs_begin(struct moat_buf *b, uint8_t type);
MOAT_MUST_USE int moat_hs_end(struct moat_buf *b);

/* ---- ClientHello (RFC 8446 §4.1.2) ---- */

struct moat_client_hello {
	uint16_t legacy_version;                /* >= 0x0300 */
	uint8_t random[32];
	struct moat_cursor session_id;          /* 0..32 */
	struct moat_cursor cipher_suites;       /* <2..2^16-2>, even; iterate with moat_u16_list_next */
	struct moat_cursor compression_methods; /* <1..2^8-1> */
	struct moat_cursor extensions_raw;      /* the block without its length prefix (empty if absent) */
	bool has_extensions;                    /* false: the hello ends after compression (RFC 5246 §7.4.1.2) */
	struct moat_ext_block ext;              /* parsed as MOAT_MSG_CH */
};
/*
 * legacy_version below 0x0300 → MOAT_ERR_PROTOCOL_VERSION (RFC 8446 App. D);
 * session_id > 32 → DECODE; cipher_suites empty or odd → DECODE;
 * compression_methods empty → DECODE; extensions may be absent; block rules
 * as moat_ext_block_parse with MOAT_MSG_CH (pre_shared_key last, ...).
 */
MOAT_MUST_USE int moat_client_hello_decode(struct moat_cursor body, struct moat_client_hello *ch);
/*
 * RFC 8446 §4.1.2: is ch2, the answer to a HelloRetryRequest, ch1 with only
 * the changes allowed after one (key_share replaced, early_data removed,
 * cookie added, pre_shared_key updated or dropped, padding changed)? Any
 * other difference, a new order of extensions included, is
 * MOAT_ERR_ILLEGAL_PARAMETER. The new share and the cookie's value are left
 * to the caller, which knows the group and the cookie it asked for.
 */
MOAT_MUST_USE int moat_client_hello_check_retry(const struct moat_client_hello *ch1,
						const struct moat_client_hello *ch2);
/* True when compression_methods is exactly {null}, as a TLS 1.3 ClientHello must have (RFC 8446 §4.1.2). */
bool moat_client_hello_null_compression_only(const struct moat_client_hello *ch);
/*
 * Compression methods = {null}. ext/ext_len: the extensions without the
 * block's length prefix; ext == NULL omits the block entirely (a TLS 1.2
 * hello without extensions), ext != NULL with ext_len 0 writes an empty block.
 */
MOAT_MUST_USE int moat_client_hello_encode(struct moat_buf *b, uint16_t legacy_version, const uint8_t random[32],
					   const uint8_t *session_id, size_t sid_len, const uint16_t *suites,
					   size_t n_suites, const uint8_t *ext, size_t ext_len);

/* ---- ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4) ---- */

struct moat_server_hello {
	uint16_t legacy_version;
	uint8_t random[32];
	bool is_hrr;                        /* random == moat_hrr_random (§4.1.3) */
	struct moat_cursor session_id_echo; /* 0..32 */
	uint16_t cipher_suite;
	uint8_t compression_method;         /* always 0 after a successful decode */
	struct moat_cursor extensions_raw;  /* the block without its length prefix */
	/*
	 * Parsed as MOAT_MSG_HRR when is_hrr; as MOAT_MSG_SH when it holds
	 * supported_versions (a TLS 1.3 ServerHello, §4.2.1); otherwise it is a
	 * TLS 1.2-or-older ServerHello, parsed as MOAT_MSG_SH12 and possibly
	 * without extensions, for the handshake to refuse with protocol_version.
	 */
	struct moat_ext_block ext;
};
extern const uint8_t moat_hrr_random[32];
/* compression_method != 0 → ILLEGAL_PARAMETER (§4.1.3); session id > 32 → DECODE. */
MOAT_MUST_USE int moat_server_hello_decode(struct moat_cursor body, struct moat_server_hello *sh);
/* legacy_version 0x0303, compression 0; ext as for moat_client_hello_encode (NULL omits the block).
   For a HelloRetryRequest pass moat_hrr_random. */
MOAT_MUST_USE int moat_server_hello_encode(struct moat_buf *b, const uint8_t random[32], const uint8_t *sid_echo,
					   size_t sid_len, uint16_t suite, const uint8_t *ext, size_t ext_len);

/* ---- EncryptedExtensions (RFC 8446 §4.3.1) ---- */

MOAT_MUST_USE int moat_encrypted_extensions_decode(struct moat_cursor body, struct moat_ext_block *ext);
MOAT_MUST_USE int moat_encrypted_extensions_encode(struct moat_buf *b, const uint8_t *ext, size_t ext_len);

/* ---- CertificateRequest (RFC 8446 §4.3.2) ---- */

struct moat_certificate_request {
	struct moat_cursor context; /* <0..2^8-1> */
	struct moat_ext_block ext;
};
/* No signature_algorithms → MOAT_ERR_MISSING_EXTENSION (§4.3.2 "MUST be specified"). */
MOAT_MUST_USE int moat_certificate_request_decode(struct moat_cursor body, struct moat_certificate_request *cr);
MOAT_MUST_USE int moat_certificate_request_encode(struct moat_buf *b, const uint8_t *context, size_t ctx_len,
						  const uint8_t *ext, size_t ext_len);

/* ---- Certificate (RFC 8446 §4.4.2) ---- */

#define MOAT_MAX_CERT_ENTRIES 10
struct moat_certificate_msg {
	struct moat_cursor context;                     /* <0..255> */
	struct moat_cursor cert[MOAT_MAX_CERT_ENTRIES]; /* cert_data<1..2^24-1> each */
	/* Each entry's extensions block (without prefix), validated as MOAT_MSG_CT;
	   re-parse with moat_ext_block_parse_raw to read status_request / SCT. */
	struct moat_cursor ext_raw[MOAT_MAX_CERT_ENTRIES];
	size_t count;                                   /* more than the max → BAD_CERTIFICATE */
};
/* An empty certificate_list is accepted here; whether it is allowed is the handshake's call (§4.4.2.4). */
MOAT_MUST_USE int moat_certificate_decode(struct moat_cursor body, struct moat_certificate_msg *m);
/* Entries from DER certificates, without extensions. */
MOAT_MUST_USE int moat_certificate_encode(struct moat_buf *b, const uint8_t *context, size_t ctx_len,
					  const uint8_t *const *der, const size_t *der_len, size_t count);
/* Same, with per-entry extensions (ext == NULL, or ext[i] == NULL: none for that entry). */
MOAT_MUST_USE int moat_certificate_encode_ext(struct moat_buf *b, const uint8_t *context, size_t ctx_len,
					      const uint8_t *const *der, const size_t *der_len,
					      const uint8_t *const *ext, const size_t *ext_len, size_t count);

/* ---- CertificateVerify (RFC 8446 §4.4.3) ---- */

struct moat_certificate_verify {
	uint16_t scheme;
	struct moat_cursor signature; /* <0..2^16-1> */
};
MOAT_MUST_USE int moat_certificate_verify_decode(struct moat_cursor body, struct moat_certificate_verify *cv);
MOAT_MUST_USE int moat_certificate_verify_encode(struct moat_buf *b, uint16_t scheme, const uint8_t *sig, size_t len);

/*
 * The content the signature covers (§4.4.3): moat_cv_content_build and
 * moat_cv_content_check in tls/crypto/signed_content.h.
 */

/* ---- Finished (RFC 8446 §4.4.4) ---- */

/* The body is verify_data and nothing else: a length other than hash_len → DECODE. */
MOAT_MUST_USE int moat_finished_decode(struct moat_cursor body, size_t hash_len, struct moat_cursor *verify_data);
MOAT_MUST_USE int moat_finished_encode(struct moat_buf *b, const uint8_t *verify_data, size_t len);

/* ---- NewSessionTicket (RFC 8446 §4.6.1) ---- */

struct moat_new_session_ticket {
	uint32_t lifetime;          /* not capped here: the session code enforces 7 days (§4.6.1) */
	uint32_t age_add;
	struct moat_cursor nonce;   /* <0..255> */
	struct moat_cursor ticket;  /* <1..2^16-1> */
	struct moat_ext_block ext;  /* <0..2^16-2>, parsed as MOAT_MSG_NST */
};
MOAT_MUST_USE int moat_new_session_ticket_decode(struct moat_cursor body, struct moat_new_session_ticket *nst);
MOAT_MUST_USE int moat_new_session_ticket_encode(struct moat_buf *b, uint32_t lifetime, uint32_t age_add,
						 const uint8_t *nonce, size_t nonce_len, const uint8_t *ticket,
						 size_t ticket_len, const uint8_t *ext, size_t ext_len);

/* ---- EndOfEarlyData (RFC 8446 §4.5) ---- */

MOAT_MUST_USE int moat_end_of_early_data_decode(struct moat_cursor body);
MOAT_MUST_USE int moat_end_of_early_data_encode(struct moat_buf *b);

/* ---- KeyUpdate (RFC 8446 §4.6.3) ---- */

/* One byte: 0 update_not_requested, 1 update_requested; another value → ILLEGAL_PARAMETER. */
MOAT_MUST_USE int moat_key_update_decode(struct moat_cursor body, bool *update_requested);
MOAT_MUST_USE int moat_key_update_encode(struct moat_buf *b, bool update_requested);

#endif
