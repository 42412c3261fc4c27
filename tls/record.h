/*
 * Record protection, RFC 8446 §5 (TLS 1.3) and RFC 5246 §6.2 (TLS 1.2).
 *
 * This layer turns one message fragment into one record and one received
 * record back into a content type and fragment. It does no I/O and keeps no
 * buffers of its own: moat_record_write appends to a caller's moat_buf and
 * moat_record_open decrypts in place inside the caller's receive buffer, so a
 * record is copied at most once on the way in (by recv) and once on the way
 * out (into the send buffer). Transport buffering lives in tls/record_io.h.
 *
 * Protection is an interface. Each direction holds one protection, a vtable
 * (struct moat_record_protection), and the state it works on (struct
 * moat_record_dir: sequence number, cipher context, IV). The layer itself
 * only frames records, enforces the bounds and decides which records go
 * through the protection; one indirect call per record is all it costs.
 *
 *   moat_record_null     no protection: TLSPlaintext (RFC 8446 §5.1,
 *                        RFC 5246 §6.2.1). Every direction starts here.
 *   moat_record_aead13   TLS 1.3 AEAD (tls/record_aead13.c): nonce = IV XOR
 *                        seq (§5.3), AAD = the record header (§5.2), the
 *                        real content type inside (§5.4).
 *
 * TLS 1.0 - 1.2 protections, keyed from the key block of RFC 5246 §6.3 by
 * moat_record_set_tls12_keys (tls/record_tls12.h), which picks one from the
 * cipher suite's row:
 *   moat_record_aead12_explicit  AES-GCM (RFC 5288 §3): a 4-byte implicit
 *                        salt (keys.iv) and an 8-byte explicit nonce sent
 *                        before the ciphertext (tls/record_aead12.c);
 *   moat_record_aead12_implicit  ChaCha20-Poly1305 (RFC 7905 §2): IV XOR
 *                        seq as in 1.3, nothing sent;
 *   moat_record_cbc      CBC + HMAC (RFC 5246 §6.2.3.2, tls/record_cbc.c):
 *                        an explicit random IV per record from TLS 1.1, the
 *                        chained IV and 1/n-1 split of application data in
 *                        TLS 1.0, and a padding-and-MAC check on open that
 *                        runs in constant time (Lucky Thirteen).
 * All three authenticate seq_num || type || version || length (RFC 5246
 * §6.2.3.1, §6.2.3.3): seal gets the type and the record version, open the
 * whole header, and both the direction's sequence number. A protection whose
 * outer type is the real one (all of 1.2's) gets every record once keys are
 * installed; a 1.3 protection (inner_type) gets only application_data
 * records and change_cipher_spec bypasses it (RFC 8446 §5).
 *
 * Bounds per version: TLSCiphertext.length is at most 2^14 + 256 in TLS 1.3
 * (RFC 8446 §5.2) and 2^14 + 2048 in TLS 1.2 (RFC 5246 §6.2.3);
 * moat_record_set_version picks the bound, 1.3's until told otherwise.
 *
 * Every check the RFC asks of a receiver raises the error whose alert the
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
#include "tls/crypto/cbc.h"
#include "tls/crypto/hash.h"
#include "tls/iana.h"

/* Largest TLS 1.3 record on the wire: header + 2^14 + 256 (RFC 8446 §5.2). */
#define MOAT_RECORD_MAX_WIRE_LEN (MOAT_RECORD_HEADER_LEN + MOAT_MAX_CIPHERTEXT_13)
/* TLSCiphertext.length bound of TLS 1.2 and earlier: 2^14 + 2048 (RFC 5246 §6.2.3). */
#define MOAT_MAX_CIPHERTEXT_12 (16384 + 2048)

struct moat_record_dir;

/*
 * Key material for one direction, as a key schedule hands it over. The layer
 * copies what it keeps; the caller wipes its own copies.
 */
