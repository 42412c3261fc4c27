/*
 * Codecs for the extensions only TLS 1.2 and older use, under the
 * conventions of tls/extensions.h: a decoder takes one extension_data by
 * value and validates it completely, an encoder appends a whole extension.
 * Which messages they may appear in is the extension table's business.
 *
 * extended_master_secret (RFC 7627 §5.1) has an empty extension_data in
 * both hellos: moat_ext_empty_decode and moat_ext_write_empty serve it.
 */
#ifndef MOAT_TLS_EXTENSIONS12_H
#define MOAT_TLS_EXTENSIONS12_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "tls/extensions.h"

/*
 * renegotiation_info (RFC 5746 §3.2): renegotiated_connection<0..255>:
 * empty on an initial handshake, the client's (and in a ServerHello also
 * the server's) verify_data on a renegotiation. Comparing it with the
 * expected value is the handshake's job.
 */
MOAT_MUST_USE int moat_ext_renegotiation_info_decode(struct moat_cursor d, struct moat_cursor *renegotiated_connection);
MOAT_MUST_USE int moat_ext_write_renegotiation_info(struct moat_buf *b, const uint8_t *renegotiated_connection,
						    size_t len);

/*
 * ec_point_formats (RFC 8422 §5.1.2, §5.2): ec_point_format_list<1..2^8-1>
 * of u8. It MUST contain uncompressed(0), from either side (§5.1.2: the
 * server aborts with illegal_parameter; §5.2: a server's list MUST contain
 * it), so a list without it → ILLEGAL_PARAMETER. Other values are allowed
 * alongside (peers still list the deprecated ones).
 */
#define MOAT_EC_POINT_FORMAT_UNCOMPRESSED 0
MOAT_MUST_USE int moat_ext_ec_point_formats_decode(struct moat_cursor d, struct moat_cursor *formats);
/* 1..255 formats, one of them uncompressed (INVALID_ARG otherwise). */
MOAT_MUST_USE int moat_ext_write_ec_point_formats(struct moat_buf *b, const uint8_t *formats, size_t n);

/*
 * session_ticket (RFC 5077 §3.2): "The extension_data field ... contains
 * the ticket", with no length of its own; empty asks for (CH) or promises
 * (SH) a NewSessionTicket. Any extension_data is a valid ticket here; the
 * ticket code opens and authenticates it.
 */
MOAT_MUST_USE int moat_ext_session_ticket_decode(struct moat_cursor d, struct moat_cursor *ticket);
/* len 0..2^16-1; ticket may be NULL when len is 0. */
MOAT_MUST_USE int moat_ext_write_session_ticket(struct moat_buf *b, const uint8_t *ticket, size_t len);

#endif
