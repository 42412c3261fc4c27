/*
 * TLS 1.3 record protection, RFC 8446 §5.
 *
 * This layer turns one message fragment into one record and one received
 * record back into a content type and fragment. It does no I/O and keeps no
 * buffers of its own: moat_record_write appends to a caller's moat_buf and
 * moat_record_open decrypts in place inside the caller's receive buffer, so a
 * record is copied at most once on the way in (by recv) and once on the way
 * out (into the send buffer). Transport buffering lives in tls/record_io.h.
 *
 * Each direction holds its AEAD context, static IV and sequence number. The
 * traffic key exists only for the moment it takes to key the AEAD: it is
 * derived from the traffic secret into a stack array and wiped at once.
 *
 * Every check RFC 8446 §5 asks of a receiver raises the error whose alert the
 * RFC names, so the connection layer sends that alert unchanged.
 *
 * Size limits: max_plaintext_in / max_plaintext_out bound the content plus
 * padding of a record, i.e. the TLSInnerPlaintext without its one-byte type
 * (RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed
 * 2^14 + 1 octets"). With record_size_limit (RFC 8449 §4), whose value counts
 * the type byte in TLS 1.3, set max_plaintext_* = limit - 1. Values above 2^14
 * are treated as 2^14.
 */
#ifndef MOAT_TLS_RECORD_H
#define MOAT_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "tls/crypto/aead.h"
#include "tls/crypto/hash.h"
#include "tls/iana.h"

/* Largest record on the wire: header + 2^14 + 256 (RFC 8446 §5.2). */
#define MOAT_RECORD_MAX_WIRE_LEN (MOAT_RECORD_HEADER_LEN + MOAT_MAX_CIPHERTEXT_13)

/* One direction of the record layer. */
struct moat_record_dir {
	struct moat_aead aead;           /* alg NONE while unprotected */
	uint8_t iv[MOAT_AEAD_NONCE_LEN];
	uint64_t seq;
};

struct moat_record_layer {
	struct moat_record_dir read, write;
	uint16_t write_version;          /* legacy_record_version of unprotected output: 0x0301 until the lead sets 0x0303 */
	size_t max_plaintext_out;        /* default 16384; lowered by record_size_limit / max_fragment_length */
	size_t max_plaintext_in;         /* default 16384 */
	bool accept_plaintext_alerts;      /* handshake in progress: a peer not yet protecting may send a clear alert */
};

void moat_record_layer_init(struct moat_record_layer *rl);
/* Frees the AEAD contexts and wipes the IVs; the layer may be initialised again. */
void moat_record_layer_free(struct moat_record_layer *rl);

/* True once keys are installed for that direction. */
bool moat_record_is_protected(const struct moat_record_layer *rl, bool write);

/*
 * Install keys for one direction from a TLS 1.3 traffic secret (RFC 8446 §7.3):
 * derives key and IV, resets seq to 0 (§5.3), wipes the key. On failure the
 * direction keeps its previous keys.
 */
MOAT_MUST_USE int moat_record_set_traffic_secret(struct moat_record_layer *rl, bool write, moat_hash_alg hash,
						 moat_aead_alg aead, const uint8_t *traffic_secret);

/*
 * Append one record carrying data[0..len) of content_type to out.
 *
 * Protected write direction: TLSInnerPlaintext = data || type || padding
 * zeros, outer type application_data, version 0x0303, AAD = the 5-byte header
 * (§5.2), nonce = iv XOR seq (§5.3); seq increments. len + padding must not
 * exceed max_plaintext_out (§5.4: padding counts against the limit).
 * Unprotected (and change_cipher_spec, which is never protected, §5):
 * TLSPlaintext with write_version; padding must be 0.
 * Zero-length handshake and alert fragments are refused (§5.1, §5.4).
 * Fails with MOAT_ERR_INVALID_STATE when seq would wrap (2^64-1), and with
 * MOAT_ERR_INVALID_ARG for bad sizes or an unknown type. data must not point
 * into out. On failure out is left as it was.
 */
MOAT_MUST_USE int moat_record_write(struct moat_record_layer *rl, uint8_t content_type, const uint8_t *data,
				    size_t len, size_t padding, struct moat_buf *out);

/*
 * Bytes a record of len plaintext bytes + padding takes on the wire with the
 * current write keys (change_cipher_spec records are always 5 + len).
 */
size_t moat_record_wire_len(const struct moat_record_layer *rl, size_t len, size_t padding);

/*
 * Parse and remove protection from one complete record (header + fragment)
 * held in rec[0..rec_len), decrypting in place. Out: the real content type
 * and the plaintext (pointing into rec). The read seq advances only when a
 * protected record opens successfully.
 *
 * Checks (alert): outer length > 2^14+256 (record_overflow); rec_len not
 * exactly header + length (decode_error: a caller bug or truncation); unknown
 * content type (unexpected_message); while protected: an unprotected record
 * other than change_cipher_spec (unexpected_message) — change_cipher_spec
 * records are returned as-is with their type so the caller can apply RFC 8446
 * §5 (a single 0x01 CCS is ignored during the handshake); AEAD failure,
 * including a fragment shorter than the tag (bad_record_mac); inner
 * content + padding > max_plaintext_in (record_overflow); all-zero inner
 * plaintext with no type (unexpected_message); an inner type other than
 * handshake, alert or application_data (unexpected_message); zero-length
 * handshake or alert fragment (unexpected_message); unprotected fragment >
 * max_plaintext_in (record_overflow; application_data excepted, below).
 * Before read keys are installed every known type is returned as-is,
 * application_data included and bounded only as a TLSCiphertext (2^14 + 256):
 * only the caller knows whether that is early data to skip after a
 * HelloRetryRequest (RFC 8446 §4.2.10) or an unexpected_message.
 */
MOAT_MUST_USE int moat_record_open(struct moat_record_layer *rl, uint8_t *rec, size_t rec_len,
				   uint8_t *content_type, uint8_t **plain, size_t *plain_len);

/*
 * Length of the complete record whose 5-byte header is at hdr (5 + length
 * field). Checks the length bound (record_overflow) so the caller never
 * buffers more than MOAT_RECORD_MAX_WIRE_LEN bytes, and the content type
 * (unexpected_message) so that a peer speaking another protocol is refused
 * after five bytes rather than after the "length" its bytes happen to spell.
 */
MOAT_MUST_USE int moat_record_total_len(const uint8_t hdr[MOAT_RECORD_HEADER_LEN], size_t *total);

#endif