struct moat_record_keys {
	/*
	 * AEAD protections use aead; the explicit nonce length (8 for 1.2
	 * AES-GCM, 0 otherwise) follows from the protection. CBC protections
	 * use cbc, whose block size gives the explicit IV and the padding
	 * (RFC 5246 §6.2.3.2), with mac_key / mac_hash and version.
	 */
	moat_aead_alg aead;
	moat_cbc_alg cbc;                /* 1.2 CBC protections: the block cipher (aead is NONE) */
	const uint8_t *key;              /* cipher key, moat_aead_key_len(aead) or moat_cbc_key_len(cbc) bytes */
	size_t key_len;
	const uint8_t *iv;               /* 1.3: the 12-byte write IV (§7.3); 1.2: client/server_write_IV */
	size_t iv_len;
	const uint8_t *mac_key;          /* 1.2 CBC + HMAC only: client/server_write_MAC_key */
	size_t mac_key_len;
	moat_hash_alg mac_hash;
	/* 1.2 CBC protections: 0x0301 chains IVs and splits application data 1/n-1, 0x0302+ sends an IV per record. */
	uint16_t version;
};

/* One protection: see the file comment. Functions get the direction they protect. */
struct moat_record_protection {
	const char *name;
	/* TLS 1.3: the outer type is always application_data and the real type is inside. */
	bool inner_type;
	/* Key a zeroed direction; on failure it holds nothing that needs freeing. */
	MOAT_MUST_USE int (*init)(struct moat_record_dir *d, const struct moat_record_keys *keys, bool write);
	/* Free and wipe what init set up. */
	void (*clear)(struct moat_record_dir *d);
	/* Bytes on the wire, header included, for len content bytes and padding. */
	size_t (*wire_len)(const struct moat_record_dir *d, size_t len, size_t padding);
	/*
	 * Append one record (header and fragment) to out; version is the
	 * record version to write where the protection does not fix it. On
	 * failure out is as it was and holds no plaintext.
	 */
	MOAT_MUST_USE int (*seal)(struct moat_record_dir *d, uint8_t type, uint16_t version, const uint8_t *data,
				  size_t len, size_t padding, struct moat_buf *out);
	/*
	 * Open the record rec (header + frag_len bytes, lengths already checked
	 * against the buffer) in place; max_plaintext bounds the content plus
	 * padding. The sequence number advances only on success.
	 */
	MOAT_MUST_USE int (*open)(struct moat_record_dir *d, uint8_t *rec, size_t frag_len, size_t max_plaintext,
				  uint8_t *content_type, uint8_t **plain, size_t *plain_len);
};

extern const struct moat_record_protection moat_record_null;
/* TLS 1.3 AEAD: key.len = moat_aead_key_len(aead), iv_len = 12. */
extern const struct moat_record_protection moat_record_aead13;
/* TLS 1.2 AES-GCM (RFC 5288 §3): iv_len = 4, the salt; an 8-byte explicit nonce per record. */
extern const struct moat_record_protection moat_record_aead12_explicit;
/* TLS 1.2 ChaCha20-Poly1305 (RFC 7905 §2): iv_len = 12, nonce = IV XOR seq as in 1.3. */
extern const struct moat_record_protection moat_record_aead12_implicit;
/*
 * TLS 1.0 - 1.2 CBC + HMAC (RFC 5246 §6.2.3.2, tls/record_cbc.c): keys.cbc,
 * key, mac_key / mac_hash, version; iv_len = the block length for 0x0301
 * (the first IV, from the key block), 0 after.
 */
extern const struct moat_record_protection moat_record_cbc;

struct moat_record_cbc;

/*
 * One direction of the record layer: the protection and its state. The
 * AEAD key lives only inside the cipher context; a 1.2 CBC protection keeps
 * its MAC key the same way, inside a keyed HMAC context added here.
 */
struct moat_record_dir {
	const struct moat_record_protection *prot; /* &moat_record_null while unprotected */
	uint64_t seq;
	struct moat_aead aead;
	uint8_t iv[MOAT_AEAD_NONCE_LEN];
	struct moat_record_cbc *cbc;     /* CBC protections only: cipher, HMAC and IV state in moat_secmem */
};

