/*
 * The session state a ticket carries: what a server needs to resume a
 * session from a ticket the client hands back (TLS 1.3, RFC 8446 §4.6.1;
 * TLS 1.2 and earlier, RFC 5077 §4), or that it keeps under a session ID
 * (RFC 5246 §7.4.1.2), in one documented encoding.
 *
 * The library never holds a ticket key: the encoding below is the plaintext
 * the application's ticket callback seals (a SEAL operation) into the
 * opaque ticket of a NewSessionTicket, and what an OPEN operation gives back
 * (tls/ticket_op.c). The sealer (moat-keyd in moat) treats it as opaque
 * bytes; only this file reads or writes it.
 *
 * Encoding, version 2 (all integers big-endian, as on the wire):
 *
 *   u8     format              2; anything else is refused (a ticket from
 *                              another release is a full handshake, not an error)
 *   u16    protocol_version    0x0304, or 0x0303, 0x0302, 0x0301 (TLS 1.2,
 *                              1.1, 1.0: see below)
 *   u16    cipher_suite        the suite of the connection that issued it
 *   u64    issue_time          wall clock, nanoseconds since the epoch
 *   u32    lifetime            seconds (RFC 8446 §4.6.1: at most 604800)
 *   u32    ticket_age_add      the NewSessionTicket's, to undo the client's
 *                              obfuscated_ticket_age (§4.2.11.1)
 *   opaque psk<32..48>         HKDF-Expand-Label(resumption_master_secret,
 *                              "resumption", ticket_nonce, Hash.length);
 *                              as long as the suite's hash
 *   opaque server_name<0..255> the SNI of the issuing handshake (empty: none)
 *   opaque alpn<0..255>        the ALPN protocol it chose (empty: none)
 *   u32    max_early_data      0: the library accepts no 0-RTT yet
 *   opaque client_identity<0..429>  empty, or the client certificate the
 *                              issuing handshake verified (its encoding is
 *                              tls/tickets_client_auth.c's: the leaf's
 *                              SHA-256, the trust settings' digest, notAfter,
 *                              subject and commonName)
 *
 * and nothing after it for TLS 1.3. A TLS 1.2, 1.1 or 1.0 state has the
 * same fields with these meanings, and one more at the end:
 *
 *   psk                        the 48-byte master secret (RFC 5246 §8.1),
 *                              which is what RFC 5077 §4 has a ticket carry
 *   ticket_age_add             0 (no such thing before TLS 1.3)
 *   max_early_data             0 (no such thing before TLS 1.3)
 *   u8     flags               bit 0: the master secret is the extended one
 *                              (RFC 7627); the other bits 0
 *
 * The PSK and the master secret are secrets: a state is kept in locked
 * memory by its users and wiped when done.
 */
#ifndef MOAT_TLS_SESSION_STATE_H
#define MOAT_TLS_SESSION_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "tls/crypto/hash.h"

#define MOAT_SESSION_STATE_FORMAT 2
/* 32 + 32 + 8 + (1 + 255) + (1 + 100): see tls/tickets_client_auth.c. */
#define MOAT_SESSION_CLIENT_ID_MAX 429
/* The largest encoding: the fixed fields plus every vector at its longest. */
#define MOAT_SESSION_STATE_MAX_LEN (1 + 2 + 2 + 8 + 4 + 4 + 1 + MOAT_MAX_HASH_LEN + 1 + 255 + 1 + 255 + 4 + 2 + \
				    MOAT_SESSION_CLIENT_ID_MAX + 1)
/* RFC 5246 §8.1: "master_secret ... is always exactly 48 bytes in length." */
#define MOAT_SESSION_MASTER_SECRET_LEN 48
/* flags, TLS 1.2 and earlier. */
#define MOAT_SESSION_F_EMS 0x01u
/* RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)." */
#define MOAT_TICKET_LIFETIME_MAX 604800u

struct moat_session_state {
	uint16_t version;
	uint16_t cipher_suite;
	uint64_t issue_time_ns;
	uint32_t lifetime;
	uint32_t age_add;
	uint8_t psk[MOAT_MAX_HASH_LEN];      /* TLS 1.2 and earlier: the master secret */
	size_t psk_len;
	char server_name[256];               /* NUL-terminated */
	char alpn[256];                      /* NUL-terminated */
	uint32_t max_early_data;
	uint8_t client_identity[MOAT_SESSION_CLIENT_ID_MAX];
	size_t client_identity_len;
	bool ems;                            /* TLS 1.2 and earlier: extended master secret (RFC 7627) */
};

MOAT_MUST_USE int moat_session_state_encode(const struct moat_session_state *s, struct moat_buf *out);
/*
 * Decode exactly one state. Framing errors are MOAT_ERR_DECODE; a format
 * other than 2, a protocol version other than TLS 1.0 to 1.3, a TLS 1.3
 * PSK not 32 or 48 bytes long, an earlier version's master secret not 48,
 * its age_add, max_early_data or unknown flag bits not 0, or a lifetime past
 * seven days MOAT_ERR_ILLEGAL_PARAMETER. A NUL inside server_name or alpn is
 * refused too (they are kept as C strings).
 * *s is written only on success.
 */
MOAT_MUST_USE int moat_session_state_decode(struct moat_cursor in, struct moat_session_state *s);

#endif