struct moat_record_layer {
	struct moat_record_dir read, write;
	uint16_t write_version;          /* legacy_record_version of unprotected output: 0x0301 until the lead sets 0x0303 */
	size_t max_plaintext_out;        /* default 16384; lowered by record_size_limit / max_fragment_length */
	size_t max_plaintext_in;         /* default 16384 */
	size_t max_ciphertext;           /* TLSCiphertext.length bound of the version: moat_record_set_version */
	bool accept_plaintext_alerts;      /* handshake in progress: a peer not yet protecting may send a clear alert */
};

void moat_record_layer_init(struct moat_record_layer *rl);
/* Frees the AEAD contexts and wipes the IVs; the layer may be initialised again. */
void moat_record_layer_free(struct moat_record_layer *rl);

/* True once keys are installed for that direction. */
bool moat_record_is_protected(const struct moat_record_layer *rl, bool write);

/*
 * The record bounds of a protocol version: 2^14 + 256 for TLS 1.3, 2^14 +
 * 2048 for TLS 1.2 and earlier (see the file comment). MOAT_ERR_INVALID_ARG
 * for a version this library does not know.
 */
MOAT_MUST_USE int moat_record_set_version(struct moat_record_layer *rl, uint16_t version);

/* Largest record, header included, the layer accepts under its version's bound. */
size_t moat_record_max_wire_len(const struct moat_record_layer *rl);

/*
 * Install a protection for one direction: prot keys a fresh state from keys,
 * and only then is the old state freed, so on failure the direction keeps its
 * previous keys. The sequence number starts at 0 (RFC 8446 §5.3, RFC 5246
 * §6.1).
 */
MOAT_MUST_USE int moat_record_set_keys(struct moat_record_layer *rl, bool write,
				       const struct moat_record_protection *prot, const struct moat_record_keys *keys);

/*
 * Install keys for one direction from a TLS 1.3 traffic secret (RFC 8446 §7.3):
 * derives key and IV into the stack, installs moat_record_aead13 with them
 * (seq 0, §5.3), wipes both. On failure the direction keeps its previous keys.
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
 * TLS 1.0 - 1.2 protections take no padding (MOAT_ERR_INVALID_ARG), write the
 * real type and the layer's write_version in the header, and under TLS 1.0
 * CBC a write of 2 or more bytes of application data appends two records.
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
 * Append the ChangeCipherSpec record, the single byte 0x01 (RFC 5246 §7.1,
 * RFC 8446 §5 and Appendix D.4), with the current write state: unprotected in
 * TLS 1.3 always, and in TLS 1.2 under the keys it is about to replace.
 */
MOAT_MUST_USE int moat_record_write_ccs(struct moat_record_layer *rl, struct moat_buf *out);

/* Append one alert record {level, description} (RFC 8446 §6, RFC 5246 §7.2). */
MOAT_MUST_USE int moat_record_write_alert(struct moat_record_layer *rl, uint8_t level, uint8_t description,
					  struct moat_buf *out);

/*
 * Parse and remove protection from one complete record (header + fragment)
 * held in rec[0..rec_len), decrypting in place. Out: the real content type
 * and the plaintext (pointing into rec). The read seq advances only when a
 * protected record opens successfully.
 *
 * Checks (alert): outer length over the version's bound, 2^14+256 in 1.3
 * (record_overflow); rec_len not exactly header + length (decode_error: a
 * caller bug or truncation); unknown
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
/* The same under the layer's version bound (moat_record_total_len uses TLS 1.3's). */
MOAT_MUST_USE int moat_record_layer_total_len(const struct moat_record_layer *rl,
					      const uint8_t hdr[MOAT_RECORD_HEADER_LEN], size_t *total);

/* For protections: write the 5-byte record header at p. */
static inline void moat_record_put_header(uint8_t *p, uint8_t type, uint16_t version, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t)(version >> 8);
	p[2] = (uint8_t)(version & 0xff);
	p[3] = (uint8_t)(len >> 8);
	p[4] = (uint8_t)(len & 0xff);
}

#endif
